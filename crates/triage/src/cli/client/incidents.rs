//! `triage incidents`: the incidents of a running triage (`GET /api/v2/incidents`): those of
//! incident-notifying routes, the groups formed around an unscheduled outage, and the
//! firing alert groups of other routes. `--state resolved|all` adds the resolved ones.

use clap::{Args, ValueEnum};
use serde_json::Value;

use super::output::{Cell, OutputFormat, Table, age, print_json, severity_colour, severity_rank, timestamp_of};
use super::server::ServerArgs;
use crate::net::client_error::ClientError;

/// Which incidents to list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum IncidentState {
    /// Open ones.
    #[default]
    Open,
    /// Resolved ones.
    Resolved,
    /// Both.
    All,
}

/// Arguments of `triage incidents`.
#[derive(Debug, Args)]
pub struct IncidentsArgs {
    /// Which incidents.
    #[arg(long, value_enum, default_value_t)]
    pub state: IncidentState,
    /// At most this many.
    #[arg(long, default_value_t = 200)]
    pub limit: u32,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub server: ServerArgs,
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Open before resolved, then most severe first, then newest first.
pub fn sort_incidents(list: &mut [Value]) {
    list.sort_by(|a, b| {
        (text(a, "state") != "open")
            .cmp(&(text(b, "state") != "open"))
            .then_with(|| severity_rank(text(a, "severity")).cmp(&severity_rank(text(b, "severity"))))
            .then_with(|| text(b, "startsAt").cmp(text(a, "startsAt")))
    });
}

/// The table of incidents.
pub fn incidents_table(list: &[Value], now: jiff::Timestamp) -> Table {
    let mut table = Table::new(&["SEVERITY", "ID", "STATE", "INCIDENT", "CAUSE", "ALERTS", "NOTIFIED", "SINCE"]);
    for i in list {
        let severity = text(i, "severity");
        let cause = i.get("cause").map(|c| text(c, "summary")).unwrap_or_default();
        let notified = i.get("notifications").and_then(Value::as_u64).map(|n| n.to_string()).unwrap_or_default();
        table.row(vec![
            Cell::coloured(severity, severity_colour(severity)),
            text(i, "id").into(),
            text(i, "state").into(),
            text(i, "title").into(),
            cause.into(),
            i.get("alertCount").and_then(Value::as_u64).unwrap_or(0).to_string().into(),
            notified.into(),
            timestamp_of(i, "startsAt").map(|t| age(t, now)).unwrap_or_default().into(),
        ]);
    }
    table
}

/// Runs `triage incidents`.
pub async fn run(args: IncidentsArgs) -> Result<(), ClientError> {
    let endpoint = args.server.endpoint()?;
    let state = match args.state {
        IncidentState::Open => "open",
        IncidentState::Resolved => "resolved",
        IncidentState::All => "all",
    };
    let limit = args.limit.to_string();
    let answer = endpoint.get_json("api/v2/incidents", &[("state", state), ("limit", &limit)]).await?;
    let mut list = answer.as_array().cloned().unwrap_or_default();
    sort_incidents(&mut list);
    match args.output {
        OutputFormat::Json => print_json(&Value::Array(list)),
        OutputFormat::Table => incidents_table(&list, jiff::Timestamp::now()).print(),
    }
}
