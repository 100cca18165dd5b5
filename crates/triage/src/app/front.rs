//! The front door of every process: what answers a request. While this process runs the
//! engine, its own router does. While it does not (it stands by for the engine lease, or it
//! only accepts alerts with `--role api`), it answers the probes and `/metrics` itself,
//! publishes posted alerts to the ingest bus when there is one, and forwards every other
//! request to the process that runs the engine, found in the engine lease, so that clients
//! may talk to any replica.
//!
//! A forwarded request carries `Triage-Forwarded`; a process that does not run the engine
//! refuses such a request instead of forwarding it again (a leader that just changed).

use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use parking_lot::Mutex;
use sqlx::postgres::PgPool;
use tower::ServiceExt;

use crate::clock::Clock;
use crate::ingest::bus::IngestBus;
use crate::metrics::Metrics;
use crate::store::lease::{self, Leader};

/// The header marking a forwarded request.
pub const FORWARDED: &str = "triage-forwarded";
/// How long the lease's answer to "who runs the engine" is reused.
const LEADER_CACHE: Duration = Duration::from_secs(1);
/// How long a forwarded request may take.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(60);

/// Where requests go.
pub struct Front {
    /// This process's router, once it runs the engine.
    local: ArcSwapOption<Router>,
    /// The shared store's pool, to find the process running the engine.
    leases: Option<PgPool>,
    leader: Mutex<Option<(Instant, Option<Leader>)>>,
    bus: Option<IngestBus>,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
    resolve_timeout: SignedDuration,
    http: reqwest::Client,
    max_body: usize,
    own_url: String,
}

/// What a [`Front`] is made of.
pub struct FrontParts {
    /// The shared store's pool (PostgreSQL), when there is one.
    pub leases: Option<PgPool>,
    /// The ingest bus.
    pub bus: Option<IngestBus>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The configuration's resolve_timeout, to check posted alerts.
    pub resolve_timeout: SignedDuration,
    /// Largest request body.
    pub max_body: usize,
    /// This process's own URL, as written in the lease when it runs the engine.
    pub own_url: String,
}

impl Front {
    /// A front with no local router yet.
    pub fn new(p: FrontParts) -> Arc<Front> {
        let http = crate::net::client::builder(FORWARD_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with default TLS settings builds");
        Arc::new(Front {
            local: ArcSwapOption::empty(),
            leases: p.leases,
            leader: Mutex::new(None),
            bus: p.bus,
            metrics: p.metrics,
            clock: p.clock,
            resolve_timeout: p.resolve_timeout,
            http,
            max_body: p.max_body,
            own_url: p.own_url,
        })
    }

    /// From now on this process's own router answers everything.
    pub fn serve_locally(&self, router: Router) {
        self.local.store(Some(Arc::new(router)));
    }

    /// The router that serves through this front.
    pub fn router(self: &Arc<Front>) -> Router {
        Router::new().fallback(answer).with_state(Arc::clone(self))
    }

    /// The process running the engine, from the lease (cached for a second).
    async fn leader(&self) -> Option<Leader> {
        let pool = self.leases.as_ref()?;
        if let Some((at, known)) = self.leader.lock().clone()
            && at.elapsed() < LEADER_CACHE
        {
            return known;
        }
        let found = match lease::leader(pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the engine lease");
                None
            }
        };
        *self.leader.lock() = Some((Instant::now(), found.clone()));
        found
    }

    async fn standby(&self, req: Request) -> Response {
        let path = req.uri().path();
        match (req.method(), path) {
            (&Method::GET | &Method::HEAD, "/-/healthy") => {
                (StatusCode::OK, "OK (this process does not run the engine)\n").into_response()
            }
            (&Method::GET | &Method::HEAD, "/-/ready") => self.ready().await,
            (&Method::GET, "/metrics") => {
                let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
                let (content_type, text) = self.metrics.scrape(accept);
                ([(header::CONTENT_TYPE, content_type)], text).into_response()
            }
            (&Method::POST, "/api/v2/alerts") if self.bus.is_some() => self.publish(req).await,
            _ => self.forward(req).await,
        }
    }

    /// Ready when posted alerts are accepted (there is an ingest bus) or another process runs
    /// the engine and answers; not while this process is still starting the engine.
    async fn ready(&self) -> Response {
        if self.bus.is_some() {
            return (StatusCode::OK, "OK (alerts go to the ingest bus)\n").into_response();
        }
        match self.leader().await {
            Some(l) if l.url != self.own_url => {
                let probe = self
                    .http
                    .get(format!("{}/-/ready", l.url.trim_end_matches('/')))
                    .header(FORWARDED, "1")
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await;
                match probe {
                    Ok(r) if r.status().is_success() => {
                        (StatusCode::OK, format!("OK (forwarding to {})\n", l.url)).into_response()
                    }
                    _ => {
                        *self.leader.lock() = None;
                        unavailable("the process running the engine does not answer")
                    }
                }
            }
            Some(_) => unavailable("this process is starting the engine"),
            None => unavailable("no process runs the engine at the moment"),
        }
    }

    /// Checks posted alerts and publishes them to the ingest bus, as the engine's own
    /// handler does.
    async fn publish(&self, req: Request) -> Response {
        let Some(bus) = &self.bus else { return unavailable("no ingest bus") };
        let body = match axum::body::to_bytes(req.into_body(), self.max_body).await {
            Ok(b) => b,
            Err(_) => return too_large(self.max_body),
        };
        let now = self.clock.now();
        bus.accept(&self.metrics, body, now, self.resolve_timeout)
            .await
            .map(|()| StatusCode::OK)
            .map_err(crate::api::error::ApiError::from)
            .into_response()
    }

    /// Sends the request on to the process running the engine and its answer back.
    async fn forward(&self, req: Request) -> Response {
        if req.headers().contains_key(FORWARDED) {
            return unavailable("a forwarded request reached a process that does not run the engine");
        }
        let Some(leader) = self.leader().await else {
            return unavailable("no process runs the engine at the moment");
        };
        if leader.url == self.own_url {
            return unavailable("this process is starting the engine");
        }
        let (parts, body) = req.into_parts();
        let body = match axum::body::to_bytes(body, self.max_body).await {
            Ok(b) => b,
            Err(_) => return too_large(self.max_body),
        };
        let target =
            format!("{}{}", leader.url.trim_end_matches('/'), parts.uri.path_and_query().map_or("/", |p| p.as_str()));
        let mut request = self.http.request(parts.method, &target).body(body);
        for (name, value) in &parts.headers {
            if passes(name) {
                request = request.header(name, value);
            }
        }
        match request.header(FORWARDED, "1").send().await {
            Ok(resp) => {
                let status = resp.status();
                let headers: HeaderMap =
                    resp.headers().iter().filter(|(n, _)| passes(n)).map(|(n, v)| (n.clone(), v.clone())).collect();
                match resp.bytes().await {
                    Ok(bytes) => {
                        let mut out = Response::new(Body::from(bytes));
                        *out.status_mut() = status;
                        *out.headers_mut() = headers;
                        out
                    }
                    Err(e) => self.unreachable(&leader, &e),
                }
            }
            Err(e) => self.unreachable(&leader, &e),
        }
    }

    fn unreachable(&self, leader: &Leader, e: &reqwest::Error) -> Response {
        // Asked again next time: the engine may have moved.
        *self.leader.lock() = None;
        let cause = crate::net::cause::cause_of(e);
        tracing::warn!(engine = %leader.url, error = %cause, "forwarding to the engine failed");
        let msg = format!("the process running the engine ({}) did not answer: {cause}", leader.url);
        (StatusCode::BAD_GATEWAY, [(header::RETRY_AFTER, "2")], axum::Json(msg)).into_response()
    }
}

async fn answer(State(front): State<Arc<Front>>, req: Request) -> Response {
    match front.local.load_full() {
        Some(router) => match Router::clone(&router).oneshot(req).await {
            Ok(resp) => resp,
            Err(never) => match never {},
        },
        None => front.standby(req).await,
    }
}

/// Whether a header is passed on: not the hop-by-hop ones, nor those the client library
/// sets itself.
fn passes(name: &HeaderName) -> bool {
    !matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

fn unavailable(why: &str) -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "2")], axum::Json(why)).into_response()
}

fn too_large(max: usize) -> Response {
    (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(format!("request body larger than {max} bytes"))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_stay() {
        for h in ["connection", "transfer-encoding", "host", "content-length", "upgrade"] {
            assert!(!passes(&HeaderName::from_static(h)), "{h}");
        }
        for h in ["authorization", "content-type", "accept", "retry-after", "etag"] {
            assert!(passes(&HeaderName::from_static(h)), "{h}");
        }
    }
}
