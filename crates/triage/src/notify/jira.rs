//! Jira (`jira_configs`): each attempt is the conversation of
//! `triage_core::notify::jira::JiraFlow`: search the group's issue, create or update it, and
//! when its state must change, read its transitions and apply the one configured. Every
//! request is sent with `http_config`'s credentials; a failed status stops the attempt and is
//! retried on 429 and 5xx (the next attempt starts again with the search, as Alertmanager).
//!
//! The configured fields are rendered once, when the notification is composed (a template
//! that fails fails the notification); the requests built later from Jira's answers reuse
//! what they rendered to.

use std::any::Any;
use std::sync::Arc;

use futures::future::BoxFuture;
use triage_core::config::GlobalConfig;
use triage_core::engine::Outgoing;
use triage_core::go_template::Data;
use triage_core::notify::jira::{JiraConfig, JiraError, JiraFlow};
use triage_core::notify::{Expand, Integration as _};

use super::DeliveryError;
use super::http_kinds::{Failed, Recording, Rendered, excerpt, exchange, notify_context, own_client};
use super::registry::{BuildInput, ComposeInput, Integration, Kind, Prepared};
use crate::net::http_auth::HttpAuth;

/// The registration of `jira_configs`.
pub const KIND: Kind = Kind { key: "jira_configs", build };

/// Most requests in one attempt (search, write, transitions, transition).
const MAX_STEPS: usize = 4;

/// One configured `jira_configs` entry.
pub struct Jira {
    config: Arc<JiraConfig>,
    global: Arc<GlobalConfig>,
    auth: Option<HttpAuth>,
    client: Option<reqwest::Client>,
}

impl std::fmt::Debug for Jira {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jira").finish_non_exhaustive()
    }
}

fn build(b: &BuildInput<'_>) -> Result<Arc<dyn Integration>, String> {
    let config = b.receiver.jira_configs[b.index].clone();
    let global = b.config.global();
    let auth = HttpAuth::for_integration(config.http_config.as_ref(), global.http_config.as_ref())
        .map_err(|e| b.error(KIND.key, &e))?;
    let client = own_client(KIND.key, config.http_config.as_ref(), b)?;
    Ok(Arc::new(Jira { config: Arc::new(config), global: Arc::new(global.clone()), auth, client }))
}

impl Jira {
    fn prepare(&self, input: &ComposeInput<'_>) -> Result<JiraSend, DeliveryError> {
        let out = input.out;
        let data = Data::new(&out.key.receiver, &out.group_labels, &out.alerts, input.external_url, out.at);
        let mut expander = input.templates.expander(&data);
        let ctx = notify_context(out, input.external_url);
        let mut rendered = Rendered::default();
        let checked = {
            let mut rec = Recording { inner: &mut expander, into: &mut rendered };
            // Every field the conversation renders: the search's and the issue's.
            self.config
                .search_request(&self.global, &ctx, &mut rec)
                .and_then(|_| self.config.issue_request(&self.global, &ctx, &mut rec, None))
        };
        if let Err(e) = expander.finish() {
            return Err(DeliveryError::Permanent(format!("jira: template: {e}")));
        }
        checked.map_err(|e| DeliveryError::Permanent(format!("jira: {e}")))?;
        Ok(JiraSend {
            config: self.config.clone(),
            global: self.global.clone(),
            auth: self.auth.clone(),
            client: self.client.clone(),
            rendered,
            external_url: input.external_url.to_string(),
        })
    }
}

impl Integration for Jira {
    fn kind(&self) -> &'static str {
        "jira"
    }

    fn compose<'a>(&'a self, input: ComposeInput<'a>) -> BoxFuture<'a, (Box<dyn Prepared>, Vec<String>)> {
        let prepared: Box<dyn Prepared> = match self.prepare(&input) {
            Ok(p) => Box::new(p),
            Err(e) => Box::new(Failed(e)),
        };
        Box::pin(std::future::ready((prepared, Vec::new())))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// One rendered Jira notification.
struct JiraSend {
    config: Arc<JiraConfig>,
    global: Arc<GlobalConfig>,
    auth: Option<HttpAuth>,
    client: Option<reqwest::Client>,
    rendered: Rendered,
    external_url: String,
}

impl JiraSend {
    async fn attempt(&self, client: &reqwest::Client, out: &Outgoing) -> Result<(), DeliveryError> {
        let ctx = notify_context(out, &self.external_url);
        let mut flow = JiraFlow::new();
        let mut answer: Option<Vec<u8>> = None;
        for _ in 0..=MAX_STEPS {
            let mut replay: &Rendered = &self.rendered;
            let next = flow.next(&self.config, &self.global, &ctx, &mut replay as &mut dyn Expand, answer.as_deref());
            let request = match next {
                Ok(Some(r)) => r,
                Ok(None) => return Ok(()),
                Err(e @ JiraError::Unreadable(_)) => {
                    return Err(DeliveryError::Retryable { message: format!("jira: {e}"), after: None });
                }
                Err(e) => return Err(DeliveryError::Permanent(format!("jira: {e}"))),
            };
            let a = exchange(client, self.auth.as_ref(), "jira", &request).await?;
            if !(200..300).contains(&a.status) {
                let message = format!("jira: unexpected status code {}: {}", a.status, excerpt(&a.body));
                return Err(if self.config.retryable(a.status) {
                    DeliveryError::Retryable { message, after: a.after }
                } else {
                    DeliveryError::Permanent(message)
                });
            }
            answer = Some(a.body);
        }
        Err(DeliveryError::Permanent("jira: the conversation did not end".into()))
    }
}

impl Prepared for JiraSend {
    fn send<'a>(&'a self, client: &'a reqwest::Client, out: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.attempt(self.client.as_ref().unwrap_or(client), out))
    }
}
