//! `POST /api/v2/alerts` (ingest) and `GET /api/v2/alerts` (listing).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::oneshot;
use triage_core::engine::{AlertStatus, Engine};
use triage_core::matcher::all_match;
use triage_core::time::format_millis;
use triage_core::{Alert, LabelSet, PostableAlert};

use super::AppState;
use super::error::ApiError;
use super::query::AlertQuery;
use crate::engine::{Command, IngestBatch};
use crate::metrics::KindLabel;

/// Alerts serialised per chunk of a streamed listing.
const CHUNK: usize = 1000;

/// Decodes a posted body, with go-swagger's status codes for its failures.
pub fn parse_alerts(body: &[u8]) -> Result<Vec<PostableAlert>, ApiError> {
    serde_json::from_slice::<Vec<PostableAlert>>(body).map_err(|e| {
        let msg = e.to_string();
        if msg.starts_with("missing field `labels`") {
            ApiError::Required("labels in body is required".to_string())
        } else {
            ApiError::Parse(format!("parsing alerts body failed, because {msg}"))
        }
    })
}

/// Accepts alerts. Valid alerts are stored even when others in the batch are invalid, as
/// Alertmanager does; the reply is 400 naming every invalid one. A 200 means committed.
pub async fn post(State(st): State<AppState>, body: Bytes) -> Result<StatusCode, ApiError> {
    let posted = parse_alerts(&body)?;
    let resolve_timeout = st.runtime.load().resolve_timeout;
    let now = st.engine.shared.clock.now();
    let metrics = &st.engine.shared.metrics;
    let mut valid = Vec::with_capacity(posted.len());
    let mut errors = Vec::new();
    for p in posted {
        match p.into_alert(now, resolve_timeout) {
            Ok(a) => {
                let kind = if a.resolved_at(now) { "resolved" } else { "firing" };
                metrics.alerts_received.get_or_create(&KindLabel { kind: kind.into() }).inc();
                valid.push(a);
            }
            Err(e) => {
                metrics.alerts_invalid.inc();
                errors.push(e);
            }
        }
    }
    if !valid.is_empty() {
        let (tx, rx) = oneshot::channel();
        let batch = IngestBatch { alerts: valid, body, received_at: now, resolve_timeout };
        st.engine.send(Command::Ingest(batch, tx)).await.map_err(ApiError::Internal)?;
        rx.await.map_err(|_| ApiError::Internal("engine stopped".into()))?.map_err(ApiError::Internal)?;
    }
    if !errors.is_empty() {
        return Err(ApiError::BadRequest(errors.join("; ")));
    }
    Ok(StatusCode::OK)
}

/// Alertmanager 0.25 no longer serves API v1.
pub async fn v1_gone() -> Response {
    (StatusCode::GONE, "the API v1 was removed in Alertmanager 0.25; use /api/v2\n").into_response()
}

#[derive(Serialize)]
struct ReceiverName<'a> {
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusJson<'a> {
    inhibited_by: &'a [String],
    silenced_by: &'a [String],
    state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GettableAlert<'a> {
    annotations: &'a LabelSet,
    ends_at: String,
    fingerprint: String,
    receivers: Vec<ReceiverName<'a>>,
    starts_at: String,
    status: StatusJson<'a>,
    updated_at: String,
    #[serde(rename = "generatorURL", skip_serializing_if = "str::is_empty")]
    generator_url: &'a str,
    labels: &'a LabelSet,
}

/// One alert of a listing with what the API shows about it.
pub struct Listed {
    /// The alert.
    pub alert: Arc<Alert>,
    /// Its live status.
    pub status: AlertStatus,
    /// The receivers it routes to.
    pub receivers: Vec<String>,
}

/// Writes one alert in the API's JSON form.
pub fn write_alert(out: &mut Vec<u8>, l: &Listed) {
    let a = &l.alert;
    let json = GettableAlert {
        annotations: &a.annotations,
        ends_at: format_millis(a.ends_at),
        fingerprint: a.fingerprint().to_string(),
        receivers: l.receivers.iter().map(|n| ReceiverName { name: n }).collect(),
        starts_at: format_millis(Some(a.starts_at)),
        status: StatusJson {
            inhibited_by: &l.status.inhibited_by,
            silenced_by: &l.status.silenced_by,
            state: l.status.state(),
        },
        updated_at: format_millis(Some(a.updated_at)),
        generator_url: &a.generator_url,
        labels: &a.labels,
    };
    serde_json::to_writer(out, &json).expect("serialising to memory");
}

/// Whether an alert passes the listing's filter (Alertmanager's `alertFilter`).
pub fn passes(q: &AlertQuery, a: &Alert, status: &AlertStatus, now: Timestamp) -> bool {
    if a.ends_at.is_some_and(|e| e < now) {
        return false;
    }
    if !q.active && status.state() == "active" {
        return false;
    }
    if !q.silenced && !status.silenced_by.is_empty() {
        return false;
    }
    if !q.inhibited && !status.inhibited_by.is_empty() {
        return false;
    }
    all_match(&q.filter, &a.labels)
}

fn select(engine: &Engine, q: &AlertQuery, now: Timestamp) -> Vec<Listed> {
    let mut out = Vec::new();
    for a in engine.alerts() {
        let receivers = engine.receivers_of(&a.labels);
        if let Some(re) = &q.receiver
            && !receivers.iter().any(|r| re.is_match(r))
        {
            continue;
        }
        let status = engine.status(&a.labels, now);
        if !passes(q, a, &status, now) {
            continue;
        }
        out.push(Listed { alert: Arc::clone(a), status, receivers });
    }
    // Zero-padded hex sorts like the number.
    out.sort_unstable_by_key(|l| l.alert.fingerprint());
    out
}

/// Lists alerts, streamed in chunks so that a large listing does not sit in memory whole.
pub async fn list(State(st): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let q = AlertQuery::parse(raw.as_deref())?;
    let now = st.engine.shared.clock.now();
    let listed = {
        let engine = st.engine.shared.engine.read();
        select(&engine, &q, now)
    };
    Ok(json_array_stream(listed, write_alert))
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
