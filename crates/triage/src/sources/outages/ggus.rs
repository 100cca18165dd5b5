//! Fetching GGUS tickets over HTTPS with an X.509 client certificate, a proxy or a token.
//!
//! [`build_client`] makes a `reqwest::Client` that presents the credentials of a [`GgusAuth`]
//! (a certificate and key, or a grid proxy file) and trusts the server CA file when one is
//! given; [`fetch_ggus`] sends one request with it, reads the body up to the endpoint's byte
//! cap and parses it with `triage_core::outage::ggus::parse_ggus_with`. A bearer token is read
//! from its file at each request, so a renewed token is picked up without a restart; it is
//! never stored, logged or shown.
//!
//! GOCDB documents are fetched with the same client and [`fetch_document`], and the SSB and
//! ServiceNow sources build their client here too; the [`SourceKind`] given names the source
//! in the errors ("GOCDB at ...", not "GGUS at ...").
//!
//! Every failure is a [`GgusFetchError`] whose text is one line naming the kind of source,
//! the server (its URL without credentials or query) and the cause.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use triage_core::config::outages::OutageSourceType;
use triage_core::outage::ggus::{GgusError, GgusFormat, GgusLimits, GgusTicket, parse_ggus_with};

use crate::net::cause::{cause_of, one_line};
use crate::sources::outages::ssb::server_name;

/// How triage proves who it is to GGUS. Holds file paths only, never secret material, so
/// `Debug` shows nothing secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GgusAuth {
    /// No credentials.
    None,
    /// An X.509 certificate and its unencrypted private key, as two PEM files.
    ClientCertificate {
        /// The certificate (optionally followed by its chain).
        cert: PathBuf,
        /// The private key.
        key: PathBuf,
    },
    /// A grid proxy: one PEM file holding the proxy certificate, its key, then the chain, as
    /// `voms-proxy-init` writes it.
    Proxy {
        /// The proxy file, e.g. `/tmp/x509up_u1000`.
        file: PathBuf,
    },
    /// A bearer token in a file, read at each request and sent as `Authorization: Bearer`.
    BearerTokenFile {
        /// The token file (surrounding blanks are ignored).
        path: PathBuf,
    },
}

/// Where and what to fetch from GGUS.
#[derive(Clone, PartialEq, Eq)]
pub struct GgusEndpoint {
    /// The export or API URL.
    pub url: String,
    /// The expected format; `None` sniffs it from the body.
    pub format: Option<GgusFormat>,
    /// Byte cap (checked while reading) and ticket cap.
    pub limits: GgusLimits,
    /// Credentials.
    pub auth: GgusAuth,
    /// PEM file of the CA(s) that sign the server's certificate; when given, only these are
    /// trusted.
    pub server_ca: Option<PathBuf>,
}

impl fmt::Debug for GgusEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GgusEndpoint")
            .field("url", &server_name(&self.url))
            .field("format", &self.format)
            .field("limits", &self.limits)
            .field("auth", &self.auth)
            .field("server_ca", &self.server_ca)
            .finish()
    }
}

impl GgusEndpoint {
    /// A client for this endpoint's credentials and server CA: [`build_client`].
    pub fn build_client(&self, timeout: Duration) -> Result<reqwest::Client, GgusFetchError> {
        build_client(SourceKind::Ggus, &self.auth, self.server_ca.as_deref(), timeout)
    }
}

/// The kind of outage source a client or document is for (all four build their client with
/// [`build_client`]; GGUS and GOCDB fetch with [`fetch_document`]); every error text starts
/// with its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// A GGUS ticket export or API answer.
    Ggus,
    /// A GOCDB `get_downtime` answer.
    Gocdb,
    /// The Service Status Board's InfluxDB.
    Ssb,
    /// ServiceNow's table API.
    ServiceNow,
}

impl From<OutageSourceType> for SourceKind {
    fn from(t: OutageSourceType) -> SourceKind {
        match t {
            OutageSourceType::Ggus => SourceKind::Ggus,
            OutageSourceType::Gocdb => SourceKind::Gocdb,
            OutageSourceType::Ssb => SourceKind::Ssb,
            OutageSourceType::Servicenow => SourceKind::ServiceNow,
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceKind::Ggus => "GGUS",
            SourceKind::Gocdb => "GOCDB",
            SourceKind::Ssb => "SSB",
            SourceKind::ServiceNow => "ServiceNow",
        })
    }
}

/// Why a GGUS or GOCDB document could not be fetched. Each text is one line, starting with
/// the kind of source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GgusFetchError {
    /// A certificate, key, proxy, token or CA file that cannot be used.
    #[error("{kind} credentials: cannot use {}: {reason}", path.display())]
    Credentials {
        /// The kind of source.
        kind: SourceKind,
        /// The file.
        path: PathBuf,
        /// What is wrong (never its content).
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("{kind} HTTP client: {cause}")]
    Client {
        /// The kind of source.
        kind: SourceKind,
        /// The innermost cause.
        cause: String,
    },
    /// No connection (refused, unreachable, name not found).
    #[error("{kind} at {server}: cannot connect: {cause}")]
    Connect {
        /// The kind of source.
        kind: SourceKind,
        /// The URL without credentials or query.
        server: String,
        /// The innermost cause.
        cause: String,
    },
    /// The client's timeout passed.
    #[error("{kind} at {server}: request timed out ({cause})")]
    Timeout {
        /// The kind of source.
        kind: SourceKind,
        /// The URL without credentials or query.
        server: String,
        /// The innermost cause.
        cause: String,
    },
    /// The request failed after connecting, e.g. the TLS handshake or the client
    /// certificate was refused.
    #[error("{kind} at {server}: request failed: {cause}")]
    Request {
        /// The kind of source.
        kind: SourceKind,
        /// The URL without credentials or query.
        server: String,
        /// The innermost cause, with a hint where one helps.
        cause: String,
    },
    /// A non-2xx answer.
    #[error("{kind} at {server} answered HTTP {status}{text}")]
    Status {
        /// The kind of source.
        kind: SourceKind,
        /// The URL without credentials or query.
        server: String,
        /// Status code and reason.
        status: String,
        /// `: ` and the start of the server's text (secrets blanked), or empty.
        text: String,
    },
    /// The body was cut off or unreadable.
    #[error("{kind} at {server}: reading the answer failed: {cause}")]
    Body {
        /// The kind of source.
        kind: SourceKind,
        /// The URL without credentials or query.
        server: String,
        /// The innermost cause.
        cause: String,
    },
    /// The body is over the byte cap.
    #[error("{kind} at {server}: answer is larger than the limit of {max} bytes")]
    TooLarge {
        /// The kind of source.
        kind: SourceKind,
        /// The URL without credentials or query.
        server: String,
        /// The cap.
        max: usize,
    },
    /// The body is not a GGUS ticket list.
    #[error("{kind} at {server}: {source}")]
    Parse {
        /// The kind of source.
        kind: SourceKind,
        /// The URL without credentials or query.
        server: String,
        /// The parser's error.
        source: GgusError,
    },
}

/// A client presenting `auth`'s certificate (if any), trusting only `server_ca`'s roots when
/// given (else the platform's), with `timeout` on each whole request.
pub fn build_client(
    kind: SourceKind,
    auth: &GgusAuth,
    server_ca: Option<&Path>,
    timeout: Duration,
) -> Result<reqwest::Client, GgusFetchError> {
    let mut builder = crate::net::client::builder(timeout).connect_timeout(timeout);
    match auth {
        GgusAuth::ClientCertificate { cert, key } => {
            let mut pem = read_credential(kind, cert)?;
            check_pem(kind, cert, &pem, false, true)?;
            let key_pem = read_credential(kind, key)?;
            check_pem(kind, key, &key_pem, true, false)?;
            pem.push(b'\n');
            pem.extend_from_slice(&key_pem);
            builder = builder.identity(identity(kind, cert, &pem)?);
        }
        GgusAuth::Proxy { file } => {
            let pem = read_credential(kind, file)?;
            check_pem(kind, file, &pem, true, true)?;
            builder = builder.identity(identity(kind, file, &pem)?);
        }
        GgusAuth::None | GgusAuth::BearerTokenFile { .. } => {}
    }
    if let Some(ca) = server_ca {
        let pem = read_credential(kind, ca)?;
        let roots = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| credential_error(kind, ca, &e))?;
        if roots.is_empty() {
            return Err(GgusFetchError::Credentials {
                kind,
                path: ca.to_owned(),
                reason: "no PEM certificate in it".into(),
            });
        }
        builder = builder.tls_certs_only(roots);
    }
    builder.build().map_err(|e| GgusFetchError::Client { kind, cause: cause_of(&e) })
}

/// The tickets at `endpoint.url`, fetched with `client` (see [`build_client`]).
pub async fn fetch_ggus(endpoint: &GgusEndpoint, client: &reqwest::Client) -> Result<Vec<GgusTicket>, GgusFetchError> {
    let kind = SourceKind::Ggus;
    let body = fetch_document(kind, &endpoint.url, &endpoint.auth, endpoint.limits.max_bytes, client).await?;
    let server = server_name(&endpoint.url);
    parse_ggus_with(&body, endpoint.format, endpoint.limits).map_err(|source| GgusFetchError::Parse {
        kind,
        server,
        source,
    })
}

/// GETs one document (a GGUS export, a GOCDB `get_downtime` answer: `kind`) with `auth`'s
/// token header when it has one, reading at most `max` bytes. The client carries the
/// certificate.
pub async fn fetch_document(
    kind: SourceKind,
    url: &str,
    auth: &GgusAuth,
    max: usize,
    client: &reqwest::Client,
) -> Result<Vec<u8>, GgusFetchError> {
    let server = server_name(url);
    let mut request = client.get(url);
    let mut secret = None;
    if let GgusAuth::BearerTokenFile { path } = auth {
        let token = read_token(kind, path)?;
        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| GgusFetchError::Credentials {
            kind,
            path: path.clone(),
            reason: "the token holds characters not allowed in an HTTP header".into(),
        })?;
        value.set_sensitive(true);
        request = request.header(AUTHORIZATION, value);
        secret = Some(token);
    }
    let mut response = request.send().await.map_err(|e| transport_error(kind, &server, auth, &e))?;
    let status = response.status();
    if !status.is_success() {
        let body = read_capped(&mut response, 4096).await.map(|(body, _)| body).unwrap_or_default();
        return Err(GgusFetchError::Status {
            kind,
            server,
            status: status.to_string(),
            text: error_text(&body, secret.as_deref()),
        });
    }
    if response.content_length().is_some_and(|len| len > max as u64) {
        return Err(GgusFetchError::TooLarge { kind, server, max });
    }
    let (body, over) = read_capped(&mut response, max).await.map_err(|e| GgusFetchError::Body {
        kind,
        server: server.clone(),
        cause: cause_of(&e),
    })?;
    if over {
        return Err(GgusFetchError::TooLarge { kind, server, max });
    }
    Ok(body)
}

/// At most `max` bytes of the body, and whether there was more.
async fn read_capped(response: &mut reqwest::Response, max: usize) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let capped = crate::net::body::read_capped(response, max).await;
    match capped.error {
        Some(e) => Err(e),
        None => Ok((capped.body, capped.over)),
    }
}

fn read_credential(kind: SourceKind, path: &Path) -> Result<Vec<u8>, GgusFetchError> {
    std::fs::read(path).map_err(|e| GgusFetchError::Credentials { kind, path: path.to_owned(), reason: e.to_string() })
}

/// The token in `path`, trimmed; an empty file is an error.
fn read_token(kind: SourceKind, path: &Path) -> Result<String, GgusFetchError> {
    let bytes = read_credential(kind, path)?;
    let refused = |reason: &str| GgusFetchError::Credentials { kind, path: path.to_owned(), reason: reason.into() };
    let text = String::from_utf8(bytes).map_err(|_| refused("the token is not UTF-8"))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(refused("the token file is empty"));
    }
    Ok(token.to_owned())
}

/// Refuses a PEM file lacking what it must hold (an unencrypted private key, a certificate),
/// with a message saying what is missing. Never quotes the content.
fn check_pem(
    kind: SourceKind,
    path: &Path,
    pem: &[u8],
    want_key: bool,
    want_certificate: bool,
) -> Result<(), GgusFetchError> {
    let text = String::from_utf8_lossy(pem);
    let reason = if want_key && text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        "the private key is encrypted; decrypt it (openssl pkey) or use a proxy"
    } else if want_key && !text.contains("PRIVATE KEY-----") {
        "no PEM private key in it"
    } else if want_certificate && !text.contains("-----BEGIN CERTIFICATE-----") {
        "no PEM certificate in it"
    } else {
        return Ok(());
    };
    Err(GgusFetchError::Credentials { kind, path: path.to_owned(), reason: reason.into() })
}

fn identity(kind: SourceKind, path: &Path, pem: &[u8]) -> Result<reqwest::Identity, GgusFetchError> {
    reqwest::Identity::from_pem(pem).map_err(|e| credential_error(kind, path, &e))
}

fn credential_error(kind: SourceKind, path: &Path, error: &reqwest::Error) -> GgusFetchError {
    GgusFetchError::Credentials { kind, path: path.to_owned(), reason: cause_of(error) }
}

fn transport_error(kind: SourceKind, server: &str, auth: &GgusAuth, error: &reqwest::Error) -> GgusFetchError {
    let server = server.to_owned();
    let cause = cause_of(error);
    if error.is_timeout() {
        return GgusFetchError::Timeout { kind, server, cause };
    }
    if error.is_connect() && !cause.to_lowercase().contains("certificate") && !cause.contains("alert") {
        return GgusFetchError::Connect { kind, server, cause };
    }
    let has_certificate = matches!(auth, GgusAuth::ClientCertificate { .. } | GgusAuth::Proxy { .. });
    let hint = if !has_certificate && (cause.contains("CertificateRequired") || cause.contains("HandshakeFailure")) {
        " (the server requires a client certificate: configure a certificate and key, or a proxy)"
    } else if has_certificate && (cause.contains("BadCertificate") || cause.contains("UnknownCA")) {
        " (the server refused the client certificate)"
    } else {
        ""
    };
    GgusFetchError::Request { kind, server, cause: format!("{cause}{hint}") }
}

/// `: <text>` from an error body, on one line, at most 300 characters, `secret` blanked out.
fn error_text(body: &[u8], secret: Option<&str>) -> String {
    let mut text = String::from_utf8_lossy(body).trim().to_owned();
    if let Some(secret) = secret.filter(|s| !s.is_empty()) {
        text = text.replace(secret, "<redacted>");
    }
    let text: String = one_line(&text).chars().take(300).collect();
    if text.is_empty() { String::new() } else { format!(": {text}") }
}
