//! A flapping alert on the fake clock: its changes beyond the limit are held, not notified
//! one by one, and once it is stable for a window one notification summarises them.

use jiff::{SignedDuration, Timestamp};
use triage_core::config::Config;
use triage_core::engine::{Engine, Outgoing, Setup};
use triage_core::silence::Silences;
use triage_core::{Alert, LabelSet};

const CONFIG: &str = r#"
route: {receiver: ops, group_by: [alertname], group_wait: 0s, group_interval: 30s, repeat_interval: 24h}
receivers: [{name: ops, webhook_configs: [{url: 'http://127.0.0.1:1/hook', send_resolved: true}]}]
flapping: {changes: 3, window: 10m}
"#;

fn t(m: i64, s: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + m * 60 + s).unwrap()
}

fn alert(start: Timestamp, end: Option<Timestamp>, now: Timestamp) -> Alert {
    Alert {
        labels: LabelSet::from_pairs([("alertname", "LinkFlaps"), ("instance", "sw1")]),
        annotations: LabelSet::new(),
        starts_at: start,
        ends_at: end,
        updated_at: now,
        generator_url: String::new(),
        timeout: false,
    }
}

fn tick(e: &mut Engine, now: Timestamp, sent: &mut Vec<Outgoing>) {
    let out = e.tick(now);
    for o in &out.send {
        e.delivered(o, true);
    }
    sent.extend(out.send);
}

#[test]
fn a_flapping_alert_is_held_then_summarised_once_stable() {
    let config = Config::from_yaml(CONFIG).unwrap();
    let mut e = Engine::new(Setup::from_config(&config), vec![], Silences::new(), vec![], Default::default(), t(0, 0));
    let mut sent = Vec::new();
    // Fires at :00 and resolves at :30 of every minute, for eight minutes.
    for m in 0..8 {
        let start = t(m, 0);
        e.ingest(vec![alert(start, None, start)], start);
        tick(&mut e, start, &mut sent);
        let end = t(m, 30);
        e.ingest(vec![alert(start, Some(end), end)], end);
        tick(&mut e, end, &mut sent);
    }
    let during = sent.len();
    assert!(during <= 4, "changes beyond the limit are held: {during} notifications");
    // Fires again and stays firing.
    let last = t(8, 0);
    e.ingest(vec![alert(last, None, last)], last);
    let mut now = last;
    while now <= t(30, 0) {
        tick(&mut e, now, &mut sent);
        now = now.checked_add(SignedDuration::from_secs(30)).unwrap();
    }
    let after: Vec<&Outgoing> = sent[during..].iter().collect();
    assert_eq!(after.len(), 1, "one notification once stable");
    assert!(after[0].at >= t(18, 0), "not before a whole window without change: {}", after[0].at);
    let note = after[0].alerts[0].annotations.value("note");
    assert!(note.starts_with("flapped "), "{note}");
}
