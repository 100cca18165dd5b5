//! VictorOps / Splunk On-Call (`victorops_configs`; `api_key_file` Alertmanager 0.26): one
//! JSON object posted to `<api_url><api_key>/<routing_key>`, the entity id being the SHA-256
//! of the group key. `message_type` is `RECOVERY` once resolved, and `CRITICAL` when the
//! configured one is not `INFO`, `WARNING` or `CRITICAL`. `state_message` is cut to 20480
//! characters. Retried on 5xx only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::go_text::scalar_string;
use super::request::{at_most_one, check_url_field, has, has_secret, problem};
use super::{BuildError, Expand, FileSecrets, HttpRequest, Integration, NotifyContext, Status, truncate_in_runes};
use crate::config::model::{Raw, Secret, non_empty};
use crate::config::{ConfigError, GlobalConfig};

/// Most characters of `state_message`.
pub const MAX_MESSAGE_RUNES: usize = 20480;
/// Keys `custom_fields` may not use.
pub const RESERVED_FIELDS: [&str; 7] = [
    "routing_key",
    "message_type",
    "state_message",
    "entity_display_name",
    "monitoring_tool",
    "entity_id",
    "entity_state",
];

/// A `victorops_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct VictoropsConfig {
    /// Notify about resolved alerts too (default true).
    #[serde(default = "crate::config::model::default_true")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    /// `global.victorops_api_key(_file)` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_file: Option<String>,
    /// `global.victorops_api_url` when unset; a `/` is added when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// Required (a template).
    #[serde(default, deserialize_with = "scalar_string")]
    pub routing_key: String,
    #[serde(default = "default_message_type", deserialize_with = "scalar_string")]
    pub message_type: String,
    #[serde(default = "default_state_message")]
    pub state_message: String,
    #[serde(default = "default_entity_display_name")]
    pub entity_display_name: String,
    #[serde(default = "default_monitoring_tool")]
    pub monitoring_tool: String,
    /// Extra fields of the payload (templates).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, String>,
}

fn default_message_type() -> String {
    "CRITICAL".into()
}
fn default_state_message() -> String {
    r#"{{ template "victorops.default.state_message" . }}"#.into()
}
fn default_entity_display_name() -> String {
    r#"{{ template "victorops.default.entity_display_name" . }}"#.into()
}
fn default_monitoring_tool() -> String {
    r#"{{ template "victorops.default.monitoring_tool" . }}"#.into()
}

impl Default for VictoropsConfig {
    fn default() -> VictoropsConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

impl VictoropsConfig {
    /// The base URL in use, ending in `/`.
    pub fn api_url(&self, global: &GlobalConfig) -> String {
        let u = non_empty(&self.api_url).unwrap_or_else(|| global.victorops_api_url());
        if u.ends_with('/') { u.to_string() } else { format!("{u}/") }
    }

    fn key<'a>(&'a self, global: &'a GlobalConfig) -> (Option<&'a Secret>, Option<&'a str>) {
        let inline = self.api_key.as_ref().filter(|s| !s.is_empty()).or(global.victorops_api_key.as_ref());
        let file = non_empty(&self.api_key_file).or(non_empty(&global.victorops_api_key_file));
        (inline.filter(|s| !s.is_empty()), file)
    }
}

impl Integration for VictoropsConfig {
    const KEY: &'static str = "victorops_configs";
    const NAME: &'static str = "victorops";

    fn send_resolved(&self) -> bool {
        self.send_resolved
    }

    fn secret_files<'a>(&'a self, global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)> {
        match self.key(global) {
            (None, Some(f)) => vec![("api_key_file", f)],
            _ => vec![],
        }
    }

    fn validate(&self, global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>) {
        if self.routing_key.is_empty() {
            problem(out, path, "missing Routing key in VictorOps config");
        }
        at_most_one(out, path, "api_key", has_secret(&self.api_key), has(&self.api_key_file));
        for f in RESERVED_FIELDS {
            if self.custom_fields.contains_key(f) {
                problem(
                    out,
                    format!("{path}.custom_fields"),
                    format!(
                        "victorOps config contains custom field {f} which cannot be used as it conflicts with the fixed/static fields"
                    ),
                );
            }
        }
        if self.key(global) == (None, None) {
            problem(out, path, "no global VictorOps API Key set");
        }
        check_url_field(out, path, "api_url", self.api_url.as_deref());
    }

    fn build(
        &self,
        global: &GlobalConfig,
        files: &FileSecrets,
        ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError> {
        let key = match self.key(global) {
            (Some(k), _) => k.expose(),
            _ => files.trimmed("api_key_file")?,
        };
        let url = format!("{}{key}/{}", self.api_url(global), ex.text(&self.routing_key));
        let mut message_type = ex.text(&self.message_type);
        let state_message = ex.text(&self.state_message);
        if ctx.status == Status::Firing && !matches!(message_type.as_str(), "INFO" | "WARNING" | "CRITICAL") {
            message_type = "CRITICAL".into();
        }
        if ctx.status == Status::Resolved {
            message_type = "RECOVERY".into();
        }
        // A Go map: keys come out sorted, custom fields among them.
        let mut msg = Map::new();
        msg.insert("message_type".into(), message_type.into());
        msg.insert("entity_id".into(), ctx.key_hash().into());
        msg.insert("entity_display_name".into(), ex.text(&self.entity_display_name).into());
        msg.insert("state_message".into(), truncate_in_runes(&state_message, MAX_MESSAGE_RUNES).0.into());
        msg.insert("monitoring_tool".into(), ex.text(&self.monitoring_tool).into());
        for (k, v) in &self.custom_fields {
            msg.insert(k.clone(), ex.text(v).into());
        }
        let sorted: BTreeMap<String, Value> = msg.into_iter().collect();
        Ok(vec![HttpRequest::post_json(url, Value::Object(sorted.into_iter().collect()))])
    }

    fn retryable(&self, status: u16) -> bool {
        super::retrier(status, &[]).unwrap_or(false)
    }
}

#[cfg(test)]
#[path = "victorops_tests.rs"]
mod tests;
