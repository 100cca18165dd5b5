//! The web configuration file as written: the serde model, unknown keys refused.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::plan::{RateLimit, Scope};

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WebConfigFile {
    #[serde(default)]
    pub tls_server_config: Option<TlsFile>,
    /// Alertmanager's HTTP server settings (`http2`, `headers`): accepted, not used (and
    /// not built: its aliases are not expanded).
    #[serde(default)]
    pub http_server_config: Option<IgnoredAny>,
    #[serde(default)]
    pub basic_auth_users: BTreeMap<String, String>,
    #[serde(default)]
    pub bearer_tokens: Vec<TokenFile>,
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

/// `tls_server_config`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TlsFile {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    #[serde(default)]
    pub client_auth_type: Option<String>,
    #[serde(default)]
    pub client_ca_file: Option<PathBuf>,
    #[serde(default)]
    pub min_version: Option<String>,
}

/// One entry of `bearer_tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TokenFile {
    pub name: String,
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// An environment variable holding the token instead of a file.
    #[serde(default)]
    pub token_env: Option<String>,
    pub scope: Scope,
}
