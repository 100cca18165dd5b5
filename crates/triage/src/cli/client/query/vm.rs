//! `triage query vm EXPR --url URL [--range 1h --step 1m] [--time T]`: an instant or range
//! query against the Prometheus HTTP API of VictoriaMetrics or Prometheus.

use std::collections::BTreeMap;

use clap::Args;
use jiff::Timestamp;
use reqwest::Method;
use serde_json::{Value, json};
use triage_core::series::{api_error_detail, parse_query_range_labelled, series_name};

use super::SourceAuthArgs;
use crate::cli::client::duration::parse_duration;
use crate::cli::client::output::{OutputFormat, Table, print_json, short_time};
use crate::net::client_error::ClientError;
use crate::net::endpoint::{Endpoint, parse_json};

/// Arguments of `triage query vm`.
#[derive(Debug, Args)]
pub struct VmArgs {
    /// The PromQL/MetricsQL expression.
    pub expr: String,
    /// VictoriaMetrics' (or Prometheus') URL (needed: the flag or TRIAGE_VM_URL).
    #[arg(long, env = "TRIAGE_VM_URL")]
    pub url: Option<String>,
    /// Query this long a range up to --time (e.g. 1h); without it the query is instant.
    #[arg(long)]
    pub range: Option<String>,
    /// The step of a range query.
    #[arg(long, default_value = "1m", requires = "range")]
    pub step: String,
    /// The evaluation time (RFC 3339) [default: now].
    #[arg(long)]
    pub time: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub auth: SourceAuthArgs,
}

/// Seconds since the epoch as the API wants them.
fn api_seconds(t: Timestamp) -> String {
    format!("{:.3}", t.as_millisecond() as f64 / 1000.0)
}

/// Sends the query; a 400/422 carrying the API's error becomes [`ClientError::QueryRejected`].
async fn ask(endpoint: &Endpoint, path: &str, query: &[(&str, &str)]) -> Result<Vec<u8>, ClientError> {
    let url = endpoint.url(path, query);
    let (status, body) = endpoint.send_raw(Method::GET, url.clone(), None).await?;
    if let (400 | 422 | 503, Some(message)) = (status, api_error_detail(&body)) {
        return Err(ClientError::QueryRejected { url: endpoint.base(), message });
    }
    endpoint.check_status(&url, status, body)
}

/// Runs `triage query vm`.
pub async fn run(args: VmArgs) -> Result<(), ClientError> {
    let endpoint = args.auth.endpoint(args.url.as_deref(), "--url or TRIAGE_VM_URL", "VictoriaMetrics")?;
    let at = match &args.time {
        Some(text) => {
            text.parse().map_err(|e| ClientError::Usage(format!("--time {text:?} is not an RFC 3339 time: {e}")))?
        }
        None => Timestamp::now(),
    };
    match &args.range {
        Some(range) => {
            let range = parse_duration(range, "--range")?;
            let step = parse_duration(&args.step, "--step")?;
            let start = at.checked_sub(range).map_err(|e| ClientError::Usage(format!("--range: {e}")))?;
            let step_seconds = format!("{:.3}", step.as_millis() as f64 / 1000.0);
            let (start, end) = (api_seconds(start), api_seconds(at));
            let query = [("query", args.expr.as_str()), ("start", &start), ("end", &end), ("step", &step_seconds)];
            let body = ask(&endpoint, "api/v1/query_range", &query).await?;
            let series = parse_query_range_labelled(&body, &endpoint.base())
                .map_err(|reason| ClientError::BadAnswer { url: endpoint.base(), reason })?;
            print_range(&series, args.output)
        }
        None => {
            let time = api_seconds(at);
            let url = endpoint.url("api/v1/query", &[("query", &args.expr), ("time", &time)]);
            let body = ask(&endpoint, "api/v1/query", &[("query", &args.expr), ("time", &time)]).await?;
            let answer = parse_json(&url, &body)?;
            let samples =
                instant_samples(&answer).map_err(|reason| ClientError::BadAnswer { url: endpoint.base(), reason })?;
            print_instant(&samples, args.output)
        }
    }
}

/// One sample of an instant answer: labels, unix milliseconds, value.
pub type InstantSample = (BTreeMap<String, String>, i64, f64);

/// The samples of an instant answer (`vector` or `scalar`).
pub fn instant_samples(answer: &Value) -> Result<Vec<InstantSample>, String> {
    if answer.get("status").and_then(Value::as_str) != Some("success") {
        return Err(format!("status is not success: {}", triage_core::series::shorten(&answer.to_string(), 300)));
    }
    let data = answer.get("data").ok_or("no data")?;
    let sample = |pair: &Value| -> Result<(i64, f64), String> {
        let seconds = pair.get(0).and_then(Value::as_f64).ok_or("a sample has no time")?;
        let text = pair.get(1).and_then(Value::as_str).ok_or("a sample has no value")?;
        let value = text.parse::<f64>().map_err(|_| format!("sample value {text:?} is not a number"))?;
        Ok(((seconds * 1000.0).round() as i64, value))
    };
    match data.get("resultType").and_then(Value::as_str) {
        Some("vector") => data
            .get("result")
            .and_then(Value::as_array)
            .ok_or("no result")?
            .iter()
            .map(|item| {
                let labels: BTreeMap<String, String> = item
                    .get("metric")
                    .cloned()
                    .map(serde_json::from_value)
                    .transpose()
                    .map_err(|e| format!("bad metric: {e}"))?
                    .unwrap_or_default();
                let (t, v) = sample(item.get("value").ok_or("a series has no value")?)?;
                Ok((labels, t, v))
            })
            .collect(),
        Some("scalar") => {
            let (t, v) = sample(data.get("result").ok_or("no result")?)?;
            Ok(vec![(BTreeMap::new(), t, v)])
        }
        other => Err(format!("result type {other:?} is not vector or scalar")),
    }
}

fn time_of(ms: i64) -> String {
    short_time(Timestamp::from_millisecond(ms).ok())
}

fn print_instant(samples: &[InstantSample], output: OutputFormat) -> Result<(), ClientError> {
    if output == OutputFormat::Json {
        let items: Vec<Value> =
            samples.iter().map(|(labels, t, v)| json!({"metric": labels, "value": [*t as f64 / 1000.0, v]})).collect();
        return print_json(&Value::Array(items));
    }
    let mut table = Table::new(&["SERIES", "VALUE", "TIME"]);
    for (labels, t, v) in samples {
        table.row(vec![series_name(labels).into(), v.to_string().into(), time_of(*t).into()]);
    }
    table.print()
}

fn print_range(series: &[triage_core::series::LabelledPoints], output: OutputFormat) -> Result<(), ClientError> {
    if output == OutputFormat::Json {
        let items: Vec<Value> = series
            .iter()
            .map(|(labels, points)| {
                let values: Vec<Value> = points.iter().map(|(t, v)| json!([*t as f64 / 1000.0, v])).collect();
                json!({"metric": labels, "values": values})
            })
            .collect();
        return print_json(&Value::Array(items));
    }
    let mut table = Table::new(&["SERIES", "POINTS", "FROM", "TO", "MIN", "MAX", "LAST"]);
    for (labels, points) in series {
        let values = points.iter().map(|(_, v)| *v);
        let min = values.clone().fold(f64::INFINITY, f64::min);
        let max = values.fold(f64::NEG_INFINITY, f64::max);
        let (first, last) = (points.first(), points.last());
        let number = |v: f64| if points.is_empty() { "-".to_string() } else { v.to_string() };
        table.row(vec![
            series_name(labels).into(),
            points.len().to_string().into(),
            first.map(|(t, _)| time_of(*t)).unwrap_or_default().into(),
            last.map(|(t, _)| time_of(*t)).unwrap_or_default().into(),
            number(min).into(),
            number(max).into(),
            last.map(|(_, v)| v.to_string()).unwrap_or_default().into(),
        ]);
    }
    table.print()
}
