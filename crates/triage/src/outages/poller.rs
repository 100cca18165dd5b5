//! One task per configured outage source: poll, retry with backoff, hand the result to the
//! engine loop (which stores it as the source's last good state), post ticket alerts, write
//! ticket series to VictoriaMetrics, and report in the log and `/metrics`.
//!
//! On reload the tasks are replaced by those of the new configuration; a source that is no
//! longer configured has its outages dropped.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use parking_lot::Mutex;
use triage_core::config::Config;
use triage_core::config::outages::OutageSourceConfig;
use triage_core::outage::ggus_series::{ggus_samples, import_body};
use triage_core::outage::record::Outage;

use super::fetch::{self, Fetched, PollError};
use super::ticket_alerts;
use crate::engine::{Command, EngineHandle};
use crate::metrics::{SourceErrorLabel, SourceLabel};

/// The default time between polls.
pub const DEFAULT_INTERVAL: SignedDuration = SignedDuration::from_mins(5);
/// The default number of retries within a poll.
pub const DEFAULT_RETRIES: u32 = 2;

/// The running pollers.
pub struct Pollers {
    engine: EngineHandle,
    /// Each source's last good outages (survives reloads; restored from the store).
    last: Arc<Mutex<HashMap<String, Vec<Outage>>>>,
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
}

impl Pollers {
    /// Pollers that start from the sources' stored last good states.
    pub fn new(engine: EngineHandle, restored: HashMap<String, Vec<Outage>>) -> Arc<Pollers> {
        Arc::new(Pollers { engine, last: Arc::new(Mutex::new(restored)), tasks: Mutex::new(Vec::new()) })
    }

    /// Replaces the running pollers with those `config` names; forgets the outages of the
    /// sources it no longer names.
    pub async fn configure(&self, config: &Config) {
        let outages = config.outages();
        for t in self.tasks.lock().drain(..) {
            t.abort();
        }
        let names: BTreeSet<String> = outages.sources.iter().map(|s| s.name.clone()).collect();
        let gone: Vec<String> = self.last.lock().keys().filter(|k| !names.contains(*k)).cloned().collect();
        for name in gone {
            self.last.lock().remove(&name);
            tracing::info!(source = %name, "outage source no longer configured; its outages are dropped");
            let _ = self.engine.send(Command::ForgetSource(name)).await;
        }
        let resolve_timeout = config.resolve_timeout();
        let mut tasks = self.tasks.lock();
        for source in outages.sources.iter().cloned() {
            let poller =
                SourcePoller { engine: self.engine.clone(), last: Arc::clone(&self.last), resolve_timeout, source };
            tasks.push(tokio::spawn(poller.run()).abort_handle());
        }
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        for t in self.tasks.lock().drain(..) {
            t.abort();
        }
    }
}

struct SourcePoller {
    engine: EngineHandle,
    last: Arc<Mutex<HashMap<String, Vec<Outage>>>>,
    resolve_timeout: SignedDuration,
    source: OutageSourceConfig,
}

impl SourcePoller {
    fn interval(&self) -> Duration {
        let d = self.source.interval.map_or(DEFAULT_INTERVAL, |d| d.get());
        Duration::try_from(d).unwrap_or(Duration::from_secs(300)).max(Duration::from_millis(100))
    }

    /// How long a ticket alert fires without being posted again.
    fn ticket_alert_lifetime(&self) -> SignedDuration {
        SignedDuration::try_from(self.interval() * 3).unwrap_or(DEFAULT_INTERVAL).max(self.resolve_timeout)
    }

    async fn run(self) {
        let interval = self.interval();
        loop {
            self.poll_once().await;
            tokio::time::sleep(interval).await;
        }
    }

    async fn poll_once(&self) {
        let name = &self.source.name;
        let metrics = Arc::clone(&self.engine.shared.metrics);
        let label = SourceLabel { source: name.clone() };
        let now = self.engine.shared.clock.now();
        let previous = self.last.lock().get(name).cloned().unwrap_or_default();
        match self.poll_with_retries(&previous, now).await {
            Ok(fetched) => {
                metrics.outage_source_up.get_or_create(&label).set(1);
                metrics.outage_source_last_success.get_or_create(&label).set(now.as_second());
                metrics.outage_source_outages.get_or_create(&label).set(fetched.outages.len() as i64);
                tracing::debug!(source = %name, outages = fetched.outages.len(), "outage source polled");
                self.last.lock().insert(name.clone(), fetched.outages.clone());
                if self.engine.send(Command::Outages(name.clone(), fetched.outages.clone())).await.is_err() {
                    return;
                }
                self.after_success(&fetched, now).await;
            }
            Err(e) => {
                metrics.outage_source_up.get_or_create(&label).set(0);
                metrics
                    .outage_source_errors
                    .get_or_create(&SourceErrorLabel { source: name.clone(), stage: e.stage.to_string() })
                    .inc();
                tracing::error!(source = %name, stage = e.stage, error = %e, "outage source poll failed; keeping its last good state");
                if self.source.ticket_alerts {
                    let held = ticket_alerts::held(&self.engine);
                    let alerts = ticket_alerts::keep_alive(&held, now, self.ticket_alert_lifetime());
                    if let Err(e) = crate::api::alerts::post_own(&self.engine, &alerts, self.resolve_timeout).await {
                        tracing::error!(source = %name, error = %e, "posting ticket alerts failed");
                    }
                }
            }
        }
    }

    async fn poll_with_retries(&self, previous: &[Outage], now: Timestamp) -> Result<Fetched, PollError> {
        let retries = self.source.retries.unwrap_or(DEFAULT_RETRIES);
        let mut backoff = Duration::from_secs(1).min(self.interval() / 4);
        let mut attempt = 0;
        loop {
            match fetch::poll(&self.source, previous, now).await {
                Ok(f) => return Ok(f),
                // A document that does not parse will not parse better a second later.
                Err(e) if e.stage == "parse" || attempt >= retries => return Err(e),
                Err(e) => {
                    tracing::warn!(source = %self.source.name, attempt = attempt + 1, error = %e, "outage source poll failed; retrying");
                    attempt += 1;
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(self.interval());
                }
            }
        }
    }

    async fn after_success(&self, fetched: &Fetched, now: Timestamp) {
        let name = &self.source.name;
        let Some(tickets) = &fetched.tickets else { return };
        if self.source.ticket_alerts {
            let held = ticket_alerts::held(&self.engine);
            let alerts = ticket_alerts::after_poll(tickets, &fetched.outages, &held, now, self.ticket_alert_lifetime());
            if let Err(e) = crate::api::alerts::post_own(&self.engine, &alerts, self.resolve_timeout).await {
                tracing::error!(source = %name, error = %e, "posting ticket alerts failed");
            }
        }
        if let Some(vm) = &self.source.inject_url {
            let body = import_body(&ggus_samples(tickets, now));
            let timeout = self.interval().min(Duration::from_secs(30));
            if let Err(e) = crate::vm_import::import_json_lines(vm, body, timeout).await {
                self.engine
                    .shared
                    .metrics
                    .outage_source_errors
                    .get_or_create(&SourceErrorLabel { source: name.clone(), stage: "inject".into() })
                    .inc();
                tracing::error!(source = %name, error = %e, "writing ticket series to VictoriaMetrics failed");
            }
        }
    }
}
