//! Incidents on the fake clock: alerts of one site within the window form one incident,
//! notified when it opens and then only on a change that matters (a new kind of alert, a
//! higher severity), once resolved when it has been quiet for its window; a later alert
//! opens a new incident; keys that keep failing together are joined by learned
//! co-occurrence; configuration errors name their path.

use jiff::{SignedDuration, Timestamp};
use triage_core::config::Config;
use triage_core::engine::{Engine, Outgoing, Setup};
use triage_core::silence::Silences;
use triage_core::{Alert, LabelSet};

const CONFIG: &str = r#"
route:
  receiver: ops
  group_by: [site]
  group_wait: 30s
  group_interval: 1m
  repeat_interval: 1h
  incidents: {window: 10m}
receivers: [{name: ops, webhook_configs: [{url: 'http://127.0.0.1:1/hook', send_resolved: true}]}]
"#;

fn t(m: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + m * 60).unwrap()
}

fn alert(name: &str, site: &str, host: &str, severity: &str, start: Timestamp, end: Timestamp) -> Alert {
    Alert {
        labels: LabelSet::from_pairs([("alertname", name), ("site", site), ("host", host), ("severity", severity)]),
        annotations: LabelSet::new(),
        starts_at: start,
        ends_at: Some(end),
        updated_at: start,
        generator_url: String::new(),
        timeout: false,
    }
}

fn engine(yaml: &str) -> Engine {
    let config = Config::from_yaml(yaml).unwrap();
    Engine::new(Setup::from_config(&config), vec![], Silences::new(), vec![], Default::default(), t(0))
}

/// Ticks every 15 s from `from` to `to`, delivering everything.
fn run(e: &mut Engine, from: Timestamp, to: Timestamp, sent: &mut Vec<Outgoing>) {
    let mut now = from;
    while now <= to {
        let out = e.tick(now);
        for o in &out.send {
            e.delivered(o, true);
        }
        sent.extend(out.send);
        now = now.checked_add(SignedDuration::from_secs(15)).unwrap();
    }
}

fn change(o: &Outgoing) -> &str {
    o.alerts[0].annotations.value("incident_change")
}

#[test]
fn an_incident_is_notified_when_it_opens_on_new_kinds_and_severity_and_once_resolved() {
    let mut e = engine(CONFIG);
    let mut sent = Vec::new();
    // Two hosts of one site fail with the same kind of alert.
    e.ingest(vec![alert("DiskFull", "T2_CH_CERN", "a", "warning", t(0), t(30))], t(0));
    e.ingest(vec![alert("DiskFull", "T2_CH_CERN", "b", "warning", t(1), t(30))], t(1));
    run(&mut e, t(0), t(3), &mut sent);
    assert_eq!(sent.len(), 1, "one notification when it opens");
    assert_eq!(change(&sent[0]), "opened");
    let id = sent[0].group_labels.value("incident").to_string();
    assert_eq!(id.len(), 16);
    assert_eq!(sent[0].group_labels.value("site"), "T2_CH_CERN");
    // A third host with the same kind: no notification.
    e.ingest(vec![alert("DiskFull", "T2_CH_CERN", "c", "warning", t(4), t(30))], t(4));
    run(&mut e, t(4), t(6), &mut sent);
    assert_eq!(sent.len(), 1, "the same kind again is not a change");
    // A new kind: notified, in the same incident.
    e.ingest(vec![alert("TransferFailing", "T2_CH_CERN", "a", "warning", t(7), t(30))], t(7));
    run(&mut e, t(7), t(9), &mut sent);
    assert_eq!(sent.len(), 2);
    assert_eq!(change(&sent[1]), "new kind of alert: TransferFailing");
    assert_eq!(sent[1].group_labels.value("incident"), id);
    assert!(sent[1].alerts[0].annotations.value("incident_cause").starts_with("DiskFull"));
    // Severity up on a known kind: notified.
    e.ingest(vec![alert("DiskFull", "T2_CH_CERN", "d", "critical", t(10), t(30))], t(10));
    run(&mut e, t(10), t(12), &mut sent);
    assert_eq!(sent.len(), 3);
    assert_eq!(change(&sent[2]), "severity up: critical");
    // Another site is another incident.
    e.ingest(vec![alert("DiskFull", "T1_DE_KIT", "x", "warning", t(13), t(20))], t(13));
    run(&mut e, t(13), t(15), &mut sent);
    assert_eq!(sent.len(), 4);
    assert_ne!(sent[3].group_labels.value("incident"), id);
    // Everything resolves at :30; nothing is sent until the site has been quiet for the
    // window, then one resolved notification listing the incident's alerts.
    run(&mut e, t(16), t(39), &mut sent);
    let cern: Vec<&Outgoing> = sent[4..].iter().filter(|o| o.group_labels.value("incident") == id).collect();
    assert!(cern.is_empty(), "no notification before the window is over: {cern:?}");
    run(&mut e, t(39), t(42), &mut sent);
    let cern: Vec<&Outgoing> = sent[4..].iter().filter(|o| o.group_labels.value("incident") == id).collect();
    assert_eq!(cern.len(), 1, "{cern:?}");
    assert_eq!(change(cern[0]), "resolved");
    assert_eq!(cern[0].alerts.len(), 5);
    assert!(cern[0].alerts.iter().all(|a| a.ends_at.is_some()));
    let closed: Vec<_> = e.take_incident_changes().into_iter().filter(|i| i.id == id).collect();
    assert!(closed[0].closed_at.is_some());
    assert_eq!(closed[0].notifications, 4);
    // A new failure after the close opens a new incident, notified again.
    let before = sent.len();
    e.ingest(vec![alert("DiskFull", "T2_CH_CERN", "a", "warning", t(50), t(80))], t(50));
    run(&mut e, t(50), t(52), &mut sent);
    assert_eq!(sent.len(), before + 1);
    assert_eq!(change(&sent[before]), "opened");
    assert_ne!(sent[before].group_labels.value("incident"), id);
}

#[test]
fn an_alert_within_the_window_after_all_resolved_rejoins_the_same_incident_quietly() {
    let mut e = engine(CONFIG);
    let mut sent = Vec::new();
    e.ingest(vec![alert("DiskFull", "S", "a", "warning", t(0), t(5))], t(0));
    run(&mut e, t(0), t(8), &mut sent);
    assert_eq!(sent.len(), 1);
    // Back 3 minutes after it ended: within the 10 minute window, same kind.
    e.ingest(vec![alert("DiskFull", "S", "a", "warning", t(8), t(12))], t(8));
    run(&mut e, t(8), t(21), &mut sent);
    assert_eq!(sent.len(), 1, "{sent:?}");
    run(&mut e, t(21), t(24), &mut sent);
    assert_eq!(sent.len(), 2);
    assert_eq!(change(&sent[1]), "resolved");
}

#[test]
fn a_kind_quiet_longer_than_renotify_kind_after_is_new_again_and_reminders_come() {
    let yaml = CONFIG
        .replace("incidents: {window: 10m}", "incidents: {window: 3h, renotify_kind_after: 30m, remind_every: 2h}")
        .replace("repeat_interval: 1h", "repeat_interval: 30m");
    let mut e = engine(&yaml);
    let mut sent = Vec::new();
    // A long-running alert keeps the incident open.
    e.ingest(vec![alert("Slow", "S", "a", "warning", t(0), t(300))], t(0));
    e.ingest(vec![alert("DiskFull", "S", "b", "warning", t(1), t(5))], t(1));
    run(&mut e, t(0), t(10), &mut sent);
    assert_eq!(sent.len(), 1);
    // DiskFull back after 6 minutes: known, not stale.
    e.ingest(vec![alert("DiskFull", "S", "b", "warning", t(11), t(15))], t(11));
    run(&mut e, t(11), t(20), &mut sent);
    assert_eq!(sent.len(), 1);
    // And back after 45 quiet minutes: new again.
    e.ingest(vec![alert("DiskFull", "S", "b", "warning", t(60), t(65))], t(60));
    run(&mut e, t(60), t(62), &mut sent);
    assert_eq!(sent.len(), 2);
    assert_eq!(change(&sent[1]), "new kind of alert: DiskFull");
    // Nothing new for two hours: a reminder, at the first flush Alertmanager's rules would
    // send (a change or repeat_interval) once two hours have passed.
    run(&mut e, t(62), t(215), &mut sent);
    assert_eq!(sent.len(), 3, "{:?}", sent.iter().map(change).collect::<Vec<_>>());
    assert_eq!(change(&sent[2]), "reminder: still open");
    assert!(sent[2].at >= t(180) && sent[2].at <= t(211), "{}", sent[2].at);
}

#[test]
fn keys_that_keep_failing_together_are_joined_by_learned_cooccurrence() {
    let yaml = CONFIG.replace(
        "incidents: {window: 10m}",
        "incidents: {window: 10m, correlate_by: [host], cooccurrence: {min_count: 3, min_ratio: 0.5}}",
    );
    let mut e = engine(&yaml);
    let mut sent = Vec::new();
    // Three times, storage host `se` fails and the transfer host `ftx` follows a minute later.
    for round in 0..4 {
        let base = round * 60;
        e.ingest(vec![alert("StorageDown", "S", "se", "critical", t(base), t(base + 5))], t(base));
        e.ingest(vec![alert("TransfersFailing", "S", "ftx", "warning", t(base + 1), t(base + 5))], t(base + 1));
        run(&mut e, t(base), t(base + 30), &mut sent);
    }
    let opened: Vec<&Outgoing> = sent.iter().filter(|o| change(o) == "opened").collect();
    // Rounds 1-3 learn (two incidents each); in round 4 ftx joins se's incident, and the
    // one notification of that incident carries both.
    assert_eq!(opened.len(), 7, "{:?}", sent.iter().map(change).collect::<Vec<_>>());
    let last = opened.last().unwrap();
    assert_eq!(last.group_labels.value("host"), "se");
    assert!(last.alerts.iter().any(|a| a.labels.value("host") == "ftx"), "{last:?}");
    let incidents: Vec<_> = e.incidents().filter(|i| i.opened_at >= t(180)).collect();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].joined.len(), 1);
    assert_eq!(incidents[0].joined[0].value("host"), "ftx");
}

#[test]
fn incident_settings_are_checked_with_their_path() {
    let bad = CONFIG.replace(
        "incidents: {window: 10m}",
        "incidents: {window: 0s, kind_by: [], correlate_by: ['bad-name'], cooccurrence: {min_count: 0, min_ratio: 2}}",
    );
    let err = Config::from_yaml(&bad).unwrap_err().to_string();
    for needle in [
        "route.incidents.window",
        "route.incidents.kind_by",
        "route.incidents.correlate_by[0]",
        "route.incidents.cooccurrence.min_count",
        "route.incidents.cooccurrence.min_ratio",
    ] {
        assert!(err.contains(needle), "{needle} missing in {err}");
    }
    let unknown = CONFIG.replace("incidents: {window: 10m}", "incidents: {windwo: 10m}");
    assert!(Config::from_yaml(&unknown).unwrap_err().to_string().contains("windwo"));
}

#[test]
fn a_child_route_can_turn_incidents_off() {
    let yaml = CONFIG.replace(
        "  incidents: {window: 10m}\n",
        "  incidents: {window: 10m}\n  routes: [{matchers: ['team=\"db\"'], incidents: {enabled: false}}]\n",
    );
    let mut e = engine(&yaml);
    let mut sent = Vec::new();
    let mut a = alert("DbDown", "S", "a", "critical", t(0), t(30));
    a.labels.insert("team".into(), "db".into());
    e.ingest(vec![a], t(0));
    run(&mut e, t(0), t(2), &mut sent);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].group_labels.get("incident").is_none());
    assert!(sent[0].alerts[0].annotations.get("incident_change").is_none());
}
