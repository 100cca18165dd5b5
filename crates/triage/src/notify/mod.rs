//! Notifiers: deliver a decided notification to its integration, retrying with backoff.
//!
//! A notifier says whether a failure is worth retrying ([`DeliveryError`]); the retry loop
//! here is shared by all of them and stops at the notification's deadline.

pub mod attach;
pub mod email;
pub mod mattermost;
pub mod secret;
pub mod slack;
pub mod upstream;
pub mod webhook;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use rand::Rng;
use triage_core::engine::Outgoing;

use crate::clock::Clock;

/// Why a delivery failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// Worth trying again (network error, 5xx, 429), optionally not before a delay.
    #[error("{message}")]
    Retryable {
        /// What happened.
        message: String,
        /// A delay the server asked for (Retry-After).
        after: Option<Duration>,
    },
    /// Trying again will not help (4xx, bad configuration).
    #[error("{0}")]
    Permanent(String),
}

/// One configured integration of a receiver.
#[derive(Clone)]
pub enum Target {
    /// A webhook.
    Webhook(webhook::WebhookTarget),
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Webhook(w) => f.debug_tuple("Webhook").field(w).finish(),
        }
    }
}

/// Receivers' integrations by receiver name, in the order the engine indexes them.
pub type Targets = HashMap<String, Vec<Target>>;

/// Everything needed to deliver notifications; targets are swapped on reload.
pub struct Notifiers {
    targets: ArcSwap<Targets>,
    client: reqwest::Client,
    external_url: String,
}

const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

impl Notifiers {
    /// Notifiers with an HTTP client of `timeout` per request.
    pub fn new(targets: Targets, external_url: String, timeout: Duration) -> Notifiers {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("triage/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("HTTP client");
        Notifiers { targets: ArcSwap::from_pointee(targets), client, external_url }
    }

    /// Replaces the targets (reload).
    pub fn swap(&self, targets: Targets) {
        self.targets.store(Arc::new(targets));
    }

    /// Delivers one notification, retrying retryable failures until its deadline.
    pub async fn deliver(&self, out: &Outgoing, clock: &dyn Clock) -> Result<(), String> {
        let targets = self.targets.load();
        let Some(target) = targets.get(&out.key.receiver).and_then(|t| t.get(out.key.integration)).cloned() else {
            return Err(format!("receiver {:?} has no integration {}", out.key.receiver, out.key.integration));
        };
        drop(targets);
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = match &target {
                Target::Webhook(w) => w.send(&self.client, out, &self.external_url).await,
            };
            let err = match result {
                Ok(()) => return Ok(()),
                Err(DeliveryError::Permanent(m)) => return Err(format!("{m} (not retried)")),
                Err(e @ DeliveryError::Retryable { .. }) => e,
            };
            let DeliveryError::Retryable { message, after } = err else { unreachable!() };
            let jitter = rand::rng().random_range(0.5..1.5);
            let wait = after.unwrap_or(backoff.mul_f64(jitter));
            let now = clock.now();
            let until_deadline = Duration::try_from(out.deadline.duration_since(now)).unwrap_or(Duration::ZERO);
            if wait >= until_deadline {
                return Err(format!("{message} (gave up after {attempt} attempts)"));
            }
            tracing::debug!(attempt, error = %message, ?wait, "retrying notification");
            tokio::time::sleep(wait).await;
            backoff = (backoff.mul_f64(1.5)).min(MAX_BACKOFF);
        }
    }
}
