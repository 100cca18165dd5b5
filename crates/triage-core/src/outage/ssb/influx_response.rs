//! An InfluxDB 1.x `/query` answer holding SSB outage points, read into [`SsbOutage`] rows.
//!
//! The answer is `{"results":[{"statement_id":0,"series":[{"name":"outages","columns":[..],
//! "values":[[..],..]}]}]}`; a failed query is `{"error":".."}` or a result with `"error"`.
//! Columns are looked up by name, in any order. `begin` and `end` may be integers or floats
//! (milliseconds since the epoch) or RFC 3339 strings; a null or absent `end` is open-ended.
//! The `time` column (RFC 3339, or an integer with `epoch=ms`) is kept when readable.
//!
//! Limits: an input over [`ParseLimits::max_bytes`] is refused before parsing, and an answer
//! with more than [`ParseLimits::max_rows`] rows is an error ([`SsbError::TooManyRows`]), not
//! a truncation: a silently shortened outage list would let alerts through that a known
//! outage explains, while an error is reported and the previous list can be kept.
//!
//! MONIT writes one point per update of an outage, so [`ssb_outages_to_records`] keeps one
//! record per `ssbNumber`: the row with the latest `time` (or the later row without one).

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::Value;

use super::kind::{kind_from_type, ssb_portal_url};
use crate::outage::record::{Outage, OutageScope};

/// Default largest answer accepted: 16 MiB.
pub const DEFAULT_MAX_BYTES: usize = 16 * 1024 * 1024;
/// Default most rows accepted from one answer.
pub const DEFAULT_MAX_ROWS: usize = 50_000;
/// Columns without which a row cannot become an outage.
pub const REQUIRED_COLUMNS: [&str; 2] = ["begin", "ssbNumber"];

/// Bounds on one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseLimits {
    /// Largest input, in bytes.
    pub max_bytes: usize,
    /// Most rows, over all series.
    pub max_rows: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits { max_bytes: DEFAULT_MAX_BYTES, max_rows: DEFAULT_MAX_ROWS }
    }
}

/// One SSB outage point as InfluxDB returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsbOutage {
    /// `ssbNumber`, e.g. `OTG0054345`.
    pub ssb_number: String,
    /// `begin`.
    pub begin: Timestamp,
    /// `end`; `None` when open-ended.
    pub end: Option<Timestamp>,
    /// `shortDescription` (empty when absent).
    pub short_description: String,
    /// `feName`: the functional element.
    pub fe_name: Option<String>,
    /// `seName`: the service element.
    pub se_name: Option<String>,
    /// `type`, e.g. `Planned Intervention` (empty when absent).
    pub outage_type: String,
    /// The point's `time`, when present and readable.
    pub time: Option<Timestamp>,
}

impl SsbOutage {
    /// The common record: id `ssb:<ssbNumber>`, source `ssb`, kind from `type`, services
    /// from `feName` and `seName`.
    pub fn to_outage(&self) -> Outage {
        let mut services: Vec<String> = Vec::new();
        for name in [&self.fe_name, &self.se_name].into_iter().flatten() {
            let name = name.trim();
            if !name.is_empty() && !services.iter().any(|s| s == name) {
                services.push(name.to_owned());
            }
        }
        Outage {
            id: format!("ssb:{}", self.ssb_number),
            source: "ssb".to_owned(),
            kind: kind_from_type(&self.outage_type),
            title: self.short_description.clone(),
            url: ssb_portal_url(&self.ssb_number),
            starts_at: self.begin,
            ends_at: self.end,
            scope: OutageScope { services, ..OutageScope::default() },
        }
    }
}

/// Why an InfluxDB answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SsbError {
    /// Over the size limit.
    #[error("SSB answer is {len} bytes, more than the limit of {max} bytes")]
    TooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not JSON at all.
    #[error("SSB answer is not JSON: {0}")]
    NotJson(String),
    /// InfluxDB reported an error.
    #[error("InfluxDB error: {0}")]
    Influx(String),
    /// JSON, but not shaped like an InfluxDB query answer.
    #[error("SSB answer is not an InfluxDB query answer: {0}")]
    Shape(String),
    /// A series lacks columns every row needs.
    #[error("SSB series {series:?} lacks required column(s) {missing:?}")]
    MissingColumns {
        /// The series name.
        series: String,
        /// The missing column names.
        missing: Vec<String>,
    },
    /// A cell that cannot be read.
    #[error("SSB row {row} (ssbNumber {ssb_number:?}): bad {column}: {reason}")]
    BadValue {
        /// 1-based row number over all series.
        row: usize,
        /// The row's `ssbNumber`, when readable.
        ssb_number: String,
        /// The column.
        column: String,
        /// What is wrong.
        reason: String,
    },
    /// More rows than allowed.
    #[error("SSB answer has more than {max} rows")]
    TooManyRows {
        /// The limit.
        max: usize,
    },
}

/// Reads an InfluxDB 1.x query answer into SSB rows, in answer order.
pub fn parse_influx_outages(body: &[u8], limits: &ParseLimits) -> Result<Vec<SsbOutage>, SsbError> {
    if body.len() > limits.max_bytes {
        return Err(SsbError::TooLarge { len: body.len(), max: limits.max_bytes });
    }
    let answer: Value = serde_json::from_slice(body).map_err(|e| SsbError::NotJson(e.to_string()))?;
    let Value::Object(top) = &answer else {
        return Err(SsbError::Shape("the answer is not a JSON object".into()));
    };
    if let Some(error) = top.get("error") {
        return Err(SsbError::Influx(text_of(error)));
    }
    let results =
        top.get("results").and_then(Value::as_array).ok_or_else(|| SsbError::Shape("no \"results\" array".into()))?;
    let mut rows = Vec::new();
    for result in results {
        if let Some(error) = result.get("error") {
            return Err(SsbError::Influx(text_of(error)));
        }
        let Some(series_list) = result.get("series") else { continue };
        let series_list = series_list.as_array().ok_or_else(|| SsbError::Shape("\"series\" is not an array".into()))?;
        for series in series_list {
            read_series(series, limits, &mut rows)?;
        }
    }
    Ok(rows)
}

/// The common records of `rows`, one per `ssbNumber` (the latest update wins), in order of
/// first appearance.
pub fn ssb_outages_to_records(rows: &[SsbOutage]) -> Vec<Outage> {
    let mut latest: HashMap<&str, usize> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match latest.get(row.ssb_number.as_str()) {
            None => {
                latest.insert(&row.ssb_number, i);
                order.push(&row.ssb_number);
            }
            Some(&kept) => {
                if rows[kept].time <= row.time {
                    latest.insert(&row.ssb_number, i);
                }
            }
        }
    }
    order.iter().map(|number| rows[latest[number]].to_outage()).collect()
}

fn read_series(series: &Value, limits: &ParseLimits, rows: &mut Vec<SsbOutage>) -> Result<(), SsbError> {
    let name = series.get("name").map(text_of).unwrap_or_default();
    let columns = series
        .get("columns")
        .and_then(Value::as_array)
        .ok_or_else(|| SsbError::Shape(format!("series {name:?} has no \"columns\" array")))?;
    let column_names: Vec<&str> = columns.iter().map(|c| c.as_str().unwrap_or("")).collect();
    let index_of = |wanted: &str| column_names.iter().position(|c| *c == wanted);
    let missing: Vec<String> =
        REQUIRED_COLUMNS.iter().filter(|c| index_of(c).is_none()).map(|c| (*c).to_owned()).collect();
    if !missing.is_empty() {
        return Err(SsbError::MissingColumns { series: name, missing });
    }
    let Some(values) = series.get("values") else { return Ok(()) };
    let values =
        values.as_array().ok_or_else(|| SsbError::Shape(format!("series {name:?}: \"values\" is not an array")))?;
    let (begin, number) = (index_of("begin").unwrap_or(0), index_of("ssbNumber").unwrap_or(0));
    let optional = |c: &str| index_of(c);
    let (end, short, fe, se, kind, time) = (
        optional("end"),
        optional("shortDescription"),
        optional("feName"),
        optional("seName"),
        optional("type"),
        optional("time"),
    );
    for value in values {
        if rows.len() >= limits.max_rows {
            return Err(SsbError::TooManyRows { max: limits.max_rows });
        }
        let row_number = rows.len() + 1;
        let cells = value
            .as_array()
            .ok_or_else(|| SsbError::Shape(format!("row {row_number} of series {name:?} is not an array")))?;
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).filter(|v| !v.is_null());
        let bad = |column: &str, ssb_number: &str, reason: String| SsbError::BadValue {
            row: row_number,
            ssb_number: ssb_number.to_owned(),
            column: column.to_owned(),
            reason,
        };
        let ssb_number = match cell(Some(number)) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => return Err(bad("ssbNumber", "", format!("not a record number: {}", short_json(other)))),
            None => return Err(bad("ssbNumber", "", "missing".into())),
        };
        let begin = match cell(Some(begin)) {
            Some(v) => timestamp_of(v).map_err(|reason| bad("begin", &ssb_number, reason))?,
            None => return Err(bad("begin", &ssb_number, "missing".into())),
        };
        let end = cell(end).map(timestamp_of).transpose().map_err(|reason| bad("end", &ssb_number, reason))?;
        let time = cell(time).and_then(|v| timestamp_of(v).ok());
        let text = |i: Option<usize>| cell(i).map(text_of);
        rows.push(SsbOutage {
            ssb_number,
            begin,
            end,
            short_description: text(short).unwrap_or_default(),
            fe_name: text(fe),
            se_name: text(se),
            outage_type: text(kind).unwrap_or_default(),
            time,
        });
    }
    Ok(())
}

/// A cell as a time: integer or float milliseconds since the epoch, or an RFC 3339 string.
fn timestamp_of(value: &Value) -> Result<Timestamp, String> {
    match value {
        Value::Number(n) => {
            let ms = if let Some(i) = n.as_i64() {
                i
            } else {
                let f = n.as_f64().filter(|f| f.is_finite() && f.abs() < 1e17).ok_or("out of range")?;
                f.round() as i64
            };
            Timestamp::from_millisecond(ms).map_err(|_| format!("{ms} ms is out of range"))
        }
        Value::String(s) => {
            let s = s.trim();
            if let Ok(ms) = s.parse::<i64>() {
                return Timestamp::from_millisecond(ms).map_err(|_| format!("{ms} ms is out of range"));
            }
            s.parse::<Timestamp>().map_err(|_| format!("not a time: {}", short_json(value)))
        }
        other => Err(format!("not a time: {}", short_json(other))),
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// At most 60 characters of a JSON value, for error messages.
fn short_json(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
#[path = "influx_response_tests.rs"]
mod tests;
