//! What outages do to the held alerts over time: which alert each scheduled outage hides
//! (from when to when), which alerts still fire when their maintenance is over, and which
//! unscheduled outage each alert is grouped under.
//!
//! The engine runs [`OutageTracker::pass`] over its alerts every few seconds of its clock and
//! whenever the outages change. A pass reports suppressions that began and ended, for the
//! store ("which alerts did outage X hide, and when"), and whether any alert changed its
//! unscheduled outage, in which case the engine regroups its alerts.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use crate::alert::Alert;
use crate::labels::{Fingerprint, LabelSet};

use super::book::OutageBook;
use super::maintenance::maintenance_alert_outage;
use super::record::Outage;

/// A suppression that began or ended.
#[derive(Clone, Debug, PartialEq)]
pub enum SuppressionEvent {
    /// `outage` began hiding the alert.
    Began {
        /// The outage id.
        outage: String,
        /// The alert.
        fingerprint: Fingerprint,
        /// Its labels.
        labels: LabelSet,
        /// When.
        at: Timestamp,
    },
    /// `outage` stopped hiding the alert.
    Ended {
        /// The outage id.
        outage: String,
        /// The alert.
        fingerprint: Fingerprint,
        /// When.
        at: Timestamp,
        /// Whether the alert still fired then (the outage ended first).
        still_firing: bool,
    },
}

/// A suppression in progress.
#[derive(Clone, Debug)]
struct Hidden {
    outage: String,
    /// The outage's title and link, in words, for when it is gone from the book.
    described: String,
    /// When the outage ends, if it says.
    ends_at: Option<Timestamp>,
}

/// An outage in words: its title and link.
fn describe(o: &Outage) -> String {
    match &o.url {
        Some(url) => format!("{} ({url})", o.title),
        None => o.title.clone(),
    }
}

/// The label naming the unscheduled outage of a group formed around it.
pub const OUTAGE_GROUP_LABEL: &str = "outage";

/// The tracker's state.
#[derive(Debug, Default)]
pub struct OutageTracker {
    /// The outages in force.
    pub book: OutageBook,
    /// Alert → the scheduled outage hiding it.
    hidden: HashMap<Fingerprint, Hidden>,
    /// Alerts that still fired when the outage hiding them ended: the words to add to their
    /// next notification.
    after_maintenance: HashMap<Fingerprint, String>,
    /// Alert → the unscheduled outage it is grouped under.
    incident_of: HashMap<Fingerprint, String>,
    /// Events not yet taken by the shell.
    events: Vec<SuppressionEvent>,
}

impl OutageTracker {
    /// The group an alert joins: its unscheduled outage's, when grouping by outage is on and
    /// one explains it now.
    pub fn group_for(&mut self, fp: Fingerprint, alert: &Alert, enabled: bool, now: Timestamp) -> Option<LabelSet> {
        let outage = if enabled && !alert.resolved_at(now) {
            self.book.unscheduled_for(&alert.labels, now).map(|o| o.id.clone())
        } else {
            // A resolved alert stays in the group it was in, to be notified resolved there.
            self.incident_of.get(&fp).cloned().filter(|_| enabled)
        };
        match outage {
            Some(id) => {
                let labels = LabelSet::from_pairs([(OUTAGE_GROUP_LABEL, id.as_str())]);
                self.incident_of.insert(fp, id);
                Some(labels)
            }
            None => {
                self.incident_of.remove(&fp);
                None
            }
        }
    }

    /// The group an alert was last put in (see [`OutageTracker::group_for`]).
    pub fn current_group(&self, fp: Fingerprint) -> Option<LabelSet> {
        self.incident_of.get(&fp).map(|id| LabelSet::from_pairs([(OUTAGE_GROUP_LABEL, id.as_str())]))
    }

    /// Re-evaluates every alert against the book at `now`. Returns true when an alert's
    /// unscheduled outage changed, so the alerts must be regrouped.
    pub fn pass<'a>(
        &mut self,
        alerts: impl Iterator<Item = (Fingerprint, &'a Arc<Alert>)> + Clone,
        group_by_outage: bool,
        notify_after: bool,
        now: Timestamp,
    ) -> bool {
        let declared: Vec<Outage> = alerts
            .clone()
            .filter(|(_, a)| !a.resolved_at(now))
            .filter_map(|(_, a)| maintenance_alert_outage(a))
            .collect();
        if !declared.is_empty() || !self.book.is_empty() {
            self.book.set_alert_outages(declared);
        }
        let mut seen = HashMap::with_capacity(self.hidden.len());
        let mut regroup = false;
        for (fp, alert) in alerts {
            let firing = !alert.resolved_at(now);
            let hiding = if firing { self.book.scheduled_for(&alert.labels, now) } else { None };
            let before = self.hidden.get(&fp).map(|h| h.outage.as_str());
            if before != hiding.map(|o| o.id.as_str()) {
                let hiding = hiding.cloned();
                if self.hidden.contains_key(&fp) {
                    let end = if firing { now } else { alert.ends_at.unwrap_or(now).min(now) };
                    self.end(fp, firing, notify_after, end, now);
                }
                if let Some(new) = hiding {
                    // It began when both the alert and the outage had begun.
                    let at = alert.starts_at.max(new.starts_at).min(now);
                    self.hidden
                        .insert(fp, Hidden { outage: new.id.clone(), described: describe(&new), ends_at: new.ends_at });
                    self.after_maintenance.remove(&fp);
                    self.events.push(SuppressionEvent::Began {
                        outage: new.id,
                        fingerprint: fp,
                        labels: alert.labels.clone(),
                        at,
                    });
                }
            }
            if !firing {
                self.after_maintenance.remove(&fp);
            }
            seen.insert(fp, ());
            let incident = if group_by_outage && firing {
                self.book.unscheduled_for(&alert.labels, now).map(|o| o.id.clone())
            } else if group_by_outage {
                self.incident_of.get(&fp).cloned()
            } else {
                None
            };
            if incident.as_ref() != self.incident_of.get(&fp) {
                regroup = true;
            }
        }
        // Alerts no longer held end their suppressions.
        let gone: Vec<Fingerprint> = self.hidden.keys().filter(|fp| !seen.contains_key(fp)).copied().collect();
        for fp in gone {
            self.end(fp, false, false, now, now);
        }
        self.incident_of.retain(|fp, _| seen.contains_key(fp));
        self.after_maintenance.retain(|fp, _| seen.contains_key(fp));
        regroup
    }

    /// Ends the suppression of `fp` at `at` (the alert's end, or the outage's when it passed,
    /// else `now`).
    fn end(&mut self, fp: Fingerprint, still_firing: bool, notify_after: bool, at: Timestamp, now: Timestamp) {
        let Some(hidden) = self.hidden.remove(&fp) else { return };
        let ended = !self.book.active(&hidden.outage, now);
        let at = match hidden.ends_at {
            Some(end) if ended && end <= at => end,
            _ => at,
        };
        self.events.push(SuppressionEvent::Ended { outage: hidden.outage, fingerprint: fp, at, still_firing });
        if still_firing && notify_after && ended {
            let note = format!("still failing after the maintenance {} ended", hidden.described);
            self.after_maintenance.insert(fp, note);
        }
    }

    /// Takes back the suppressions in progress when triage stopped (after the book is
    /// filled), so that the next pass ends them, or keeps them, as if it had never stopped.
    pub fn restore(&mut self, open: impl IntoIterator<Item = (String, Fingerprint)>) {
        for (outage, fp) in open {
            let (described, ends_at) = match self.book.get(&outage) {
                Some(o) => (describe(o), o.ends_at),
                None => (outage.clone(), None),
            };
            self.hidden.entry(fp).or_insert(Hidden { outage, described, ends_at });
        }
    }

    /// The scheduled outage hiding an alert, as last evaluated.
    pub fn hidden_by(&self, fp: Fingerprint) -> Option<&str> {
        self.hidden.get(&fp).map(|h| h.outage.as_str())
    }

    /// Whether an alert awaits its "still failing after the maintenance" notification.
    pub fn awaits_after_maintenance(&self, fp: Fingerprint) -> bool {
        self.after_maintenance.contains_key(&fp)
    }

    /// Takes the "still failing after the maintenance" words of an alert being notified.
    pub fn take_after_maintenance(&mut self, fp: Fingerprint) -> Option<String> {
        self.after_maintenance.remove(&fp)
    }

    /// Takes the suppression events since the last call.
    pub fn take_events(&mut self) -> Vec<SuppressionEvent> {
        std::mem::take(&mut self.events)
    }
}
