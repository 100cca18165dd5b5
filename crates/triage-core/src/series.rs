//! Time series from the Prometheus HTTP API (`query_range` answers, which VictoriaMetrics
//! gives too): parsed into [`Series`] for plots and CSV files attached to notifications.
//! Answers come from outside, so every malformed one is an error, never a panic.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Most series kept of one answer.
pub const MAX_SERIES: usize = 10;

/// One time series: a name and its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The series' labels, `metric{a="b", c="d"}`.
    pub name: String,
    /// (unix milliseconds, value), in time order.
    pub points: Vec<(i64, f64)>,
}

/// `text` cut to `max` characters, ending in `…` when cut (for names and error excerpts).
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The response envelope of the Prometheus HTTP API.
#[derive(Debug, Deserialize)]
struct ApiResponse {
    status: String,
    #[serde(default)]
    data: Option<ApiData>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ApiData {
    #[serde(rename = "resultType")]
    result_type: String,
    #[serde(default)]
    result: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct MatrixSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

/// The `errorType: error` text of an API error answer, if the body is one.
pub fn api_error_detail(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<ApiResponse>(body) {
        Ok(api) if api.error.is_some() => Some(api_error_text(&api)),
        _ => None,
    }
}

fn api_error_text(api: &ApiResponse) -> String {
    let kind = api.error_type.as_deref().unwrap_or("error");
    format!("{kind}: {}", shorten(api.error.as_deref().unwrap_or("(no message)"), 500))
}

/// The series of a `query_range` answer of the Prometheus HTTP API (also VictoriaMetrics'),
/// or what is wrong with it; `base` names the server in messages.
pub fn parse_query_range(body: &[u8], base: &str) -> Result<Vec<Series>, String> {
    Ok(parse_query_range_labelled(body, base)?
        .into_iter()
        .map(|(metric, points)| Series { name: series_name(&metric), points })
        .collect())
}

/// Like [`parse_query_range`], each series with its labels (`__name__` included when the
/// server gives it).
pub fn parse_query_range_labelled(body: &[u8], base: &str) -> Result<Vec<LabelledPoints>, String> {
    let malformed = |e: &dyn std::fmt::Display| format!("malformed query_range response from {base}: {e}");
    let api: ApiResponse = serde_json::from_slice(body).map_err(|e| malformed(&e))?;
    if api.status != "success" {
        return Err(format!("query_range at {base} returned status {:?}: {}", api.status, api_error_text(&api)));
    }
    let data = api.data.ok_or_else(|| malformed(&"no data"))?;
    if data.result_type != "matrix" {
        return Err(malformed(&format!("result type {:?} where a matrix was expected", data.result_type)));
    }
    let raw: Vec<MatrixSeries> = serde_json::from_value(data.result).map_err(|e| malformed(&e))?;
    raw.into_iter().map(|s| series_of(s).map_err(|e| malformed(&e))).collect()
}

/// A series' labels and its (unix milliseconds, value) samples in time order.
pub type LabelledPoints = (BTreeMap<String, String>, Vec<(i64, f64)>);

fn series_of(raw: MatrixSeries) -> Result<LabelledPoints, String> {
    let points = raw
        .values
        .iter()
        .map(|(seconds, value)| {
            let millis = (seconds * 1000.0).round();
            if !millis.is_finite() || millis.abs() > 9.0e15 {
                return Err(format!("sample time {seconds} is out of range"));
            }
            let value: f64 =
                value.parse().map_err(|_| format!("sample value {:?} is not a number", shorten(value, 40)))?;
            Ok((millis as i64, value))
        })
        .collect::<Result<_, String>>()?;
    Ok((raw.metric, points))
}

/// `name{a="b", c="d"}` with values escaped as in PromQL.
pub fn series_name(metric: &BTreeMap<String, String>) -> String {
    let name = metric.get("__name__").map(String::as_str).unwrap_or_default();
    let labels: Vec<String> = metric
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")))
        .collect();
    format!("{name}{{{}}}", labels.join(", "))
}

/// The first `max` series by name; when some are left out, the last name says how many.
pub fn limit_series(mut series: Vec<Series>, max: usize) -> Vec<Series> {
    series.sort_by(|a, b| a.name.cmp(&b.name));
    let total = series.len();
    if total > max {
        series.truncate(max);
        if let Some(last) = series.last_mut() {
            last.name = format!("{} (+{} more series not shown)", last.name, total - max);
        }
    }
    series
}
