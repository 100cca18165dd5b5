//! Client commands against a running triage (in amtool's spirit), query tools and the
//! terminal dashboard.
//!
//! Each command runs on its own current-thread tokio runtime and ends with a message saying
//! what went wrong and what to do, and a non-zero exit code, when it fails. Publishing to and
//! subscribing from NATS live in `crate::cli::nats`, with the same errors.

pub mod alerts;
pub mod analytics;
pub mod config;
pub mod duration;

pub mod incidents;
pub mod matchers;
pub mod model;
pub mod outages;
pub mod output;
pub mod query;
pub mod server;
pub mod silences;
pub mod top;

use std::process::ExitCode;

use clap::Subcommand;

use crate::net::client_error::ClientError;

/// Client subcommands, flattened into the top-level command line.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Lists the alerts of a running triage (only active ones unless --silenced/--inhibited).
    Alerts(alerts::AlertsArgs),
    /// Lists silences; `add` creates one, `expire` ends one.
    Silences(silences::SilencesArgs),
    /// Lists outages (tickets, downtimes, maintenance); `suppressions ID` shows what one hid.
    Outages(outages::OutagesArgs),
    /// Lists incidents: open ones (incident-notifying routes' incidents, outage groups, and
    /// other routes' firing groups), or with --state the resolved ones too.
    Incidents(incidents::IncidentsArgs),
    /// Analytics of the stored history: noisiest and flapping alerts, time to resolve,
    /// alerts and incidents per day by site, service or category.
    Analytics(analytics::AnalyticsArgs),
    /// Queries VictoriaMetrics/Prometheus, InfluxDB or Elasticsearch directly.
    Query {
        #[command(subcommand)]
        source: query::QueryCommand,
    },
    /// A terminal dashboard: firing alerts, incidents, per-site counts (q quits, / filters,
    /// Enter shows an alert, Esc goes back).
    Top(top::TopArgs),
}

/// Runs a client command.
pub fn run(cmd: ClientCommand) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("triage: starting the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result: Result<(), ClientError> = runtime.block_on(async move {
        match cmd {
            ClientCommand::Alerts(args) => alerts::run(args).await,
            ClientCommand::Silences(args) => silences::run(args).await,
            ClientCommand::Outages(args) => outages::run(args).await,
            ClientCommand::Incidents(args) => incidents::run(args).await,
            ClientCommand::Analytics(args) => analytics::run(args).await,
            ClientCommand::Query { source } => query::run(source).await,
            ClientCommand::Top(args) => top::run(args).await,
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
