//! Outages deciding what is notified, on the fake clock: an alert inside a scheduled
//! outage's scope and window is held back (and the suppression recorded), notified once when
//! it still fires after the outage; alerts out of scope notify normally; an open ticket turns
//! the alerts of its site into one notification with the ticket's link; a maintenance alert
//! hides its hosts' alerts; an operator's maintenance window hides what its matchers select.

use jiff::{SignedDuration, Timestamp};
use triage_core::config::Config;
use triage_core::engine::{Engine, Outgoing, Setup, Tick};
use triage_core::outage::convert::{ggus_outage, gocdb_outages};
use triage_core::outage::ggus::GgusTicket;
use triage_core::outage::gocdb::parse_gocdb_downtimes;
use triage_core::outage::maintenance::MaintenanceWindow;
use triage_core::outage::tracker::SuppressionEvent;
use triage_core::silence::Silences;
use triage_core::{Alert, LabelSet};

const CONFIG: &str = r#"
route:
  receiver: ops
  group_by: [alertname, instance]
  group_wait: 0s
  group_interval: 1m
  repeat_interval: 24h
receivers:
  - name: ops
    webhook_configs: [{url: 'http://127.0.0.1:1/hook'}]
outages:
  site_aliases:
    CSCS-LCG2: T2_CH_CSCS
"#;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn alert(pairs: &[(&str, &str)], at: Timestamp) -> Alert {
    Alert {
        labels: LabelSet::from_pairs(pairs.iter().copied()),
        annotations: LabelSet::new(),
        starts_at: at,
        ends_at: None,
        updated_at: at,
        generator_url: String::new(),
        timeout: false,
    }
}

fn engine(now: Timestamp) -> Engine {
    let config = Config::from_yaml(CONFIG).unwrap();
    Engine::new(Setup::from_config(&config), vec![], Silences::new(), vec![], Default::default(), now)
}

/// Ticks every 30 s from `from` to `to` (inclusive), delivering every notification.
fn run(e: &mut Engine, from: Timestamp, to: Timestamp) -> Vec<Outgoing> {
    let mut sent = Vec::new();
    let mut now = from;
    while now <= to {
        let Tick { send, .. } = e.tick(now);
        for out in &send {
            e.delivered(out, true);
        }
        sent.extend(send);
        now = now.checked_add(SignedDuration::from_secs(30)).unwrap();
    }
    sent
}

fn names(out: &Outgoing) -> Vec<String> {
    out.alerts.iter().map(|a| format!("{}@{}", a.labels.value("alertname"), a.labels.value("instance"))).collect()
}

fn gocdb() -> Vec<triage_core::outage::record::Outage> {
    let xml = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/gocdb/gocdb_get_downtime_sample.xml"))
        .unwrap();
    gocdb_outages(&parse_gocdb_downtimes(&xml, 1 << 20).unwrap())
}

#[test]
fn gocdb_downtime_hides_exactly_the_alerts_in_its_scope_and_window() {
    let outages = gocdb();
    assert_eq!(outages.len(), 2, "two downtimes, the second with two endpoints");
    let ce1 = outages.iter().find(|o| o.scope.hosts == ["ce1.grid.lebedev.ru"]).unwrap();
    assert_eq!(ce1.scope.services, ["CE", "APEL"]);
    assert_eq!(ce1.ends_at, Some(t("2017-01-23T23:59:00Z")));

    let start = t("2017-01-19T10:00:00Z");
    let mut e = engine(start);
    e.set_outages(outages.clone(), vec![], start);
    e.ingest(
        vec![
            alert(&[("alertname", "NodeDown"), ("instance", "ce1.grid.lebedev.ru:9100")], start),
            alert(&[("alertname", "CEDown"), ("instance", "ce1.grid.lebedev.ru"), ("service", "CE")], start),
            alert(&[("alertname", "SquidDown"), ("instance", "ce1.grid.lebedev.ru"), ("service", "squid")], start),
            alert(&[("alertname", "NodeDown"), ("instance", "ce2.grid.lebedev.ru:9100")], start),
            alert(&[("alertname", "SAMDown"), ("instance", "NAGIOS.c4.csir.co.za")], start),
        ],
        start,
    );
    let sent = run(&mut e, start, t("2017-01-19T11:00:00Z"));
    let mut notified: Vec<String> = sent.iter().flat_map(names).collect();
    notified.sort();
    assert_eq!(notified, ["NodeDown@ce2.grid.lebedev.ru:9100", "SquidDown@ce1.grid.lebedev.ru"]);
    let reasons: Vec<&str> = sent.iter().flat_map(|o| o.suppressed.iter().map(|s| s.reason.as_str())).collect();
    assert!(reasons.is_empty(), "out-of-scope groups hold nothing back: {reasons:?}");

    let events = e.take_suppression_events();
    let began: Vec<(&str, &str)> = events
        .iter()
        .filter_map(|ev| match ev {
            SuppressionEvent::Began { outage, labels, at, .. } => {
                assert_eq!(*at, start);
                Some((outage.as_str(), labels.get("alertname").unwrap()))
            }
            _ => None,
        })
        .collect();
    let mut began = began;
    began.sort();
    assert_eq!(began, [("gocdb:100728G0", "SAMDown"), ("gocdb:100784G0", "CEDown"), ("gocdb:100784G0", "NodeDown")]);

    // After the downtime ends, the alerts that still fire are notified once, saying so.
    let after = run(&mut e, t("2017-01-19T11:00:30Z"), t("2017-01-24T06:00:00Z"));
    let hidden = ["CEDown@ce1.grid.lebedev.ru", "NodeDown@ce1.grid.lebedev.ru:9100"];
    let after: Vec<Outgoing> =
        after.into_iter().filter(|o| names(o).iter().any(|n| hidden.contains(&n.as_str()))).collect();
    let mut notified: Vec<String> = after.iter().flat_map(names).collect();
    notified.sort();
    assert!(after.iter().all(|o| o.at >= t("2017-01-23T23:59:00Z")), "nothing before the downtime's end");
    assert_eq!(notified, ["CEDown@ce1.grid.lebedev.ru", "NodeDown@ce1.grid.lebedev.ru:9100"]);
    for out in &after {
        let note = out.alerts[0].annotations.get("note").unwrap();
        assert!(note.starts_with("still failing after the maintenance GOCDB downtime 100784G0"), "{note}");
        assert!(note.contains("https://goc.egi.eu/portal/index.php?Page_Type=Downtime&id=22209"), "{note}");
    }
    let ended: Vec<_> = e
        .take_suppression_events()
        .into_iter()
        .filter(|ev| matches!(ev, SuppressionEvent::Ended { still_firing: true, .. }))
        .collect();
    assert_eq!(ended.len(), 2);
    let later = run(&mut e, t("2017-01-24T06:00:30Z"), t("2017-01-24T12:00:00Z"));
    assert!(later.iter().flat_map(names).all(|n| !hidden.contains(&n.as_str())), "notified once");
}

#[test]
fn an_alert_notified_before_the_maintenance_is_notified_again_after_it_if_still_failing() {
    let start = t("2026-03-02T07:00:00Z");
    let mut e = engine(start);
    e.ingest(vec![alert(&[("alertname", "DiskFull"), ("site", "T2_CH_CSCS"), ("instance", "se1")], start)], start);
    assert_eq!(run(&mut e, start, t("2026-03-02T07:30:00Z")).len(), 1);
    let window = MaintenanceWindow {
        id: "w1".into(),
        matchers: vec![r#"site="T2_CH_CSCS""#.into()],
        reason: "dCache upgrade".into(),
        owner: "alice".into(),
        starts_at: Some(t("2026-03-02T08:00:00Z")),
        ends_at: Some(t("2026-03-02T12:00:00Z")),
        time_intervals: vec![],
        url: Some("https://cern.ch/otg/1".into()),
        created_at: None,
    };
    e.set_outages(vec![], vec![window], t("2026-03-02T07:30:30Z"));
    // Without the maintenance the repeat interval (24 h) would keep it quiet anyway.
    assert!(run(&mut e, t("2026-03-02T07:31:00Z"), t("2026-03-02T11:59:30Z")).is_empty());
    let after = run(&mut e, t("2026-03-02T12:00:00Z"), t("2026-03-02T13:00:00Z"));
    assert_eq!(after.len(), 1, "still failing after the maintenance: notified once");
    let note = after[0].alerts[0].annotations.get("note").unwrap();
    assert_eq!(
        note,
        "still failing after the maintenance dCache upgrade (alice) (https://cn.ch/otg/1) ended"
            .replace("cn.ch", "cern.ch")
    );
}

#[test]
fn an_alert_resolved_during_the_maintenance_is_not_notified_after_it() {
    let start = t("2026-03-02T08:00:00Z");
    let mut e = engine(start);
    let window = MaintenanceWindow {
        id: "w1".into(),
        matchers: vec![r#"instance=~"se.*""#.into()],
        reason: "upgrade".into(),
        owner: "bob".into(),
        starts_at: Some(start),
        ends_at: Some(t("2026-03-02T10:00:00Z")),
        time_intervals: vec![],
        url: None,
        created_at: None,
    };
    e.set_outages(vec![], vec![window], start);
    let mut a = alert(&[("alertname", "DiskFull"), ("instance", "se1")], start);
    e.ingest(vec![a.clone(), alert(&[("alertname", "DiskFull"), ("instance", "ce1")], start)], start);
    let sent = run(&mut e, start, t("2026-03-02T09:00:00Z"));
    assert_eq!(sent.iter().flat_map(names).collect::<Vec<_>>(), ["DiskFull@ce1"]);
    a.ends_at = Some(t("2026-03-02T09:00:00Z"));
    a.updated_at = t("2026-03-02T09:00:00Z");
    e.ingest(vec![a], t("2026-03-02T09:00:00Z"));
    assert!(run(&mut e, t("2026-03-02T09:00:30Z"), t("2026-03-02T12:00:00Z")).is_empty());
    let events = e.take_suppression_events();
    assert!(
        events.iter().any(|ev| matches!(ev, SuppressionEvent::Ended { still_firing: false, at, .. } if *at >= t("2026-03-02T09:00:00Z"))),
        "{events:?}"
    );
}

fn ticket(id: &str, site: &str, status: &str) -> GgusTicket {
    GgusTicket {
        ticket_id: id.into(),
        ticket_type: "TEAM".into(),
        vo: "cms".into(),
        site: site.into(),
        priority: "urgent".into(),
        status: status.into(),
        subject: "SRM transfers failing at CSCS".into(),
        ..GgusTicket::default()
    }
}

#[test]
fn an_open_ticket_turns_the_alerts_of_its_site_into_one_notification_with_the_link() {
    let start = t("2026-03-02T08:00:00Z");
    let mut e = engine(start);
    let outage = ggus_outage(&ticket("145685", "CSCS-LCG2", "in progress"), start).unwrap();
    e.set_outages(vec![outage], vec![], start);
    e.ingest(
        vec![
            alert(&[("alertname", "TransferFailures"), ("site", "T2_CH_CSCS"), ("instance", "fts")], start),
            alert(&[("alertname", "SAMTestFailed"), ("site", "T2_CH_CSCS"), ("instance", "se1")], start),
            alert(&[("alertname", "DiskFull"), ("site", "T2_CH_CSCS"), ("instance", "se2")], start),
            alert(&[("alertname", "DiskFull"), ("site", "T1_DE_KIT"), ("instance", "se9")], start),
        ],
        start,
    );
    let sent = run(&mut e, start, t("2026-03-02T09:00:00Z"));
    assert_eq!(
        sent.len(),
        2,
        "one for the ticket's site, one for the other site: {:?}",
        sent.iter().map(names).collect::<Vec<_>>()
    );
    let incident = sent.iter().find(|o| o.group_labels.get("outage").is_some()).unwrap();
    assert_eq!(incident.group_labels.value("outage"), "ggus:145685");
    assert_eq!(incident.alerts.len(), 3);
    for a in &incident.alerts {
        assert_eq!(a.annotations.value("outage"), "GGUS 145685: SRM transfers failing at CSCS");
        assert_eq!(a.annotations.value("outage_url"), "https://ggus.eu/index.php?mode=ticket_info&ticket_id=145685");
    }
    // A fourth alert at the site joins the incident instead of paging on its own.
    let later = t("2026-03-02T09:00:30Z");
    e.ingest(vec![alert(&[("alertname", "CEDown"), ("site", "T2_CH_CSCS"), ("instance", "ce1")], later)], later);
    let more = run(&mut e, later, t("2026-03-02T10:00:00Z"));
    assert_eq!(more.len(), 1);
    assert_eq!(more[0].group_labels.value("outage"), "ggus:145685");
    assert_eq!(more[0].alerts.len(), 4);
    // The ticket is solved: the alerts go back to their own groups, which never paged.
    let solved = t("2026-03-02T10:00:30Z");
    e.set_outages(vec![], vec![], solved);
    let back = run(&mut e, solved, t("2026-03-02T10:30:00Z"));
    assert_eq!(back.len(), 4, "each alert in its own group again");
    assert!(back.iter().all(|o| o.group_labels.get("outage").is_none()));
    assert!(ggus_outage(&ticket("145685", "CSCS-LCG2", "solved"), start).is_none());
}

#[test]
fn a_maintenance_alert_hides_the_alerts_of_the_hosts_it_lists_while_it_fires() {
    let start = t("2026-03-02T08:00:00Z");
    let mut e = engine(start);
    let mut maintenance = alert(
        &[("alertname", "Maintenance"), ("severity", "maintenance"), ("instance", "vocms01.cern.ch,vocms02.cern.ch")],
        start,
    );
    e.ingest(
        vec![
            maintenance.clone(),
            alert(&[("alertname", "NodeDown"), ("instance", "vocms01.cern.ch:9100")], start),
            alert(&[("alertname", "NodeDown"), ("instance", "vocms03.cern.ch:9100")], start),
        ],
        start,
    );
    let sent = run(&mut e, start, t("2026-03-02T09:00:00Z"));
    let mut notified: Vec<String> = sent.iter().flat_map(names).collect();
    notified.sort();
    assert_eq!(notified, ["Maintenance@vocms01.cern.ch,vocms02.cern.ch", "NodeDown@vocms03.cern.ch:9100"]);
    let end = t("2026-03-02T09:00:00Z");
    maintenance.ends_at = Some(end);
    maintenance.updated_at = end;
    e.ingest(vec![maintenance], end);
    let after = run(&mut e, t("2026-03-02T09:00:30Z"), t("2026-03-02T10:00:00Z"));
    let still: Vec<&Outgoing> = after.iter().filter(|o| names(o) == ["NodeDown@vocms01.cern.ch:9100"]).collect();
    assert_eq!(still.len(), 1);
    assert!(
        still[0].alerts[0].annotations.value("note").starts_with("still failing after the maintenance Maintenance")
    );
}

#[test]
fn a_recurring_window_hides_only_inside_its_intervals() {
    let start = t("2026-03-03T05:30:00Z"); // a Tuesday
    let mut e = engine(start);
    let window = MaintenanceWindow {
        id: "tuesdays".into(),
        matchers: vec![r#"alertname="BackupRunning""#.into()],
        reason: "weekly backup".into(),
        owner: "ops".into(),
        starts_at: None,
        ends_at: None,
        time_intervals: vec![
            yaml_serde::from_str("weekdays: ['tuesday']\ntimes: [{start_time: '06:00', end_time: '08:00'}]").unwrap(),
        ],
        url: None,
        created_at: None,
    };
    e.set_outages(vec![], vec![window], start);
    let at = t("2026-03-03T06:30:00Z");
    e.ingest(vec![alert(&[("alertname", "BackupRunning"), ("instance", "db1")], at)], at);
    assert!(run(&mut e, at, t("2026-03-03T07:59:30Z")).is_empty());
    assert_eq!(run(&mut e, t("2026-03-03T08:00:00Z"), t("2026-03-03T08:30:00Z")).len(), 1);
}
