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
use triage_core::notify::{
    Body, FileSecrets, HttpRequest, Integration as CoreIntegration, Method, NotifyContext, Status, rocketchat, telegram,
};

use super::DeliveryError;
use super::registry::{BuildInput, ComposeInput, Integration, Kind, Prepared};
use super::webhook::{retry_after, without_url};
use crate::net::http_auth::{HttpAuth, authorize_async, refused};

/// Registers a kind whose configuration list is `ReceiverConfig::$field` (its key in the file
/// is the field's name).
macro_rules! http_kind {
    ($field:ident) => {
        Kind {
            key: stringify!($field),
            build: |b: &BuildInput<'_>| {
                let config = &b.receiver.$field[b.index];
                HttpKind::build(config.clone(), config.http_config.as_ref(), b)
            },
        }
    };
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
    client: Option<reqwest::Client>,
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
    fn build(config: C, http_config: Option<&Raw>, b: &BuildInput<'_>) -> Result<Arc<dyn Integration>, String> {
        let global = b.config.global();
        let auth =
            HttpAuth::for_integration(http_config, global.http_config.as_ref()).map_err(|e| b.error(C::KEY, &e))?;
        let client = own_client(C::KEY, http_config, b)?;
        Ok(Arc::new(HttpKind { config, global: Arc::new(global.clone()), auth, client }))
    }

    /// Reads the secret files, renders and builds the requests of one notification.
    fn requests(&self, input: &ComposeInput<'_>) -> Result<Vec<HttpRequest>, DeliveryError> {
        let out = input.out;
        let files = read_secret_files(&self.config, &self.global)?;
        let data = super::compose::go_data(input, false);
        let mut expander = input.templates.expander(&data);
        let ctx = notify_context(out, input.external_url);
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
            Ok(requests) => Box::new(HttpSend {
                config: self.config.clone(),
                requests,
                auth: self.auth.clone(),
                client: self.client.clone(),
            }),
            Err(e) => Box::new(Failed(e)),
        };
        Box::pin(std::future::ready((prepared, Vec::new())))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A notification that could not be built: every attempt fails with the same error.
pub(super) struct Failed(pub DeliveryError);

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
    client: Option<reqwest::Client>,
}

impl<C> Prepared for HttpSend<C>
where
    C: CoreIntegration + Clone + Send + Sync + 'static,
{
    fn send<'a>(&'a self, client: &'a reqwest::Client, _: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        let client = self.client.as_ref().unwrap_or(client);
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
        let name = C::NAME;
        let answer = exchange(client, self.auth.as_ref(), name, r).await?;
        if !(200..300).contains(&answer.status) {
            let message = format!("{name}: unexpected status code {}: {}", answer.status, excerpt(&answer.body));
            return Err(if self.config.retryable(answer.status) {
                DeliveryError::Retryable { message, after: answer.after }
            } else {
                DeliveryError::Permanent(message)
            });
        }
        answer_check(C::KEY, &answer.body)
    }
}

/// The answer to one request.
pub(super) struct Answer {
    /// The status code.
    pub status: u16,
    /// The body, read up to 64 KiB.
    pub body: Vec<u8>,
    /// `Retry-After`, when given in seconds.
    pub after: Option<std::time::Duration>,
}

/// The bytes of a request body.
pub(super) fn body_bytes(r: &HttpRequest) -> Result<Vec<u8>, DeliveryError> {
    Ok(match &r.body {
        Body::Empty => Vec::new(),
        Body::Json(v) => {
            serde_json::to_vec(v).map_err(|e| DeliveryError::Permanent(format!("encoding the body: {e}")))?
        }
        Body::Form(fields) => {
            triage_core::notify::encode_query(&fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>())
                .into_bytes()
        }
    })
}

/// Sends one request as the core built it (its headers, then `http_config`'s credentials
/// unless it carries its own `Authorization`) and reads the answer, whatever its status.
/// A request that gets no answer is retryable; its error never shows the URL (it may hold a
/// secret).
pub(super) async fn exchange(
    client: &reqwest::Client,
    auth: Option<&HttpAuth>,
    name: &str,
    r: &HttpRequest,
) -> Result<Answer, DeliveryError> {
    let method = match r.method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
    };
    let mut request = client.request(method, &r.url);
    if r.header_value("authorization").is_none() {
        request = authorize_async(client, request, auth).await?;
    }
    for (name, value) in &r.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    // The body's type, unless the core's request names it (one Content-Type header).
    let content_type = match &r.body {
        Body::Empty => None,
        Body::Json(_) => Some("application/json"),
        Body::Form(_) => Some("application/x-www-form-urlencoded"),
    };
    if let Some(t) = content_type.filter(|_| r.header_value("content-type").is_none()) {
        request = request.header(reqwest::header::CONTENT_TYPE, t);
    }
    if !matches!(r.body, Body::Empty) {
        request = request.body(body_bytes(r)?);
    }
    let mut resp = request.send().await.map_err(|e| DeliveryError::Retryable {
        message: format!("{name} request failed: {}", without_url(&e)),
        after: None,
    })?;
    let status = resp.status().as_u16();
    refused(auth, status).await;
    let after = retry_after(&resp);
    let body = crate::net::body::read_capped(&mut resp, 64 << 10).await.body;
    Ok(Answer { status, body, after })
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
pub(super) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.trim().chars().take(200).map(|c| if c.is_control() { ' ' } else { c }).collect();
    line
}

/// The integration's own HTTP client when its `http_config` (else the global one) has
/// connection settings (TLS, proxy, redirects); an error naming what triage does not apply.
pub(super) fn own_client(
    key: &str,
    http_config: Option<&Raw>,
    b: &BuildInput<'_>,
) -> Result<Option<reqwest::Client>, String> {
    crate::net::http_config::client_for(http_config, b.config.global().http_config.as_ref(), b.timeout)
        .map_err(|e| b.error(key, &e))
}

/// The core's view of a notification.
pub(super) fn notify_context<'a>(out: &'a Outgoing, external_url: &'a str) -> NotifyContext<'a> {
    let status = if out.alerts.iter().any(|a| !a.resolved_at(out.at)) { Status::Firing } else { Status::Resolved };
    NotifyContext {
        receiver: &out.key.receiver,
        group_key: &out.key.group_key,
        group_labels: &out.group_labels,
        status,
        alerts: &out.alerts,
        now: out.at,
        truncated_alerts: 0,
        external_url,
    }
}

/// Reads the files an integration's configuration names (a file that cannot be read fails
/// the notification, naming the key and the path, never the contents).
pub(super) fn read_secret_files<C: CoreIntegration>(
    config: &C,
    global: &GlobalConfig,
) -> Result<FileSecrets, DeliveryError> {
    let mut files = FileSecrets::new();
    for (key, path) in config.secret_files(global) {
        let text = std::fs::read_to_string(path)
            .map_err(|e| DeliveryError::Permanent(format!("{}: cannot read {key} {path}: {e}", C::NAME)))?;
        files.insert(key, text);
    }
    Ok(files)
}

/// What the configured fields of one notification rendered to, kept so that requests built
/// after composing (Jira's, which depend on earlier answers) render the same text without the
/// templates.
#[derive(Clone, Debug, Default)]
pub(super) struct Rendered {
    text: std::collections::HashMap<String, String>,
    html: std::collections::HashMap<String, String>,
}

/// An expander that renders with `inner` and records into a [`Rendered`].
pub(super) struct Recording<'a> {
    /// The expander that renders.
    pub inner: &'a mut dyn triage_core::notify::Expand,
    /// Where the results go.
    pub into: &'a mut Rendered,
}

impl triage_core::notify::Expand for Recording<'_> {
    fn text(&mut self, template: &str) -> String {
        let out = self.inner.text(template);
        self.into.text.insert(template.to_string(), out.clone());
        out
    }

    fn html(&mut self, template: &str) -> String {
        let out = self.inner.html(template);
        self.into.html.insert(template.to_string(), out.clone());
        out
    }
}

/// Replays a [`Rendered`]: a field not rendered while composing renders empty (the same
/// configuration asks for the same fields, so it does not happen).
impl triage_core::notify::Expand for &Rendered {
    fn text(&mut self, template: &str) -> String {
        self.text.get(template).cloned().unwrap_or_default()
    }

    fn html(&mut self, template: &str) -> String {
        self.html.get(template).cloned().unwrap_or_default()
    }
}
