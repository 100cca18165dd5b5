//! Go's `time.ParseDuration`, for settings Alertmanager reads with it (Pushover's `retry`,
//! `expire` and `ttl`): signed decimal numbers with fractions, each with a unit among `ns`,
//! `us`, `µs`, `ms`, `s`, `m`, `h` (`1h30m`, `1.5h`, `300ms`); `0` alone needs no unit.

/// Nanoseconds in `s`, or Go's error message.
pub fn parse_go_duration(s: &str) -> Result<i128, String> {
    let err = |what: &str| Err(format!("time: {what} {}", crate::quote::go_quote(s)));
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return err("invalid duration");
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number = &rest[..num_end];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return err("invalid duration");
        }
        let value: f64 = number.parse().map_err(|_| format!("time: invalid duration {}", crate::quote::go_quote(s)))?;
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..unit_end];
        let scale: f64 = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return err("missing unit in duration"),
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    crate::quote::go_quote(unit),
                    crate::quote::go_quote(s)
                ));
            }
        };
        total += value * scale;
        rest = &rest[unit_end..];
    }
    if total > i64::MAX as f64 {
        return err("invalid duration");
    }
    let ns = total as i128;
    Ok(if neg { -ns } else { ns })
}

/// Whole seconds of a Go duration (truncated toward zero), 0 when it does not parse.
pub fn go_duration_secs(s: &str) -> i64 {
    parse_go_duration(s).map_or(0, |ns| (ns / 1_000_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1m"), Ok(60_000_000_000));
        assert_eq!(parse_go_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(go_duration_secs("1.5h"), 5400);
        assert_eq!(go_duration_secs("1500ms"), 1);
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(parse_go_duration("-2s"), Ok(-2_000_000_000));
        assert_eq!(parse_go_duration("30"), Err(r#"time: missing unit in duration "30""#.into()));
        assert_eq!(parse_go_duration("3d"), Err(r#"time: unknown unit "d" in duration "3d""#.into()));
        assert_eq!(parse_go_duration(""), Err(r#"time: invalid duration """#.into()));
        assert!(parse_go_duration("1e9h").is_err());
        assert!(parse_go_duration("99999999999h").is_err());
    }
}
