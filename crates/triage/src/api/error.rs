//! One error type for handlers, mapped to Alertmanager's status codes and bodies.

use axum::Json;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A handler failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The body is not valid JSON or has the wrong types (400, go-swagger's JSON error form).
    #[error("{0}")]
    Parse(String),
    /// A required field is missing (422, go-swagger's validation form).
    #[error("{0}")]
    Required(String),
    /// The request is understood but invalid (400, a JSON string body as Alertmanager).
    #[error("{0}")]
    BadRequest(String),
    /// Not found (404).
    #[error("not found")]
    NotFound,
    /// Something failed inside triage (500).
    #[error("{0}")]
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Parse(m) => {
                (StatusCode::BAD_REQUEST, Json(serde_json::json!({"code": 400, "message": m}))).into_response()
            }
            ApiError::Required(m) => {
                (StatusCode::UNPROCESSABLE_ENTITY, Json(serde_json::json!({"code": 602, "message": m}))).into_response()
            }
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, Json(m)).into_response(),
            ApiError::NotFound => StatusCode::NOT_FOUND.into_response(),
            ApiError::Internal(m) => {
                tracing::error!(error = %m, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, Json(m)).into_response()
            }
        }
    }
}

/// Unknown paths.
pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "404 page not found\n").into_response()
}

/// Logs every request at debug level with its status.
pub async fn count_requests(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let resp = next.run(req).await;
    tracing::debug!(%method, %path, status = resp.status().as_u16(), "request");
    resp
}

impl From<crate::ingest::IngestError> for ApiError {
    fn from(e: crate::ingest::IngestError) -> ApiError {
        use crate::ingest::IngestError;
        match e {
            IngestError::Parse(m) => ApiError::Parse(m),
            IngestError::Required(m) => ApiError::Required(m),
            IngestError::Invalid(m) => ApiError::BadRequest(m),
            IngestError::Engine(m) => ApiError::Internal(m),
        }
    }
}
