//! Prometheus durations (`1y2w3d4h5m6s7ms`, or `0`), as alertmanager.yml writes them.
//!
//! The grammar, the error wording and the printed form are those of
//! `github.com/prometheus/common/model.Duration`: units in the order y w d h m s ms, each at
//! most once, a year is 365 days, and the total must fit Go's `time.Duration` (about 292
//! years).

use std::fmt;

use jiff::SignedDuration;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a duration string was rejected (Prometheus' wording).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// The string is empty.
    #[error("empty duration string")]
    Empty,
    /// The string is not `<n>y<n>w<n>d<n>h<n>m<n>s<n>ms` with units in that order.
    #[error("not a valid duration string: {0:?}")]
    Invalid(String),
    /// The total does not fit Go's `time.Duration`.
    #[error("duration out of range")]
    OutOfRange,
}

const UNITS: [(&str, i64); 7] = [
    ("y", 365 * 24 * 3_600_000),
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Go's `time.Duration` limit in milliseconds.
const MAX_MILLIS: i64 = i64::MAX / 1_000_000;

/// Parses a Prometheus duration such as `1h30m` or `0`.
pub fn parse_duration(s: &str) -> Result<SignedDuration, DurationError> {
    match s {
        "0" => return Ok(SignedDuration::ZERO),
        "" => return Err(DurationError::Empty),
        _ => {}
    }
    let invalid = || DurationError::Invalid(s.to_string());
    let mut rest = s;
    let mut next_unit = 0;
    let mut total: i64 = 0;
    let mut overflow = false;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid());
        }
        let (num, after) = rest.split_at(digits);
        // "ms" must be tried before "m".
        let unit = UNITS[next_unit..]
            .iter()
            .enumerate()
            .filter(|(_, (u, _))| after.starts_with(u))
            .max_by_key(|(_, (u, _))| u.len())
            .map(|(i, _)| i + next_unit)
            .ok_or_else(invalid)?;
        let (name, mult) = UNITS[unit];
        // Go's regexp parses the number with Atoi, which saturates; any huge count overflows.
        let n: i64 = num.parse().unwrap_or(i64::MAX);
        match n.checked_mul(mult).and_then(|v| total.checked_add(v)) {
            Some(t) if t <= MAX_MILLIS => total = t,
            _ => overflow = true,
        }
        rest = &after[name.len()..];
        next_unit = unit + 1;
    }
    if overflow {
        return Err(DurationError::OutOfRange);
    }
    Ok(SignedDuration::from_millis(total))
}

/// Prints a duration the way Prometheus does (`90d`, `1h30m`, `0s`); sub-millisecond parts
/// are dropped.
pub fn format_duration(d: SignedDuration) -> String {
    let mut ms = d.as_millis().clamp(0, i128::from(i64::MAX)) as i64;
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (i, (unit, mult)) in UNITS.iter().enumerate() {
        // Years and weeks only when exact: "90d" reads better than "12w6d".
        if i < 2 && ms % mult != 0 {
            continue;
        }
        let v = ms / mult;
        if v > 0 {
            out.push_str(&format!("{v}{unit}"));
            ms -= v * mult;
        }
    }
    out
}

/// A duration field of alertmanager.yml: deserializes from the Prometheus form and prints
/// back in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PromDuration(pub SignedDuration);

impl PromDuration {
    /// The duration.
    pub fn get(self) -> SignedDuration {
        self.0
    }
}

impl From<SignedDuration> for PromDuration {
    fn from(d: SignedDuration) -> PromDuration {
        PromDuration(d)
    }
}

impl fmt::Display for PromDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl std::str::FromStr for PromDuration {
    type Err = DurationError;
    fn from_str(s: &str) -> Result<PromDuration, DurationError> {
        parse_duration(s).map(PromDuration)
    }
}

impl Serialize for PromDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for PromDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PromDuration, D::Error> {
        super::model::parse_scalar(d, "a duration such as 1h30m", |s| s.parse())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: i64) -> SignedDuration {
        SignedDuration::from_millis(n)
    }

    #[test]
    fn parses_prometheus_forms() {
        assert_eq!(parse_duration("0"), Ok(SignedDuration::ZERO));
        assert_eq!(parse_duration("30s"), Ok(ms(30_000)));
        assert_eq!(parse_duration("5m"), Ok(ms(300_000)));
        assert_eq!(parse_duration("1h30m"), Ok(ms(5_400_000)));
        assert_eq!(parse_duration("1w"), Ok(ms(7 * 86_400_000)));
        assert_eq!(parse_duration("1y"), Ok(ms(365 * 86_400_000)));
        assert_eq!(parse_duration("100ms"), Ok(ms(100)));
        assert_eq!(parse_duration("1m1ms"), Ok(ms(60_001)));
        assert_eq!(parse_duration("0s"), Ok(SignedDuration::ZERO));
        let all = parse_duration("1y2w3d4h5m6s7ms").unwrap();
        let expect = 365 * 86_400_000 + 14 * 86_400_000 + 3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000 + 6_007;
        assert_eq!(all, ms(expect));
    }

    #[test]
    fn rejects_like_prometheus() {
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        for bad in ["30", "1h1h", "1m1h", "1.5h", "-1s", "1 h", "h", "1x", "1sms", "1msm", " 1s"] {
            assert_eq!(parse_duration(bad), Err(DurationError::Invalid(bad.into())), "{bad}");
        }
        assert_eq!(parse_duration("300y"), Err(DurationError::OutOfRange));
        assert_eq!(parse_duration("99999999999999999999s"), Err(DurationError::OutOfRange));
        assert_eq!(DurationError::Invalid("5x".into()).to_string(), r#"not a valid duration string: "5x""#);
    }

    #[test]
    fn formats_like_prometheus() {
        for (d, s) in [(0, "0s"), (30_000, "30s"), (5_400_000, "1h30m"), (90 * 86_400_000, "90d")] {
            assert_eq!(format_duration(ms(d)), s);
        }
        assert_eq!(format_duration(ms(14 * 86_400_000)), "2w");
        assert_eq!(format_duration(ms(365 * 86_400_000)), "1y");
        assert_eq!(format_duration(ms(86_400_000 + 1)), "1d1ms");
    }

    #[test]
    fn serde_round_trip() {
        let d: PromDuration = yaml_serde::from_str("4h").unwrap();
        assert_eq!(d.get(), ms(4 * 3_600_000));
        assert_eq!(yaml_serde::to_string(&d).unwrap().trim(), "4h");
        // A bare YAML integer 0 is a valid duration, as with Go's yaml.v2.
        let z: PromDuration = yaml_serde::from_str("0").unwrap();
        assert_eq!(z.get(), SignedDuration::ZERO);
        let e = yaml_serde::from_str::<PromDuration>("5x").unwrap_err().to_string();
        assert!(e.contains("not a valid duration string"), "{e}");
    }

    proptest::proptest! {
        #[test]
        fn format_then_parse_round_trips(n in 0i64..(200 * 365 * 86_400_000)) {
            let d = ms(n);
            proptest::prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }

        #[test]
        fn never_panics(s in ".{0,24}") {
            let _ = parse_duration(&s);
        }
    }
}
