//! Encodings Alertmanager's newer template functions produce the Go way: `toJson` (Go's
//! `encoding/json`: sorted map keys, `<`, `>`, `&` escaped, times as RFC 3339) and the
//! URL-safe base64 of `base64encode`/`base64decode`.

use gotmpl::Value;

use super::gotime::GoTime;

/// Go's `json.Marshal` of a template value.
pub fn to_json(v: &Value) -> String {
    let mut out = String::new();
    write(&mut out, v);
    out
}

fn write(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Uint(u) => out.push_str(&u.to_string()),
        Value::Float(f) => out.push_str(&float(*f)),
        Value::String(s) => match GoTime::parse(s) {
            Some(t) => string(out, &rfc3339(&t)),
            None => string(out, s),
        },
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, x);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(out, k);
                out.push(':');
                write(out, x);
            }
            out.push('}');
        }
        other => string(out, &other.to_string()),
    }
}

/// Go's `time.RFC3339Nano` form used by `MarshalJSON`.
fn rfc3339(t: &GoTime) -> String {
    t.format("2006-01-02T15:04:05.999999999Z07:00")
}

/// Go's float encoding: shortest representation, exponent form outside [1e-6, 1e21).
fn float(f: f64) -> String {
    if !f.is_finite() {
        return "null".to_string();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", exp.abs());
    }
    format!("{f}")
}

/// `s` as a JSON string the way Go's `encoding/json` writes it (HTML characters escaped).
pub fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 with padding (Go's `base64.URLEncoding`).
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes URL-safe base64 with padding; the error names the first bad byte like Go.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return Err(format!("illegal base64 data at input byte {}", bytes.len() / 4 * 4));
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (ci, chunk) in bytes.chunks(4).enumerate() {
        let mut n = 0u32;
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = if c == b'=' && i >= 2 && ci * 4 + 4 == bytes.len() {
                pad += 1;
                0
            } else if pad > 0 {
                return Err(format!("illegal base64 data at input byte {}", ci * 4 + i));
            } else {
                match ALPHABET.iter().position(|&a| a == c) {
                    Some(p) => p as u32,
                    None => return Err(format!("illegal base64 data at input byte {}", ci * 4 + i)),
                }
            };
            n = (n << 6) | v;
        }
        let b = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&b[..3 - pad]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    #[test]
    fn json_like_go() {
        let mut m = BTreeMap::new();
        m.insert(Arc::from("b"), Value::String("<x> & \"y\"".into()));
        m.insert(
            Arc::from("a"),
            Value::List(vec![Value::Int(1), Value::Float(1.5), Value::Nil, Value::Bool(true)].into()),
        );
        m.insert(Arc::from("t"), Value::String("2026-01-02 03:04:05.5 +0000 UTC".into()));
        assert_eq!(
            to_json(&Value::Map(Arc::new(m))),
            r#"{"a":[1,1.5,null,true],"b":"\u003cx\u003e \u0026 \"y\"","t":"2026-01-02T03:04:05.5Z"}"#
        );
        assert_eq!(float(1e21), "1e+21");
        assert_eq!(float(100.0), "100");
    }

    #[test]
    fn base64_url_round_trip() {
        assert_eq!(base64_encode(b"a?b>c"), "YT9iPmM=");
        assert_eq!(base64_encode(b"\xfb\xff"), "-_8=");
        assert_eq!(base64_decode("YT9iPmM=").unwrap(), b"a?b>c");
        assert!(base64_decode("YT9").is_err());
        assert!(base64_decode("Y+==").is_err());
    }
}
