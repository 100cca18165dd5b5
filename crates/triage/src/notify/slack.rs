//! The Slack integration (`slack_configs`): at each notification the configured fields are
//! rendered as Go templates with Alertmanager's data into the body Alertmanager 0.25 sends
//! (`triage_core::notify::slack`), which is posted with `Content-Type: application/json` and
//! the credentials of `http_config` (the bearer token `chat.postMessage` needs) to `api_url`,
//! `api_url_file` (read at each notification), or the global `slack_api_url(_file)`.
//!
//! As in Alertmanager, a 5xx answer is worth another attempt and any other failure is not; a
//! template that fails fails the notification. Beyond Alertmanager, the Web API's
//! `chat.postMessage` answer `{"ok": false}` is read as the failure it is. The URL and the
//! token are secrets: they never appear in errors or logs.
//!
//! Also home of the response handling shared with Mattermost: [`incoming_webhook_outcome`],
//! [`request_failed`], [`read_capped`].

use std::any::Any;
use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use futures::future::BoxFuture;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Map, Value};
use triage_core::config::channels::SlackConfig;
use triage_core::engine::Outgoing;
use triage_core::notify::slack::{SlackPayload, payload, retryable};
use triage_core::truncate::{Markup, truncate};

use super::DeliveryError;
use super::compose::{go_data, triage_sections};
use super::registry::{BuildInput, ComposeInput, Integration, Kind, Prepared};
use super::webhook::{classify, retry_after};
use crate::net::http_auth::{HttpAuth, authorize};
use crate::net::secret::SecretSource;

/// At most this much of a response body is read; the rest is ignored.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// At most this many characters of a response body go into an error message.
const MAX_EXCERPT_CHARS: usize = 200;

/// Inserts `value` under `key` unless it is empty.
pub(crate) fn put(map: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        map.insert(key.into(), Value::String(value.into()));
    }
}

/// `text` cut to `max_chars`; says which part was cut (never its content).
pub(crate) fn limit(part: &'static str, text: &str, max_chars: usize, markup: Markup) -> String {
    match truncate(text, max_chars, markup) {
        Cow::Borrowed(same) => same.to_string(),
        Cow::Owned(cut) => {
            tracing::warn!(part, max_chars, chars = text.chars().count(), "message part too long, truncated");
            cut
        }
    }
}

/// A configured Slack integration.
#[derive(Clone, Debug)]
pub struct SlackTarget {
    /// An incoming webhook URL, or the Web API's `…/api/chat.postMessage`. May carry a token,
    /// so it is never printed.
    pub url: SecretSource,
    /// Credentials from `http_config` (`Authorization: Bearer <token>` for `chat.postMessage`).
    pub auth: Option<HttpAuth>,
}

/// Where a Slack message goes, which decides how the answer reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    /// An incoming webhook: answers `ok`, or an HTTP error with a short error text.
    IncomingWebhook,
    /// The Web API's `chat.postMessage`: answers HTTP 200 with `{"ok": …, "error": …}`.
    PostMessage,
}

impl Transport {
    fn of(url: &str) -> Result<Transport, DeliveryError> {
        let url = reqwest::Url::parse(url)
            .map_err(|e| DeliveryError::Permanent(format!("slack: the configured URL is not valid: {e}")))?;
        if url.path().trim_end_matches('/').ends_with("/api/chat.postMessage") {
            Ok(Transport::PostMessage)
        } else {
            Ok(Transport::IncomingWebhook)
        }
    }
}

impl SlackTarget {
    /// Posts a rendered body. 2xx is success (for `chat.postMessage`, when the answer says
    /// `ok`); a 5xx answer is retryable (after the `Retry-After` the server gave), any other
    /// status is permanent, with what Slack answered (`invalid_payload`, `channel_not_found`…).
    pub async fn send(&self, client: &reqwest::Client, msg: &SlackPayload) -> Result<(), DeliveryError> {
        let url = self.url.resolve()?;
        let url = url.trim();
        let transport = Transport::of(url)?;
        let request = client.post(url).header(CONTENT_TYPE, "application/json").body(msg.body.clone());
        let resp = authorize(request, self.auth.as_ref())?.send().await.map_err(|e| request_failed("slack", e))?;
        let status = resp.status();
        let after = retry_after(&resp);
        let body = read_capped(resp).await;
        if !status.is_success() {
            let answer = api_reply(&body).and_then(|r| r.error).unwrap_or_else(|| body_excerpt(&body));
            let message =
                format!("slack: channel {:?}: unexpected status code {}: {answer}", msg.channel, status.as_u16());
            return Err(if retryable(status.as_u16()) {
                DeliveryError::Retryable { message, after }
            } else {
                DeliveryError::Permanent(message)
            });
        }
        match transport {
            Transport::IncomingWebhook => Ok(()),
            Transport::PostMessage => post_message_outcome(&body, after),
        }
    }
}

/// A request that got no answer: retryable, except when it could not even be built. The error
/// text never holds the URL.
pub(crate) fn request_failed(channel: &str, e: reqwest::Error) -> DeliveryError {
    let e = e.without_url();
    let mut message = format!("{channel} request failed: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    if e.is_builder() { DeliveryError::Permanent(message) } else { DeliveryError::Retryable { message, after: None } }
}

/// Reads at most [`MAX_RESPONSE_BYTES`] of a response body; a body that breaks off is read as
/// far as it came.
pub(crate) async fn read_capped(mut resp: reqwest::Response) -> Vec<u8> {
    crate::net::body::read_capped(&mut resp, MAX_RESPONSE_BYTES).await.body
}

/// A short, single-line excerpt of a response body for an error message.
pub(crate) fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.trim().chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    truncate(&one_line, MAX_EXCERPT_CHARS, Markup::Plain).into_owned()
}

/// The outcome of a post to a Slack-compatible incoming webhook: 2xx is success; otherwise the
/// status decides whether to retry ([`classify`]) and the error says what the server answered.
pub(crate) async fn incoming_webhook_outcome(channel: &str, resp: reqwest::Response) -> Result<(), DeliveryError> {
    let status = resp.status();
    let after = retry_after(&resp);
    let body = read_capped(resp).await;
    classify(status, after).map_err(|class| {
        let answer = body_excerpt(&body);
        let answer = if answer.is_empty() { String::new() } else { format!(": {answer}") };
        with_message(class, format!("{channel} answered HTTP {}{answer}", status.as_u16()))
    })
}

/// `class` with its message replaced.
fn with_message(class: DeliveryError, message: String) -> DeliveryError {
    match class {
        DeliveryError::Retryable { after, .. } => DeliveryError::Retryable { message, after },
        DeliveryError::Permanent(_) => DeliveryError::Permanent(message),
    }
}

/// `chat.postMessage` errors that are Slack's trouble, not the request's: worth retrying.
const RETRYABLE_API_ERRORS: [&str; 6] =
    ["ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"];

/// What `chat.postMessage` said: `ok`, and the error code when not.
#[derive(Debug, PartialEq, Eq)]
struct ApiReply {
    ok: bool,
    error: Option<String>,
}

/// The outcome of a `chat.postMessage` call that answered 2xx.
fn post_message_outcome(body: &[u8], after: Option<std::time::Duration>) -> Result<(), DeliveryError> {
    let Some(reply) = api_reply(body) else {
        return Err(DeliveryError::Permanent(format!(
            "slack chat.postMessage: unreadable answer: {}",
            body_excerpt(body)
        )));
    };
    if reply.ok {
        return Ok(());
    }
    let error = reply.error.unwrap_or_else(|| "unknown_error".into());
    let message = format!("slack chat.postMessage failed: {error}");
    if RETRYABLE_API_ERRORS.contains(&error.as_str()) {
        Err(DeliveryError::Retryable { message, after })
    } else {
        Err(DeliveryError::Permanent(message))
    }
}

/// Reads `{"ok": …, "error": …}`. A body cut at [`MAX_RESPONSE_BYTES`] (Slack echoes the posted
/// message back) is not valid JSON, so its leading `"ok"` and `"error"` are looked up directly.
fn api_reply(body: &[u8]) -> Option<ApiReply> {
    static OK: LazyLock<regex::bytes::Regex> =
        LazyLock::new(|| regex::bytes::Regex::new(r#""ok"\s*:\s*(true|false)"#).expect("ok pattern"));
    static ERROR: LazyLock<regex::bytes::Regex> =
        LazyLock::new(|| regex::bytes::Regex::new(r#""error"\s*:\s*"([^"\\]{0,100})""#).expect("error pattern"));
    let (ok, error) = match serde_json::from_slice::<Value>(body) {
        Ok(reply) => (reply.get("ok")?.as_bool()?, reply.get("error").and_then(Value::as_str).map(str::to_string)),
        Err(_) => {
            let ok = OK.captures(body)?.get(1)?.as_bytes() == b"true";
            let error =
                ERROR.captures(body).and_then(|c| c.get(1)).map(|m| String::from_utf8_lossy(m.as_bytes()).into());
            (ok, error)
        }
    };
    Some(ApiReply { ok, error: error.map(|e| error_code(&e)) })
}

/// An error code as Slack writes them (`channel_not_found`), safe to print.
fn error_code(raw: &str) -> String {
    raw.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')).take(64).collect()
}

/// The registration of `slack_configs`.
pub const KIND: Kind = Kind { key: "slack_configs", build };

/// A Slack integration: its configuration (templates), where it goes, and whether the
/// configuration uses triage's own sections (then the unset `text` is triage's).
#[derive(Clone, Debug)]
pub struct SlackChannel {
    /// Where and how to send.
    pub target: SlackTarget,
    /// The entry of `slack_configs`.
    pub config: SlackConfig,
    /// triage's richer default text.
    pub rich: bool,
    /// Its own HTTP client, when `http_config` has connection settings (TLS, proxy, OAuth 2).
    pub client: Option<reqwest::Client>,
}

fn build(b: &BuildInput<'_>) -> Result<Arc<dyn Integration>, String> {
    let c = &b.receiver.slack_configs[b.index];
    let g = b.config.global();
    let url = SecretSource::from_pair(c.api_url.as_ref().map(|u| u.expose()), c.api_url_file.as_deref())
        .or_else(|| {
            SecretSource::from_pair(g.slack_api_url.as_ref().map(|u| u.expose()), g.slack_api_url_file.as_deref())
        })
        .ok_or_else(|| b.error(KIND.key, "no Slack API URL"))?;
    Ok(Arc::new(SlackChannel {
        target: SlackTarget { url, auth: HttpAuth::from_configs(c.http_config.as_ref(), g.http_config.as_ref()) },
        config: c.clone(),
        rich: triage_sections(b.config),
        client: super::http_kinds::own_client(KIND.key, c.http_config.as_ref(), b)?,
    }))
}

impl Integration for SlackChannel {
    fn kind(&self) -> &'static str {
        "slack"
    }

    fn compose<'a>(&'a self, input: ComposeInput<'a>) -> BoxFuture<'a, (Box<dyn Prepared>, Vec<String>)> {
        let data = go_data(&input, self.rich);
        let mut expander = input.templates.expander(&data);
        let message = payload(&self.config, self.rich, &mut expander);
        let prepared: Box<dyn Prepared> = match expander.finish() {
            Ok(()) => {
                if message.title_truncated {
                    tracing::warn!(group_key = %input.out.key.group_key, max_runes = triage_core::notify::slack::MAX_TITLE_RUNES, "Truncated title");
                }
                Box::new(SlackSend { target: self.target.clone(), message, client: self.client.clone() })
            }
            Err(e) => Box::new(Failed(DeliveryError::Permanent(format!("slack: template: {e}")))),
        };
        Box::pin(std::future::ready((prepared, Vec::new())))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A notification that could not be rendered: every attempt fails with the same error.
pub(crate) struct Failed(pub(crate) DeliveryError);

impl Prepared for Failed {
    fn send<'a>(&'a self, _: &'a reqwest::Client, _: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(std::future::ready(Err(self.0.clone())))
    }
}

/// A Slack message ready to send.
struct SlackSend {
    target: SlackTarget,
    message: SlackPayload,
    client: Option<reqwest::Client>,
}

impl Prepared for SlackSend {
    fn send<'a>(&'a self, client: &'a reqwest::Client, _: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.target.send(self.client.as_ref().unwrap_or(client), &self.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_follows_the_url() {
        assert_eq!(Transport::of("https://hooks.slack.com/services/T/B/x").unwrap(), Transport::IncomingWebhook);
        assert_eq!(Transport::of("https://slack.com/api/chat.postMessage").unwrap(), Transport::PostMessage);
        assert_eq!(Transport::of("http://127.0.0.1:9/api/chat.postMessage/").unwrap(), Transport::PostMessage);
        let err = Transport::of("not a url with-secret").unwrap_err();
        assert!(matches!(&err, DeliveryError::Permanent(m) if !m.contains("with-secret")), "{err:?}");
    }

    #[test]
    fn api_replies_are_read_even_when_cut_off() {
        assert_eq!(api_reply(br#"{"ok":true}"#), Some(ApiReply { ok: true, error: None }));
        assert_eq!(
            api_reply(br#"{"ok":false,"error":"channel_not_found"}"#),
            Some(ApiReply { ok: false, error: Some("channel_not_found".into()) })
        );
        let cut_off = format!(r#"{{"ok": true, "channel": "C1", "message": {{"text": "{}"#, "x".repeat(100));
        assert_eq!(api_reply(cut_off.as_bytes()), Some(ApiReply { ok: true, error: None }));
        assert_eq!(api_reply(b"<html>bad gateway</html>"), None);
        assert_eq!(api_reply(br#"{"ok":"yes"}"#), None);
        assert_eq!(api_reply(b""), None);
        let odd = api_reply(br#"{"ok":false,"error":"bad\u001b[31m code with spaces"}"#).unwrap();
        assert_eq!(odd.error.as_deref(), Some("bad31mcodewithspaces"));
    }

    #[test]
    fn excerpts_are_short_single_lines() {
        assert_eq!(body_excerpt(b"  invalid_payload\n"), "invalid_payload");
        assert_eq!(body_excerpt(b"a\nb\tc"), "a b c");
        let long = body_excerpt(&[b'x'; 5000]);
        assert!(long.chars().count() <= MAX_EXCERPT_CHARS);
        assert_eq!(body_excerpt(&[0xff, 0xfe, b'o', b'k']), "\u{fffd}\u{fffd}ok");
    }

    #[test]
    fn debug_hides_url_and_token() {
        let t = SlackTarget {
            url: SecretSource::Inline("https://hooks.slack.com/services/secret-path".into()),
            auth: Some(HttpAuth::Token {
                scheme: "Bearer".into(),
                token: SecretSource::Inline("xoxb-secret-token".into()),
            }),
        };
        let printed = format!("{t:?}");
        assert!(!printed.contains("secret-path") && !printed.contains("xoxb"), "{printed}");
    }
}
