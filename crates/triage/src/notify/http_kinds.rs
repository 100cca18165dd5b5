//! The receiver kinds whose pure part (in `triage_core::notify::<kind>`) builds plain HTTP
//! requests: PagerDuty, OpsGenie, VictorOps, Pushover, Telegram, Discord, Webex, MS Teams
//! (both), Rocket.Chat and incident.io. One sender serves them all: at each notification it
//! reads the secret files the configuration names, renders the configured fields as Go
//! templates with Alertmanager's data, builds the requests with the kind's builder, and sends
//! them in order with the `http_config` credentials, stopping at the first failure. Whether a
//! failed status is worth another attempt is the kind's own rule, as in Alertmanager; so is
//! reading a 2xx answer that reports a failure (Telegram's `ok: false`, Rocket.Chat's
//! `success: false`).
//!
//! A template that fails fails the notification without retrying (Alertmanager does the
//! same), with the template's error recorded.

use std::any::Any;
use std::sync::Arc;

use futures::future::BoxFuture;
use triage_core::config::GlobalConfig;
use triage_core::config::model::Raw;
use triage_core::engine::Outgoing;
use triage_core::go_template::Data;
use triage_core::notify::{
    Body, FileSecrets, HttpRequest, Integration as CoreIntegration, Method, NotifyContext, Status, rocketchat, telegram,
};

use super::DeliveryError;
use super::registry::{BuildInput, ComposeInput, Integration, Kind, Prepared};
use super::webhook::{retry_after, without_url};
use crate::net::http_auth::{HttpAuth, authorize};

/// Registers a kind whose configuration list is `ReceiverConfig::$field`.
macro_rules! http_kind {
    ($field:ident) => {
        Kind {
            key: field_key(stringify!($field)),
            build: |b: &BuildInput<'_>| {
                let config = &b.receiver.$field[b.index];
                Ok(HttpKind::build(config.clone(), config.http_config.as_ref(), b))
            },
        }
    };
}

/// The list key of a `ReceiverConfig` field (they are the same).
const fn field_key(field: &'static str) -> &'static str {
    field
}

/// The registrations of the kinds sent by this module.
pub const KINDS: [Kind; 11] = [
    http_kind!(pagerduty_configs),
    http_kind!(opsgenie_configs),
    http_kind!(victorops_configs),
    http_kind!(pushover_configs),
    http_kind!(telegram_configs),
    http_kind!(discord_configs),
    http_kind!(webex_configs),
    http_kind!(msteams_configs),
    http_kind!(msteamsv2_configs),
    http_kind!(incidentio_configs),
    http_kind!(rocketchat_configs),
];

/// One configured integration of such a kind.
pub struct HttpKind<C> {
    config: C,
    global: Arc<GlobalConfig>,
    auth: Option<HttpAuth>,
}

impl<C> std::fmt::Debug for HttpKind<C>
where
    C: CoreIntegration,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration holds secrets; its kind is enough to tell integrations apart.
        f.debug_struct("HttpKind").field("kind", &C::NAME).finish_non_exhaustive()
    }
}

impl<C> HttpKind<C>
where
    C: CoreIntegration + Clone + Send + Sync + 'static,
{
    fn build(config: C, http_config: Option<&Raw>, b: &BuildInput<'_>) -> Arc<dyn Integration> {
        let global = b.config.global();
        let auth = HttpAuth::from_configs(http_config, global.http_config.as_ref());
        Arc::new(HttpKind { config, global: Arc::new(global.clone()), auth })
    }

    /// Reads the secret files, renders and builds the requests of one notification.
    fn requests(&self, input: &ComposeInput<'_>) -> Result<Vec<HttpRequest>, DeliveryError> {
        let out = input.out;
        let mut files = FileSecrets::new();
        for (key, path) in self.config.secret_files(&self.global) {
            let text = std::fs::read_to_string(path)
                .map_err(|e| DeliveryError::Permanent(format!("{}: cannot read {key} {path}: {e}", C::NAME)))?;
            files.insert(key, text);
        }
        let data = Data::new(&out.key.receiver, &out.group_labels, &out.alerts, input.external_url, out.at);
        let mut expander = input.templates.expander(&data);
        let status = if out.alerts.iter().any(|a| !a.resolved_at(out.at)) { Status::Firing } else { Status::Resolved };
        let ctx = NotifyContext {
            receiver: &out.key.receiver,
            group_key: &out.key.group_key,
            group_labels: &out.group_labels,
            status,
            alerts: &out.alerts,
            now: out.at,
            truncated_alerts: 0,
            external_url: input.external_url,
        };
        let built = self.config.build(&self.global, &files, &ctx, &mut expander);
        if let Err(e) = expander.finish() {
            return Err(DeliveryError::Permanent(format!("{}: template: {e}", C::NAME)));
        }
        built.map_err(|e| DeliveryError::Permanent(format!("{}: {e}", C::NAME)))
    }
}

impl<C> Integration for HttpKind<C>
where
    C: CoreIntegration + Clone + Send + Sync + 'static,
{
    fn kind(&self) -> &'static str {
        C::NAME
    }

    fn compose<'a>(&'a self, input: ComposeInput<'a>) -> BoxFuture<'a, (Box<dyn Prepared>, Vec<String>)> {
        let prepared: Box<dyn Prepared> = match self.requests(&input) {
            Ok(requests) => Box::new(HttpSend { config: self.config.clone(), requests, auth: self.auth.clone() }),
            Err(e) => Box::new(Failed(e)),
        };
        Box::pin(std::future::ready((prepared, Vec::new())))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A notification that could not be built: every attempt fails with the same error.
struct Failed(DeliveryError);

impl Prepared for Failed {
    fn send<'a>(&'a self, _: &'a reqwest::Client, _: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(std::future::ready(Err(self.0.clone())))
    }
}

/// The requests of one notification, with the configuration that judges the answers.
struct HttpSend<C> {
    config: C,
    requests: Vec<HttpRequest>,
    auth: Option<HttpAuth>,
}

impl<C> Prepared for HttpSend<C>
where
    C: CoreIntegration + Clone + Send + Sync + 'static,
{
    fn send<'a>(&'a self, client: &'a reqwest::Client, _: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(async move {
            for request in &self.requests {
                self.send_one(client, request).await?;
            }
            Ok(())
        })
    }
}

impl<C> HttpSend<C>
where
    C: CoreIntegration + Clone + Send + Sync + 'static,
{
    async fn send_one(&self, client: &reqwest::Client, r: &HttpRequest) -> Result<(), DeliveryError> {
        let method = match r.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
        };
        let mut request = client.request(method, &r.url);
        if r.header_value("authorization").is_none() {
            request = authorize(request, self.auth.as_ref())?;
        }
        for (name, value) in &r.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        request = match &r.body {
            Body::Empty => request,
            Body::Json(v) => request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(v).map_err(|e| DeliveryError::Permanent(format!("encoding the body: {e}")))?),
            Body::Form(fields) => request
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(triage_core::notify::encode_query(
                    &fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>(),
                )),
        };
        let name = C::NAME;
        let mut resp = request.send().await.map_err(|e| DeliveryError::Retryable {
            message: format!("{name} request failed: {}", without_url(&e)),
            after: None,
        })?;
        let status = resp.status();
        let after = retry_after(&resp);
        let body = crate::net::body::read_capped(&mut resp, 64 << 10).await.body;
        if !status.is_success() {
            let message = format!("{name}: unexpected status code {}: {}", status.as_u16(), excerpt(&body));
            return Err(if self.config.retryable(status.as_u16()) {
                DeliveryError::Retryable { message, after }
            } else {
                DeliveryError::Permanent(message)
            });
        }
        answer_check(C::KEY, &body)
    }
}

/// A 2xx answer that reports a failure, for the kinds whose API answers so.
fn answer_check(key: &str, body: &[u8]) -> Result<(), DeliveryError> {
    match key {
        "telegram_configs" if telegram::answer_failed(body) => {
            Err(DeliveryError::Retryable { message: format!("telegram: {}", excerpt(body)), after: None })
        }
        "rocketchat_configs" => match rocketchat::answer_error(body) {
            Some((true, m)) => Err(DeliveryError::Retryable { message: format!("rocketchat: {m}"), after: None }),
            Some((false, m)) => Err(DeliveryError::Permanent(format!("rocketchat: {m}"))),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// A short, single-line excerpt of an answer.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.trim().chars().take(200).map(|c| if c.is_control() { ' ' } else { c }).collect();
    line
}
