//! The web configuration file (`--web.config.file`) as text: parsing and checking, no I/O.
//!
//! Alertmanager's format plus triage's own keys:
//!
//! ```yaml
//! tls_server_config:             # Alertmanager's: serve HTTPS
//!   cert_file: server.crt
//!   key_file: server.key
//!   client_auth_type: RequireAndVerifyClientCert   # optional; needs client_ca_file
//!   client_ca_file: ca.crt
//!   min_version: TLS13                             # optional: TLS12 (default) or TLS13
//! http_server_config: {}         # Alertmanager's: accepted, not used
//! basic_auth_users:              # Alertmanager's: user -> bcrypt hash; full access
//!   alice: $2y$10$...
//! bearer_tokens:                 # triage's own: `Authorization: Bearer <token>`
//!   - {name: grafana, token_file: grafana.token, scope: read}
//!   - {name: vmalert, token_file: vmalert.token, scope: write}   # write includes read
//!   - {name: ci, token_env: TRIAGE_CI_TOKEN, scope: read}        # from the environment
//! rate_limit: {per_second: 50, burst: 200}   # triage's own: per client address
//! ```
//!
//! [`parse`] (or [`parse_bytes`]) turns the text into a [`Plan`]: every value checked,
//! relative paths resolved against the file's directory, and what the I/O shell
//! (`triage::web_config`) still has to do: which certificate files must exist
//! ([`TlsPlan::required_files`]) and where each bearer token comes from ([`TokenSource`]: a
//! file or an environment variable). Problems found here are in [`Plan::problems`], each with
//! the [`Section`] it belongs to, so the shell can add its own and report them all in the
//! file's order. A file that cannot be read as a web configuration at all (too large, not
//! UTF-8, not YAML, an unknown key, a wrong type) is an `Err` with one message.
//!
//! Limits, so that a hostile or broken file is refused quickly and in bounded memory:
//!
//! - a file over [`MAX_BYTES`] (1 MiB) is refused before it is parsed; real web
//!   configurations are a few kilobytes, and 1 MiB still holds over 10,000 users;
//! - YAML aliases are allowed, but the document they expand to may be at most
//!   [`MAX_EXPANDED`] (twice [`MAX_BYTES`], counted as string bytes plus one per node): a
//!   "billion laughs" file is refused after that much counting, before anything is built;
//! - flow collections (`[...]`, `{...}`) nested deeper than 64 levels are refused by a linear
//!   scan before the YAML reader runs (which would take time quadratic in the depth), and
//!   any nesting deeper than 128 levels by the reader itself (`yaml_serde`'s limit), so deep
//!   input cannot overflow the stack or take long;
//! - input that is not UTF-8 is refused with the offset of the first bad byte.

mod bcrypt_hash;
mod check;
mod expansion;
mod file;
mod nesting;
mod plan;

pub use bcrypt_hash::is_bcrypt_hash;
pub use plan::{Plan, Problem, RateLimit, Scope, Section, TlsPlan, TokenPlan, TokenSource};

use std::path::Path;

/// The largest web configuration file accepted, in bytes (1 MiB).
pub const MAX_BYTES: usize = 1024 * 1024;

/// The largest document the aliases of a file may expand to: string bytes plus one per node.
pub const MAX_EXPANDED: usize = 2 * MAX_BYTES;

/// Parses a web configuration given as bytes; relative paths are resolved against `dir`.
pub fn parse_bytes(bytes: &[u8], dir: &Path) -> Result<Plan, String> {
    check_size(bytes.len())?;
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))?;
    parse(text, dir)
}

/// Parses the text of a web configuration; relative paths are resolved against `dir`.
pub fn parse(text: &str, dir: &Path) -> Result<Plan, String> {
    check_size(text.len())?;
    let file: file::WebConfigFile = if text.trim().is_empty() {
        file::WebConfigFile::default()
    } else {
        nesting::check(text)?;
        expansion::check(text, MAX_EXPANDED)?;
        yaml_serde::from_str(text).map_err(|e| e.to_string())?
    };
    Ok(check::check(file, dir))
}

fn check_size(len: usize) -> Result<(), String> {
    if len > MAX_BYTES {
        return Err(format!("the file is larger than {MAX_BYTES} bytes (1 MiB), the most a web configuration may be"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
