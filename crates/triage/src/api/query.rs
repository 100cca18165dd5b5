//! Query-string parameters of the API: repeated `filter` matchers, booleans in Go's
//! `strconv.ParseBool` forms, and the receiver regex.

use regex::Regex;
use triage_core::Matcher;

use super::error::ApiError;

/// The parsed query of the alert and group listings.
#[derive(Debug)]
pub struct AlertQuery {
    /// Show active alerts.
    pub active: bool,
    /// Show silenced alerts.
    pub silenced: bool,
    /// Show inhibited alerts.
    pub inhibited: bool,
    /// Show unprocessed alerts.
    pub unprocessed: bool,
    /// Label matchers, all of which must match.
    pub filter: Vec<Matcher>,
    /// Only alerts routed to a receiver matching this anchored regex.
    pub receiver: Option<Regex>,
}

/// Go's `strconv.ParseBool`.
pub fn parse_bool(name: &str, v: &str) -> Result<bool, ApiError> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(ApiError::Parse(format!("{name} in query must be of type boolean: {v:?}"))),
    }
}

/// The key/value pairs of a raw query string.
pub fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned().collect()
}

/// Parses `filter` values: each is one matcher in Alertmanager's syntax.
pub fn parse_filters<'a>(values: impl Iterator<Item = &'a str>) -> Result<Vec<Matcher>, ApiError> {
    values.map(|v| Matcher::parse(v).map_err(|e| ApiError::BadRequest(e.to_string()))).collect()
}

impl AlertQuery {
    /// Parses the alert listing's query.
    pub fn parse(raw: Option<&str>) -> Result<AlertQuery, ApiError> {
        let mut q = AlertQuery {
            active: true,
            silenced: true,
            inhibited: true,
            unprocessed: true,
            filter: Vec::new(),
            receiver: None,
        };
        let pairs = pairs(raw);
        for (k, v) in &pairs {
            match k.as_str() {
                "active" => q.active = parse_bool(k, v)?,
                "silenced" => q.silenced = parse_bool(k, v)?,
                "inhibited" => q.inhibited = parse_bool(k, v)?,
                "unprocessed" => q.unprocessed = parse_bool(k, v)?,
                "receiver" if !v.is_empty() => {
                    let re = Regex::new(&format!("^(?:{v})$"))
                        .map_err(|e| ApiError::BadRequest(format!("failed to parse receiver param: {e}")))?;
                    q.receiver = Some(re);
                }
                _ => {}
            }
        }
        q.filter = parse_filters(pairs.iter().filter(|(k, _)| k == "filter").map(|(_, v)| v.as_str()))?;
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_defaults_and_repeats() {
        let q = AlertQuery::parse(Some("filter=a%3D%22b%22&filter=c%3D~d.*&silenced=false&receiver=team-.*")).unwrap();
        assert!(q.active && !q.silenced);
        assert_eq!(q.filter.len(), 2);
        assert!(q.receiver.unwrap().is_match("team-x"));
    }

    #[test]
    fn rejects_bad_values() {
        assert!(matches!(AlertQuery::parse(Some("active=maybe")), Err(ApiError::Parse(_))));
        assert!(matches!(AlertQuery::parse(Some("filter=%3D%3D")), Err(ApiError::BadRequest(_))));
        assert!(matches!(AlertQuery::parse(Some("receiver=(")), Err(ApiError::BadRequest(_))));
    }
}
