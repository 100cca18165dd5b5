//! The web configuration file (`--web.config.file`): the I/O half. The format, its parsing
//! and its checks are in `triage_core::web_config` (pure, fuzzed); here the file is read
//! (at most [`MAX_BYTES`] of it), the certificate files are checked to exist and the bearer
//! tokens are read from their files or environment variables.
//!
//! Relative paths are relative to the file. Tokens are read at start; a token is never
//! printed (the `Debug` output shows its name and scope only). Every problem, found by the
//! core or here, is reported at once in the file's order.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use triage_core::web_config::{MAX_BYTES, Plan, Problem, Section, TokenSource};
pub use triage_core::web_config::{RateLimit, Scope};

/// HTTPS settings, paths resolved.
pub use triage_core::web_config::TlsPlan as TlsSettings;

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

    /// Reads and checks `path`; every problem is reported, each with its key. A file over
    /// [`MAX_BYTES`] is refused without reading the rest of it.
    pub fn load(path: &Path) -> Result<WebConfig, String> {
        let bytes = read_at_most(path, MAX_BYTES + 1).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        triage_core::web_config::parse_bytes(&bytes, path.parent().unwrap_or(Path::new(".")))
            .map_err(|e| vec![e])
            .and_then(resolve)
            .map_err(|errors| format!("{}: {}", path.display(), errors.join("; ")))
    }

    /// Parses the text of a web configuration whose relative paths are relative to `dir`.
    pub fn parse(text: &str, dir: &Path) -> Result<WebConfig, Vec<String>> {
        triage_core::web_config::parse(text, dir).map_err(|e| vec![e]).and_then(resolve)
    }
}

/// The first `limit` bytes of the file at `path`.
fn read_at_most(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(limit as u64).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Does the I/O `plan` asks for: checks the certificate files and reads the tokens.
fn resolve(plan: Plan) -> Result<WebConfig, Vec<String>> {
    let mut problems = plan.problems;
    let mut push = |section, message| problems.push(Problem { section, message });
    if let Some(tls) = &plan.tls {
        for (key, path) in tls.required_files() {
            if !path.is_file() {
                push(Section::Tls, format!("tls_server_config.{key}: {} is not a readable file", path.display()));
            }
        }
    }
    let mut tokens = Vec::new();
    for t in plan.tokens {
        let i = t.index;
        let secret = match &t.source {
            TokenSource::File(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("bearer_tokens[{i}].token_file: cannot read {}: {e}", path.display())),
            TokenSource::Env(var) => std::env::var(var)
                .map_err(|_| format!("bearer_tokens[{i}].token_env: the environment variable {var} is not set")),
        };
        match secret {
            Ok(s) if s.trim().is_empty() => {
                push(Section::BearerToken(i), format!("bearer_tokens[{i}]: the token is empty"))
            }
            Ok(s) => tokens.push(Token { name: t.name, scope: t.scope, secret: s.trim().to_string() }),
            Err(e) => push(Section::BearerToken(i), e),
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.section);
        return Err(problems.into_iter().map(|p| p.message).collect());
    }
    Ok(WebConfig { tls: plan.tls, basic_auth_users: plan.basic_auth_users, tokens, rate_limit: plan.rate_limit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tokens_users_and_limits_and_reports_every_problem() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.token"), "read-secret\n").unwrap();
        let hash = bcrypt::hash("alice-password", 4).unwrap();
        let ok = format!(
            "basic_auth_users: {{alice: '{hash}'}}\n\
             bearer_tokens: [{{name: grafana, token_file: r.token, scope: read}}]\n\
             rate_limit: {{per_second: 5, burst: 10}}\n"
        );
        let c = WebConfig::parse(&ok, dir.path()).unwrap();
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

    #[test]
    fn load_refuses_large_and_non_utf8_files_and_keeps_the_files_order() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yml");
        std::fs::write(&big, "#".repeat(MAX_BYTES + 10)).unwrap();
        let e = WebConfig::load(&big).unwrap_err();
        assert!(e.starts_with(&format!("{}: ", big.display())) && e.contains("(1 MiB)"), "{e}");
        let binary = dir.path().join("binary.yml");
        std::fs::write(&binary, b"basic_auth_users: {a: \xff}\n").unwrap();
        assert!(WebConfig::load(&binary).unwrap_err().contains("not UTF-8 text"));
        let missing = dir.path().join("missing.yml");
        assert!(WebConfig::load(&missing).unwrap_err().starts_with("cannot read "));
        // Problems found by the core and by reading files come in the file's order.
        let text = "rate_limit: {per_second: 0, burst: 1}\n\
                    bearer_tokens: [{name: a, token_env: TRIAGE_TEST_NO_SUCH_VAR, scope: read}, {name: b, scope: read}]\n\
                    basic_auth_users: {bob: plain}\n\
                    tls_server_config: {cert_file: no.crt, key_file: no.key, min_version: TLS11}\n";
        let errors = WebConfig::parse(text, dir.path()).unwrap_err();
        let keys: Vec<&str> = errors.iter().map(|e| e.split(':').next().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "tls_server_config.min_version",
                "tls_server_config.cert_file",
                "tls_server_config.key_file",
                "basic_auth_users.bob",
                "bearer_tokens[0].token_env",
                "bearer_tokens[1]",
                "rate_limit"
            ]
        );
    }
}
