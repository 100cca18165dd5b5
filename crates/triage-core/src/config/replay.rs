//! The `replay` section (triage's own): how `triage replay` reads a CSV alert history.
//!
//! ```yaml
//! replay:
//!   time_column: time              # unix seconds or RFC 3339
//!   label_columns: [name, host]    # each becomes a label; `alertname_column` names the alert
//!   alertname_column: name
//!   annotation_columns: [short]
//!   fires_for: 5m                  # how long one row's alert fires unless repeated
//! ```

use serde::{Deserialize, Serialize};

use super::duration::PromDuration;

/// The whole `replay` section.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayConfig {
    /// The column holding each row's time.
    pub time_column: String,
    /// The column whose value is the `alertname` label (else the alertname is `replay`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alertname_column: Option<String>,
    /// Columns that become labels, named after the column.
    #[serde(default)]
    pub label_columns: Vec<String>,
    /// Columns that become annotations.
    #[serde(default)]
    pub annotation_columns: Vec<String>,
    /// How long one row's alert fires unless a later row repeats it (default 5m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fires_for: Option<PromDuration>,
}
