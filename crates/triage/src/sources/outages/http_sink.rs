//! A source poller's results sent to a triage server over HTTP (`triage poll`):
//!
//! - the outages with `PUT /api/v2/outages/sources/{name}` (answered once applied and
//!   committed);
//! - ticket alerts with `POST /api/v2/alerts`;
//! - the ticket alerts held are read back with `GET /api/v2/alerts?filter=service="GGUS"`,
//!   not kept by the poller: the server is the one truth, so a restarted poller still keeps
//!   firing, or resolves, the alerts an earlier one posted;
//! - the previous state (when GGUS tickets were first seen) is this process's last good
//!   state; at start, before it has one, `GET /api/v2/outages` (whatever triage lists,
//!   matched by outage id).
//!
//! The bearer token file is read at every request, so a renewed token is picked up without
//! a restart. Failures are messages naming the server and what to check.

use std::path::PathBuf;

use jiff::Timestamp;
use parking_lot::Mutex;
use reqwest::Method;
use serde::Deserialize;
use triage_core::outage::record::Outage;
use triage_core::{Alert, LabelSet};

use super::ticket_alerts::is_ticket_alert;
use crate::net::endpoint::{Credentials, Endpoint, read_secret};

/// A triage server taking one source's results.
pub struct HttpSink {
    url: String,
    token_file: Option<PathBuf>,
    /// This process's last good outages of the source.
    last: Mutex<Option<Vec<Outage>>>,
}

/// An alert as `GET /api/v2/alerts` lists it (the parts that make it postable again).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedAlert {
    labels: LabelSet,
    #[serde(default)]
    annotations: LabelSet,
    starts_at: Timestamp,
    ends_at: Option<Timestamp>,
    updated_at: Option<Timestamp>,
    #[serde(rename = "generatorURL", default)]
    generator_url: String,
}

impl HttpSink {
    /// A sink for the triage at `url`, authenticating with the token in `token_file`. Checks
    /// the URL and reads the token once, so a mistake is reported at start.
    pub fn new(url: &str, token_file: Option<PathBuf>) -> Result<HttpSink, String> {
        let sink = HttpSink { url: url.to_string(), token_file, last: Mutex::new(None) };
        sink.endpoint()?;
        Ok(sink)
    }

    /// triage's base URL.
    pub fn base(&self) -> &str {
        self.url.trim_end_matches('/')
    }

    fn endpoint(&self) -> Result<Endpoint, String> {
        let credentials = match &self.token_file {
            Some(path) => Credentials::Bearer(read_secret(path, "--token-file").map_err(|e| e.to_string())?),
            None => Credentials::None,
        };
        Endpoint::new(&self.url, "--triage", "triage", credentials, "check --token-file (a token with the write scope)")
            .map_err(|e| e.to_string())
    }

    /// The last good outages this process handed over, or, before the first, what triage
    /// lists (empty when it cannot be asked).
    pub async fn previous(&self) -> Vec<Outage> {
        if let Some(last) = self.last.lock().clone() {
            return last;
        }
        let listed = async {
            let endpoint = self.endpoint()?;
            let value = endpoint.get_json("api/v2/outages", &[]).await.map_err(|e| e.to_string())?;
            let items = value.as_array().cloned().unwrap_or_default();
            Ok::<_, String>(items.into_iter().filter_map(|v| serde_json::from_value::<Outage>(v).ok()).collect())
        };
        match listed.await {
            Ok(outages) => outages,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read triage's outages; GGUS tickets count as first seen now");
                Vec::new()
            }
        }
    }

    /// Remembers `outages` and puts them as `source`'s state.
    pub async fn apply(&self, source: &str, outages: Vec<Outage>) -> Result<(), String> {
        let body = serde_json::to_value(&outages).map_err(|e| e.to_string())?;
        *self.last.lock() = Some(outages);
        let endpoint = self.endpoint()?;
        let mut url = endpoint.url("api/v2/outages/sources", &[]);
        url.path_segments_mut().map_err(|()| format!("{} cannot be a base URL", self.base()))?.push(source);
        let (status, answer) =
            endpoint.send_raw(Method::PUT, url.clone(), Some(&body)).await.map_err(|e| e.to_string())?;
        if status == 404 && answer.starts_with(b"\"") {
            // triage's own 404 (not a configured source) says why; another server's does not.
            let why: String = serde_json::from_slice(&answer).unwrap_or_default();
            return Err(format!("{} refused the outages (HTTP 404): {why}", crate::net::endpoint::redacted(&url)));
        }
        endpoint.check_status(&url, status, answer).map(drop).map_err(|e| e.to_string())
    }

    /// The GGUS ticket alerts triage holds (firing or not yet expired).
    pub async fn held_ticket_alerts(&self) -> Result<Vec<Alert>, String> {
        let endpoint = self.endpoint()?;
        let url = endpoint.url("api/v2/alerts", &[("filter", "service=\"GGUS\"")]);
        let body = endpoint.send(Method::GET, url.clone(), None).await.map_err(|e| e.to_string())?;
        let listed: Vec<ListedAlert> = serde_json::from_slice(&body)
            .map_err(|e| format!("unreadable answer from {}: {e}", crate::net::endpoint::redacted(&url)))?;
        Ok(listed
            .into_iter()
            .filter(|a| is_ticket_alert(&a.labels))
            .map(|a| Alert {
                updated_at: a.updated_at.unwrap_or(a.starts_at),
                labels: a.labels,
                annotations: a.annotations,
                starts_at: a.starts_at,
                ends_at: a.ends_at,
                generator_url: a.generator_url,
                timeout: false,
            })
            .collect())
    }

    /// Posts alerts to `POST /api/v2/alerts`.
    pub async fn post_alerts(&self, alerts: &[Alert]) -> Result<(), String> {
        let endpoint = self.endpoint()?;
        let url = endpoint.url("api/v2/alerts", &[]);
        let body = crate::ingest::postable_json(alerts);
        endpoint.send(Method::POST, url, Some(&body)).await.map(drop).map_err(|e| e.to_string())
    }
}
