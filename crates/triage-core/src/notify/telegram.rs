//! Telegram (`telegram_configs`, Alertmanager 0.24; `bot_token_file` 0.26, `chat_id_file`
//! and `message_thread_id` 0.27/0.28): one `sendMessage` call of the Bot API.
//!
//! The message is rendered as HTML when `parse_mode` is `HTML` (the default), else as text
//! and cut to 4096 characters; an HTML message over the limit is replaced by a fixed notice,
//! as cutting it would break its markup (Alertmanager 0.25 cut it too). The body is the Bot
//! API's string parameters in a JSON object, as Alertmanager's client (telebot) sends them.
//! Every failure is retried: Alertmanager does not look at the status code.

use serde::{Deserialize, Serialize};

use super::request::{at_most_one, check_url_field, has, has_secret, problem};
use super::{BuildError, Expand, FileSecrets, HttpRequest, Integration, NotifyContext, truncate_in_runes};
use crate::config::model::{Raw, Secret, non_empty};
use crate::config::{ConfigError, GlobalConfig};

/// Telegram's limit on a message, in characters.
pub const MAX_MESSAGE_RUNES: usize = 4096;

/// What replaces an HTML message over the limit (Alertmanager's text, tabs included).
pub const TOO_LONG_NOTICE: &str = "Alertmanager notification could not be sent: message length exceeds Telegram limits.\n\t\t\tPlease check the template used for producing the message content.";

/// A `telegram_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// Notify about resolved alerts too (default true).
    #[serde(default = "crate::config::model::default_true")]
    pub send_resolved: bool,
    /// HTTP client settings; the global ones apply when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    /// The Bot API URL; `global.telegram_api_url` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// The bot's token; `global.telegram_bot_token` (0.28) when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_token: Option<Secret>,
    /// A file holding the token (0.26).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_token_file: Option<String>,
    /// The chat to post to.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub chat_id: i64,
    /// A file holding the chat id (0.28).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id_file: Option<String>,
    /// The forum topic to post to (0.27); 0 for none.
    #[serde(default, skip_serializing_if = "is_zero_i32")]
    pub message_thread_id: i32,
    /// The message template.
    #[serde(default = "default_message")]
    pub message: String,
    /// Send silently.
    #[serde(default)]
    pub disable_notifications: bool,
    /// `Markdown`, `MarkdownV2`, `HTML` (default) or empty.
    #[serde(default = "default_parse_mode")]
    pub parse_mode: String,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}
fn is_zero_i32(n: &i32) -> bool {
    *n == 0
}
fn default_message() -> String {
    r#"{{ template "telegram.default.message" . }}"#.into()
}
fn default_parse_mode() -> String {
    "HTML".into()
}

impl Default for TelegramConfig {
    fn default() -> TelegramConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

impl TelegramConfig {
    /// The Bot API URL in use.
    pub fn api_url<'a>(&'a self, global: &'a GlobalConfig) -> &'a str {
        non_empty(&self.api_url).unwrap_or_else(|| global.telegram_api_url())
    }

    fn token<'a>(&'a self, global: &'a GlobalConfig) -> (Option<&'a Secret>, Option<&'a str>) {
        if has_secret(&self.bot_token) || has(&self.bot_token_file) {
            (self.bot_token.as_ref(), non_empty(&self.bot_token_file))
        } else {
            (global.telegram_bot_token.as_ref(), non_empty(&global.telegram_bot_token_file))
        }
    }
}

impl Integration for TelegramConfig {
    const KEY: &'static str = "telegram_configs";
    const NAME: &'static str = "telegram";

    fn send_resolved(&self) -> bool {
        self.send_resolved
    }

    fn secret_files<'a>(&'a self, global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)> {
        let mut out = Vec::new();
        if let (_, Some(f)) = self.token(global) {
            out.push(("bot_token_file", f));
        }
        if self.chat_id == 0
            && let Some(f) = non_empty(&self.chat_id_file)
        {
            out.push(("chat_id_file", f));
        }
        out
    }

    fn validate(&self, global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>) {
        at_most_one(out, path, "bot_token", has_secret(&self.bot_token), has(&self.bot_token_file));
        let (token, file) = self.token(global);
        if token.is_none_or(|t| t.is_empty()) && file.is_none() {
            problem(out, path, "missing bot_token or bot_token_file on telegram_config");
        }
        if self.chat_id == 0 && !has(&self.chat_id_file) {
            problem(out, path, "missing chat_id or chat_id_file on telegram_config");
        }
        if self.chat_id != 0 && has(&self.chat_id_file) {
            problem(out, path, "at most one of chat_id & chat_id_file must be configured");
        }
        if !matches!(self.parse_mode.as_str(), "" | "Markdown" | "MarkdownV2" | "HTML") {
            problem(
                out,
                format!("{path}.parse_mode"),
                "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string",
            );
        }
        check_url_field(out, path, "api_url", self.api_url.as_deref());
    }

    fn build(
        &self,
        global: &GlobalConfig,
        files: &FileSecrets,
        _ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError> {
        let text = if self.parse_mode == "HTML" {
            let t = ex.html(&self.message);
            if t.chars().count() > MAX_MESSAGE_RUNES { TOO_LONG_NOTICE.to_string() } else { t }
        } else {
            truncate_in_runes(&ex.text(&self.message), MAX_MESSAGE_RUNES).0
        };
        // The file wins over an inline token, as in Alertmanager.
        let token = match self.token(global) {
            (_, Some(_)) => files.trimmed("bot_token_file")?,
            (inline, None) => inline.map_or("", Secret::expose),
        };
        let chat_id = if self.chat_id != 0 {
            self.chat_id
        } else {
            let raw = files.trimmed("chat_id_file")?;
            raw.parse::<i64>().map_err(|_| BuildError::Invalid {
                field: "chat_id_file",
                message: "could not parse chat_id (not an integer)".into(),
            })?
        };
        // telebot sends its parameters as a JSON object of strings, keys sorted.
        let mut body = serde_json::Map::new();
        body.insert("chat_id".into(), chat_id.to_string().into());
        if self.disable_notifications {
            body.insert("disable_notification".into(), "true".into());
        }
        body.insert("disable_web_page_preview".into(), "true".into());
        if self.message_thread_id != 0 {
            body.insert("message_thread_id".into(), self.message_thread_id.to_string().into());
        }
        if !self.parse_mode.is_empty() {
            body.insert("parse_mode".into(), self.parse_mode.clone().into());
        }
        body.insert("text".into(), text.into());
        let url = format!("{}/bot{token}/sendMessage", self.api_url(global));
        Ok(vec![HttpRequest::post_json(url, serde_json::Value::Object(body))])
    }

    fn retryable(&self, _status: u16) -> bool {
        true
    }
}

/// Whether a 2xx answer of the Bot API still reports a failure (`"ok": false`), which
/// Alertmanager treats as a failed, retryable send.
pub fn answer_failed(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|v| v.get("ok")?.as_bool()) != Some(true)
}

#[cfg(test)]
#[path = "telegram_tests.rs"]
mod tests;
