//! The Mattermost integration: a post sent to an incoming webhook, whose JSON is compatible with
//! Slack's (text, attachments) plus Mattermost's message priority.
//!
//! Every field is a Go template rendered with Alertmanager's data (see `compose.rs` for the
//! default text, and triage's richer one for configurations using triage's sections). The
//! message arrives here rendered; [`MattermostTarget::send`] cuts the text to
//! Mattermost's post size without breaking its Markdown, posts it, and says whether a failure is
//! worth retrying. The webhook URL is a secret: it never appears in errors or logs.

use serde_json::{Map, Value};
use triage_core::truncate::Markup;

use super::DeliveryError;
use super::slack::{incoming_webhook_outcome, limit, put, request_failed};
use crate::net::http_auth::HttpAuth;
use crate::net::secret::SecretSource;
use std::any::Any;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::compose::{MattermostChannel, go_data, mattermost_message, triage_sections};
use super::registry::{BuildInput, ComposeInput, Integration, Kind, Prepared};
use triage_core::engine::Outgoing;

/// The text of a post: Mattermost's default maximum post size, in characters.
pub const MAX_TEXT_CHARS: usize = 16383;

/// A rendered Mattermost post: every field is final. Empty strings are left out of the payload,
/// so the webhook's own defaults (channel, name, icon) apply.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MattermostMessage {
    /// Channel to post to (its name, or `@user` for a direct message).
    pub channel: String,
    /// Name to post as.
    pub username: String,
    /// Image to use as the avatar.
    pub icon_url: String,
    /// Emoji to use as the avatar (`:name:` or `name`).
    pub icon_emoji: String,
    /// The post's Markdown text; always sent, even empty.
    pub text: String,
    /// Slack-compatible attachments, passed through as they are.
    pub attachments: Vec<Value>,
    /// Message priority (`important` or `urgent`); none when `None` or empty.
    pub priority: Option<String>,
}

impl MattermostMessage {
    /// The JSON payload: `text`, then `channel`, `username`, `icon_url`, `icon_emoji` and
    /// `attachments` when not empty, and `priority: {"priority": …}` when a priority is set
    /// (the shape Mattermost's incoming webhooks read).
    pub fn to_json(&self) -> Value {
        let mut post = Map::new();
        post.insert("text".into(), Value::String(self.text.clone()));
        put(&mut post, "channel", &self.channel);
        put(&mut post, "username", &self.username);
        put(&mut post, "icon_url", &self.icon_url);
        put(&mut post, "icon_emoji", &self.icon_emoji);
        if !self.attachments.is_empty() {
            post.insert("attachments".into(), Value::Array(self.attachments.clone()));
        }
        if let Some(priority) = self.priority.as_deref().filter(|p| !p.is_empty()) {
            let mut inner = Map::new();
            inner.insert("priority".into(), Value::String(priority.into()));
            post.insert("priority".into(), Value::Object(inner));
        }
        Value::Object(post)
    }

    /// This message with its text cut to [`MAX_TEXT_CHARS`] as Markdown.
    pub fn limited(&self) -> MattermostMessage {
        MattermostMessage { text: limit("text", &self.text, MAX_TEXT_CHARS, Markup::Markdown), ..self.clone() }
    }
}

/// A configured Mattermost integration.
#[derive(Clone, Debug)]
pub struct MattermostTarget {
    /// The incoming webhook URL (`…/hooks/<key>`); the key is a secret, so it is never printed.
    pub url: SecretSource,
    /// Credentials from `http_config`.
    pub auth: Option<HttpAuth>,
}

impl MattermostTarget {
    /// Posts `msg` with its text cut to [`MAX_TEXT_CHARS`]. 2xx is success; 429 and 5xx are
    /// retryable (after the `Retry-After` the server gave); other statuses are permanent, with
    /// what Mattermost answered.
    pub async fn send(&self, client: &reqwest::Client, msg: &MattermostMessage) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(&msg.limited().to_json())
            .map_err(|e| DeliveryError::Permanent(format!("mattermost: encoding message: {e}")))?;
        let url = self.url.resolve()?;
        let resp = crate::net::http_auth::authorize(client.post(url.as_str()), self.auth.as_ref())?
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| request_failed("mattermost", e))?;
        incoming_webhook_outcome("mattermost", resp).await
    }
}

/// The registration of `mattermost_configs`.
pub const KIND: Kind = Kind { key: "mattermost_configs", build };

fn build(b: &BuildInput<'_>) -> Result<Arc<dyn Integration>, String> {
    let c = &b.receiver.mattermost_configs[b.index];
    let url = SecretSource::from_pair(c.webhook_url.as_ref().map(|u| u.expose()), c.webhook_url_file.as_deref())
        .ok_or_else(|| b.error(KIND.key, "no webhook_url"))?;
    Ok(Arc::new(MattermostChannel {
        target: MattermostTarget {
            url,
            auth: HttpAuth::from_configs(c.http_config.as_ref(), b.config.global().http_config.as_ref()),
        },
        config: c.clone(),
        rich: triage_sections(b.config),
        client: super::http_kinds::own_client(KIND.key, c.http_config.as_ref(), b)?,
    }))
}

impl Integration for MattermostChannel {
    fn kind(&self) -> &'static str {
        "mattermost"
    }

    fn compose<'a>(&'a self, input: ComposeInput<'a>) -> BoxFuture<'a, (Box<dyn Prepared>, Vec<String>)> {
        let data = go_data(&input, self.rich);
        let mut expander = input.templates.expander(&data);
        let message = mattermost_message(self, &mut expander);
        let prepared: Box<dyn Prepared> = match expander.finish() {
            Ok(()) => Box::new(MattermostSend { target: self.target.clone(), message, client: self.client.clone() }),
            Err(e) => Box::new(super::slack::Failed(DeliveryError::Permanent(format!("mattermost: template: {e}")))),
        };
        Box::pin(std::future::ready((prepared, Vec::new())))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A Mattermost message ready to send.
struct MattermostSend {
    target: MattermostTarget,
    message: MattermostMessage,
    client: Option<reqwest::Client>,
}

impl Prepared for MattermostSend {
    fn send<'a>(&'a self, client: &'a reqwest::Client, _: &'a Outgoing) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.target.send(self.client.as_ref().unwrap_or(client), &self.message))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn payload_shape() {
        let msg = MattermostMessage {
            channel: "alerts".into(),
            username: "triage".into(),
            icon_url: "https://triage.example/icon.png".into(),
            icon_emoji: String::new(),
            text: "**FIRING** DiskFull".into(),
            attachments: vec![json!({"fallback": "DiskFull", "color": "#ff0000", "text": "host1"})],
            priority: Some("urgent".into()),
        };
        let expected = json!({
            "channel": "alerts",
            "username": "triage",
            "icon_url": "https://triage.example/icon.png",
            "text": "**FIRING** DiskFull",
            "attachments": [{"fallback": "DiskFull", "color": "#ff0000", "text": "host1"}],
            "priority": {"priority": "urgent"}
        });
        assert_eq!(msg.to_json(), expected);
    }

    #[test]
    fn priority_and_empty_fields_are_left_out_when_unset() {
        let msg = MattermostMessage { text: "hi".into(), ..Default::default() };
        assert_eq!(msg.to_json(), json!({"text": "hi"}));
        let msg = MattermostMessage { priority: Some(String::new()), ..Default::default() };
        assert_eq!(msg.to_json(), json!({"text": ""}));
    }

    #[test]
    fn text_is_cut_to_the_post_size_as_markdown() {
        let msg =
            MattermostMessage { text: format!("`{}`\n{}", "c".repeat(10), "word ".repeat(5000)), ..Default::default() };
        let limited = msg.limited();
        assert!(limited.text.chars().count() <= MAX_TEXT_CHARS);
        assert!(limited.text.starts_with("`cccccccccc`\nword"));
        assert!(limited.text.ends_with(" more characters not shown_"), "{}", &limited.text[limited.text.len() - 60..]);
        let short = MattermostMessage { text: "ok".into(), ..Default::default() };
        assert_eq!(short.limited(), short);
    }

    #[test]
    fn debug_hides_url() {
        let t =
            MattermostTarget { url: SecretSource::Inline("https://mm.example/hooks/secret-key".into()), auth: None };
        assert!(!format!("{t:?}").contains("secret-key"));
    }
}
