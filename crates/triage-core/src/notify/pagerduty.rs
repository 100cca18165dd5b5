//! PagerDuty (`pagerduty_configs`; `details` values of any shape and `timeout` are
//! Alertmanager 0.28): one event per notification, Events API v2 (`routing_key`, sent to
//! `url`, `global.pagerduty_url` by default) or v1 (`service_key`, always sent to PagerDuty's
//! fixed v1 URL, as Alertmanager does). The dedup/incident key is the SHA-256 of the group
//! key; `resolve` when every alert is resolved. Retried on 5xx and on 429 (v2) or 403 (v1).
//!
//! `details` defaults to Alertmanager 0.25's four keys (text lists of firing and resolved
//! alerts, and their counts); rendered values stay strings, as in 0.25 (0.28 and later
//! re-read a rendered value as YAML and default the lists to JSON).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::request::{at_most_one, check_url_field, has, has_secret, problem};
use super::{BuildError, Expand, FileSecrets, HttpRequest, Integration, NotifyContext, Status, truncate_in_runes};
use crate::config::model::{Raw, Secret, non_empty};
use crate::config::{ConfigError, GlobalConfig, PromDuration};

/// Where Events API v1 events go (not configurable in Alertmanager).
pub const V1_URL: &str = "https://events.pagerduty.com/generic/2010-04-15/create_event.json";
/// The most characters of a v1 description or a v2 summary.
pub const MAX_SUMMARY_RUNES: usize = 1024;
/// The largest event PagerDuty accepts, in bytes; above it the details are replaced.
pub const MAX_EVENT_BYTES: usize = 512_000;
/// What replaces the details of an event over [`MAX_EVENT_BYTES`].
pub const DETAILS_REMOVED: &str =
    "Custom details have been removed because the original event exceeds the maximum size of 512kB";

/// A `pagerduty_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PagerdutyConfig {
    /// Notify about resolved alerts too (default true).
    #[serde(default = "crate::config::model::default_true")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    /// Events API v1 integration key (a template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_key: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_key_file: Option<String>,
    /// Events API v2 integration key (a template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_key: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_key_file: Option<String>,
    /// The v2 events URL; `global.pagerduty_url` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default = "default_client")]
    pub client: String,
    #[serde(default = "default_client_url")]
    pub client_url: String,
    #[serde(default = "default_description")]
    pub description: String,
    /// Custom details: templates, nested maps and lists of them (0.28), other scalars as
    /// written. Alertmanager's four default keys are added when missing.
    #[serde(default = "default_details")]
    pub details: BTreeMap<String, yaml_serde::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<PagerdutyImage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<PagerdutyLink>,
    /// The affected system; the `client` template when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// `critical`, `error`, `warning` or `info` (a template); `error` when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub severity: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub class: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub component: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Give up on a send after this long (0.28); no limit when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<PromDuration>,
}

/// An image of a v2 event (templates); dropped when `src` renders empty.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PagerdutyImage {
    #[serde(default)]
    pub src: String,
    #[serde(default)]
    pub alt: String,
    #[serde(default)]
    pub href: String,
}

/// A link of a v2 event (templates); dropped when `href` renders empty.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PagerdutyLink {
    #[serde(default)]
    pub href: String,
    #[serde(default)]
    pub text: String,
}

fn default_client() -> String {
    r#"{{ template "pagerduty.default.client" . }}"#.into()
}
fn default_client_url() -> String {
    r#"{{ template "pagerduty.default.clientURL" . }}"#.into()
}
fn default_description() -> String {
    r#"{{ template "pagerduty.default.description" .}}"#.into()
}
/// Alertmanager 0.25's default details.
pub fn default_details() -> BTreeMap<String, yaml_serde::Value> {
    [
        ("firing", r#"{{ template "pagerduty.default.instances" .Alerts.Firing }}"#),
        ("resolved", r#"{{ template "pagerduty.default.instances" .Alerts.Resolved }}"#),
        ("num_firing", "{{ .Alerts.Firing | len }}"),
        ("num_resolved", "{{ .Alerts.Resolved | len }}"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), yaml_serde::Value::String(v.into())))
    .collect()
}

impl Default for PagerdutyConfig {
    fn default() -> PagerdutyConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

impl PagerdutyConfig {
    /// Whether events go to the v1 API (a service key is configured).
    pub fn is_v1(&self) -> bool {
        has_secret(&self.service_key) || has(&self.service_key_file)
    }

    /// The URL events are posted to.
    pub fn events_url<'a>(&'a self, global: &'a GlobalConfig) -> &'a str {
        if self.is_v1() { V1_URL } else { non_empty(&self.url).unwrap_or_else(|| global.pagerduty_url()) }
    }

    /// The details, with Alertmanager's default keys added where missing.
    fn all_details(&self) -> BTreeMap<String, yaml_serde::Value> {
        let mut d = self.details.clone();
        for (k, v) in default_details() {
            d.entry(k).or_insert(v);
        }
        d
    }
}

impl Integration for PagerdutyConfig {
    const KEY: &'static str = "pagerduty_configs";
    const NAME: &'static str = "pagerduty";

    fn send_resolved(&self) -> bool {
        self.send_resolved
    }

    fn secret_files<'a>(&'a self, _global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)> {
        let (inline, file, key) = if self.is_v1() {
            (&self.service_key, &self.service_key_file, "service_key_file")
        } else {
            (&self.routing_key, &self.routing_key_file, "routing_key_file")
        };
        match (has_secret(inline), non_empty(file)) {
            (false, Some(f)) => vec![(key, f)],
            _ => vec![],
        }
    }

    fn validate(&self, _global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>) {
        if !has_secret(&self.routing_key)
            && !has_secret(&self.service_key)
            && !has(&self.routing_key_file)
            && !has(&self.service_key_file)
        {
            problem(out, path, "missing service or routing key in PagerDuty config");
        }
        at_most_one(out, path, "routing_key", has_secret(&self.routing_key), has(&self.routing_key_file));
        at_most_one(out, path, "service_key", has_secret(&self.service_key), has(&self.service_key_file));
        check_url_field(out, path, "url", self.url.as_deref());
        if self.timeout.is_some_and(|t| t.get() < jiff::SignedDuration::ZERO) {
            problem(out, format!("{path}.timeout"), "must not be negative");
        }
    }

    fn build(
        &self,
        global: &GlobalConfig,
        files: &FileSecrets,
        ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError> {
        let resolve = ctx.status == Status::Resolved;
        let action = if resolve { "resolve" } else { "trigger" };
        let details: Map<String, Value> = self.all_details().iter().map(|(k, v)| (k.clone(), render(v, ex))).collect();
        let mut msg = Map::new();
        if self.is_v1() {
            let description = truncate_in_runes(&ex.text(&self.description), MAX_SUMMARY_RUNES).0;
            let key = match self.service_key.as_ref().filter(|s| !s.is_empty()) {
                Some(k) => k.expose(),
                None => files.trimmed("service_key_file")?,
            };
            let key = ex.text(key);
            let (client, client_url) = if resolve {
                (String::new(), String::new())
            } else {
                (ex.text(&self.client), ex.text(&self.client_url))
            };
            if key.is_empty() {
                return Err(BuildError::Empty("service key"));
            }
            msg.insert("service_key".into(), key.into());
            msg.insert("incident_key".into(), ctx.key_hash().into());
            msg.insert("event_type".into(), action.into());
            if !description.is_empty() {
                msg.insert("description".into(), description.into());
            }
            msg.insert("event_action".into(), "".into());
            msg.insert("payload".into(), Value::Null);
            insert_non_empty(&mut msg, "client", client);
            insert_non_empty(&mut msg, "client_url", client_url);
            if !details.is_empty() {
                msg.insert("details".into(), Value::Object(details));
            }
        } else {
            let severity = if self.severity.is_empty() { "error" } else { &self.severity };
            let source = if self.source.is_empty() { &self.client } else { &self.source };
            let summary = truncate_in_runes(&ex.text(&self.description), MAX_SUMMARY_RUNES).0;
            let key = match self.routing_key.as_ref().filter(|s| !s.is_empty()) {
                Some(k) => k.expose(),
                None => files.trimmed("routing_key_file")?,
            };
            let (client, client_url, key) = (ex.text(&self.client), ex.text(&self.client_url), ex.text(key));
            let mut payload = Map::new();
            payload.insert("summary".into(), summary.into());
            payload.insert("source".into(), ex.text(source).into());
            payload.insert("severity".into(), ex.text(severity).into());
            insert_non_empty(&mut payload, "class", ex.text(&self.class));
            insert_non_empty(&mut payload, "component", ex.text(&self.component));
            insert_non_empty(&mut payload, "group", ex.text(&self.group));
            if !details.is_empty() {
                payload.insert("custom_details".into(), Value::Object(details));
            }
            let images: Vec<Value> = self
                .images
                .iter()
                .map(|i| (ex.text(&i.src), ex.text(&i.alt), ex.text(&i.href)))
                .filter(|(src, _, _)| !src.is_empty())
                .map(|(src, alt, href)| serde_json::json!({"src": src, "alt": alt, "href": href}))
                .collect();
            let links: Vec<Value> = self
                .links
                .iter()
                .map(|l| (ex.text(&l.href), ex.text(&l.text)))
                .filter(|(href, _)| !href.is_empty())
                .map(|(href, text)| serde_json::json!({"href": href, "text": text}))
                .collect();
            if key.is_empty() {
                return Err(BuildError::Empty("routing key"));
            }
            msg.insert("routing_key".into(), key.into());
            msg.insert("dedup_key".into(), ctx.key_hash().into());
            msg.insert("event_action".into(), action.into());
            msg.insert("payload".into(), Value::Object(payload));
            insert_non_empty(&mut msg, "client", client);
            insert_non_empty(&mut msg, "client_url", client_url);
            if !images.is_empty() {
                msg.insert("images".into(), images.into());
            }
            if !links.is_empty() {
                msg.insert("links".into(), links.into());
            }
        }
        let mut body = Value::Object(msg);
        // Alertmanager measures the encoded event, its trailing newline included.
        if serde_json::to_vec(&body).map_or(0, |b| b.len() + 1) > MAX_EVENT_BYTES {
            let removed = serde_json::json!({ "error": DETAILS_REMOVED });
            if self.is_v1() {
                body["details"] = removed;
            } else {
                body["payload"]["custom_details"] = removed;
            }
        }
        Ok(vec![HttpRequest::post_json(self.events_url(global), body)])
    }

    fn retryable(&self, status: u16) -> bool {
        let extra = if self.is_v1() { 403 } else { 429 };
        super::retrier(status, &[extra]).unwrap_or(false)
    }
}

fn insert_non_empty(m: &mut Map<String, Value>, key: &str, value: String) {
    if !value.is_empty() {
        m.insert(key.into(), value.into());
    }
}

/// A detail value: strings rendered, maps and lists rendered inside, other scalars kept.
fn render(v: &yaml_serde::Value, ex: &mut dyn Expand) -> Value {
    use yaml_serde::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => serde_json::to_value(n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(ex.text(s)),
        Y::Sequence(s) => Value::Array(s.iter().map(|v| render(v, ex)).collect()),
        Y::Mapping(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s.clone(),
                        other => yaml_serde::to_string(other).unwrap_or_default().trim().to_string(),
                    };
                    (key, render(v, ex))
                })
                .collect(),
        ),
        Y::Tagged(t) => render(&t.value, ex),
    }
}

#[cfg(test)]
#[path = "pagerduty_tests.rs"]
mod tests;
