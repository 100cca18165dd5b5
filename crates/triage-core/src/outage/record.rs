//! The one shape every outage source becomes: a ticket, an SSB/ServiceNow outage, a GOCDB
//! downtime or a maintenance window, with when it holds and which sites, hosts and services
//! it covers. Correlation matches alerts against these records only.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Whether an outage was announced ahead (maintenance) or is a failure being handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutageKind {
    /// Announced: alerts in scope are suppressed while it holds.
    Scheduled,
    /// A failure being handled (an open ticket, an unplanned outage): alerts in scope become
    /// one incident.
    Unscheduled,
}

/// What an outage covers. An empty list does not restrict; an outage with all three empty
/// covers nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutageScope {
    /// Site names as the source writes them (aliases are applied by correlation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<String>,
    /// Host names (no port).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Service names or types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
}

impl OutageScope {
    /// Whether the scope names nothing.
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty() && self.hosts.is_empty() && self.services.is_empty()
    }
}

/// One outage from any source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outage {
    /// Unique across sources: `<source>:<source's id>`, e.g. `ggus:145685`.
    pub id: String,
    /// `ggus`, `ssb`, `servicenow`, `gocdb` or `maintenance`.
    pub source: String,
    /// Scheduled or not.
    pub kind: OutageKind,
    /// A one-line title.
    pub title: String,
    /// A link to the ticket, outage or downtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When it starts.
    pub starts_at: Timestamp,
    /// When it ends; open-ended when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<Timestamp>,
    /// What it covers.
    pub scope: OutageScope,
}

impl Outage {
    /// Whether it holds at `t`: started, and not ended.
    pub fn active_at(&self, t: Timestamp) -> bool {
        self.starts_at <= t && self.ends_at.is_none_or(|end| t < end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_from_start_until_end_exclusive() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let mut o = Outage {
            id: "gocdb:1".into(),
            source: "gocdb".into(),
            kind: OutageKind::Scheduled,
            title: "x".into(),
            url: None,
            starts_at: t("2026-01-01T10:00:00Z"),
            ends_at: Some(t("2026-01-01T12:00:00Z")),
            scope: OutageScope::default(),
        };
        assert!(!o.active_at(t("2026-01-01T09:59:59Z")));
        assert!(o.active_at(t("2026-01-01T10:00:00Z")));
        assert!(!o.active_at(t("2026-01-01T12:00:00Z")));
        o.ends_at = None;
        assert!(o.active_at(t("2030-01-01T00:00:00Z")));
    }
}
