//! `triage analytics`: what the stored history says (`GET /api/v2/analytics`): the noisiest
//! alerts, flapping alerts, time to resolve, and alerts and incidents per day by site,
//! service and category.

use clap::Args;
use serde_json::Value;

use super::output::{OutputFormat, Table, print_json};
use super::server::ServerArgs;
use crate::net::client_error::ClientError;

/// Arguments of `triage analytics`.
#[derive(Debug, Args)]
pub struct AnalyticsArgs {
    /// Start of the range (RFC 3339); default: 7 days before --to.
    #[arg(long)]
    pub from: Option<String>,
    /// End of the range (RFC 3339); default: now.
    #[arg(long)]
    pub to: Option<String>,
    /// Entries per list.
    #[arg(long, default_value_t = 10)]
    pub top: u32,
    /// Per-day table by this dimension.
    #[arg(long, value_parser = ["site", "service", "category"], default_value = "site")]
    pub by: String,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub server: ServerArgs,
}

fn num(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::Number(n)) if n.is_f64() => format!("{:.0}", n.as_f64().unwrap_or_default()),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn rows(v: &Value, key: &str) -> Vec<Value> {
    v.get(key).and_then(Value::as_array).cloned().unwrap_or_default()
}

/// The human report.
pub fn report(a: &Value, by: &str) -> Result<(), ClientError> {
    println!(
        "{} .. {}: {} firings, {} incidents",
        text(a, "from"),
        text(a, "to"),
        num(a, "firings"),
        num(a, "incidents")
    );
    println!("\nNoisiest alerts");
    let mut t = Table::new(&["ALERTNAME", "FIRINGS", "TRANSITIONS"]);
    for n in rows(a, "noisiest") {
        t.row(vec![text(&n, "alertname").into(), num(&n, "firings").into(), num(&n, "transitions").into()]);
    }
    t.print()?;
    println!("\nFlapping alerts");
    let mut t = Table::new(&["FINGERPRINT", "ALERTNAME", "FLAPS"]);
    for f in rows(a, "flapping") {
        t.row(vec![text(&f, "fingerprint").into(), text(&f, "alertname").into(), num(&f, "flaps").into()]);
    }
    t.print()?;
    let ttr = a.get("timeToResolve").cloned().unwrap_or_default();
    println!(
        "\nTime to resolve: {} resolved, mean {} s, median {} s, p90 {} s",
        num(&ttr, "count"),
        num(&ttr, "meanSeconds"),
        num(&ttr, "medianSeconds"),
        num(&ttr, "p90Seconds")
    );
    let mut t = Table::new(&["ALERTNAME", "RESOLVED", "MEAN_SECONDS"]);
    for r in rows(&ttr, "byAlertname") {
        t.row(vec![text(&r, "alertname").into(), num(&r, "count").into(), num(&r, "meanSeconds").into()]);
    }
    t.print()?;
    println!("\nPer day by {by}");
    let mut t = Table::new(&["DAY", &by.to_uppercase(), "ALERTS", "INCIDENTS"]);
    for d in rows(&a.get("perDay").cloned().unwrap_or_default(), by) {
        t.row(vec![
            text(&d, "day").into(),
            text(&d, "key").into(),
            num(&d, "alerts").into(),
            num(&d, "incidents").into(),
        ]);
    }
    t.print()
}

/// Runs `triage analytics`.
pub async fn run(args: AnalyticsArgs) -> Result<(), ClientError> {
    let endpoint = args.server.endpoint()?;
    let top = args.top.to_string();
    let mut query: Vec<(&str, &str)> = vec![("top", &top)];
    if let Some(f) = &args.from {
        query.push(("from", f));
    }
    if let Some(t) = &args.to {
        query.push(("to", t));
    }
    let answer = endpoint.get_json("api/v2/analytics", &query).await?;
    match args.output {
        OutputFormat::Json => print_json(&answer),
        OutputFormat::Table => report(&answer, &args.by),
    }
}
