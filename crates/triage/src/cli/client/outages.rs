//! `triage outages`: lists the outages triage knows (`GET /api/v2/outages`: GGUS tickets, SSB
//! and ServiceNow outages, GOCDB downtimes, maintenance windows and alerts); `triage outages
//! suppressions ID` lists which alerts one of them hid (`GET /api/v2/outages/{id}/suppressions`).

use clap::{Args, Subcommand};
use jiff::Timestamp;
use serde_json::Value;

use super::output::{Cell, Colour, OutputFormat, Table, print_json, short_time, timestamp_of};
use super::server::ServerArgs;
use super::silences::path_segment;
use crate::net::client_error::ClientError;

/// Arguments of `triage outages`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct OutagesArgs {
    /// What to do (lists outages without one).
    #[command(subcommand)]
    pub action: Option<OutageAction>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// `triage outages suppressions`.
#[derive(Debug, Subcommand)]
pub enum OutageAction {
    /// Lists the alerts an outage hid, newest first.
    Suppressions {
        /// The outage's ID, e.g. `ggus:145685` or `maintenance:...`.
        id: String,
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value_t)]
        output: OutputFormat,
        #[command(flatten)]
        server: ServerArgs,
    },
}

/// Runs `triage outages`.
pub async fn run(args: OutagesArgs) -> Result<(), ClientError> {
    match args.action {
        None => list(&args.server, args.output).await,
        Some(OutageAction::Suppressions { id, output, server }) => suppressions(&server, &id, output).await,
    }
}

fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// The table of `GET /api/v2/outages`.
pub fn outages_table(outages: &[Value]) -> Table {
    let mut table = Table::new(&["ID", "SOURCE", "KIND", "ACTIVE", "STARTS", "ENDS", "HIDING", "TITLE"]);
    for o in outages {
        let active = o.get("active").and_then(Value::as_bool).unwrap_or(false);
        let hiding = o.get("hiding").and_then(Value::as_array).map_or(0, Vec::len);
        let ends = timestamp_of(o, "ends_at").map_or_else(|| "open".to_string(), |t| short_time(Some(t)));
        table.row(vec![
            text(o, "id").into(),
            text(o, "source").into(),
            text(o, "kind").into(),
            Cell::coloured(if active { "yes" } else { "no" }, active.then_some(Colour::Yellow)),
            short_time(timestamp_of(o, "starts_at")).into(),
            ends.into(),
            hiding.to_string().into(),
            text(o, "title").into(),
        ]);
    }
    table
}

async fn list(server: &ServerArgs, output: OutputFormat) -> Result<(), ClientError> {
    let endpoint = server.endpoint()?;
    let answer = endpoint.get_json("api/v2/outages", &[]).await?;
    let mut outages = answer.as_array().cloned().unwrap_or_default();
    outages.sort_by_key(|o| std::cmp::Reverse(timestamp_of(o, "starts_at")));
    match output {
        OutputFormat::Json => print_json(&Value::Array(outages)),
        OutputFormat::Table => outages_table(&outages).print(),
    }
}

async fn suppressions(server: &ServerArgs, id: &str, output: OutputFormat) -> Result<(), ClientError> {
    let endpoint = server.endpoint()?;
    let path = format!("api/v2/outages/{}/suppressions", path_segment(id));
    let answer = endpoint.get_json(&path, &[]).await?;
    let rows = answer.as_array().cloned().unwrap_or_default();
    if output == OutputFormat::Json {
        return print_json(&Value::Array(rows));
    }
    let mut table = Table::new(&["FINGERPRINT", "ALERTNAME", "SITE", "INSTANCE", "BEGAN", "ENDED", "STILL FIRING"]);
    for r in &rows {
        let label = |name: &str| r.get("labels").and_then(|l| l.get(name)).and_then(Value::as_str).unwrap_or_default();
        let ended: Option<Timestamp> = timestamp_of(r, "ended_at");
        let still_firing = match r.get("still_firing").and_then(Value::as_bool) {
            Some(true) => Cell::coloured("yes", Some(Colour::Red)),
            Some(false) => "no".into(),
            None => "-".into(),
        };
        table.row(vec![
            text(r, "fingerprint").into(),
            label("alertname").into(),
            label("site").into(),
            match label("instance") {
                "" => label("host"),
                instance => instance,
            }
            .into(),
            short_time(timestamp_of(r, "began_at")).into(),
            ended.map_or_else(|| "open".to_string(), |t| short_time(Some(t))).into(),
            still_firing,
        ]);
    }
    table.print()
}
