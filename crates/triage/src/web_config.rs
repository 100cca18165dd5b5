//! The web configuration file (`--web.config.file`), in Alertmanager's format plus triage's
//! own keys:
//!
//! ```yaml
//! tls_server_config:             # Alertmanager's: serve HTTPS
//!   cert_file: server.crt
//!   key_file: server.key
//!   client_auth_type: RequireAndVerifyClientCert   # optional; needs client_ca_file
//!   client_ca_file: ca.crt
//! basic_auth_users:              # Alertmanager's: user -> bcrypt hash; full access
//!   alice: $2y$10$...
//! bearer_tokens:                 # triage's own: `Authorization: Bearer <token>`
//!   - {name: grafana, token_file: grafana.token, scope: read}
//!   - {name: vmalert, token_file: vmalert.token, scope: write}   # write includes read
//!   - {name: ci, token_env: TRIAGE_CI_TOKEN, scope: read}        # from the environment
//! rate_limit: {per_second: 50, burst: 200}   # triage's own: per client address
//! ```
//!
//! Relative paths are relative to the file. Tokens are read at start, from a file or an
//! environment variable; a token is never printed (the `Debug` output shows its name and
//! scope only).

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

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebConfigFile {
    #[serde(default)]
    tls_server_config: Option<TlsFile>,
    /// Alertmanager's HTTP server settings (`http2`, `headers`): accepted, not used.
    #[serde(default)]
    http_server_config: Option<serde_json::Value>,
    #[serde(default)]
    basic_auth_users: BTreeMap<String, String>,
    #[serde(default)]
    bearer_tokens: Vec<TokenFile>,
    #[serde(default)]
    rate_limit: Option<RateLimit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    cert_file: PathBuf,
    key_file: PathBuf,
    #[serde(default)]
    client_auth_type: Option<String>,
    #[serde(default)]
    client_ca_file: Option<PathBuf>,
    #[serde(default)]
    min_version: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenFile {
    name: String,
    #[serde(default)]
    token_file: Option<PathBuf>,
    /// An environment variable holding the token instead of a file.
    #[serde(default)]
    token_env: Option<String>,
    scope: Scope,
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

/// HTTPS settings, paths resolved.
#[derive(Clone, Debug)]
pub struct TlsSettings {
    /// PEM certificate chain.
    pub cert_file: PathBuf,
    /// PEM private key.
    pub key_file: PathBuf,
    /// Client certificates verified against this CA, when set.
    pub client_ca_file: Option<PathBuf>,
    /// Whether a client certificate is required (else only verified when given).
    pub require_client_cert: bool,
    /// TLS 1.3 only.
    pub tls13_only: bool,
}

/// A bearer token.
#[derive(Clone)]
pub struct Token {
    /// Its name (for logs).
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// The secret.
    pub secret: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token").field("name", &self.name).field("scope", &self.scope).finish_non_exhaustive()
    }
}

/// The web configuration, checked and with secrets read.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Serve HTTPS with these settings.
    pub tls: Option<TlsSettings>,
    /// Basic auth users and their bcrypt hashes.
    pub basic_auth_users: BTreeMap<String, String>,
    /// Bearer tokens.
    pub tokens: Vec<Token>,
    /// Per-client rate limit.
    pub rate_limit: Option<RateLimit>,
}

impl WebConfig {
    /// Whether requests must authenticate.
    pub fn requires_auth(&self) -> bool {
        !self.basic_auth_users.is_empty() || !self.tokens.is_empty()
    }

    /// Reads and checks `path`; every problem is reported, each with its key.
    pub fn load(path: &Path) -> Result<WebConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        WebConfig::parse(&text, path.parent().unwrap_or(Path::new(".")))
            .map_err(|errors| format!("{}: {}", path.display(), errors.join("; ")))
    }

    /// Parses the text of a web configuration whose relative paths are relative to `dir`.
    pub fn parse(text: &str, dir: &Path) -> Result<WebConfig, Vec<String>> {
        let file: WebConfigFile = if text.trim().is_empty() {
            WebConfigFile::default()
        } else {
            yaml_serde::from_str(text).map_err(|e| vec![e.to_string()])?
        };
        let _ = file.http_server_config;
        let mut errors = Vec::new();
        let resolve = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { dir.join(p) };
        let tls = file.tls_server_config.map(|t| {
            let require = match t.client_auth_type.as_deref().unwrap_or("NoClientCert") {
                "NoClientCert" => false,
                "RequireAndVerifyClientCert" => true,
                "VerifyClientCertIfGiven" => false,
                other => {
                    errors.push(format!(
                        "tls_server_config.client_auth_type: {other:?} is not supported (NoClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)"
                    ));
                    false
                }
            };
            let verifies = matches!(
                t.client_auth_type.as_deref(),
                Some("RequireAndVerifyClientCert" | "VerifyClientCertIfGiven")
            );
            if verifies && t.client_ca_file.is_none() {
                errors.push("tls_server_config.client_ca_file: needed to verify client certificates".into());
            }
            let tls13_only = match t.min_version.as_deref() {
                None | Some("TLS12") => false,
                Some("TLS13") => true,
                Some(other) => {
                    errors.push(format!("tls_server_config.min_version: {other:?} (TLS12 or TLS13)"));
                    false
                }
            };
            for (key, p) in [("cert_file", &t.cert_file), ("key_file", &t.key_file)] {
                if !resolve(p).is_file() {
                    errors.push(format!("tls_server_config.{key}: {} is not a readable file", resolve(p).display()));
                }
            }
            TlsSettings {
                cert_file: resolve(&t.cert_file),
                key_file: resolve(&t.key_file),
                client_ca_file: t.client_ca_file.as_deref().filter(|_| verifies).map(resolve),
                require_client_cert: require,
                tls13_only,
            }
        });
        for (user, hash) in &file.basic_auth_users {
            if !hash.starts_with("$2") {
                errors.push(format!("basic_auth_users.{user}: not a bcrypt hash"));
            }
        }
        let mut tokens = Vec::new();
        for (i, t) in file.bearer_tokens.iter().enumerate() {
            let secret = match (&t.token_file, &t.token_env) {
                (Some(file), None) => {
                    let path = resolve(file);
                    std::fs::read_to_string(&path)
                        .map_err(|e| format!("bearer_tokens[{i}].token_file: cannot read {}: {e}", path.display()))
                }
                (None, Some(var)) => std::env::var(var)
                    .map_err(|_| format!("bearer_tokens[{i}].token_env: the environment variable {var} is not set")),
                _ => Err(format!("bearer_tokens[{i}]: give exactly one of token_file and token_env")),
            };
            match secret {
                Ok(s) if s.trim().is_empty() => errors.push(format!("bearer_tokens[{i}]: the token is empty")),
                Ok(s) => tokens.push(Token { name: t.name.clone(), scope: t.scope, secret: s.trim().to_string() }),
                Err(e) => errors.push(e),
            }
        }
        if let Some(r) = file.rate_limit
            && (!(r.per_second > 0.0 && r.per_second.is_finite()) || r.burst == 0)
        {
            errors.push("rate_limit: per_second must be above 0 and burst at least 1".into());
        }
        if errors.is_empty() {
            Ok(WebConfig { tls, basic_auth_users: file.basic_auth_users, tokens, rate_limit: file.rate_limit })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tokens_users_and_limits_and_reports_every_problem() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.token"), "read-secret\n").unwrap();
        let ok = "basic_auth_users: {alice: '$2y$04$abcdefghijklmnopqrstuu5Jq1J3mL2Vn1xH1w2pbzWqZ3KQ2O'}\n\
                  bearer_tokens: [{name: grafana, token_file: r.token, scope: read}]\n\
                  rate_limit: {per_second: 5, burst: 10}\n";
        let c = WebConfig::parse(ok, dir.path()).unwrap();
        assert!(c.requires_auth());
        assert_eq!(c.tokens[0].secret, "read-secret");
        assert!(!format!("{c:?}").contains("read-secret"), "the token is never printed");
        let bad = "basic_auth_users: {bob: plain}\n\
                   bearer_tokens: [{name: x, token_file: missing.token, scope: write}]\n\
                   tls_server_config: {cert_file: no.crt, key_file: no.key, client_auth_type: RequireAndVerifyClientCert}\n\
                   rate_limit: {per_second: 0, burst: 0}\n";
        let errors = WebConfig::parse(bad, dir.path()).unwrap_err().join("\n");
        for needle in
            ["basic_auth_users.bob", "bearer_tokens[0].token_file", "client_ca_file", "cert_file", "rate_limit"]
        {
            assert!(errors.contains(needle), "{needle} missing in {errors}");
        }
        assert!(WebConfig::parse("tokens: []\n", dir.path()).is_err(), "unknown keys are refused");
        // From the environment; a missing variable and both sources at once are errors.
        // (PATH stands in for a token variable: it is always set, and the test sets none.)
        let c = WebConfig::parse("bearer_tokens: [{name: ci, token_env: PATH, scope: write}]\n", dir.path()).unwrap();
        assert_eq!(c.tokens[0].secret, std::env::var("PATH").unwrap().trim());
        let errors = WebConfig::parse(
            "bearer_tokens: [{name: a, token_env: TRIAGE_TEST_NO_SUCH_VAR, scope: read}, {name: b, token_env: X, token_file: r.token, scope: read}]\n",
            dir.path(),
        )
        .unwrap_err()
        .join("\n");
        assert!(errors.contains("TRIAGE_TEST_NO_SUCH_VAR is not set") && errors.contains("exactly one"), "{errors}");
        assert!(WebConfig::parse("", dir.path()).is_ok_and(|c| !c.requires_auth()));
    }
}
