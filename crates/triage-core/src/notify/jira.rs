//! Jira (`jira_configs`, Alertmanager 0.28; `api_type` 0.29, `summary`/`description` as
//! `{template, enable_update}` 0.30): one issue per alert group, found again by its label
//! `ALERT{<SHA-256 of the group key>}`. A notification is a short conversation, described as
//! data by [`JiraFlow`]: each call to [`JiraFlow::next`] takes the body of the previous
//! (2xx) answer and gives the next request, until `None`:
//!
//! 1. search for the group's issue (`POST <api_url>/search`, or `/search/jql` on API v3 for
//!    Jira Cloud), newest first;
//! 2. no issue and the group is resolved: done. Else create it (`POST issue`) or update it
//!    (`PUT issue/<key>`, summary and description left out when their `enable_update` is
//!    false);
//! 3. an existing issue that is done while the group fires is reopened with
//!    `reopen_transition`, one not done while resolved is closed with `resolve_transition`:
//!    `GET issue/<key>/transitions` to find the transition's id by name, then
//!    `POST issue/<key>/transitions`.
//!
//! Every request carries `Content-Type: application/json` and `Accept-Language: en`;
//! authentication is `http_config`'s. A failed status is retried on 429 and 5xx.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::request::problem;
use super::{
    BuildError, Expand, FileSecrets, HttpRequest, Integration, Method, NotifyContext, Status, truncate_in_runes,
};
use crate::config::model::{Raw, non_empty};
use crate::config::{ConfigError, GlobalConfig, PromDuration};
use crate::quote::go_quote;

/// Most characters of a summary.
pub const MAX_SUMMARY_RUNES: usize = 255;
/// Most characters of a description.
pub const MAX_DESCRIPTION_RUNES: usize = 32767;

/// A `jira_configs` entry.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct JiraConfig {
    /// Notify about resolved alerts too (default true).
    #[serde(default = "crate::config::model::default_true")]
    pub send_resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<Raw>,
    /// The REST API base (`https://x.atlassian.net/rest/api/2`); `global.jira_api_url` when
    /// unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// `auto` (default), `cloud` or `datacenter`: which search endpoint is used.
    #[serde(default = "default_api_type")]
    pub api_type: String,
    /// Required (a template).
    #[serde(default)]
    pub project: String,
    #[serde(default = "default_summary", deserialize_with = "de_summary")]
    pub summary: JiraField,
    #[serde(default = "default_description", deserialize_with = "de_description")]
    pub description: JiraField,
    /// Labels (templates); the group's `ALERT{...}` label is added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    #[serde(default = "default_priority")]
    pub priority: String,
    /// Required (a template).
    #[serde(default)]
    pub issue_type: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reopen_transition: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resolve_transition: String,
    /// Issues with this resolution are never reopened or updated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub wont_fix_resolution: String,
    /// A done issue resolved within this long is reopened instead of a new one created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopen_duration: Option<PromDuration>,
    /// Other issue fields: templates, nested maps and lists of them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, yaml_serde::Value>,
}

/// `summary` or `description`: a template, or `{template, enable_update}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JiraField {
    /// The template.
    pub template: String,
    /// Whether an existing issue's field is updated (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_update: Option<bool>,
}

/// Reads a [`JiraField`]; a mapping without `template` keeps the default one.
fn de_field<'de, D: serde::Deserializer<'de>>(d: D, default: fn() -> JiraField) -> Result<JiraField, D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Full {
        template: Option<String>,
        enable_update: Option<bool>,
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Text(String),
        Full(Full),
    }
    match Repr::deserialize(d)
        .map_err(|_| serde::de::Error::custom("expected a template, or a mapping of template and enable_update"))?
    {
        Repr::Text(template) => Ok(JiraField { template, enable_update: None }),
        Repr::Full(f) => {
            Ok(JiraField { template: f.template.unwrap_or_else(|| default().template), enable_update: f.enable_update })
        }
    }
}

fn de_summary<'de, D: serde::Deserializer<'de>>(d: D) -> Result<JiraField, D::Error> {
    de_field(d, default_summary)
}

fn de_description<'de, D: serde::Deserializer<'de>>(d: D) -> Result<JiraField, D::Error> {
    de_field(d, default_description)
}

impl JiraField {
    fn updates(&self) -> bool {
        self.enable_update.unwrap_or(true)
    }
}

fn default_api_type() -> String {
    "auto".into()
}
fn default_summary() -> JiraField {
    JiraField { template: r#"{{ template "jira.default.summary" . }}"#.into(), enable_update: None }
}
fn default_description() -> JiraField {
    JiraField { template: r#"{{ template "jira.default.description" . }}"#.into(), enable_update: None }
}
fn default_priority() -> String {
    r#"{{ template "jira.default.priority" . }}"#.into()
}

impl Default for JiraConfig {
    fn default() -> JiraConfig {
        yaml_serde::from_str("{}").expect("every key has a default")
    }
}

impl JiraConfig {
    /// The API base in use (no trailing `/`), when one is configured.
    pub fn api_url<'a>(&'a self, global: &'a GlobalConfig) -> Option<&'a str> {
        non_empty(&self.api_url).or(non_empty(&global.jira_api_url)).map(|u| u.trim_end_matches('/'))
    }

    fn url(&self, global: &GlobalConfig, path: &str) -> Result<String, BuildError> {
        let base = self.api_url(global).ok_or(BuildError::Empty("api_url"))?;
        Ok(format!("{base}/{}", path.trim_start_matches('/')))
    }

    fn request(
        &self,
        global: &GlobalConfig,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<HttpRequest, BuildError> {
        let mut r = HttpRequest::post_json(self.url(global, path)?, body.clone().unwrap_or(Value::Null));
        r.method = method;
        if body.is_none() {
            r.body = super::Body::Empty;
        }
        Ok(r.header("Accept-Language", "en"))
    }

    fn host_is_cloud(&self, global: &GlobalConfig) -> bool {
        let base = self.api_url(global).unwrap_or("");
        let host = base.split_once("://").map_or("", |(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""));
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let host =
            host.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h);
        host.ends_with("atlassian.net")
    }

    /// The search request.
    pub fn search_request(
        &self,
        global: &GlobalConfig,
        ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<HttpRequest, BuildError> {
        let mut jql = String::new();
        if !self.wont_fix_resolution.is_empty() {
            jql.push_str(&format!(
                "(resolution is EMPTY or resolution != {}) and ",
                go_quote(&self.wont_fix_resolution)
            ));
        }
        let minutes = self.reopen_duration.map_or(0, |d| d.get().as_secs() / 60);
        if ctx.status == Status::Firing && !self.reopen_transition.is_empty() && minutes > 0 {
            jql.push_str(&format!("(resolutiondate is EMPTY OR resolutiondate >= -{minutes}m) and "));
        } else {
            jql.push_str("statusCategory != Done and ");
        }
        let label = format!("ALERT{{{}}}", ctx.key_hash());
        let project = ex.text(&self.project);
        jql.push_str(&format!(
            "project={} and labels={} order by status ASC,resolutiondate DESC",
            go_quote(&project),
            go_quote(&label)
        ));
        let body = json!({ "fields": ["status"], "jql": jql, "maxResults": 2 });
        let cloud = self.api_type == "cloud" || (self.api_type == "auto" && self.host_is_cloud(global));
        let mut req = self.request(global, Method::Post, if cloud { "search/jql" } else { "search" }, Some(body))?;
        if cloud {
            req.url = req.url.replacen("/rest/api/2/", "/rest/api/3/", 1);
        }
        Ok(req)
    }

    /// The create (no `existing`) or update request.
    pub fn issue_request(
        &self,
        global: &GlobalConfig,
        ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
        existing: Option<&JiraIssue>,
    ) -> Result<HttpRequest, BuildError> {
        let summary = truncate_in_runes(&ex.text(&self.summary.template), MAX_SUMMARY_RUNES).0;
        let project = ex.text(&self.project);
        let issue_type = ex.text(&self.issue_type);
        let custom: Vec<(String, Value)> = self.fields.iter().map(|(k, v)| (k.clone(), render_field(v, ex))).collect();
        let description = truncate_in_runes(&ex.text(&self.description.template), MAX_DESCRIPTION_RUNES).0;
        let v3 = self.api_url(global).is_some_and(|u| u.ends_with("/3"));
        let description = if v3 {
            let d = description.trim();
            if d.is_empty() {
                None
            } else {
                Some(serde_json::from_str::<Value>(d).map_err(|_| BuildError::Invalid {
                    field: "description",
                    message: "invalid JSON for API v3".into(),
                })?)
            }
        } else {
            (!description.is_empty()).then_some(Value::String(description))
        };
        let mut labels: Vec<String> = self.labels.iter().map(|l| ex.text(l)).collect();
        labels.push(format!("ALERT{{{}}}", ctx.key_hash()));
        labels.sort();
        let priority = ex.text(&self.priority);
        let update = existing.is_some();
        let mut fields = Map::new();
        if !update || self.summary.updates() {
            fields.insert("summary".into(), summary.into());
        }
        if let Some(d) = description.filter(|_| !update || self.description.updates()) {
            fields.insert("description".into(), d);
        }
        fields.insert("issuetype".into(), name_value(&issue_type));
        fields.insert("labels".into(), labels.into());
        if !priority.is_empty() {
            fields.insert("priority".into(), name_value(&priority));
        }
        fields.insert("project".into(), json!({ "key": project }));
        for (k, v) in custom {
            fields.insert(k, v);
        }
        let body = json!({ "fields": Value::Object(fields) });
        match existing {
            None => self.request(global, Method::Post, "issue", Some(body)),
            Some(i) => self.request(global, Method::Put, &format!("issue/{}", i.key), Some(body)),
        }
    }

    /// The transition to apply to `issue`, if any.
    pub fn transition_for(&self, issue: &JiraIssue, status: Status) -> Option<&str> {
        let done = issue.status_category.as_deref() == Some("done");
        let t = match (status, done) {
            (Status::Firing, true) => &self.reopen_transition,
            (Status::Resolved, false) => &self.resolve_transition,
            _ => return None,
        };
        issue.status_category.as_ref()?;
        (!t.is_empty()).then_some(t.as_str())
    }
}

fn name_value(name: &str) -> Value {
    if name.is_empty() { json!({}) } else { json!({ "name": name }) }
}

/// A custom field: strings rendered and, when the result reads as YAML data other than a
/// string, that data (as Alertmanager's `DeepCopyWithTemplate`); maps and lists inside.
fn render_field(v: &yaml_serde::Value, ex: &mut dyn Expand) -> Value {
    use yaml_serde::Value as Y;
    match v {
        Y::String(s) => {
            let out = ex.text(s);
            match yaml_serde::from_str::<Y>(&out) {
                Ok(Y::String(_)) | Err(_) => Value::String(out),
                Ok(data) => serde_json::to_value(&data).unwrap_or(Value::String(out)),
            }
        }
        Y::Sequence(s) => Value::Array(s.iter().map(|v| render_field(v, ex)).collect()),
        Y::Mapping(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    (
                        k.as_str().map_or_else(
                            || yaml_serde::to_string(k).unwrap_or_default().trim().to_string(),
                            str::to_string,
                        ),
                        render_field(v, ex),
                    )
                })
                .collect(),
        ),
        Y::Tagged(t) => render_field(&t.value, ex),
        other => serde_json::to_value(other).unwrap_or(Value::Null),
    }
}

impl Integration for JiraConfig {
    const KEY: &'static str = "jira_configs";
    const NAME: &'static str = "jira";

    fn send_resolved(&self) -> bool {
        self.send_resolved
    }

    fn secret_files<'a>(&'a self, _global: &'a GlobalConfig) -> Vec<(&'static str, &'a str)> {
        vec![]
    }

    fn validate(&self, global: &GlobalConfig, path: &str, out: &mut Vec<ConfigError>) {
        if self.project.is_empty() {
            problem(out, path, "missing project in jira_config");
        }
        if self.issue_type.is_empty() {
            problem(out, path, "missing issue_type in jira_config");
        }
        if !matches!(self.api_type.as_str(), "auto" | "cloud" | "datacenter") {
            problem(
                out,
                format!("{path}.api_type"),
                "unknown api_type on jira_config, must be auto, cloud or datacenter",
            );
        }
        if self.api_url(global).is_none() {
            problem(out, path, "no global Jira Cloud URL set");
        }
        super::request::check_url_field(out, path, "api_url", self.api_url.as_deref());
    }

    /// Only the first request (the search): use [`JiraFlow`] for the whole conversation.
    fn build(
        &self,
        global: &GlobalConfig,
        _files: &FileSecrets,
        ctx: &NotifyContext<'_>,
        ex: &mut dyn Expand,
    ) -> Result<Vec<HttpRequest>, BuildError> {
        Ok(vec![self.search_request(global, ctx, ex)?])
    }

    fn retryable(&self, status: u16) -> bool {
        super::retrier(status, &[429]).unwrap_or(false)
    }
}

#[path = "jira_flow.rs"]
mod flow;
pub use flow::{JiraError, JiraFlow, JiraIssue, parse_search};

#[cfg(test)]
#[path = "jira_tests.rs"]
mod tests;
