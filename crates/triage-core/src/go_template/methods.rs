//! Go's method calls on template data, which `gotmpl` (maps, lists and strings only) lacks:
//! `.CommonLabels.SortedPairs`, `.Alerts.Firing`, `.CommonLabels.Remove .GroupLabels.Names`,
//! `.StartsAt.Format "..."`. After parsing, every field access in the tree is rewritten into a
//! call of `__field` (or `__method` when arguments follow), which resolves names the way Go
//! does on Alertmanager's types: a method of the value's type first, then a struct field or
//! map key. A missing label is `""` (Alertmanager's `missingkey=zero` on `map[string]string`);
//! a missing field of `.` or of an alert is an error, as in Go.
//!
//! The same pass checks that every function called exists (Go rejects unknown functions when
//! parsing) and puts a size guard on the arguments of `print`, `printf`, `println`, `html`,
//! `js` and `urlquery` (see `limits.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::parse::{CommandNode, Expr, ListNode, Node, PipeNode, Pos, SmolStr};
use gotmpl::{TemplateError, Value};

use super::gotime::GoTime;

/// Separates the names of a field path passed to `__method` as one string.
const PATH_SEP: char = '\u{1f}';

/// Builtins whose output is the concatenation of their arguments: their arguments are guarded.
const GUARDED: [&str; 6] = ["print", "printf", "println", "html", "js", "urlquery"];

/// Go's builtin functions (provided by `gotmpl`).
pub const BUILTINS: [&str; 19] = [
    "and", "or", "not", "len", "index", "slice", "print", "printf", "println", "html", "js", "urlquery", "eq", "ne",
    "lt", "le", "gt", "ge", "call",
];

/// Rewrites a parsed tree: field accesses become `__field`/`__method` calls, and calls of
/// unknown functions are reported (`known` says which names exist).
pub fn rewrite(list: ListNode, known: &dyn Fn(&str) -> bool) -> Result<ListNode, String> {
    Ok(ListNode { pos: list.pos, nodes: list.nodes.into_iter().map(|n| node(n, known)).collect::<Result<_, _>>()? })
}

fn node(n: Node, known: &dyn Fn(&str) -> bool) -> Result<Node, String> {
    Ok(match n {
        Node::List(l) => Node::List(rewrite(l, known)?),
        Node::Action(mut a) => {
            a.pipe = pipe(a.pipe, known)?;
            Node::Action(a)
        }
        Node::If(b) => Node::If(branch(b, known)?),
        Node::Range(b) => Node::Range(branch(b, known)?),
        Node::With(b) => Node::With(branch(b, known)?),
        Node::Template(mut t) => {
            // `{{ template "x" }}` runs "x" with a nil dot in Go; gotmpl would pass the caller's.
            let nil = || PipeNode {
                pos: t.pos,
                decl: vec![],
                commands: vec![CommandNode { pos: t.pos, args: vec![Expr::Identifier(t.pos, "__nil".into())] }],
                is_assign: false,
            };
            t.pipe = Some(match t.pipe.take() {
                Some(p) => pipe(p, known)?,
                None => nil(),
            });
            Node::Template(t)
        }
        Node::Define(mut d) => {
            d.body = rewrite(d.body, known)?;
            Node::Define(d)
        }
        other => other,
    })
}

fn branch(mut b: gotmpl::parse::BranchNode, known: &dyn Fn(&str) -> bool) -> Result<gotmpl::parse::BranchNode, String> {
    b.pipe = pipe(b.pipe, known)?;
    b.body = rewrite(b.body, known)?;
    b.else_body = b.else_body.map(|e| rewrite(e, known)).transpose()?;
    Ok(b)
}

fn pipe(p: PipeNode, known: &dyn Fn(&str) -> bool) -> Result<PipeNode, String> {
    let commands =
        p.commands.into_iter().enumerate().map(|(i, c)| command(c, i > 0, known)).collect::<Result<_, _>>()?;
    Ok(PipeNode { commands, ..p })
}

fn command(c: CommandNode, piped: bool, known: &dyn Fn(&str) -> bool) -> Result<CommandNode, String> {
    let pos = c.pos;
    let mut args = c.args.into_iter();
    let Some(first) = args.next() else { return Ok(CommandNode { pos, args: vec![] }) };
    let rest: Vec<Expr> = args.map(|a| expr(a, known)).collect::<Result<_, _>>()?;
    let with_args = piped || !rest.is_empty();
    let out: Vec<Expr> = match first {
        Expr::Identifier(p, name) => {
            if !known(&name) {
                return Err(format!("function {name:?} not defined"));
            }
            let rest = if GUARDED.contains(&name.as_str()) { guard(rest) } else { rest };
            std::iter::once(Expr::Identifier(p, name)).chain(rest).collect()
        }
        Expr::Chain(p, inner, fields) if matches!(*inner, Expr::Identifier(..)) => {
            // A function call whose result's fields are read: `(f args).X` written as `f.X args`.
            let call = command(CommandNode { pos, args: std::iter::once(*inner).chain(rest).collect() }, piped, known)?;
            let base = Expr::Pipe(p, PipeNode { pos: p, decl: vec![], commands: vec![call], is_assign: false });
            vec![field_call(p, base, &fields)]
        }
        first if with_args && has_fields(&first) => {
            let (p, base, mut fields) = split(first, known)?;
            let method = fields.pop().unwrap_or_default();
            let path: String = fields.iter().map(SmolStr::as_str).collect::<Vec<_>>().join(&PATH_SEP.to_string());
            let mut out = vec![
                Expr::Identifier(p, "__method".into()),
                base,
                Expr::String(p, Arc::from(path)),
                Expr::String(p, Arc::from(method.as_str())),
            ];
            out.extend(rest);
            out
        }
        first => std::iter::once(expr(first, known)?).chain(rest).collect(),
    };
    Ok(CommandNode { pos, args: out })
}

fn has_fields(e: &Expr) -> bool {
    match e {
        Expr::Field(_, f) | Expr::Chain(_, _, f) | Expr::Variable(_, _, f) => !f.is_empty(),
        _ => false,
    }
}

fn split(e: Expr, known: &dyn Fn(&str) -> bool) -> Result<(Pos, Expr, Vec<SmolStr>), String> {
    Ok(match e {
        Expr::Field(p, f) => (p, Expr::Dot(p), f),
        Expr::Variable(p, name, f) => (p, Expr::Variable(p, name, vec![]), f),
        Expr::Chain(p, inner, f) => (p, expr(*inner, known)?, f),
        other => (other.pos(), other, vec![]),
    })
}

fn expr(e: Expr, known: &dyn Fn(&str) -> bool) -> Result<Expr, String> {
    Ok(match e {
        Expr::Pipe(p, inner) => Expr::Pipe(p, pipe(inner, known)?),
        Expr::Identifier(p, name) => {
            if !known(&name) {
                return Err(format!("function {name:?} not defined"));
            }
            Expr::Identifier(p, name)
        }
        e if has_fields(&e) => {
            let (p, base, fields) = split(e, known)?;
            field_call(p, base, &fields)
        }
        other => other,
    })
}

/// `(__field base "A" "B")`.
fn field_call(p: Pos, base: Expr, fields: &[SmolStr]) -> Expr {
    let mut args = vec![Expr::Identifier(p, "__field".into()), base];
    args.extend(fields.iter().map(|f| Expr::String(p, Arc::from(f.as_str()))));
    Expr::Pipe(p, PipeNode { pos: p, decl: vec![], commands: vec![CommandNode { pos: p, args }], is_assign: false })
}

/// Wraps each argument in the size guard: `__arg_first`, `__arg_more`..., `__arg_last`, or
/// `__arg_only` for one argument.
fn guard(args: Vec<Expr>) -> Vec<Expr> {
    let n = args.len();
    args.into_iter()
        .enumerate()
        .map(|(i, a)| {
            let name = match (i, n) {
                (_, 1) => "__arg_only",
                (0, _) => "__arg_first",
                (i, n) if i + 1 == n => "__arg_last",
                _ => "__arg_more",
            };
            let p = a.pos();
            let args = vec![Expr::Identifier(p, name.into()), a];
            Expr::Pipe(
                p,
                PipeNode { pos: p, decl: vec![], commands: vec![CommandNode { pos: p, args }], is_assign: false },
            )
        })
        .collect()
}

fn exec(msg: String) -> TemplateError {
    TemplateError::Exec(msg)
}

/// `__field base name...`: reads each name in turn.
pub fn field(args: &[Value]) -> Result<Value, TemplateError> {
    let Some((base, names)) = args.split_first() else { return Err(exec("__field needs a value".into())) };
    let mut v = base.clone();
    for name in names {
        let Value::String(name) = name else { return Err(exec("__field: name is not a string".into())) };
        v = resolve(&v, name, &[])?;
    }
    Ok(v)
}

/// `__method base "path" "Name" args...`: reads the path, then calls method `Name` with args.
pub fn method(args: &[Value]) -> Result<Value, TemplateError> {
    let [base, Value::String(path), Value::String(name), rest @ ..] = args else {
        return Err(exec("__method: bad arguments".into()));
    };
    let mut v = base.clone();
    for f in path.split(PATH_SEP).filter(|f| !f.is_empty()) {
        v = resolve(&v, f, &[])?;
    }
    resolve(&v, name, rest)
}

/// What Go's type name of a value would be, for error messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Map(m) if m.contains_key("Alerts") => "*template.Data",
        Value::Map(m) if m.contains_key("Fingerprint") => "template.Alert",
        Value::Map(_) => "template.KV",
        Value::List(l) if l.first().is_some_and(is_alert) => "template.Alerts",
        Value::List(_) => "[]string",
        Value::String(_) => "string",
        Value::Int(_) | Value::Uint(_) => "int",
        Value::Float(_) => "float64",
        Value::Bool(_) => "bool",
        Value::Nil => "interface {}",
        _ => "value",
    }
}

fn is_alert(v: &Value) -> bool {
    matches!(v, Value::Map(m) if m.contains_key("Fingerprint"))
}

fn is_kv(m: &BTreeMap<Arc<str>, Value>) -> bool {
    m.values().all(|v| matches!(v, Value::String(_)))
}

fn is_pair(v: &Value) -> bool {
    matches!(v, Value::Map(m) if m.len() == 2 && m.contains_key("Name") && m.contains_key("Value"))
}

fn want_args(name: &str, args: &[Value], n: usize) -> Result<(), TemplateError> {
    if args.len() == n {
        Ok(())
    } else {
        Err(exec(format!("wrong number of args for {name}: want {n} got {}", args.len())))
    }
}

fn no_args(name: &str, args: &[Value]) -> Result<(), TemplateError> {
    if args.is_empty() { Ok(()) } else { Err(exec(format!("{name} has arguments but cannot be invoked as function"))) }
}

fn s(text: impl Into<Arc<str>>) -> Value {
    Value::String(text.into())
}

/// Resolves `name` on `v` with `args`, the way Go would on Alertmanager's types.
fn resolve(v: &Value, name: &str, args: &[Value]) -> Result<Value, TemplateError> {
    match v {
        Value::Map(m) if is_kv(m) => match name {
            "SortedPairs" => {
                want_args(name, args, 0)?;
                Ok(sorted_pairs(m))
            }
            "Names" | "Values" => {
                want_args(name, args, 0)?;
                let pairs = sorted_pairs(m);
                resolve(&pairs, name, &[])
            }
            "Remove" => {
                want_args(name, args, 1)?;
                let drop: Vec<Arc<str>> = match &args[0] {
                    Value::List(l) => {
                        l.iter().filter_map(|x| if let Value::String(s) = x { Some(s.clone()) } else { None }).collect()
                    }
                    other => {
                        return Err(exec(format!("wrong type for value; expected []string; got {}", type_name(other))));
                    }
                };
                Ok(Value::Map(Arc::new(
                    m.iter().filter(|(k, _)| !drop.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect(),
                )))
            }
            "String" if !is_pair(v) => {
                want_args(name, args, 0)?;
                Ok(s(pairs_string(&sorted_pairs(m))))
            }
            _ => {
                no_args(name, args)?;
                Ok(m.get(name).cloned().unwrap_or_else(|| s("")))
            }
        },
        Value::Map(m) => {
            no_args(name, args)?;
            m.get(name).cloned().ok_or_else(|| exec(format!("can't evaluate field {name} in type {}", type_name(v))))
        }
        Value::List(l) => list_method(v, l, name, args),
        Value::String(text) => match GoTime::parse(text) {
            Some(t) => time_method(&t, name, args),
            None => Err(exec(format!("can't evaluate field {name} in type string"))),
        },
        Value::Nil => Err(exec(format!("nil pointer evaluating interface {{}}.{name}"))),
        other => Err(exec(format!("can't evaluate field {name} in type {}", type_name(other)))),
    }
}

fn list_method(v: &Value, l: &Arc<[Value]>, name: &str, args: &[Value]) -> Result<Value, TemplateError> {
    let status = |want: &str| -> Value {
        Value::List(
            l.iter()
                .filter(
                    |a| matches!(a, Value::Map(m) if matches!(m.get("Status"), Some(Value::String(s)) if &**s == want)),
                )
                .cloned()
                .collect(),
        )
    };
    let all = |f: fn(&Value) -> bool| l.iter().all(f);
    match name {
        "Firing" | "Resolved" if all(is_alert) => {
            want_args(name, args, 0)?;
            Ok(status(if name == "Firing" { "firing" } else { "resolved" }))
        }
        "Names" | "Values" if all(is_pair) => {
            want_args(name, args, 0)?;
            let key = if name == "Names" { "Name" } else { "Value" };
            Ok(Value::List(
                l.iter().filter_map(|p| if let Value::Map(m) = p { m.get(key).cloned() } else { None }).collect(),
            ))
        }
        "String" if all(is_pair) && !l.is_empty() => {
            want_args(name, args, 0)?;
            Ok(s(pairs_string(v)))
        }
        "Join" if all(|x| matches!(x, Value::String(_))) => {
            want_args(name, args, 1)?;
            let Value::String(sep) = &args[0] else { return Err(exec("wrong type for value; expected string".into())) };
            let parts: Vec<&str> =
                l.iter().filter_map(|x| if let Value::String(s) = x { Some(&**s) } else { None }).collect();
            Ok(s(parts.join(sep)))
        }
        _ => Err(exec(format!("can't evaluate field {name} in type {}", type_name(v)))),
    }
}

/// Alertmanager's `KV.SortedPairs`: `alertname` first, then the other names in order.
fn sorted_pairs(m: &BTreeMap<Arc<str>, Value>) -> Value {
    let pair = |k: &Arc<str>, v: &Value| {
        let mut p = BTreeMap::new();
        p.insert(Arc::from("Name"), Value::String(k.clone()));
        p.insert(Arc::from("Value"), v.clone());
        Value::Map(Arc::new(p))
    };
    let first = m.get_key_value("alertname").map(|(k, v)| pair(k, v));
    let rest = m.iter().filter(|(k, _)| &***k != "alertname").map(|(k, v)| pair(k, v));
    Value::List(first.into_iter().chain(rest).collect())
}

/// Newer Alertmanager's `Pairs.String`: `a=1, b=2`.
fn pairs_string(pairs: &Value) -> String {
    let Value::List(l) = pairs else { return String::new() };
    let text: Vec<String> = l
        .iter()
        .filter_map(|p| match p {
            Value::Map(m) => Some(format!("{}={}", m.get("Name")?, m.get("Value")?)),
            _ => None,
        })
        .collect();
    text.join(", ")
}

fn time_method(t: &GoTime, name: &str, args: &[Value]) -> Result<Value, TemplateError> {
    if name == "Format" {
        want_args(name, args, 1)?;
        let Value::String(layout) = &args[0] else { return Err(exec("wrong type for value; expected string".into())) };
        return Ok(s(t.format(layout)));
    }
    if name == "In" {
        return Err(exec("In: time zones are set with the tz function".into()));
    }
    want_args(name, args, 0)?;
    let ns = t.instant.as_nanosecond();
    let int = |x: i128| Value::Int(x as i64);
    Ok(match name {
        "Unix" => int(i128::from(t.instant.as_second())),
        "UnixMilli" => int(ns / 1_000_000),
        "UnixMicro" => int(ns / 1_000),
        "UnixNano" => int(ns),
        "IsZero" => Value::Bool(t.is_zero()),
        "UTC" | "Local" => s(GoTime::utc(t.instant).to_string()),
        "String" => s(t.to_string()),
        "Year" => Value::Int(t.format("2006").parse().unwrap_or(0)),
        "Month" => s(t.format("January")),
        "Day" => Value::Int(t.format("2").parse().unwrap_or(0)),
        "Hour" => Value::Int(t.format("15").parse().unwrap_or(0)),
        "Minute" => Value::Int(t.format("4").parse().unwrap_or(0)),
        "Second" => Value::Int(t.format("5").parse().unwrap_or(0)),
        "Nanosecond" => Value::Int(i64::from(t.instant.subsec_nanosecond())),
        "YearDay" => Value::Int(t.format("002").parse().unwrap_or(0)),
        "Weekday" => s(t.format("Monday")),
        _ => return Err(exec(format!("can't evaluate field {name} in type time.Time"))),
    })
}
