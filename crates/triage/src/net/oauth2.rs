//! `http_config.oauth2`: the OAuth 2.0 client credentials grant, as Prometheus' common config
//! does it (golang.org/x/oauth2/clientcredentials): a token is asked of `token_url` with
//! `grant_type=client_credentials`, `scope` (the `scopes`, space separated) and
//! `endpoint_params`, the client id and secret in a basic `Authorization` header; it is kept
//! until ten seconds before it expires (`expires_in`), or until a request with it is answered
//! 401. The secret (`client_secret` or `client_secret_file`, read at each token request) never
//! appears in an error.

use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::header::HeaderValue;
use triage_core::config::Raw;
use yaml_serde::Value;

use super::retry::DeliveryError;
use super::secret::SecretSource;

/// The keys of `oauth2` triage applies.
pub const KEYS: [&str; 6] =
    ["client_id", "client_secret", "client_secret_file", "scopes", "token_url", "endpoint_params"];

/// How long before its expiry a token is replaced.
const EXPIRY_DELTA: Duration = Duration::from_secs(10);

/// A token and until when it is used.
struct Token {
    header: String,
    until: Option<Instant>,
}

/// The client credentials of one `http_config`, with its token.
pub struct OAuth2 {
    client_id: String,
    secret: Option<SecretSource>,
    token_url: String,
    scopes: Vec<String>,
    params: Vec<(String, String)>,
    token: tokio::sync::Mutex<Option<Token>>,
}

impl std::fmt::Debug for OAuth2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth2").field("client_id", &self.client_id).field("token_url", &self.token_url).finish()
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl OAuth2 {
    /// The `oauth2` block of an `http_config`, if any.
    pub fn from_config(raw: &Raw) -> Result<Option<OAuth2>, String> {
        let Some(o) = raw.value().get("oauth2").filter(|v| !v.is_null()) else { return Ok(None) };
        let get = |k: &str| o.get(k).and_then(text).filter(|s| !s.is_empty());
        let token_url = get("token_url").ok_or("oauth2: token_url is required")?;
        let client_id = get("client_id").unwrap_or_default();
        let secret = SecretSource::from_pair(get("client_secret").as_deref(), get("client_secret_file").as_deref());
        let scopes = match o.get("scopes") {
            Some(Value::Sequence(s)) => s.iter().filter_map(text).collect(),
            _ => Vec::new(),
        };
        let params = match o.get("endpoint_params") {
            Some(Value::Mapping(m)) => {
                m.iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), text(v).unwrap_or_default()))).collect()
            }
            _ => Vec::new(),
        };
        Ok(Some(OAuth2 { client_id, secret, token_url, scopes, params, token: tokio::sync::Mutex::new(None) }))
    }

    /// The `Authorization` header: the kept token, or a new one.
    pub async fn header(&self, client: &reqwest::Client) -> Result<HeaderValue, DeliveryError> {
        let mut kept = self.token.lock().await;
        let now = Instant::now();
        if let Some(t) = kept.as_ref().filter(|t| t.until.is_none_or(|u| now < u)) {
            return sensitive(&t.header);
        }
        let token = self.fetch(client).await?;
        let value = sensitive(&token.header)?;
        *kept = Some(token);
        Ok(value)
    }

    /// Drops the kept token (the server refused it).
    pub async fn forget(&self) {
        *self.token.lock().await = None;
    }

    async fn fetch(&self, client: &reqwest::Client) -> Result<Token, DeliveryError> {
        let secret = match &self.secret {
            Some(s) => s.resolve()?,
            None => String::new(),
        };
        let mut form: Vec<(String, String)> = vec![("grant_type".into(), "client_credentials".into())];
        if !self.scopes.is_empty() {
            form.push(("scope".into(), self.scopes.join(" ")));
        }
        form.extend(self.params.iter().cloned());
        let body =
            triage_core::notify::encode_query(&form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>());
        let pair = format!(
            "{}:{}",
            triage_core::notify::query_escape(&self.client_id),
            triage_core::notify::query_escape(&secret)
        );
        let basic = sensitive(&format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)))?;
        let started = Instant::now();
        let mut resp = client
            .post(&self.token_url)
            .header(reqwest::header::AUTHORIZATION, basic)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| DeliveryError::Retryable {
                message: format!("oauth2: token request failed: {}", without_url(&e)),
                after: None,
            })?;
        let status = resp.status().as_u16();
        let body = super::body::read_capped(&mut resp, 64 << 10).await.body;
        let excerpt: String = String::from_utf8_lossy(&body).trim().chars().take(200).collect();
        if !(200..300).contains(&status) {
            let message = format!("oauth2: the token endpoint answered {status}: {excerpt}");
            return Err(if status == 429 || status >= 500 {
                DeliveryError::Retryable { message, after: None }
            } else {
                DeliveryError::Permanent(message)
            });
        }
        let v: serde_json::Value = serde_json::from_slice(&body).map_err(|_| {
            DeliveryError::Permanent(format!("oauth2: the token endpoint's answer is not JSON: {excerpt}"))
        })?;
        let access = v.get("access_token").and_then(|t| t.as_str()).filter(|t| !t.is_empty()).ok_or_else(|| {
            DeliveryError::Permanent("oauth2: the token endpoint's answer has no access_token".into())
        })?;
        let kind = match v.get("token_type").and_then(|t| t.as_str()) {
            None | Some("") => "Bearer".to_string(),
            Some(t) if t.eq_ignore_ascii_case("bearer") => "Bearer".to_string(),
            Some(t) => t.to_string(),
        };
        let until = v
            .get("expires_in")
            .and_then(|e| e.as_u64().or_else(|| e.as_str().and_then(|s| s.parse().ok())))
            .filter(|s| *s > 0)
            .map(|s| (started + Duration::from_secs(s)).checked_sub(EXPIRY_DELTA).unwrap_or(started));
        Ok(Token { header: format!("{kind} {access}"), until })
    }
}

fn sensitive(text: &str) -> Result<HeaderValue, DeliveryError> {
    let mut v = HeaderValue::from_str(text)
        .map_err(|_| DeliveryError::Permanent("oauth2: the token is not a valid header value".into()))?;
    v.set_sensitive(true);
    Ok(v)
}

fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), "<url>");
    }
    s
}
