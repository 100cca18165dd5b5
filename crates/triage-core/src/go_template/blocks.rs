//! Go's parser refuses a block left open at the end of the source (`{{ if .X }}x`: "unexpected
//! EOF") and an `{{ end }}` with no block to close ("unexpected {{end}}"); `gotmpl` accepts
//! both. This scan of the actions (strings, raw strings, characters and comments skipped)
//! refuses them the way Go does before the source reaches `gotmpl`.

/// Checks that `if`/`range`/`with`/`define`/`block` actions and `end` actions pair up.
pub fn check_blocks(src: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut rest = src;
    let mut line = 1;
    while let Some(open) = rest.find("{{") {
        line += rest[..open].matches('\n').count();
        let action_start = &rest[open + 2..];
        let Some(len) = action_len(action_start) else {
            return Err(format!("{line}: unclosed action"));
        };
        let action = &action_start[..len];
        line += action.matches('\n').count();
        match keyword(action) {
            Some("if" | "range" | "with" | "define" | "block") => depth += 1,
            Some("end") => {
                if depth == 0 {
                    return Err(format!("{line}: unexpected {{{{end}}}}"));
                }
                depth -= 1;
            }
            _ => {}
        }
        rest = &action_start[len + 2..];
    }
    if depth > 0 { Err(format!("{line}: unexpected EOF")) } else { Ok(()) }
}

/// The first word of an action, after a trim marker.
fn keyword(action: &str) -> Option<&str> {
    let a = action.strip_prefix('-').filter(|r| r.starts_with(char::is_whitespace)).unwrap_or(action).trim_start();
    if a.starts_with("/*") {
        return None;
    }
    let end = a.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(a.len());
    Some(&a[..end])
}

/// Length of an action's text up to its closing `}}`, skipping quoted text and comments.
fn action_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    let trimmed = b.first() == Some(&b'-') && b.get(1).is_some_and(u8::is_ascii_whitespace);
    let start = if trimmed { 2 } else { 0 };
    if s[start..].trim_start().starts_with("/*") {
        let c = s.find("/*")?;
        let close = s[c + 2..].find("*/")? + c + 4;
        return s[close..].find("}}").map(|p| close + p);
    }
    while i < b.len() {
        match b[i] {
            b'}' if b.get(i + 1) == Some(&b'}') => return Some(i),
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    if b[i.min(b.len() - 1)] == b'\n' {
                        return None;
                    }
                    i += 1;
                }
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_pair_up_like_go() {
        assert!(check_blocks("{{ if .X }}a{{ else if .Y }}b{{ else }}c{{ end }}").is_ok());
        assert!(check_blocks(r#"{{ define "x" }}{{ range . }}{{ "}}{{ end" }}{{ end }}{{ end }}"#).is_ok());
        assert!(check_blocks("{{/* {{ if }} }} */}}{{- with .X -}}{{ `{{ end }}` }}{{ end -}}").is_ok());
        assert_eq!(check_blocks("{{ if .Status }}x").unwrap_err(), "1: unexpected EOF");
        assert_eq!(check_blocks("a\n{{ end }}").unwrap_err(), "2: unexpected {{end}}");
        assert!(check_blocks("{{ .X ").is_err());
        assert!(check_blocks("{{ ifx }}").is_ok());
    }
}
