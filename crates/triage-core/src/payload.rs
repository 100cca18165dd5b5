//! Alertmanager's notification data and webhook message (version 4), built from a flush.
//!
//! Field names, field order, the receiver-name sanitising and the time formats are
//! Alertmanager's, so every existing webhook consumer reads triage's messages unchanged.

use jiff::Timestamp;
use serde::Serialize;

use crate::alert::Alert;
use crate::labels::LabelSet;
use crate::time::format_go;

/// One alert in a message.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MessageAlert {
    /// `firing` or `resolved`.
    pub status: &'static str,
    /// Labels.
    pub labels: LabelSet,
    /// Annotations.
    pub annotations: LabelSet,
    /// Start time in Go's JSON form.
    pub starts_at: String,
    /// End time in Go's JSON form (`0001-01-01T00:00:00Z` while firing).
    pub ends_at: String,
    /// Link to the source.
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
    /// The alert's fingerprint.
    pub fingerprint: String,
}

/// Alertmanager's template data, shared by every channel.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NotificationData {
    /// The receiver name with regex metacharacters backslash-escaped, as Alertmanager does.
    pub receiver: String,
    /// `firing` if any alert fires, else `resolved`.
    pub status: &'static str,
    /// The alerts.
    pub alerts: Vec<MessageAlert>,
    /// The group labels.
    pub group_labels: LabelSet,
    /// Labels every alert shares with the same value.
    pub common_labels: LabelSet,
    /// Annotations every alert shares with the same value.
    pub common_annotations: LabelSet,
    /// Where this triage is reached.
    #[serde(rename = "externalURL")]
    pub external_url: String,
}

/// The webhook message, version 4.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WebhookMessage {
    /// The shared data, flattened into the message.
    #[serde(flatten)]
    pub data: NotificationData,
    /// Always `"4"`.
    pub version: &'static str,
    /// The group key.
    pub group_key: String,
    /// How many alerts `max_alerts` cut off.
    pub truncated_alerts: u64,
    /// What to do (triage's addition; left out when no runbook or `action` matches, so the
    /// message is then exactly Alertmanager's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instructions: Vec<crate::template::Instruction>,
}

/// Go's `regexp.QuoteMeta`, which Alertmanager applies to the receiver name in its
/// notification data.
pub fn quote_meta(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn common(sets: impl Iterator<Item = LabelSet>) -> LabelSet {
    let mut it = sets;
    let Some(mut acc) = it.next() else { return LabelSet::new() };
    for s in it {
        if acc.is_empty() {
            break;
        }
        let drop: Vec<String> = acc.iter().filter(|(n, v)| s.get(n) != Some(*v)).map(|(n, _)| n.to_string()).collect();
        for n in drop {
            acc.remove(&n);
        }
    }
    acc
}

impl NotificationData {
    /// Builds the data for `alerts` as seen at `now`.
    pub fn new(receiver: &str, group_labels: &LabelSet, alerts: &[Alert], external_url: &str, now: Timestamp) -> Self {
        let msg_alerts: Vec<MessageAlert> = alerts
            .iter()
            .map(|a| MessageAlert {
                status: if a.resolved_at(now) { "resolved" } else { "firing" },
                labels: a.labels.clone(),
                annotations: a.annotations.clone(),
                starts_at: format_go(Some(a.starts_at)),
                ends_at: format_go(a.ends_at),
                generator_url: a.generator_url.clone(),
                fingerprint: a.fingerprint().to_string(),
            })
            .collect();
        let status = if msg_alerts.iter().any(|a| a.status == "firing") { "firing" } else { "resolved" };
        NotificationData {
            receiver: quote_meta(receiver),
            status,
            common_labels: common(alerts.iter().map(|a| a.labels.clone())),
            common_annotations: common(alerts.iter().map(|a| a.annotations.clone())),
            alerts: msg_alerts,
            group_labels: group_labels.clone(),
            external_url: external_url.to_string(),
        }
    }
}

impl WebhookMessage {
    /// Builds the message, cutting the alerts to `max_alerts` first when it is not zero.
    pub fn new(
        receiver: &str,
        group_key: &str,
        group_labels: &LabelSet,
        alerts: &[Alert],
        max_alerts: u64,
        external_url: &str,
        now: Timestamp,
    ) -> Self {
        let (kept, truncated) = if max_alerts != 0 && alerts.len() as u64 > max_alerts {
            (&alerts[..max_alerts as usize], alerts.len() as u64 - max_alerts)
        } else {
            (alerts, 0)
        };
        WebhookMessage {
            data: NotificationData::new(receiver, group_labels, kept, external_url, now),
            version: "4",
            group_key: group_key.to_string(),
            truncated_alerts: truncated,
            instructions: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(pairs: &[(&str, &str)], ends: Option<&str>) -> Alert {
        Alert {
            labels: LabelSet::from_pairs(pairs.iter().copied()),
            annotations: LabelSet::from_pairs([("summary", "s")]),
            starts_at: "2026-01-01T10:00:00Z".parse().unwrap(),
            ends_at: ends.map(|e| e.parse().unwrap()),
            updated_at: "2026-01-01T10:00:00Z".parse().unwrap(),
            generator_url: "http://prom/graph".into(),
            timeout: false,
        }
    }

    #[test]
    fn message_shape() {
        let now: Timestamp = "2026-01-01T12:00:00Z".parse().unwrap();
        let alerts = vec![
            alert(&[("alertname", "A"), ("job", "x")], None),
            alert(&[("alertname", "A"), ("job", "y")], Some("2026-01-01T11:00:00Z")),
        ];
        let gl = LabelSet::from_pairs([("alertname", "A")]);
        let m = WebhookMessage::new("team-x", "{}:{alertname=\"A\"}", &gl, &alerts, 1, "http://t", now);
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["receiver"], "team-x");
        assert_eq!(v["status"], "firing");
        assert_eq!(v["truncatedAlerts"], 1);
        assert_eq!(v["version"], "4");
        assert_eq!(v["alerts"].as_array().unwrap().len(), 1);
        assert_eq!(v["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
        assert_eq!(v["commonLabels"]["job"], "x");
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert!(keys.contains(&"groupKey") && keys.contains(&"externalURL"));
    }

    #[test]
    fn receiver_is_quoted_like_go() {
        assert_eq!(quote_meta("oncall.primary"), "oncall\\.primary");
        assert_eq!(quote_meta("a+b(c)|d"), "a\\+b\\(c\\)\\|d");
        assert_eq!(quote_meta("team-db_1"), "team-db_1");
    }

    #[test]
    fn common_labels_drop_differing() {
        let now: Timestamp = "2026-01-01T12:00:00Z".parse().unwrap();
        let alerts = vec![alert(&[("a", "1"), ("b", "1")], None), alert(&[("a", "1"), ("b", "2")], None)];
        let d = NotificationData::new("r", &LabelSet::new(), &alerts, "", now);
        assert_eq!(d.common_labels, LabelSet::from_pairs([("a", "1")]));
        assert_eq!(d.common_annotations.get("summary"), Some("s"));
    }
}
