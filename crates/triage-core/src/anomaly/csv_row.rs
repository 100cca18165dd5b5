//! The pure parser of one `timestamp,value` CSV row (NAB's data format), shared by the
//! command line and the fuzz target.
//!
//! Decisions: the header must be exactly `timestamp,value` (surrounding blanks, a UTF-8
//! byte-order mark and a trailing `\r` are tolerated); every data row must have exactly two
//! fields; a value must be a decimal number (`NaN`/`inf` are read and later ignored by the
//! detector); anything else is an error, never silently skipped.

use super::timestamp::{TimestampError, parse_timestamp_ms};

/// The header every input file starts with.
pub const CSV_HEADER: &str = "timestamp,value";

/// One parsed data row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CsvRow<'a> {
    /// The timestamp text as written (echoed back on output).
    pub timestamp_text: &'a str,
    /// The timestamp in unix milliseconds.
    pub timestamp_ms: i64,
    /// The value text as written (echoed back on output).
    pub value_text: &'a str,
    /// The value.
    pub value: f64,
}

/// Why a row (or the header) is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvRowError {
    /// The bytes are not UTF-8.
    #[error("not valid UTF-8")]
    NotUtf8,
    /// The first line is not `timestamp,value`.
    #[error("expected header `timestamp,value`, found {0:?}")]
    BadHeader(String),
    /// The row is empty.
    #[error("empty line")]
    EmptyLine,
    /// The row does not have exactly two comma-separated fields.
    #[error("expected 2 fields `timestamp,value`, found {0}")]
    FieldCount(usize),
    /// The timestamp is unreadable.
    #[error("bad timestamp: {0}")]
    Timestamp(#[from] TimestampError),
    /// The value is not a number.
    #[error("value {0:?} is not a number")]
    Value(String),
}

/// Checks the header line (without its `\n`).
pub fn check_header(line: &[u8]) -> Result<(), CsvRowError> {
    let text = std::str::from_utf8(line).map_err(|_| CsvRowError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).trim();
    if text.eq_ignore_ascii_case(CSV_HEADER) {
        Ok(())
    } else {
        Err(CsvRowError::BadHeader(text.chars().take(64).collect()))
    }
}

/// Parses one data line (without its `\n`; a trailing `\r` is accepted).
pub fn parse_row(line: &[u8]) -> Result<CsvRow<'_>, CsvRowError> {
    let text = std::str::from_utf8(line).map_err(|_| CsvRowError::NotUtf8)?;
    let text = text.strip_suffix('\r').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(CsvRowError::EmptyLine);
    }
    let mut fields = text.split(',');
    let (Some(timestamp_text), Some(value_text), None) = (fields.next(), fields.next(), fields.next()) else {
        return Err(CsvRowError::FieldCount(text.split(',').count()));
    };
    let timestamp_text = unquote(timestamp_text.trim());
    let value_text = unquote(value_text.trim());
    let timestamp_ms = parse_timestamp_ms(timestamp_text)?;
    let value = value_text.parse::<f64>().map_err(|_| CsvRowError::Value(value_text.chars().take(64).collect()))?;
    Ok(CsvRow { timestamp_text, timestamp_ms, value_text, value })
}

fn unquote(field: &str) -> &str {
    field.strip_prefix('"').and_then(|inner| inner.strip_suffix('"')).unwrap_or(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nab_rows() {
        let row = parse_row(b"2014-04-10 07:15:00,0.134\r").unwrap();
        assert_eq!(row.timestamp_ms, 1_397_114_100_000);
        assert_eq!(row.value, 0.134);
        assert_eq!(row.value_text, "0.134");
        assert!(parse_row(b"\"1397114100\",\"5\"").is_ok());
    }

    #[test]
    fn rejects_malformed_rows() {
        assert_eq!(parse_row(b""), Err(CsvRowError::EmptyLine));
        assert_eq!(parse_row(b"2014-04-10 07:15:00"), Err(CsvRowError::FieldCount(1)));
        assert_eq!(parse_row(b"1,2,3"), Err(CsvRowError::FieldCount(3)));
        assert!(matches!(parse_row(b"1,abc"), Err(CsvRowError::Value(_))));
        assert!(matches!(parse_row(b"1,"), Err(CsvRowError::Value(_))));
        assert_eq!(parse_row(b"1,\xff"), Err(CsvRowError::NotUtf8));
    }

    #[test]
    fn header_is_checked() {
        assert!(check_header(b"\xef\xbb\xbftimestamp,value\r").is_ok());
        assert!(check_header(b"time,value").is_err());
    }
}
