//! The "alertmanager" integration (middleware mode): triage runs in front of an existing
//! Alertmanager, forwards the alerts it has enriched to that Alertmanager's API v2, and mirrors
//! its own silences there.
//!
//! What the upstream Alertmanager (0.25) does that shapes this module:
//! - `POST /api/v2/alerts` answers 400 when some alerts are invalid, yet keeps the valid ones of
//!   the same request; it answers 422 (and keeps none) when the request does not fit its schema,
//!   for example a `generatorURL` that is not an absolute URI or path. Such links are therefore
//!   left out of what is sent.
//! - A silence changed in place keeps its id only while its matchers are unchanged and, once it
//!   has started, its start time too; otherwise the upstream expires it and answers with a new id.
//!   [`UpstreamTarget::create_silence`] sends the upstream's own start time when updating a
//!   started silence, and always returns the id to use from then on.
//! - `DELETE /api/v2/silence/{id}` of an unknown id answers 500 "silence not found".

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::{Response, StatusCode, Url};
use serde::{Deserialize, Serialize};
use triage_core::LabelSet;
use triage_core::alert::Alert;
use triage_core::silence::{ApiMatcher, GettableSilence, PostableSilence, Silence, SilenceState};
use triage_core::time::format_go;

use super::DeliveryError;
use super::webhook::{classify, retry_after};
use crate::net::secret::SecretSource;
use std::any::Any;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::compose::{UpstreamChannel, forwarded_alerts};
use super::registry::{BuildInput, ComposeInput, Integration, Kind, Prepared};
use crate::net::http_auth::HttpAuth;
use triage_core::engine::Outgoing;

/// How much of a failed answer is read into the error message.
const ERROR_TEXT_LIMIT: usize = 2048;
/// How much of a successful silence answer is read.
const SILENCE_ANSWER_LIMIT: usize = 64 * 1024;

/// An alert as triage forwards it to the upstream Alertmanager.
#[derive(Clone, Debug, PartialEq)]
pub struct ForwardedAlert {
    /// Identity of the alert.
    pub labels: LabelSet,
    /// The alert's annotations with triage's additions (runbook instructions, category, ...).
    pub annotations: LabelSet,
    /// When it started firing.
    pub starts_at: Timestamp,
    /// When it resolves; `None` lets the upstream apply its own `resolve_timeout`.
    pub ends_at: Option<Timestamp>,
    /// Link back to the source.
    pub generator_url: String,
}

impl ForwardedAlert {
    /// The alert as forwarded at `now`, with `extra` annotations added (an existing annotation
    /// of the same name is kept unless `overwrite`).
    ///
    /// The alert's times are taken as given: the engine hands over firing alerts with `ends_at`
    /// cleared at the time of the notification, and resolved ones with their end. Extra
    /// annotations with an empty value add nothing; of a name repeated in `extra` the last wins.
    pub fn from_alert(alert: &Alert, extra: &[(String, String)], overwrite: bool) -> ForwardedAlert {
        ForwardedAlert {
            labels: alert.labels.clone(),
            annotations: merged_annotations(&alert.annotations, extra, overwrite),
            starts_at: alert.starts_at,
            ends_at: alert.ends_at,
            generator_url: alert.generator_url.clone(),
        }
    }
}

/// `existing` with the non-empty `extra` pairs added; an existing name is replaced only when
/// `overwrite`.
fn merged_annotations(existing: &LabelSet, extra: &[(String, String)], overwrite: bool) -> LabelSet {
    let additions = extra
        .iter()
        .filter(|(name, value)| !value.is_empty() && (overwrite || !existing.contains(name)))
        .map(|(name, value)| (name.as_str(), value.as_str()));
    LabelSet::from_pairs(existing.iter().chain(additions))
}

/// One alert in the JSON form of `POST /api/v2/alerts`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PostableAlertJson<'a> {
    labels: &'a LabelSet,
    annotations: &'a LabelSet,
    starts_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ends_at: Option<String>,
    #[serde(rename = "generatorURL", skip_serializing_if = "Option::is_none")]
    generator_url: Option<&'a str>,
}

impl<'a> PostableAlertJson<'a> {
    fn new(alert: &'a ForwardedAlert) -> PostableAlertJson<'a> {
        let url = alert.generator_url.as_str();
        PostableAlertJson {
            labels: &alert.labels,
            annotations: &alert.annotations,
            starts_at: format_go(Some(alert.starts_at)),
            ends_at: alert.ends_at.map(|end| format_go(Some(end))),
            generator_url: upstream_accepts_uri(url).then_some(url),
        }
    }
}

/// The request body that forwards `alerts`.
fn alerts_body(alerts: &[ForwardedAlert]) -> Result<Vec<u8>, DeliveryError> {
    let wire: Vec<PostableAlertJson<'_>> = alerts.iter().map(PostableAlertJson::new).collect();
    serde_json::to_vec(&wire).map_err(|e| DeliveryError::Permanent(format!("encoding alerts: {e}")))
}

/// A silence as mirrored to the upstream Alertmanager.
#[derive(Clone, Debug, PartialEq)]
pub struct UpstreamSilence {
    /// The upstream's id of the silence, once created there (not triage's own id).
    pub id: Option<String>,
    /// All must match.
    pub matchers: Vec<UpstreamMatcher>,
    /// Start; the upstream moves a start in the past to its own now when creating.
    pub starts_at: Timestamp,
    /// End; must not be in the past.
    pub ends_at: Timestamp,
    /// Author.
    pub created_by: String,
    /// Why, with the marker of the triage silence it mirrors.
    pub comment: String,
}

/// One matcher of an [`UpstreamSilence`], as Alertmanager's API writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamMatcher {
    /// Label name.
    pub name: String,
    /// Value or unanchored pattern.
    pub value: String,
    /// `=~` or `!~`.
    pub is_regex: bool,
    /// `=` or `=~`.
    pub is_equal: bool,
}

impl From<&ApiMatcher> for UpstreamMatcher {
    fn from(m: &ApiMatcher) -> UpstreamMatcher {
        UpstreamMatcher { name: m.name.clone(), value: m.value.clone(), is_regex: m.is_regex, is_equal: m.is_equal }
    }
}

impl From<&UpstreamMatcher> for ApiMatcher {
    fn from(m: &UpstreamMatcher) -> ApiMatcher {
        ApiMatcher { is_equal: m.is_equal, is_regex: m.is_regex, name: m.name.clone(), value: m.value.clone() }
    }
}

impl UpstreamSilence {
    /// The mirror of triage's silence `s`, not yet tied to an upstream id (set `id` to update a
    /// mirror created before). The comment ends with [`UpstreamSilence::marker`] of `s.id`.
    pub fn from_gettable(s: &GettableSilence) -> UpstreamSilence {
        UpstreamSilence {
            id: None,
            matchers: s.matchers.iter().map(UpstreamMatcher::from).collect(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            created_by: s.created_by.clone(),
            comment: marked_comment(&s.comment, &s.id),
        }
    }

    /// [`UpstreamSilence::from_gettable`] of a stored silence.
    pub fn from_silence(s: &Silence) -> UpstreamSilence {
        UpstreamSilence {
            id: None,
            matchers: s.matchers.iter().map(|m| UpstreamMatcher::from(&ApiMatcher::from(m))).collect(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            created_by: s.created_by.clone(),
            comment: marked_comment(&s.comment, &s.id),
        }
    }

    /// The text appended to a mirrored silence's comment: `[triage <local id>]`.
    pub fn marker(local_id: &str) -> String {
        format!("[triage {local_id}]")
    }

    fn to_postable(&self) -> PostableSilence {
        PostableSilence {
            id: self.id.clone().filter(|id| !id.is_empty()),
            matchers: self.matchers.iter().map(ApiMatcher::from).collect(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            created_by: self.created_by.clone(),
            comment: self.comment.clone(),
        }
    }
}

/// `comment` ending with the marker of `local_id`, added once.
fn marked_comment(comment: &str, local_id: &str) -> String {
    let marker = UpstreamSilence::marker(local_id);
    let comment = comment.trim_end();
    if comment.ends_with(&marker) {
        comment.to_string()
    } else if comment.is_empty() {
        marker
    } else {
        format!("{comment} {marker}")
    }
}

/// When updating, a silence that has started upstream and is meant to have started keeps the
/// upstream's start time, so the upstream changes it in place instead of replacing it.
fn keep_upstream_start(body: &mut PostableSilence, current: &GettableSilence, now: Timestamp) {
    if current.status.state == SilenceState::Active && body.starts_at <= now {
        body.starts_at = current.starts_at;
    }
}

/// `{"silenceID": "..."}`, the answer to `POST /api/v2/silences`.
#[derive(Deserialize)]
struct SilenceCreated {
    #[serde(rename = "silenceID")]
    silence_id: String,
}

/// A configured upstream Alertmanager.
#[derive(Clone)]
pub struct UpstreamTarget {
    /// The upstream's base URL, e.g. `http://am:9093`, possibly with a path prefix and
    /// credentials; never printed.
    pub url: SecretSource,
    /// Whether resolved alerts are forwarded; applied by the engine, like every integration's.
    pub send_resolved: bool,
    /// Credentials from `http_config`.
    pub auth: Option<HttpAuth>,
}

impl fmt::Debug for UpstreamTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpstreamTarget").field("url", &"<secret>").field("send_resolved", &self.send_resolved).finish()
    }
}

impl UpstreamTarget {
    /// Forwards `alerts` (`POST {base}/api/v2/alerts`). Nothing is sent for no alerts.
    pub async fn forward(&self, client: &reqwest::Client, alerts: &[ForwardedAlert]) -> Result<(), DeliveryError> {
        if alerts.is_empty() {
            return Ok(());
        }
        let body = alerts_body(alerts)?;
        let url = self.endpoint(&["api", "v2", "alerts"])?;
        let resp = send(self.authorized(
            client.post(url.clone()).header(reqwest::header::CONTENT_TYPE, "application/json").body(body),
        )?)
        .await?;
        if resp.status().is_success() {
            return Ok(());
        }
        Err(Refusal::read(resp, &url).await.into_error("forwarding alerts"))
    }

    /// Creates `silence` upstream, or updates the one with `silence.id`, and returns the id the
    /// upstream now uses for it: a new one when the upstream replaced the silence (changed
    /// matchers, or a changed start once started) or no longer knew `silence.id`.
    pub async fn create_silence(
        &self,
        client: &reqwest::Client,
        silence: &UpstreamSilence,
    ) -> Result<String, DeliveryError> {
        let mut body = silence.to_postable();
        if let Some(id) = &body.id
            && let Some(current) = self.fetch_silence(client, id).await?
        {
            keep_upstream_start(&mut body, &current, Timestamp::now());
        }
        match self.post_silence(client, &body).await {
            Err(PostFailure::UnknownId) => {
                body.id = None;
                self.post_silence(client, &body).await.map_err(PostFailure::into_error)
            }
            result => result.map_err(PostFailure::into_error),
        }
    }

    /// Expires the upstream silence `id` (`DELETE {base}/api/v2/silence/{id}`). A silence the
    /// upstream does not know, or that has already ended, counts as expired.
    pub async fn expire_silence(&self, client: &reqwest::Client, id: &str) -> Result<(), DeliveryError> {
        let url = self.endpoint(&["api", "v2", "silence", id])?;
        let resp = send(self.authorized(client.delete(url.clone()))?).await?;
        if resp.status().is_success() {
            return Ok(());
        }
        let refusal = Refusal::read(resp, &url).await;
        if refusal.means_unknown_silence() || refusal.means_malformed_silence_id() {
            return Ok(());
        }
        Err(refusal.into_error("expiring a silence"))
    }

    /// The upstream's view of silence `id`; `None` when it does not know it.
    async fn fetch_silence(
        &self,
        client: &reqwest::Client,
        id: &str,
    ) -> Result<Option<GettableSilence>, DeliveryError> {
        let url = self.endpoint(&["api", "v2", "silence", id])?;
        let resp = send(self.authorized(client.get(url.clone()))?).await?;
        if resp.status().is_success() {
            return read_json(resp, "reading a silence").await.map(Some);
        }
        let refusal = Refusal::read(resp, &url).await;
        if refusal.means_unknown_silence() || refusal.means_malformed_silence_id() {
            return Ok(None);
        }
        Err(refusal.into_error("reading a silence"))
    }

    /// One `POST /api/v2/silences`.
    async fn post_silence(&self, client: &reqwest::Client, body: &PostableSilence) -> Result<String, PostFailure> {
        let url = self.endpoint(&["api", "v2", "silences"])?;
        let resp = send(self.authorized(client.post(url.clone()).json(body))?).await?;
        if resp.status().is_success() {
            let created: SilenceCreated = read_json(resp, "creating a silence").await?;
            return Ok(created.silence_id);
        }
        let refusal = Refusal::read(resp, &url).await;
        if body.id.is_some() && refusal.means_unknown_silence() {
            return Err(PostFailure::UnknownId);
        }
        Err(PostFailure::Other(refusal.into_error("creating a silence")))
    }

    /// `request` with the configured credentials.
    pub fn authorized(&self, request: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, DeliveryError> {
        crate::net::http_auth::authorize(request, self.auth.as_ref())
    }

    /// `{base}/{segments...}`, each segment escaped.
    fn endpoint(&self, segments: &[&str]) -> Result<Url, DeliveryError> {
        endpoint_url(&self.url.resolve()?, segments)
    }
}

/// Why one silence post failed.
enum PostFailure {
    /// The upstream does not know the id being updated.
    UnknownId,
    /// Anything else.
    Other(DeliveryError),
}

impl PostFailure {
    fn into_error(self) -> DeliveryError {
        match self {
            PostFailure::UnknownId => DeliveryError::Permanent("creating a silence: silence not found".to_string()),
            PostFailure::Other(e) => e,
        }
    }
}

impl From<DeliveryError> for PostFailure {
    fn from(e: DeliveryError) -> PostFailure {
        PostFailure::Other(e)
    }
}

/// `base` (a path prefix and a trailing slash allowed) with `segments` appended.
fn endpoint_url(base: &str, segments: &[&str]) -> Result<Url, DeliveryError> {
    let mut url =
        Url::parse(base.trim()).map_err(|e| DeliveryError::Permanent(format!("invalid upstream URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(DeliveryError::Permanent("the upstream URL must be http or https".to_string()));
    }
    url.path_segments_mut()
        .map_err(|()| DeliveryError::Permanent("the upstream URL cannot take a path".to_string()))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// Sends a request; failing to get an answer is worth retrying.
async fn send(request: reqwest::RequestBuilder) -> Result<Response, DeliveryError> {
    request.send().await.map_err(|e| {
        let message = format!("upstream Alertmanager request failed: {}", error_chain(e));
        DeliveryError::Retryable { message, after: None }
    })
}

/// The error and its causes, without the URL (which may hold a secret).
fn error_chain(e: reqwest::Error) -> String {
    let url = e.url().map(|u| u.to_string());
    let e = e.without_url();
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    match url {
        Some(url) => text.replace(&url, "<url>"),
        None => text,
    }
}

/// Reads a successful answer as JSON.
async fn read_json<T: serde::de::DeserializeOwned>(resp: Response, action: &str) -> Result<T, DeliveryError> {
    let body = read_capped(resp, SILENCE_ANSWER_LIMIT).await.map_err(|e| DeliveryError::Retryable {
        message: format!("{action}: reading the upstream's answer: {}", error_chain(e)),
        after: None,
    })?;
    serde_json::from_slice(&body)
        .map_err(|e| DeliveryError::Permanent(format!("{action}: unexpected answer from the upstream: {e}")))
}

/// Up to `limit` bytes of the body.
async fn read_capped(mut resp: Response, limit: usize) -> Result<Vec<u8>, reqwest::Error> {
    let capped = crate::net::body::read_capped(&mut resp, limit).await;
    match capped.error {
        Some(e) => Err(e),
        None => Ok(capped.body),
    }
}

/// A non-success answer: its status, the delay asked for, and the reason given.
struct Refusal {
    status: StatusCode,
    after: Option<Duration>,
    reason: String,
}

impl Refusal {
    /// Reads the reason from the start of the body; `url` is removed from it.
    async fn read(resp: Response, url: &Url) -> Refusal {
        let status = resp.status();
        let after = retry_after(&resp);
        let body = read_capped(resp, ERROR_TEXT_LIMIT).await.unwrap_or_default();
        Refusal { status, after, reason: without_url(&readable_reason(&body), url) }
    }

    /// The upstream said it has no such silence (500 or 404 "silence not found" when
    /// expiring or updating, an empty 404 when reading). A 404 for an unknown path is not this.
    fn means_unknown_silence(&self) -> bool {
        let says_not_found = matches!(self.status.as_u16(), 404 | 500) && self.reason.contains("silence not found");
        let empty_not_found = self.status == StatusCode::NOT_FOUND && self.reason.is_empty();
        says_not_found || empty_not_found
    }

    /// The upstream rejected the id as not a UUID: it cannot name one of its silences.
    fn means_malformed_silence_id(&self) -> bool {
        self.status == StatusCode::UNPROCESSABLE_ENTITY && self.reason.contains("silenceID in path")
    }

    /// The error for this answer to `action`: retryable for 429 and 5xx, else permanent.
    fn into_error(self, action: &str) -> DeliveryError {
        let reason = if self.reason.is_empty() { String::new() } else { format!(": {}", self.reason) };
        let message = format!("{action}: the upstream answered {}{reason}", self.status.as_u16());
        match classify(self.status, self.after) {
            Err(DeliveryError::Retryable { after, .. }) => DeliveryError::Retryable { message, after },
            _ => DeliveryError::Permanent(message),
        }
    }
}

/// The reason in an error body: Alertmanager writes a JSON string (its validation errors) or an
/// object with a `message` (schema errors); anything else is taken as text.
fn readable_reason(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::String(reason)) => reason,
        Ok(serde_json::Value::Object(ref fields)) if let Some(serde_json::Value::String(m)) = fields.get("message") => {
            m.clone()
        }
        _ => text.to_string(),
    }
}

/// `text` with the request URL and its path replaced (a 404 for an unknown path quotes it).
fn without_url(text: &str, url: &Url) -> String {
    text.replace(url.as_str(), "<url>").replace(url.path(), "<path>")
}

/// Whether the upstream accepts `url` as a `generatorURL`: an absolute URI or an absolute
/// path, as Go's `url.ParseRequestURI` reads them. In doubt the answer is no, since one link the
/// upstream rejects makes it refuse the whole request.
fn upstream_accepts_uri(url: &str) -> bool {
    if url.is_empty() || url.bytes().any(|b| b < 0x20 || b == 0x7f) || !percent_escapes_are_valid(url) {
        return false;
    }
    if url.starts_with('/') {
        return true;
    }
    let Some((scheme, rest)) = url.split_once(':') else { return false };
    if !is_uri_scheme(scheme) {
        return false;
    }
    match rest.strip_prefix("//") {
        Some(after) => is_plain_authority(after.split(['/', '?']).next().unwrap_or_default()),
        None => true,
    }
}

/// Every `%` starts a two-hex-digit escape.
fn percent_escapes_are_valid(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'%')
        .all(|(i, _)| bytes.get(i + 1..i + 3).is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)))
}

/// `[A-Za-z][A-Za-z0-9+.-]*`.
fn is_uri_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `[userinfo@]host[:port]` with a plain host name, IPv4 or bracketed IPv6 address and a
/// numeric port.
fn is_plain_authority(authority: &str) -> bool {
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (userinfo, host_port),
        None => ("", authority),
    };
    let userinfo_ok = userinfo.chars().all(|c| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:%@".contains(c));
    let (host, port) = match host_port.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((ip6, rest)) if ip6.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') => ("", rest),
            _ => return false,
        },
        None => match host_port.split_once(':') {
            Some((host, _)) => (host, &host_port[host.len()..]),
            None => (host_port, ""),
        },
    };
    let host_ok = host.chars().all(|c| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=".contains(c));
    let port_ok = port.is_empty() || port.strip_prefix(':').is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
    userinfo_ok && host_ok && port_ok
}

/// The registration of `alertmanager_configs`.
pub const KIND: Kind = Kind { key: "alertmanager_configs", build };

fn build(b: &BuildInput<'_>) -> Result<Arc<dyn Integration>, String> {
    let c = &b.receiver.alertmanager_configs[b.index];
    let url = SecretSource::from_pair(c.url.as_ref().map(|u| u.expose()), c.url_file.as_deref())
        .ok_or_else(|| b.error(KIND.key, "no url"))?;
    Ok(Arc::new(UpstreamChannel {
        target: UpstreamTarget {
            url,
            send_resolved: c.send_resolved,
            auth: HttpAuth::from_configs(c.http_config.as_ref(), b.config.global().http_config.as_ref()),
        },
        silences: c.silences,
        client: super::http_kinds::own_client(KIND.key, c.http_config.as_ref(), b)?,
    }))
}

impl Integration for UpstreamChannel {
    fn kind(&self) -> &'static str {
        "alertmanager"
    }

    fn compose<'a>(&'a self, input: ComposeInput<'a>) -> BoxFuture<'a, (Box<dyn Prepared>, Vec<String>)> {
        let prepared = UpstreamSend {
            target: self.target.clone(),
            alerts: forwarded_alerts(input.renderer, input.out),
            client: self.client.clone(),
        };
        Box::pin(std::future::ready((Box::new(prepared) as Box<dyn Prepared>, Vec::new())))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Alerts ready to forward.
struct UpstreamSend {
    target: UpstreamTarget,
    alerts: Vec<ForwardedAlert>,
    client: Option<reqwest::Client>,
}

impl Prepared for UpstreamSend {
    fn send<'a>(&'a self, client: &'a reqwest::Client, _: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.target.forward(self.client.as_ref().unwrap_or(client), &self.alerts))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use triage_core::silence::SilenceStatus;

    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn labels(pairs: &[(&str, &str)]) -> LabelSet {
        LabelSet::from_pairs(pairs.iter().copied())
    }

    fn alert() -> Alert {
        Alert {
            labels: labels(&[("alertname", "DiskFull"), ("instance", "db1")]),
            annotations: labels(&[("summary", "disk full"), ("runbook", "old")]),
            starts_at: ts("2025-03-01T10:00:00.5Z"),
            ends_at: None,
            updated_at: ts("2025-03-01T10:01:00Z"),
            generator_url: "http://prometheus:9090/graph?g0.expr=up".to_string(),
            timeout: true,
        }
    }

    fn extra(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| ((*n).to_string(), (*v).to_string())).collect()
    }

    fn body_json(alerts: &[ForwardedAlert]) -> serde_json::Value {
        serde_json::from_slice(&alerts_body(alerts).unwrap()).unwrap()
    }

    #[test]
    fn upstream_from_alert_keeps_existing_annotations_unless_overwrite() {
        let more = extra(&[("runbook", "new"), ("category", "storage"), ("empty", "")]);
        let kept = ForwardedAlert::from_alert(&alert(), &more, false);
        assert_eq!(kept.annotations, labels(&[("category", "storage"), ("runbook", "old"), ("summary", "disk full")]));
        let replaced = ForwardedAlert::from_alert(&alert(), &more, true);
        assert_eq!(
            replaced.annotations,
            labels(&[("category", "storage"), ("runbook", "new"), ("summary", "disk full")])
        );
        assert_eq!(kept.labels, alert().labels);
        assert_eq!(kept.starts_at, alert().starts_at);
        assert_eq!(kept.generator_url, alert().generator_url);
    }

    #[test]
    fn upstream_from_alert_takes_the_last_of_a_repeated_extra_name() {
        let more = extra(&[("category", "a"), ("category", "b")]);
        let fwd = ForwardedAlert::from_alert(&alert(), &more, false);
        assert_eq!(fwd.annotations.get("category"), Some("b"));
    }

    #[test]
    fn upstream_alerts_json_is_api_v2() {
        let firing = ForwardedAlert::from_alert(&alert(), &extra(&[("category", "storage")]), false);
        let mut resolved = firing.clone();
        resolved.ends_at = Some(ts("2025-03-01T11:00:00Z"));
        resolved.generator_url = String::new();
        let expected = json!([
            {
                "labels": {"alertname": "DiskFull", "instance": "db1"},
                "annotations": {"category": "storage", "runbook": "old", "summary": "disk full"},
                "startsAt": "2025-03-01T10:00:00.5Z",
                "generatorURL": "http://prometheus:9090/graph?g0.expr=up"
            },
            {
                "labels": {"alertname": "DiskFull", "instance": "db1"},
                "annotations": {"category": "storage", "runbook": "old", "summary": "disk full"},
                "startsAt": "2025-03-01T10:00:00.5Z",
                "endsAt": "2025-03-01T11:00:00Z"
            }
        ]);
        assert_eq!(body_json(&[firing, resolved]), expected);
    }

    #[test]
    fn upstream_alerts_json_leaves_out_links_the_upstream_rejects() {
        let mut fwd = ForwardedAlert::from_alert(&alert(), &[], false);
        fwd.generator_url = "relative/path".to_string();
        assert!(body_json(&[fwd])[0].get("generatorURL").is_none());
    }

    #[test]
    fn upstream_generator_urls_as_go_reads_request_uris() {
        for ok in ["/graph", "http://x/a b", "mailto:x", "http://x/graph?g0.expr=up%7B%7D", "https://u:p@[::1]:9090/g"]
        {
            assert!(upstream_accepts_uri(ok), "{ok} should be accepted");
        }
        for bad in
            ["", "not a url", "relative/path", "http://x/%zz", "1http://x", "http://a b/", "http://x:port/", "\t/x"]
        {
            assert!(!upstream_accepts_uri(bad), "{bad} should be left out");
        }
    }

    fn gettable() -> GettableSilence {
        GettableSilence {
            id: "local-1".to_string(),
            status: SilenceStatus { state: SilenceState::Active },
            updated_at: ts("2025-03-01T10:00:00Z"),
            comment: "maintenance".to_string(),
            created_by: "alice".to_string(),
            ends_at: ts("2025-03-01T12:00:00Z"),
            matchers: vec![
                ApiMatcher { is_equal: true, is_regex: false, name: "alertname".into(), value: "DiskFull".into() },
                ApiMatcher { is_equal: false, is_regex: true, name: "instance".into(), value: "db.*".into() },
            ],
            starts_at: ts("2025-03-01T10:00:00Z"),
        }
    }

    #[test]
    fn upstream_silence_from_gettable_marks_the_comment() {
        let s = UpstreamSilence::from_gettable(&gettable());
        assert_eq!(s.id, None);
        assert_eq!(s.comment, "maintenance [triage local-1]");
        assert_eq!(s.created_by, "alice");
        assert_eq!((s.starts_at, s.ends_at), (gettable().starts_at, gettable().ends_at));
        assert_eq!(
            s.matchers[1],
            UpstreamMatcher { name: "instance".into(), value: "db.*".into(), is_regex: true, is_equal: false }
        );
    }

    #[test]
    fn upstream_silence_marker_is_added_once() {
        let mut g = gettable();
        g.comment = "maintenance [triage local-1]".to_string();
        assert_eq!(UpstreamSilence::from_gettable(&g).comment, "maintenance [triage local-1]");
        g.comment = String::new();
        assert_eq!(UpstreamSilence::from_gettable(&g).comment, "[triage local-1]");
    }

    #[test]
    fn upstream_silence_from_stored_silence_equals_from_gettable() {
        let g = gettable();
        let stored = Silence {
            id: g.id.clone(),
            matchers: g.matchers.iter().map(|m| m.to_matcher().unwrap()).collect(),
            starts_at: g.starts_at,
            ends_at: g.ends_at,
            updated_at: g.updated_at,
            created_by: g.created_by.clone(),
            comment: g.comment.clone(),
        };
        assert_eq!(UpstreamSilence::from_silence(&stored), UpstreamSilence::from_gettable(&g));
    }

    #[test]
    fn upstream_silence_json_is_api_v2() {
        let mut s = UpstreamSilence::from_gettable(&gettable());
        assert!(serde_json::to_value(s.to_postable()).unwrap().get("id").is_none());
        s.id = Some("up-1".to_string());
        let expected = json!({
            "id": "up-1",
            "matchers": [
                {"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true},
                {"name": "instance", "value": "db.*", "isRegex": true, "isEqual": false}
            ],
            "startsAt": "2025-03-01T10:00:00.000Z",
            "endsAt": "2025-03-01T12:00:00.000Z",
            "createdBy": "alice",
            "comment": "maintenance [triage local-1]"
        });
        assert_eq!(serde_json::to_value(s.to_postable()).unwrap(), expected);
    }

    #[test]
    fn upstream_update_keeps_the_upstream_start_of_a_started_silence() {
        let now = ts("2025-03-01T10:30:00Z");
        let mut upstream = gettable();
        upstream.starts_at = ts("2025-03-01T10:00:01.234Z");
        let mut body = UpstreamSilence::from_gettable(&gettable()).to_postable();
        keep_upstream_start(&mut body, &upstream, now);
        assert_eq!(body.starts_at, upstream.starts_at);

        let mut future = UpstreamSilence::from_gettable(&gettable()).to_postable();
        future.starts_at = ts("2025-03-02T00:00:00Z");
        keep_upstream_start(&mut future, &upstream, now);
        assert_eq!(future.starts_at, ts("2025-03-02T00:00:00Z"));

        upstream.status.state = SilenceState::Pending;
        let mut pending = UpstreamSilence::from_gettable(&gettable()).to_postable();
        keep_upstream_start(&mut pending, &upstream, now);
        assert_eq!(pending.starts_at, gettable().starts_at);
    }

    #[test]
    fn upstream_url_joining() {
        let cases = [
            ("http://am:9093", "http://am:9093/api/v2/alerts"),
            ("http://am:9093/", "http://am:9093/api/v2/alerts"),
            ("http://am:9093/prefix", "http://am:9093/prefix/api/v2/alerts"),
            ("https://am/a/b/", "https://am/a/b/api/v2/alerts"),
            (" http://u:p@am:9093/x ", "http://u:p@am:9093/x/api/v2/alerts"),
        ];
        for (base, want) in cases {
            assert_eq!(endpoint_url(base, &["api", "v2", "alerts"]).unwrap().as_str(), want, "{base}");
        }
        let id = endpoint_url("http://am/", &["api", "v2", "silence", "a/b c"]).unwrap();
        assert_eq!(id.as_str(), "http://am/api/v2/silence/a%2Fb%20c");
    }

    #[test]
    fn upstream_bad_urls_are_permanent_and_not_printed() {
        for base in ["not a url", "ftp://am/", "mailto:secret-token@x"] {
            let err = endpoint_url(base, &["api"]).unwrap_err();
            assert!(matches!(err, DeliveryError::Permanent(_)), "{base}");
            assert!(!err.to_string().contains("secret-token"));
        }
    }

    #[test]
    fn upstream_debug_hides_url() {
        let t = UpstreamTarget {
            url: SecretSource::Inline("http://u:secret-token@am/".into()),
            send_resolved: true,
            auth: None,
        };
        assert!(!format!("{t:?}").contains("secret-token"));
    }

    fn refusal(status: u16, body: &str) -> Refusal {
        let url = Url::parse("http://am/secret-prefix/api/v2/silence/x").unwrap();
        Refusal {
            status: StatusCode::from_u16(status).unwrap(),
            after: None,
            reason: without_url(&readable_reason(body.as_bytes()), &url),
        }
    }

    #[test]
    fn upstream_error_reasons_are_decoded_and_classified() {
        let bad = refusal(400, r#""at least one label pair required""#).into_error("forwarding alerts");
        assert!(matches!(&bad, DeliveryError::Permanent(m) if m.ends_with("400: at least one label pair required")));
        let schema = refusal(422, r#"{"code":601,"message":"0.generatorURL in body must be of type uri"}"#);
        assert_eq!(schema.reason, "0.generatorURL in body must be of type uri");
        let busy = Refusal { after: Some(Duration::from_secs(7)), ..refusal(503, "overloaded") };
        assert!(matches!(
            busy.into_error("x"),
            DeliveryError::Retryable { message, after: Some(d) } if d.as_secs() == 7 && message.ends_with("overloaded")
        ));
        assert!(matches!(refusal(429, "").into_error("x"), DeliveryError::Retryable { .. }));
    }

    #[test]
    fn upstream_unknown_silence_answers() {
        assert!(refusal(500, r#""silence not found""#).means_unknown_silence());
        assert!(refusal(404, r#""silence not found""#).means_unknown_silence());
        assert!(refusal(404, "").means_unknown_silence());
        let wrong_path = refusal(404, r#"{"code":404,"message":"path /secret-prefix/api/v2/silence/x was not found"}"#);
        assert!(!wrong_path.means_unknown_silence());
        assert!(!wrong_path.reason.contains("secret-prefix"), "{}", wrong_path.reason);
        assert!(!refusal(500, "internal error").means_unknown_silence());
        assert!(
            refusal(422, r#"{"code":601,"message":"silenceID in path must be of type uuid: \"x\""}"#)
                .means_malformed_silence_id()
        );
    }
}
