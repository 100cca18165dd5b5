//! The outbox: every notification is written to the store before it is sent and marked
//! after. A notification still pending at start (triage stopped between enqueue and the
//! end of its delivery) is taken back by the engine and sent again unless the notification
//! log shows it delivered.
//!
//! Delivery is at least once: a crash after the receiver got a notification but before the
//! mark is committed sends it again after the restart.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use triage_core::engine::{NotifyLogKey, Outgoing};
use triage_core::template::Suppressed;
use triage_core::{Alert, LabelSet};

use crate::store::nflog::EntryJson;

/// Where a notification is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxState {
    /// Enqueued, not yet sent.
    Pending,
    /// An attempt failed; more will follow until the deadline.
    Retrying,
    /// The receiver accepted it.
    Delivered,
    /// It failed for good (a permanent error, or retries ran out).
    Failed,
    /// Not sent: the notification log showed it delivered, or it expired while triage was
    /// down and the group's next flush decides anew.
    Superseded,
}

impl OutboxState {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Retrying => "retrying",
            OutboxState::Delivered => "delivered",
            OutboxState::Failed => "failed",
            OutboxState::Superseded => "superseded",
        }
    }

    /// The state for a stored word.
    pub fn parse(s: &str) -> Option<OutboxState> {
        Some(match s {
            "pending" => OutboxState::Pending,
            "retrying" => OutboxState::Retrying,
            "delivered" => OutboxState::Delivered,
            "failed" => OutboxState::Failed,
            "superseded" => OutboxState::Superseded,
            _ => return None,
        })
    }
}

/// An outbox row as the API shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxRow {
    /// The notification's id.
    pub id: i64,
    /// When it was enqueued.
    pub created_at: Timestamp,
    /// When its state last changed.
    pub updated_at: Timestamp,
    /// The group key.
    pub group_key: String,
    /// The receiver.
    pub receiver: String,
    /// The integration's index in the receiver.
    pub integration: usize,
    /// The integration's kind (`webhook`, `email`, `slack`, `mattermost`, `alertmanager`).
    pub kind: String,
    /// The state.
    pub state: OutboxState,
    /// Attempts made.
    pub attempts: u32,
    /// The last error, or warnings of a delivered one (a template that fell back).
    pub last_error: String,
    /// How many alerts it carries.
    pub alerts: usize,
}

/// A new outbox entry.
#[derive(Clone, Debug)]
pub struct OutboxEntry {
    /// Its id.
    pub id: i64,
    /// When it was enqueued.
    pub created_at: Timestamp,
    /// The integration's kind.
    pub kind: String,
    /// The notification as JSON ([`encode`]).
    pub body: String,
    /// Its key.
    pub key: NotifyLogKey,
    /// How many alerts.
    pub alerts: usize,
}

/// A state change of an outbox entry.
#[derive(Clone, Debug)]
pub struct OutboxUpdate {
    /// The entry.
    pub id: i64,
    /// Its new state.
    pub state: OutboxState,
    /// Attempts so far.
    pub attempts: u32,
    /// The last error or warnings.
    pub detail: String,
    /// When.
    pub at: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct StoredAlert {
    labels: LabelSet,
    annotations: LabelSet,
    starts_at: Timestamp,
    ends_at: Option<Timestamp>,
    updated_at: Timestamp,
    generator_url: String,
    timeout: bool,
}

#[derive(Serialize, Deserialize)]
struct StoredSuppressed {
    labels: LabelSet,
    reason: String,
}

#[derive(Serialize, Deserialize)]
struct StoredOutgoing {
    flush_id: u64,
    group_key: String,
    receiver: String,
    integration: usize,
    group_labels: LabelSet,
    alerts: Vec<StoredAlert>,
    at: Timestamp,
    deadline: Timestamp,
    entry: EntryJson,
    group_id: String,
    repeat_interval_secs: i64,
    suppressed: Vec<StoredSuppressed>,
}

/// The notification as stored JSON.
pub fn encode(out: &Outgoing) -> String {
    let stored = StoredOutgoing {
        flush_id: out.flush_id,
        group_key: out.key.group_key.clone(),
        receiver: out.key.receiver.clone(),
        integration: out.key.integration,
        group_labels: out.group_labels.clone(),
        alerts: out
            .alerts
            .iter()
            .map(|a| StoredAlert {
                labels: a.labels.clone(),
                annotations: a.annotations.clone(),
                starts_at: a.starts_at,
                ends_at: a.ends_at,
                updated_at: a.updated_at,
                generator_url: a.generator_url.clone(),
                timeout: a.timeout,
            })
            .collect(),
        at: out.at,
        deadline: out.deadline,
        entry: EntryJson::from(&out.entry),
        group_id: out.group_id.clone(),
        repeat_interval_secs: out.repeat_interval.as_secs(),
        suppressed: out
            .suppressed
            .iter()
            .map(|s| StoredSuppressed { labels: s.labels.clone(), reason: s.reason.clone() })
            .collect(),
    };
    serde_json::to_string(&stored).expect("a notification encodes as JSON")
}

/// The notification back from its stored JSON.
pub fn decode(body: &str) -> Result<Outgoing, String> {
    let s: StoredOutgoing = serde_json::from_str(body).map_err(|e| format!("unreadable outbox entry: {e}"))?;
    let entry = s.entry.into_entry().ok_or("unreadable notification log entry in the outbox")?;
    Ok(Outgoing {
        flush_id: s.flush_id,
        key: NotifyLogKey { group_key: s.group_key, receiver: s.receiver, integration: s.integration },
        group_labels: s.group_labels,
        alerts: s
            .alerts
            .into_iter()
            .map(|a| Alert {
                labels: a.labels,
                annotations: a.annotations,
                starts_at: a.starts_at,
                ends_at: a.ends_at,
                updated_at: a.updated_at,
                generator_url: a.generator_url,
                timeout: a.timeout,
            })
            .collect(),
        at: s.at,
        deadline: s.deadline,
        entry,
        group_id: s.group_id,
        repeat_interval: SignedDuration::from_secs(s.repeat_interval_secs),
        suppressed: s.suppressed.into_iter().map(|x| Suppressed { labels: x.labels, reason: x.reason }).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use triage_core::Fingerprint;
    use triage_core::pipeline::NotifyLogEntry;

    fn sample() -> Outgoing {
        let t: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        Outgoing {
            flush_id: 7,
            key: NotifyLogKey { group_key: "{}:{a=\"b\"}".into(), receiver: "ops".into(), integration: 2 },
            group_labels: LabelSet::from_pairs([("a", "b")]),
            alerts: vec![Alert {
                labels: LabelSet::from_pairs([("a", "b"), ("alertname", "X")]),
                annotations: LabelSet::from_pairs([("summary", "s \"quoted\" ü")]),
                starts_at: t,
                ends_at: Some(t + SignedDuration::from_mins(5)),
                updated_at: t,
                generator_url: "http://g".into(),
                timeout: true,
            }],
            at: t,
            deadline: t + SignedDuration::from_mins(5),
            entry: NotifyLogEntry { firing: vec![Fingerprint(3)], resolved: vec![], at: t },
            group_id: "0|{a=\"b\"}".into(),
            repeat_interval: SignedDuration::from_hours(4),
            suppressed: vec![Suppressed { labels: LabelSet::from_pairs([("alertname", "Y")]), reason: "why".into() }],
        }
    }

    #[test]
    fn round_trips() {
        let out = sample();
        let back = decode(&encode(&out)).unwrap();
        assert_eq!(format!("{back:?}"), format!("{out:?}"));
    }

    #[test]
    fn bad_bodies_are_errors_not_panics() {
        for body in ["", "{", "[]", "{\"flush_id\": -1}", &encode(&sample())[..40]] {
            assert!(decode(body).is_err(), "{body}");
        }
        let bad_fp = encode(&sample()).replace("\"0000000000000003\"", "\"zz\"");
        assert!(decode(&bad_fp).is_err());
    }

    #[test]
    fn states_round_trip() {
        for s in [
            OutboxState::Pending,
            OutboxState::Retrying,
            OutboxState::Delivered,
            OutboxState::Failed,
            OutboxState::Superseded,
        ] {
            assert_eq!(OutboxState::parse(s.as_str()), Some(s));
        }
        assert_eq!(OutboxState::parse("sent"), None);
    }
}
