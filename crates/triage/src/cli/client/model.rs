//! The API's alerts and alert groups as the client shows them: read leniently from the JSON
//! of `GET /api/v2/alerts` and `GET /api/v2/alerts/groups` (a missing field is empty, never an
//! error), with the original JSON kept for `--output json` and drill-down.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::Value;
use triage_core::matcher::Matcher;

use super::output::severity_rank;

/// One alert of the API.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertView {
    /// The fingerprint, hex.
    pub fingerprint: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its annotations.
    pub annotations: BTreeMap<String, String>,
    /// When it started.
    pub starts_at: Option<Timestamp>,
    /// When it ends (or is expected to).
    pub ends_at: Option<Timestamp>,
    /// `active`, `suppressed` or `unprocessed`.
    pub state: String,
    /// Silences muting it.
    pub silenced_by: Vec<String>,
    /// Alerts inhibiting it.
    pub inhibited_by: Vec<String>,
    /// The outage hiding it, if any.
    pub outage: Option<String>,
    /// The JSON it was read from.
    pub raw: Value,
}

fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

impl AlertView {
    /// Reads one alert object.
    pub fn from_json(raw: &Value) -> AlertView {
        let status = raw.get("status");
        AlertView {
            fingerprint: raw.get("fingerprint").and_then(Value::as_str).unwrap_or_default().to_string(),
            labels: string_map(raw.get("labels")),
            annotations: string_map(raw.get("annotations")),
            starts_at: raw.get("startsAt").and_then(Value::as_str).and_then(|s| s.parse().ok()),
            ends_at: raw.get("endsAt").and_then(Value::as_str).and_then(|s| s.parse().ok()),
            state: status.and_then(|s| s.get("state")).and_then(Value::as_str).unwrap_or("unknown").to_string(),
            silenced_by: string_list(status.and_then(|s| s.get("silencedBy"))),
            inhibited_by: string_list(status.and_then(|s| s.get("inhibitedBy"))),
            outage: status.and_then(|s| s.get("outage")).and_then(Value::as_str).map(str::to_string),
            raw: raw.clone(),
        }
    }

    /// Reads an array of alerts (anything else reads as none).
    pub fn list_from_json(raw: &Value) -> Vec<AlertView> {
        raw.as_array().map(|a| a.iter().map(AlertView::from_json).collect()).unwrap_or_default()
    }

    /// A label's value, `""` when absent.
    pub fn label(&self, name: &str) -> &str {
        self.labels.get(name).map(String::as_str).unwrap_or("")
    }

    /// The site, from `site` (or `cms_site`).
    pub fn site(&self) -> &str {
        match self.label("site") {
            "" => self.label("cms_site"),
            site => site,
        }
    }

    /// The instance: `instance`, or `host` for node alerts (which have no `instance`).
    pub fn instance(&self) -> &str {
        match self.label("instance") {
            "" => self.label("host"),
            instance => instance,
        }
    }

    /// Why it is held back, shortly: `outage <id>` (a maintenance window or outage, whose id
    /// the API also lists in `silencedBy`), `silence <id>` (the first one, `+N` more),
    /// `inhibited by <fingerprint>`, `flapping`; empty when it is not held back.
    pub fn reason(&self) -> String {
        let silences: Vec<&String> = self.silenced_by.iter().filter(|id| Some(*id) != self.outage.as_ref()).collect();
        let more = |n: usize| if n > 1 { format!(" +{}", n - 1) } else { String::new() };
        if let Some(outage) = &self.outage {
            format!("outage {outage}")
        } else if let Some(first) = silences.first() {
            format!("silence {}{}", first.chars().take(8).collect::<String>(), more(silences.len()))
        } else if let Some(first) = self.inhibited_by.first() {
            format!("inhibited by {}{}", first.chars().take(8).collect::<String>(), more(self.inhibited_by.len()))
        } else if self.raw.pointer("/status/flapping").and_then(Value::as_bool) == Some(true) {
            "flapping".to_string()
        } else {
            String::new()
        }
    }

    /// What mutes it, shortly: `silenced`, `inhibited`, `outage <id>`, or the state.
    pub fn muted_by(&self) -> String {
        if let Some(outage) = &self.outage {
            format!("outage {outage}")
        } else if !self.silenced_by.is_empty() {
            "silenced".to_string()
        } else if !self.inhibited_by.is_empty() {
            "inhibited".to_string()
        } else {
            self.state.clone()
        }
    }

    /// Whether every matcher matches its labels (a missing label is `""`).
    pub fn matches(&self, matchers: &[Matcher]) -> bool {
        matchers.iter().all(|m| m.matches_value(self.label(&m.name)))
    }

    /// Whether `needle` (lowercase) occurs in a label or annotation name or value.
    pub fn contains_text(&self, needle: &str) -> bool {
        self.labels
            .iter()
            .chain(&self.annotations)
            .any(|(k, v)| k.to_lowercase().contains(needle) || v.to_lowercase().contains(needle))
    }
}

/// One aggregation group of the API, shown as an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupView {
    /// The group's labels (its `group_by` values).
    pub labels: BTreeMap<String, String>,
    /// The receiver it notifies.
    pub receiver: String,
    /// Its alerts.
    pub alerts: Vec<AlertView>,
    /// The JSON it was read from.
    pub raw: Value,
}

impl GroupView {
    /// Reads an array of groups (anything else reads as none).
    pub fn list_from_json(raw: &Value) -> Vec<GroupView> {
        let Some(groups) = raw.as_array() else { return Vec::new() };
        groups
            .iter()
            .map(|g| GroupView {
                labels: string_map(g.get("labels")),
                receiver: g
                    .get("receiver")
                    .and_then(|r| r.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                alerts: g.get("alerts").map(AlertView::list_from_json).unwrap_or_default(),
                raw: g.clone(),
            })
            .collect()
    }

    /// `{alertname="X", site="Y"}`, or `{}`.
    pub fn title(&self) -> String {
        let parts: Vec<String> = self.labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        format!("{{{}}}", parts.join(", "))
    }

    /// The most severe severity of its alerts.
    pub fn worst_severity(&self) -> &str {
        self.alerts.iter().map(|a| a.label("severity")).min_by_key(|s| severity_rank(s)).unwrap_or("")
    }

    /// When its earliest alert started.
    pub fn since(&self) -> Option<Timestamp> {
        self.alerts.iter().filter_map(|a| a.starts_at).min()
    }

    /// Its distinct alert names, sorted.
    pub fn alertnames(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.alerts.iter().map(|a| a.label("alertname")).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}
