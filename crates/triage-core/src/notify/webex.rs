//! Cisco Webex (`webex_configs`, Alertmanager 0.25): one message posted to `api_url`
//! (`global.webex_api_url` by default), authorised by `http_config.authorization` (required;
//! the shell applies it as for every `http_config`). The message is cut to 7439 bytes.
//! Retried on 5xx only.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::go_text::scalar_string;
use super::request::{check_url_field, problem};
use super::{BuildError, Expand, FileSecrets, HttpRequest, Integration, NotifyContext, truncate_in_bytes};
use crate::config::model::{Raw, non_empty};
use crate::config::{ConfigError, GlobalConfig};

/// Most bytes of a message.
pub const MAX_MESSAGE_BYTES: usize = 7439;

/// A `webex_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct WebexConfig {
    /// Notify about resolved alerts too (default true).
    #[serde(default = "crate::config::model::default_true")]
    pub send_resolved: bool,
    /// Must hold `authorization` (the bot's token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default = "default_message")]
    pub message: String,
    /// Required (a template).
    #[serde(default, deserialize_with = "scalar_string")]
    pub room_id: String,
}

fn default_message() -> String {
    r#"{{ template "webex.default.message" . }}"#.into()
}

impl Default for WebexConfig {
    fn default() -> WebexConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

impl WebexConfig {
    /// The URL in use.
    pub fn api_url<'a>(&'a self, global: &'a GlobalConfig) -> &'a str {
        non_empty(&self.api_url).unwrap_or_else(|| global.webex_api_url())
    }
}

impl Integration for WebexConfig {
    const KEY: &'static str = "webex_configs";
    const NAME: &'static str = "webex";

    fn send_resolved(&self) -> bool {
        self.send_resolved
    }

    fn secret_files<'a>(&'a self, _global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)> {
        vec![]
    }

    fn validate(&self, _global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>) {
        if self.room_id.is_empty() {
            problem(out, path, "missing room_id on webex_config");
        }
        let authorization = self.http_config.as_ref().and_then(|h| h.value().get("authorization"));
        if authorization.is_none_or(yaml_serde::Value::is_null) {
            problem(out, path, "missing webex_configs.http_config.authorization");
        }
        check_url_field(out, path, "api_url", self.api_url.as_deref());
    }

    fn build(
        &self,
        global: &GlobalConfig,
        _files: &FileSecrets,
        _ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError> {
        let markdown = truncate_in_bytes(&ex.text(&self.message), MAX_MESSAGE_BYTES).0;
        let room = ex.text(&self.room_id);
        let mut body = Map::new();
        body.insert("markdown".into(), markdown.into());
        if !room.is_empty() {
            body.insert("roomId".into(), room.into());
        }
        Ok(vec![HttpRequest::post_json(self.api_url(global), Value::Object(body))])
    }

    fn retryable(&self, status: u16) -> bool {
        super::retrier(status, &[]).unwrap_or(false)
    }
}

#[cfg(test)]
#[path = "webex_tests.rs"]
mod tests;
