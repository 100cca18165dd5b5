//! Parsing one line of a shipped log file into a flat record of named fields.
//!
//! Node monitoring reads resource figures (CPU, memory, network, services) from log files
//! that agents write and shippers forward. A line arrives as bytes; [`LineParser::parse`]
//! turns it into a [`LogRecord`]: a sorted map from field name to [`FieldValue`] (a number,
//! a text or a bool). The [`LineFormat`] says how the line is laid out:
//!
//! - [`LineFormat::Json`]: one JSON object per line; nested objects are flattened with dots
//!   (`{"cpu":{"user":3}}` gives `cpu.user = 3`), array elements get their index
//!   (`disks.0`), `null` values are left out;
//! - [`LineFormat::ShipperJson`]: a shipper event (Filebeat and the like): a JSON object that
//!   carries the original line in `message`, which is parsed with an inner format; the
//!   shipper's `host.name`, `@timestamp` and `log.file.path` are kept next to its fields;
//! - [`LineFormat::KeyValue`]: `key=value key2="quoted value"` pairs separated by blanks;
//! - [`LineFormat::Regex`]: a regular expression with named captures, one field a capture.
//!
//! Nothing here does I/O. Every malformed line gives a [`LineError`]; no input panics.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;
use serde_json::Value;

/// Default longest line [`LineParser`] accepts, in bytes: 64 KiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 * 1024;

/// Fields of a shipper event that [`LineFormat::ShipperJson`] keeps next to the fields of
/// the inner line (dotted names after flattening).
pub const SHIPPER_KEPT_FIELDS: [&str; 3] = ["host.name", "@timestamp", "log.file.path"];

/// The value of one field of a [`LogRecord`].
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// A number (JSON numbers; numeric texts of key-value and regex lines).
    Number(f64),
    /// A text.
    Text(String),
    /// A bool (JSON `true`/`false`; bare `true`/`false` in key-value lines).
    Bool(bool),
}

impl FieldValue {
    /// The number, if this value is one.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            FieldValue::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The text, if this value is one.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The bool, if this value is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            FieldValue::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Number(n) => write!(f, "{n}"),
            FieldValue::Text(s) => f.write_str(s),
            FieldValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// One parsed log line: its fields by name, sorted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogRecord {
    /// The fields of the line; nested names are joined with dots (`cpu.user`).
    pub fields: BTreeMap<String, FieldValue>,
}

impl LogRecord {
    /// The value of field `name`.
    pub fn get(&self, name: &str) -> Option<&FieldValue> {
        self.fields.get(name)
    }

    /// The value of field `name` if it is a number.
    pub fn number(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(FieldValue::as_number)
    }

    /// The value of field `name` if it is a text.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(FieldValue::as_text)
    }
}

/// A regular expression whose named captures become the fields of a line.
#[derive(Clone, Debug)]
pub struct LinePattern {
    regex: Regex,
}

impl LinePattern {
    /// Compiles `pattern`; it must have at least one named capture group (`(?P<name>...)`
    /// or `(?<name>...)`).
    pub fn new(pattern: &str) -> Result<Self, LineError> {
        let regex = Regex::new(pattern).map_err(|e| LineError::InvalidPattern(e.to_string()))?;
        if regex.capture_names().flatten().next().is_none() {
            return Err(LineError::InvalidPattern(format!("{pattern:?} has no named capture group")));
        }
        Ok(LinePattern { regex })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }
}

/// How the lines of a log file are laid out.
#[derive(Clone, Debug)]
pub enum LineFormat {
    /// One JSON object per line, flattened with dots.
    Json,
    /// A shipper event (JSON) whose `message` field holds the original line, parsed with the
    /// inner format. The event's `host.name`, `@timestamp` and `log.file.path` are kept and
    /// win over fields of the same name in the inner line.
    ShipperJson(Box<LineFormat>),
    /// `key=value` pairs separated by blanks. Values may be double-quoted (with `\"` and `\\`
    /// escapes) and then stay texts; unquoted numbers become numbers, unquoted `true` and
    /// `false` become bools. A word without `=` makes the line invalid.
    KeyValue,
    /// A regular expression; each named capture that took part in the match becomes a field,
    /// a number when its text is one.
    Regex(LinePattern),
}

/// Why a line could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// The line is longer than the parser's limit.
    #[error("line of {len} bytes is longer than the limit of {max} bytes")]
    TooLong {
        /// Length of the line in bytes.
        len: usize,
        /// The parser's limit in bytes.
        max: usize,
    },
    /// The line is not valid UTF-8.
    #[error("line is not valid UTF-8 (first bad byte at {valid_up_to})")]
    InvalidUtf8 {
        /// Number of bytes before the first invalid one.
        valid_up_to: usize,
    },
    /// The line is empty or only blanks.
    #[error("line is empty")]
    Empty,
    /// The JSON object ends before it is closed (a line cut off).
    #[error("incomplete JSON object: {0}")]
    IncompleteJson(String),
    /// The line is not valid JSON.
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    /// The line is valid JSON but not an object.
    #[error("JSON line is not an object")]
    NotAnObject,
    /// A shipper event without a text `message` field.
    #[error("shipper event has no text field \"message\"")]
    MissingMessage,
    /// A key-value line that does not follow `key=value ...`.
    #[error("invalid key-value line at byte {at}: {reason}")]
    InvalidKeyValue {
        /// Byte offset of the problem in the line.
        at: usize,
        /// What is wrong there.
        reason: &'static str,
    },
    /// The line does not match the format's regular expression.
    #[error("line does not match the pattern")]
    NoMatch,
    /// The regular expression of a [`LineFormat::Regex`] is unusable.
    #[error("invalid line pattern: {0}")]
    InvalidPattern(String),
    /// A shipper event nests another shipper event deeper than triage follows.
    #[error("shipper events nested too deeply")]
    TooDeep,
}

/// Parses lines of one [`LineFormat`], refusing lines over a length limit.
#[derive(Clone, Debug)]
pub struct LineParser {
    format: LineFormat,
    max_line_bytes: usize,
}

/// How many shipper envelopes [`LineParser`] unwraps before giving up.
const MAX_SHIPPER_DEPTH: usize = 4;

impl LineParser {
    /// A parser for `format` with the [`DEFAULT_MAX_LINE_BYTES`] limit.
    pub fn new(format: LineFormat) -> Self {
        LineParser { format, max_line_bytes: DEFAULT_MAX_LINE_BYTES }
    }

    /// The same parser with a limit of `max_line_bytes` bytes per line.
    pub fn with_max_line_bytes(mut self, max_line_bytes: usize) -> Self {
        self.max_line_bytes = max_line_bytes;
        self
    }

    /// The format this parser reads.
    pub fn format(&self) -> &LineFormat {
        &self.format
    }

    /// Parses one line (without its newline; a trailing `\r` is ignored).
    pub fn parse(&self, line: &[u8]) -> Result<LogRecord, LineError> {
        if line.len() > self.max_line_bytes {
            return Err(LineError::TooLong { len: line.len(), max: self.max_line_bytes });
        }
        let text = std::str::from_utf8(line).map_err(|e| LineError::InvalidUtf8 { valid_up_to: e.valid_up_to() })?;
        let text = text.strip_suffix('\r').unwrap_or(text);
        parse_text(text, &self.format, 0)
    }
}

fn parse_text(text: &str, format: &LineFormat, depth: usize) -> Result<LogRecord, LineError> {
    if text.trim().is_empty() {
        return Err(LineError::Empty);
    }
    match format {
        LineFormat::Json => parse_json_object(text).map(|object| flatten_object(&object)),
        LineFormat::ShipperJson(inner) => parse_shipper_event(text, inner, depth),
        LineFormat::KeyValue => parse_key_values(text),
        LineFormat::Regex(pattern) => parse_with_pattern(text, pattern),
    }
}

fn parse_json_object(text: &str) -> Result<serde_json::Map<String, Value>, LineError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(LineError::NotAnObject),
        Err(e) if e.is_eof() => Err(LineError::IncompleteJson(e.to_string())),
        Err(e) => Err(LineError::InvalidJson(e.to_string())),
    }
}

fn flatten_object(object: &serde_json::Map<String, Value>) -> LogRecord {
    let mut record = LogRecord::default();
    for (key, value) in object {
        flatten_value(key.clone(), value, &mut record.fields);
    }
    record
}

fn flatten_value(name: String, value: &Value, fields: &mut BTreeMap<String, FieldValue>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => {
            fields.insert(name, FieldValue::Bool(*b));
        }
        Value::Number(n) => {
            if let Some(n) = n.as_f64() {
                fields.insert(name, FieldValue::Number(n));
            }
        }
        Value::String(s) => {
            fields.insert(name, FieldValue::Text(s.clone()));
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                flatten_value(format!("{name}.{index}"), item, fields);
            }
        }
        Value::Object(object) => {
            for (key, item) in object {
                flatten_value(format!("{name}.{key}"), item, fields);
            }
        }
    }
}

fn parse_shipper_event(text: &str, inner: &LineFormat, depth: usize) -> Result<LogRecord, LineError> {
    if depth >= MAX_SHIPPER_DEPTH {
        return Err(LineError::TooDeep);
    }
    let event = flatten_object(&parse_json_object(text)?);
    let Some(FieldValue::Text(message)) = event.get("message") else {
        return Err(LineError::MissingMessage);
    };
    let message = message.strip_suffix('\n').unwrap_or(message);
    let message = message.strip_suffix('\r').unwrap_or(message);
    let mut record = parse_text(message, inner, depth + 1)?;
    for name in SHIPPER_KEPT_FIELDS {
        if let Some(value) = event.get(name) {
            record.fields.insert(name.to_owned(), value.clone());
        }
    }
    Ok(record)
}

fn parse_key_values(text: &str) -> Result<LogRecord, LineError> {
    let mut record = LogRecord::default();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let at = text.len() - rest.len();
        let (key, value, after) = split_key_value(rest, at)?;
        record.fields.insert(key.to_owned(), value);
        rest = after.trim_start();
    }
    Ok(record)
}

/// Splits the first `key=value` pair off `rest` (which starts at byte `at` of the line).
fn split_key_value(rest: &str, at: usize) -> Result<(&str, FieldValue, &str), LineError> {
    let key_end = rest.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(rest.len());
    if !rest[key_end..].starts_with('=') {
        return Err(LineError::InvalidKeyValue { at, reason: "word without '='" });
    }
    if key_end == 0 {
        return Err(LineError::InvalidKeyValue { at, reason: "empty key" });
    }
    let key = &rest[..key_end];
    let value_start = key_end + 1;
    let after_eq = &rest[value_start..];
    if let Some(quoted) = after_eq.strip_prefix('"') {
        let (value, used) = unquote(quoted)
            .ok_or(LineError::InvalidKeyValue { at: at + value_start, reason: "unterminated quoted value" })?;
        let after = &quoted[used..];
        if after.starts_with(|c: char| !c.is_whitespace()) {
            return Err(LineError::InvalidKeyValue {
                at: at + value_start + 1 + used,
                reason: "text right after a closing quote",
            });
        }
        return Ok((key, FieldValue::Text(value), after));
    }
    let value_end = after_eq.find(char::is_whitespace).unwrap_or(after_eq.len());
    Ok((key, bare_value(&after_eq[..value_end]), &after_eq[value_end..]))
}

/// Reads a quoted value up to its closing quote: the unescaped text and the bytes used,
/// closing quote included. `None` when the quote is never closed.
fn unquote(quoted: &str) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, i + 1)),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

fn bare_value(raw: &str) -> FieldValue {
    match raw {
        "true" => FieldValue::Bool(true),
        "false" => FieldValue::Bool(false),
        _ => text_or_number(raw),
    }
}

/// A number when `raw` is written as a finite decimal number, else the text itself.
fn text_or_number(raw: &str) -> FieldValue {
    match parse_decimal(raw) {
        Some(n) => FieldValue::Number(n),
        None => FieldValue::Text(raw.to_owned()),
    }
}

/// `raw` as a number when it looks like one (`-12`, `3.5`, `1e9`); never `inf` or `NaN`.
fn parse_decimal(raw: &str) -> Option<f64> {
    let looks_numeric = raw.bytes().any(|b| b.is_ascii_digit())
        && raw.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    if !looks_numeric {
        return None;
    }
    raw.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn parse_with_pattern(text: &str, pattern: &LinePattern) -> Result<LogRecord, LineError> {
    let captures = pattern.regex.captures(text).ok_or(LineError::NoMatch)?;
    let mut record = LogRecord::default();
    for name in pattern.regex.capture_names().flatten() {
        if let Some(m) = captures.name(name) {
            record.fields.insert(name.to_owned(), text_or_number(m.as_str()));
        }
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(format: LineFormat, line: &str) -> Result<LogRecord, LineError> {
        LineParser::new(format).parse(line.as_bytes())
    }

    fn regex_format(pattern: &str) -> LineFormat {
        LineFormat::Regex(LinePattern::new(pattern).unwrap())
    }

    #[test]
    fn json_objects_are_flattened_with_dots() {
        let line = r#"{"host":"wn-1","cpu":{"user":12.5,"system":3},"up":true,"disks":["sda",{"free":7}],"x":null}"#;
        let record = parse(LineFormat::Json, line).unwrap();
        assert_eq!(record.text("host"), Some("wn-1"));
        assert_eq!(record.number("cpu.user"), Some(12.5));
        assert_eq!(record.number("cpu.system"), Some(3.0));
        assert_eq!(record.get("up"), Some(&FieldValue::Bool(true)));
        assert_eq!(record.text("disks.0"), Some("sda"));
        assert_eq!(record.number("disks.1.free"), Some(7.0));
        assert_eq!(record.get("x"), None);
        assert_eq!(record.fields.len(), 6);
    }

    #[test]
    fn json_tolerates_a_trailing_carriage_return() {
        let record = parse(LineFormat::Json, "{\"a\":1}\r").unwrap();
        assert_eq!(record.number("a"), Some(1.0));
    }

    #[test]
    fn half_a_json_object_is_incomplete() {
        let err = parse(LineFormat::Json, r#"{"cpu": {"user": 1"#).unwrap_err();
        assert!(matches!(err, LineError::IncompleteJson(_)), "{err:?}");
    }

    #[test]
    fn json_garbage_and_non_objects_are_rejected() {
        assert!(matches!(parse(LineFormat::Json, "hello world"), Err(LineError::InvalidJson(_))));
        assert!(matches!(parse(LineFormat::Json, r#"{"a":1} trailing"#), Err(LineError::InvalidJson(_))));
        assert_eq!(parse(LineFormat::Json, "[1,2]"), Err(LineError::NotAnObject));
        assert_eq!(parse(LineFormat::Json, "42"), Err(LineError::NotAnObject));
        assert_eq!(parse(LineFormat::Json, "   "), Err(LineError::Empty));
        assert_eq!(parse(LineFormat::Json, ""), Err(LineError::Empty));
    }

    #[test]
    fn shipper_events_parse_the_message_and_keep_the_shipper_fields() {
        let line = r#"{"@timestamp":"2026-11-22T07:00:00.000Z","message":"cpu_user=12.5 svc=\"cvmfs ok\"","host":{"name":"wn-7","ip":"10.0.0.7"},"log":{"file":{"path":"/var/log/node.log"},"offset":42},"agent":{"type":"filebeat"}}"#;
        let record = parse(LineFormat::ShipperJson(Box::new(LineFormat::KeyValue)), line).unwrap();
        assert_eq!(record.number("cpu_user"), Some(12.5));
        assert_eq!(record.text("svc"), Some("cvmfs ok"));
        assert_eq!(record.text("host.name"), Some("wn-7"));
        assert_eq!(record.text("@timestamp"), Some("2026-11-22T07:00:00.000Z"));
        assert_eq!(record.text("log.file.path"), Some("/var/log/node.log"));
        assert_eq!(record.get("agent.type"), None);
        assert_eq!(record.get("host.ip"), None);
    }

    #[test]
    fn shipper_fields_win_over_inner_fields_of_the_same_name() {
        let line = r#"{"message":"{\"host.name\":\"inner\",\"mem\":{\"used\":5}}","host":{"name":"outer"}}"#;
        let record = parse(LineFormat::ShipperJson(Box::new(LineFormat::Json)), line).unwrap();
        assert_eq!(record.text("host.name"), Some("outer"));
        assert_eq!(record.number("mem.used"), Some(5.0));
    }

    #[test]
    fn shipper_events_without_message_or_with_a_bad_message_are_rejected() {
        let shipper = || LineFormat::ShipperJson(Box::new(LineFormat::Json));
        assert_eq!(parse(shipper(), r#"{"host":{"name":"a"}}"#), Err(LineError::MissingMessage));
        assert_eq!(parse(shipper(), r#"{"message":3}"#), Err(LineError::MissingMessage));
        assert!(matches!(parse(shipper(), r#"{"message":"{\"a\":"}"#), Err(LineError::IncompleteJson(_))));
        assert!(matches!(parse(shipper(), r#"{"message":"#), Err(LineError::IncompleteJson(_))));
    }

    #[test]
    fn nested_shipper_envelopes_are_bounded() {
        let mut format = LineFormat::Json;
        for _ in 0..MAX_SHIPPER_DEPTH + 1 {
            format = LineFormat::ShipperJson(Box::new(format));
        }
        let mut line = r#"{"a":1}"#.to_owned();
        for _ in 0..MAX_SHIPPER_DEPTH + 1 {
            line = serde_json::json!({ "message": line }).to_string();
        }
        assert_eq!(parse(format, &line), Err(LineError::TooDeep));
    }

    #[test]
    fn key_values_with_quotes_numbers_and_bools() {
        let line = r#"  node=wn-1 load1=0.75 mem_free=-3e2 msg="disk \"sda\" full" ok=true empty= ver=1.2.3 "#;
        let record = parse(LineFormat::KeyValue, line).unwrap();
        assert_eq!(record.text("node"), Some("wn-1"));
        assert_eq!(record.number("load1"), Some(0.75));
        assert_eq!(record.number("mem_free"), Some(-300.0));
        assert_eq!(record.text("msg"), Some("disk \"sda\" full"));
        assert_eq!(record.get("ok"), Some(&FieldValue::Bool(true)));
        assert_eq!(record.text("empty"), Some(""));
        assert_eq!(record.text("ver"), Some("1.2.3"));
    }

    #[test]
    fn quoted_key_values_stay_texts_and_inf_is_no_number() {
        let record = parse(LineFormat::KeyValue, r#"a="42" b=inf c=NaN"#).unwrap();
        assert_eq!(record.text("a"), Some("42"));
        assert_eq!(record.text("b"), Some("inf"));
        assert_eq!(record.text("c"), Some("NaN"));
    }

    #[test]
    fn key_value_garbage_is_rejected() {
        let bad = |line: &str| match parse(LineFormat::KeyValue, line) {
            Err(LineError::InvalidKeyValue { at, reason }) => (at, reason),
            other => panic!("{line:?} gave {other:?}"),
        };
        assert_eq!(bad("hello world"), (0, "word without '='"));
        assert_eq!(bad("a=1 stray"), (4, "word without '='"));
        assert_eq!(bad("=1"), (0, "empty key"));
        assert_eq!(bad(r#"a="open"#), (2, "unterminated quoted value"));
        assert_eq!(bad(r#"a="x"y"#), (5, "text right after a closing quote"));
        assert_eq!(parse(LineFormat::KeyValue, "\t "), Err(LineError::Empty));
    }

    #[test]
    fn regex_captures_become_fields() {
        let format = regex_format(r"^(?P<ts>\S+) (?P<host>\S+) cpu=(?P<cpu>[\d.]+)%(?: note=(?P<note>\w+))?$");
        let record = parse(format, "2026-11-22T07:00:00Z wn-3 cpu=97.5%").unwrap();
        assert_eq!(record.text("ts"), Some("2026-11-22T07:00:00Z"));
        assert_eq!(record.text("host"), Some("wn-3"));
        assert_eq!(record.number("cpu"), Some(97.5));
        assert_eq!(record.get("note"), None, "a capture that took no part is left out");
    }

    #[test]
    fn regex_mismatch_and_bad_patterns_are_errors() {
        assert_eq!(parse(regex_format(r"^cpu=(?P<cpu>\d+)$"), "mem=3"), Err(LineError::NoMatch));
        assert!(matches!(LinePattern::new(r"(unclosed"), Err(LineError::InvalidPattern(_))));
        assert!(matches!(LinePattern::new(r"cpu=(\d+)"), Err(LineError::InvalidPattern(_))));
        assert_eq!(LinePattern::new(r"(?<a>x)").unwrap().as_str(), r"(?<a>x)");
    }

    #[test]
    fn lines_over_the_limit_are_too_long() {
        let parser = LineParser::new(LineFormat::KeyValue).with_max_line_bytes(8);
        assert_eq!(parser.parse(b"a=1234567"), Err(LineError::TooLong { len: 9, max: 8 }));
        assert!(parser.parse(b"a=123456").is_ok());
        let default = LineParser::new(LineFormat::Json);
        let long = vec![b' '; DEFAULT_MAX_LINE_BYTES + 1];
        assert_eq!(default.parse(&long), Err(LineError::TooLong { len: long.len(), max: DEFAULT_MAX_LINE_BYTES }));
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_position() {
        let err = LineParser::new(LineFormat::KeyValue).parse(b"a=1 b=\xff\xfe").unwrap_err();
        assert_eq!(err, LineError::InvalidUtf8 { valid_up_to: 6 });
        assert!(err.to_string().contains("UTF-8"));
    }

    #[test]
    fn field_values_display_and_convert() {
        assert_eq!(FieldValue::Number(1.5).to_string(), "1.5");
        assert_eq!(FieldValue::Text("x".into()).to_string(), "x");
        assert_eq!(FieldValue::Bool(false).to_string(), "false");
        assert_eq!(FieldValue::Bool(false).as_bool(), Some(false));
        assert_eq!(FieldValue::Text("x".into()).as_number(), None);
    }

    fn any_format() -> impl proptest::strategy::Strategy<Value = LineFormat> {
        use proptest::prelude::*;
        prop_oneof![
            Just(LineFormat::Json),
            Just(LineFormat::ShipperJson(Box::new(LineFormat::KeyValue))),
            Just(LineFormat::ShipperJson(Box::new(LineFormat::Json))),
            Just(LineFormat::KeyValue),
            Just(regex_format(r"(?P<k>\w+)=(?P<v>\S*)")),
        ]
    }

    proptest::proptest! {
        #[test]
        fn no_bytes_make_the_parser_panic(format in any_format(), line in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = LineParser::new(format).with_max_line_bytes(150).parse(&line);
        }

        #[test]
        fn no_text_makes_the_parser_panic(format in any_format(), line in r#"[ a-z0-9="\\{}:,.\[\]-]{0,80}"#) {
            let _ = LineParser::new(format).parse(line.as_bytes());
        }

        #[test]
        fn written_key_values_read_back(pairs in proptest::collection::btree_map("[a-z_]{1,8}", "[ a-zA-Z\"\\\\]{0,12}", 0..6)) {
            let line: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))).collect();
            let record = LineParser::new(LineFormat::KeyValue).parse(line.join(" ").as_bytes());
            if pairs.is_empty() {
                proptest::prop_assert_eq!(record, Err(LineError::Empty));
            } else {
                let record = record.unwrap();
                for (k, v) in &pairs {
                    proptest::prop_assert_eq!(record.text(k), Some(v.as_str()));
                }
            }
        }
    }
}
