//! Timestamp parsing for metric samples: NAB's `2014-04-10 07:15:00`, RFC 3339 and unix
//! seconds, all turned into unix milliseconds (UTC).

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// Why a timestamp could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// The text is empty.
    #[error("empty timestamp")]
    Empty,
    /// The text is neither `YYYY-MM-DD HH:MM:SS`, RFC 3339 nor unix seconds.
    #[error("unrecognised timestamp {0:?} (expected `YYYY-MM-DD HH:MM:SS`, RFC 3339 or unix seconds)")]
    Unrecognised(String),
    /// Unix seconds outside the representable range.
    #[error("unix timestamp {0:?} is out of range")]
    OutOfRange(String),
}

/// Parses a timestamp into unix milliseconds.
///
/// Accepted forms:
/// - `2014-04-10 07:15:00` (NAB; optional fraction, `T` separator allowed), read as UTC;
/// - RFC 3339 with an offset (`2014-04-10T07:15:00Z`, `...+02:00`);
/// - unix seconds, optionally fractional (`1397114100`, `1397114100.5`).
pub fn parse_timestamp_ms(text: &str) -> Result<i64, TimestampError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TimestampError::Empty);
    }
    if looks_like_unix_seconds(text) {
        return unix_seconds_to_ms(text);
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    if let Ok(civil) = text.parse::<DateTime>()
        && let Ok(zoned) = civil.to_zoned(TimeZone::UTC)
    {
        return Ok(zoned.timestamp().as_millisecond());
    }
    Err(TimestampError::Unrecognised(shorten(text)))
}

fn looks_like_unix_seconds(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
        && digits.bytes().any(|b| b.is_ascii_digit())
}

fn unix_seconds_to_ms(text: &str) -> Result<i64, TimestampError> {
    let seconds: f64 = text.parse().map_err(|_| TimestampError::Unrecognised(shorten(text)))?;
    let ms = (seconds * 1000.0).round();
    // Stay inside the range jiff (and every sane clock) can represent: years -9999..=9999.
    if !ms.is_finite() || ms.abs() > 253_402_300_799_000.0 {
        return Err(TimestampError::OutOfRange(shorten(text)));
    }
    Ok(ms as i64)
}

fn shorten(text: &str) -> String {
    text.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nab_rfc3339_and_unix_forms_agree() {
        let nab = parse_timestamp_ms("2014-04-10 07:15:00").unwrap();
        assert_eq!(nab, 1_397_114_100_000);
        assert_eq!(parse_timestamp_ms("2014-04-10T07:15:00Z").unwrap(), nab);
        assert_eq!(parse_timestamp_ms("2014-04-10T09:15:00+02:00").unwrap(), nab);
        assert_eq!(parse_timestamp_ms("1397114100").unwrap(), nab);
        assert_eq!(parse_timestamp_ms("2014-04-10 07:15:00.000000").unwrap(), nab);
        assert_eq!(parse_timestamp_ms("1397114100.5").unwrap(), nab + 500);
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_timestamp_ms(" "), Err(TimestampError::Empty));
        assert!(parse_timestamp_ms("yesterday").is_err());
        assert!(parse_timestamp_ms("1.2.3").is_err());
        assert!(parse_timestamp_ms("99999999999999999999").is_err());
        assert!(parse_timestamp_ms("2014-13-10 07:15:00").is_err());
    }
}
