//! Classification on the API (triage's own endpoints):
//!
//! - `POST /api/v2/classify` with `{"labels": {...}, "annotations": {...}}`: the category and
//!   confidence the running model gives that text.
//! - `POST /api/v2/feedback` with `{"fingerprint": "...", "category": "storage"}` (or
//!   `"noise"`; `labels`/`annotations` instead of a fingerprint for an alert no longer held):
//!   stored, and used by the next training.
//! - `GET /api/v2/feedback`: every feedback as CSV with the columns `at, fingerprint,
//!   alertname, summary, description, labels, category`, ready for
//!   `triage train --feedback FILE --text-columns alertname,summary,description,labels --label-column category`.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use triage_core::classify::FeedbackLabel;
use triage_core::{Fingerprint, LabelSet};

use super::AppState;
use super::error::ApiError;
use crate::engine::Command;

/// The state namespace of feedback.
pub const FEEDBACK_NS: &str = "feedback";

/// A text to classify.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRequest {
    /// The alert's labels.
    #[serde(default)]
    pub labels: LabelSet,
    /// Its annotations.
    #[serde(default)]
    pub annotations: LabelSet,
}

/// `POST /api/v2/classify`.
pub async fn classify(
    State(st): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let req: ClassifyRequest =
        serde_json::from_slice(&body).map_err(|e| ApiError::Parse(format!("parsing the request failed: {e}")))?;
    let categories = &st.engine.shared.categories;
    let (category, confidence) = tokio::task::block_in_place(|| categories.classify(&req.labels, &req.annotations))
        .ok_or_else(|| ApiError::BadRequest("classification is disabled".into()))?;
    Ok(Json(serde_json::json!({"category": category, "confidence": confidence})))
}

/// Feedback as posted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The alert it is about (its labels and annotations are taken from the held alert).
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Or the alert's labels.
    #[serde(default)]
    pub labels: Option<LabelSet>,
    /// And annotations.
    #[serde(default)]
    pub annotations: Option<LabelSet>,
    /// A category name or `noise`.
    pub category: String,
}

/// Feedback as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredFeedback {
    /// When it was given.
    pub at: jiff::Timestamp,
    /// The alert.
    pub fingerprint: String,
    /// Its text.
    pub alertname: String,
    /// Its `summary`.
    pub summary: String,
    /// Its `description`.
    pub description: String,
    /// Its other labels, `name=value` separated by spaces.
    pub labels: String,
    /// A category or `noise`.
    pub category: String,
}

/// `POST /api/v2/feedback`.
pub async fn post(State(st): State<AppState>, body: axum::body::Bytes) -> Result<Json<StoredFeedback>, ApiError> {
    let req: FeedbackRequest =
        serde_json::from_slice(&body).map_err(|e| ApiError::Parse(format!("parsing the feedback failed: {e}")))?;
    let label: FeedbackLabel = req.category.parse().map_err(|e| ApiError::BadRequest(format!("{e} or noise")))?;
    let (labels, annotations, fingerprint) = match (&req.fingerprint, req.labels) {
        (Some(fp), _) => {
            let parsed =
                Fingerprint::parse(fp).ok_or_else(|| ApiError::BadRequest(format!("invalid fingerprint {fp:?}")))?;
            let engine = st.engine.shared.engine.read();
            let a = engine
                .alert(parsed)
                .ok_or_else(|| ApiError::BadRequest(format!("no alert {fp} is held; send its labels instead")))?;
            (a.labels.clone(), a.annotations.clone(), fp.clone())
        }
        (None, Some(labels)) => {
            let fp = labels.fingerprint().to_string();
            (labels, req.annotations.unwrap_or_default(), fp)
        }
        (None, None) => return Err(ApiError::BadRequest("give the alert's fingerprint or its labels".into())),
    };
    let category = match label {
        FeedbackLabel::Noise => "noise".to_string(),
        FeedbackLabel::Category(c) => c.as_str().to_string(),
    };
    let stored = StoredFeedback {
        at: st.engine.shared.clock.now(),
        fingerprint: fingerprint.clone(),
        alertname: labels.value("alertname").to_string(),
        summary: annotations.value("summary").to_string(),
        description: annotations.value("description").to_string(),
        labels: labels
            .iter()
            .filter(|(k, _)| *k != "alertname")
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
        category,
    };
    let json = serde_json::to_string(&stored).map_err(|e| ApiError::Internal(e.to_string()))?;
    let (tx, rx) = oneshot::channel();
    st.engine.send(Command::PutState(FEEDBACK_NS, fingerprint, json, tx)).await.map_err(ApiError::Internal)?;
    rx.await.map_err(|_| ApiError::Internal("engine stopped".into()))?.map_err(ApiError::Internal)?;
    Ok(Json(stored))
}

/// `GET /api/v2/feedback`: CSV.
pub async fn list(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    use crate::store::Store;
    let rows = st.reloader.store.states(FEEDBACK_NS).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = ["at", "fingerprint", "alertname", "summary", "description", "labels", "category"];
    out.write_record(header).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut feedback: Vec<StoredFeedback> = rows.iter().filter_map(|(_, v)| serde_json::from_str(v).ok()).collect();
    feedback.sort_by_key(|f| f.at);
    for f in feedback {
        let at = f.at.to_string();
        out.write_record([
            at.as_str(),
            &f.fingerprint,
            &f.alertname,
            &f.summary,
            &f.description,
            &f.labels,
            &f.category,
        ])
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    let bytes = out.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes))
}
