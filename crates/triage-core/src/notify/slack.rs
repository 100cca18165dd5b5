//! Slack (`slack_configs`, Alertmanager 0.25): the JSON body of one message with one
//! attachment, byte for byte as Alertmanager's `notify/slack` encodes it: its key order, its
//! `omitempty` rules (`text`, `fallback`, `callback_id` and `footer` are always sent, a field's
//! `short` always), Go's HTML-safe string escaping and the encoder's final newline.
//!
//! Every text is a Go template; an unset one takes Alertmanager's default
//! (`{{ template "slack.default.title" . }}`, ...). With `rich` (a configuration that uses
//! triage's own sections, see `docs/notifications.md`) the unset `text` is
//! `{{ template "triage.slack.text" . }}` instead: the alerts' summaries, the category, the
//! runbook instructions and what was held back and why.
//!
//! Sending is the shell's (`triage/src/notify/slack.rs`): POST with `Content-Type:
//! application/json`, the bearer token of `http_config.authorization`; a 5xx answer is worth
//! another attempt, any other failure is not.

use crate::config::channels::{SlackActionConfig, SlackConfig};
use crate::go_template::go_json_string;
use crate::notify::{Expand, truncate_in_runes};

/// Most characters of the attachment's title (Alertmanager cuts it, ending in `…`).
pub const MAX_TITLE_RUNES: usize = 1024;

/// Alertmanager's default color: red while firing, green once resolved.
pub const DEFAULT_COLOR: &str = r#"{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}"#;
/// Alertmanager's default username.
pub const DEFAULT_USERNAME: &str = r#"{{ template "slack.default.username" . }}"#;
/// Alertmanager's default title.
pub const DEFAULT_TITLE: &str = r#"{{ template "slack.default.title" . }}"#;
/// Alertmanager's default title link.
pub const DEFAULT_TITLE_LINK: &str = r#"{{ template "slack.default.titlelink" . }}"#;
/// Alertmanager's default icon emoji.
pub const DEFAULT_ICON_EMOJI: &str = r#"{{ template "slack.default.iconemoji" . }}"#;
/// Alertmanager's default icon URL.
pub const DEFAULT_ICON_URL: &str = r#"{{ template "slack.default.iconurl" . }}"#;
/// Alertmanager's default pretext.
pub const DEFAULT_PRETEXT: &str = r#"{{ template "slack.default.pretext" . }}"#;
/// Alertmanager's default text.
pub const DEFAULT_TEXT: &str = r#"{{ template "slack.default.text" . }}"#;
/// triage's richer default text (runbooks, category, what was held back).
pub const TRIAGE_TEXT: &str = r#"{{ template "triage.slack.text" . }}"#;
/// Alertmanager's default fallback.
pub const DEFAULT_FALLBACK: &str = r#"{{ template "slack.default.fallback" . }}"#;
/// Alertmanager's default callback id.
pub const DEFAULT_CALLBACK_ID: &str = r#"{{ template "slack.default.callbackid" . }}"#;
/// Alertmanager's default footer.
pub const DEFAULT_FOOTER: &str = r#"{{ template "slack.default.footer" . }}"#;

/// The message Alertmanager sends for one notification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlackPayload {
    /// The encoded body, ending in a newline.
    pub body: String,
    /// The channel, for error messages.
    pub channel: String,
    /// Whether the title was cut to [`MAX_TITLE_RUNES`].
    pub title_truncated: bool,
}

/// A JSON object written in order, with Go's encoding of strings.
struct Object {
    out: String,
    first: bool,
}

impl Object {
    fn new() -> Object {
        Object { out: String::from("{"), first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        go_json_string(&mut self.out, key);
        self.out.push(':');
    }

    /// `key` with `value`, always.
    fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        go_json_string(&mut self.out, value);
    }

    /// `key` with `value` unless it is empty (`omitempty`).
    fn opt(&mut self, key: &str, value: &str) {
        if !value.is_empty() {
            self.string(key, value);
        }
    }

    fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
    }

    fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.out.push_str(json);
    }

    fn end(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

fn array(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(","))
}

fn or<'a>(value: &'a Option<String>, default: &'a str) -> &'a str {
    value.as_deref().unwrap_or(default)
}

/// Renders `c` for one notification into Alertmanager's body. Template errors are kept by
/// `ex` (the first one fails the notification, as in Alertmanager).
pub fn payload(c: &SlackConfig, rich: bool, ex: &mut dyn Expand) -> SlackPayload {
    let (title, title_truncated) = truncate_in_runes(&ex.text(or(&c.title, DEFAULT_TITLE)), MAX_TITLE_RUNES);
    let mut att = Object::new();
    att.opt("title", &title);
    att.opt("title_link", &ex.text(or(&c.title_link, DEFAULT_TITLE_LINK)));
    att.opt("pretext", &ex.text(or(&c.pretext, DEFAULT_PRETEXT)));
    att.string("text", &ex.text(or(&c.text, if rich { TRIAGE_TEXT } else { DEFAULT_TEXT })));
    att.string("fallback", &ex.text(or(&c.fallback, DEFAULT_FALLBACK)));
    att.string("callback_id", &ex.text(or(&c.callback_id, DEFAULT_CALLBACK_ID)));
    if !c.fields.is_empty() {
        let fields = c.fields.iter().map(|f| {
            let mut o = Object::new();
            o.opt("title", &ex.text(&f.title));
            o.opt("value", &ex.text(&f.value));
            o.bool("short", f.short.unwrap_or(c.short_fields));
            o.end()
        });
        let fields = array(fields.collect::<Vec<_>>().into_iter());
        att.raw("fields", &fields);
    }
    if !c.actions.is_empty() {
        let actions = c.actions.iter().map(|a| action(a, ex)).collect::<Vec<_>>();
        att.raw("actions", &array(actions.into_iter()));
    }
    att.opt("image_url", &ex.text(or(&c.image_url, "")));
    att.opt("thumb_url", &ex.text(or(&c.thumb_url, "")));
    att.string("footer", &ex.text(or(&c.footer, DEFAULT_FOOTER)));
    att.opt("color", &ex.text(or(&c.color, DEFAULT_COLOR)));
    let mrkdwn_in: Vec<&str> = if c.mrkdwn_in.is_empty() {
        vec!["fallback", "pretext", "text"]
    } else {
        c.mrkdwn_in.iter().map(String::as_str).collect()
    };
    att.raw("mrkdwn_in", &array(mrkdwn_in.iter().map(|m| quoted(m))));
    let attachment = att.end();

    let channel = ex.text(or(&c.channel, ""));
    let mut req = Object::new();
    req.opt("channel", &channel);
    req.opt("username", &ex.text(or(&c.username, DEFAULT_USERNAME)));
    req.opt("icon_emoji", &ex.text(or(&c.icon_emoji, DEFAULT_ICON_EMOJI)));
    req.opt("icon_url", &ex.text(or(&c.icon_url, DEFAULT_ICON_URL)));
    if c.link_names {
        req.bool("link_names", true);
    }
    req.raw("attachments", &format!("[{attachment}]"));
    let mut body = req.end();
    body.push('\n');
    SlackPayload { body, channel, title_truncated }
}

fn quoted(s: &str) -> String {
    let mut out = String::new();
    go_json_string(&mut out, s);
    out
}

/// A button, normalised as Alertmanager reads it: a `url` button drops `name`, `value` and
/// `confirm`.
fn action(a: &SlackActionConfig, ex: &mut dyn Expand) -> String {
    let link = !a.url.is_empty();
    let mut o = Object::new();
    o.opt("type", &ex.text(&a.kind));
    o.opt("text", &ex.text(&a.text));
    o.opt("url", &ex.text(&a.url));
    o.opt("style", &ex.text(&a.style));
    let (name, value) = if link { (String::new(), String::new()) } else { (ex.text(&a.name), ex.text(&a.value)) };
    o.opt("name", &name);
    o.opt("value", &value);
    if let Some(confirm) = a.confirm.as_ref().filter(|_| !link) {
        let mut c = Object::new();
        c.opt("text", &ex.text(&confirm.text));
        c.opt("title", &ex.text(&confirm.title));
        c.opt("ok_text", &ex.text(&confirm.ok_text));
        c.opt("dismiss_text", &ex.text(&confirm.dismiss_text));
        o.raw("confirm", &c.end());
    }
    o.end()
}

/// Alertmanager's retry rule for Slack: only a 5xx answer is worth another attempt.
pub fn retryable(status: u16) -> bool {
    (500..600).contains(&status)
}

#[cfg(test)]
#[path = "slack_tests.rs"]
mod tests;
