//! Compares the notifications received with the ones expected, and writes both sides in a
//! form a person reads when they differ.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;
use serde_json::{Map, Value, json};
use triage_core::LabelSet;
use triage_core::time::format_go;

use crate::runner::Delivered;
use crate::scenario::{At, Expected, Labels, at, secs};

/// The receiver name as Alertmanager's webhook `receiver` field carries it (Go's
/// `regexp.QuoteMeta`; checked against the real Alertmanager by the differential test).
fn sanitized(name: &str) -> String {
    triage_core::payload::quote_meta(name)
}

fn labels_json(l: &Labels) -> Value {
    serde_json::to_value(l.to_set()).expect("labels serialise")
}

/// The labels every set shares with the same value.
fn common<'a>(sets: impl Iterator<Item = &'a Labels>) -> Value {
    let mut acc: Option<BTreeMap<String, String>> = None;
    for l in sets {
        let m: BTreeMap<String, String> = l.to_set().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        acc = Some(match acc {
            None => m,
            Some(a) => a.into_iter().filter(|(k, v)| m.get(k) == Some(v)).collect(),
        });
    }
    json!(acc.unwrap_or_default())
}

/// The expected message, reduced to the fields the expectation sets.
fn expected_json(e: &Expected, t0: Timestamp) -> Value {
    let time = |s: f64| Value::String(format_go(Some(at(t0, s))));
    let alerts: Vec<Value> = e
        .alerts
        .iter()
        .map(|a| {
            let mut m = Map::new();
            m.insert("status".into(), json!(a.status));
            m.insert("labels".into(), labels_json(&a.labels));
            if let Some(ann) = &a.annotations {
                m.insert("annotations".into(), labels_json(ann));
            }
            if let Some(s) = a.starts_at {
                m.insert("startsAt".into(), time(s));
            }
            if let Some(s) = a.ends_at {
                m.insert("endsAt".into(), time(s));
            }
            Value::Object(m)
        })
        .collect();
    let mut m = Map::new();
    m.insert("receiver".into(), json!(sanitized(&e.receiver)));
    m.insert("status".into(), json!(e.status));
    m.insert("groupLabels".into(), labels_json(&e.group_labels));
    m.insert("commonLabels".into(), common(e.alerts.iter().map(|a| &a.labels)));
    if e.alerts.iter().all(|a| a.annotations.is_some()) {
        m.insert("commonAnnotations".into(), common(e.alerts.iter().filter_map(|a| a.annotations.as_ref())));
    }
    if let Some(k) = &e.group_key {
        m.insert("groupKey".into(), json!(k));
    }
    m.insert("truncatedAlerts".into(), json!(e.truncated));
    m.insert("alerts".into(), Value::Array(alerts));
    Value::Object(m)
}

/// The received message, reduced to the fields `e` sets.
fn actual_json(d: &Delivered, e: &Expected) -> Value {
    let v = serde_json::to_value(&d.message).expect("message serialises");
    let mut m = Map::new();
    for k in ["receiver", "status", "groupLabels", "commonLabels", "truncatedAlerts"] {
        m.insert(k.into(), v[k].clone());
    }
    if e.alerts.iter().all(|a| a.annotations.is_some()) {
        m.insert("commonAnnotations".into(), v["commonAnnotations"].clone());
    }
    if e.group_key.is_some() {
        m.insert("groupKey".into(), v["groupKey"].clone());
    }
    let alerts: Vec<Value> = v["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let want = e.alerts.get(i);
            let mut o = Map::new();
            o.insert("status".into(), a["status"].clone());
            o.insert("labels".into(), a["labels"].clone());
            if want.is_some_and(|w| w.annotations.is_some()) {
                o.insert("annotations".into(), a["annotations"].clone());
            }
            if want.is_some_and(|w| w.starts_at.is_some()) {
                o.insert("startsAt".into(), a["startsAt"].clone());
            }
            if want.is_some_and(|w| w.ends_at.is_some()) {
                o.insert("endsAt".into(), a["endsAt"].clone());
            }
            Value::Object(o)
        })
        .collect();
    m.insert("alerts".into(), Value::Array(alerts));
    Value::Object(m)
}

fn matches(d: &Delivered, e: &Expected, t0: Timestamp) -> bool {
    d.receiver == e.receiver
        && d.integration == e.integration
        && e.at.contains(d.at)
        && actual_json(d, e) == expected_json(e, t0)
}

/// Pairs received and expected notifications; `Err` describes every difference.
pub fn compare(got: &[Delivered], want: &[Expected], t0: Timestamp) -> Result<(), String> {
    let mut used = vec![false; want.len()];
    let mut matched = vec![false; got.len()];
    for (i, d) in got.iter().enumerate() {
        if let Some(j) = (0..want.len()).find(|&j| !used[j] && matches(d, &want[j], t0)) {
            used[j] = true;
            matched[i] = true;
        }
    }
    if used.iter().all(|u| *u) && matched.iter().all(|m| *m) {
        return Ok(());
    }
    let mut out = String::new();
    let _ = writeln!(out, "received but not expected:");
    for (d, _) in got.iter().zip(&matched).filter(|(_, m)| !**m) {
        render_received(&mut out, d, t0);
    }
    let _ = writeln!(out, "expected but not received:");
    for (e, _) in want.iter().zip(&used).filter(|(_, u)| !**u) {
        render_expected(&mut out, e);
    }
    let _ = writeln!(out, "everything received (+ matched, - not):");
    for (d, m) in got.iter().zip(&matched) {
        let v = serde_json::to_value(&d.message).expect("message serialises");
        let _ = writeln!(
            out,
            "  {} {:>8}  {}[{}]  {}  {} alert(s)",
            if *m { '+' } else { '-' },
            fmt_secs(d.at),
            d.receiver,
            d.integration,
            v["status"].as_str().unwrap_or_default(),
            v["alerts"].as_array().map_or(0, Vec::len)
        );
    }
    Err(out)
}

/// Every notification received, in full.
pub fn render_all(got: &[Delivered], t0: Timestamp) -> String {
    let mut out = String::new();
    for d in got {
        render_received(&mut out, d, t0);
    }
    out
}

fn fmt_secs(s: f64) -> String {
    let s = format!("{s:.3}");
    format!("{}s", s.trim_end_matches('0').trim_end_matches('.'))
}

fn time_secs(v: &Value, t0: Timestamp) -> String {
    match v.as_str().map(str::parse::<Timestamp>) {
        Some(Ok(t)) if !v.as_str().is_some_and(|s| s.starts_with("0001-")) => fmt_secs(secs(t0, t)),
        _ => "-".into(),
    }
}

/// A JSON label map written as a label set is (`{a="b", c="d"}`).
fn flat(v: &Value) -> String {
    match serde_json::from_value::<LabelSet>(v.clone()) {
        Ok(l) => l.to_string(),
        Err(_) => v.to_string(),
    }
}

fn render_received(out: &mut String, d: &Delivered, t0: Timestamp) {
    let v = serde_json::to_value(&d.message).expect("message serialises");
    let _ = writeln!(
        out,
        "  at {}  {}[{}]  {}  key {}  groupLabels {}  commonLabels {}  truncated {}",
        fmt_secs(d.at),
        d.receiver,
        d.integration,
        v["status"].as_str().unwrap_or_default(),
        v["groupKey"].as_str().unwrap_or_default(),
        flat(&v["groupLabels"]),
        flat(&v["commonLabels"]),
        v["truncatedAlerts"]
    );
    for a in v["alerts"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "      {:<8} {}  starts {}  ends {}  annotations {}",
            a["status"].as_str().unwrap_or_default(),
            flat(&a["labels"]),
            time_secs(&a["startsAt"], t0),
            time_secs(&a["endsAt"], t0),
            flat(&a["annotations"])
        );
    }
}

fn render_expected(out: &mut String, e: &Expected) {
    let when = match e.at {
        At::Exact(s) => fmt_secs(s),
        At::Window([a, b]) => format!("[{}, {}]", fmt_secs(a), fmt_secs(b)),
    };
    let _ = writeln!(
        out,
        "  at {}  {}[{}]  {}  key {}  groupLabels {}  truncated {}",
        when,
        e.receiver,
        e.integration,
        e.status,
        e.group_key.as_deref().unwrap_or("?"),
        e.group_labels.to_set(),
        e.truncated
    );
    for a in &e.alerts {
        let _ = writeln!(
            out,
            "      {:<8} {}  starts {}  ends {}  annotations {}",
            a.status,
            a.labels.to_set(),
            a.starts_at.map_or("?".into(), fmt_secs),
            a.ends_at.map_or("?".into(), fmt_secs),
            a.annotations.as_ref().map_or("?".into(), |l| l.to_set().to_string())
        );
    }
}
