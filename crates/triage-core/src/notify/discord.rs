//! Discord (`discord_configs`, Alertmanager 0.25; `webhook_url_file` 0.26, `content`,
//! `username`, `avatar_url` 0.28): one webhook message with one embed (title cut to 256,
//! description to 4096, content to 2000 characters), red while firing, green once resolved.
//! Retried on 5xx only.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::request::{check_url_field, has, has_secret, problem};
use super::{BuildError, Expand, FileSecrets, HttpRequest, Integration, NotifyContext, Status, truncate_in_runes};
use crate::config::model::{Raw, Secret};
use crate::config::{ConfigError, GlobalConfig};

/// Most characters of the embed's title.
pub const MAX_TITLE_RUNES: usize = 256;
/// Most characters of the embed's description.
pub const MAX_DESCRIPTION_RUNES: usize = 4096;
/// Most characters of the content.
pub const MAX_CONTENT_RUNES: usize = 2000;
/// The embed's colour while firing.
pub const COLOR_RED: u32 = 0x992D22;
/// The embed's colour once resolved.
pub const COLOR_GREEN: u32 = 0x2ECC71;

/// A `discord_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DiscordConfig {
    /// Notify about resolved alerts too (default true).
    #[serde(default = "crate::config::model::default_true")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url_file: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content: String,
    #[serde(default = "default_title")]
    pub title: String,
    #[serde(default = "default_message")]
    pub message: String,
    /// Sent as is (not a template).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// Sent as is when it parses as a URL.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub avatar_url: String,
}

fn default_title() -> String {
    r#"{{ template "discord.default.title" . }}"#.into()
}
fn default_message() -> String {
    r#"{{ template "discord.default.message" . }}"#.into()
}

impl Default for DiscordConfig {
    fn default() -> DiscordConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

/// A webhook URL setting pair, as Discord, Microsoft Teams and others check it.
pub(crate) fn check_webhook_pair(
    out: &mut Vec<ConfigError>,
    path: &str,
    url: &Option<Secret>,
    file: &Option<String>,
    missing: &str,
) {
    match (has_secret(url), has(file)) {
        (false, false) => problem(out, path, missing),
        (true, true) => problem(out, path, "at most one of webhook_url & webhook_url_file must be configured"),
        _ => check_url_field(out, path, "webhook_url", url.as_ref().map(Secret::expose)),
    }
}

/// The webhook URL: inline, or the trimmed contents of its file.
pub(crate) fn webhook_url<'a>(url: &'a Option<Secret>, files: &'a FileSecrets) -> Result<&'a str, BuildError> {
    super::request::secret_or_file(url.as_ref(), "webhook_url_file", files)
}

/// `webhook_url_file` when no inline URL is set.
pub(crate) fn webhook_file<'a>(url: &Option<Secret>, file: &'a Option<String>) -> Vec<(&'static str, &'a str)> {
    match (has_secret(url), file.as_deref().filter(|f| !f.is_empty())) {
        (false, Some(f)) => vec![("webhook_url_file", f)],
        _ => vec![],
    }
}

impl Integration for DiscordConfig {
    const KEY: &'static str = "discord_configs";
    const NAME: &'static str = "discord";

    fn send_resolved(&self) -> bool {
        self.send_resolved
    }

    fn secret_files<'a>(&'a self, _global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)> {
        webhook_file(&self.webhook_url, &self.webhook_url_file)
    }

    fn validate(&self, _global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>) {
        check_webhook_pair(
            out,
            path,
            &self.webhook_url,
            &self.webhook_url_file,
            "one of webhook_url or webhook_url_file must be configured",
        );
    }

    fn build(
        &self,
        _global: &GlobalConfig,
        files: &FileSecrets,
        ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError> {
        let title = truncate_in_runes(&ex.text(&self.title), MAX_TITLE_RUNES).0;
        let description = truncate_in_runes(&ex.text(&self.message), MAX_DESCRIPTION_RUNES).0;
        let content = truncate_in_runes(&ex.text(&self.content), MAX_CONTENT_RUNES).0;
        let color = if ctx.status == Status::Resolved { COLOR_GREEN } else { COLOR_RED };
        let url = webhook_url(&self.webhook_url, files)?;
        let mut body = json!({
            "content": content,
            "embeds": [{"title": title, "description": description, "color": color}],
        });
        if !self.username.is_empty() {
            body["username"] = self.username.clone().into();
        }
        if !self.avatar_url.is_empty() && crate::config::check_secret_url(&self.avatar_url).is_ok() {
            body["avatar_url"] = self.avatar_url.clone().into();
        }
        Ok(vec![HttpRequest::post_json(url, body)])
    }

    fn retryable(&self, status: u16) -> bool {
        super::retrier(status, &[]).unwrap_or(false)
    }
}

#[cfg(test)]
#[path = "discord_tests.rs"]
mod tests;
