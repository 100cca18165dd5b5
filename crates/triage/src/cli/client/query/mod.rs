//! `triage query vm|influx|es`: ask the monitoring back ends directly, as the CMS operators'
//! own tools do, and print what they answer as a table or JSON. (NATS publishing and
//! subscribing are `triage nats`, in `crate::cli::nats`.)

pub mod es;
pub mod influx;
pub mod vm;

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::net::client_error::ClientError;
use crate::net::endpoint::{Credentials, Endpoint, read_secret};

/// `triage query ...`.
#[derive(Debug, Subcommand)]
pub enum QueryCommand {
    /// PromQL/MetricsQL against VictoriaMetrics or Prometheus (instant, or --range).
    Vm(vm::VmArgs),
    /// InfluxQL against InfluxDB 1.x (`/query`).
    Influx(influx::InfluxArgs),
    /// A query_string search against Elasticsearch/OpenSearch; prints each hit's `_source`
    /// as one JSON line.
    Es(es::EsArgs),
}

/// Credentials for a back end: basic authentication or a bearer token.
#[derive(Debug, Clone, Args)]
pub struct SourceAuthArgs {
    /// User for HTTP basic authentication.
    #[arg(long)]
    pub user: Option<String>,
    /// A file holding the password of --user.
    #[arg(long, requires = "user")]
    pub password_file: Option<PathBuf>,
    /// A file holding a bearer token.
    #[arg(long, conflicts_with = "user")]
    pub bearer_token_file: Option<PathBuf>,
}

impl SourceAuthArgs {
    fn credentials(&self) -> Result<Credentials, ClientError> {
        if let Some(path) = &self.bearer_token_file {
            return Ok(Credentials::Bearer(read_secret(path, "--bearer-token-file")?));
        }
        match (&self.user, &self.password_file) {
            (Some(user), Some(path)) => {
                Ok(Credentials::Basic { user: user.clone(), password: read_secret(path, "--password-file")? })
            }
            (Some(user), None) => Ok(Credentials::Basic { user: user.clone(), password: String::new() }),
            _ => Ok(Credentials::None),
        }
    }

    /// The endpoint at `url` with these credentials.
    /// The endpoint at `url`; without one, a usage error naming `url_flag`. (The URL is not
    /// a required flag, so that usage does not show it as required when its environment
    /// variable gives it.)
    pub fn endpoint(&self, url: Option<&str>, url_flag: &str, service: &'static str) -> Result<Endpoint, ClientError> {
        let url = url.ok_or_else(|| ClientError::Usage(format!("no {service} URL: give {url_flag}")))?;
        Endpoint::new(
            url,
            url_flag,
            service,
            self.credentials()?,
            "check --user and --password-file (or --bearer-token-file)",
        )
    }
}

/// Runs `triage query ...`.
pub async fn run(cmd: QueryCommand) -> Result<(), ClientError> {
    match cmd {
        QueryCommand::Vm(args) => vm::run(args).await,
        QueryCommand::Influx(args) => influx::run(args).await,
        QueryCommand::Es(args) => es::run(args).await,
    }
}
