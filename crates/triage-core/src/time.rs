//! Timestamps as Alertmanager writes them.
//!
//! Go's zero time (`0001-01-01T00:00:00Z`) means "unset" and is modelled as `None`. The API
//! v2 writes times with milliseconds (`strfmt.DateTime`); the webhook payload writes Go's
//! `time.Time` JSON form (RFC 3339 with up to nanoseconds, trailing zeros trimmed).

use jiff::{Timestamp, tz::TimeZone};
use serde::{Deserialize, Deserializer};

/// Go's zero time as Alertmanager prints it.
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Parses an RFC 3339 timestamp; Go's zero time and the empty string give `None`.
/// A time without offset is read as UTC, as Alertmanager's API does.
pub fn parse_time(s: &str) -> Result<Option<Timestamp>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let ts = match s.parse::<Timestamp>() {
        Ok(ts) => ts,
        Err(e) => match s.parse::<jiff::civil::DateTime>() {
            Ok(dt) => dt.to_zoned(TimeZone::UTC).map_err(|e| format!("invalid time {s:?}: {e}"))?.timestamp(),
            Err(_) => return Err(format!("invalid time {s:?}: {e}")),
        },
    };
    if is_go_zero(ts) { Ok(None) } else { Ok(Some(ts)) }
}

/// Whether `ts` is Go's zero time (or earlier), which means unset.
pub fn is_go_zero(ts: Timestamp) -> bool {
    ts.as_second() <= -62_135_596_800
}

/// `2006-01-02T15:04:05.000Z`: the API v2 form.
pub fn format_millis(ts: Option<Timestamp>) -> String {
    match ts {
        None => "0001-01-01T00:00:00.000Z".to_string(),
        Some(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    }
}

/// Go's `time.Time` JSON form in UTC: RFC 3339 with the fraction trimmed of trailing zeros.
pub fn format_go(ts: Option<Timestamp>) -> String {
    match ts {
        None => GO_ZERO_TIME.to_string(),
        Some(ts) => {
            let base = ts.strftime("%Y-%m-%dT%H:%M:%S").to_string();
            let nanos = ts.subsec_nanosecond();
            if nanos == 0 {
                format!("{base}Z")
            } else {
                let frac = format!("{nanos:09}");
                format!("{base}.{}Z", frac.trim_end_matches('0'))
            }
        }
    }
}

/// Serde helper: an optional RFC 3339 time where `null`, `""` and Go's zero time are unset.
pub fn deserialize_opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s {
        None => Ok(None),
        Some(s) => parse_time(&s).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_time_is_unset() {
        assert_eq!(parse_time(GO_ZERO_TIME).unwrap(), None);
        assert_eq!(parse_time("").unwrap(), None);
    }

    #[test]
    fn formats() {
        let ts: Timestamp = "2026-11-22T04:15:00.120Z".parse().unwrap();
        assert_eq!(format_millis(Some(ts)), "2026-11-22T04:15:00.120Z");
        assert_eq!(format_go(Some(ts)), "2026-11-22T04:15:00.12Z");
        let whole: Timestamp = "2026-11-22T04:15:00Z".parse().unwrap();
        assert_eq!(format_go(Some(whole)), "2026-11-22T04:15:00Z");
        assert_eq!(format_go(None), GO_ZERO_TIME);
    }

    #[test]
    fn offsets_and_local_times() {
        let a = parse_time("2026-11-22T05:15:00+01:00").unwrap().unwrap();
        let b = parse_time("2026-11-22T04:15:00").unwrap().unwrap();
        assert_eq!(a, b);
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2026-13-01T00:00:00Z").is_err());
    }
}
