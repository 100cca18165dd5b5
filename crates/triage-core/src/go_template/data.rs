//! The data a notification's templates see, with Alertmanager's field names and rules
//! (Alertmanager 0.25 `template.Data`): `.Receiver`, `.Status`, `.Alerts` (each `.Status`,
//! `.Labels`, `.Annotations`, `.StartsAt`, `.EndsAt`, `.GeneratorURL`, `.Fingerprint`),
//! `.GroupLabels`, `.CommonLabels`, `.CommonAnnotations`, `.ExternalURL`.
//!
//! Rules kept from Alertmanager: `.Receiver` is the receiver name with regular-expression
//! metacharacters escaped (Go's `regexp.QuoteMeta`); `.Alerts` are in notification order (by
//! `job`, `instance`, then label set); a firing alert's `.EndsAt` is Go's zero time; `.Status`
//! is `firing` when any alert fires; common labels and annotations are the pairs every alert
//! has with the same value. Times print like Go's `time.Time`.
//!
//! The methods Go templates call on this data (`.SortedPairs`, `.Alerts.Firing`, `.Remove`,
//! ...) are in `methods.rs`; here the data becomes a `gotmpl::Value`: structs and label sets
//! are maps, lists are lists, times are their Go text.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::Value;
use jiff::Timestamp;

use super::gotime::GoTime;
use crate::alert::{Alert, notification_order};
use crate::labels::LabelSet;

/// One alert as templates see it.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertData {
    /// `firing` or `resolved` at the time of the notification.
    pub status: &'static str,
    /// The alert's labels.
    pub labels: LabelSet,
    /// The alert's annotations.
    pub annotations: LabelSet,
    /// When it started.
    pub starts_at: Timestamp,
    /// When it ended; `None` (Go's zero time) while it fires.
    pub ends_at: Option<Timestamp>,
    /// Link to the source.
    pub generator_url: String,
    /// The label set's fingerprint, 16 hex digits.
    pub fingerprint: String,
}

/// Everything a notification's templates see.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// `.Receiver`: the receiver name, regexp-quoted as Alertmanager does.
    pub receiver: String,
    /// `.Status`: `firing` when any alert fires, else `resolved`.
    pub status: &'static str,
    /// `.Alerts`, in notification order.
    pub alerts: Vec<AlertData>,
    /// `.GroupLabels`.
    pub group_labels: LabelSet,
    /// `.CommonLabels`.
    pub common_labels: LabelSet,
    /// `.CommonAnnotations`.
    pub common_annotations: LabelSet,
    /// `.ExternalURL`.
    pub external_url: String,
    /// The notification time: decides firing/resolved, and is what `now` and `since` use.
    pub now: Timestamp,
    /// Extra top-level fields (triage's own, e.g. `.Triage`), ignored by Alertmanager's
    /// templates. Keys should not collide with the fields above.
    pub extra: BTreeMap<String, Value>,
}

impl Data {
    /// Builds the data of one notification of `alerts` to `receiver`, at `now`.
    pub fn new(receiver: &str, group_labels: &LabelSet, alerts: &[Alert], external_url: &str, now: Timestamp) -> Data {
        let mut sorted: Vec<&Alert> = alerts.iter().collect();
        sorted.sort_by(|a, b| notification_order(&a.labels, &b.labels));
        let alerts: Vec<AlertData> = sorted
            .iter()
            .map(|a| {
                let resolved = a.resolved_at(now);
                AlertData {
                    status: if resolved { "resolved" } else { "firing" },
                    labels: a.labels.clone(),
                    annotations: a.annotations.clone(),
                    starts_at: a.starts_at,
                    ends_at: if resolved { a.ends_at } else { None },
                    generator_url: a.generator_url.clone(),
                    fingerprint: a.fingerprint().to_string(),
                }
            })
            .collect();
        let status = if alerts.iter().any(|a| a.status == "firing") { "firing" } else { "resolved" };
        Data {
            receiver: quote_meta(receiver),
            status,
            common_labels: common(sorted.iter().map(|a| &a.labels)),
            common_annotations: common(sorted.iter().map(|a| &a.annotations)),
            alerts,
            group_labels: group_labels.clone(),
            external_url: external_url.to_string(),
            now,
            extra: BTreeMap::new(),
        }
    }

    /// The data as a template value.
    pub fn to_value(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert(key("Receiver"), string(&self.receiver));
        m.insert(key("Status"), string(self.status));
        m.insert(key("Alerts"), Value::List(self.alerts.iter().map(AlertData::to_value).collect()));
        m.insert(key("GroupLabels"), kv(&self.group_labels));
        m.insert(key("CommonLabels"), kv(&self.common_labels));
        m.insert(key("CommonAnnotations"), kv(&self.common_annotations));
        m.insert(key("ExternalURL"), string(&self.external_url));
        for (k, v) in &self.extra {
            m.entry(key(k)).or_insert_with(|| v.clone());
        }
        Value::Map(Arc::new(m))
    }
}

impl AlertData {
    /// The alert as a template value.
    pub fn to_value(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert(key("Status"), string(self.status));
        m.insert(key("Labels"), kv(&self.labels));
        m.insert(key("Annotations"), kv(&self.annotations));
        m.insert(key("StartsAt"), time(Some(self.starts_at)));
        m.insert(key("EndsAt"), time(self.ends_at));
        m.insert(key("GeneratorURL"), string(&self.generator_url));
        m.insert(key("Fingerprint"), string(&self.fingerprint));
        Value::Map(Arc::new(m))
    }
}

/// The pairs every set has with the same value.
fn common<'a>(mut sets: impl Iterator<Item = &'a LabelSet>) -> LabelSet {
    let Some(first) = sets.next() else { return LabelSet::new() };
    let mut pairs: Vec<(&str, &str)> = first.iter().collect();
    for set in sets {
        if pairs.is_empty() {
            break;
        }
        pairs.retain(|(n, v)| set.get(n) == Some(v));
    }
    LabelSet::from_pairs(pairs)
}

/// Go's `regexp.QuoteMeta`: a backslash before each of `\.+*?()|[]{}^$`.
pub fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn key(s: &str) -> Arc<str> {
    Arc::from(s)
}

fn string(s: &str) -> Value {
    Value::String(Arc::from(s))
}

/// A label set as a template value: a map of strings (`KV` in Alertmanager).
pub fn kv(set: &LabelSet) -> Value {
    Value::Map(Arc::new(set.iter().map(|(k, v)| (key(k), string(v))).collect()))
}

/// A time as a template value: its Go text; `None` is Go's zero time.
pub fn time(t: Option<Timestamp>) -> Value {
    let t = t.map_or_else(GoTime::zero, GoTime::utc);
    Value::String(Arc::from(t.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(labels: &[(&str, &str)], ends: Option<&str>) -> Alert {
        Alert {
            labels: LabelSet::from_pairs(labels.iter().copied()),
            annotations: LabelSet::from_pairs([("summary", "s")]),
            starts_at: "2026-01-02T03:04:05Z".parse().unwrap(),
            ends_at: ends.map(|e| e.parse().unwrap()),
            updated_at: "2026-01-02T03:04:05Z".parse().unwrap(),
            generator_url: String::new(),
            timeout: false,
        }
    }

    #[test]
    fn status_order_common_and_zero_end() {
        let now: Timestamp = "2026-01-02T06:00:00Z".parse().unwrap();
        let alerts = [
            alert(&[("alertname", "A"), ("instance", "b"), ("x", "1")], Some("2026-01-02T05:00:00Z")),
            alert(&[("alertname", "A"), ("instance", "a"), ("x", "1")], Some("2026-01-02T07:00:00Z")),
        ];
        let d = Data::new("team.x", &LabelSet::from_pairs([("alertname", "A")]), &alerts, "http://am", now);
        assert_eq!(d.receiver, "team\\.x");
        assert_eq!(d.status, "firing");
        assert_eq!(d.alerts[0].labels.get("instance"), Some("a"));
        assert_eq!(d.alerts[0].ends_at, None);
        assert_eq!(d.alerts[1].status, "resolved");
        assert_eq!(d.common_labels, LabelSet::from_pairs([("alertname", "A"), ("x", "1")]));
        assert_eq!(d.common_annotations, LabelSet::from_pairs([("summary", "s")]));
    }
}
