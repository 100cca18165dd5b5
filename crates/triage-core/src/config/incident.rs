//! The `incidents` key of a route (triage's own): the route notifies per incident instead of
//! per aggregation group. Inherited by child routes; a child may change any field or turn it
//! off with `enabled: false`.
//!
//! ```yaml
//! route:
//!   receiver: ops
//!   group_by: [site]
//!   incidents:
//!     correlate_by: [site]        # topology labels shared by an incident's alerts (default: group_by)
//!     window: 15m                 # quiet time after which the next alert opens a new incident
//!     kind_by: [alertname]        # what makes an alert a new kind (default [alertname])
//!     renotify_kind_after: 2h     # a kind quiet this long counts as new again (default: never)
//!     remind_every: 12h           # reminder while open and unchanged (default: never)
//!     cooccurrence:               # learn which correlate values fail together (default: off)
//!       min_count: 3
//!       min_ratio: 0.5
//! ```

use serde::{Deserialize, Serialize};

use super::duration::PromDuration;

/// A route's `incidents` key, as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentConfig {
    /// `false` turns incident notification off for this route and, unless they turn it on
    /// again, its children.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Labels whose values an incident's alerts share (`[]`: one incident at a time for the
    /// whole route). Default: the route's `group_by`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlate_by: Option<Vec<String>>,
    /// How long an incident stays open after its last alert stopped firing (default 15m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<PromDuration>,
    /// Labels whose values make an alert's kind (default `[alertname]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind_by: Option<Vec<String>>,
    /// A kind not seen firing in the incident for this long is new again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renotify_kind_after: Option<PromDuration>,
    /// Notify an open incident again after this long without a notification. Checked when
    /// Alertmanager's rules would notify its group (a change, or `repeat_interval`), so keep
    /// `repeat_interval` at most this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_every: Option<PromDuration>,
    /// Learned co-occurrence: an alert whose correlate values often opened incidents together
    /// with those of an open incident joins that incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooccurrence: Option<CooccurrenceConfig>,
}

/// The `cooccurrence` key of an incident policy.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CooccurrenceConfig {
    /// Times two keys must have opened incidents within one window of each other (default 3).
    #[serde(default = "default_min_count")]
    pub min_count: u32,
    /// Share of the joining key's incidents that began beside the other key (default 0.5).
    #[serde(default = "default_min_ratio")]
    pub min_ratio: f64,
}

fn default_min_count() -> u32 {
    3
}

fn default_min_ratio() -> f64 {
    0.5
}
