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
    #[command(
        after_help = "Examples:\n  triage alerts\n  triage alerts --silenced severity=critical 'site=~\"T2_.*\"' -o json"
    )]
    Alerts(alerts::AlertsArgs),
    /// Lists silences; `add` creates one, `expire` ends one.
    #[command(
        after_help = "Examples:\n  triage silences\n  triage silences add alertname=DiskFull instance=se1 -c \"disk swap\" -d 2h\n  triage silences expire 5b1c0a4e-0d0f-4f43-9e0c-8e3f4b2c1d00"
    )]
    Silences(silences::SilencesArgs),
    /// Lists outages (tickets, downtimes, maintenance); `suppressions ID` shows what one hid.
    #[command(
        after_help = "Examples:\n  triage outages\n  triage outages suppressions maintenance:5b1c0a4e-0d0f-4f43-9e0c-8e3f4b2c1d00"
    )]
    Outages(outages::OutagesArgs),
    /// Lists incidents: open ones (incident-notifying routes' incidents, outage groups, and
    /// other routes' firing groups), or with --state the resolved ones too.
    #[command(after_help = "Examples:\n  triage incidents\n  triage incidents --state all --limit 50 -o json")]
    Incidents(incidents::IncidentsArgs),
    /// Analytics of the stored history: noisiest and flapping alerts, time to resolve,
    /// alerts and incidents per day by site, service or category.
    #[command(
        after_help = "Examples:\n  triage analytics\n  triage analytics --from 2026-12-01T00:00:00Z --by category --top 20"
    )]
    Analytics(analytics::AnalyticsArgs),
    /// Queries VictoriaMetrics/Prometheus, InfluxDB or Elasticsearch directly.
    #[command(
        after_help = "Examples:\n  triage query vm 'up == 0' --url http://victoria:8428\n  triage query vm 'rate(node_cpu_seconds_total[5m])' --range 1h --url http://victoria:8428"
    )]
    Query {
        #[command(subcommand)]
        source: query::QueryCommand,
    },
    /// A terminal dashboard: firing alerts, incidents, per-site counts (q quits, / filters,
    /// Enter shows an alert, Esc goes back).
    #[command(after_help = "Examples:\n  triage top\n  triage top --url http://triage:9193 --interval 5s")]
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
