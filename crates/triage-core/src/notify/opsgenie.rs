//! OpsGenie (`opsgenie_configs`, Alertmanager 0.25 keys; unchanged since): creates an alert
//! (`POST v2/alerts`) while the group fires, then with `update_alerts` also sets its message
//! and description (`PUT v2/alerts/<alias>/message|description?identifierType=alias`), and
//! closes it (`POST v2/alerts/<alias>/close?identifierType=alias`) once resolved. The alias
//! is the SHA-256 of the group key. Retried on 429 and 5xx.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::request::{at_most_one, check_url_field, has, has_secret, problem};
use super::{BuildError, Expand, FileSecrets, HttpRequest, Integration, Method, NotifyContext, truncate_in_runes};
use crate::config::model::{Raw, Secret, non_empty};
use crate::config::{ConfigError, GlobalConfig};

/// OpsGenie's limit on an alert message, in characters.
pub const MAX_MESSAGE_RUNES: usize = 130;

/// An `opsgenie_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct OpsgenieConfig {
    /// Notify about resolved alerts too (default true): closes the alert.
    #[serde(default = "crate::config::model::default_true")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    /// The API key (a template); `global.opsgenie_api_key` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_file: Option<String>,
    /// The API's base URL; `global.opsgenie_api_url` when unset. A `/` is added when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default = "default_message")]
    pub message: String,
    #[serde(default = "default_description")]
    pub description: String,
    #[serde(default = "default_source")]
    pub source: String,
    /// Extra details (templates), over the group's common labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub entity: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responders: Vec<OpsgenieResponder>,
    /// Comma-separated actions.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub actions: String,
    /// Comma-separated tags.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tags: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub priority: String,
    /// Also update the message and description of an existing alert.
    #[serde(default)]
    pub update_alerts: bool,
}

/// A responder: one of `id`, `name`, `username`, and a `type` (`team`, `teams` (a
/// comma-separated list of team names), `user`, `escalation`, `schedule`). All templates.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct OpsgenieResponder {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
}

fn default_message() -> String {
    r#"{{ template "opsgenie.default.message" . }}"#.into()
}
fn default_description() -> String {
    r#"{{ template "opsgenie.default.description" . }}"#.into()
}
fn default_source() -> String {
    r#"{{ template "opsgenie.default.source" . }}"#.into()
}

impl Default for OpsgenieConfig {
    fn default() -> OpsgenieConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

/// Alertmanager's `ContainsTemplating`, near enough: the text has an action.
pub(crate) fn is_templated(s: &str) -> bool {
    s.contains("{{")
}

/// `strings.Split(strings.TrimSpace(s), ",")` without the empty parts (parts not trimmed).
fn safe_split(s: &str) -> Vec<String> {
    s.trim().split(',').filter(|p| !p.is_empty()).map(str::to_string).collect()
}

impl OpsgenieConfig {
    /// The base URL in use, ending in `/`.
    pub fn api_url(&self, global: &GlobalConfig) -> String {
        let u = non_empty(&self.api_url).unwrap_or_else(|| global.opsgenie_api_url());
        if u.ends_with('/') { u.to_string() } else { format!("{u}/") }
    }

    fn key<'a>(&'a self, global: &'a GlobalConfig) -> (Option<&'a Secret>, Option<&'a str>) {
        let inline = self.api_key.as_ref().filter(|s| !s.is_empty()).or(global.opsgenie_api_key.as_ref());
        let file = non_empty(&self.api_key_file).or(non_empty(&global.opsgenie_api_key_file));
        (inline.filter(|s| !s.is_empty()), file)
    }
}

impl Integration for OpsgenieConfig {
    const KEY: &'static str = "opsgenie_configs";
    const NAME: &'static str = "opsgenie";

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
        at_most_one(out, path, "api_key", has_secret(&self.api_key), has(&self.api_key_file));
        for (i, r) in self.responders.iter().enumerate() {
            let p = format!("{path}.responders[{i}]");
            let shown = format!("{{{} {} {} {}}}", r.id, r.name, r.username, r.kind);
            if r.id.is_empty() && r.username.is_empty() && r.name.is_empty() {
                problem(
                    out,
                    &p,
                    format!(
                        "opsGenieConfig responder {shown} has to have at least one of id, username or name specified"
                    ),
                );
            }
            if !is_templated(&r.kind)
                && !matches!(r.kind.to_lowercase().as_str(), "team" | "teams" | "user" | "escalation" | "schedule")
            {
                problem(
                    out,
                    format!("{p}.type"),
                    format!(
                        "opsGenieConfig responder {shown} type does not match valid options ^(team|teams|user|escalation|schedule)$"
                    ),
                );
            }
        }
        if self.key(global) == (None, None) {
            problem(out, path, "no global OpsGenie API Key set either inline or in a file");
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
        let base = self.api_url(global);
        let alias = ctx.key_hash();
        let mut details = Map::new();
        for (k, v) in common_labels(ctx) {
            details.insert(k, Value::String(v));
        }
        for (k, v) in &self.details {
            details.insert(k.clone(), ex.text(v).into());
        }
        let mut requests = Vec::new();
        let closing = ctx.status == super::Status::Resolved;
        if closing {
            let url = format!("{base}v2/alerts/{alias}/close?identifierType=alias");
            requests.push(HttpRequest::post_json(url, json!({ "source": ex.text(&self.source) })));
        } else {
            let message = truncate_in_runes(&ex.text(&self.message), MAX_MESSAGE_RUNES).0;
            let description = ex.text(&self.description);
            let mut responders = Vec::new();
            for r in &self.responders {
                let (id, name, username, kind) =
                    (ex.text(&r.id), ex.text(&r.name), ex.text(&r.username), ex.text(&r.kind));
                if id.is_empty() && name.is_empty() && username.is_empty() && kind.is_empty() {
                    continue;
                }
                if kind == "teams" {
                    for team in safe_split(&name) {
                        responders.push(responder("", &ex.text(&team), "", &ex.text("team")));
                    }
                    continue;
                }
                responders.push(responder(&id, &name, &username, &kind));
            }
            let mut msg = Map::new();
            msg.insert("alias".into(), alias.clone().into());
            msg.insert("message".into(), message.clone().into());
            if !description.is_empty() {
                msg.insert("description".into(), description.clone().into());
            }
            msg.insert("details".into(), Value::Object(details));
            msg.insert("source".into(), ex.text(&self.source).into());
            if !responders.is_empty() {
                msg.insert("responders".into(), Value::Array(responders));
            }
            let tags = safe_split(&ex.text(&self.tags));
            if !tags.is_empty() {
                msg.insert("tags".into(), tags.into());
            }
            for key in ["note", "priority", "entity"] {
                let template = match key {
                    "note" => &self.note,
                    "priority" => &self.priority,
                    _ => &self.entity,
                };
                let v = ex.text(template);
                if !v.is_empty() {
                    msg.insert(key.into(), v.into());
                }
            }
            let actions = safe_split(&ex.text(&self.actions));
            if !actions.is_empty() {
                msg.insert("actions".into(), actions.into());
            }
            requests.push(HttpRequest::post_json(format!("{base}v2/alerts"), Value::Object(msg)));
            if self.update_alerts {
                let mut put = |what: &str, body: Value| {
                    let mut r =
                        HttpRequest::post_json(format!("{base}v2/alerts/{alias}/{what}?identifierType=alias"), body);
                    r.method = Method::Put;
                    requests.push(r);
                };
                put("message", omit_empty("message", message));
                put("description", omit_empty("description", description));
            }
        }
        let key = match self.key(global) {
            (Some(k), _) => ex.text(k.expose()),
            _ => ex.text(files.raw("api_key_file")?).trim().to_string(),
        };
        for r in &mut requests {
            r.headers.push(("Authorization".into(), format!("GenieKey {key}")));
        }
        Ok(requests)
    }

    fn retryable(&self, status: u16) -> bool {
        super::retrier(status, &[429]).unwrap_or(false)
    }
}

fn omit_empty(key: &str, value: String) -> Value {
    let mut m = Map::new();
    if !value.is_empty() {
        m.insert(key.into(), value.into());
    }
    Value::Object(m)
}

fn responder(id: &str, name: &str, username: &str, kind: &str) -> Value {
    let mut m = Map::new();
    for (k, v) in [("id", id), ("name", name), ("username", username)] {
        if !v.is_empty() {
            m.insert(k.into(), v.into());
        }
    }
    m.insert("type".into(), kind.into());
    Value::Object(m)
}

/// The labels every alert of the notification has with the same value
/// (Alertmanager's `CommonLabels`).
pub(crate) fn common_labels(ctx: &NotifyContext<'_>) -> BTreeMap<String, String> {
    let mut alerts = ctx.alerts.iter();
    let Some(first) = alerts.next() else { return BTreeMap::new() };
    let mut common: BTreeMap<String, String> =
        first.labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    for a in alerts {
        common.retain(|k, v| a.labels.get(k) == Some(v.as_str()));
    }
    common
}

#[cfg(test)]
#[path = "opsgenie_tests.rs"]
mod tests;
