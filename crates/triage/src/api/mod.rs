//! The HTTP surface: Alertmanager's API v2, health and reload endpoints, `/metrics`, and
//! triage's own endpoints (history, notifications, deliveries, nodes, outages, maintenances),
//! and the web UI's files.
//! Handlers are thin: they parse, ask the engine or read its state, and map errors with
//! [`error::ApiError`].

pub mod alerts;
pub mod analytics;
pub mod auth;
pub mod error;
pub mod feedback;
pub mod groups;
pub mod incidents;
pub mod nodes;
pub mod outage_sources;
pub mod outages;
pub mod query;
pub mod silences;
pub mod status;
pub mod ui;

use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use tower_http::limit::RequestBodyLimitLayer;

use crate::config::runtime::{Reloader, Runtime};
use crate::engine::EngineHandle;
use crate::sources::logwatch::watch::NodeWatch;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The engine.
    pub engine: EngineHandle,
    /// The running configuration.
    pub runtime: Arc<ArcSwap<Runtime>>,
    /// Reloads the configuration file.
    pub reloader: Arc<Reloader>,
    /// Node monitoring: pushed samples and the hosts' series.
    pub nodewatch: Arc<NodeWatch>,
    /// The ingest bus posted alerts go through, when triage runs as several processes.
    pub bus: Option<crate::ingest::bus::IngestBus>,
}

/// The router, with request bodies limited to `max_body` bytes (413 beyond).
pub fn router(state: AppState, max_body: usize) -> Router {
    Router::new()
        .route("/api/v2/alerts", get(alerts::list).post(alerts::post))
        .route("/api/v2/alerts/groups", get(groups::list))
        .route("/api/v2/silences", get(silences::list).post(silences::post))
        .route("/api/v2/silence/{id}", get(silences::get_one).delete(silences::expire))
        .route("/api/v2/status", get(status::status))
        .route("/api/v2/receivers", get(status::receivers))
        .route("/-/healthy", get(status::healthy).head(status::healthy))
        .route("/-/ready", get(status::healthy).head(status::healthy))
        .route("/-/reload", post(status::reload))
        .route("/metrics", get(status::metrics))
        .route("/api/v1/alerts", post(alerts::v1_gone).get(alerts::v1_gone))
        .route("/api/v2/history", get(status::history))
        .route("/api/v2/notifications", get(status::notifications))
        .route("/api/v2/deliveries", get(status::deliveries))
        .route("/api/v2/nodes", get(nodes::list))
        .route("/api/v2/nodes/samples", post(nodes::push))
        .route("/api/v2/classify", post(feedback::classify))
        .route("/api/v2/feedback", get(feedback::list).post(feedback::post))
        .route("/api/v2/outages", get(outages::list))
        .route("/api/v2/incidents", get(incidents::list))
        .route("/api/v2/incidents/{id}", get(incidents::get_one))
        .route("/api/v2/analytics", get(analytics::analytics))
        .route("/api/v2/outages/{id}/suppressions", get(outages::suppressions_of))
        .route("/api/v2/outages/sources/{name}", put(outage_sources::put).delete(outage_sources::forget))
        .route("/api/v2/suppressions", get(outages::suppressions))
        .route("/api/v2/maintenances", get(outages::list_windows).post(outages::put_window))
        .route("/api/v2/maintenance/{id}", axum::routing::delete(outages::end_window))
        .merge(ui::routes())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn(error::count_requests))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(max_body))
        .with_state(state)
}
