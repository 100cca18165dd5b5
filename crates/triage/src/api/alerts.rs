//! `POST /api/v2/alerts` (ingest) and `GET /api/v2/alerts` (listing).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use triage_core::engine::{AlertStatus, Engine};
use triage_core::matcher::all_match;
use triage_core::time::push_millis;
use triage_core::{Alert, Fingerprint, LabelSet};

use super::AppState;
use super::error::ApiError;
use super::query::AlertQuery;
use crate::ingest::ingest;

/// Alerts serialised per chunk of a streamed listing.
const CHUNK: usize = 1000;

/// Accepts alerts. Valid alerts are stored even when others in the batch are invalid, as
/// Alertmanager does; the reply is 400 naming every invalid one. A 200 means committed.
pub async fn post(State(st): State<AppState>, body: Bytes) -> Result<StatusCode, ApiError> {
    let resolve_timeout = st.runtime.load().resolve_timeout;
    match &st.bus {
        None => ingest(&st.engine, body, resolve_timeout).await?,
        Some(bus) => {
            let now = st.engine.shared.clock.now();
            bus.accept(&st.engine.shared.metrics, body, now, resolve_timeout).await?;
        }
    }
    Ok(StatusCode::OK)
}

/// Alertmanager 0.25 no longer serves API v1.
pub async fn v1_gone() -> Response {
    (StatusCode::GONE, "the API v1 was removed in Alertmanager 0.25; use /api/v2\n").into_response()
}

/// One alert of a listing with what the API shows about it.
pub struct Listed {
    /// Its fingerprint.
    pub fp: Fingerprint,
    /// The alert.
    pub alert: Arc<Alert>,
    /// Its live status.
    pub status: AlertStatus,
    /// The receivers it routes to.
    pub receivers: Vec<String>,
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("serialising to memory");
}

fn push_labels(out: &mut Vec<u8>, ls: &LabelSet) {
    out.push(b'{');
    for (i, (n, v)) in ls.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, n);
        out.push(b':');
        push_str(out, v);
    }
    out.push(b'}');
}

fn push_str_list(out: &mut Vec<u8>, items: &[String]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, s);
    }
    out.push(b']');
}

/// Writes one alert in the API's JSON form (Alertmanager's `gettableAlert`), by hand: this
/// is the hot loop of a large listing.
pub fn write_alert(out: &mut Vec<u8>, l: &Listed) {
    let a = &l.alert;
    out.extend_from_slice(b"{\"annotations\":");
    push_labels(out, &a.annotations);
    out.extend_from_slice(b",\"endsAt\":\"");
    push_millis(out, a.ends_at);
    out.extend_from_slice(b"\",\"fingerprint\":\"");
    out.extend_from_slice(format!("{:016x}", l.fp.0).as_bytes());
    out.extend_from_slice(b"\",\"receivers\":[");
    for (i, r) in l.receivers.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"name\":");
        push_str(out, r);
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"startsAt\":\"");
    push_millis(out, Some(a.starts_at));
    out.extend_from_slice(b"\",\"status\":{\"inhibitedBy\":");
    push_str_list(out, &l.status.inhibited_by);
    // An alert held by a maintenance window or outage is listed as silenced by it (the
    // outage's id, e.g. `maintenance:42`), as amtool and karma understand; `outage` says which.
    out.extend_from_slice(b",\"silencedBy\":");
    match &l.status.outage {
        Some(outage) => {
            let mut ids = l.status.silenced_by.clone();
            ids.push(outage.clone());
            push_str_list(out, &ids);
        }
        None => push_str_list(out, &l.status.silenced_by),
    }
    if let Some(outage) = &l.status.outage {
        out.extend_from_slice(b",\"outage\":");
        push_str(out, outage);
    }
    if l.status.flapping {
        out.extend_from_slice(b",\"flapping\":true");
    }
    out.extend_from_slice(b",\"state\":\"");
    out.extend_from_slice(l.status.state().as_bytes());
    out.extend_from_slice(b"\"},\"updatedAt\":\"");
    push_millis(out, Some(a.updated_at));
    out.push(b'"');
    if !a.generator_url.is_empty() {
        out.extend_from_slice(b",\"generatorURL\":");
        push_str(out, &a.generator_url);
    }
    out.extend_from_slice(b",\"labels\":");
    push_labels(out, &a.labels);
    out.push(b'}');
}

/// Whether an alert passes the listing's filter (Alertmanager's `alertFilter`).
pub fn passes(q: &AlertQuery, a: &Alert, status: &AlertStatus, now: Timestamp) -> bool {
    if a.ends_at.is_some_and(|e| e < now) {
        return false;
    }
    if !q.active && status.state() == "active" {
        return false;
    }
    if !q.silenced && (!status.silenced_by.is_empty() || status.outage.is_some()) {
        return false;
    }
    if !q.inhibited && !status.inhibited_by.is_empty() {
        return false;
    }
    all_match(&q.filter, &a.labels)
}

/// The listing entry of one alert, or `None` when the query filters it out.
fn listed(engine: &Engine, q: &AlertQuery, fp: Fingerprint, a: &Arc<Alert>, now: Timestamp) -> Option<Listed> {
    let receivers = engine.receivers_of(&a.labels);
    if let Some(re) = &q.receiver
        && !receivers.iter().any(|r| re.is_match(r))
    {
        return None;
    }
    let status = engine.status(&a.labels, now);
    passes(q, a, &status, now).then(|| Listed { fp, alert: Arc::clone(a), status, receivers })
}

/// Lists alerts in fingerprint order. Only the alert handles are collected up front; status
/// and receivers are worked out per chunk of the streamed answer under a short read lock,
/// so a large listing neither holds much memory nor blocks the engine for long.
pub async fn list(State(st): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let q = Arc::new(AlertQuery::parse(raw.as_deref())?);
    let now = st.engine.shared.clock.now();
    let mut handles: Vec<(Fingerprint, Arc<Alert>)> = {
        let engine = st.engine.shared.engine.read();
        engine
            .alerts_by_fingerprint()
            .filter(|(_, a)| a.ends_at.is_none_or(|e| e >= now) && all_match(&q.filter, &a.labels))
            .map(|(fp, a)| (fp, Arc::clone(a)))
            .collect()
    };
    // Zero-padded hex sorts like the number.
    handles.sort_unstable_by_key(|(fp, _)| *fp);
    let handles = Arc::new(handles);
    let shared = Arc::clone(&st.engine.shared);
    let total = handles.len();
    // State: next index, whether an element was written yet, whether the array is closed.
    let stream = futures::stream::unfold((0usize, false, false), move |(start, mut wrote, closed)| {
        let (handles, shared, q) = (Arc::clone(&handles), Arc::clone(&shared), Arc::clone(&q));
        async move {
            if closed {
                return None;
            }
            let end = (start + CHUNK).min(total);
            let mut buf = Vec::with_capacity((end - start) * 512 + 2);
            if start == 0 {
                buf.push(b'[');
            }
            {
                let engine = shared.engine.read();
                for (fp, a) in &handles[start..end] {
                    if let Some(l) = listed(&engine, &q, *fp, a, now) {
                        if wrote {
                            buf.push(b',');
                        }
                        write_alert(&mut buf, &l);
                        wrote = true;
                    }
                }
            }
            let done = end == total;
            if done {
                buf.push(b']');
            }
            Some((Ok::<_, std::convert::Infallible>(Bytes::from(buf)), (end, wrote, done)))
        }
    });
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .expect("static response parts"))
}

/// A streamed JSON array of items, each written by `write`.
pub fn json_array_stream<T: Send + Sync + 'static>(items: Vec<T>, write: fn(&mut Vec<u8>, &T)) -> Response {
    let total = items.len();
    let items = Arc::new(items);
    let stream = futures::stream::unfold(0usize, move |start| {
        let items = Arc::clone(&items);
        async move {
            if start > total {
                return None;
            }
            let end = (start + CHUNK).min(total);
            let mut buf = Vec::with_capacity((end - start) * 512 + 2);
            if start == 0 {
                buf.push(b'[');
            }
            for (i, item) in items[start..end].iter().enumerate() {
                if start + i > 0 {
                    buf.push(b',');
                }
                write(&mut buf, item);
            }
            if end == total {
                buf.push(b']');
            }
            Some((Ok::<_, std::convert::Infallible>(Bytes::from(buf)), if end == total { total + 1 } else { end }))
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .expect("static response parts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_written_alert_json_is_alertmanagers_shape() {
        let alert = Alert {
            labels: LabelSet::from_pairs([("alertname", "Disk \"full\""), ("instance", "h1\n\u{1}é")]),
            annotations: LabelSet::from_pairs([("summary", "a\\b")]),
            starts_at: "2026-01-01T10:00:00.123456Z".parse().unwrap(),
            ends_at: None,
            updated_at: "2026-01-01T10:00:01Z".parse().unwrap(),
            generator_url: "http://prom/graph?g0.expr=up%3D%3D0".into(),
            timeout: false,
        };
        let listed = Listed {
            fp: alert.fingerprint(),
            alert: Arc::new(alert.clone()),
            status: AlertStatus {
                silenced_by: vec!["s-1".into()],
                inhibited_by: vec![],
                outage: None,
                flapping: false,
            },
            receivers: vec!["team-a".into(), "b\"".into()],
        };
        let mut out = Vec::new();
        write_alert(&mut out, &listed);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(
            v,
            serde_json::json!({
                "annotations": {"summary": "a\\b"},
                "endsAt": "0001-01-01T00:00:00.000Z",
                "fingerprint": alert.fingerprint().to_string(),
                "receivers": [{"name": "team-a"}, {"name": "b\""}],
                "startsAt": "2026-01-01T10:00:00.123Z",
                "status": {"inhibitedBy": [], "silencedBy": ["s-1"], "state": "suppressed"},
                "updatedAt": "2026-01-01T10:00:01.000Z",
                "generatorURL": "http://prom/graph?g0.expr=up%3D%3D0",
                "labels": {"alertname": "Disk \"full\"", "instance": "h1\n\u{1}é"},
            })
        );
    }
}
