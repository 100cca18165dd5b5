//! Pushover (`pushover_configs`; `user_key_file`/`token_file` Alertmanager 0.26, `ttl` 0.27,
//! `monospace` 0.28): one POST to Pushover's fixed messages URL with every parameter in the
//! query string (sorted, no body, `Content-Type: text/plain`), as Alertmanager sends it.
//! Title cut to 250, message to 1024 (then trimmed; `(no details)` when empty), URL to 512
//! characters. Retried on 5xx only.

use serde::{Deserialize, Serialize};

use super::go_duration::{go_duration_secs, parse_go_duration};
use super::go_text::scalar_string;
use super::request::{at_most_one, has, has_secret, problem};
use super::{
    Body, BuildError, Expand, FileSecrets, HttpRequest, Integration, Method, NotifyContext, truncate_in_runes,
};
use crate::config::model::{Raw, Secret, non_empty};
use crate::config::{ConfigError, GlobalConfig};

/// Where messages go (not configurable in Alertmanager).
pub const API_URL: &str = "https://api.pushover.net/1/messages.json";
/// Most characters of a title.
pub const MAX_TITLE_RUNES: usize = 250;
/// Most characters of a message.
pub const MAX_MESSAGE_RUNES: usize = 1024;
/// Most characters of the supplementary URL.
pub const MAX_URL_RUNES: usize = 512;

/// A `pushover_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PushoverConfig {
    /// Notify about resolved alerts too (default true).
    #[serde(default = "crate::config::model::default_true")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    /// The recipient's user key (a template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_key: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_key_file: Option<String>,
    /// The application token (a template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_file: Option<String>,
    #[serde(default = "default_title")]
    pub title: String,
    #[serde(default = "default_message")]
    pub message: String,
    #[serde(default = "default_url")]
    pub url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url_title: String,
    #[serde(default, deserialize_with = "scalar_string", skip_serializing_if = "String::is_empty")]
    pub device: String,
    #[serde(default, deserialize_with = "scalar_string", skip_serializing_if = "String::is_empty")]
    pub sound: String,
    /// A template; `2` (emergency) while firing, `0` once resolved by default.
    #[serde(default = "default_priority", deserialize_with = "scalar_string")]
    pub priority: String,
    /// How often an emergency message is repeated (a Go duration, default `1m`).
    #[serde(default = "default_retry", deserialize_with = "scalar_string")]
    pub retry: String,
    /// How long an emergency message is repeated (a Go duration, default `1h`).
    #[serde(default = "default_expire", deserialize_with = "scalar_string")]
    pub expire: String,
    /// How long the message is kept (a Go duration; 0 or unset: forever).
    #[serde(default, deserialize_with = "scalar_string", skip_serializing_if = "String::is_empty")]
    pub ttl: String,
    #[serde(default)]
    pub html: bool,
    #[serde(default)]
    pub monospace: bool,
}

fn default_title() -> String {
    r#"{{ template "pushover.default.title" . }}"#.into()
}
fn default_message() -> String {
    r#"{{ template "pushover.default.message" . }}"#.into()
}
fn default_url() -> String {
    r#"{{ template "pushover.default.url" . }}"#.into()
}
fn default_priority() -> String {
    r#"{{ if eq .Status "firing" }}2{{ else }}0{{ end }}"#.into()
}
fn default_retry() -> String {
    "1m".into()
}
fn default_expire() -> String {
    "1h".into()
}

impl Default for PushoverConfig {
    fn default() -> PushoverConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

impl Integration for PushoverConfig {
    const KEY: &'static str = "pushover_configs";
    const NAME: &'static str = "pushover";

    fn send_resolved(&self) -> bool {
        self.send_resolved
    }

    fn secret_files<'a>(&'a self, _global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)> {
        let mut out = Vec::new();
        if !has_secret(&self.token)
            && let Some(f) = non_empty(&self.token_file)
        {
            out.push(("token_file", f));
        }
        if !has_secret(&self.user_key)
            && let Some(f) = non_empty(&self.user_key_file)
        {
            out.push(("user_key_file", f));
        }
        out
    }

    fn validate(&self, _global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>) {
        for (key, inline, file) in [
            ("user_key", has_secret(&self.user_key), has(&self.user_key_file)),
            ("token", has_secret(&self.token), has(&self.token_file)),
        ] {
            if !inline && !file {
                problem(out, path, format!("one of {key} or {key}_file must be configured"));
            }
            at_most_one(out, path, key, inline, file);
        }
        if self.html && self.monospace {
            problem(out, path, "at most one of monospace & html must be configured");
        }
        for (key, value) in [("retry", &self.retry), ("expire", &self.expire), ("ttl", &self.ttl)] {
            if !value.is_empty()
                && let Err(e) = parse_go_duration(value)
            {
                problem(out, format!("{path}.{key}"), e);
            }
        }
    }

    fn build(
        &self,
        _global: &GlobalConfig,
        files: &FileSecrets,
        _ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError> {
        // Alertmanager does not trim these files.
        let token = match self.token.as_ref().filter(|s| !s.is_empty()) {
            Some(t) => t.expose(),
            None => files.raw("token_file")?,
        };
        let user = match self.user_key.as_ref().filter(|s| !s.is_empty()) {
            Some(u) => u.expose(),
            None => files.raw("user_key_file")?,
        };
        let mut p: Vec<(&str, String)> = vec![("token", ex.text(token)), ("user", ex.text(user))];
        p.push(("title", truncate_in_runes(&ex.text(&self.title), MAX_TITLE_RUNES).0));
        let message = if self.html {
            p.push(("html", "1".into()));
            ex.html(&self.message)
        } else {
            ex.text(&self.message)
        };
        if self.monospace {
            p.push(("monospace", "1".into()));
        }
        let message = truncate_in_runes(&message, MAX_MESSAGE_RUNES).0.trim().to_string();
        p.push(("message", if message.is_empty() { "(no details)".into() } else { message }));
        p.push(("url", truncate_in_runes(&ex.text(&self.url), MAX_URL_RUNES).0));
        p.push(("url_title", ex.text(&self.url_title)));
        p.push(("priority", ex.text(&self.priority)));
        p.push(("retry", go_duration_secs(&self.retry).to_string()));
        p.push(("expire", go_duration_secs(&self.expire).to_string()));
        p.push(("device", ex.text(&self.device)));
        p.push(("sound", ex.text(&self.sound)));
        let ttl = go_duration_secs(&self.ttl);
        if ttl > 0 {
            p.push(("ttl", ttl.to_string()));
        }
        let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Ok(vec![HttpRequest {
            method: Method::Post,
            url: format!("{API_URL}?{}", super::encode_query(&pairs)),
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: Body::Empty,
        }])
    }

    fn retryable(&self, status: u16) -> bool {
        super::retrier(status, &[]).unwrap_or(false)
    }
}

#[cfg(test)]
#[path = "pushover_tests.rs"]
mod tests;
