//! What the engine hands to the notifiers beyond Alertmanager's data: the alerts held back in
//! a flush with the reason, and notifications taken back after a restart.

use jiff::{SignedDuration, Timestamp};
use triage_core::config::Config;
use triage_core::engine::{Engine, Resumed, Setup};
use triage_core::silence::{PostableSilence, Silences};
use triage_core::{Alert, LabelSet};

const CONFIG: &str = r#"
route:
  receiver: ops
  group_by: [site]
  group_wait: 0s
  group_interval: 1m
receivers:
  - name: ops
    webhook_configs: [{url: 'http://127.0.0.1:1/hook'}]
inhibit_rules:
  - source_matchers: ['alertname="SiteDown"']
    target_matchers: ['alertname="SquidDown"']
    equal: [site]
"#;

fn t(s: &str) -> Timestamp {
    format!("2026-11-22T{s}Z").parse().unwrap()
}

fn alert(pairs: &[(&str, &str)], at: Timestamp) -> Alert {
    Alert {
        labels: LabelSet::from_pairs(pairs.iter().copied()),
        annotations: LabelSet::new(),
        starts_at: at,
        ends_at: None,
        updated_at: at,
        generator_url: String::new(),
        timeout: true,
    }
}

fn engine(now: Timestamp) -> Engine {
    let config = Config::from_yaml(CONFIG).unwrap();
    Engine::new(Setup::from_config(&config), vec![], Silences::new(), vec![], Default::default(), now)
}

#[test]
fn suppressed_alerts_come_with_the_reason_in_words() {
    let now = t("10:00:00");
    let mut e = engine(now);
    let silence: PostableSilence = serde_json::from_value(serde_json::json!({
        "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": false}],
        "startsAt": "2026-11-22T09:00:00Z", "endsAt": "2026-11-22T12:00:00Z",
        "createdBy": "alice", "comment": "disk replacement"
    }))
    .unwrap();
    let id = e.silences.set(silence, now, || "s-1".to_string()).unwrap();
    e.ingest(
        vec![
            alert(&[("alertname", "SiteDown"), ("site", "T2_X")], now),
            alert(&[("alertname", "SquidDown"), ("site", "T2_X"), ("instance", "squid-1")], now),
            alert(&[("alertname", "DiskFull"), ("site", "T2_X")], now),
        ],
        now,
    );
    let tick = e.tick(now);
    assert_eq!(tick.send.len(), 1);
    let out = &tick.send[0];
    assert_eq!(out.alerts.len(), 1);
    let mut reasons: Vec<String> = out.suppressed.iter().map(|s| s.reason.clone()).collect();
    reasons.sort();
    assert_eq!(
        reasons,
        vec![
            "inhibited by SiteDown at T2_X".to_string(),
            format!("silenced by silence {id} by alice (disk replacement)")
        ]
    );
    assert_eq!(out.repeat_interval, SignedDuration::from_hours(4));
}

#[test]
fn resumed_notifications_are_sent_unless_logged_or_expired() {
    let now = t("10:00:00");
    let mut first = engine(now);
    first.ingest(
        vec![alert(&[("alertname", "A"), ("site", "S1")], now), alert(&[("alertname", "A"), ("site", "S2")], now)],
        now,
    );
    let sent = first.tick(now).send;
    assert_eq!(sent.len(), 2);
    // The S1 notification was delivered before the stop (it is in the notification log); S2 was not.
    let (s1, s2) = (sent[0].clone(), sent[1].clone());
    let logged = vec![(s1.key.clone(), s1.entry.clone(), now + SignedDuration::from_hours(8))];
    let later = now + SignedDuration::from_secs(5);
    let config = Config::from_yaml(CONFIG).unwrap();
    let mut second =
        Engine::new(Setup::from_config(&config), vec![], Silences::new(), logged, Default::default(), later);
    let decided = second.resume(vec![s1.clone(), s2.clone()], later);
    assert!(matches!(&decided[0], Resumed::AlreadyDelivered(o) if o.key == s1.key));
    let Resumed::Send(resent) = &decided[1] else { panic!("S2 is sent again: {decided:?}") };
    assert_eq!(resent.key, s2.key);
    // Delivering it logs it, so its group does not send it once more.
    let (entry, _) = second.delivered(resent, true).expect("logged");
    assert_eq!(entry, s2.entry);
    // Past its deadline, a notification is left to the group's next flush.
    let much_later = now + SignedDuration::from_hours(1);
    let decided = engine(much_later).resume(vec![s2], much_later);
    assert!(matches!(decided[0], Resumed::Expired(_)));
}
