//! The alert: what a source posts, how it is normalised on arrival, and how a re-sent alert
//! merges with the one already held. Rules are Alertmanager 0.25's.

use std::cmp::Ordering;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::labels::{Fingerprint, LabelSet};
use crate::time::deserialize_opt_time;

/// An alert as triage holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// Identity of the alert.
    pub labels: LabelSet,
    /// Descriptive text (summary, description, runbook_url, ...).
    pub annotations: LabelSet,
    /// When it started firing.
    pub starts_at: Timestamp,
    /// When it resolves (explicitly, or by resolve_timeout when `timeout` is set).
    pub ends_at: Option<Timestamp>,
    /// When triage last received it.
    pub updated_at: Timestamp,
    /// Link back to the source (a Prometheus graph, a ticket).
    pub generator_url: String,
    /// `ends_at` was set by triage from resolve_timeout, not by the sender.
    pub timeout: bool,
}

impl Alert {
    /// The alert's fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        self.labels.fingerprint()
    }

    /// Resolved at `now`: `ends_at` is set and not after `now`.
    pub fn resolved_at(&self, now: Timestamp) -> bool {
        self.ends_at.is_some_and(|e| e <= now)
    }

    /// Merges a re-sent copy into this one (Alertmanager's `Alert.Merge`): the younger copy
    /// wins, the earliest start is kept, and an explicit end time is not overridden by a
    /// timeout one.
    pub fn merge(&self, other: &Alert, now: Timestamp) -> Alert {
        if other.updated_at < self.updated_at {
            return other.merge(self, now);
        }
        let (older, younger) = (self, other);
        let mut res = younger.clone();
        if older.starts_at < younger.starts_at {
            res.starts_at = older.starts_at;
        }
        let after = |a: Option<Timestamp>, b: Option<Timestamp>| match (a, b) {
            (Some(a), Some(b)) => a > b,
            (Some(_), None) => true,
            _ => false,
        };
        if younger.resolved_at(now) {
            if older.resolved_at(now) && after(older.ends_at, younger.ends_at) {
                res.ends_at = older.ends_at;
            }
        } else if after(older.ends_at, younger.ends_at) && !older.timeout {
            res.ends_at = older.ends_at;
        }
        res
    }
}

/// What a newly received copy becomes when an alert with the same fingerprint is held:
/// merged with it when their activity ranges overlap, otherwise it replaces it
/// (Alertmanager's `Alerts.Put`).
pub fn reconcile(old: &Alert, new: Alert, now: Timestamp) -> Alert {
    let inside = |t: Timestamp| t > old.starts_at && old.ends_at.is_some_and(|e| t < e);
    if new.ends_at.is_some_and(inside) || inside(new.starts_at) { old.merge(&new, now) } else { new }
}

/// Alertmanager's notification order: by `job`, then `instance`, then label set.
pub fn notification_order(a: &LabelSet, b: &LabelSet) -> Ordering {
    for key in ["job", "instance"] {
        match (a.get(key), b.get(key)) {
            (None, None) => continue,
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(x), Some(y)) if x != y => return x.cmp(y),
            _ => continue,
        }
    }
    if a.before(b) {
        Ordering::Less
    } else if b.before(a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// An alert as a client posts it to `POST /api/v2/alerts`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableAlert {
    /// Required; may not be empty once empty values are removed.
    pub labels: LabelSet,
    /// Optional.
    #[serde(default)]
    pub annotations: Option<LabelSet>,
    /// Optional RFC 3339 time.
    #[serde(default, deserialize_with = "deserialize_opt_time")]
    pub starts_at: Option<Timestamp>,
    /// Optional RFC 3339 time.
    #[serde(default, deserialize_with = "deserialize_opt_time")]
    pub ends_at: Option<Timestamp>,
    /// Optional link.
    #[serde(default, rename = "generatorURL")]
    pub generator_url: Option<String>,
}

impl PostableAlert {
    /// Normalises and validates a posted alert as Alertmanager's API does: a missing start is
    /// `now` (or the end, if given), a missing end is `now + resolve_timeout` with the timeout
    /// flag. The error text is Alertmanager's.
    pub fn into_alert(self, now: Timestamp, resolve_timeout: SignedDuration) -> Result<Alert, String> {
        let mut labels = self.labels;
        labels.remove_empty();
        let mut annotations = self.annotations.unwrap_or_default();
        annotations.remove_empty();
        let starts_at = self.starts_at.or(self.ends_at).unwrap_or(now);
        let (ends_at, timeout) = match self.ends_at {
            Some(e) => (e, false),
            None => (now.saturating_add(resolve_timeout).unwrap_or(now), true),
        };
        if ends_at < starts_at {
            return Err("start time must be before end time".to_string());
        }
        labels.validate().map_err(|e| format!("invalid label set: {e}"))?;
        if labels.is_empty() {
            return Err("at least one label pair required".to_string());
        }
        annotations.validate().map_err(|e| format!("invalid annotations: {e}"))?;
        Ok(Alert {
            labels,
            annotations,
            starts_at,
            ends_at: Some(ends_at),
            updated_at: now,
            generator_url: self.generator_url.unwrap_or_default(),
            timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn alert(start: &str, end: Option<&str>, updated: &str, timeout: bool) -> Alert {
        Alert {
            labels: LabelSet::from_pairs([("alertname", "A")]),
            annotations: LabelSet::new(),
            starts_at: ts(start),
            ends_at: end.map(ts),
            updated_at: ts(updated),
            generator_url: String::new(),
            timeout,
        }
    }

    const NOW: &str = "2026-01-01T12:00:00Z";

    #[test]
    fn merge_keeps_earliest_start_and_explicit_end() {
        let now = ts(NOW);
        let old = alert("2026-01-01T10:00:00Z", Some("2026-01-01T13:00:00Z"), "2026-01-01T11:00:00Z", false);
        let new = alert("2026-01-01T11:00:00Z", Some("2026-01-01T12:30:00Z"), "2026-01-01T11:30:00Z", true);
        let m = old.merge(&new, now);
        assert_eq!(m.starts_at, ts("2026-01-01T10:00:00Z"));
        // Older end is later and not a timeout: it rules.
        assert_eq!(m.ends_at, Some(ts("2026-01-01T13:00:00Z")));
        // Merge is symmetric in argument order.
        assert_eq!(new.merge(&old, now), m);
    }

    #[test]
    fn merge_resolved_younger_wins_unless_older_resolved_later() {
        let now = ts(NOW);
        let old = alert("2026-01-01T10:00:00Z", Some("2026-01-01T13:00:00Z"), "2026-01-01T11:00:00Z", false);
        let resolved = alert("2026-01-01T10:00:00Z", Some("2026-01-01T11:45:00Z"), "2026-01-01T11:50:00Z", false);
        assert_eq!(old.merge(&resolved, now).ends_at, Some(ts("2026-01-01T11:45:00Z")));
    }

    #[test]
    fn reconcile_replaces_a_resend_and_merges_an_overlap() {
        let now = ts(NOW);
        let held = alert("2026-01-01T10:00:00Z", Some("2026-01-01T12:04:00Z"), "2026-01-01T11:59:00Z", false);
        // A re-send with the same start and a later end: replaced, not merged.
        let resend = alert("2026-01-01T10:00:00Z", Some("2026-01-01T12:05:00Z"), "2026-01-01T12:00:00Z", false);
        assert_eq!(reconcile(&held, resend.clone(), now), resend);
        // A copy starting inside the held range: merged, keeping the earlier start.
        let inner = alert("2026-01-01T11:00:00Z", Some("2026-01-01T12:05:00Z"), "2026-01-01T12:00:00Z", false);
        assert_eq!(reconcile(&held, inner, now).starts_at, ts("2026-01-01T10:00:00Z"));
        // A fresh firing after resolution: replaced, so the new start shows.
        let resolved = alert("2026-01-01T09:00:00Z", Some("2026-01-01T09:30:00Z"), "2026-01-01T09:30:00Z", false);
        let again = alert("2026-01-01T11:00:00Z", Some("2026-01-01T12:05:00Z"), "2026-01-01T12:00:00Z", true);
        assert_eq!(reconcile(&resolved, again, now).starts_at, ts("2026-01-01T11:00:00Z"));
    }

    #[test]
    fn normalise_fills_times() {
        let now = ts(NOW);
        let p: PostableAlert = serde_json::from_str(r#"{"labels":{"alertname":"X","empty":""}}"#).unwrap();
        let a = p.into_alert(now, SignedDuration::from_mins(5)).unwrap();
        assert_eq!(a.starts_at, now);
        assert_eq!(a.ends_at, Some(ts("2026-01-01T12:05:00Z")));
        assert!(a.timeout);
        assert!(!a.labels.contains("empty"));
    }

    #[test]
    fn normalise_rejects() {
        let now = ts(NOW);
        let cases = [
            (r#"{"labels":{}}"#, "at least one label pair required"),
            (r#"{"labels":{"a":""}}"#, "at least one label pair required"),
            (r#"{"labels":{"1a":"x"}}"#, "invalid label set: invalid name \"1a\""),
            (
                r#"{"labels":{"a":"x"},"startsAt":"2026-01-01T12:00:00Z","endsAt":"2026-01-01T11:00:00Z"}"#,
                "start time must be before end time",
            ),
            (r#"{"labels":{"a":"x"},"annotations":{"b-c":"x"}}"#, "invalid annotations: invalid name \"b-c\""),
        ];
        for (json, want) in cases {
            let p: PostableAlert = serde_json::from_str(json).unwrap();
            assert_eq!(p.into_alert(now, SignedDuration::from_mins(5)).unwrap_err(), want, "{json}");
        }
    }

    #[test]
    fn end_only_starts_at_end() {
        let now = ts(NOW);
        let p: PostableAlert = serde_json::from_str(r#"{"labels":{"a":"x"},"endsAt":"2026-01-01T11:00:00Z"}"#).unwrap();
        let a = p.into_alert(now, SignedDuration::from_mins(5)).unwrap();
        assert_eq!(a.starts_at, ts("2026-01-01T11:00:00Z"));
        assert!(a.resolved_at(now));
    }

    #[test]
    fn order_job_instance_then_labels() {
        let a = LabelSet::from_pairs([("job", "a"), ("x", "1")]);
        let b = LabelSet::from_pairs([("job", "b")]);
        let c = LabelSet::from_pairs([("x", "0")]);
        assert_eq!(notification_order(&a, &b), Ordering::Less);
        assert_eq!(notification_order(&b, &c), Ordering::Less);
        assert_eq!(notification_order(&c, &a), Ordering::Greater);
    }
}
