//! The Slack integration (`slack_configs`): a message with one attachment, sent as JSON to an
//! incoming webhook or to the Web API's `chat.postMessage`.
//!
//! The message arrives here already rendered; [`SlackTarget::send`] cuts each part to the limits
//! below without breaking its markup, posts it, and says whether a failure is worth retrying.
//! The URL and the token are secrets: they never appear in errors or logs.
//!
//! Also home of the response handling shared with the other Slack-compatible incoming webhooks
//! (Mattermost): [`incoming_webhook_outcome`], [`request_failed`], [`read_capped`].

use std::borrow::Cow;
use std::sync::LazyLock;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde_json::{Map, Value};
use triage_core::truncate::{Markup, truncate};

use super::DeliveryError;
use super::webhook::{classify, retry_after};
use crate::net::secret::SecretSource;
use std::any::Any;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::compose::{SlackChannel, slack_message, view_of};
use super::registry::{BuildInput, ComposeInput, Integration, Kind, Prepared};
use crate::net::http_auth::HttpAuth;
use triage_core::engine::Outgoing;

/// Attachment title: Slack shows it as one bold line; longer titles are cut to this many
/// characters, as Alertmanager does for Slack.
pub const MAX_TITLE_CHARS: usize = 1024;
/// Attachment text: Slack recommends keeping a message's text under 4,000 characters (it cuts
/// messages over 40,000, without regard to markup). Staying at the recommendation also keeps the
/// whole payload well under Slack's cut.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Pretext, shown above the attachment: the same recommendation as the text.
pub const MAX_PRETEXT_CHARS: usize = 4000;
/// Fallback, the plain-text summary shown in notifications: the same recommendation.
pub const MAX_FALLBACK_CHARS: usize = 4000;
/// Footer: Slack documents a limit of 300 characters.
pub const MAX_FOOTER_CHARS: usize = 300;
/// Field title, a bold heading over the value: the attachment title's limit.
pub const MAX_FIELD_TITLE_CHARS: usize = 1024;
/// Field value: Slack's published limit for the text of one field of a section (2,000).
pub const MAX_FIELD_VALUE_CHARS: usize = 2000;

/// At most this much of a response body is read; the rest is ignored.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// At most this many characters of a response body go into an error message.
const MAX_EXCERPT_CHARS: usize = 200;

const JSON_UTF8: &str = "application/json; charset=utf-8";

/// One field of the attachment, shown in a table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlackField {
    /// Bold heading.
    pub title: String,
    /// The value; mrkdwn when `"fields"` is in the message's `mrkdwn_in`.
    pub value: String,
    /// Whether the field is short enough to sit next to another one; omitted when `None`.
    pub short: Option<bool>,
}

/// An interactive button of the attachment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlackAction {
    /// The action's type, sent as `type` (`button`).
    pub kind: String,
    /// The button's label.
    pub text: String,
    /// Where the button leads; omitted when empty.
    pub url: String,
    /// `default`, `primary` or `danger`; omitted when empty.
    pub style: String,
    /// Name sent back to the app on a click; omitted when empty.
    pub name: String,
    /// Value sent back to the app on a click; omitted when empty.
    pub value: String,
    /// A confirmation dialog shown before the action runs.
    pub confirm: Option<SlackConfirm>,
}

/// The confirmation dialog of a [`SlackAction`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlackConfirm {
    /// The question asked.
    pub text: String,
    /// The dialog's title; omitted when empty.
    pub title: String,
    /// The confirm button's label; omitted when empty.
    pub ok_text: String,
    /// The cancel button's label; omitted when empty.
    pub dismiss_text: String,
}

/// A rendered Slack message: every field is final text. Empty strings are left out of the
/// payload, so a field that was not configured does not override the webhook's defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlackMessage {
    /// Channel (`#name`) or user (`@name`) to post to, overriding the webhook's.
    pub channel: String,
    /// Name to post as.
    pub username: String,
    /// Emoji to use as the avatar (`:name:`).
    pub icon_emoji: String,
    /// Image to use as the avatar.
    pub icon_url: String,
    /// The attachment's color: `good`, `warning`, `danger` or `#rrggbb`.
    pub color: String,
    /// The attachment's title (plain text).
    pub title: String,
    /// Where the title links to.
    pub title_link: String,
    /// Text above the attachment.
    pub pretext: String,
    /// The attachment's text.
    pub text: String,
    /// Plain-text summary for notifications and clients without attachments.
    pub fallback: String,
    /// Small text under the attachment.
    pub footer: String,
    /// Table of fields.
    pub fields: Vec<SlackField>,
    /// Interactive buttons.
    pub actions: Vec<SlackAction>,
    /// Which parts are mrkdwn: any of `pretext`, `text`, `fields`.
    pub mrkdwn_in: Vec<String>,
    /// Whether Slack links `@user` and `#channel` names.
    pub link_names: bool,
    /// A large image in the attachment.
    pub image_url: String,
    /// A thumbnail at the attachment's side.
    pub thumb_url: String,
    /// Identifies the attachment to interactive actions.
    pub callback_id: String,
}

impl SlackMessage {
    /// The JSON payload: `channel`, `username`, `icon_emoji`, `icon_url` and `link_names` at the
    /// top, everything else in the single entry of `attachments`; empty strings, empty lists
    /// and a false `link_names` are left out.
    pub fn to_json(&self) -> Value {
        let mut attachment = Map::new();
        put(&mut attachment, "title", &self.title);
        put(&mut attachment, "title_link", &self.title_link);
        put(&mut attachment, "pretext", &self.pretext);
        put(&mut attachment, "text", &self.text);
        put(&mut attachment, "fallback", &self.fallback);
        put(&mut attachment, "callback_id", &self.callback_id);
        put_list(&mut attachment, "fields", self.fields.iter().map(SlackField::to_json));
        put_list(&mut attachment, "actions", self.actions.iter().map(SlackAction::to_json));
        put(&mut attachment, "image_url", &self.image_url);
        put(&mut attachment, "thumb_url", &self.thumb_url);
        put(&mut attachment, "footer", &self.footer);
        put(&mut attachment, "color", &self.color);
        put_list(&mut attachment, "mrkdwn_in", self.mrkdwn_in.iter().map(|m| Value::String(m.clone())));

        let mut message = Map::new();
        put(&mut message, "channel", &self.channel);
        put(&mut message, "username", &self.username);
        put(&mut message, "icon_emoji", &self.icon_emoji);
        put(&mut message, "icon_url", &self.icon_url);
        if self.link_names {
            message.insert("link_names".into(), Value::Bool(true));
        }
        message.insert("attachments".into(), Value::Array(vec![Value::Object(attachment)]));
        Value::Object(message)
    }

    /// This message with every part cut to its limit (see the `MAX_*` constants). Parts listed
    /// in `mrkdwn_in` are cut as Markdown, the others as plain text.
    pub fn limited(&self) -> SlackMessage {
        let markup_of = |part: &str| {
            if self.mrkdwn_in.iter().any(|m| m == part) { Markup::Markdown } else { Markup::Plain }
        };
        let fields = self
            .fields
            .iter()
            .map(|f| SlackField {
                title: limit("field title", &f.title, MAX_FIELD_TITLE_CHARS, Markup::Plain),
                value: limit("field value", &f.value, MAX_FIELD_VALUE_CHARS, markup_of("fields")),
                short: f.short,
            })
            .collect();
        SlackMessage {
            title: limit("title", &self.title, MAX_TITLE_CHARS, Markup::Plain),
            pretext: limit("pretext", &self.pretext, MAX_PRETEXT_CHARS, markup_of("pretext")),
            text: limit("text", &self.text, MAX_TEXT_CHARS, markup_of("text")),
            fallback: limit("fallback", &self.fallback, MAX_FALLBACK_CHARS, Markup::Plain),
            footer: limit("footer", &self.footer, MAX_FOOTER_CHARS, Markup::Plain),
            fields,
            ..self.clone()
        }
    }
}

impl SlackField {
    fn to_json(&self) -> Value {
        let mut field = Map::new();
        field.insert("title".into(), Value::String(self.title.clone()));
        field.insert("value".into(), Value::String(self.value.clone()));
        if let Some(short) = self.short {
            field.insert("short".into(), Value::Bool(short));
        }
        Value::Object(field)
    }
}

impl SlackAction {
    fn to_json(&self) -> Value {
        let mut action = Map::new();
        action.insert("type".into(), Value::String(self.kind.clone()));
        action.insert("text".into(), Value::String(self.text.clone()));
        put(&mut action, "url", &self.url);
        put(&mut action, "style", &self.style);
        put(&mut action, "name", &self.name);
        put(&mut action, "value", &self.value);
        if let Some(confirm) = &self.confirm {
            action.insert("confirm".into(), confirm.to_json());
        }
        Value::Object(action)
    }
}

impl SlackConfirm {
    fn to_json(&self) -> Value {
        let mut confirm = Map::new();
        confirm.insert("text".into(), Value::String(self.text.clone()));
        put(&mut confirm, "title", &self.title);
        put(&mut confirm, "ok_text", &self.ok_text);
        put(&mut confirm, "dismiss_text", &self.dismiss_text);
        Value::Object(confirm)
    }
}

/// Inserts `value` under `key` unless it is empty.
pub(crate) fn put(map: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        map.insert(key.into(), Value::String(value.into()));
    }
}

/// Inserts the list under `key` unless it is empty.
fn put_list(map: &mut Map<String, Value>, key: &str, items: impl Iterator<Item = Value>) {
    let items: Vec<Value> = items.collect();
    if !items.is_empty() {
        map.insert(key.into(), Value::Array(items));
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
    /// Sent as `Authorization: Bearer <token>` when set (needed by `chat.postMessage`).
    pub token: Option<SecretSource>,
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
    /// Posts `msg`, cut to Slack's limits ([`SlackMessage::limited`]).
    ///
    /// Incoming webhook: 2xx is success; 429 and 5xx are retryable (after the `Retry-After`
    /// the server gave); other statuses are permanent, with the text Slack answered
    /// (`invalid_payload`, `channel_not_found`, `no_service`…). `chat.postMessage`: the same for
    /// HTTP errors, then `{"ok":true}` is success, `{"ok":false}` with `ratelimited` or a
    /// server-side error is retryable, any other error (`invalid_auth`, `not_in_channel`…) is
    /// permanent.
    pub async fn send(&self, client: &reqwest::Client, msg: &SlackMessage) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(&msg.limited().to_json())
            .map_err(|e| DeliveryError::Permanent(format!("slack: encoding message: {e}")))?;
        let url = self.url.resolve()?;
        let transport = Transport::of(&url)?;
        let mut request = client.post(url.as_str()).header(CONTENT_TYPE, JSON_UTF8).body(body);
        if let Some(token) = &self.token {
            request = request.header(AUTHORIZATION, bearer(&token.resolve()?)?);
        }
        let resp = request.send().await.map_err(|e| request_failed("slack", e))?;
        match transport {
            Transport::IncomingWebhook => incoming_webhook_outcome("slack", resp).await,
            Transport::PostMessage => post_message_outcome(resp).await,
        }
    }
}

/// The `Authorization` header for `token`, marked sensitive so it is never logged.
fn bearer(token: &str) -> Result<HeaderValue, DeliveryError> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| DeliveryError::Permanent("slack: the token is not a valid HTTP header value".into()))?;
    value.set_sensitive(true);
    Ok(value)
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

/// The outcome of a `chat.postMessage` call.
async fn post_message_outcome(resp: reqwest::Response) -> Result<(), DeliveryError> {
    let status = resp.status();
    let after = retry_after(&resp);
    let body = read_capped(resp).await;
    if !status.is_success() {
        let answer = api_reply(&body).and_then(|r| r.error).unwrap_or_else(|| body_excerpt(&body));
        let class = classify(status, after).expect_err("not a success");
        return Err(with_message(class, format!("slack chat.postMessage answered HTTP {}: {answer}", status.as_u16())));
    }
    let Some(reply) = api_reply(&body) else {
        return Err(DeliveryError::Permanent(format!(
            "slack chat.postMessage: unreadable answer: {}",
            body_excerpt(&body)
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

fn build(b: &BuildInput<'_>) -> Result<Arc<dyn Integration>, String> {
    let c = &b.receiver.slack_configs[b.index];
    let g = b.config.global();
    let url = SecretSource::from_pair(c.api_url.as_ref().map(|u| u.expose()), c.api_url_file.as_deref())
        .or_else(|| {
            SecretSource::from_pair(g.slack_api_url.as_ref().map(|u| u.expose()), g.slack_api_url_file.as_deref())
        })
        .ok_or_else(|| b.error(KIND.key, "no Slack API URL"))?;
    Ok(Arc::new(SlackChannel {
        target: SlackTarget {
            url,
            token: HttpAuth::from_configs(c.http_config.as_ref(), g.http_config.as_ref())
                .and_then(|a| a.bearer().cloned()),
        },
        receiver: b.receiver.name.clone(),
        index: b.index,
        fields: c.fields.len(),
        short: c.fields.iter().map(|f| f.short.or(c.short_fields.then_some(true))).collect(),
        mrkdwn_in: c.mrkdwn_in.clone(),
        link_names: c.link_names,
    }))
}

impl Integration for SlackChannel {
    fn kind(&self) -> &'static str {
        "slack"
    }

    fn compose<'a>(&'a self, input: ComposeInput<'a>) -> BoxFuture<'a, (Box<dyn Prepared>, Vec<String>)> {
        let view = view_of(input.renderer, input.out, input.external_url);
        let (message, warnings) = slack_message(self, input.renderer, &view);
        let prepared = SlackSend { target: self.target.clone(), message };
        Box::pin(std::future::ready((Box::new(prepared) as Box<dyn Prepared>, warnings)))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A Slack message ready to send.
struct SlackSend {
    target: SlackTarget,
    message: SlackMessage,
}

impl Prepared for SlackSend {
    fn send<'a>(&'a self, client: &'a reqwest::Client, _: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.target.send(client, &self.message))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn full_message() -> SlackMessage {
        SlackMessage {
            channel: "#alerts".into(),
            username: "triage".into(),
            icon_emoji: ":fire:".into(),
            icon_url: String::new(),
            color: "danger".into(),
            title: "[FIRING:2] DiskFull".into(),
            title_link: "https://triage.example/#/alerts".into(),
            pretext: String::new(),
            text: "*host1* is full".into(),
            fallback: "[FIRING:2] DiskFull".into(),
            footer: "triage".into(),
            fields: vec![
                SlackField { title: "severity".into(), value: "critical".into(), short: Some(true) },
                SlackField { title: "site".into(), value: "T2_CH_CERN".into(), short: None },
            ],
            actions: vec![SlackAction {
                kind: "button".into(),
                text: "Runbook".into(),
                url: "https://runbooks.example/disk".into(),
                style: "primary".into(),
                confirm: Some(SlackConfirm { text: "Sure?".into(), ..Default::default() }),
                ..Default::default()
            }],
            mrkdwn_in: vec!["fallback".into(), "pretext".into(), "text".into()],
            link_names: true,
            image_url: String::new(),
            thumb_url: String::new(),
            callback_id: String::new(),
        }
    }

    #[test]
    fn payload_has_alertmanagers_shape() {
        let expected = json!({
            "channel": "#alerts",
            "username": "triage",
            "icon_emoji": ":fire:",
            "link_names": true,
            "attachments": [{
                "title": "[FIRING:2] DiskFull",
                "title_link": "https://triage.example/#/alerts",
                "text": "*host1* is full",
                "fallback": "[FIRING:2] DiskFull",
                "footer": "triage",
                "color": "danger",
                "mrkdwn_in": ["fallback", "pretext", "text"],
                "fields": [
                    {"title": "severity", "value": "critical", "short": true},
                    {"title": "site", "value": "T2_CH_CERN"}
                ],
                "actions": [{
                    "type": "button",
                    "text": "Runbook",
                    "url": "https://runbooks.example/disk",
                    "style": "primary",
                    "confirm": {"text": "Sure?"}
                }]
            }]
        });
        assert_eq!(full_message().to_json(), expected);
    }

    #[test]
    fn empty_message_is_an_empty_attachment() {
        assert_eq!(SlackMessage::default().to_json(), json!({"attachments": [{}]}));
    }

    #[test]
    fn limits_cut_each_part_with_its_markup() {
        let msg = SlackMessage {
            title: "t".repeat(2000),
            text: format!("```\n{}", "line\n".repeat(2000)),
            pretext: "p ".repeat(3000),
            fallback: "f".repeat(5000),
            footer: "o".repeat(400),
            fields: vec![SlackField { title: "k".into(), value: "v ".repeat(1500), short: None }],
            mrkdwn_in: vec!["text".into()],
            ..Default::default()
        }
        .limited();
        assert_eq!(msg.title.chars().count(), MAX_TITLE_CHARS);
        assert!(msg.title.ends_with(" more characters not shown"));
        assert!(msg.text.chars().count() <= MAX_TEXT_CHARS);
        // Text is in mrkdwn_in: cut at a line end inside the code block, which is closed.
        assert!(msg.text.contains("line\n```\n_… ") && msg.text.ends_with(" more characters not shown_"));
        // Pretext is not in mrkdwn_in: cut as plain text, no italics.
        assert!(msg.pretext.chars().count() <= MAX_PRETEXT_CHARS && !msg.pretext.ends_with('_'));
        assert!(msg.fallback.chars().count() <= MAX_FALLBACK_CHARS);
        assert!(msg.footer.chars().count() <= MAX_FOOTER_CHARS);
        assert!(msg.fields[0].value.chars().count() <= MAX_FIELD_VALUE_CHARS);
        assert_eq!(msg.fields[0].title, "k");
    }

    #[test]
    fn short_parts_are_untouched() {
        let msg = full_message();
        assert_eq!(msg.limited(), msg);
    }

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
            token: Some(SecretSource::Inline("xoxb-secret-token".into())),
        };
        let printed = format!("{t:?}");
        assert!(!printed.contains("secret-path") && !printed.contains("xoxb"), "{printed}");
    }

    #[test]
    fn bearer_header_is_sensitive_and_checked() {
        assert!(bearer("xoxb-1").unwrap().is_sensitive());
        let err = bearer("bad\ntoken").unwrap_err();
        assert!(matches!(&err, DeliveryError::Permanent(m) if !m.contains("bad")), "{err:?}");
    }
}
