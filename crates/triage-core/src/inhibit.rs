//! Inhibition: a firing source alert mutes target alerts that share the `equal` labels.
//!
//! Semantics are Alertmanager 0.25's (`inhibit/inhibit.go`): a rule applies to an alert when
//! its target matchers match; a source is any held alert that matches the source matchers, is
//! not resolved at `now`, and has the same value as the target for every `equal` label (a
//! label missing on both sides is equal). When the target also matches the source side,
//! sources that also match the target side are disregarded, so a two-sided rule never lets
//! two alerts mute each other.
//!
//! The [`Inhibitor`] is fed the alerts the shell holds ([`Inhibitor::upsert`],
//! [`Inhibitor::remove`], or [`Inhibitor::rebuild`]) and keeps, per rule, its source alerts
//! indexed by their `equal` values, so [`Inhibitor::mutes`] costs one hash lookup per rule
//! whose target side matches.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;

use crate::alert::Alert;
use crate::labels::{Fingerprint, LabelSet, Str};
use crate::matcher::{Matcher, all_match};

/// One inhibition rule, as built from `inhibit_rules` in the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InhibitRule {
    /// Matchers a source (inhibiting) alert must satisfy.
    pub source: Vec<Matcher>,
    /// Matchers a target (inhibited) alert must satisfy.
    pub target: Vec<Matcher>,
    /// Labels whose values must be equal in source and target.
    pub equal: Vec<String>,
}

/// A source alert as one rule's index holds it.
#[derive(Clone, Copy, Debug)]
struct Source {
    ends_at: Option<Timestamp>,
}

impl Source {
    fn firing(&self, now: Timestamp) -> bool {
        self.ends_at.is_none_or(|e| e > now)
    }
}

/// Sources sharing one tuple of `equal` values, split by whether they also match the target
/// side, each ordered by fingerprint.
#[derive(Clone, Debug, Default)]
struct Bucket {
    one_sided: BTreeMap<Fingerprint, Source>,
    two_sided: BTreeMap<Fingerprint, Source>,
}

impl Bucket {
    fn is_empty(&self) -> bool {
        self.one_sided.is_empty() && self.two_sided.is_empty()
    }
}

fn first_firing(map: &BTreeMap<Fingerprint, Source>, now: Timestamp) -> Option<Fingerprint> {
    map.iter().find(|(_, s)| s.firing(now)).map(|(fp, _)| *fp)
}

/// A rule with its index of source alerts.
#[derive(Clone, Debug)]
struct IndexedRule {
    rule: InhibitRule,
    /// `rule.equal`, sorted and without repeats.
    equal: Vec<String>,
    buckets: HashMap<Box<[Str]>, Bucket>,
    /// Where each indexed source sits.
    keys: HashMap<Fingerprint, (Box<[Str]>, bool)>,
}

impl IndexedRule {
    fn new(rule: InhibitRule) -> IndexedRule {
        let mut equal = rule.equal.clone();
        equal.sort_unstable();
        equal.dedup();
        IndexedRule { rule, equal, buckets: HashMap::new(), keys: HashMap::new() }
    }

    fn key(&self, labels: &LabelSet) -> Box<[Str]> {
        self.equal.iter().map(|n| Str::from(labels.value(n))).collect()
    }

    fn remove(&mut self, fp: Fingerprint) {
        let Some((key, two_sided)) = self.keys.remove(&fp) else {
            return;
        };
        if let Some(bucket) = self.buckets.get_mut(&key) {
            if two_sided {
                bucket.two_sided.remove(&fp);
            } else {
                bucket.one_sided.remove(&fp);
            }
            if bucket.is_empty() {
                self.buckets.remove(&key);
            }
        }
    }

    fn upsert(&mut self, fp: Fingerprint, alert: &Alert) {
        self.remove(fp);
        if !all_match(&self.rule.source, &alert.labels) {
            return;
        }
        let key = self.key(&alert.labels);
        let two_sided = all_match(&self.rule.target, &alert.labels);
        let bucket = self.buckets.entry(key.clone()).or_default();
        let side = if two_sided { &mut bucket.two_sided } else { &mut bucket.one_sided };
        side.insert(fp, Source { ends_at: alert.ends_at });
        self.keys.insert(fp, (key, two_sided));
    }

    /// The lowest fingerprint of a source that inhibits `labels` under this rule.
    fn inhibited_by(&self, labels: &LabelSet, now: Timestamp) -> Option<Fingerprint> {
        if !all_match(&self.rule.target, labels) {
            return None;
        }
        let bucket = self.buckets.get(&self.key(labels))?;
        let one = first_firing(&bucket.one_sided, now);
        if all_match(&self.rule.source, labels) {
            return one;
        }
        match (one, first_firing(&bucket.two_sided, now)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Decides which alerts are inhibited, given the alerts currently held.
#[derive(Clone, Debug)]
pub struct Inhibitor {
    rules: Vec<IndexedRule>,
}

impl Inhibitor {
    /// An inhibitor for `rules`, holding no alerts yet.
    pub fn new(rules: Vec<InhibitRule>) -> Inhibitor {
        Inhibitor { rules: rules.into_iter().map(IndexedRule::new).collect() }
    }

    /// The rules, in configuration order.
    pub fn rules(&self) -> impl Iterator<Item = &InhibitRule> {
        self.rules.iter().map(|r| &r.rule)
    }

    /// Adds an alert, or replaces the alert with the same fingerprint (its end may change).
    pub fn upsert(&mut self, alert: &Alert) {
        if self.rules.is_empty() {
            return;
        }
        let fp = alert.fingerprint();
        for r in &mut self.rules {
            r.upsert(fp, alert);
        }
    }

    /// Forgets an alert.
    pub fn remove(&mut self, fp: Fingerprint) {
        for r in &mut self.rules {
            r.remove(fp);
        }
    }

    /// Replaces the held alerts with `alerts`.
    pub fn rebuild<'a>(&mut self, alerts: impl IntoIterator<Item = &'a Alert>) {
        for r in &mut self.rules {
            r.buckets.clear();
            r.keys.clear();
        }
        for a in alerts {
            self.upsert(a);
        }
    }

    /// The fingerprint of a source alert that inhibits an alert with `labels` at `now`, if
    /// any: the lowest qualifying fingerprint of the first rule (in configuration order) that
    /// inhibits, as Alertmanager stops at the first such rule.
    pub fn mutes(&self, labels: &LabelSet, now: Timestamp) -> Option<Fingerprint> {
        self.rules.iter().find_map(|r| r.inhibited_by(labels, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::parse_matchers;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const NOW: &str = "2026-03-01T12:00:00Z";

    fn rule(source: &str, target: &str, equal: &[&str]) -> InhibitRule {
        InhibitRule {
            source: parse_matchers(source).unwrap(),
            target: parse_matchers(target).unwrap(),
            equal: equal.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn alert(pairs: &[(&str, &str)], ends_at: Option<&str>) -> Alert {
        Alert {
            labels: LabelSet::from_pairs(pairs.iter().copied()),
            annotations: LabelSet::new(),
            starts_at: ts("2026-03-01T11:00:00Z"),
            ends_at: ends_at.map(ts),
            updated_at: ts("2026-03-01T11:00:00Z"),
            generator_url: String::new(),
            timeout: false,
        }
    }

    fn ls(pairs: &[(&str, &str)]) -> LabelSet {
        LabelSet::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn critical_inhibits_warning_on_same_instance() {
        let mut ih = Inhibitor::new(vec![rule("severity=critical", "severity=warning", &["instance"])]);
        let crit = alert(&[("alertname", "Down"), ("severity", "critical"), ("instance", "a")], None);
        ih.upsert(&crit);
        let now = ts(NOW);
        let warn_a = ls(&[("alertname", "Slow"), ("severity", "warning"), ("instance", "a")]);
        assert_eq!(ih.mutes(&warn_a, now), Some(crit.fingerprint()));
        assert_eq!(ih.mutes(&ls(&[("severity", "warning"), ("instance", "b")]), now), None);
        // The source itself is not a target.
        assert_eq!(ih.mutes(&crit.labels, now), None);
        ih.remove(crit.fingerprint());
        assert_eq!(ih.mutes(&warn_a, now), None);
    }

    #[test]
    fn resolved_sources_do_not_inhibit() {
        let mut ih = Inhibitor::new(vec![rule("severity=critical", "severity=warning", &[])]);
        let crit = alert(&[("severity", "critical")], Some("2026-03-01T12:00:00Z"));
        ih.upsert(&crit);
        let warn = ls(&[("severity", "warning")]);
        assert_eq!(ih.mutes(&warn, ts("2026-03-01T11:59:59Z")), Some(crit.fingerprint()));
        assert_eq!(ih.mutes(&warn, ts(NOW)), None, "resolved exactly at its end");
        // A re-sent firing copy replaces the resolved one.
        ih.upsert(&alert(&[("severity", "critical")], Some("2026-03-01T13:00:00Z")));
        assert_eq!(ih.mutes(&warn, ts(NOW)), Some(crit.fingerprint()));
    }

    #[test]
    fn equal_labels_missing_on_both_sides_are_equal() {
        let mut ih = Inhibitor::new(vec![rule("a=src", "a=tgt", &["cluster", "zone"])]);
        let src = alert(&[("a", "src"), ("cluster", "c1")], None);
        ih.upsert(&src);
        let now = ts(NOW);
        assert_eq!(ih.mutes(&ls(&[("a", "tgt"), ("cluster", "c1")]), now), Some(src.fingerprint()));
        assert_eq!(ih.mutes(&ls(&[("a", "tgt"), ("cluster", "c1"), ("zone", "z")]), now), None);
        assert_eq!(ih.mutes(&ls(&[("a", "tgt")]), now), None);
    }

    #[test]
    fn two_sided_rule_does_not_mute_both_ways() {
        // Every "alertname=~Node.*" alert inhibits every other: overlapping sides.
        let mut ih = Inhibitor::new(vec![rule("alertname=~Node.*", "alertname=~Node.*", &["node"])]);
        let down = alert(&[("alertname", "NodeDown"), ("node", "n1")], None);
        let load = alert(&[("alertname", "NodeLoad"), ("node", "n1")], None);
        ih.rebuild([&down, &load]);
        let now = ts(NOW);
        assert_eq!(ih.mutes(&down.labels, now), None);
        assert_eq!(ih.mutes(&load.labels, now), None);
        // A target that is not a source is still muted by two-sided sources.
        let mut ih = Inhibitor::new(vec![rule("alertname=~Node.*", "severity=warning", &["node"])]);
        let both = alert(&[("alertname", "NodeDown"), ("severity", "warning"), ("node", "n1")], None);
        ih.upsert(&both);
        assert_eq!(
            ih.mutes(&ls(&[("alertname", "Disk"), ("severity", "warning"), ("node", "n1")]), now),
            Some(both.fingerprint())
        );
        assert_eq!(ih.mutes(&both.labels, now), None);
    }

    #[test]
    fn lowest_fingerprint_of_first_rule_wins() {
        let mut ih = Inhibitor::new(vec![rule("kind=b", "t=1", &[]), rule("kind=a", "t=1", &[])]);
        let sources: Vec<Alert> = (0..5).map(|i| alert(&[("kind", "a"), ("i", &i.to_string())], None)).collect();
        ih.rebuild(&sources);
        let lowest = sources.iter().map(Alert::fingerprint).min();
        assert_eq!(ih.mutes(&ls(&[("t", "1")]), ts(NOW)), lowest);
        let b = alert(&[("kind", "b")], None);
        ih.upsert(&b);
        assert_eq!(ih.mutes(&ls(&[("t", "1")]), ts(NOW)), Some(b.fingerprint()));
    }

    #[test]
    fn upsert_moves_an_alert_between_buckets() {
        let mut ih = Inhibitor::new(vec![rule("s=1", "t=1", &["dc"])]);
        ih.upsert(&alert(&[("s", "1"), ("id", "x"), ("dc", "a")], None));
        let now = ts(NOW);
        assert!(ih.mutes(&ls(&[("t", "1"), ("dc", "a")]), now).is_some());
        // Same fingerprint needs same labels, so a move is a remove plus an insert.
        let fp = alert(&[("s", "1"), ("id", "x"), ("dc", "a")], None).fingerprint();
        ih.remove(fp);
        ih.upsert(&alert(&[("s", "1"), ("id", "x"), ("dc", "b")], None));
        assert!(ih.mutes(&ls(&[("t", "1"), ("dc", "a")]), now).is_none());
        assert!(ih.mutes(&ls(&[("t", "1"), ("dc", "b")]), now).is_some());
        assert_eq!(ih.rules().count(), 1);
    }
}
