//! Node monitoring over HTTP: `POST /api/v2/nodes/samples` takes samples pushed by
//! `triage agent` (bearer token of `logwatch.push`), `GET /api/v2/nodes` lists the hosts with
//! their latest stats.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::AppState;
use crate::sources::logwatch::watch::PushError;

/// Records pushed samples; answers with the count accepted and skipped by reason.
pub async fn push(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|v| v.trim().to_string());
    let watch = st.nodewatch.clone();
    let result = tokio::task::spawn_blocking(move || watch.push(bearer.as_deref(), &body)).await;
    let error = |status: StatusCode, message: String| (status, Json(serde_json::json!({"error": message})));
    match result {
        Ok(Ok(report)) => Json(report).into_response(),
        Ok(Err(e @ PushError::Unauthorized)) => {
            let mut response = error(StatusCode::UNAUTHORIZED, e.to_string()).into_response();
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            response
        }
        Ok(Err(e @ PushError::Disabled)) => error(StatusCode::FORBIDDEN, e.to_string()).into_response(),
        Ok(Err(e @ PushError::TooLarge)) => error(StatusCode::PAYLOAD_TOO_LARGE, e.to_string()).into_response(),
        Ok(Err(e @ PushError::Token(_))) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// One host in the listing.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HostView {
    host: String,
    last_seen: String,
    stats: BTreeMap<String, f64>,
}

/// The hosts, sorted, with the time of their newest sample and their latest stats.
pub async fn list(State(st): State<AppState>) -> Response {
    let series = st.nodewatch.series().lock();
    let mut hosts: Vec<HostView> = series
        .hosts()
        .map(|host| {
            let stats = series
                .stats_of(host)
                .filter_map(|stat| series.latest(host, stat).map(|(_, v)| (stat.to_string(), v)))
                .collect();
            let last_seen = series
                .last_seen_ms(host)
                .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
                .map(|t| t.to_string())
                .unwrap_or_default();
            HostView { host: host.to_string(), last_seen, stats }
        })
        .collect();
    drop(series);
    hosts.sort_by(|a, b| a.host.cmp(&b.host));
    Json(hosts).into_response()
}
