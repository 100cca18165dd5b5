//! The client's configuration file, `~/.config/triage/client.yml` (or the file named by
//! `TRIAGE_CLIENT_CONFIG`), with the server URL and the bearer token file:
//!
//! ```yaml
//! url: http://triage.example.cern.ch:9193
//! token_file: /home/alice/.config/triage/token
//! ```

use std::path::PathBuf;

use serde::Deserialize;

use crate::net::client_error::ClientError;

/// The contents of `client.yml`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// triage's base URL.
    #[serde(default)]
    pub url: Option<String>,
    /// A file holding the bearer token sent with every request.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
}

/// Where the configuration file is looked for: `TRIAGE_CLIENT_CONFIG`, else
/// `$XDG_CONFIG_HOME/triage/client.yml`, else `~/.config/triage/client.yml`.
pub fn config_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TRIAGE_CLIENT_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()).map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").filter(|p| !p.is_empty()).map(|home| PathBuf::from(home).join(".config"))
    })?;
    Some(base.join("triage").join("client.yml"))
}

/// Reads the configuration file. A missing file is an empty configuration; an unreadable or
/// malformed one is an error naming the file. A relative `token_file` is taken relative to the
/// configuration file's directory.
pub fn load() -> Result<ClientConfig, ClientError> {
    let Some(path) = config_path() else {
        return Ok(ClientConfig::default());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ClientConfig::default()),
        Err(e) => return Err(ClientError::File(format!("reading the client config {}: {e}", path.display()))),
    };
    if text.trim().is_empty() {
        return Ok(ClientConfig::default());
    }
    let mut config: ClientConfig = yaml_serde::from_str(&text).map_err(|e| {
        ClientError::File(format!(
            "the client config {} is not valid (expected the keys url: and token_file:): {e}",
            path.display()
        ))
    })?;
    if let (Some(token), Some(dir)) = (&config.token_file, path.parent())
        && token.is_relative()
    {
        config.token_file = Some(dir.join(token));
    }
    Ok(config)
}
