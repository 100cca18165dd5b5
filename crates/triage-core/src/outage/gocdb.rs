//! GOCDB downtimes: the `get_downtime` method of GOCDB's programmatic interface answers
//! `<results><DOWNTIME ID=".." PRIMARY_KEY=".." CLASSIFICATION="SCHEDULED">` records with
//! `HOSTNAME`, `SERVICE_TYPE`, `START_DATE`/`END_DATE` in Unix seconds, and more.
//!
//! [`parse_gocdb_downtimes`] reads them into [`Downtime`]s; [`downtimes_within`] gives the
//! part of each that falls in a query window, one per (host, service type), which is what a
//! day's downtime feed (as the ARGO connectors build it) holds.

use jiff::Timestamp;
use serde::Serialize;

use super::xml_records::{XmlRecord, XmlRecordError, read_records};

/// Most downtimes accepted from one document.
pub const MAX_DOWNTIMES: usize = 200_000;

/// One `<DOWNTIME>` record: one affected service endpoint of a downtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Downtime {
    /// `ID` attribute: the downtime's id (shared by its endpoints' records).
    pub id: String,
    /// `PRIMARY_KEY` attribute or element, e.g. `100728G0`.
    pub primary_key: String,
    /// `CLASSIFICATION` attribute: `SCHEDULED` or `UNSCHEDULED`.
    pub classification: String,
    /// `HOSTNAME` of the affected service.
    pub hostname: String,
    /// `SERVICE_TYPE`, e.g. `CE`, `SRM`, `ngi.SAM`.
    pub service_type: String,
    /// `ENDPOINT`: host and service type run together, as GOCDB writes it.
    pub endpoint: String,
    /// `HOSTED_BY`: the GOCDB site.
    pub hosted_by: String,
    /// `GOCDB_PORTAL_URL` of the downtime.
    pub portal_url: String,
    /// `SEVERITY`: `OUTAGE` or `WARNING`.
    pub severity: String,
    /// `DESCRIPTION`.
    pub description: String,
    /// `INSERT_DATE`, when the downtime was declared.
    pub insert_date: Option<Timestamp>,
    /// `START_DATE`.
    pub start: Timestamp,
    /// `END_DATE`.
    pub end: Timestamp,
    /// `FORMATED_START_DATE` (GOCDB's spelling), e.g. `2016-12-19 00:00`.
    pub formatted_start: Option<String>,
    /// `FORMATED_END_DATE`.
    pub formatted_end: Option<String>,
}

/// Why a GOCDB document could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GocdbError {
    /// Over the size limit.
    #[error("input is {len} bytes, more than the limit of {max} bytes")]
    TooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Bytes that are not UTF-8.
    #[error("line {line}: the input is not UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 {
        /// Line of the first invalid byte.
        line: usize,
        /// Its byte offset.
        offset: usize,
    },
    /// The XML is not a readable `get_downtime` answer.
    #[error("GOCDB XML: {0}")]
    Xml(#[from] XmlRecordError),
    /// A required field is missing or empty.
    #[error("GOCDB XML: downtime #{index} (line {line}, ID {id:?}) has no {field}")]
    MissingField {
        /// 1-based position of the record.
        index: usize,
        /// Where it starts.
        line: usize,
        /// Its `ID` attribute.
        id: String,
        /// The missing field.
        field: &'static str,
    },
    /// A date that is not Unix seconds in range.
    #[error("GOCDB XML: downtime #{index} (line {line}, ID {id:?}): {field} {value:?} is not a Unix time in seconds")]
    BadDate {
        /// 1-based position of the record.
        index: usize,
        /// Where it starts.
        line: usize,
        /// Its `ID` attribute.
        id: String,
        /// `START_DATE`, `END_DATE` or `INSERT_DATE`.
        field: &'static str,
        /// The text found.
        value: String,
    },
    /// A downtime that ends before it starts.
    #[error("GOCDB XML: downtime #{index} (line {line}, ID {id:?}) ends before it starts")]
    EndsBeforeStart {
        /// 1-based position of the record.
        index: usize,
        /// Where it starts.
        line: usize,
        /// Its `ID` attribute.
        id: String,
    },
}

/// Parses a `get_downtime` answer of at most `max_bytes` bytes. `HOSTNAME`, `SERVICE_TYPE`,
/// `START_DATE` and `END_DATE` are required; other fields default to empty.
pub fn parse_gocdb_downtimes(bytes: &[u8], max_bytes: usize) -> Result<Vec<Downtime>, GocdbError> {
    if bytes.len() > max_bytes {
        return Err(GocdbError::TooLarge { len: bytes.len(), max: max_bytes });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        GocdbError::NotUtf8 { line: 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count(), offset }
    })?;
    let records = read_records(text, "results", "DOWNTIME", MAX_DOWNTIMES)?;
    records.iter().enumerate().map(|(i, record)| downtime_of(i + 1, record)).collect()
}

fn downtime_of(index: usize, record: &XmlRecord) -> Result<Downtime, GocdbError> {
    let id = record.attribute("ID").unwrap_or("").to_string();
    let text = |name: &str| record.field(name).unwrap_or("").trim().to_string();
    let required = |name: &'static str| {
        let value = text(name);
        if value.is_empty() {
            Err(GocdbError::MissingField { index, line: record.line, id: id.clone(), field: name })
        } else {
            Ok(value)
        }
    };
    let date = |name: &'static str, value: &str| {
        value.parse::<i64>().ok().and_then(|s| Timestamp::from_second(s).ok()).ok_or_else(|| GocdbError::BadDate {
            index,
            line: record.line,
            id: id.clone(),
            field: name,
            value: value.to_string(),
        })
    };
    let hostname = required("HOSTNAME")?;
    let service_type = required("SERVICE_TYPE")?;
    let start = date("START_DATE", &required("START_DATE")?)?;
    let end = date("END_DATE", &required("END_DATE")?)?;
    if end < start {
        return Err(GocdbError::EndsBeforeStart { index, line: record.line, id });
    }
    let insert_date = match text("INSERT_DATE") {
        value if value.is_empty() => None,
        value => Some(date("INSERT_DATE", &value)?),
    };
    let optional = |name: &str| record.field(name).map(|v| v.trim().to_string());
    let primary_key = record.attribute("PRIMARY_KEY").map(str::to_string).unwrap_or_else(|| text("PRIMARY_KEY"));
    Ok(Downtime {
        primary_key,
        classification: record.attribute("CLASSIFICATION").unwrap_or("").to_string(),
        hostname,
        service_type,
        endpoint: text("ENDPOINT"),
        hosted_by: text("HOSTED_BY"),
        portal_url: text("GOCDB_PORTAL_URL"),
        severity: text("SEVERITY"),
        description: text("DESCRIPTION"),
        insert_date,
        start,
        end,
        formatted_start: optional("FORMATED_START_DATE"),
        formatted_end: optional("FORMATED_END_DATE"),
        id,
    })
}

/// The part of a downtime inside a query window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DowntimeWindow {
    /// The affected host.
    pub hostname: String,
    /// The affected service type.
    pub service: String,
    /// The later of the downtime's start and the window's start.
    pub start_time: Timestamp,
    /// The earlier of the downtime's end and the window's end.
    pub end_time: Timestamp,
}

/// The downtimes that overlap `[from, to]`, clipped to it, one per (hostname, service type):
/// when two records share both, the first in the document is kept.
pub fn downtimes_within(downtimes: &[Downtime], from: Timestamp, to: Timestamp) -> Vec<DowntimeWindow> {
    let mut out: Vec<DowntimeWindow> = Vec::new();
    for d in downtimes {
        if d.end < from || d.start > to {
            continue;
        }
        if out.iter().any(|w| w.hostname == d.hostname && w.service == d.service_type) {
            continue;
        }
        out.push(DowntimeWindow {
            hostname: d.hostname.clone(),
            service: d.service_type.clone(),
            start_time: d.start.max(from),
            end_time: d.end.min(to),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(start: &str, end: &str) -> String {
        format!(
            "<results><DOWNTIME ID=\"1\" PRIMARY_KEY=\"9G0\" CLASSIFICATION=\"UNSCHEDULED\"><HOSTNAME>h</HOSTNAME>\
             <SERVICE_TYPE>CE</SERVICE_TYPE><START_DATE>{start}</START_DATE><END_DATE>{end}</END_DATE></DOWNTIME></results>"
        )
    }

    #[test]
    fn dates_are_unix_seconds() {
        let d = &parse_gocdb_downtimes(doc("0", "60").as_bytes(), 1 << 20).unwrap()[0];
        assert_eq!((d.start.as_second(), d.end.as_second()), (0, 60));
        assert_eq!((d.primary_key.as_str(), d.classification.as_str()), ("9G0", "UNSCHEDULED"));
        assert_eq!(d.insert_date, None);
    }

    #[test]
    fn bad_dates_and_missing_fields_are_named() {
        let err = parse_gocdb_downtimes(doc("soon", "60").as_bytes(), 1 << 20).unwrap_err();
        assert!(err.to_string().contains("START_DATE \"soon\""), "{err}");
        let err = parse_gocdb_downtimes(doc("60", "0").as_bytes(), 1 << 20).unwrap_err();
        assert!(matches!(err, GocdbError::EndsBeforeStart { .. }), "{err}");
        let err = parse_gocdb_downtimes(doc("", "0").as_bytes(), 1 << 20).unwrap_err();
        assert!(matches!(err, GocdbError::MissingField { field: "START_DATE", .. }), "{err}");
    }

    #[test]
    fn windows_clip_and_skip_what_does_not_overlap() {
        let d = parse_gocdb_downtimes(doc("100", "200").as_bytes(), 1 << 20).unwrap();
        let at = |s| Timestamp::from_second(s).unwrap();
        assert_eq!(downtimes_within(&d, at(150), at(300))[0].start_time, at(150));
        assert_eq!(downtimes_within(&d, at(0), at(150))[0].end_time, at(150));
        assert!(downtimes_within(&d, at(201), at(300)).is_empty());
    }

    #[test]
    fn an_empty_answer_has_no_downtimes() {
        assert_eq!(parse_gocdb_downtimes(b"<results/>", 100).unwrap(), Vec::new());
    }
}
