//! `triage query influx QUERY --url URL --db DB`: an InfluxQL query against InfluxDB 1.x's
//! `/query` (times as RFC 3339), each series printed as a table, or all of them as JSON.

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::SourceAuthArgs;
use crate::cli::client::output::{OutputFormat, Table, print_json, print_text};
use crate::net::client_error::ClientError;
use crate::net::endpoint::parse_json;

/// Arguments of `triage query influx`.
#[derive(Debug, Args)]
pub struct InfluxArgs {
    /// The InfluxQL query, e.g. `SELECT * FROM outages WHERE time > now() - 1d`.
    pub query: String,
    /// InfluxDB's URL (needed: the flag or TRIAGE_INFLUX_URL).
    #[arg(long, env = "TRIAGE_INFLUX_URL")]
    pub url: Option<String>,
    /// The database.
    #[arg(long)]
    pub db: String,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub auth: SourceAuthArgs,
}

/// One series of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct InfluxSeries {
    /// The measurement.
    pub name: String,
    /// The GROUP BY tags.
    pub tags: serde_json::Map<String, Value>,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows of values.
    pub values: Vec<Vec<Value>>,
}

/// The series of a `/query` answer, or the error InfluxDB reported.
pub fn series_of_answer(answer: &Value) -> Result<Vec<InfluxSeries>, String> {
    if let Some(error) = answer.get("error").and_then(Value::as_str) {
        return Err(error.to_string());
    }
    let mut out = Vec::new();
    for result in answer.get("results").and_then(Value::as_array).ok_or("no results in the answer")? {
        if let Some(error) = result.get("error").and_then(Value::as_str) {
            return Err(error.to_string());
        }
        for series in result.get("series").and_then(Value::as_array).into_iter().flatten() {
            let strings = |v: &Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
            out.push(InfluxSeries {
                name: series.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
                tags: series.get("tags").and_then(Value::as_object).cloned().unwrap_or_default(),
                columns: series
                    .get("columns")
                    .and_then(Value::as_array)
                    .map(|c| c.iter().map(strings).collect())
                    .unwrap_or_default(),
                values: series
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|rows| rows.iter().map(|r| r.as_array().cloned().unwrap_or_default()).collect())
                    .unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

/// A cell as text: strings bare, null empty, the rest as JSON.
fn cell_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The series as text: a `name tag=value ...` line, then the table, per series.
pub fn render_series(series: &[InfluxSeries], colour: bool) -> String {
    let mut out = String::new();
    for (i, s) in series.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let tags: Vec<String> = s.tags.iter().map(|(k, v)| format!("{k}={}", cell_text(v))).collect();
        out.push_str(&format!("{} {}\n", s.name, tags.join(" ")).replace(" \n", "\n"));
        let headers: Vec<String> = s.columns.iter().map(|c| c.to_uppercase()).collect();
        let mut table = Table::new(&headers.iter().map(String::as_str).collect::<Vec<_>>());
        for row in &s.values {
            table.row(row.iter().map(|v| cell_text(v).into()).collect());
        }
        out.push_str(&table.render(colour));
    }
    out
}

/// Runs `triage query influx`.
pub async fn run(args: InfluxArgs) -> Result<(), ClientError> {
    let endpoint = args.auth.endpoint(args.url.as_deref(), "--url or TRIAGE_INFLUX_URL", "InfluxDB")?;
    // Without `epoch`, InfluxDB answers times in RFC 3339.
    let url = endpoint.url("query", &[("db", &args.db), ("q", &args.query)]);
    let (status, body) = endpoint.send_raw(Method::GET, url.clone(), None).await?;
    if status == 400
        && let Ok(answer) = serde_json::from_slice::<Value>(&body)
        && let Err(message) = series_of_answer(&answer)
    {
        return Err(ClientError::QueryRejected { url: endpoint.base(), message });
    }
    let answer = parse_json(&url, &endpoint.check_status(&url, status, body)?)?;
    let series =
        series_of_answer(&answer).map_err(|message| ClientError::QueryRejected { url: endpoint.base(), message })?;
    match args.output {
        OutputFormat::Json => print_json(&Value::Array(
            series
                .iter()
                .map(|s| json!({"name": s.name, "tags": s.tags, "columns": s.columns, "values": s.values}))
                .collect(),
        )),
        OutputFormat::Table => print_text(&render_series(&series, crate::cli::client::output::colours_wanted())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_and_statement_errors() {
        let answer = json!({"results": [{"statement_id": 0, "series": [
            {"name": "outages", "tags": {"site": "X"}, "columns": ["time", "n"], "values": [["2026-01-01T00:00:00Z", 2]]}
        ]}]});
        let series = series_of_answer(&answer).unwrap();
        assert_eq!(series[0].columns, ["time", "n"]);
        assert_eq!(render_series(&series, false), "outages site=X\nTIME                  N\n2026-01-01T00:00:00Z  2\n");
        let empty = json!({"results": [{"statement_id": 0}]});
        assert!(series_of_answer(&empty).unwrap().is_empty());
        let failed = json!({"results": [{"statement_id": 0, "error": "database not found: x"}]});
        assert_eq!(series_of_answer(&failed).unwrap_err(), "database not found: x");
    }
}
