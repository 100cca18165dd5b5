//! Where a source poller's results go: into the engine of this process (`triage serve`
//! polling its own sources), or to a triage server over HTTP (`triage poll`, see
//! [`super::http_sink`]).
//!
//! Both keep the source's last good outages (GGUS tickets keep the time they were first seen
//! across polls) and read the ticket alerts the engine holds, to keep them firing or resolve
//! them.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::SignedDuration;
use parking_lot::Mutex;
use triage_core::Alert;
use triage_core::outage::record::Outage;

use super::http_sink::HttpSink;
use super::ticket_alerts;
use crate::engine::{Command, EngineHandle};

/// A poller's destination.
pub enum Sink {
    /// The engine of this process.
    Engine(EngineSink),
    /// A triage server's API.
    Http(HttpSink),
}

impl Sink {
    /// What the results go to, for messages.
    pub fn describe(&self) -> String {
        match self {
            Sink::Engine(_) => "the engine".to_string(),
            Sink::Http(h) => format!("triage at {}", h.base()),
        }
    }

    /// The source's last good outages (empty when none are known).
    pub async fn previous(&self, source: &str) -> Vec<Outage> {
        match self {
            Sink::Engine(e) => e.last.lock().get(source).cloned().unwrap_or_default(),
            Sink::Http(h) => h.previous().await,
        }
    }

    /// Remembers `outages` as the source's last good state and hands them over.
    pub async fn apply(&self, source: &str, outages: Vec<Outage>) -> Result<(), String> {
        match self {
            Sink::Engine(e) => {
                e.last.lock().insert(source.to_string(), outages.clone());
                e.engine.send(Command::Outages(source.to_string(), outages, None)).await
            }
            Sink::Http(h) => h.apply(source, outages).await,
        }
    }

    /// The GGUS ticket alerts the engine holds.
    pub async fn held_ticket_alerts(&self) -> Result<Vec<Alert>, String> {
        match self {
            Sink::Engine(e) => Ok(ticket_alerts::held(&e.engine)),
            Sink::Http(h) => h.held_ticket_alerts().await,
        }
    }

    /// Posts alerts as `POST /api/v2/alerts` would.
    pub async fn post_alerts(&self, alerts: &[Alert], resolve_timeout: SignedDuration) -> Result<(), String> {
        if alerts.is_empty() {
            return Ok(());
        }
        match self {
            Sink::Engine(e) => crate::ingest::post_own(&e.engine, alerts, resolve_timeout).await,
            Sink::Http(h) => h.post_alerts(alerts).await,
        }
    }
}

/// The engine of this process, and the last good outages of its sources (shared by the
/// pollers, kept across reloads, restored from the store at start).
pub struct EngineSink {
    /// The engine.
    pub engine: EngineHandle,
    /// Source name → its last good outages.
    pub last: Arc<Mutex<HashMap<String, Vec<Outage>>>>,
}
