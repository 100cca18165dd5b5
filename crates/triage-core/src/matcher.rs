//! Label matchers in Alertmanager's syntax: `name=value`, `!=`, `=~`, `!~`, in lists
//! `{a="b", c=~"d.*"}`.
//!
//! Semantics follow Alertmanager 0.25: a missing label matches as `""`, regexes are anchored
//! as `^(?:…)$`, and Go's ASCII classes `\d \w \s` keep their ASCII meaning. The parser is
//! Alertmanager's "classic" one (the one amtool 0.25 uses), then, for what it refuses, the
//! UTF-8 syntax of Alertmanager 0.27+ (its default "fallback" mode): a label name of any
//! UTF-8 text, double-quoted when it holds spaces or syntax (`"service.name"="api"`), or
//! unquoted (`service.name=api`). A name that is not a classic one prints quoted.

use std::fmt;

use regex::Regex;

use crate::labels::LabelSet;
use crate::quote::go_quote;

/// The four match operators, ordered as Alertmanager orders them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchOp {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~`
    Regexp,
    /// `!~`
    NotRegexp,
}

impl MatchOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regexp => "=~",
            MatchOp::NotRegexp => "!~",
        }
    }

    /// From the API's `isEqual`/`isRegex` flags.
    pub fn from_flags(is_equal: bool, is_regex: bool) -> MatchOp {
        match (is_equal, is_regex) {
            (true, false) => MatchOp::Equal,
            (false, false) => MatchOp::NotEqual,
            (true, true) => MatchOp::Regexp,
            (false, true) => MatchOp::NotRegexp,
        }
    }
}

/// Why a matcher could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MatcherError {
    /// The text is not `name op value`.
    #[error("bad matcher format: {0}")]
    BadFormat(String),
    /// A `"` inside the value is not escaped.
    #[error("matcher value contains unescaped double quote: {0}")]
    UnescapedQuote(String),
    /// The label name is not valid.
    #[error("invalid label name {0:?}")]
    InvalidName(String),
    /// The regular expression does not compile.
    #[error("invalid regular expression {value:?}: {reason}")]
    InvalidRegex {
        /// The pattern as given.
        value: String,
        /// The compiler's message.
        reason: String,
    },
}

/// One label matcher.
#[derive(Clone)]
pub struct Matcher {
    /// The label name.
    pub name: String,
    /// The operator.
    pub op: MatchOp,
    /// The value or pattern, unanchored, as given.
    pub value: String,
    re: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, o: &Matcher) -> bool {
        self.name == o.name && self.op == o.op && self.value == o.value
    }
}
impl Eq for Matcher {}

impl std::hash::Hash for Matcher {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.name.hash(h);
        self.op.hash(h);
        self.value.hash(h);
    }
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Matcher {
    /// `name="value"` with Go quoting, as Alertmanager prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_classic_name(&self.name) {
            write!(f, "{}{}{}", self.name, self.op.as_str(), go_quote(&self.value))
        } else {
            write!(f, "{}{}{}", go_quote(&self.name), self.op.as_str(), go_quote(&self.value))
        }
    }
}

impl Matcher {
    /// Builds a matcher; regex operators compile the anchored pattern.
    pub fn new(op: MatchOp, name: &str, value: &str) -> Result<Matcher, MatcherError> {
        let re = match op {
            MatchOp::Regexp | MatchOp::NotRegexp => Some(compile_anchored(value)?),
            _ => None,
        };
        Ok(Matcher { name: name.to_string(), op, value: value.to_string(), re })
    }

    /// Whether a label value (`""` when absent) matches.
    pub fn matches_value(&self, v: &str) -> bool {
        match self.op {
            MatchOp::Equal => v == self.value,
            MatchOp::NotEqual => v != self.value,
            MatchOp::Regexp => self.re.as_ref().is_some_and(|r| r.is_match(v)),
            MatchOp::NotRegexp => !self.re.as_ref().is_some_and(|r| r.is_match(v)),
        }
    }

    /// Whether a label set matches (a missing label is `""`).
    pub fn matches(&self, labels: &LabelSet) -> bool {
        self.matches_value(labels.value(&self.name))
    }

    /// Whether the operator is a regex one.
    pub fn is_regex(&self) -> bool {
        matches!(self.op, MatchOp::Regexp | MatchOp::NotRegexp)
    }

    /// Whether the operator is a positive one (`=` or `=~`).
    pub fn is_equal(&self) -> bool {
        matches!(self.op, MatchOp::Equal | MatchOp::Regexp)
    }

    /// Parses one matcher, such as `alertname=~"Disk.*"` or `job!=api`.
    pub fn parse(s: &str) -> Result<Matcher, MatcherError> {
        let classic = split_matcher(s)
            .ok_or_else(|| MatcherError::BadFormat(s.to_string()))
            .and_then(|(name, op, raw)| Ok((name.to_string(), op, unescape_value(raw)?)));
        let (name, op, value) = match classic {
            Ok(parts) => parts,
            Err(e) => parse_utf8(s).ok_or(e)?,
        };
        Matcher::new(op, &name, &value)
    }
}

/// Sorts matchers the way Alertmanager does (by name, then value, then operator).
pub fn sort_matchers(ms: &mut [Matcher]) {
    ms.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.value.cmp(&b.value)).then_with(|| a.op.cmp(&b.op)));
}

/// `{a="b",c=~"d"}`: a list of matchers as Alertmanager prints it in route keys.
pub fn matchers_to_string(ms: &[Matcher]) -> String {
    let parts: Vec<String> = ms.iter().map(|m| m.to_string()).collect();
    format!("{{{}}}", parts.join(","))
}

/// Whether every matcher matches.
pub fn all_match(ms: &[Matcher], labels: &LabelSet) -> bool {
    ms.iter().all(|m| m.matches(labels))
}

/// Parses a matcher list such as `{a="b", c=~"x,y"}` or `a=b,c!=d`; commas inside quotes stay.
pub fn parse_matchers(s: &str) -> Result<Vec<Matcher>, MatcherError> {
    let s = s.strip_prefix('{').unwrap_or(s);
    let s = s.strip_suffix('}').unwrap_or(s);
    let mut tokens = Vec::new();
    let mut token = String::new();
    let (mut in_quotes, mut escaped) = (false, false);
    for c in s.chars() {
        match c {
            ',' if !in_quotes => {
                tokens.push(std::mem::take(&mut token));
                continue;
            }
            '"' => {
                if escaped {
                    escaped = false;
                } else {
                    in_quotes = !in_quotes;
                }
            }
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
        token.push(c);
    }
    if !token.trim().is_empty() {
        tokens.push(token.trim().to_string());
    }
    tokens.iter().map(|t| Matcher::parse(t)).collect()
}

/// Whether `name` is a classic label name (`[a-zA-Z_][a-zA-Z0-9_]*`, `:` allowed as in
/// matchers).
fn is_classic_name(name: &str) -> bool {
    name.chars().next().is_some_and(is_name_start) && name.chars().all(is_name_char)
}

/// What ends an unquoted name or value in the UTF-8 syntax.
fn is_syntax(c: char) -> bool {
    is_go_space(c) || "{}!=~,\\\"'`".contains(c)
}

/// A double-quoted Go string at the start of `s`: its value and the rest.
fn quoted_prefix(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => {
                let lit = &s[..i + 2];
                return Some((go_unquote(lit)?, &body[i + 1..]));
            }
            _ => escaped = false,
        }
    }
    None
}

/// Go's `strconv.Unquote` of a double-quoted literal.
fn go_unquote(lit: &str) -> Option<String> {
    let body = lit.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next()?;
        let hex = |chars: &mut std::str::Chars<'_>, n: usize| -> Option<u32> {
            let digits: String = chars.by_ref().take(n).collect();
            if digits.len() == n { u32::from_str_radix(&digits, 16).ok() } else { None }
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' | '"' => out.push(e),
            'x' => out.push(char::from_u32(hex(&mut chars, 2)?)?),
            'u' => out.push(char::from_u32(hex(&mut chars, 4)?)?),
            'U' => out.push(char::from_u32(hex(&mut chars, 8)?)?),
            _ => return None,
        }
    }
    Some(out)
}

/// A name or value: quoted, or unquoted up to the syntax.
fn utf8_token(s: &str) -> Option<(String, &str)> {
    if s.starts_with('"') {
        return quoted_prefix(s);
    }
    let end = s.find(is_syntax).unwrap_or(s.len());
    (end > 0).then(|| (s[..end].to_string(), &s[end..]))
}

/// One matcher in Alertmanager 0.27's UTF-8 syntax.
fn parse_utf8(s: &str) -> Option<(String, MatchOp, String)> {
    let s = s.trim_matches(is_go_space);
    let (name, rest) = utf8_token(s)?;
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim_start_matches(is_go_space);
    let (op, rest) =
        [("=~", MatchOp::Regexp), ("!=", MatchOp::NotEqual), ("!~", MatchOp::NotRegexp), ("=", MatchOp::Equal)]
            .iter()
            .find_map(|(text, op)| rest.strip_prefix(text).map(|r| (*op, r)))?;
    let rest = rest.trim_start_matches(is_go_space);
    let (value, rest) = if rest.is_empty() { (String::new(), rest) } else { utf8_token(rest)? };
    rest.trim_matches(is_go_space).is_empty().then_some((name, op, value))
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// `^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s).*?)\s*$`
fn split_matcher(s: &str) -> Option<(&str, MatchOp, &str)> {
    let s = s.trim_start_matches(is_go_space);
    let first = s.chars().next()?;
    if !is_name_start(first) {
        return None;
    }
    let end = s.find(|c: char| !is_name_char(c)).unwrap_or(s.len());
    let name = &s[..end];
    let rest = s[end..].trim_start_matches(is_go_space);
    let (op, rest) = if let Some(r) = rest.strip_prefix("=~") {
        (MatchOp::Regexp, r)
    } else if let Some(r) = rest.strip_prefix("!=") {
        (MatchOp::NotEqual, r)
    } else if let Some(r) = rest.strip_prefix("!~") {
        (MatchOp::NotRegexp, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (MatchOp::Equal, r)
    } else {
        return None;
    };
    let value = rest.trim_matches(is_go_space);
    Some((name, op, value))
}

/// RE2's `\s`: the ASCII white space Go's regexp uses in the matcher pattern.
fn is_go_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{c}' | '\r')
}

fn unescape_value(raw: &str) -> Result<String, MatcherError> {
    let (body, mut expect_quote) = match raw.strip_prefix('"') {
        Some(b) => (b, true),
        None => (raw, false),
    };
    let mut value = String::with_capacity(body.len());
    let mut escaped = false;
    let last = body.len().saturating_sub(1);
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
            match c {
                'n' => value.push('\n'),
                '"' | '\\' => value.push(c),
                _ => {
                    value.push('\\');
                    value.push(c);
                }
            }
            continue;
        }
        match c {
            '\\' => {
                if i < last {
                    escaped = true;
                } else {
                    value.push('\\');
                }
            }
            '"' => {
                if !expect_quote || i < last {
                    return Err(MatcherError::UnescapedQuote(raw.to_string()));
                }
                expect_quote = false;
            }
            _ => value.push(c),
        }
    }
    if expect_quote {
        return Err(MatcherError::UnescapedQuote(raw.to_string()));
    }
    Ok(value)
}

/// Compiles `^(?:pattern)$` with Go's ASCII meaning of `\d \w \s` and their negations.
pub fn compile_anchored(pattern: &str) -> Result<Regex, MatcherError> {
    let translated = asciify_classes(pattern);
    regex::RegexBuilder::new(&format!("^(?:{translated})$"))
        .size_limit(1 << 22)
        .build()
        .map_err(|e| MatcherError::InvalidRegex { value: pattern.to_string(), reason: e.to_string() })
}

fn asciify_classes(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut chars = p.chars();
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
            Some('s') => out.push_str("[\\t\\n\\f\\r ]"),
            Some('S') => out.push_str("[^\\t\\n\\f\\r ]"),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(pairs: &[(&str, &str)]) -> LabelSet {
        LabelSet::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn utf8_names_parse_after_the_classic_syntax_fails() {
        let m = Matcher::parse(r#""service.name"="api""#).unwrap();
        assert_eq!((m.name.as_str(), m.op, m.value.as_str()), ("service.name", MatchOp::Equal, "api"));
        assert_eq!(m.to_string(), r#""service.name"="api""#);
        let m = Matcher::parse("service.name=~api.*").unwrap();
        assert_eq!((m.name.as_str(), m.op, m.value.as_str()), ("service.name", MatchOp::Regexp, "api.*"));
        let m = Matcher::parse(r#""名前 x" != "値""#).unwrap();
        assert_eq!((m.name.as_str(), m.op, m.value.as_str()), ("名前 x", MatchOp::NotEqual, "値"));
        assert!(m.matches(&ls(&[("名前 x", "other")])));
        let ms = parse_matchers(r#"{"a,b"="1", c="2"}"#).unwrap();
        assert_eq!(ms.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["a,b", "c"]);
        // The classic reading wins where both apply, and classic names print unquoted.
        assert_eq!(Matcher::parse("job=api").unwrap().to_string(), r#"job="api""#);
        assert!(Matcher::parse(r#""unterminated=x"#).is_err());
        assert!(Matcher::parse("=x").is_err());
    }

    #[test]
    fn parses_list_with_quotes_and_commas() {
        let ms = parse_matchers(r#"{alertname="Disk,Full", job=~"api|db", env!="prod"}"#).unwrap();
        assert_eq!(ms.len(), 3);
        assert_eq!(ms[0].value, "Disk,Full");
        assert_eq!(ms[1].op, MatchOp::Regexp);
        assert_eq!(ms[2].op, MatchOp::NotEqual);
    }

    #[test]
    fn unquoted_and_spaces() {
        let m = Matcher::parse("  foo =~ bar.* ").unwrap();
        assert_eq!((m.name.as_str(), m.op, m.value.as_str()), ("foo", MatchOp::Regexp, "bar.*"));
    }

    #[test]
    fn escapes() {
        let m = Matcher::parse(r#"a="x\"y\\z\n""#).unwrap();
        assert_eq!(m.value, "x\"y\\z\n");
        assert_eq!(m.to_string(), r#"a="x\"y\\z\n""#);
        assert!(matches!(Matcher::parse(r#"a="x"y""#), Err(MatcherError::UnescapedQuote(_))));
        assert!(matches!(Matcher::parse(r#"a="xy"#), Err(MatcherError::UnescapedQuote(_))));
    }

    #[test]
    fn bad_formats() {
        for s in ["", "=x", "1a=b", "a", "a==", "a<b"] {
            // `a==` is name a, op =, value "=": valid in Alertmanager too; `1a` is a name in
            // the UTF-8 syntax of Alertmanager 0.27.
            if s == "a==" || s == "1a=b" {
                assert!(Matcher::parse(s).is_ok());
                continue;
            }
            assert!(Matcher::parse(s).is_err(), "{s:?} should not parse");
        }
        assert!(matches!(Matcher::parse("a=~(("), Err(MatcherError::InvalidRegex { .. })));
    }

    #[test]
    fn regex_is_anchored_and_ascii() {
        let m = Matcher::parse("a=~b.").unwrap();
        assert!(m.matches(&ls(&[("a", "bc")])));
        assert!(!m.matches(&ls(&[("a", "abc")])));
        let d = Matcher::parse(r"a=~\d+").unwrap();
        assert!(d.matches(&ls(&[("a", "42")])));
        assert!(!d.matches(&ls(&[("a", "٤٢")])));
    }

    #[test]
    fn missing_label_is_empty() {
        let m = Matcher::parse(r#"a="""#).unwrap();
        assert!(m.matches(&ls(&[])));
        let n = Matcher::parse("a!~.+").unwrap();
        assert!(n.matches(&ls(&[("b", "1")])));
    }

    #[test]
    fn route_key_form() {
        let mut ms = parse_matchers(r#"b=~"x",a="1""#).unwrap();
        sort_matchers(&mut ms);
        assert_eq!(matchers_to_string(&ms), r#"{a="1",b=~"x"}"#);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,40}") {
            let _ = parse_matchers(&s);
        }

        #[test]
        fn display_round_trips(name in "[a-z_][a-z0-9_]{0,6}", value in "[a-zA-Z0-9 .*|_-]{0,10}") {
            let m = Matcher::new(MatchOp::NotEqual, &name, &value).unwrap();
            let back = Matcher::parse(&m.to_string()).unwrap();
            proptest::prop_assert_eq!(back, m);
        }
    }
}
