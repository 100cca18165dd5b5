//! `triage nats pub|sub`: a small NATS client in the same binary, as the query tools are, for
//! looking at what flows on the ingest bus and putting test messages on it.
//!
//! The server comes from `--server`, else `TRIAGE_NATS_URL`, else `nats://127.0.0.1:4222`;
//! credentials from `--user`/`--password`, `--token-file` or `--creds`; a CA file for TLS from
//! `--tls-ca`. Every failure ends in a [`ClientError`] saying what went wrong and what to do,
//! with exit code 2 for a mistake on the command line and 1 otherwise, as the client commands.
//! TLS uses rustls with the aws-lc-rs provider, installed as the process default at start.

mod publish;
mod subscribe;

use crate::net::cause::innermost;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use async_nats::{ConnectErrorKind, ConnectOptions};
use clap::{Args, Subcommand, ValueEnum};
use reqwest::Url;

use crate::net::client_error::ClientError;
use crate::net::endpoint::read_secret;

pub use publish::PubArgs;
pub use subscribe::SubArgs;

/// Where nats-server listens when nothing says otherwise.
pub const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";

/// `triage nats ...`.
#[derive(Debug, Subcommand)]
pub enum NatsAction {
    /// Publishes DATA (the argument, `--file F`, or standard input with `-`) to SUBJECT,
    /// `--count` times; with `--jetstream` waits for each acknowledgement and prints its stream
    /// and sequence.
    Pub(PubArgs),
    /// Prints the messages on SUBJECT (wildcards `*` and `>` allowed) until `--count` arrived
    /// or `--timeout` passed; without either, until interrupted.
    Sub(SubArgs),
}

/// `-o`: how messages and acknowledgements are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum NatsOutput {
    /// For people.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The flags naming the NATS server and how to log in.
#[derive(Debug, Clone, Args)]
pub struct NatsServerArgs {
    /// The NATS server, `nats://HOST:PORT` (or `tls://HOST:PORT` to require TLS).
    #[arg(long, env = "TRIAGE_NATS_URL", default_value = DEFAULT_NATS_URL)]
    pub server: String,
    /// User name.
    #[arg(long, env = "TRIAGE_NATS_USER")]
    pub user: Option<String>,
    /// Password of --user.
    #[arg(long, env = "TRIAGE_NATS_PASSWORD", hide_env_values = true, requires = "user")]
    pub password: Option<String>,
    /// A file holding the server's authentication token.
    #[arg(long, env = "TRIAGE_NATS_TOKEN_FILE", conflicts_with_all = ["user", "creds"])]
    pub token_file: Option<PathBuf>,
    /// A NATS credentials file (user JWT and NKey seed).
    #[arg(long, env = "TRIAGE_NATS_CREDS", conflicts_with = "user")]
    pub creds: Option<PathBuf>,
    /// A PEM file of CA certificates trusted for the server's TLS certificate.
    #[arg(long)]
    pub tls_ca: Option<PathBuf>,
    /// How long to wait for the connection, e.g. 5s.
    #[arg(long, default_value = "5s")]
    pub connect_timeout: String,
}

/// A connected client and the server's URL for messages (without any password).
pub(crate) struct Connection {
    pub client: async_nats::Client,
    pub url: String,
}

const AUTH_HINT: &str = "check --user/--password, --token-file or --creds (TRIAGE_NATS_USER, TRIAGE_NATS_PASSWORD, TRIAGE_NATS_TOKEN_FILE, TRIAGE_NATS_CREDS)";

impl NatsServerArgs {
    /// The server URL checked (nats or tls, a host), and as shown in messages.
    fn checked_url(&self) -> Result<String, ClientError> {
        let bad = |reason: String| bad_url(&self.server, &reason);
        let url = Url::parse(self.server.trim()).map_err(|e| bad(e.to_string()))?;
        if !matches!(url.scheme(), "nats" | "tls") {
            return Err(bad(format!("the scheme is {:?}, not nats or tls", url.scheme())));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("no host".to_string()));
        }
        let mut shown = url.clone();
        let _ = shown.set_password(None);
        Ok(shown.to_string().trim_end_matches('/').to_string())
    }

    /// Connects, or says why not and what to do.
    pub(crate) async fn connect(&self) -> Result<Connection, ClientError> {
        let url = self.checked_url()?;
        let timeout: Duration =
            crate::cli::client::duration::parse_duration(&self.connect_timeout, "--connect-timeout")?.unsigned_abs();
        let mut options = match &self.creds {
            Some(path) => ConnectOptions::with_credentials_file(path)
                .await
                .map_err(|e| ClientError::File(format!("reading --creds {}: {e}; check --creds", path.display())))?,
            None => ConnectOptions::new(),
        };
        if let Some(path) = &self.token_file {
            options = options.token(read_secret(path, "--token-file")?);
        }
        if let Some(user) = &self.user {
            options = options.user_and_password(user.clone(), self.password.clone().unwrap_or_default());
        }
        if let Some(ca) = &self.tls_ca {
            if !ca.is_file() {
                return Err(ClientError::File(format!("--tls-ca {}: no such file; check --tls-ca", ca.display())));
            }
            options = options.add_root_certificates(ca.clone()).require_tls(true);
        }
        let options =
            options.name(concat!("triage/", env!("CARGO_PKG_VERSION"))).connection_timeout(timeout).max_reconnects(1);
        let client = options.connect(self.server.trim()).await.map_err(|e| connect_error(&url, &e))?;
        Ok(Connection { client, url })
    }
}

/// A server URL that cannot be used (exit code 2, as every command-line mistake).
fn bad_url(url: &str, reason: &str) -> ClientError {
    ClientError::Usage(format!(
        "invalid NATS URL {url:?}: {reason}; give one such as {DEFAULT_NATS_URL} (--server or TRIAGE_NATS_URL)"
    ))
}

/// What a failed connection means for the user.
fn connect_error(url: &str, e: &async_nats::ConnectError) -> ClientError {
    let reason = innermost(e);
    match e.kind() {
        ConnectErrorKind::AuthorizationViolation | ConnectErrorKind::Authentication => {
            ClientError::AuthRejected { url: url.to_string(), reason, hint: AUTH_HINT }
        }
        ConnectErrorKind::ServerParse => bad_url(url, &reason),
        kind if kind == ConnectErrorKind::Tls || is_tls_failure(e) => ClientError::Failed {
            url: url.to_string(),
            reason: format!("TLS failed: {reason}"),
            hint: "check --tls-ca and that the server's certificate names the host of --server".to_string(),
        },
        ConnectErrorKind::TimedOut => ClientError::Unreachable {
            url: url.to_string(),
            reason: "timed out (--connect-timeout)".to_string(),
            service: "nats-server",
        },
        _ => ClientError::Unreachable { url: url.to_string(), reason, service: "nats-server" },
    }
}

/// Whether a rustls error is among the causes (a handshake failure reaches the client as an
/// I/O error wrapping one).
fn is_tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(cause) = next {
        let wrapped = cause.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref());
        if cause.is::<rustls::Error>() || wrapped.is_some_and(|inner| inner.is::<rustls::Error>()) {
            return true;
        }
        next = cause.source();
    }
    false
}

/// Runs a `triage nats` command on its own runtime.
pub fn run(action: NatsAction) -> ExitCode {
    // The one rustls provider of this binary; a second call (or one already installed) is fine.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("triage: starting the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async move {
        match action {
            NatsAction::Pub(args) => publish::run(args).await,
            NatsAction::Sub(args) => subscribe::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("triage: {e}");
            e.exit_code()
        }
    }
}
