//! Alertmanager's template functions (`template.DefaultFuncs`), with the release that added
//! each: at 0.25 `toUpper`, `toLower`, `title`, `join`, `match`, `safeHtml`, `reReplaceAll`,
//! `stringSlice`; `trimSpace` (0.26); `date`, `tz`, `since`, `humanizeDuration` (0.28);
//! `urlUnescape`, `safeUrl`, `toJson` (0.30); `list`, `append`, `dict` (0.32); `now` (0.33);
//! `toDate`, `mustToDate`, `base64encode`, `base64decode` (0.34). Go's own builtins come
//! from `gotmpl`; `index` is replaced so a missing label is `""` as in Go.
//!
//! Time is a parameter: `now` and `since` use the notification time of the data.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::{FuncMap, SafeKind, TemplateError, Value, ValueFunc};
use jiff::Timestamp;

use super::duration::{duration_string, humanize, parse_duration_seconds};
use super::gotime::GoTime;
use super::limits::{ArgGuard, value_too_large};
use super::{gojson, goregex, methods};

type Res = Result<Value, TemplateError>;

fn err(msg: impl Into<String>) -> TemplateError {
    TemplateError::Exec(msg.into())
}

fn s(text: impl Into<Arc<str>>) -> Value {
    Value::String(text.into())
}

fn arity(name: &str, args: &[Value], n: usize) -> Result<(), TemplateError> {
    if args.len() == n {
        Ok(())
    } else {
        Err(err(format!("wrong number of args for {name}: want {n} got {}", args.len())))
    }
}

fn text(args: &[Value], i: usize) -> Result<&str, TemplateError> {
    match &args[i] {
        Value::String(s) => Ok(s),
        Value::Safe { s, .. } => Ok(s),
        other => Err(err(format!("wrong type for value; expected string; got {}", methods::type_name(other)))),
    }
}

fn time(args: &[Value], i: usize) -> Result<GoTime, TemplateError> {
    match &args[i] {
        Value::String(t) => GoTime::parse(t).ok_or_else(|| err("wrong type for value; expected time.Time; got string")),
        other => Err(err(format!("wrong type for value; expected time.Time; got {}", methods::type_name(other)))),
    }
}

fn strings(v: &Value) -> Result<Vec<&str>, TemplateError> {
    match v {
        Value::List(l) => l
            .iter()
            .map(|x| match x {
                Value::String(s) => Ok(&**s),
                other => Err(err(format!("wrong type for value; expected string; got {}", methods::type_name(other)))),
            })
            .collect(),
        other => Err(err(format!("wrong type for value; expected []string; got {}", methods::type_name(other)))),
    }
}

/// Every function a template may call beyond Go's builtins, bound to one render.
pub fn function_map(now: Timestamp, max_value: usize) -> FuncMap {
    let mut m: FuncMap = BTreeMap::new();
    let mut add = |name: &str, f: ValueFunc| {
        m.insert(name.to_string(), f);
    };
    let cap = move |v: String| if v.len() > max_value { Err(err(value_too_large(max_value))) } else { Ok(s(v)) };
    let unary = |name: &'static str, f: fn(&str) -> String| -> ValueFunc {
        Arc::new(move |args: &[Value]| {
            arity(name, args, 1)?;
            cap(f(text(args, 0)?))
        })
    };
    add("toUpper", unary("toUpper", str::to_uppercase));
    add("toLower", unary("toLower", str::to_lowercase));
    add("title", unary("title", title));
    add("trimSpace", unary("trimSpace", |t| t.trim().to_string()));
    add(
        "join",
        Arc::new(move |args| {
            arity("join", args, 2)?;
            let sep = text(args, 0)?;
            let parts = strings(&args[1])?;
            let size = parts.iter().map(|p| p.len() + sep.len()).sum::<usize>();
            if size > max_value {
                return Err(err(value_too_large(max_value)));
            }
            Ok(s(parts.join(sep)))
        }),
    );
    add(
        "match",
        Arc::new(|args| {
            arity("match", args, 2)?;
            let re = goregex::compile(text(args, 0)?).map_err(err)?;
            Ok(Value::Bool(re.is_match(text(args, 1)?)))
        }),
    );
    add(
        "reReplaceAll",
        Arc::new(move |args| {
            arity("reReplaceAll", args, 3)?;
            let re = goregex::compile(text(args, 0)?).map_err(err)?;
            let (repl, input) = (text(args, 1)?, text(args, 2)?);
            let mut out = String::new();
            let mut last = 0;
            for caps in re.captures_iter(input) {
                let Some(whole) = caps.get(0) else { continue };
                out.push_str(&input[last..whole.start()]);
                caps.expand(repl, &mut out);
                last = whole.end();
                if out.len() > max_value {
                    return Err(err(value_too_large(max_value)));
                }
            }
            out.push_str(&input[last..]);
            cap(out)
        }),
    );
    let safe = |kind: SafeKind| -> ValueFunc {
        Arc::new(move |args: &[Value]| {
            arity("safeHtml", args, 1)?;
            Ok(Value::Safe { kind, s: Arc::from(text(args, 0)?) })
        })
    };
    add("safeHtml", safe(SafeKind::Html));
    add("safeUrl", safe(SafeKind::Url));
    add(
        "urlUnescape",
        Arc::new(|args| {
            arity("urlUnescape", args, 1)?;
            query_unescape(text(args, 0)?).map(s).map_err(err)
        }),
    );
    add(
        "stringSlice",
        Arc::new(|args| {
            let items: Vec<Value> = (0..args.len()).map(|i| text(args, i).map(s)).collect::<Result<_, _>>()?;
            Ok(Value::List(items.into()))
        }),
    );
    add(
        "date",
        Arc::new(|args| {
            arity("date", args, 2)?;
            Ok(s(time(args, 1)?.format(text(args, 0)?)))
        }),
    );
    add(
        "tz",
        Arc::new(|args| {
            arity("tz", args, 2)?;
            time(args, 1)?.in_zone(text(args, 0)?).map(|t| s(t.to_string())).map_err(err)
        }),
    );
    add(
        "now",
        Arc::new(move |args| {
            arity("now", args, 0)?;
            Ok(s(GoTime::utc(now).to_string()))
        }),
    );
    add(
        "since",
        Arc::new(move |args| {
            arity("since", args, 1)?;
            let t = time(args, 0)?;
            Ok(s(duration_string(now.as_nanosecond() - t.instant.as_nanosecond())))
        }),
    );
    add(
        "humanizeDuration",
        Arc::new(|args| {
            arity("humanizeDuration", args, 1)?;
            let v = match &args[0] {
                Value::Int(i) => *i as f64,
                Value::Uint(u) => *u as f64,
                Value::Float(f) => *f,
                Value::String(t) => match t.trim().parse::<f64>() {
                    Ok(f) => f,
                    Err(_) => parse_duration_seconds(t)
                        .ok_or_else(|| err(format!("strconv.ParseFloat: parsing {t:?}: invalid syntax")))?,
                },
                other => return Err(err(format!("can't convert {} to float", methods::type_name(other)))),
            };
            Ok(s(humanize(v)))
        }),
    );
    add(
        "toDate",
        Arc::new(|args| {
            arity("toDate", args, 2)?;
            let t = super::goparse::parse(text(args, 0)?, text(args, 1)?).unwrap_or_else(|_| GoTime::zero());
            Ok(s(t.to_string()))
        }),
    );
    add(
        "mustToDate",
        Arc::new(|args| {
            arity("mustToDate", args, 2)?;
            super::goparse::parse(text(args, 0)?, text(args, 1)?).map(|t| s(t.to_string())).map_err(err)
        }),
    );
    add(
        "toJson",
        Arc::new(move |args| {
            arity("toJson", args, 1)?;
            cap(gojson::to_json(&args[0]))
        }),
    );
    add(
        "base64encode",
        Arc::new(move |args| {
            arity("base64encode", args, 1)?;
            cap(gojson::base64_encode(text(args, 0)?.as_bytes()))
        }),
    );
    add(
        "base64decode",
        Arc::new(|args| {
            arity("base64decode", args, 1)?;
            let bytes = gojson::base64_decode(text(args, 0)?).map_err(err)?;
            Ok(s(String::from_utf8_lossy(&bytes).into_owned()))
        }),
    );
    add("list", Arc::new(|args| Ok(Value::List(args.to_vec().into()))));
    add(
        "append",
        Arc::new(|args| {
            let Some((Value::List(l), rest)) = args.split_first() else {
                return Err(err("wrong type for value; expected []interface {}"));
            };
            Ok(Value::List(l.iter().chain(rest).cloned().collect()))
        }),
    );
    add(
        "dict",
        Arc::new(|args| {
            if !args.len().is_multiple_of(2) {
                return Err(err("dict requires an even number of arguments"));
            }
            let mut m = BTreeMap::new();
            for kv in args.chunks(2) {
                let Value::String(k) = &kv[0] else { return Err(err("dict keys must be strings")) };
                m.insert(k.clone(), kv[1].clone());
            }
            Ok(Value::Map(Arc::new(m)))
        }),
    );
    add("index", Arc::new(index));
    add("__nil", Arc::new(|_| Ok(Value::Nil)));
    // The data with the flag that makes the shared e-mail layout show triage's rows.
    add(
        "__triage_email_data",
        Arc::new(|args| match args {
            [Value::Map(m)] => {
                let mut m = (**m).clone();
                m.insert(Arc::from("TriageEmail"), Value::Bool(true));
                Ok(Value::Map(Arc::new(m)))
            }
            _ => Err(err("__triage_email_data takes the notification data")),
        }),
    );
    // Route labels are a newer Alertmanager feature triage does not have: always "".
    add("routeLabels", Arc::new(|_| Ok(s(""))));
    add("__field", Arc::new(methods::field));
    add("__method", Arc::new(methods::method));
    m
}

/// The per-render argument guards (`__arg_first` ... see `methods.rs`).
pub fn guard_functions(m: &mut FuncMap, guard: &ArgGuard) {
    for (name, first, last) in [
        ("__arg_only", true, true),
        ("__arg_first", true, false),
        ("__arg_more", false, false),
        ("__arg_last", false, true),
    ] {
        let g = guard.clone();
        m.insert(
            name.to_string(),
            Arc::new(move |args: &[Value]| match args {
                [v] => g.add(v, first, last),
                _ => Err(err("argument guard takes one value")),
            }),
        );
    }
}

/// Names of every function `function_map` and `guard_functions` define.
pub fn defined(name: &str) -> bool {
    const NAMES: [&str; 34] = [
        "toUpper",
        "toLower",
        "title",
        "trimSpace",
        "join",
        "match",
        "reReplaceAll",
        "safeHtml",
        "safeUrl",
        "urlUnescape",
        "stringSlice",
        "date",
        "tz",
        "now",
        "since",
        "humanizeDuration",
        "toDate",
        "mustToDate",
        "toJson",
        "base64encode",
        "base64decode",
        "list",
        "append",
        "dict",
        "index",
        "__field",
        "__method",
        "__arg_only",
        "__arg_first",
        "__arg_more",
        "__arg_last",
        "routeLabels",
        "__nil",
        "__triage_email_data",
    ];
    NAMES.contains(&name) || methods::BUILTINS.contains(&name)
}

/// Go's `index`, with a missing key of a label map giving `""`.
fn index(args: &[Value]) -> Res {
    let Some((mut v, keys)) = args.split_first().map(|(v, k)| (v.clone(), k)) else {
        return Err(err("wrong number of args for index: want at least 1 got 0"));
    };
    for k in keys {
        v = match (&v, k) {
            (Value::Map(m), Value::String(key)) => match m.get(&**key) {
                Some(x) => x.clone(),
                None if m.values().all(|x| matches!(x, Value::String(_))) => s(""),
                None => Value::Nil,
            },
            (Value::List(l), Value::Int(i)) => {
                let i = usize::try_from(*i)
                    .ok()
                    .filter(|i| *i < l.len())
                    .ok_or_else(|| err(format!("error calling index: index out of range: {i}")))?;
                l[i].clone()
            }
            (Value::String(t), Value::Int(i)) => {
                let i = usize::try_from(*i)
                    .ok()
                    .filter(|i| *i < t.len())
                    .ok_or_else(|| err(format!("error calling index: index out of range: {i}")))?;
                Value::Int(i64::from(t.as_bytes()[i]))
            }
            (Value::Nil, _) => return Err(err("error calling index: index of untyped nil")),
            (x, _) => {
                return Err(err(format!("error calling index: can't index item of type {}", methods::type_name(x))));
            }
        };
    }
    Ok(v)
}

/// `cases.Title` for American English: each word's first letter upper case, the rest lower.
/// Words continue across letters, digits, apostrophes, `.` and `:` between letters.
fn title(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut in_word = false;
    let chars: Vec<char> = t.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let joins =
            matches!(c, '\'' | '’' | '.' | ':') && in_word && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if c.is_alphanumeric() {
            if in_word {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            in_word = true;
        } else {
            out.push(c);
            in_word = joins;
        }
    }
    out
}

/// Go's `url.QueryUnescape`.
pub(super) fn query_unescape(t: &str) -> Result<String, String> {
    let b = t.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = t.get(i + 1..i + 3).filter(|h| h.bytes().all(|x| x.is_ascii_hexdigit()));
                let Some(hex) = hex else {
                    let bad: String = t[i..].chars().take(3).collect();
                    return Err(format!("invalid URL escape {bad:?}"));
                };
                out.push(u8::from_str_radix(hex, 16).map_err(|e| e.to_string())?);
                i += 2;
            }
            x => out.push(x),
        }
        i += 1;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_and_unescape() {
        assert_eq!(title("hello wORLD foo-bar it's"), "Hello World Foo-Bar It's");
        assert_eq!(query_unescape("a+b%26c").unwrap(), "a b&c");
        assert_eq!(query_unescape("%zz").unwrap_err(), "invalid URL escape \"%zz\"");
    }
}
