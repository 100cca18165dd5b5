//! A source's outages put from outside (`triage poll` processes, see `crate::cli::poll`):
//!
//! - `PUT /api/v2/outages/sources/{name}`: a JSON array of outages (the form the store keeps
//!   as a source's last good state) replaces the configured source `name`'s outages, exactly
//!   as a poll of it would; 200 once applied and committed.
//! - `DELETE /api/v2/outages/sources/{name}`: drops the outages a source holds (configured
//!   or not); 200 with whether it held any.
//!
//! The body is checked whole before anything changes: it must be an array of outages, each
//! with a non-empty id unique in the array, and with no field the outage form does not have
//! (an unknown field is refused rather than dropped: it means a poller and a server of
//! different versions, and what it said would be lost). A source that is not configured is
//! 404, naming those that are. A server that polls its sources itself (without
//! `--external-pollers`) accepts the put too; its own poller replaces it at the next poll.

use std::collections::HashSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use triage_core::outage::record::Outage;

use super::AppState;
use super::error::ApiError;
use crate::engine::Command;
use crate::metrics::SourceLabel;

/// `PUT /api/v2/outages/sources/{name}`.
pub async fn put(State(st): State<AppState>, Path(name): Path<String>, body: Bytes) -> Result<Response, ApiError> {
    let configured: Vec<String> = st.runtime.load().config.outages().sources.iter().map(|s| s.name.clone()).collect();
    if !configured.contains(&name) {
        let message = format!(
            "{name:?} is not a configured outage source (configured: {}); outages are only accepted for sources in the server's configuration",
            if configured.is_empty() { "none".to_string() } else { configured.join(", ") }
        );
        return Ok((StatusCode::NOT_FOUND, Json(message)).into_response());
    }
    let outages = parse_outages(&body)?;
    let count = outages.len();
    let (tx, rx) = oneshot::channel();
    st.engine.send(Command::Outages(name.clone(), outages, Some(tx))).await.map_err(ApiError::Internal)?;
    rx.await.map_err(|_| ApiError::Internal("engine stopped".into()))?.map_err(ApiError::Internal)?;
    st.engine
        .shared
        .metrics
        .outage_source_outages
        .get_or_create(&SourceLabel { source: name.clone() })
        .set(count as i64);
    tracing::debug!(source = %name, outages = count, "outages put through the API");
    Ok(Json(json!({"source": name, "outages": count})).into_response())
}

/// `DELETE /api/v2/outages/sources/{name}`.
pub async fn forget(State(st): State<AppState>, Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    let (tx, rx) = oneshot::channel();
    st.engine.send(Command::ForgetSource(name.clone(), tx)).await.map_err(ApiError::Internal)?;
    let held = rx.await.map_err(|_| ApiError::Internal("engine stopped".into()))?.map_err(ApiError::Internal)?;
    if held {
        tracing::info!(source = %name, "outage source's outages dropped through the API");
    }
    Ok(Json(json!({"source": name, "forgotten": held})))
}

/// The outages of a body, or why it is refused.
pub fn parse_outages(body: &[u8]) -> Result<Vec<Outage>, ApiError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ApiError::Parse(format!("parsing the outages failed: {e}")))?;
    let Value::Array(items) = value else {
        return Err(ApiError::Parse(format!(
            "parsing the outages failed: expected a JSON array of outages, got {}",
            kind_of(&value)
        )));
    };
    let mut ids = HashSet::new();
    let mut outages = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let outage: Outage = serde_json::from_value(item.clone())
            .map_err(|e| ApiError::Parse(format!("parsing outage {i} failed: {e}")))?;
        let known = serde_json::to_value(&outage).map_err(|e| ApiError::Internal(e.to_string()))?;
        let mut unknown = Vec::new();
        unknown_fields(&item, &known, "", &mut unknown);
        if !unknown.is_empty() {
            return Err(ApiError::BadRequest(format!(
                "outage {i} ({:?}): unknown field{} {}",
                outage.id,
                if unknown.len() > 1 { "s" } else { "" },
                unknown.join(", ")
            )));
        }
        if outage.id.trim().is_empty() {
            return Err(ApiError::BadRequest(format!("outage {i}: the id is empty")));
        }
        if !ids.insert(outage.id.clone()) {
            return Err(ApiError::BadRequest(format!("outage {i}: the id {:?} is given twice", outage.id)));
        }
        outages.push(outage);
    }
    Ok(outages)
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The fields of `given` that the parsed form `known` does not have, as paths. A field the
/// form leaves out when empty (null, `[]`, `{}`) is not unknown.
fn unknown_fields(given: &Value, known: &Value, path: &str, out: &mut Vec<String>) {
    let (Value::Object(given), Value::Object(known)) = (given, known) else { return };
    for (key, value) in given {
        let field = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
        match known.get(key) {
            Some(k) => unknown_fields(value, k, &field, out),
            None if is_empty(value) => {}
            None => out.push(format!("`{field}`")),
        }
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> String {
        parse_outages(body.as_bytes()).unwrap_err().to_string()
    }

    const ONE: &str = r#"{"id":"ggus:1","source":"ggus","kind":"unscheduled","title":"t","starts_at":"2026-01-01T00:00:00Z","scope":{"sites":["S"]}}"#;

    #[test]
    fn an_array_of_outages_parses_with_empty_optional_fields() {
        let with_empties = ONE
            .replace(r#""scope":{"sites":["S"]}"#, r#""url":null,"ends_at":null,"scope":{"sites":["S"],"hosts":[]}"#);
        let parsed = parse_outages(format!("[{ONE}]").as_bytes()).unwrap();
        assert_eq!(parsed, parse_outages(format!("[{with_empties}]").as_bytes()).unwrap());
        assert_eq!(parsed[0].scope.sites, vec!["S".to_string()]);
        assert!(parse_outages(b"[]").unwrap().is_empty());
    }

    #[test]
    fn unknown_fields_wrong_shapes_and_bad_ids_are_named() {
        let extra = ONE.replace(r#""title":"t""#, r#""title":"t","severity":"high""#);
        assert!(
            message(&format!("[{extra}]")).contains("unknown field `severity`"),
            "{}",
            message(&format!("[{extra}]"))
        );
        let nested = ONE.replace(r#""sites":["S"]"#, r#""sites":["S"],"regions":["eu"]"#);
        assert!(message(&format!("[{nested}]")).contains("`scope.regions`"));
        assert!(message(ONE).contains("expected a JSON array of outages, got an object"));
        assert!(message("[1]").contains("parsing outage 0 failed"));
        assert!(message(&format!("[{}]", ONE.replace("unscheduled", "sometimes"))).contains("unknown variant"));
        assert!(message(&format!("[{ONE},{ONE}]")).contains("given twice"));
        assert!(message(&format!("[{}]", ONE.replace("ggus:1", " "))).contains("the id is empty"));
        assert!(message("[{").contains("parsing the outages failed"));
        assert!(message(&format!("{}1{}", "[".repeat(4000), "]".repeat(4000))).contains("parsing the outages failed"));
    }
}
