//! Ingest: alerts posted to the API, produced by sources or consumed from the JetStream bus
//! are parsed, validated, normalised and submitted to the engine here. Everything that
//! feeds alerts in goes through these functions, so every alert is counted, logged and
//! replayed the same way.

pub mod bus;

use axum::body::Bytes;
use jiff::SignedDuration;
use tokio::sync::oneshot;
use triage_core::{Alert, PostableAlert};

use crate::engine::{Command, EngineHandle, IngestBatch};
use crate::metrics::KindLabel;

/// Why a body of alerts was not (wholly) ingested.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The body is not valid JSON or has the wrong types.
    #[error("{0}")]
    Parse(String),
    /// A required field is missing.
    #[error("{0}")]
    Required(String),
    /// Some alerts are invalid (the valid ones were ingested); names every invalid one.
    #[error("{0}")]
    Invalid(String),
    /// The engine did not take the alerts (stopped, or its commit failed).
    #[error("{0}")]
    Engine(String),
}

/// Decodes a posted body, with go-swagger's status codes for its failures.
pub fn parse_alerts(body: &[u8]) -> Result<Vec<PostableAlert>, IngestError> {
    serde_json::from_slice::<Vec<PostableAlert>>(body).map_err(|e| {
        let msg = e.to_string();
        if msg.starts_with("missing field `labels`") {
            IngestError::Required("labels in body is required".to_string())
        } else {
            IngestError::Parse(format!("parsing alerts body failed, because {msg}"))
        }
    })
}

/// The valid alerts of a posted body and the errors of the invalid ones, counted in
/// `metrics` when given (the process that received the body counts it, not the one that
/// consumes it from the ingest bus).
pub fn validate(
    metrics: Option<&crate::metrics::Metrics>,
    body: &Bytes,
    now: jiff::Timestamp,
    resolve_timeout: SignedDuration,
) -> Result<(Vec<Alert>, Vec<String>), IngestError> {
    let posted = parse_alerts(body)?;
    let mut valid = Vec::with_capacity(posted.len());
    let mut errors = Vec::new();
    for p in posted {
        match p.into_alert(now, resolve_timeout) {
            Ok(a) => {
                if let Some(m) = metrics {
                    let kind = if a.resolved_at(now) { "resolved" } else { "firing" };
                    m.alerts_received.get_or_create(&KindLabel { kind: kind.into() }).inc();
                }
                valid.push(a);
            }
            Err(e) => {
                if let Some(m) = metrics {
                    m.alerts_invalid.inc();
                }
                errors.push(e);
            }
        }
    }
    Ok((valid, errors))
}

/// Validates a body of posted alerts and hands the valid ones to the engine, returning once
/// they are committed; the error names every invalid alert.
pub async fn ingest(engine: &EngineHandle, body: Bytes, resolve_timeout: SignedDuration) -> Result<(), IngestError> {
    let now = engine.shared.clock.now();
    ingest_received(engine, body, now, resolve_timeout, true).await
}

/// [`ingest`] of a body received at `now` (by this process or, through the ingest bus, by
/// another); `count` says whether this process counts it as received.
pub async fn ingest_received(
    engine: &EngineHandle,
    body: Bytes,
    now: jiff::Timestamp,
    resolve_timeout: SignedDuration,
    count: bool,
) -> Result<(), IngestError> {
    let submitted = submit_received(engine, body, now, resolve_timeout, count).await?;
    if let Some(committed) = submitted.committed {
        committed.await.map_err(|_| IngestError::Engine("engine stopped".into()))?.map_err(IngestError::Engine)?;
    }
    if !submitted.errors.is_empty() {
        return Err(IngestError::Invalid(submitted.errors.join("; ")));
    }
    Ok(())
}

/// A body handed to the engine.
pub struct Submitted {
    /// Resolves once its valid alerts are committed; `None` when it had none.
    pub committed: Option<oneshot::Receiver<Result<(), String>>>,
    /// The errors of its invalid alerts.
    pub errors: Vec<String>,
}

/// Checks a body and hands its valid alerts to the engine without waiting for the commit, so
/// that a caller may hand over the next body meanwhile; bodies are ingested in the order they
/// are handed over.
pub async fn submit_received(
    engine: &EngineHandle,
    body: Bytes,
    now: jiff::Timestamp,
    resolve_timeout: SignedDuration,
    count: bool,
) -> Result<Submitted, IngestError> {
    let metrics = count.then_some(&*engine.shared.metrics);
    let (valid, errors) = validate(metrics, &body, now, resolve_timeout)?;
    let mut committed = None;
    if !valid.is_empty() {
        let (tx, rx) = oneshot::channel();
        let batch = IngestBatch { alerts: valid, body, received_at: now, resolve_timeout };
        engine.send(Command::Ingest(batch, tx)).await.map_err(IngestError::Engine)?;
        committed = Some(rx);
    }
    Ok(Submitted { committed, errors })
}

/// Posts alerts triage raises itself (ticket alerts, anomalies) through the same path as
/// `POST /api/v2/alerts`, so they are logged and replayed like any other.
pub async fn post_own(engine: &EngineHandle, alerts: &[Alert], resolve_timeout: SignedDuration) -> Result<(), String> {
    if alerts.is_empty() {
        return Ok(());
    }
    let body = serde_json::to_vec(&postable_json(alerts)).map_err(|e| e.to_string())?;
    ingest(engine, body.into(), resolve_timeout).await.map_err(|e| e.to_string())
}

/// Alerts as the body of `POST /api/v2/alerts`.
pub fn postable_json(alerts: &[Alert]) -> serde_json::Value {
    alerts
        .iter()
        .map(|a| {
            serde_json::json!({
                "labels": a.labels,
                "annotations": a.annotations,
                "startsAt": a.starts_at.to_string(),
                "endsAt": a.ends_at.map(|t| t.to_string()),
                "generatorURL": a.generator_url,
            })
        })
        .collect()
}
