//! `GET/POST /api/v2/silences`, `GET/DELETE /api/v2/silence/{id}`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;
use triage_core::silence::{GettableSilence, PostableSilence, SilenceError};

use super::AppState;
use super::error::ApiError;
use super::query::{pairs, parse_filters};
use crate::engine::Command;

fn silence_error(e: SilenceError) -> ApiError {
    match e {
        SilenceError::NotFound => ApiError::NotFound,
        other => ApiError::BadRequest(other.to_string()),
    }
}

/// Lists silences matching every `filter` matcher, in Alertmanager's order.
pub async fn list(State(st): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<Vec<GettableSilence>>, ApiError> {
    let pairs = pairs(raw.as_deref());
    let filter = parse_filters(pairs.iter().filter(|(k, _)| k == "filter").map(|(_, v)| v.as_str()))?;
    let now = st.engine.shared.clock.now();
    let engine = st.engine.shared.engine.read();
    Ok(Json(engine.silences.query(&filter, now).into_iter().map(|s| GettableSilence::new(s, now)).collect()))
}

/// Creates or updates a silence.
pub async fn post(State(st): State<AppState>, body: Bytes) -> Result<Json<serde_json::Value>, ApiError> {
    let posted: PostableSilence = serde_json::from_slice(&body).map_err(|e| {
        let msg = e.to_string();
        if let Some(rest) = msg.strip_prefix("missing field `") {
            ApiError::Required(format!("{} in body is required", rest.split('`').next().unwrap_or("")))
        } else if msg.contains("in body should have at least") {
            // A schema violation, which go-swagger answers with 422.
            ApiError::Required(msg.split(" at line ").next().unwrap_or(&msg).to_string())
        } else {
            ApiError::Parse(format!("parsing silence body failed, because {msg}"))
        }
    })?;
    let (tx, rx) = oneshot::channel();
    st.engine.send(Command::SetSilence(posted, tx)).await.map_err(ApiError::Internal)?;
    let id = rx.await.map_err(|_| ApiError::Internal("engine stopped".into()))?.map_err(silence_error)?;
    Ok(Json(serde_json::json!({ "silenceID": id })))
}

/// One silence by id.
pub async fn get_one(State(st): State<AppState>, Path(id): Path<String>) -> Result<Json<GettableSilence>, ApiError> {
    let now = st.engine.shared.clock.now();
    let engine = st.engine.shared.engine.read();
    engine.silences.get(&id).map(|s| Json(GettableSilence::new(s, now))).ok_or(ApiError::NotFound)
}

/// Expires a silence. As in Alertmanager 0.25, expiring an expired one changes nothing and
/// answers 200, and an unknown id answers 500 "silence not found".
pub async fn expire(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let (tx, rx) = oneshot::channel();
    st.engine.send(Command::ExpireSilence(id, tx)).await.map_err(ApiError::Internal)?;
    match rx.await.map_err(|_| ApiError::Internal("engine stopped".into()))? {
        Ok(()) | Err(SilenceError::AlreadyExpired(_)) => Ok(StatusCode::OK.into_response()),
        Err(e @ SilenceError::NotFound) => Ok((StatusCode::INTERNAL_SERVER_ERROR, Json(e.to_string())).into_response()),
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}
