//! Outages and maintenance windows (triage's own endpoints):
//!
//! - `GET /api/v2/outages`: every outage in force or known (sources', windows', maintenance
//!   alerts'), each with `active` and the alerts it hides now.
//! - `GET /api/v2/outages/{id}/suppressions` and `GET /api/v2/suppressions?outage=&fingerprint=&open=&limit=`:
//!   which alerts an outage hid, from when to when, newest first.
//! - `GET /api/v2/maintenances`, `POST /api/v2/maintenances` (create with no `id`, replace
//!   with one), `DELETE /api/v2/maintenance/{id}` (ends it now; it stays listed).

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::json;
use tokio::sync::oneshot;
use triage_core::Fingerprint;
use triage_core::outage::maintenance::MaintenanceWindow;

use super::AppState;
use super::error::ApiError;
use super::query::pairs;
use crate::engine::Command;
use crate::store::{Store, SuppressionQuery};

/// `GET /api/v2/outages`.
pub async fn list(State(st): State<AppState>) -> Json<serde_json::Value> {
    let now = st.engine.shared.clock.now();
    let engine = st.engine.shared.engine.read();
    let mut hiding: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    for (fp, a) in engine.alerts_by_fingerprint() {
        if a.resolved_at(now) {
            continue;
        }
        if let Some(o) = engine.outage_hiding(&a.labels, now) {
            hiding.entry(o.id.as_str()).or_default().push(fp.to_string());
        }
    }
    let out: Vec<serde_json::Value> = engine
        .outages()
        .map(|o| {
            let mut v = serde_json::to_value(o).unwrap_or_default();
            v["active"] = json!(engine.outage_active(&o.id, now));
            v["hiding"] = json!(hiding.get(o.id.as_str()).cloned().unwrap_or_default());
            v
        })
        .collect();
    Json(json!(out))
}

/// `GET /api/v2/outages/{id}/suppressions`.
pub async fn suppressions_of(
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut q = query(raw.as_deref())?;
    q.outage_id = Some(id);
    read(&st, &q).await
}

/// `GET /api/v2/suppressions`.
pub async fn suppressions(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    read(&st, &query(raw.as_deref())?).await
}

fn query(raw: Option<&str>) -> Result<SuppressionQuery, ApiError> {
    let mut q = SuppressionQuery { limit: 1000, ..Default::default() };
    for (k, v) in pairs(raw) {
        match k.as_str() {
            "outage" => q.outage_id = Some(v),
            "fingerprint" => {
                q.fingerprint = Some(
                    Fingerprint::parse(&v).ok_or_else(|| ApiError::BadRequest(format!("invalid fingerprint {v:?}")))?,
                )
            }
            "open" => {
                q.open_only =
                    v.parse().map_err(|_| ApiError::BadRequest(format!("invalid open {v:?} (true or false)")))?
            }
            "limit" => q.limit = v.parse().map_err(|_| ApiError::BadRequest(format!("invalid limit {v:?}")))?,
            _ => {}
        }
    }
    Ok(q)
}

async fn read(st: &AppState, q: &SuppressionQuery) -> Result<Json<serde_json::Value>, ApiError> {
    let rows = st.reloader.store.suppressions(q).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(json!(rows)))
}

/// `GET /api/v2/maintenances`: windows, from the engine's outages (ended ones included while
/// stored).
pub async fn list_windows(State(st): State<AppState>) -> Json<serde_json::Value> {
    let now = st.engine.shared.clock.now();
    let engine = st.engine.shared.engine.read();
    let windows: Vec<serde_json::Value> = engine
        .windows()
        .map(|w| {
            let mut v = serde_json::to_value(w).unwrap_or_default();
            v["active"] = json!(w.active_at(now));
            v
        })
        .collect();
    Json(json!(windows))
}

/// `POST /api/v2/maintenances`.
pub async fn put_window(
    State(st): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Json<MaintenanceWindow>, ApiError> {
    let window: MaintenanceWindow = serde_json::from_slice(&body)
        .map_err(|e| ApiError::Parse(format!("parsing the maintenance window failed: {e}")))?;
    let (tx, rx) = oneshot::channel();
    st.engine.send(Command::PutWindow(Box::new(window), tx)).await.map_err(ApiError::Internal)?;
    let res = rx.await.map_err(|_| ApiError::Internal("engine stopped".into()))?;
    res.map(Json).map_err(ApiError::BadRequest)
}

/// `DELETE /api/v2/maintenance/{id}`.
pub async fn end_window(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<MaintenanceWindow>, ApiError> {
    let (tx, rx) = oneshot::channel();
    st.engine.send(Command::EndWindow(id, tx)).await.map_err(ApiError::Internal)?;
    let res = rx.await.map_err(|_| ApiError::Internal("engine stopped".into()))?;
    res.map(Json)
        .map_err(|e| if e.starts_with("no maintenance window") { ApiError::NotFound } else { ApiError::BadRequest(e) })
}
