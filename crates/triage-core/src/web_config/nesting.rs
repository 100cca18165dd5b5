//! A scan for deeply nested flow collections (`[[[[...` or `{a: {a: ...`) before the YAML
//! reader sees the text. The reader (libyaml's scanner) looks at every open flow level for
//! each token, so `n` levels cost `n²`: half a million `[` in a 1 MiB file would take many
//! minutes before its own depth limit is reached. This scan is linear and refuses more than
//! [`MAX_FLOW_DEPTH`] levels.
//!
//! It over-counts rather than under-counts: `[` and `{` count everywhere, also inside quoted
//! strings and comments; `]` and `}` count only outside them, and never below zero. A quote
//! is taken to start wherever YAML could start a quoted scalar (after a space, a line start,
//! `[`, `{`, `,` or `:`), which includes every place libyaml does, so a closing bracket that
//! libyaml reads as text cannot hide an opening one. At worst a file with dozens of unclosed
//! brackets inside strings is refused; real web configurations nest three levels.

/// The deepest flow nesting accepted; the web configuration format needs three levels.
pub(super) const MAX_FLOW_DEPTH: usize = 64;

#[derive(Clone, Copy, PartialEq)]
enum State {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Comment,
}

/// Refuses `text` if its flow collections may be nested deeper than [`MAX_FLOW_DEPTH`].
pub(super) fn check(text: &str) -> Result<(), String> {
    let mut state = State::Plain;
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut prev = b'\n';
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        if b == b'\n' {
            line += 1;
        }
        if matches!(b, b'[' | b'{') {
            depth += 1;
            if depth > MAX_FLOW_DEPTH {
                return Err(format!(
                    "line {line}: collections ([...] or {{...}}) are nested more than {MAX_FLOW_DEPTH} levels deep"
                ));
            }
        }
        match state {
            State::Plain => match b {
                b']' | b'}' => depth = depth.saturating_sub(1),
                b'\'' | b'"' if matches!(prev, b' ' | b'\t' | b'\r' | b'\n' | b'[' | b'{' | b',' | b':' | 0xbf) => {
                    state = if b == b'\'' { State::SingleQuoted } else { State::DoubleQuoted };
                }
                b'#' if matches!(prev, b' ' | b'\t' | b'\r' | b'\n') => state = State::Comment,
                _ => {}
            },
            State::SingleQuoted if b == b'\'' => {
                if bytes.peek() == Some(&b'\'') {
                    bytes.next();
                } else {
                    state = State::Plain;
                }
            }
            // An escape: the next byte is text (an escaped line break still counts as a line).
            State::DoubleQuoted if b == b'\\' => line += usize::from(bytes.next() == Some(b'\n')),
            State::DoubleQuoted if b == b'"' => state = State::Plain,
            State::Comment if b == b'\n' => state = State::Plain,
            _ => {}
        }
        prev = b;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{MAX_FLOW_DEPTH, check};

    #[test]
    fn counts_flow_levels_outside_strings_and_comments() {
        let deep = "[".repeat(MAX_FLOW_DEPTH + 1);
        assert!(check(&deep).unwrap_err().contains("more than 64 levels"));
        assert!(check(&format!("a: {}", "{b: ".repeat(MAX_FLOW_DEPTH + 1))).is_err());
        let ok = format!("{}{}", "[".repeat(MAX_FLOW_DEPTH), "]".repeat(MAX_FLOW_DEPTH));
        assert!(check(&ok.repeat(1000)).is_ok(), "depth, not the number of collections");
        assert!(check(&"{a: 1}, ".repeat(100_000)).is_ok());
        // Closing brackets inside strings, comments or escapes do not hide opening ones.
        for closer in ["']]]]'", "\"]]]]\"", "\"\\\"]]]]\"", "'it''s ]]]]'", " # ]]]]\n"] {
            let text = format!("{}{closer}{}", "[".repeat(40), "[".repeat(40));
            assert!(check(&text).is_err(), "{closer}");
        }
        // A quote that is not a string start (inside a plain scalar) only over-counts.
        assert!(check("a: it's [x]\nb: [y]\n").is_ok());
        assert!(check(&format!("{}\n# {}", "x: [a]", "]".repeat(500))).is_ok());
        assert!(check("").is_ok() && check("\u{feff}'[[['").is_ok());
    }
}
