//! Access control of the HTTP API, from the web configuration: bearer tokens with a read or
//! write scope, Alertmanager's basic auth users (bcrypt; full access), and a per-client rate
//! limit. GET and HEAD need read, everything else write. `/-/healthy` and `/-/ready` stay open
//! for probes. Without users and tokens every request is allowed (as Alertmanager without a
//! web configuration); the rate limit applies either way when set.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use parking_lot::Mutex;

use crate::config::web::{RateLimit, Scope, WebConfig};

/// Clients remembered by the rate limiter before it starts afresh.
const MAX_CLIENTS: usize = 10_000;

/// What the guard checks requests against.
pub struct Access {
    config: WebConfig,
    /// Keyed hashes of `user:password` pairs already verified against their bcrypt hash.
    verified: Mutex<HashSet<u64>>,
    hasher: RandomState,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Access {
    /// Access as `config` says.
    pub fn new(config: WebConfig) -> Arc<Access> {
        Arc::new(Access {
            config,
            verified: Mutex::new(HashSet::new()),
            hasher: RandomState::new(),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// The scope the request's credentials give, `None` when they are missing or wrong.
    fn scope_of(&self, authorization: Option<&str>) -> Option<Scope> {
        let value = authorization?;
        if let Some(token) = value.strip_prefix("Bearer ") {
            return self
                .config
                .tokens
                .iter()
                .find(|t| constant_time_eq(t.secret.as_bytes(), token.trim().as_bytes()))
                .map(|t| t.scope);
        }
        let encoded = value.strip_prefix("Basic ")?;
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
        let pair = String::from_utf8(decoded).ok()?;
        let (user, password) = pair.split_once(':')?;
        let hash = self.config.basic_auth_users.get(user)?;
        let key = self.hasher.hash_one(&pair);
        if self.verified.lock().contains(&key) {
            return Some(Scope::Write);
        }
        if bcrypt::verify(password, hash).unwrap_or(false) {
            self.verified.lock().insert(key);
            return Some(Scope::Write);
        }
        None
    }

    /// Takes one request from `client`'s bucket; `false` when it is empty.
    fn admit(&self, limit: RateLimit, client: IpAddr) -> bool {
        let now = Instant::now();
        let mut buckets = self.buckets.lock();
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            buckets.clear();
        }
        let (tokens, last) = buckets.entry(client).or_insert((f64::from(limit.burst), now));
        let refill = now.duration_since(*last).as_secs_f64() * limit.per_second;
        *tokens = (*tokens + refill).min(f64::from(limit.burst));
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refused(status: StatusCode, message: &str, access: &Access) -> Response {
    let mut resp = (status, axum::Json(message)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        let challenge = if access.config.basic_auth_users.is_empty() {
            "Bearer realm=\"triage\""
        } else {
            "Basic realm=\"triage\""
        };
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    }
    resp
}

/// The middleware.
pub async fn guard(State(access): State<Arc<Access>>, req: Request, next: Next) -> Response {
    if let Some(limit) = access.config.rate_limit {
        let client = req.extensions().get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        if !access.admit(limit, client) {
            let mut resp = refused(StatusCode::TOO_MANY_REQUESTS, "too many requests from this client", &access);
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return resp;
        }
    }
    if !access.config.requires_auth() || matches!(req.uri().path(), "/-/healthy" | "/-/ready") {
        return next.run(req).await;
    }
    let authorization = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let needed =
        if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) { Scope::Read } else { Scope::Write };
    match access.scope_of(authorization) {
        None => refused(StatusCode::UNAUTHORIZED, "missing or wrong credentials", &access),
        Some(Scope::Read) if needed == Scope::Write => {
            refused(StatusCode::FORBIDDEN, "this token may only read (GET); writing needs a write token", &access)
        }
        Some(_) => next.run(req).await,
    }
}
