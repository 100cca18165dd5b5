//! The `anomaly` section (triage's own): expressions whose series are watched by streaming
//! anomaly detectors, queried periodically from VictoriaMetrics or Prometheus.
//!
//! ```yaml
//! anomaly:
//!   datasource_url: http://victoria:8428   # query_range API base
//!   interval: 1m                           # time between queries
//!   step: 1m                               # query_range step
//!   learn_range: 1d                        # queried at the first poll (and after a restart
//!                                          # without saved state) to learn each series
//!   threshold: 0.99                        # a point scoring at or above this is anomalous
//!   recovery: 10m                          # back inside the band this long: resolved
//!   scores_url: http://victoria:8428       # triage_anomaly_score series written here
//!   queries:
//!     - name: TransferRateAnomaly
//!       expr: sum by (site) (rate(transfers_done_total[5m]))
//!       labels: {severity: warning, team: transfers}
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::duration::PromDuration;

/// The whole `anomaly` section.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AnomalyConfig {
    /// The Prometheus-compatible API base (`{url}/api/v1/query_range`).
    pub datasource_url: String,
    /// Time between queries (default 1m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<PromDuration>,
    /// The query step (default: the interval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<PromDuration>,
    /// How far back the first query of a series reaches, to learn it (default 1d).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learn_range: Option<PromDuration>,
    /// Score at or above which a point is anomalous (default 0.99).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// How long a series must stay inside its expected band to be resolved (default 10m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<PromDuration>,
    /// Timeout of one query (default 30s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<PromDuration>,
    /// Most series watched per query; further series are skipped and counted (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_series: Option<usize>,
    /// Write `triage_anomaly_score` series to this VictoriaMetrics (its import API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores_url: Option<String>,
    /// A file holding a bearer token for the datasource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_file: Option<String>,
    /// The watched expressions.
    #[serde(default)]
    pub queries: Vec<AnomalyQuery>,
}

/// One watched expression.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AnomalyQuery {
    /// The alert name of its anomalies (a valid label value, unique in the section).
    pub name: String,
    /// The PromQL/MetricsQL expression.
    pub expr: String,
    /// Labels added to its alerts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Overrides the section's threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}
