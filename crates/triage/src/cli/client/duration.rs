//! Durations on the command line in Prometheus' form: `90s`, `15m`, `1h30m`, `2d`, `1w`,
//! `500ms`.

use jiff::SignedDuration;

use crate::net::client_error::ClientError;

/// Parses a positive duration; `flag` names the argument in the message.
pub fn parse_duration(text: &str, flag: &str) -> Result<SignedDuration, ClientError> {
    let bad =
        || ClientError::Usage(format!("{flag} {text:?} is not a duration; write it as 30s, 15m, 1h30m, 2d or 1w"));
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total_ms: i64 = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        let number: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit_ms: i64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total_ms = number.checked_mul(unit_ms).and_then(|ms| total_ms.checked_add(ms)).ok_or_else(bad)?;
    }
    if total_ms <= 0 {
        return Err(ClientError::Usage(format!("{flag} {text:?} must be longer than zero")));
    }
    Ok(SignedDuration::from_millis(total_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_durations() {
        assert_eq!(parse_duration("1h30m", "--duration").unwrap(), SignedDuration::from_mins(90));
        assert_eq!(parse_duration("2d", "--duration").unwrap(), SignedDuration::from_hours(48));
        assert_eq!(parse_duration("500ms", "--step").unwrap(), SignedDuration::from_millis(500));
        for bad in ["", "h", "10", "1x", "0s", "1.5h"] {
            assert!(parse_duration(bad, "--duration").is_err(), "{bad}");
        }
    }
}
