//! What a checked web configuration says, and what the I/O shell still has to read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// What a bearer token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// GET and HEAD.
    Read,
    /// Everything.
    Write,
}

/// Requests allowed per client address.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Requests allowed at once.
    pub burst: u32,
}

/// The part of the file a problem is about; problems are reported in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// `tls_server_config`.
    Tls,
    /// `basic_auth_users`.
    BasicAuthUsers,
    /// `bearer_tokens[i]`.
    BearerToken(usize),
    /// `rate_limit`.
    RateLimit,
}

/// A problem of the file, with the key it is about at the start of its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where it is.
    pub section: Section,
    /// What it is: `basic_auth_users.bob: not a bcrypt hash`.
    pub message: String,
}

/// HTTPS settings, paths resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsPlan {
    /// PEM certificate chain.
    pub cert_file: PathBuf,
    /// PEM private key.
    pub key_file: PathBuf,
    /// Client certificates are verified against this CA, when set.
    pub client_ca_file: Option<PathBuf>,
    /// Whether a client certificate is required (else only verified when given).
    pub require_client_cert: bool,
    /// TLS 1.3 only.
    pub tls13_only: bool,
}

impl TlsPlan {
    /// The files that must exist at start, each with its key.
    pub fn required_files(&self) -> [(&'static str, &Path); 2] {
        [("cert_file", &self.cert_file), ("key_file", &self.key_file)]
    }
}

/// Where a bearer token's secret comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenSource {
    /// The contents of this file (path resolved), trimmed.
    File(PathBuf),
    /// The value of this environment variable, trimmed.
    Env(String),
}

/// A bearer token still to be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenPlan {
    /// Its position in `bearer_tokens`.
    pub index: usize,
    /// Its name (for logs).
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// Where its secret is.
    pub source: TokenSource,
}

/// A parsed and checked web configuration, before any file or variable is read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Serve HTTPS with these settings.
    pub tls: Option<TlsPlan>,
    /// Basic auth users and their bcrypt hashes.
    pub basic_auth_users: BTreeMap<String, String>,
    /// Bearer tokens with a valid source (those without one are in `problems`).
    pub tokens: Vec<TokenPlan>,
    /// Per-client rate limit.
    pub rate_limit: Option<RateLimit>,
    /// Every problem found without I/O, in the file's order.
    pub problems: Vec<Problem>,
}
