//! Flapping: an alert that changes state (firing ↔ resolved) more than `max_changes` times
//! within `window` is flapping. Its notifications are held until it has been stable (no
//! change) for a whole window; the first notification after that summarises what was held
//! ("flapped 9 times between 10:02 and 10:41"). Off unless configured.

use std::collections::{HashMap, VecDeque};

use jiff::{SignedDuration, Timestamp};

use crate::labels::Fingerprint;

/// The rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlapRule {
    /// More changes than this within `window` is flapping.
    pub max_changes: usize,
    /// The window.
    pub window: SignedDuration,
}

#[derive(Clone, Debug, Default)]
struct History {
    /// Change times within the window, oldest first.
    changes: VecDeque<Timestamp>,
    /// While flapping: since when, and how many changes so far.
    flapping: Option<(Timestamp, usize)>,
    /// After it settled: the summary to add to its next notification.
    summary: Option<String>,
}

/// Per-alert change history.
#[derive(Clone, Debug, Default)]
pub struct FlapTracker {
    rule: Option<FlapRule>,
    alerts: HashMap<Fingerprint, History>,
}

impl FlapTracker {
    /// A tracker applying `rule` (none: nothing is ever flapping).
    pub fn new(rule: Option<FlapRule>) -> FlapTracker {
        FlapTracker { rule, alerts: HashMap::new() }
    }

    /// Replaces the rule (on reload), keeping the histories.
    pub fn set_rule(&mut self, rule: Option<FlapRule>) {
        self.rule = rule;
        if rule.is_none() {
            self.alerts.clear();
        }
    }

    /// Records a state change of an alert.
    pub fn record(&mut self, fp: Fingerprint, at: Timestamp) {
        let Some(rule) = self.rule else { return };
        let h = self.alerts.entry(fp).or_default();
        h.changes.push_back(at);
        let from = at.checked_sub(rule.window).unwrap_or(at);
        while h.changes.front().is_some_and(|t| *t < from) {
            h.changes.pop_front();
        }
        match &mut h.flapping {
            Some((_, count)) => *count += 1,
            None if h.changes.len() > rule.max_changes => {
                h.flapping = Some((h.changes.front().copied().unwrap_or(at), h.changes.len()));
                h.summary = None;
            }
            None => {}
        }
    }

    /// Whether the alert is flapping at `now`: it became flapping and has not been stable for
    /// a whole window since its last change. An alert that settles gets its summary ready.
    pub fn is_flapping(&mut self, fp: Fingerprint, now: Timestamp) -> bool {
        let Some(rule) = self.rule else { return false };
        let Some(h) = self.alerts.get_mut(&fp) else { return false };
        let Some((since, count)) = h.flapping else { return false };
        let last = h.changes.back().copied().unwrap_or(since);
        if now.duration_since(last) < rule.window {
            return true;
        }
        h.flapping = None;
        h.summary = Some(format!(
            "flapped {count} times between {} and {last}; stable since then, its notifications were held",
            since.strftime("%Y-%m-%d %H:%M:%S UTC")
        ));
        false
    }

    /// Settles every flapping alert that has been stable for a window by `now` (only the
    /// flapping ones are looked at).
    pub fn settle(&mut self, now: Timestamp) {
        let flapping: Vec<Fingerprint> =
            self.alerts.iter().filter(|(_, h)| h.flapping.is_some()).map(|(fp, _)| *fp).collect();
        for fp in flapping {
            self.is_flapping(fp, now);
        }
    }

    /// Whether the alert is flapping, without settling it.
    pub fn flapping_now(&self, fp: Fingerprint) -> bool {
        self.alerts.get(&fp).is_some_and(|h| h.flapping.is_some())
    }

    /// Whether an alert that settled awaits its summary notification.
    pub fn summary_pending(&self, fp: Fingerprint) -> bool {
        self.alerts.get(&fp).is_some_and(|h| h.summary.is_some())
    }

    /// Takes the summary of an alert that settled, for its next notification.
    pub fn take_summary(&mut self, fp: Fingerprint) -> Option<String> {
        self.alerts.get_mut(&fp)?.summary.take()
    }

    /// Forgets alerts no longer held.
    pub fn retain(&mut self, keep: impl Fn(Fingerprint) -> bool) {
        self.alerts.retain(|fp, _| keep(*fp));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(m: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + m * 60).unwrap()
    }

    #[test]
    fn flapping_after_too_many_changes_until_stable_for_a_window() {
        let mut f = FlapTracker::new(Some(FlapRule { max_changes: 4, window: SignedDuration::from_mins(30) }));
        let fp = Fingerprint(1);
        for m in 0..4 {
            f.record(fp, t(m));
            assert!(!f.is_flapping(fp, t(m)), "4 changes are allowed");
        }
        f.record(fp, t(4));
        assert!(f.is_flapping(fp, t(4)));
        f.record(fp, t(10));
        assert!(f.is_flapping(fp, t(39)), "29 minutes after its last change");
        assert!(!f.is_flapping(fp, t(40)), "stable for a window");
        let summary = f.take_summary(fp).unwrap();
        assert!(summary.starts_with("flapped 6 times between"), "{summary}");
        assert!(f.take_summary(fp).is_none(), "once");
    }

    #[test]
    fn changes_spread_over_more_than_the_window_are_not_flapping() {
        let mut f = FlapTracker::new(Some(FlapRule { max_changes: 2, window: SignedDuration::from_mins(10) }));
        let fp = Fingerprint(2);
        for m in [0, 6, 12, 18, 24] {
            f.record(fp, t(m));
            assert!(!f.is_flapping(fp, t(m)));
        }
        assert!(!FlapTracker::new(None).is_flapping(fp, t(0)));
    }
}
