//! The outages in force, and which of them covers an alert.
//!
//! The shell hands the book every source's last good records and the maintenance windows;
//! the engine adds the outages its maintenance alerts declare. Lookups answer "which
//! scheduled outage hides this alert now" and "which unscheduled outage explains it now",
//! choosing the earliest-starting outage (then the smallest id) when several apply, so the
//! answer is stable.

use jiff::Timestamp;

use crate::labels::LabelSet;
use crate::matcher::{Matcher, all_match};

use super::correlate::{Correlation, Place};
use super::maintenance::{MaintenanceWindow, is_maintenance_alert};
use super::record::{Outage, OutageKind};

/// One outage with how it selects alerts.
#[derive(Clone, Debug)]
struct Entry {
    outage: Outage,
    /// Windows select by matchers and recur by intervals; sources' outages by scope.
    window: Option<(MaintenanceWindow, Vec<Matcher>)>,
}

impl Entry {
    fn active_at(&self, t: Timestamp) -> bool {
        match &self.window {
            Some((w, _)) => w.active_at(t),
            None => self.outage.active_at(t),
        }
    }
}

/// The outages in force.
#[derive(Clone, Debug, Default)]
pub struct OutageBook {
    correlation: Correlation,
    /// Sources' outages and windows, sorted by start then id.
    entries: Vec<Entry>,
    /// Outages declared by maintenance alerts, sorted likewise.
    from_alerts: Vec<Entry>,
}

fn sort(entries: &mut [Entry]) {
    entries.sort_by(|a, b| (a.outage.starts_at, &a.outage.id).cmp(&(b.outage.starts_at, &b.outage.id)));
}

impl OutageBook {
    /// An empty book matching with `correlation`.
    pub fn new(correlation: Correlation) -> OutageBook {
        OutageBook { correlation, ..OutageBook::default() }
    }

    /// Replaces the correlation (on reload), keeping the outages.
    pub fn set_correlation(&mut self, correlation: Correlation) {
        self.correlation = correlation;
    }

    /// The correlation in use.
    pub fn correlation(&self) -> &Correlation {
        &self.correlation
    }

    /// Replaces the sources' outages and the maintenance windows. Windows whose matchers do
    /// not compile are left out (the API refuses them before they get here).
    pub fn set(&mut self, outages: Vec<Outage>, windows: Vec<MaintenanceWindow>) {
        let mut entries: Vec<Entry> = outages.into_iter().map(|outage| Entry { outage, window: None }).collect();
        for w in windows {
            if let Ok(matchers) = w.compile() {
                entries.push(Entry { outage: w.to_outage(), window: Some((w, matchers)) });
            }
        }
        sort(&mut entries);
        self.entries = entries;
    }

    /// Replaces the outages declared by maintenance alerts.
    pub fn set_alert_outages(&mut self, outages: Vec<Outage>) {
        self.from_alerts = outages.into_iter().map(|outage| Entry { outage, window: None }).collect();
        sort(&mut self.from_alerts);
    }

    /// Whether the book holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.from_alerts.is_empty()
    }

    /// Every outage, sources' and windows' first, then maintenance alerts'.
    pub fn outages(&self) -> impl Iterator<Item = &Outage> {
        self.entries.iter().chain(&self.from_alerts).map(|e| &e.outage)
    }

    /// The maintenance windows.
    pub fn windows(&self) -> impl Iterator<Item = &MaintenanceWindow> {
        self.entries.iter().filter_map(|e| e.window.as_ref().map(|(w, _)| w))
    }

    /// The outage with this id.
    pub fn get(&self, id: &str) -> Option<&Outage> {
        self.outages().find(|o| o.id == id)
    }

    /// Whether the outage `id` holds at `t` (recurring windows included).
    pub fn active(&self, id: &str, t: Timestamp) -> bool {
        self.entries.iter().chain(&self.from_alerts).any(|e| e.outage.id == id && e.active_at(t))
    }

    fn covering(&self, labels: &LabelSet, place: &Place, kind: OutageKind, now: Timestamp) -> Option<&Outage> {
        let covers = |e: &&Entry| {
            e.outage.kind == kind
                && e.active_at(now)
                && match &e.window {
                    Some((_, matchers)) => all_match(matchers, labels),
                    None => self.correlation.covers(&e.outage, place),
                }
        };
        let mut found = self.entries.iter().filter(covers).chain(self.from_alerts.iter().filter(covers));
        let first = found.next()?;
        Some(
            &found
                .fold(first, |best, e| {
                    if (e.outage.starts_at, &e.outage.id) < (best.outage.starts_at, &best.outage.id) { e } else { best }
                })
                .outage,
        )
    }

    /// The scheduled outage (maintenance) hiding an alert at `now`. Maintenance alerts are
    /// never hidden themselves.
    pub fn scheduled_for(&self, labels: &LabelSet, now: Timestamp) -> Option<&Outage> {
        if self.is_empty() || is_maintenance_alert(labels) {
            return None;
        }
        self.covering(labels, &self.correlation.place(labels), OutageKind::Scheduled, now)
    }

    /// The unscheduled outage (open ticket, unplanned outage) explaining an alert at `now`.
    pub fn unscheduled_for(&self, labels: &LabelSet, now: Timestamp) -> Option<&Outage> {
        if self.is_empty() || is_maintenance_alert(labels) {
            return None;
        }
        self.covering(labels, &self.correlation.place(labels), OutageKind::Unscheduled, now)
    }
}
