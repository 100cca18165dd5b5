//! From the file as written to a [`Plan`]: every value checked, paths resolved, each problem
//! recorded with its key.

use std::path::Path;

use super::bcrypt_hash::is_bcrypt_hash;
use super::file::{TlsFile, WebConfigFile};
use super::plan::{Plan, Problem, Section, TlsPlan, TokenPlan, TokenSource};

/// Checks `file`, whose relative paths are relative to `dir`.
pub(super) fn check(file: WebConfigFile, dir: &Path) -> Plan {
    let _ = file.http_server_config;
    let mut problems = Vec::new();
    let resolve = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { dir.join(p) };
    let mut push = |section, message: String| problems.push(Problem { section, message });
    let tls = file.tls_server_config.map(|t| check_tls(t, &resolve, &mut |m| push(Section::Tls, m)));
    for (user, hash) in &file.basic_auth_users {
        if !is_bcrypt_hash(hash) {
            push(Section::BasicAuthUsers, format!("basic_auth_users.{user}: not a bcrypt hash"));
        }
    }
    let mut tokens = Vec::new();
    for (index, t) in file.bearer_tokens.into_iter().enumerate() {
        let source = match (t.token_file, t.token_env) {
            (Some(file), None) => TokenSource::File(resolve(&file)),
            (None, Some(var)) => TokenSource::Env(var),
            _ => {
                let message = format!("bearer_tokens[{index}]: give exactly one of token_file and token_env");
                push(Section::BearerToken(index), message);
                continue;
            }
        };
        tokens.push(TokenPlan { index, name: t.name, scope: t.scope, source });
    }
    if let Some(r) = file.rate_limit
        && (!(r.per_second > 0.0 && r.per_second.is_finite()) || r.burst == 0)
    {
        push(Section::RateLimit, "rate_limit: per_second must be above 0 and burst at least 1".into());
    }
    Plan { tls, basic_auth_users: file.basic_auth_users, tokens, rate_limit: file.rate_limit, problems }
}

fn check_tls(t: TlsFile, resolve: &dyn Fn(&Path) -> std::path::PathBuf, push: &mut dyn FnMut(String)) -> TlsPlan {
    let require_client_cert = match t.client_auth_type.as_deref().unwrap_or("NoClientCert") {
        "NoClientCert" | "VerifyClientCertIfGiven" => false,
        "RequireAndVerifyClientCert" => true,
        other => {
            push(format!(
                "tls_server_config.client_auth_type: {other:?} is not supported (NoClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)"
            ));
            false
        }
    };
    let verifies =
        matches!(t.client_auth_type.as_deref(), Some("RequireAndVerifyClientCert" | "VerifyClientCertIfGiven"));
    if verifies && t.client_ca_file.is_none() {
        push("tls_server_config.client_ca_file: needed to verify client certificates".into());
    }
    let tls13_only = match t.min_version.as_deref() {
        None | Some("TLS12") => false,
        Some("TLS13") => true,
        Some(other) => {
            push(format!("tls_server_config.min_version: {other:?} (TLS12 or TLS13)"));
            false
        }
    };
    TlsPlan {
        cert_file: resolve(&t.cert_file),
        key_file: resolve(&t.key_file),
        client_ca_file: t.client_ca_file.as_deref().filter(|_| verifies).map(resolve),
        require_client_cert,
        tls13_only,
    }
}
