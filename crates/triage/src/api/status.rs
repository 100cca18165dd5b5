//! Status, receivers, health, reload, metrics, and triage's own history endpoints.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use triage_core::labels::Fingerprint;

use super::AppState;
use super::error::ApiError;
use super::query::pairs;
use crate::store::{HistoryQuery, Store};
use triage_core::time::format_millis;

/// `GET /api/v2/status`.
pub async fn status(State(st): State<AppState>) -> Json<serde_json::Value> {
    let rt = st.runtime.load();
    Json(json!({
        "cluster": {"name": "", "peers": [], "status": "disabled"},
        "config": {"original": rt.config_yaml},
        "uptime": format_millis(Some(rt.started)),
        // `version` is the Alertmanager API level triage implements, so that amtool and karma
        // treat it as the Alertmanager they know; triage's own version is in `revision`.
        "versionInfo": {
            "branch": "triage",
            "buildDate": "",
            "buildUser": "",
            "goVersion": "",
            "revision": concat!("triage-", env!("CARGO_PKG_VERSION")),
            "version": "0.25.0",
        }
    }))
}

/// `GET /api/v2/receivers`.
pub async fn receivers(State(st): State<AppState>) -> Json<serde_json::Value> {
    let rt = st.runtime.load();
    Json(json!(rt.receiver_names.iter().map(|n| json!({"name": n})).collect::<Vec<_>>()))
}

/// `/-/healthy` and `/-/ready`.
pub async fn healthy() -> &'static str {
    "OK"
}

/// `POST /-/reload`: re-reads the configuration file; on error the running one stays.
pub async fn reload(State(st): State<AppState>) -> Response {
    match st.reloader.reload().await {
        Ok(()) => (StatusCode::OK, "").into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("failed to reload config: {e}\n")).into_response(),
    }
}

/// `/metrics`.
pub async fn metrics(State(st): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let (content_type, text) = st.engine.shared.metrics.scrape(accept);
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}

/// `GET /api/v2/history?fingerprint=…&limit=…`: state changes, newest first.
pub async fn history(State(st): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<serde_json::Value>, ApiError> {
    let mut q = HistoryQuery { limit: 1000, ..Default::default() };
    for (k, v) in pairs(raw.as_deref()) {
        match k.as_str() {
            "fingerprint" => {
                q.fingerprint = Some(
                    Fingerprint::parse(&v).ok_or_else(|| ApiError::BadRequest(format!("invalid fingerprint {v:?}")))?,
                )
            }
            "limit" => q.limit = v.parse().map_err(|_| ApiError::BadRequest(format!("invalid limit {v:?}")))?,
            _ => {}
        }
    }
    let rows = st.reloader.store.history(&q).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(json!(
        rows.iter()
            .map(|t| json!({
                "fingerprint": t.fingerprint.to_string(),
                "at": format_millis(Some(t.at)),
                "state": t.state,
                "labels": serde_json::from_str::<serde_json::Value>(&t.labels_json).unwrap_or_default(),
            }))
            .collect::<Vec<_>>()
    )))
}

/// `GET /api/v2/notifications?limit=…`: notification decisions (sent, failed, skipped and
/// why), newest first.
pub async fn notifications(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut limit = 1000;
    for (k, v) in pairs(raw.as_deref()) {
        if k == "limit" {
            limit = v.parse().map_err(|_| ApiError::BadRequest(format!("invalid limit {v:?}")))?;
        }
    }
    let rows = st.reloader.store.notifications(None, limit).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(json!(
        rows.iter()
            .map(|r| json!({
                "at": format_millis(Some(r.at)),
                "groupKey": r.group_key,
                "receiver": r.receiver,
                "integration": r.integration,
                "outcome": r.outcome,
                "detail": r.detail,
                "alerts": r.alerts,
            }))
            .collect::<Vec<_>>()
    )))
}

/// `GET /api/v2/deliveries?state=…&limit=…`: the outbox, newest first: each notification's
/// state (pending, retrying, delivered, failed, superseded), attempts and last error.
pub async fn deliveries(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<crate::store::outbox::OutboxRow>>, ApiError> {
    let mut limit = 1000;
    let mut state = None;
    for (k, v) in pairs(raw.as_deref()) {
        match k.as_str() {
            "limit" => limit = v.parse().map_err(|_| ApiError::BadRequest(format!("invalid limit {v:?}")))?,
            "state" => {
                state = Some(
                    crate::store::outbox::OutboxState::parse(&v)
                        .ok_or_else(|| ApiError::BadRequest(format!("invalid state {v:?}")))?,
                )
            }
            _ => {}
        }
    }
    let rows = st.reloader.store.outbox(state, limit).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(rows))
}
