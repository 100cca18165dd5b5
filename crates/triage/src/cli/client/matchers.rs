//! Matcher arguments of the command line (`alertname=~"Disk.*" site="T2_CH_CSCS"`), parsed
//! with triage's matcher parser; a bad one is reported with a caret under the bad part.

use triage_core::matcher::{Matcher, MatcherError, parse_matchers};

use crate::net::client_error::ClientError;

/// Parses every argument; one argument may also be a list `{a="b", c=~"d"}`.
pub fn parse_args(args: &[String]) -> Result<Vec<Matcher>, ClientError> {
    let mut out = Vec::new();
    for arg in args {
        if arg.trim_start().starts_with('{') {
            out.extend(parse_matchers(arg).map_err(|e| ClientError::InvalidMatcher(explain(arg, &e)))?);
        } else {
            out.push(Matcher::parse(arg).map_err(|e| ClientError::InvalidMatcher(explain(arg, &e)))?);
        }
    }
    Ok(out)
}

/// The operators, longest first so that `=~` is not read as `=`.
const OPERATORS: [&str; 4] = ["=~", "!~", "!=", "="];

/// Where the operator of `arg` starts and how long it is.
fn operator_at(arg: &str) -> Option<(usize, usize)> {
    let first = arg.find(['=', '!'])?;
    OPERATORS.iter().find(|op| arg[first..].starts_with(**op)).map(|op| (first, op.len()))
}

/// The message for a matcher that failed: the reason, the argument, a caret line under the
/// part at fault, and the accepted forms.
pub fn explain(arg: &str, error: &MatcherError) -> String {
    let (start, len) = match (operator_at(arg), error) {
        (None, _) => (0, arg.chars().count()),
        (Some((op, _)), MatcherError::InvalidName(_)) => (0, arg[..op].chars().count()),
        (Some((op, op_len)), MatcherError::BadFormat(_)) => {
            let name = arg[..op].trim();
            if name.is_empty() { (op, op_len) } else { (0, arg[..op].chars().count()) }
        }
        (Some((op, op_len)), _) => {
            let value_start = op + op_len;
            (arg[..value_start].chars().count(), arg[value_start..].chars().count())
        }
    };
    format!(
        "invalid matcher {arg:?}: {error}\n  {arg}\n  {}{}\nmatchers look like name=\"value\", name!=\"value\", \
         name=~\"regex\" or name!~\"regex\" (quote them for the shell)",
        " ".repeat(start),
        "^".repeat(len.max(1))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_the_regex() {
        let err = parse_args(&["alertname=~\"Disk(\"".to_string()]).unwrap_err().to_string();
        assert!(err.contains("\n  alertname=~\"Disk(\"\n             ^^^^^^^\n"), "{err}");
    }

    #[test]
    fn caret_points_at_a_bad_name() {
        // `1site` is a name in Alertmanager 0.27's UTF-8 syntax; a quote inside one is not.
        let err = parse_args(&["s'ite=\"x\"".to_string()]).unwrap_err().to_string();
        assert!(err.contains("\n  ^^^^^\n"), "{err}");
    }

    #[test]
    fn no_operator_underlines_everything() {
        let err = parse_args(&["severity".to_string()]).unwrap_err().to_string();
        assert!(err.contains("\n  ^^^^^^^^\n"), "{err}");
    }

    #[test]
    fn lists_and_single_matchers() {
        let ms = parse_args(&["{a=\"b\", c=~\"d.*\"}".to_string(), "e!=f".to_string()]).unwrap();
        assert_eq!(ms.len(), 3);
    }
}
