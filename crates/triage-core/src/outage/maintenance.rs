//! Maintenance windows declared by operators, and maintenance alerts.
//!
//! A window is one-off (start and end) or recurring (Alertmanager's `time_intervals` syntax,
//! optionally bounded by a start and an end); it covers the alerts its matchers select.
//! A maintenance alert is the CMS convention: a firing alert with `severity=maintenance`
//! whose `instance` label lists hosts (separated by commas, spaces, `;` or `|`) covers those
//! hosts' alerts while it fires.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::alert::Alert;
use crate::labels::LabelSet;
use crate::matcher::{Matcher, parse_matchers};
use crate::timeinterval::TimeInterval;

use super::correlate::host_of;
use super::record::{Outage, OutageKind, OutageScope};

/// A maintenance window as the API takes and returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MaintenanceWindow {
    /// Assigned by triage when created.
    #[serde(default)]
    pub id: String,
    /// Matchers in Alertmanager's syntax, e.g. `site="T2_CH_CSCS"` or `instance=~"se.*"`;
    /// an alert must match all of them.
    pub matchers: Vec<String>,
    /// Why (shown with every alert it hides).
    pub reason: String,
    /// Who declared it.
    pub owner: String,
    /// When it begins (one-off), or when its recurrence begins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<Timestamp>,
    /// When it ends (one-off), or when its recurrence ends; open-ended when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<Timestamp>,
    /// Recurring: the times it holds, as in `time_intervals` (weekdays, times, months...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_intervals: Vec<TimeInterval>,
    /// A link (change request, announcement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
}

/// Why a maintenance window is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WindowError(pub String);

impl MaintenanceWindow {
    /// Checks it and compiles its matchers.
    pub fn compile(&self) -> Result<Vec<Matcher>, WindowError> {
        if self.matchers.is_empty() {
            return Err(WindowError(
                "at least one matcher is required (a window covering everything is a silence of everything)".into(),
            ));
        }
        if self.reason.trim().is_empty() || self.owner.trim().is_empty() {
            return Err(WindowError("reason and owner are required".into()));
        }
        if self.time_intervals.is_empty() && (self.starts_at.is_none() || self.ends_at.is_none()) {
            return Err(WindowError(
                "a one-off window needs startsAt and endsAt; a recurring one needs timeIntervals".into(),
            ));
        }
        if let (Some(s), Some(e)) = (self.starts_at, self.ends_at)
            && e <= s
        {
            return Err(WindowError("endsAt must be after startsAt".into()));
        }
        let mut out = Vec::new();
        for m in &self.matchers {
            let parsed = parse_matchers(m).map_err(|e| WindowError(format!("matcher {m:?}: {e}")))?;
            out.extend(parsed);
        }
        if out.is_empty() {
            return Err(WindowError("at least one matcher is required".into()));
        }
        Ok(out)
    }

    /// Whether it holds at `t`: inside its bounds and, when recurring, inside an interval.
    pub fn active_at(&self, t: Timestamp) -> bool {
        self.starts_at.is_none_or(|s| s <= t)
            && self.ends_at.is_none_or(|e| t < e)
            && (self.time_intervals.is_empty() || self.time_intervals.iter().any(|i| i.contains(t)))
    }

    /// The window as an outage record (its scope is given by matchers, not by the record).
    pub fn to_outage(&self) -> Outage {
        Outage {
            id: format!("maintenance:{}", self.id),
            source: "maintenance".into(),
            kind: OutageKind::Scheduled,
            title: format!("{} ({})", self.reason, self.owner),
            url: self.url.clone(),
            starts_at: self.starts_at.or(self.created_at).unwrap_or(Timestamp::UNIX_EPOCH),
            ends_at: self.ends_at,
            scope: OutageScope::default(),
        }
    }
}

/// Whether an alert is a maintenance alert.
pub fn is_maintenance_alert(labels: &LabelSet) -> bool {
    labels.value("severity").eq_ignore_ascii_case("maintenance")
}

/// The outage a firing maintenance alert declares: its hosts, from `instance`. `None` when it
/// is not one or lists no host.
pub fn maintenance_alert_outage(alert: &Alert) -> Option<Outage> {
    if !is_maintenance_alert(&alert.labels) {
        return None;
    }
    let mut hosts: Vec<String> = alert
        .labels
        .value("instance")
        .split([',', ' ', ';', '|', '\t', '\n'])
        .map(host_of)
        .filter(|h| !h.is_empty())
        .collect();
    hosts.sort();
    hosts.dedup();
    if hosts.is_empty() {
        return None;
    }
    let summary = alert.annotations.get("summary").or_else(|| alert.annotations.get("description"));
    let name = alert.labels.value("alertname");
    Some(Outage {
        id: format!("maintenance-alert:{}", alert.fingerprint()),
        source: "maintenance-alert".into(),
        kind: OutageKind::Scheduled,
        title: summary.unwrap_or(if name.is_empty() { "maintenance" } else { name }).to_string(),
        url: (!alert.generator_url.is_empty()).then(|| alert.generator_url.clone()),
        starts_at: alert.starts_at,
        ends_at: None,
        scope: OutageScope { hosts, ..OutageScope::default() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn window() -> MaintenanceWindow {
        MaintenanceWindow {
            id: "w1".into(),
            matchers: vec![r#"site="T2_CH_CSCS""#.into()],
            reason: "dCache upgrade".into(),
            owner: "alice".into(),
            starts_at: Some(t("2026-03-02T08:00:00Z")),
            ends_at: Some(t("2026-03-02T12:00:00Z")),
            time_intervals: vec![],
            url: None,
            created_at: None,
        }
    }

    #[test]
    fn one_off_window_holds_between_its_bounds() {
        let w = window();
        assert!(w.compile().is_ok());
        assert!(!w.active_at(t("2026-03-02T07:59:59Z")));
        assert!(w.active_at(t("2026-03-02T08:00:00Z")));
        assert!(!w.active_at(t("2026-03-02T12:00:00Z")));
    }

    #[test]
    fn recurring_window_holds_inside_its_intervals() {
        let mut w = window();
        w.starts_at = None;
        w.ends_at = None;
        w.time_intervals = vec![
            yaml_serde::from_str("weekdays: ['tuesday']\ntimes: [{start_time: '06:00', end_time: '08:00'}]").unwrap(),
        ];
        assert!(w.compile().is_ok());
        assert!(w.active_at(t("2026-03-03T07:00:00Z")), "a Tuesday at 07:00");
        assert!(!w.active_at(t("2026-03-03T09:00:00Z")));
        assert!(!w.active_at(t("2026-03-04T07:00:00Z")), "a Wednesday");
    }

    #[test]
    fn invalid_windows_are_refused_with_the_reason() {
        let mut w = window();
        w.matchers.clear();
        assert!(w.compile().unwrap_err().0.contains("matcher"));
        let mut w = window();
        w.ends_at = w.starts_at;
        assert!(w.compile().unwrap_err().0.contains("after"));
        let mut w = window();
        w.matchers = vec!["site=~\"(\"".into()];
        assert!(w.compile().unwrap_err().0.contains("matcher"));
        let mut w = window();
        w.ends_at = None;
        assert!(w.compile().unwrap_err().0.contains("one-off"));
    }

    #[test]
    fn maintenance_alert_lists_its_hosts() {
        let alert = Alert {
            labels: LabelSet::from_pairs([
                ("alertname", "Maintenance"),
                ("severity", "maintenance"),
                ("instance", "ce1.x.org:9100, se2.x.org;vm3"),
            ]),
            annotations: LabelSet::default(),
            starts_at: t("2026-03-02T08:00:00Z"),
            ends_at: None,
            generator_url: String::new(),
            updated_at: t("2026-03-02T08:00:00Z"),
            timeout: false,
        };
        let o = maintenance_alert_outage(&alert).unwrap();
        assert_eq!(o.scope.hosts, vec!["ce1.x.org", "se2.x.org", "vm3"]);
        let mut other = alert.clone();
        other.labels = LabelSet::from_pairs([("alertname", "NodeDown"), ("instance", "ce1.x.org:9100")]);
        assert!(maintenance_alert_outage(&other).is_none());
    }
}
