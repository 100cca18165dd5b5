//! The `outages` section (triage's own): where outage signals come from (GGUS tickets, SSB
//! and ServiceNow outages, GOCDB downtimes), how their fields map onto alert labels, and what
//! an outage does to the alerts in its scope.
//!
//! ```yaml
//! outages:
//!   mapping:
//!     site_labels: [site]               # labels holding a site name
//!     host_labels: [instance, host]     # labels holding a host (port and scheme dropped)
//!     service_labels: [service]
//!   site_aliases:                       # source site name -> the name alerts use
//!     CSCS-LCG2: T2_CH_CSCS
//!   sources:
//!     - name: ggus-cms
//!       type: ggus                      # ggus | gocdb | ssb | servicenow
//!       url: https://helpdesk.ggus.eu/...
//!       vo: cms
//!       interval: 5m
//!       timeout: 30s
//!       retries: 2
//!       auth: { cert_file: /etc/grid-security/usercert.pem, key_file: /etc/grid-security/userkey.pem }
//!       ticket_alerts: true             # open tickets also become alerts (alertname ggus-<id>)
//!       inject_url: http://victoria:8428 # ticket series written to VictoriaMetrics
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::duration::PromDuration;

/// The whole `outages` section.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutagesConfig {
    /// Which alert labels carry the site, host and service an outage names.
    #[serde(default)]
    pub mapping: LabelMapping,
    /// Site names as sources write them (GOCDB, GGUS) mapped to the names alerts carry;
    /// compared without regard to case.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub site_aliases: BTreeMap<String, String>,
    /// The polled sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<OutageSourceConfig>,
    /// Notify once when an alert hidden by a scheduled outage still fires after it ends
    /// (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_after_maintenance: Option<bool>,
    /// Gather the alerts in an unscheduled outage's scope into one group per route, notified
    /// with the outage's link (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by_outage: Option<bool>,
}

/// Label names per outage dimension. Each list is tried in order; the first label present
/// gives the value.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabelMapping {
    /// Labels holding a site name (default `site`).
    pub site_labels: Vec<String>,
    /// Labels holding a host name; `host:port`, `scheme://host:port/path` and `[v6]:port`
    /// are reduced to the host (default `instance`, `host`, `hostname`, `node`).
    pub host_labels: Vec<String>,
    /// Labels holding a service name or type (default `service`, `service_type`).
    pub service_labels: Vec<String>,
}

impl Default for LabelMapping {
    fn default() -> LabelMapping {
        LabelMapping {
            site_labels: vec!["site".into()],
            host_labels: vec!["instance".into(), "host".into(), "hostname".into(), "node".into()],
            service_labels: vec!["service".into(), "service_type".into()],
        }
    }
}

/// The kinds of polled source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutageSourceType {
    /// GGUS ticket search export (XML, `;` CSV) or the helpdesk's JSON ticket API.
    Ggus,
    /// GOCDB `get_downtime` XML.
    Gocdb,
    /// The Service Status Board in MONIT's InfluxDB (directly or via a Grafana proxy).
    Ssb,
    /// ServiceNow's table API (`cmdb_ci_outage`).
    Servicenow,
}

impl OutageSourceType {
    /// The name used in outage ids and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            OutageSourceType::Ggus => "ggus",
            OutageSourceType::Gocdb => "gocdb",
            OutageSourceType::Ssb => "ssb",
            OutageSourceType::Servicenow => "servicenow",
        }
    }
}

/// One polled source.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutageSourceConfig {
    /// A unique name, used in logs, metrics and the stored state.
    pub name: String,
    /// What it is.
    #[serde(rename = "type")]
    pub source_type: OutageSourceType,
    /// Where to fetch: the export/API URL (GGUS, GOCDB, ServiceNow), InfluxDB's base URL, or
    /// Grafana's base URL with `grafana_datasource_id`.
    pub url: String,
    /// Time between polls (default 5m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<PromDuration>,
    /// Timeout of one request (default 30s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<PromDuration>,
    /// Attempts after a failed one within a poll, with backoff (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Largest answer accepted, in bytes (default 16 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<usize>,
    /// Credentials.
    #[serde(default)]
    pub auth: SourceAuth,
    /// GGUS: `xml`, `csv` or `json`; sniffed from the body when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// GGUS: keep only tickets of this VO (e.g. `cms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vo: Option<String>,
    /// GGUS: open tickets also become alerts (alertname `ggus-<id>`, `service=GGUS`, Site,
    /// VO, Priority, Type), resolved when the ticket closes or vanishes (default false).
    #[serde(default)]
    pub ticket_alerts: bool,
    /// GGUS: write ticket series to this VictoriaMetrics (its import API) after each poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inject_url: Option<String>,
    /// SSB: the InfluxDB database (default `monit_production_ssb_otgs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// SSB: the measurement (default `outages`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement: Option<String>,
    /// SSB: query through Grafana's datasource proxy with this datasource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grafana_datasource_id: Option<u64>,
    /// SSB/ServiceNow: keep outages that ended up to this long ago (default 1d).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookback: Option<PromDuration>,
    /// SSB/ServiceNow: keep outages beginning up to this far ahead (default 7d).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookahead: Option<PromDuration>,
}

/// Credentials of a source. Secrets are read from files at each poll.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceAuth {
    /// X.509 client certificate (PEM), with `key_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_file: Option<String>,
    /// The certificate's private key (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<String>,
    /// A grid proxy: certificate, key and chain in one PEM file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_file: Option<String>,
    /// A file holding a bearer token (Grafana API token, GGUS token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_file: Option<String>,
    /// Basic auth user name (InfluxDB, ServiceNow), with `password_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The basic auth password's file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<String>,
    /// CA certificates (PEM) trusted for the server, beside the system's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
}
