//! The `logwatch` section (triage's own): node monitoring from shipped log files and from
//! samples pushed by `triage agent`, with threshold rules that raise alerts.
//!
//! ```yaml
//! logwatch:
//!   files:
//!     - paths: ["/var/log/nodes/*.jsonl"]
//!       format: json            # json | shipper_json | key_value | regex
//!   push:
//!     bearer_token_file: /etc/triage/agent-token
//!   rules:
//!     - name: NodeCpuHigh
//!       stat: cpu.percent
//!       op: ">"
//!       threshold: 90
//!       cycle: 5m
//!       for: 2m
//!     - name: NodeServiceDown
//!       service: sshd
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::duration::PromDuration;
use super::model::Secret;

/// The whole `logwatch` section.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogwatchConfig {
    /// Log files followed on this machine.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<LogFilesConfig>,
    /// Samples posted by agents to `/api/triage/v1/node-samples`; refused when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<PushConfig>,
    /// Threshold and service rules evaluated per host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ThresholdRuleConfig>,
    /// How often the rules are evaluated (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_interval: Option<PromDuration>,
    /// How long samples are kept per host and stat (default 1h; at least the longest cycle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<PromDuration>,
    /// Most hosts kept; samples of further hosts are dropped and counted (default 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_hosts: Option<usize>,
    /// Most stats kept per host (default 256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_stats_per_host: Option<usize>,
    /// Most samples kept per host and stat, oldest dropped first (default 4096).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_points: Option<usize>,
}

/// A set of log files and how their lines are laid out.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogFilesConfig {
    /// Paths; `*` and `?` may stand in the file name (not in directories).
    pub paths: Vec<String>,
    /// Line layout (default json).
    #[serde(default)]
    pub format: LineFormatName,
    /// For `shipper_json`: the layout of the line in the event's `message` (default json).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_format: Option<LineFormatName>,
    /// For `regex` (or a `regex` message format): the expression, with named captures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The field naming the host (default `host`, then `host.name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_field: Option<String>,
    /// The field holding the sample's time, RFC 3339 or unix seconds/milliseconds (default
    /// `@timestamp`); lines without it are timed when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_field: Option<String>,
    /// How often the files are checked for new lines (default 1s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval: Option<PromDuration>,
    /// Longer lines are skipped and counted (default 64 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_line_bytes: Option<usize>,
}

/// The name of a line layout in the configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineFormatName {
    /// One JSON object per line.
    #[default]
    Json,
    /// A shipper's event JSON with the original line in `message`.
    ShipperJson,
    /// `key=value` pairs.
    KeyValue,
    /// A regular expression with named captures (`pattern`).
    Regex,
}

/// Who may push samples over HTTP.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    /// The bearer token agents send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<Secret>,
    /// A file holding the bearer token (read at each load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_file: Option<String>,
}

/// How a rule compares the reduced value with its threshold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum Comparison {
    /// Above.
    #[default]
    #[serde(rename = ">")]
    Above,
    /// At or above.
    #[serde(rename = ">=")]
    AtLeast,
    /// Below.
    #[serde(rename = "<")]
    Below,
    /// At or below.
    #[serde(rename = "<=")]
    AtMost,
    /// Equal.
    #[serde(rename = "==")]
    Equal,
    /// Not equal.
    #[serde(rename = "!=")]
    NotEqual,
}

impl Comparison {
    /// Whether `value` compares true with `threshold`.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Above => value > threshold,
            Comparison::AtLeast => value >= threshold,
            Comparison::Below => value < threshold,
            Comparison::AtMost => value <= threshold,
            Comparison::Equal => value == threshold,
            Comparison::NotEqual => value != threshold,
        }
    }

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Above => ">",
            Comparison::AtLeast => ">=",
            Comparison::Below => "<",
            Comparison::AtMost => "<=",
            Comparison::Equal => "==",
            Comparison::NotEqual => "!=",
        }
    }
}

/// How the samples of one cycle become one value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reduce {
    /// The mean.
    #[default]
    Avg,
    /// The smallest.
    Min,
    /// The largest.
    Max,
    /// The latest.
    Last,
}

/// One rule: `reduce(stat over cycle) op threshold` for `for`, per host.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdRuleConfig {
    /// The alert name.
    pub name: String,
    /// The stat (`cpu.percent`, `disk./.used_percent`); `*` matches any run of characters,
    /// giving one alert per matching stat. Exclusive with `service`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat: Option<String>,
    /// A service-down rule: fires while the latest `service.<name>.up` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The comparison (default `>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Comparison>,
    /// The threshold (required for stat rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The window the stat is reduced over (default 5m; services: the latest sample in it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<PromDuration>,
    /// How the window's samples become one value (default avg; services: last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce: Option<Reduce>,
    /// How long the condition must hold before the alert fires (default 0s).
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_duration: Option<PromDuration>,
    /// Only hosts whose name matches this regular expression (anchored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<String>,
    /// Labels added to the alert (default `severity: warning`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations of the alert; `{host}`, `{stat}`, `{value}`, `{op}`, `{threshold}` and
    /// `{cycle}` are replaced. A summary and description are made when absent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}
