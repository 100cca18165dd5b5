//! Durations on the command line in Prometheus' form (`90s`, `15m`, `1h30m`, `2d`, `1w`,
//! `500ms`), read by the same parser as alertmanager.yml's.

use jiff::SignedDuration;

use crate::net::client_error::ClientError;

/// Parses a positive duration with Prometheus' grammar (the one alertmanager.yml uses);
/// `flag` names the argument in the message.
pub fn parse_duration(text: &str, flag: &str) -> Result<SignedDuration, ClientError> {
    let total = triage_core::config::duration::parse_duration(text.trim()).map_err(|_| {
        ClientError::Usage(format!("{flag} {text:?} is not a duration; write it as 30s, 15m, 1h30m, 2d or 1w"))
    })?;
    if total <= SignedDuration::ZERO {
        return Err(ClientError::Usage(format!("{flag} {text:?} must be longer than zero")));
    }
    Ok(total)
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
