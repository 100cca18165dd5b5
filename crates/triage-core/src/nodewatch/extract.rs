//! The host, time and numeric stats of one parsed log line.
//!
//! Numbers are stats as they are; `true`/`false` become 1 and 0 (so `service.sshd.up` is a
//! stat too); texts other than the host and time are not stats and are left out.

use crate::logline::{FieldValue, LogRecord};

/// Which fields of a line name the host and the time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleFields {
    /// Fields tried in order for the host name.
    pub host: Vec<String>,
    /// The field holding the time: RFC 3339 text, or unix seconds or milliseconds.
    pub time: String,
}

impl Default for SampleFields {
    fn default() -> Self {
        SampleFields { host: vec!["host".into(), "host.name".into()], time: "@timestamp".into() }
    }
}

/// The stats of one line, borrowing the record's names.
#[derive(Clone, Debug, PartialEq)]
pub struct StatSample<'a> {
    /// The host.
    pub host: &'a str,
    /// The line's time in unix milliseconds, when it has one.
    pub at_ms: Option<i64>,
    /// (stat name, value), in name order.
    pub stats: Vec<(&'a str, f64)>,
}

/// Why a parsed line holds no usable sample.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// None of the host fields is a non-empty text.
    #[error("no host field ({0})")]
    NoHost(String),
    /// The time field is there but not a time.
    #[error("field {field} is not a time: {value}")]
    BadTime {
        /// The field.
        field: String,
        /// Its value, shortened.
        value: String,
    },
    /// No numeric or bool field besides host and time.
    #[error("no numeric stats in the line")]
    NoStats,
}

/// Longest host name accepted, in bytes.
pub const MAX_HOST_BYTES: usize = 253;

/// Takes the sample out of `record`.
pub fn extract_sample<'a>(record: &'a LogRecord, fields: &SampleFields) -> Result<StatSample<'a>, ExtractError> {
    let host = fields
        .host
        .iter()
        .find_map(|f| record.text(f).map(str::trim).filter(|h| !h.is_empty() && h.len() <= MAX_HOST_BYTES))
        .ok_or_else(|| ExtractError::NoHost(fields.host.join(", ")))?;
    let at_ms = match record.get(&fields.time) {
        None => None,
        Some(value) => Some(time_of(value).ok_or_else(|| ExtractError::BadTime {
            field: fields.time.clone(),
            value: crate::series::shorten(&value.to_string(), 60),
        })?),
    };
    let stats: Vec<(&str, f64)> = record
        .fields
        .iter()
        .filter(|(name, _)| **name != fields.time && !fields.host.iter().any(|h| h == *name))
        .filter_map(|(name, value)| {
            let v = match value {
                FieldValue::Number(n) if n.is_finite() => *n,
                FieldValue::Bool(b) => f64::from(u8::from(*b)),
                _ => return None,
            };
            Some((name.as_str(), v))
        })
        .collect();
    if stats.is_empty() {
        return Err(ExtractError::NoStats);
    }
    Ok(StatSample { host, at_ms, stats })
}

/// Unix milliseconds of a time field: RFC 3339 text, or a number of seconds (milliseconds
/// when above 10^11, i.e. after 1973 in milliseconds or after 5138 in seconds).
fn time_of(value: &FieldValue) -> Option<i64> {
    match value {
        FieldValue::Text(s) => s.trim().parse::<jiff::Timestamp>().ok().map(|t| t.as_millisecond()),
        FieldValue::Number(n) if n.is_finite() => {
            let ms = if n.abs() > 1e11 { *n } else { n * 1000.0 };
            let (min, max) =
                (jiff::Timestamp::MIN.as_millisecond() as f64, jiff::Timestamp::MAX.as_millisecond() as f64);
            (min..=max).contains(&ms).then_some(ms as i64)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logline::{LineFormat, LineParser};

    fn record(line: &str) -> LogRecord {
        LineParser::new(LineFormat::Json).parse(line.as_bytes()).unwrap()
    }

    #[test]
    fn agent_lines_give_host_time_and_stats() {
        let r = record(
            r#"{"@timestamp":"2026-12-02T10:00:00Z","host":"n1","cpu.percent":93.5,"service.sshd.up":false,"note":"x"}"#,
        );
        let s = extract_sample(&r, &SampleFields::default()).unwrap();
        assert_eq!(s.host, "n1");
        assert_eq!(s.at_ms, Some(1_796_205_600_000));
        assert_eq!(s.stats, vec![("cpu.percent", 93.5), ("service.sshd.up", 0.0)]);
    }

    #[test]
    fn shipper_host_and_numeric_times() {
        let r = record(r#"{"host":{"name":"n2"},"ts":1796205600,"load":1}"#);
        let fields = SampleFields { time: "ts".into(), ..SampleFields::default() };
        let s = extract_sample(&r, &fields).unwrap();
        assert_eq!((s.host, s.at_ms), ("n2", Some(1_796_205_600_000)));
        let r = record(r#"{"host":"n2","ts":1796205600123,"load":1}"#);
        assert_eq!(extract_sample(&r, &fields).unwrap().at_ms, Some(1_796_205_600_123));
    }

    #[test]
    fn lines_without_host_time_or_stats_are_refused() {
        let f = SampleFields::default();
        assert!(matches!(extract_sample(&record(r#"{"cpu":1}"#), &f), Err(ExtractError::NoHost(_))));
        assert!(matches!(extract_sample(&record(r#"{"host":"  ","cpu":1}"#), &f), Err(ExtractError::NoHost(_))));
        let long = format!(r#"{{"host":"{}","cpu":1}}"#, "h".repeat(300));
        assert!(matches!(extract_sample(&record(&long), &f), Err(ExtractError::NoHost(_))));
        let bad_time = record(r#"{"host":"a","@timestamp":"yesterday","cpu":1}"#);
        assert!(matches!(extract_sample(&bad_time, &f), Err(ExtractError::BadTime { .. })));
        let huge_time = record(r#"{"host":"a","@timestamp":1e300,"cpu":1}"#);
        assert!(matches!(extract_sample(&huge_time, &f), Err(ExtractError::BadTime { .. })));
        assert_eq!(extract_sample(&record(r#"{"host":"a","msg":"hi"}"#), &f), Err(ExtractError::NoStats));
    }
}
