//! Test support for receiver kinds: a fake [`Expand`], notification contexts with fixed
//! alerts and times, and the requests Alertmanager 0.25 was recorded sending
//! (`testdata/receivers`).

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::{Expand, NotifyContext, Status};
use crate::alert::Alert;
use crate::labels::LabelSet;

/// Renders a template as itself, or as the output set for it; HTML renderings are marked
/// `html:` so tests see which one was used.
#[derive(Default)]
pub(crate) struct FakeExpand {
    outputs: BTreeMap<String, String>,
    pub(crate) calls: Vec<String>,
}

impl FakeExpand {
    pub(crate) fn new() -> FakeExpand {
        FakeExpand::default()
    }

    /// `template` renders as `output`.
    pub(crate) fn with(mut self, template: &str, output: &str) -> FakeExpand {
        self.outputs.insert(template.into(), output.into());
        self
    }

    fn render(&mut self, template: &str) -> String {
        self.calls.push(template.into());
        self.outputs.get(template).cloned().unwrap_or_else(|| template.to_string())
    }
}

impl Expand for FakeExpand {
    fn text(&mut self, template: &str) -> String {
        self.render(template)
    }
    fn html(&mut self, template: &str) -> String {
        let out = self.render(template);
        if self.outputs.contains_key(template) { out } else { format!("html:{out}") }
    }
}

pub(crate) fn ts(s: &str) -> Timestamp {
    s.parse().expect("test timestamp")
}

/// The two alerts of the recordings, firing (`resolved` false) or resolved.
pub(crate) fn alerts(kind: &str, resolved: bool) -> Vec<Alert> {
    ["host-a:9100", "host-b:9100"]
        .iter()
        .map(|inst| Alert {
            labels: LabelSet::from_pairs([
                ("alertname", "DiskFull"),
                ("instance", inst),
                ("kind", kind),
                ("severity", "critical"),
            ]),
            annotations: LabelSet::from_pairs([
                ("description", "Only 3% left"),
                ("summary", format!("Disk almost full on {inst}").as_str()),
            ]),
            starts_at: ts("2024-05-01T10:00:00Z"),
            ends_at: resolved.then(|| ts("2024-05-01T10:30:00Z")),
            updated_at: ts("2024-05-01T10:00:00Z"),
            generator_url: "http://prometheus.example.org/graph?g0.expr=up".into(),
            timeout: false,
        })
        .collect()
}

/// The group key of the recordings' route for `kind`.
pub(crate) fn group_key(kind: &str) -> String {
    format!(r#"{{}}/{{kind="{kind}"}}:{{alertname="DiskFull"}}"#)
}

/// A context over `alerts` at a time after every recorded alert's end.
pub(crate) fn context<'a>(receiver: &'a str, key: &'a str, alerts: &'a [Alert]) -> NotifyContext<'a> {
    static GROUP: std::sync::OnceLock<LabelSet> = std::sync::OnceLock::new();
    let group_labels = GROUP.get_or_init(|| LabelSet::from_pairs([("alertname", "DiskFull")]));
    let now = ts("2024-05-01T11:00:00Z");
    let status = if alerts.iter().all(|a| a.resolved_at(now)) { Status::Resolved } else { Status::Firing };
    NotifyContext {
        receiver,
        group_key: key,
        group_labels,
        status,
        alerts,
        now,
        truncated_alerts: 0,
        external_url: "http://am.example.org:9093",
    }
}

/// One recorded request.
#[allow(dead_code)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) body: String,
}

impl Recorded {
    pub(crate) fn parse(text: &str) -> Recorded {
        let v: serde_json::Value = serde_json::from_str(text).expect("recorded request");
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        let headers = v["headers"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
            .unwrap_or_default();
        Recorded { method: s("method"), path: s("path"), query: s("query"), headers, body: s("body") }
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("recorded JSON body")
    }

    /// A JSON string field of the body, for the fake expander's outputs.
    pub(crate) fn field(&self, pointer: &str) -> String {
        self.json().pointer(pointer).and_then(|v| v.as_str()).unwrap_or_default().to_string()
    }
}

/// The recorder's base URL in the recordings.
pub(crate) const RECORDER: &str = "http://127.0.0.1:19871";
