//! The scenario file format: an alertmanager.yml, timed inputs, and the notifications
//! expected, all in seconds from the scenario's start `t0`.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use triage_core::LabelSet;

/// Where scenarios start unless they say otherwise: a Monday, 08:00 UTC.
pub const DEFAULT_T0: &str = "2026-01-05T08:00:00Z";

/// One scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The absolute time of second 0 (RFC 3339).
    #[serde(default)]
    pub t0: Option<String>,
    /// The alertmanager.yml, as a mapping or as text.
    pub config: yaml_serde::Value,
    /// Inputs, in time order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Delivery attempts that fail.
    #[serde(default)]
    pub fail_deliveries: Vec<FailWindow>,
    /// How long a delivery takes (0: it completes at the flush instant).
    #[serde(default)]
    pub delivery_delay: f64,
    /// The clock stops after this second.
    pub run_until: f64,
    /// Every notification delivered, in time order.
    #[serde(default)]
    pub expect: Vec<Expected>,
}

/// One input at one time; exactly one action is set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Second of the input.
    pub at: f64,
    /// Alerts posted in one batch, as `POST /api/v2/alerts` receives them.
    #[serde(default)]
    pub alerts: Option<Vec<StepAlert>>,
    /// A silence posted.
    #[serde(default)]
    pub silence: Option<StepSilence>,
    /// Expires the silence created with this `id_as`.
    #[serde(default)]
    pub expire_silence: Option<String>,
    /// Reloads with this alertmanager.yml.
    #[serde(default)]
    pub reload: Option<yaml_serde::Value>,
    /// Restarts: a new engine built from what the shell would have persisted.
    #[serde(default)]
    pub restart: bool,
}

/// A posted alert; times are seconds, omitted ones are left for normalisation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepAlert {
    /// Labels.
    pub labels: Labels,
    /// Annotations.
    #[serde(default)]
    pub annotations: Option<Labels>,
    /// `startsAt`.
    #[serde(default)]
    pub starts_at: Option<f64>,
    /// `endsAt`.
    #[serde(default)]
    pub ends_at: Option<f64>,
}

/// A posted silence.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSilence {
    /// Matchers such as `a=b`, `c=~"d.*"`, `e!=f`.
    pub matchers: Vec<String>,
    /// Start (default: the step's time).
    #[serde(default)]
    pub starts_at: Option<f64>,
    /// End.
    pub ends_at: f64,
    /// A name later steps use for the silence's id.
    #[serde(default)]
    pub id_as: Option<String>,
}

/// Deliveries to a receiver (one integration, or all) fail in `[from, until)`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailWindow {
    /// Receiver name.
    pub receiver: String,
    /// Integration index; all when unset.
    #[serde(default)]
    pub integration: Option<usize>,
    /// First failing second.
    pub from: f64,
    /// First second that succeeds again.
    pub until: f64,
}

/// An exact second, or an inclusive window.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(untagged)]
pub enum At {
    /// Exactly.
    Exact(f64),
    /// Between the two, inclusive.
    Window([f64; 2]),
}

impl At {
    /// Whether `s` (seconds) is allowed.
    pub fn contains(self, s: f64) -> bool {
        const EPS: f64 = 1e-6;
        match self {
            At::Exact(x) => (s - x).abs() < EPS,
            At::Window([a, b]) => s >= a - EPS && s <= b + EPS,
        }
    }
}

/// One expected notification.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// When it is delivered.
    pub at: At,
    /// Receiver name.
    pub receiver: String,
    /// Integration index in the receiver.
    #[serde(default)]
    pub integration: usize,
    /// The webhook `groupKey`, checked when given.
    #[serde(default)]
    pub group_key: Option<String>,
    /// The webhook `groupLabels` (empty when omitted).
    #[serde(default)]
    pub group_labels: Labels,
    /// `firing` or `resolved`.
    pub status: String,
    /// The alerts in message order.
    pub alerts: Vec<ExpectedAlert>,
    /// `truncatedAlerts`.
    #[serde(default)]
    pub truncated: u64,
}

/// One expected alert of a message; optional fields are checked when given.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedAlert {
    /// Labels.
    pub labels: Labels,
    /// `firing` or `resolved`.
    pub status: String,
    /// Annotations.
    #[serde(default)]
    pub annotations: Option<Labels>,
    /// `startsAt`, in seconds.
    #[serde(default)]
    pub starts_at: Option<f64>,
    /// `endsAt`, in seconds.
    #[serde(default)]
    pub ends_at: Option<f64>,
}

/// A label map whose values may be written as YAML numbers or booleans.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Labels(pub BTreeMap<String, Scalar>);

/// A YAML scalar read as text.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

impl Labels {
    /// As a label set.
    pub fn to_set(&self) -> LabelSet {
        LabelSet::from_pairs(self.0.iter().map(|(k, v)| (k.clone(), v.text())))
    }
}

/// The text of an inline alertmanager.yml given as a mapping or as a string.
pub fn config_text(v: &yaml_serde::Value) -> String {
    match v {
        yaml_serde::Value::String(s) => s.clone(),
        other => yaml_serde::to_string(other).expect("config serialises"),
    }
}

/// `t0` plus `secs` (millisecond resolution, so that 1.1 is exact).
pub fn at(t0: Timestamp, secs: f64) -> Timestamp {
    let ms = (secs * 1000.0).round() as i64;
    t0.checked_add(SignedDuration::from_millis(ms)).expect("time in range")
}

/// Seconds from `t0` to `t`.
pub fn secs(t0: Timestamp, t: Timestamp) -> f64 {
    t.duration_since(t0).as_secs_f64()
}
