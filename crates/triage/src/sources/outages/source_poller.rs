//! The polling loop of one outage source, shared by `triage serve` (results go into its
//! engine, in-process) and `triage poll` (results go to a triage server over HTTP): poll,
//! retry with backoff, hand the outages to the [`Sink`], post ticket alerts, write ticket
//! series to VictoriaMetrics, and report in the log and the metrics. Only the sink differs.
//!
//! A poll that fails changes nothing: the last good outages stay in force and the ticket
//! alerts held are posted again, so they keep firing.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use triage_core::config::outages::{OutageSourceConfig, OutageSourceType};
use triage_core::outage::ggus::series::{ggus_samples, import_body};
use triage_core::outage::record::Outage;

use super::fetch::{self, Fetched, PollError};
use super::sink::Sink;
use super::ticket_alerts;
use crate::clock::Clock;
use crate::metrics::{Metrics, SourceErrorLabel, SourceLabel};

/// The default time between polls.
pub const DEFAULT_INTERVAL: SignedDuration = SignedDuration::from_mins(5);
/// The default number of retries within a poll.
pub const DEFAULT_RETRIES: u32 = 2;

/// One source's poller.
pub struct SourcePoller {
    /// The source, as configured.
    pub source: OutageSourceConfig,
    /// The configuration's resolve_timeout (ticket alerts live at least this long).
    pub resolve_timeout: SignedDuration,
    /// Where the results go.
    pub sink: Sink,
    /// Where the poll metrics go.
    pub metrics: Arc<Metrics>,
    /// The time of a poll.
    pub clock: Arc<dyn Clock>,
}

impl SourcePoller {
    /// The time between polls (at least 100 ms).
    pub fn interval(&self) -> Duration {
        let d = self.source.interval.map_or(DEFAULT_INTERVAL, |d| d.get());
        Duration::try_from(d).unwrap_or(Duration::from_secs(300)).max(Duration::from_millis(100))
    }

    /// How long a ticket alert fires without being posted again.
    fn ticket_alert_lifetime(&self) -> SignedDuration {
        SignedDuration::try_from(self.interval() * 3).unwrap_or(DEFAULT_INTERVAL).max(self.resolve_timeout)
    }

    /// Polls every interval, for ever.
    pub async fn run(self) {
        let interval = self.interval();
        loop {
            let _ = self.poll_once().await;
            tokio::time::sleep(interval).await;
        }
    }

    /// One poll (with its retries) and everything that follows it. An error when the source
    /// could not be read or its results could not be handed over; it is logged already.
    pub async fn poll_once(&self) -> Result<(), String> {
        let name = &self.source.name;
        let label = SourceLabel { source: name.clone() };
        let now = self.clock.now();
        let previous = match self.source.source_type {
            // Only GGUS keeps something from the previous state: when each ticket was first seen.
            OutageSourceType::Ggus => self.sink.previous(name).await,
            _ => Vec::new(),
        };
        match self.poll_with_retries(&previous, now).await {
            Ok(fetched) => {
                self.metrics.outage_source_up.get_or_create(&label).set(1);
                self.metrics.outage_source_last_success.get_or_create(&label).set(now.as_second());
                self.metrics.outage_source_outages.get_or_create(&label).set(fetched.outages.len() as i64);
                tracing::debug!(source = %name, outages = fetched.outages.len(), "outage source polled");
                let applied = self.sink.apply(name, fetched.outages.clone()).await;
                let posted = match &applied {
                    Ok(()) => self.post_ticket_alerts(&fetched, now).await,
                    Err(e) => Err(self.delivery_failed("handing over the outages", e)),
                };
                self.inject(&fetched, now).await;
                applied.and(posted)
            }
            Err(e) => {
                self.metrics.outage_source_up.get_or_create(&label).set(0);
                self.count_error(e.stage);
                tracing::error!(source = %name, stage = e.stage, error = %e, "outage source poll failed; keeping its last good state");
                if self.source.ticket_alerts {
                    let kept = match self.sink.held_ticket_alerts().await {
                        Ok(held) => {
                            let alerts = ticket_alerts::keep_alive(&held, now, self.ticket_alert_lifetime());
                            self.sink.post_alerts(&alerts, self.resolve_timeout).await
                        }
                        Err(e) => Err(e),
                    };
                    if let Err(e) = kept {
                        self.delivery_failed("keeping the ticket alerts firing", &e);
                    }
                }
                Err(format!("polling {name} failed: {e}"))
            }
        }
    }

    fn count_error(&self, stage: &str) {
        self.metrics
            .outage_source_errors
            .get_or_create(&SourceErrorLabel { source: self.source.name.clone(), stage: stage.to_string() })
            .inc();
    }

    /// Logs and counts (stage `deliver`) a failure to hand results to the sink.
    fn delivery_failed(&self, what: &str, error: &str) -> String {
        self.count_error("deliver");
        tracing::error!(source = %self.source.name, sink = %self.sink.describe(), error = %error, "{what} failed; trying again at the next poll");
        format!("{what} to {} failed: {error}", self.sink.describe())
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

    /// Posts the ticket alerts of a successful GGUS poll (and resolves stale ones).
    async fn post_ticket_alerts(&self, fetched: &Fetched, now: Timestamp) -> Result<(), String> {
        let Some(tickets) = &fetched.tickets else { return Ok(()) };
        if !self.source.ticket_alerts {
            return Ok(());
        }
        let posted = match self.sink.held_ticket_alerts().await {
            Ok(held) => {
                let lifetime = self.ticket_alert_lifetime();
                let alerts = ticket_alerts::after_poll(tickets, &fetched.outages, &held, now, lifetime);
                self.sink.post_alerts(&alerts, self.resolve_timeout).await
            }
            Err(e) => Err(e),
        };
        posted.map_err(|e| self.delivery_failed("posting ticket alerts", &e))
    }

    /// Writes the tickets' series to VictoriaMetrics when `inject_url` is set.
    async fn inject(&self, fetched: &Fetched, now: Timestamp) {
        let (Some(tickets), Some(vm)) = (&fetched.tickets, &self.source.inject_url) else { return };
        let body = import_body(&ggus_samples(tickets, now));
        let timeout = self.interval().min(Duration::from_secs(30));
        if let Err(e) = crate::net::vm_import::import_json_lines(vm, body, timeout).await {
            self.count_error("inject");
            tracing::error!(source = %self.source.name, error = %e, "writing ticket series to VictoriaMetrics failed");
        }
    }
}
