//! Which triage a client command talks to: `--url`/`TRIAGE_URL`, else `url:` of the client
//! config, else `http://127.0.0.1:9193`; the bearer token from `--token-file`/`TRIAGE_TOKEN_FILE`,
//! else `token_file:` of the client config.

use std::path::PathBuf;

use clap::Args;

use super::config;
use crate::net::client_error::ClientError;
use crate::net::endpoint::{Credentials, Endpoint, read_secret};

/// Where triage listens when nothing says otherwise.
pub const DEFAULT_URL: &str = "http://127.0.0.1:9193";

/// The flags naming the triage server.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// triage's URL [default: `url:` of ~/.config/triage/client.yml, else http://127.0.0.1:9193].
    #[arg(long, env = "TRIAGE_URL")]
    pub url: Option<String>,
    /// A file holding the bearer token to send [default: `token_file:` of the client config].
    #[arg(long, env = "TRIAGE_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
}

impl ServerArgs {
    /// The endpoint these flags, the environment and the client config name.
    pub fn endpoint(&self) -> Result<Endpoint, ClientError> {
        let file = if self.url.is_some() && self.token_file.is_some() { None } else { Some(config::load()?) };
        let url = self
            .url
            .clone()
            .or_else(|| file.as_ref().and_then(|c| c.url.clone()))
            .unwrap_or_else(|| DEFAULT_URL.to_string());
        let token_file = self.token_file.clone().or_else(|| file.as_ref().and_then(|c| c.token_file.clone()));
        let credentials = match token_file {
            Some(path) => Credentials::Bearer(read_secret(&path, "--token-file")?),
            None => Credentials::None,
        };
        Endpoint::new(
            &url,
            "--url, TRIAGE_URL or url: in the client config",
            "triage",
            credentials,
            "check --token-file (or TRIAGE_TOKEN_FILE, token_file: in the client config)",
        )
    }
}
