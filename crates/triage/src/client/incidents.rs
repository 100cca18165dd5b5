//! `triage incidents`: triage has no incidents endpoint yet, so this lists the alert groups of
//! `GET /api/v2/alerts/groups`, one incident per group (its `group_by` labels, receiver, worst
//! severity, how many alerts, since when).

use clap::Args;
use serde_json::Value;

use super::error::ClientError;
use super::model::GroupView;
use super::output::{Cell, OutputFormat, Table, age, print_json, severity_colour, severity_rank};
use super::server::ServerArgs;

/// Arguments of `triage incidents`.
#[derive(Debug, Args)]
pub struct IncidentsArgs {
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// Groups ordered most severe first, then oldest first.
pub fn sort_incidents(groups: &mut [GroupView]) {
    groups.sort_by(|a, b| {
        severity_rank(a.worst_severity())
            .cmp(&severity_rank(b.worst_severity()))
            .then_with(|| a.since().cmp(&b.since()))
            .then_with(|| a.title().cmp(&b.title()))
    });
}

/// The table of incidents.
pub fn incidents_table(groups: &[GroupView], now: jiff::Timestamp) -> Table {
    let mut table = Table::new(&["SEVERITY", "INCIDENT", "RECEIVER", "ALERTS", "SINCE", "ALERTNAMES"]);
    for g in groups {
        let severity = g.worst_severity();
        table.row(vec![
            Cell::coloured(severity, severity_colour(severity)),
            g.title().into(),
            g.receiver.as_str().into(),
            g.alerts.len().to_string().into(),
            g.since().map(|t| age(t, now)).unwrap_or_default().into(),
            g.alertnames().join(", ").into(),
        ]);
    }
    table
}

/// Runs `triage incidents`.
pub async fn run(args: IncidentsArgs) -> Result<(), ClientError> {
    let endpoint = args.server.endpoint()?;
    let answer = endpoint.get_json("api/v2/alerts/groups", &[]).await?;
    let mut groups = GroupView::list_from_json(&answer);
    sort_incidents(&mut groups);
    match args.output {
        OutputFormat::Json => print_json(&Value::Array(groups.into_iter().map(|g| g.raw).collect())),
        OutputFormat::Table => incidents_table(&groups, jiff::Timestamp::now()).print(),
    }
}
