//! ServiceNow's REST table API answer for outage records, read into [`Outage`]s.
//!
//! `GET /api/now/table/<table>?sysparm_query=...` answers `{"result":[{..},..]}` or, on
//! failure, `{"error":{"message":"..","detail":".."},"status":"failure"}`.
//!
//! Fields accepted, from ServiceNow's standard Outage table `cmdb_ci_outage` (the CERN SSB
//! is built on ServiceNow; CERN's own outage table and field names are not public, so these
//! are the documented platform names): `number` (or `sys_id`) for the id, `short_description`
//! for the title, `begin` and `end` (`YYYY-MM-DD HH:MM:SS` in UTC, as the API returns them
//! without `sysparm_display_value`; RFC 3339 and epoch milliseconds are accepted too; an
//! empty `end` is open-ended), `type` (`planned`, `outage`, `degradation`, or SSB wording;
//! see [`kind_from_type`]) and `cmdb_ci` (a name, or a reference object whose
//! `display_value` is used) for the affected service. Records with an `OTG` number link to
//! the CERN Service Portal.
//!
//! Same limits as the InfluxDB reader: over `max_bytes` is refused, over `max_rows`
//! records is an error.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde_json::{Map, Value};

use super::influx_response::ParseLimits;
use super::kind::{kind_from_type, ssb_portal_url};
use super::query::SsbWindow;
use crate::outage::record::{Outage, OutageScope};

/// Why a ServiceNow answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceNowError {
    /// Over the size limit.
    #[error("ServiceNow answer is {len} bytes, more than the limit of {max} bytes")]
    TooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not JSON at all.
    #[error("ServiceNow answer is not JSON: {0}")]
    NotJson(String),
    /// ServiceNow reported an error.
    #[error("ServiceNow error: {0}")]
    ServiceNow(String),
    /// JSON, but not a table API answer.
    #[error("ServiceNow answer is not a table API answer: {0}")]
    Shape(String),
    /// A record field that cannot be read.
    #[error("ServiceNow record {record} ({number:?}): bad {field}: {reason}")]
    BadValue {
        /// 1-based record position.
        record: usize,
        /// Its number, when readable.
        number: String,
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// More records than allowed.
    #[error("ServiceNow answer has more than {max} records")]
    TooManyRows {
        /// The limit.
        max: usize,
    },
}

/// The `sysparm_query` selecting outages that overlap `window`:
/// `begin<=<to>^endISEMPTY^ORend>=<from>^ORDERBYbegin` (times in UTC).
pub fn servicenow_query(window: &SsbWindow) -> String {
    let format = |t: Timestamp| t.strftime("%Y-%m-%d %H:%M:%S").to_string();
    format!("begin<={}^endISEMPTY^ORend>={}^ORDERBYbegin", format(window.to()), format(window.from()))
}

/// Reads a table API answer into outages with source `servicenow`, id `servicenow:<number>`.
pub fn parse_servicenow_outages(body: &[u8], limits: &ParseLimits) -> Result<Vec<Outage>, ServiceNowError> {
    if body.len() > limits.max_bytes {
        return Err(ServiceNowError::TooLarge { len: body.len(), max: limits.max_bytes });
    }
    let answer: Value = serde_json::from_slice(body).map_err(|e| ServiceNowError::NotJson(e.to_string()))?;
    let Value::Object(top) = &answer else {
        return Err(ServiceNowError::Shape("the answer is not a JSON object".into()));
    };
    if let Some(error) = top.get("error") {
        let message = [error.get("message"), error.get("detail")]
            .into_iter()
            .flatten()
            .map(text_of)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(": ");
        return Err(ServiceNowError::ServiceNow(if message.is_empty() { text_of(error) } else { message }));
    }
    let records = top
        .get("result")
        .and_then(Value::as_array)
        .ok_or_else(|| ServiceNowError::Shape("no \"result\" array".into()))?;
    if records.len() > limits.max_rows {
        return Err(ServiceNowError::TooManyRows { max: limits.max_rows });
    }
    records.iter().enumerate().map(|(i, record)| read_record(i + 1, record)).collect()
}

fn read_record(position: usize, record: &Value) -> Result<Outage, ServiceNowError> {
    let fields =
        record.as_object().ok_or_else(|| ServiceNowError::Shape(format!("record {position} is not an object")))?;
    let number = field_text(fields, "number").or_else(|| field_text(fields, "sys_id"));
    let bad = |field: &str, reason: String| ServiceNowError::BadValue {
        record: position,
        number: number.clone().unwrap_or_default(),
        field: field.to_owned(),
        reason,
    };
    let Some(id) = number.clone() else {
        return Err(bad("number", "missing (and no sys_id)".into()));
    };
    let starts_at = match fields.get("begin").filter(|v| !is_blank(v)) {
        Some(v) => time_of(v).map_err(|reason| bad("begin", reason))?,
        None => return Err(bad("begin", "missing".into())),
    };
    let ends_at =
        fields.get("end").filter(|v| !is_blank(v)).map(time_of).transpose().map_err(|reason| bad("end", reason))?;
    let services: Vec<String> = field_text(fields, "cmdb_ci").into_iter().collect();
    Ok(Outage {
        id: format!("servicenow:{id}"),
        source: "servicenow".to_owned(),
        kind: kind_from_type(&field_text(fields, "type").unwrap_or_default()),
        title: field_text(fields, "short_description").unwrap_or_default(),
        url: ssb_portal_url(&id),
        starts_at,
        ends_at,
        scope: OutageScope { services, ..OutageScope::default() },
    })
}

/// A field as trimmed, non-empty text; reference objects give their `display_value`.
fn field_text(fields: &Map<String, Value>, name: &str) -> Option<String> {
    let value = fields.get(name)?;
    let value = match value {
        Value::Object(reference) => reference.get("display_value")?,
        other => other,
    };
    let text = text_of(value);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC), RFC 3339, or epoch milliseconds.
fn time_of(value: &Value) -> Result<Timestamp, String> {
    let unreadable = || format!("not a time: {}", short(&value.to_string()));
    match value {
        Value::Number(n) => {
            let ms = n.as_i64().ok_or_else(unreadable)?;
            Timestamp::from_millisecond(ms).map_err(|_| unreadable())
        }
        Value::String(s) => {
            let s = s.trim();
            if let Ok(t) = s.parse::<Timestamp>() {
                return Ok(t);
            }
            let civil: DateTime = DateTime::strptime("%Y-%m-%d %H:%M:%S", s).map_err(|_| unreadable())?;
            civil.to_zoned(TimeZone::UTC).map(|z| z.timestamp()).map_err(|_| unreadable())
        }
        _ => Err(unreadable()),
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn short(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
#[path = "servicenow_tests.rs"]
mod tests;
