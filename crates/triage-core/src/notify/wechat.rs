//! WeChat Work (`wechat_configs`; `api_secret_file` Alertmanager 0.29): a message sent with
//! an access token that is fetched first (`GET <api_url>gettoken?corpid=..&corpsecret=..`)
//! and kept for two hours, or until the API answers `errcode` 42001 (expired).
//!
//! The shell keeps the token: when it has none or it is older than [`TOKEN_MAX_AGE`], it
//! sends [`WechatConfig::token_request`], reads the answer with [`parse_token`], and passes
//! the token to [`Integration::build`] in the [`FileSecrets`] under `access_token`. The
//! answer to the message is judged by [`check_answer`]: a non-200 status or an unreadable
//! body is retried; `errcode` 0 is a success; 42001 drops the token and is retried; any
//! other code is a failure not retried.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::go_text::{opt_scalar_string, scalar_string};
use super::request::{at_most_one, check_url_field, has, has_secret, problem};
use super::{BuildError, Expand, FileSecrets, HttpRequest, Integration, Method, NotifyContext, encode_query};
use crate::config::model::{Raw, Secret, non_empty};
use crate::config::{ConfigError, GlobalConfig};

/// How long a fetched access token is used.
pub const TOKEN_MAX_AGE: jiff::SignedDuration = jiff::SignedDuration::from_hours(2);

/// A `wechat_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct WechatConfig {
    /// Notify about resolved alerts too (default false).
    #[serde(default)]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    /// The corp secret (a template); `global.wechat_api_secret(_file)` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_secret: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_secret_file: Option<String>,
    /// The corp id (a template); `global.wechat_api_corp_id` when unset.
    #[serde(default, deserialize_with = "opt_scalar_string", skip_serializing_if = "Option::is_none")]
    pub corp_id: Option<String>,
    #[serde(default = "default_message")]
    pub message: String,
    /// The API's base URL; `global.wechat_api_url` when unset. A `/` is added when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default = "default_to_user", deserialize_with = "scalar_string")]
    pub to_user: String,
    #[serde(default = "default_to_party", deserialize_with = "scalar_string")]
    pub to_party: String,
    #[serde(default = "default_to_tag", deserialize_with = "scalar_string")]
    pub to_tag: String,
    #[serde(default = "default_agent_id", deserialize_with = "scalar_string")]
    pub agent_id: String,
    /// `text` (when empty) or `markdown`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_type: String,
}

fn default_message() -> String {
    r#"{{ template "wechat.default.message" . }}"#.into()
}
fn default_to_user() -> String {
    r#"{{ template "wechat.default.to_user" . }}"#.into()
}
fn default_to_party() -> String {
    r#"{{ template "wechat.default.to_party" . }}"#.into()
}
fn default_to_tag() -> String {
    r#"{{ template "wechat.default.to_tag" . }}"#.into()
}
fn default_agent_id() -> String {
    r#"{{ template "wechat.default.agent_id" . }}"#.into()
}

impl Default for WechatConfig {
    fn default() -> WechatConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

impl WechatConfig {
    /// The base URL in use, ending in `/`.
    pub fn api_url(&self, global: &GlobalConfig) -> String {
        let u = non_empty(&self.api_url).unwrap_or_else(|| global.wechat_api_url());
        if u.ends_with('/') { u.to_string() } else { format!("{u}/") }
    }

    /// `text` or `markdown`.
    pub fn message_type(&self) -> &str {
        if self.message_type.is_empty() { "text" } else { &self.message_type }
    }

    fn secret<'a>(&'a self, global: &'a GlobalConfig) -> (Option<&'a Secret>, Option<&'a str>) {
        if has_secret(&self.api_secret) || has(&self.api_secret_file) {
            (self.api_secret.as_ref().filter(|s| !s.is_empty()), non_empty(&self.api_secret_file))
        } else {
            (global.wechat_api_secret.as_ref().filter(|s| !s.is_empty()), non_empty(&global.wechat_api_secret_file))
        }
    }

    fn corp_id<'a>(&'a self, global: &'a GlobalConfig) -> Option<&'a str> {
        non_empty(&self.corp_id).or(non_empty(&global.wechat_api_corp_id))
    }

    /// The token request. Alertmanager reads the secret file first when one is set.
    pub fn token_request(
        &self,
        global: &GlobalConfig,
        files: &FileSecrets,
        ex: &mut dyn Expand,
    ) -> Result<HttpRequest, BuildError> {
        let secret = match self.secret(global) {
            (_, Some(_)) => files.trimmed("api_secret_file")?.to_string(),
            (Some(s), None) => s.expose().to_string(),
            (None, None) => String::new(),
        };
        let (secret, corp) = (ex.text(&secret), ex.text(self.corp_id(global).unwrap_or("")));
        let query = encode_query(&[("corpsecret", &secret), ("corpid", &corp)]);
        Ok(HttpRequest {
            method: Method::Get,
            url: format!("{}gettoken?{query}", self.api_url(global)),
            headers: vec![],
            body: super::Body::Empty,
        })
    }
}

/// Why a WeChat answer is not a success.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WechatError {
    /// The token answer has no token (`invalid APISecret for CorpID: <corp id>`).
    #[error("invalid APISecret for CorpID: {0}")]
    NoToken(String),
    /// The body is not the JSON expected.
    #[error("unreadable answer: {0}")]
    Unreadable(String),
    /// A status code other than 200.
    #[error("unexpected status code {0}")]
    Status(u16),
    /// An `errcode` other than 0, with `errmsg`.
    #[error("{message}")]
    Code {
        /// `errcode`.
        code: i64,
        /// `errmsg`.
        message: String,
        /// Whether another attempt may succeed (42001: the token expired).
        retry: bool,
    },
}

impl WechatError {
    /// Whether another attempt may succeed.
    pub fn retryable(&self) -> bool {
        match self {
            WechatError::NoToken(_) => false,
            WechatError::Unreadable(_) | WechatError::Status(_) => true,
            WechatError::Code { retry, .. } => *retry,
        }
    }

    /// Whether the cached token must be dropped (42001).
    pub fn token_expired(&self) -> bool {
        matches!(self, WechatError::Code { code: 42001, .. })
    }
}

/// The `access_token` of a token answer (`corp_id` for the error message).
pub fn parse_token(body: &[u8], corp_id: &str) -> Result<String, WechatError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| WechatError::Unreadable(e.to_string()))?;
    match v.get("access_token").and_then(Value::as_str) {
        Some(t) if !t.is_empty() => Ok(t.to_string()),
        _ => Err(WechatError::NoToken(corp_id.to_string())),
    }
}

/// Judges the answer to a message.
pub fn check_answer(status: u16, body: &[u8]) -> Result<(), WechatError> {
    if status != 200 {
        return Err(WechatError::Status(status));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| WechatError::Unreadable(e.to_string()))?;
    let code = v.get("errcode").and_then(Value::as_i64).unwrap_or(0);
    if code == 0 {
        return Ok(());
    }
    let message = v.get("errmsg").and_then(Value::as_str).unwrap_or_default().to_string();
    Err(WechatError::Code { code, message, retry: code == 42001 })
}

impl Integration for WechatConfig {
    const KEY: &'static str = "wechat_configs";
    const NAME: &'static str = "wechat";

    fn send_resolved(&self) -> bool {
        self.send_resolved
    }

    fn secret_files<'a>(&'a self, global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)> {
        match self.secret(global) {
            (_, Some(f)) => vec![("api_secret_file", f)],
            _ => vec![],
        }
    }

    fn validate(&self, global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>) {
        if !matches!(self.message_type(), "text" | "markdown") {
            problem(
                out,
                format!("{path}.message_type"),
                format!("weChat message type {:?} does not match valid options ^(text|markdown)$", self.message_type),
            );
        }
        at_most_one(out, path, "api_secret", has_secret(&self.api_secret), has(&self.api_secret_file));
        if self.secret(global) == (None, None) {
            problem(out, path, "no global Wechat ApiSecret set");
        }
        if self.corp_id(global).is_none() {
            problem(out, path, "no global Wechat CorpID set");
        }
        check_url_field(out, path, "api_url", self.api_url.as_deref());
    }

    /// The message request; the token is passed under `access_token`.
    fn build(
        &self,
        global: &GlobalConfig,
        files: &FileSecrets,
        _ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError> {
        let token = files.raw("access_token")?;
        let mut msg = Map::new();
        let (to_user, to_party, to_tag, agent) =
            (ex.text(&self.to_user), ex.text(&self.to_party), ex.text(&self.to_tag), ex.text(&self.agent_id));
        let content = ex.text(&self.message);
        let markdown = self.message_type() == "markdown";
        let (text, md) = if markdown { (String::new(), content) } else { (content, String::new()) };
        msg.insert("text".into(), json!({ "content": text }));
        for (k, v) in [("touser", to_user), ("toparty", to_party), ("totag", to_tag), ("agentid", agent)] {
            if !v.is_empty() {
                msg.insert(k.into(), v.into());
            }
        }
        msg.insert("safe".into(), "0".into());
        msg.insert("msgtype".into(), self.message_type().into());
        msg.insert("markdown".into(), json!({ "content": md }));
        let url = format!("{}message/send?{}", self.api_url(global), encode_query(&[("access_token", token)]));
        Ok(vec![HttpRequest::post_json(url, Value::Object(msg))])
    }

    /// Every status but 200 is retried (see [`check_answer`] for the body).
    fn retryable(&self, status: u16) -> bool {
        status != 200
    }
}

#[cfg(test)]
#[path = "wechat_tests.rs"]
mod tests;
