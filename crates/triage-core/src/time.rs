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

/// Civil date (year, month, day) of a day count since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn push_digits(out: &mut Vec<u8>, v: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    let mut v = v;
    while v > 0 {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let start = (buf.len() - width).min(i);
    out.extend_from_slice(&buf[start..]);
}

/// Appends [`format_millis`] of `ts` to `out` without allocating (hot in large listings).
pub fn push_millis(out: &mut Vec<u8>, ts: Option<Timestamp>) {
    let Some(ts) = ts else {
        out.extend_from_slice(b"0001-01-01T00:00:00.000Z");
        return;
    };
    let nanos = ts.as_nanosecond();
    let secs = nanos.div_euclid(1_000_000_000) as i64;
    let millis = (nanos.rem_euclid(1_000_000_000) / 1_000_000) as u64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400) as u64);
    let (y, mo, d) = civil_from_days(days);
    if y < 0 {
        out.extend_from_slice(format_millis(Some(ts)).as_bytes());
        return;
    }
    push_digits(out, y as u64, 4);
    out.push(b'-');
    push_digits(out, u64::from(mo), 2);
    out.push(b'-');
    push_digits(out, u64::from(d), 2);
    out.push(b'T');
    push_digits(out, rem / 3600, 2);
    out.push(b':');
    push_digits(out, (rem % 3600) / 60, 2);
    out.push(b':');
    push_digits(out, rem % 60, 2);
    out.push(b'.');
    push_digits(out, millis, 3);
    out.push(b'Z');
}

/// `2006-01-02T15:04:05.000Z`: the API v2 form, formatted by hand.
pub fn format_millis(ts: Option<Timestamp>) -> String {
    let Some(ts) = ts else { return "0001-01-01T00:00:00.000Z".to_string() };
    let nanos = ts.as_nanosecond();
    let secs = nanos.div_euclid(1_000_000_000) as i64;
    let millis = nanos.rem_euclid(1_000_000_000) / 1_000_000;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, mo, d) = civil_from_days(days);
    format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
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

    proptest::proptest! {
        #[test]
        fn hand_formatting_agrees_with_jiff(secs in -62_135_596_799i64..253_402_300_799i64, nanos in 0i32..1_000_000_000) {
            let ts = Timestamp::new(secs, nanos).unwrap();
            let want = ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            proptest::prop_assert_eq!(format_millis(Some(ts)), want.clone());
            let mut buf = Vec::new();
            push_millis(&mut buf, Some(ts));
            proptest::prop_assert_eq!(String::from_utf8(buf).unwrap(), want);
        }
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
