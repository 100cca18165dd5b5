//! The table of receiver kinds. A kind is one module that owns its configuration's
//! translation into an [`Integration`] (its `build` function, registered in [`KINDS`]), the
//! rendering of a notification into a [`Prepared`] message, and the sending of it. Adding a
//! kind is one module and one line here.

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use triage_core::config::{Config, ReceiverConfig};
use triage_core::engine::Outgoing;
use triage_core::go_template::Templates;
use triage_core::template::Renderer;

use super::{DeliveryError, SharedSeries};

/// What an integration renders a notification with.
pub struct ComposeInput<'a> {
    /// The notification.
    pub out: &'a Outgoing,
    /// Templates and runbooks.
    pub renderer: &'a Renderer,
    /// Go templates: Alertmanager's defaults and the configuration's `templates:` files.
    pub templates: &'a Templates,
    /// triage's external URL.
    pub external_url: &'a str,
    /// The shared HTTP client (for attachments fetched while composing).
    pub client: &'a reqwest::Client,
    /// Node series, for plots of node alerts.
    pub node_series: &'a SharedSeries,
}

/// One configured integration of a receiver.
pub trait Integration: Send + Sync + fmt::Debug {
    /// The kind, as metrics and the outbox name it (`webhook`, `email`, ...).
    fn kind(&self) -> &'static str;
    /// Renders the message for a notification, once for all its attempts, with the warnings
    /// of rendering it (templates that failed).
    fn compose<'a>(&'a self, input: ComposeInput<'a>) -> BoxFuture<'a, (Box<dyn Prepared>, Vec<String>)>;
    /// The integration as `Any`, for the few places that need one kind (the silence mirror).
    fn as_any(&self) -> &dyn Any;
}

/// A rendered message, ready to be sent (and sent again on a retryable failure).
pub trait Prepared: Send + Sync {
    /// One attempt.
    fn send<'a>(&'a self, client: &'a reqwest::Client, out: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>>;
}

/// What a kind's `build` gets.
pub struct BuildInput<'a> {
    /// The whole configuration (for `global`).
    pub config: &'a Config,
    /// The receiver.
    pub receiver: &'a ReceiverConfig,
    /// The index in the kind's list.
    pub index: usize,
    /// Bounds one delivery where the kind's client does not use the shared one (SMTP).
    pub timeout: Duration,
}

impl BuildInput<'_> {
    /// An error about this integration: `receiver "r" <key>[i]: what`.
    pub fn error(&self, key: &str, what: &str) -> String {
        format!("receiver {:?} {key}[{}]: {what}", self.receiver.name, self.index)
    }
}

/// One receiver kind: its list's key in alertmanager.yml and how to build an entry of it.
pub struct Kind {
    /// The list's key (`webhook_configs`, ...).
    pub key: &'static str,
    /// Builds the integration for one entry.
    pub build: fn(&BuildInput<'_>) -> Result<Arc<dyn Integration>, String>,
}

/// Every kind triage delivers to.
pub const KINDS: &[Kind] = &[
    super::webhook::KIND,
    super::email::KIND,
    super::slack::KIND,
    super::mattermost::KIND,
    super::upstream::KIND,
    super::wechat::KIND,
    super::sns::KIND,
    super::jira::KIND,
];

/// The kind registered for a list key: one of [`KINDS`], or one of the kinds whose
/// requests the core builds ([`super::http_kinds::KINDS`]).
pub fn kind(key: &str) -> Option<&'static Kind> {
    KINDS.iter().chain(super::http_kinds::KINDS.iter()).find(|k| k.key == key)
}
