//! Go's `regexp` (RE2 syntax) on the Rust `regex` crate: both are RE2-style, but Go's `\d`,
//! `\w`, `\s` and `\b` are ASCII while Rust's are Unicode. Patterns are rewritten so the
//! Perl classes mean what they mean in Go. Nothing is anchored (Go's `MatchString` finds a
//! match anywhere).

use regex::Regex;

/// Compiles a Go regular expression; the error text follows Go's `error parsing regexp: ...`.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(&ascii_classes(pattern)).map_err(|e| {
        let detail = e.to_string();
        let last = detail.lines().rfind(|l| l.starts_with("error:")).unwrap_or("invalid pattern");
        format!("error parsing regexp: {}: `{pattern}`", last.trim_start_matches("error:").trim())
    })
}

/// Replaces `\d \D \w \W \s \S \b \B` by their ASCII meaning, outside and inside classes.
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str("[0-9]"),
            Some('D') => out.push_str("[^0-9]"),
            Some('w') => out.push_str("[0-9A-Za-z_]"),
            Some('W') => out.push_str("[^0-9A-Za-z_]"),
            Some('s') => out.push_str("[\\t\\n\\x0C\\r ]"),
            Some('S') => out.push_str("[^\\t\\n\\x0C\\r ]"),
            Some('b') => out.push_str("(?-u:\\b)"),
            Some('B') => out.push_str("(?-u:\\B)"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_classes_are_ascii() {
        assert!(!compile(r"^\d+$").unwrap().is_match("١٢٣"));
        assert!(compile(r"^\d+$").unwrap().is_match("123"));
        assert!(compile(r"^[\d\s]+$").unwrap().is_match("1 2"));
        assert!(!compile(r"^\w$").unwrap().is_match("é"));
        assert!(compile(r"a\.b\\d").unwrap().is_match("a.b\\d"));
        assert!(compile("ode").unwrap().is_match("node"));
    }

    #[test]
    fn errors_name_the_pattern() {
        let e = compile("(").unwrap_err();
        assert!(e.starts_with("error parsing regexp: "), "{e}");
        assert!(e.ends_with("`(`"), "{e}");
    }
}
