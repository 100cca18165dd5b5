//! One incident as triage keeps, stores and shows it: the alerts it holds, its probable
//! cause, and what it has notified so far.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::alert::Alert;
use crate::labels::{Fingerprint, LabelSet};
use crate::template::view::severity_rank;

/// Most alerts an incident lists; later ones are counted only.
pub const MAX_LISTED_ALERTS: usize = 500;

/// An alert of an incident, as last seen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentAlert {
    /// Its labels.
    pub labels: LabelSet,
    /// When it started firing.
    #[serde(rename = "startsAt")]
    pub starts_at: Timestamp,
    /// When it stops (or stopped) firing, if known.
    #[serde(rename = "endsAt")]
    pub ends_at: Option<Timestamp>,
}

/// Why an incident was notified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Change {
    /// Its first notification.
    Opened,
    /// An alert of a kind it had not notified (the kind).
    NewKind(String),
    /// An alert more severe than any notified (the severity).
    SeverityUp(String),
    /// Open and unchanged for the reminder period.
    Reminder,
    /// Quiet for its window: over.
    Resolved,
}

impl Change {
    /// In words, for the notification's `incident_change` annotation.
    pub fn describe(&self) -> String {
        match self {
            Change::Opened => "opened".into(),
            Change::NewKind(k) => format!("new kind of alert: {k}"),
            Change::SeverityUp(s) => format!("severity up: {s}"),
            Change::Reminder => "reminder: still open".into(),
            Change::Resolved => "resolved".into(),
        }
    }
}

/// One incident.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Unique id (16 hex digits).
    pub id: String,
    /// The route whose policy formed it.
    pub route_id: String,
    /// That route's receiver.
    pub receiver: String,
    /// The correlate labels' values of the alert that opened it.
    pub labels: LabelSet,
    /// Other correlate values that joined by learned co-occurrence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joined: Vec<LabelSet>,
    /// When its first alert arrived.
    pub opened_at: Timestamp,
    /// The latest end of firing of its alerts.
    pub last_active: Timestamp,
    /// When it was closed (quiet for its window), if it is.
    pub closed_at: Option<Timestamp>,
    /// Its alerts (at most [`MAX_LISTED_ALERTS`]).
    pub alerts: BTreeMap<Fingerprint, IncidentAlert>,
    /// Alerts ever seen in it, listed or not.
    pub alert_count: usize,
    /// The alert it began with: the probable cause.
    pub cause: Option<Fingerprint>,
    /// Each kind seen firing, with when it was last seen.
    pub kinds: BTreeMap<String, Timestamp>,
    /// Kinds already notified.
    pub notified_kinds: BTreeSet<String>,
    /// The worst severity rank notified.
    pub notified_severity: u8,
    /// When it was last notified.
    pub last_notified: Option<Timestamp>,
    /// Notifications sent for it.
    pub notifications: u32,
    /// The last change notified.
    pub last_change: Option<Change>,
}

impl Incident {
    /// Whether it is still open.
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }

    /// The worst severity among its alerts firing at `now` (empty when none fires).
    pub fn severity(&self, now: Timestamp) -> &str {
        self.alerts
            .values()
            .filter(|a| a.ends_at.is_none_or(|e| e > now))
            .map(|a| a.labels.value("severity"))
            .max_by_key(|s| severity_rank(s))
            .unwrap_or("")
    }

    /// The probable cause's labels, when it is listed.
    pub fn cause_labels(&self) -> Option<&LabelSet> {
        self.cause.and_then(|fp| self.alerts.get(&fp)).map(|a| &a.labels)
    }

    /// A one-line title: the cause's alert name and the incident's correlate values.
    pub fn title(&self) -> String {
        let name = self.cause_labels().map(|l| l.value("alertname")).unwrap_or_default();
        let scope: Vec<String> = self.labels.iter().map(|(n, v)| format!("{n}={v}")).collect();
        match (name.is_empty(), scope.is_empty()) {
            (false, false) => format!("{name} ({})", scope.join(", ")),
            (false, true) => name.to_string(),
            (true, false) => scope.join(", "),
            (true, true) => format!("incident {}", self.id),
        }
    }

    /// Records the latest version of an alert; returns whether its end moved earlier than
    /// the incident's last activity (which must then be recomputed).
    pub(crate) fn record(&mut self, fp: Fingerprint, alert: &Alert) -> bool {
        let end = alert.ends_at.unwrap_or(Timestamp::MAX);
        let prev = self.alerts.get(&fp).and_then(|a| a.ends_at);
        let listed = self.alerts.contains_key(&fp);
        if !listed {
            self.alert_count += 1;
        }
        if listed || self.alerts.len() < MAX_LISTED_ALERTS {
            self.alerts.insert(
                fp,
                IncidentAlert { labels: alert.labels.clone(), starts_at: alert.starts_at, ends_at: alert.ends_at },
            );
        }
        let earlier = end < self.last_active;
        let was_latest = prev == Some(self.last_active);
        let earliest = match self.cause.and_then(|c| self.alerts.get(&c)) {
            None => true,
            Some(cause) => alert.starts_at < cause.starts_at,
        };
        if earliest && self.alerts.contains_key(&fp) {
            self.cause = Some(fp);
        }
        self.last_active = self.last_active.max(end);
        earlier && was_latest
    }

    /// Recomputes the last activity from the listed alerts.
    pub(crate) fn recompute_last_active(&mut self) {
        if let Some(max) = self.alerts.values().map(|a| a.ends_at.unwrap_or(Timestamp::MAX)).max() {
            self.last_active = max;
        }
    }

    /// Whether it has been quiet for `window` at `now`.
    pub(crate) fn quiet(&self, window: jiff::SignedDuration, now: Timestamp) -> bool {
        self.last_active.saturating_add(window).is_ok_and(|t| t < now)
    }
}
