//! `triage alerts [MATCHER...]`: lists a running triage's alerts, filtered by matchers (sent
//! as the API's `filter`) and by state as amtool does, sorted, as a table or JSON.

use clap::{Args, ValueEnum};
use serde_json::Value;

use super::matchers;
use super::model::AlertView;
use super::output::{Cell, Colour, OutputFormat, Table, age, print_json, severity_colour, severity_rank};
use super::server::ServerArgs;
use crate::net::client_error::ClientError;

/// `--sort`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum AlertSort {
    /// Oldest first.
    #[default]
    #[value(name = "startsAt", alias = "starts-at", alias = "startsat")]
    StartsAt,
    /// By alert name.
    Alertname,
    /// Most severe first.
    Severity,
    /// By site.
    Site,
}

/// Arguments of `triage alerts`.
#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// Label matchers in Alertmanager's syntax, e.g. `alertname=~"Disk.*"` `site="T2_CH_CSCS"`.
    pub matchers: Vec<String>,
    /// Show active alerts (the default when no state flag is given).
    #[arg(long)]
    pub active: bool,
    /// Show silenced alerts.
    #[arg(short = 's', long)]
    pub silenced: bool,
    /// Show inhibited alerts.
    #[arg(short = 'i', long)]
    pub inhibited: bool,
    /// Sort order.
    #[arg(long, value_enum, default_value_t)]
    pub sort: AlertSort,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// The API query: state flags (only active ones when none is given) and one `filter` per
/// matcher, as amtool sends them.
pub fn query_pairs(args: &AlertsArgs, filters: &[String]) -> Vec<(&'static str, String)> {
    let none_given = !(args.active || args.silenced || args.inhibited);
    let flag = |on: bool| if on { "true" } else { "false" }.to_string();
    let mut pairs = vec![
        ("active", flag(args.active || none_given)),
        ("silenced", flag(args.silenced)),
        ("inhibited", flag(args.inhibited)),
    ];
    pairs.extend(filters.iter().map(|f| ("filter", f.clone())));
    pairs
}

/// Sorts alerts; ties go by alert name, then fingerprint, so the order is stable.
pub fn sort_alerts(alerts: &mut [AlertView], by: AlertSort) {
    alerts.sort_by(|a, b| {
        let first = match by {
            AlertSort::StartsAt => a.starts_at.cmp(&b.starts_at),
            AlertSort::Alertname => std::cmp::Ordering::Equal,
            AlertSort::Severity => severity_rank(a.label("severity")).cmp(&severity_rank(b.label("severity"))),
            AlertSort::Site => a.site().cmp(b.site()),
        };
        first
            .then_with(|| a.label("alertname").cmp(b.label("alertname")))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
}

/// The table of alerts.
pub fn alerts_table(alerts: &[AlertView], now: jiff::Timestamp) -> Table {
    let mut table = Table::new(&["SEVERITY", "ALERTNAME", "SITE", "INSTANCE", "STATE", "REASON", "SINCE", "SUMMARY"]);
    for a in alerts {
        let severity = a.label("severity");
        let state = a.state.as_str();
        let state_colour = if state == "active" { Some(Colour::Green) } else { Some(Colour::Grey) };
        let summary = match a.annotations.get("summary") {
            Some(s) => s.as_str(),
            None => a.annotations.get("description").map(String::as_str).unwrap_or(""),
        };
        table.row(vec![
            Cell::coloured(severity, severity_colour(severity)),
            a.label("alertname").into(),
            a.site().into(),
            a.instance().into(),
            Cell::coloured(state, state_colour),
            a.reason().into(),
            a.starts_at.map(|t| age(t, now)).unwrap_or_default().into(),
            triage_core::series::shorten(summary, 80).into(),
        ]);
    }
    table
}

/// Runs `triage alerts`.
pub async fn run(args: AlertsArgs) -> Result<(), ClientError> {
    let parsed = matchers::parse_args(&args.matchers)?;
    let filters: Vec<String> = parsed.iter().map(ToString::to_string).collect();
    let endpoint = args.server.endpoint()?;
    let pairs = query_pairs(&args, &filters);
    let query: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = endpoint.get_json("api/v2/alerts", &query).await?;
    let mut alerts = AlertView::list_from_json(&answer);
    sort_alerts(&mut alerts, args.sort);
    match args.output {
        OutputFormat::Json => print_json(&Value::Array(alerts.into_iter().map(|a| a.raw).collect())),
        OutputFormat::Table => alerts_table(&alerts, jiff::Timestamp::now()).print(),
    }
}
