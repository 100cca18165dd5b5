//! One HTTP endpoint a client command talks to (triage, VictoriaMetrics, InfluxDB,
//! Elasticsearch): its base URL, its credentials, and the mapping of every failure to a
//! [`ClientError`] that says what to do.

use std::time::Duration;

use reqwest::{Method, Url};
use serde_json::Value;
use triage_core::series::shorten;

use super::client_error::ClientError;

/// How a request authenticates.
#[derive(Clone, Default)]
pub enum Credentials {
    /// Nothing.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// HTTP basic authentication.
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::None => f.write_str("None"),
            Credentials::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Credentials::Basic { user, .. } => write!(f, "Basic({user}, <redacted>)"),
        }
    }
}

/// A server at a base URL.
#[derive(Debug, Clone)]
pub struct Endpoint {
    base: Url,
    /// What runs there, for messages (`triage`, `VictoriaMetrics`, ...).
    service: &'static str,
    credentials: Credentials,
    /// Which flags to check when the server refuses the credentials.
    auth_hint: &'static str,
    http: reqwest::Client,
}

impl Endpoint {
    /// Checks `url` (http or https, with a host) and builds a client with a 30 s timeout.
    /// `url_hint` says where the URL came from, for the message when it is wrong.
    pub fn new(
        url: &str,
        url_hint: &str,
        service: &'static str,
        credentials: Credentials,
        auth_hint: &'static str,
    ) -> Result<Endpoint, ClientError> {
        let bad = |reason: String| ClientError::BadUrl { url: url.to_string(), reason, hint: url_hint.to_string() };
        let mut base = Url::parse(url.trim()).map_err(|e| bad(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad(format!("the scheme is {:?}, not http or https", base.scheme())));
        }
        if base.host_str().is_none_or(str::is_empty) {
            return Err(bad("no host".to_string()));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = super::client::builder(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ClientError::Usage(format!("building the HTTP client: {e}")))?;
        Ok(Endpoint { base, service, credentials, auth_hint, http })
    }

    /// The base URL without a trailing slash, for messages.
    pub fn base(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    /// The URL of `path` (relative, no leading slash needed) with `query` pairs appended.
    pub fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{}", self.base.path(), path.trim_start_matches('/'));
        url.set_path(&joined);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        url
    }

    /// Sends a request with an optional JSON body and returns the answer's body, or the error.
    pub async fn send(&self, method: Method, url: Url, body: Option<&Value>) -> Result<Vec<u8>, ClientError> {
        let (status, bytes) = self.send_raw(method, url.clone(), body).await?;
        self.check_status(&url, status, bytes)
    }

    /// Sends a request and returns the status and body whatever the status; only a failed
    /// connection is an error.
    pub async fn send_raw(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<(u16, Vec<u8>), ClientError> {
        let mut request = self.http.request(method, url);
        request = match &self.credentials {
            Credentials::None => request,
            Credentials::Bearer(token) => request.bearer_auth(token),
            Credentials::Basic { user, password } => request.basic_auth(user, Some(password)),
        };
        if let Some(body) = body {
            request = request.json(body);
        }
        let unreachable = |reason: String| ClientError::Unreachable { url: self.base(), reason, service: self.service };
        let response = request.send().await.map_err(|e| unreachable(transport_reason(&e)))?;
        let status = response.status().as_u16();
        let bytes =
            response.bytes().await.map_err(|e| unreachable(format!("reading the answer: {}", transport_reason(&e))))?;
        Ok((status, bytes.to_vec()))
    }

    /// The body of a 2xx answer, or the error its status means.
    pub fn check_status(&self, url: &Url, status: u16, bytes: Vec<u8>) -> Result<Vec<u8>, ClientError> {
        let shown = redacted(url);
        let text = || shorten(String::from_utf8_lossy(&bytes).trim(), 300);
        match status {
            200..=299 => Ok(bytes),
            401 | 403 => Err(ClientError::Unauthorized { url: shown, status, body: text(), hint: self.auth_hint }),
            404 => Err(ClientError::NotFound {
                url: shown,
                detail: format!(" (HTTP 404); is {} the base URL of {}?", self.base(), self.service),
            }),
            _ => Err(ClientError::Http { url: shown, status, body: text() }),
        }
    }

    /// `GET` as JSON.
    pub async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ClientError> {
        let url = self.url(path, query);
        let body = self.send(Method::GET, url.clone(), None).await?;
        parse_json(&url, &body)
    }
}

/// The body as JSON, or what is wrong with it.
pub fn parse_json(url: &Url, body: &[u8]) -> Result<Value, ClientError> {
    serde_json::from_slice(body)
        .map_err(|e| ClientError::BadAnswer { url: redacted(url), reason: format!("not JSON ({e})") })
}

/// The URL without its query string (which may hold a query or a password), for messages.
pub fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Why a request failed, shortly: `timed out`, or the innermost cause (reqwest keeps
/// "Connection refused" there, under layers of wrapping).
fn transport_reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_string();
    }
    let mut innermost: &dyn std::error::Error = e;
    while let Some(cause) = innermost.source() {
        innermost = cause;
    }
    innermost.to_string()
}

/// Reads a secret from a file, trimmed of surrounding white space; `what` names the flag.
pub fn read_secret(path: &std::path::Path, what: &str) -> Result<String, ClientError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ClientError::File(format!("reading {what} {}: {e}; check {what}", path.display())))?;
    let secret = text.trim().to_string();
    if secret.is_empty() {
        return Err(ClientError::File(format!("{what} {} is empty", path.display())));
    }
    Ok(secret)
}
