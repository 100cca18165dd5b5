//! Notifiers: deliver a decided notification to its integration, retrying with backoff.
//!
//! A notifier says whether a failure is worth retrying ([`DeliveryError`]); the retry loop
//! here is shared by all of them and stops at the notification's deadline.

pub mod attach;
pub mod compose;
pub mod email;
pub mod http_kinds;
pub mod jira;
pub mod mattermost;
pub mod registry;
pub mod slack;
pub mod sns;
pub mod upstream;
pub mod webhook;
pub mod wechat;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use rand::Rng;
use triage_core::engine::Outgoing;
use triage_core::go_template::Templates;
use triage_core::template::Renderer;

pub use registry::{ComposeInput, Integration, Prepared};

use crate::clock::Clock;

/// The node series, shared with the e-mail plots.
pub type SharedSeries = Arc<parking_lot::Mutex<triage_core::nodewatch::NodeSeries>>;

pub use crate::net::retry::DeliveryError;

/// One configured integration of a receiver.
pub type Target = Arc<dyn Integration>;

/// A finished delivery: how many attempts it took, and warnings (a template that failed and
/// was replaced by the default).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Delivery {
    /// Attempts made.
    pub attempts: u32,
    /// Warnings to record with the notification.
    pub warnings: Vec<String>,
}

/// A failed delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// Attempts made.
    pub attempts: u32,
    /// Why it failed.
    pub error: String,
}

/// Receivers' integrations by receiver name, in the order the engine indexes them.
pub type Targets = HashMap<String, Vec<Target>>;

/// Everything needed to deliver notifications; targets are swapped on reload.
pub struct Notifiers {
    targets: ArcSwap<Targets>,
    renderer: ArcSwap<Renderer>,
    templates: ArcSwap<Templates>,
    client: reqwest::Client,
    external_url: String,
    node_series: SharedSeries,
}

const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

impl Notifiers {
    /// Notifiers with an HTTP client of `timeout` per request; e-mails plot node alerts from
    /// `node_series`.
    pub fn new(
        targets: Targets,
        renderer: Renderer,
        templates: Templates,
        external_url: String,
        timeout: Duration,
        node_series: SharedSeries,
    ) -> Notifiers {
        let client = crate::net::client::builder(timeout).build().expect("HTTP client");
        Notifiers {
            targets: ArcSwap::from_pointee(targets),
            renderer: ArcSwap::from_pointee(renderer),
            templates: ArcSwap::from_pointee(templates),
            client,
            external_url,
            node_series,
        }
    }

    /// Replaces the targets and templates (reload).
    pub fn swap(&self, targets: Targets, renderer: Renderer, templates: Templates) {
        self.templates.store(Arc::new(templates));
        self.targets.store(Arc::new(targets));
        self.renderer.store(Arc::new(renderer));
    }

    /// The targets now.
    pub fn targets(&self) -> Arc<Targets> {
        self.targets.load_full()
    }

    /// The HTTP client shared by the notifiers.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The kind of the integration a notification goes to.
    pub fn kind_of(&self, key: &triage_core::engine::NotifyLogKey) -> &'static str {
        self.targets.load().get(&key.receiver).and_then(|t| t.get(key.integration)).map_or("unknown", |t| t.kind())
    }

    /// Delivers one notification, retrying retryable failures until its deadline.
    /// `on_retry` is told of each failed attempt that will be retried.
    pub async fn deliver(
        &self,
        out: &Outgoing,
        clock: &dyn Clock,
        on_retry: &(dyn Fn(u32, &str) + Send + Sync),
    ) -> Result<Delivery, Failure> {
        let targets = self.targets.load();
        let Some(target) = targets.get(&out.key.receiver).and_then(|t| t.get(out.key.integration)).cloned() else {
            let error = format!("receiver {:?} has no integration {}", out.key.receiver, out.key.integration);
            return Err(Failure { attempts: 0, error });
        };
        drop(targets);
        let (message, mut warnings) = self.compose(&target, out).await;
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = self.send(message.as_ref(), out).await;
            let (message, after) = match result {
                Ok(()) => return Ok(Delivery { attempts: attempt, warnings: std::mem::take(&mut warnings) }),
                Err(DeliveryError::Permanent(m)) => {
                    warnings.insert(0, format!("{m} (not retried)"));
                    return Err(Failure { attempts: attempt, error: warnings.join("; ") });
                }
                Err(DeliveryError::Retryable { message, after }) => (message, after),
            };
            let jitter = rand::rng().random_range(0.5..1.5);
            let wait = after.unwrap_or(backoff.mul_f64(jitter));
            let now = clock.now();
            let until_deadline = Duration::try_from(out.deadline.duration_since(now)).unwrap_or(Duration::ZERO);
            if wait >= until_deadline {
                return Err(Failure {
                    attempts: attempt,
                    error: format!("{message} (gave up after {attempt} attempts)"),
                });
            }
            on_retry(attempt, &message);
            tracing::debug!(attempt, error = %message, ?wait, "retrying notification");
            tokio::time::sleep(wait).await;
            backoff = (backoff.mul_f64(1.5)).min(MAX_BACKOFF);
        }
    }

    /// The message for a target, rendered once for all attempts, and the warnings of
    /// rendering it.
    async fn compose(&self, target: &Target, out: &Outgoing) -> (Box<dyn Prepared>, Vec<String>) {
        let renderer = self.renderer.load();
        let templates = self.templates.load();
        let input = ComposeInput {
            out,
            renderer: &renderer,
            templates: &templates,
            external_url: &self.external_url,
            client: &self.client,
            node_series: &self.node_series,
        };
        target.compose(input).await
    }

    /// One attempt.
    async fn send(&self, message: &dyn Prepared, out: &Outgoing) -> Result<(), DeliveryError> {
        message.send(&self.client, out).await
    }
}
