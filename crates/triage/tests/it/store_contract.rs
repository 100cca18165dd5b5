//! The store contract: one set of checks, run against every backend: the embedded SQLite store
//! (in a temporary directory) and PostgreSQL 15 (a real server this test starts, one fresh
//! database per check). Every write kind round-trips through `load` or a query; a commit is
//! atomic; reads come newest first within their limits; incidents and suppressions filter
//! by state; the notification log expires, the outbox moves through its states and is pruned,
//! the ingest log is trimmed; reopening keeps everything and migrates nothing twice.
//!
//! Plus one end-to-end test: `triage serve --store postgres://...` accepts an alert, is
//! killed, restarts on the same database and still lists the alert.

use std::path::PathBuf;
use std::sync::Arc;

use crate::support::postgres::{PgServer, have_postgres};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use triage::store::outbox::{OutboxEntry, OutboxState, OutboxUpdate};
use triage::store::sqlite::Durability;
use triage::store::url::StoreUrl;
use triage::store::{
    HistoryQuery, IncidentQuery, IncidentRow, LoggedBatch, NotificationRecord, NotifyLogKey, Store, StoreBackend,
    SuppressionQuery, SuppressionRow, Transition, Write,
};
use triage_core::{Alert, Fingerprint, LabelSet};

/// Where one check's store lives; [`Location::open`] opens (or reopens) it.
enum Location {
    Sqlite(PathBuf),
    Postgres(Box<StoreUrl>),
}

impl Location {
    async fn open(&self) -> StoreBackend {
        match self {
            Location::Sqlite(dir) => StoreBackend::open(None, dir, Durability::Normal).await,
            Location::Postgres(url) => StoreBackend::open(Some(url), std::path::Path::new("."), Durability::Full).await,
        }
        .unwrap_or_else(|e| panic!("opening the store: {e}"))
    }
}

fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_780_000_000 + secs).unwrap()
}

fn alert(name: &str, instance: &str) -> Alert {
    Alert {
        labels: LabelSet::from_pairs([("alertname", name), ("instance", instance)]),
        annotations: LabelSet::from_pairs([("summary", "disk full ü ✓")]),
        starts_at: t(1),
        ends_at: None,
        updated_at: t(2),
        generator_url: "http://prometheus/graph?g0.expr=up".into(),
        timeout: false,
    }
}

fn key(group: &str) -> NotifyLogKey {
    NotifyLogKey { group_key: group.into(), receiver: "team".into(), integration: 1 }
}

fn put(id: i64, at: Timestamp) -> Write {
    Write::OutboxPut(OutboxEntry {
        id,
        created_at: at,
        kind: "webhook".into(),
        body: format!("{{\"n\":{id}}}"),
        key: key(&format!("g{id}")),
        alerts: 2,
    })
}

fn update(id: i64, state: OutboxState, attempts: u32, detail: &str, at: Timestamp) -> Write {
    Write::OutboxUpdate(OutboxUpdate { id, state, attempts, detail: detail.into(), at })
}

fn incident(id: &str, opened: i64, closed: Option<i64>) -> Write {
    Write::Incident(IncidentRow {
        id: id.into(),
        opened_at: t(opened),
        closed_at: closed.map(t),
        body: format!("{{\"id\":\"{id}\",\"closed\":{}}}", closed.is_some()),
    })
}

fn began(outage: &str, fp: u64, at: i64) -> Write {
    Write::SuppressionBegan(SuppressionRow {
        outage_id: outage.into(),
        fingerprint: Fingerprint(fp),
        labels_json: format!("{{\"fp\":\"{fp}\"}}"),
        began_at: t(at),
        ended_at: None,
        still_firing: None,
    })
}

fn transition(fp: u64, at: i64, state: &'static str) -> Transition {
    Transition { fingerprint: Fingerprint(fp), at: t(at), state, labels_json: format!("{{\"at\":{at}}}") }
}

fn logged(seq: i64) -> Write {
    Write::LogBatch(LoggedBatch {
        seq,
        received_at: t(seq),
        resolve_timeout: SignedDuration::from_mins(5),
        // Not UTF-8 on purpose: the body is kept as bytes.
        body: bytes::Bytes::from(vec![b'[', 0xff, 0x00, seq as u8, b']']),
    })
}

async fn commit(store: &StoreBackend, batch: Vec<Write>) {
    store.commit(&batch).await.unwrap_or_else(|e| panic!("commit failed: {e}"));
}

/// A fingerprint above `i64::MAX`, stored as a negative BIGINT.
const HIGH_FP: u64 = 0xfedc_ba98_7654_3210;

async fn empty_store_loads_nothing(loc: &Location) {
    let store = loc.open().await;
    let l = store.load().await.unwrap();
    assert!(l.alerts.is_empty() && l.silences.is_empty() && l.notify_log.is_empty() && l.group_timers.is_empty());
    assert!(l.ingest_log.is_empty() && l.outbox.is_empty() && l.states.is_empty());
    assert!(l.open_suppressions.is_empty() && l.open_incidents.is_empty());
    assert_eq!(l.outbox_max_id, 0);
}

async fn every_write_round_trips(loc: &Location) {
    let store = loc.open().await;
    let a = alert("DiskFull", "a");
    let mut b = alert("DiskFull", "b");
    b.ends_at = Some(t(9));
    b.timeout = true;
    let mut b2 = b.clone();
    b2.annotations = LabelSet::from_pairs([("summary", "replaced in the same batch")]);
    // 1200 more alerts: more than one multi-row statement.
    let many: Vec<Arc<Alert>> = (0..1200).map(|i| Arc::new(alert("Storm", &format!("h{i}")))).collect();
    commit(
        &store,
        vec![
            Write::Alerts(vec![Arc::new(a.clone()), Arc::new(b.clone()), Arc::new(b2.clone())]),
            Write::Alerts(many.clone()),
            Write::Silence("s1".into(), "{\"id\":\"s1\"}".into(), t(3)),
            Write::Silence("s2".into(), "{\"id\":\"s2\"}".into(), t(3)),
            Write::NotifyLog(key("g"), "{\"v\":1}".into(), t(100)),
            Write::GroupTimers(vec![("g1".into(), Some((t(5), true))), ("g2".into(), Some((t(6), false)))]),
            logged(1),
            put(1, t(4)),
            Write::State("sources", "ggus".into(), Some("{\"ok\":true}".into()), t(4)),
            began("o1", HIGH_FP, 5),
            incident("i1", 5, None),
            Write::Transitions(vec![transition(HIGH_FP, 6, "firing")]),
        ],
    )
    .await;
    let l = store.load().await.unwrap();
    assert_eq!(l.alerts.len(), 1202);
    let got = |fp: Fingerprint| l.alerts.iter().find(|x| x.fingerprint() == fp).cloned();
    assert_eq!(got(a.fingerprint()), Some(a.clone()));
    assert_eq!(got(b.fingerprint()), Some(b2.clone()), "the later alert of a batch wins");
    assert_eq!(got(many[1199].fingerprint()).as_ref(), Some(many[1199].as_ref()));
    let mut silences = l.silences.clone();
    silences.sort();
    assert_eq!(silences, vec![("s1".into(), "{\"id\":\"s1\"}".into()), ("s2".into(), "{\"id\":\"s2\"}".into())]);
    assert_eq!(l.notify_log, vec![(key("g"), "{\"v\":1}".to_string(), t(100))]);
    let mut timers = l.group_timers.clone();
    timers.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(timers, vec![("g1".into(), t(5), true), ("g2".into(), t(6), false)]);
    assert_eq!(l.ingest_log.len(), 1);
    assert_eq!(l.ingest_log[0].seq, 1);
    assert_eq!(l.ingest_log[0].received_at, t(1));
    assert_eq!(l.ingest_log[0].resolve_timeout, SignedDuration::from_mins(5));
    assert_eq!(l.ingest_log[0].body.as_ref(), &[b'[', 0xff, 0x00, 1, b']']);
    assert_eq!(l.outbox, vec![(1, 0, "{\"n\":1}".to_string())]);
    assert_eq!(l.outbox_max_id, 1);
    assert_eq!(l.states, vec![("sources".into(), "ggus".into(), "{\"ok\":true}".into())]);
    assert_eq!(l.open_suppressions, vec![("o1".to_string(), Fingerprint(HIGH_FP))]);
    assert_eq!(l.open_incidents, vec!["{\"id\":\"i1\",\"closed\":false}".to_string()]);
    let h = store.history(&HistoryQuery { fingerprint: Some(Fingerprint(HIGH_FP)), ..Default::default() }).await;
    assert_eq!(h.unwrap(), vec![transition(HIGH_FP, 6, "firing")]);

    // Replacing and deleting.
    let mut a2 = a.clone();
    a2.ends_at = Some(t(20));
    commit(
        &store,
        vec![
            Write::Alerts(vec![Arc::new(a2.clone())]),
            Write::DeleteAlerts(vec![b.fingerprint()]),
            Write::DeleteAlerts(many.iter().map(|x| x.fingerprint()).collect()),
            Write::Silence("s1".into(), "{\"id\":\"s1\",\"v\":2}".into(), t(7)),
            Write::DeleteSilences(vec!["s2".into()]),
            Write::NotifyLog(key("g"), "{\"v\":2}".into(), t(200)),
            Write::GroupTimers(vec![("g1".into(), None), ("g2".into(), Some((t(8), true)))]),
            Write::State("sources", "ggus".into(), None, t(8)),
            Write::State("sources", "ssb".into(), Some("[]".into()), t(8)),
            incident("i1", 5, Some(9)),
        ],
    )
    .await;
    let l = store.load().await.unwrap();
    assert_eq!(l.alerts, vec![a2]);
    assert_eq!(l.silences, vec![("s1".into(), "{\"id\":\"s1\",\"v\":2}".into())]);
    assert_eq!(l.notify_log, vec![(key("g"), "{\"v\":2}".to_string(), t(200))]);
    assert_eq!(l.group_timers, vec![("g2".into(), t(8), true)]);
    assert_eq!(l.states, vec![("sources".into(), "ssb".into(), "[]".into())]);
    assert!(l.open_incidents.is_empty());
    let closed = store.incidents(&IncidentQuery { id: Some("i1".into()), ..Default::default() }).await.unwrap();
    assert_eq!(closed.len(), 1);
    assert_eq!((closed[0].opened_at, closed[0].closed_at), (t(5), Some(t(9))));
    assert_eq!(closed[0].body, "{\"id\":\"i1\",\"closed\":true}");
}

async fn a_commit_is_atomic(loc: &Location) {
    let store = loc.open().await;
    commit(&store, vec![logged(1), Write::Silence("keep".into(), "{}".into(), t(1))]).await;
    let before = store.load().await.unwrap();
    // The ingest log's sequence number 1 is taken: the last write fails, so none may stay.
    let failing = vec![
        Write::Silence("lost".into(), "{}".into(), t(2)),
        Write::Alerts(vec![Arc::new(alert("Lost", "x"))]),
        Write::Transitions(vec![transition(7, 2, "firing")]),
        put(5, t(2)),
        Write::DeleteSilences(vec!["keep".into()]),
        logged(1),
    ];
    assert!(store.commit(&failing).await.is_err(), "a duplicate ingest log sequence number must fail");
    let after = store.load().await.unwrap();
    assert!(after.alerts.is_empty());
    assert_eq!(after.silences, before.silences);
    assert_eq!(after.ingest_log.len(), 1);
    assert!(after.outbox.is_empty());
    assert_eq!(after.outbox_max_id, 0);
    assert!(store.history(&HistoryQuery::default()).await.unwrap().is_empty());
    // And the store still takes commits.
    commit(&store, vec![logged(2)]).await;
    assert_eq!(store.load().await.unwrap().ingest_log.len(), 2);
}

async fn history_is_newest_first_within_limits(loc: &Location) {
    let store = loc.open().await;
    commit(
        &store,
        vec![Write::Transitions(vec![
            transition(1, 10, "firing"),
            transition(2, 11, "firing"),
            transition(1, 12, "resolved"),
            transition(2, 12, "resolved"),
            transition(HIGH_FP, 13, "firing"),
        ])],
    )
    .await;
    let all = store.history(&HistoryQuery::default()).await.unwrap();
    let order: Vec<(u64, i64)> = all.iter().map(|x| (x.fingerprint.0, x.at.as_second() - t(0).as_second())).collect();
    // Equal times: the one written later first.
    assert_eq!(order, vec![(HIGH_FP, 13), (2, 12), (1, 12), (2, 11), (1, 10)]);
    let two = store.history(&HistoryQuery { limit: 2, ..Default::default() }).await.unwrap();
    assert_eq!(two, all[..2].to_vec());
    let one = store.history(&HistoryQuery { fingerprint: Some(Fingerprint(1)), ..Default::default() }).await.unwrap();
    assert_eq!(one, vec![transition(1, 12, "resolved"), transition(1, 10, "firing")]);
    let since = store.history(&HistoryQuery { since: Some(t(12)), ..Default::default() }).await.unwrap();
    assert_eq!(since.len(), 3);
}

async fn notifications_are_newest_first_within_limits(loc: &Location) {
    let store = loc.open().await;
    let rec = |at: i64, outcome: &'static str| NotificationRecord {
        at: t(at),
        group_key: format!("g{at}"),
        receiver: "team".into(),
        integration: 2,
        outcome,
        detail: format!("because {at}"),
        alerts: 3,
    };
    commit(&store, vec![Write::Notifications(vec![rec(1, "sent"), rec(3, "failed")])]).await;
    commit(&store, vec![Write::Notifications(vec![rec(2, "skipped"), rec(3, "sent")])]).await;
    let all = store.notifications(None, 0).await.unwrap();
    assert_eq!(all, vec![rec(3, "sent"), rec(3, "failed"), rec(2, "skipped"), rec(1, "sent")]);
    assert_eq!(store.notifications(None, 1).await.unwrap(), vec![rec(3, "sent")]);
    assert_eq!(store.notifications(Some(t(2)), 0).await.unwrap().len(), 3);
}

async fn the_notify_log_expires(loc: &Location) {
    let store = loc.open().await;
    commit(
        &store,
        vec![
            Write::NotifyLog(key("early"), "1".into(), t(10)),
            Write::NotifyLog(key("late"), "2".into(), t(30)),
            Write::NotifyLog(key("early"), "3".into(), t(20)),
        ],
    )
    .await;
    let mut l = store.load().await.unwrap().notify_log;
    l.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(l, vec![(key("early"), "3".into(), t(20)), (key("late"), "2".into(), t(30))], "the last write wins");
    commit(&store, vec![Write::ExpireNotifyLog(t(20))]).await;
    assert_eq!(store.load().await.unwrap().notify_log.len(), 2, "an entry expiring exactly then stays");
    commit(&store, vec![Write::ExpireNotifyLog(t(21))]).await;
    assert_eq!(store.load().await.unwrap().notify_log, vec![(key("late"), "2".into(), t(30))]);
}

async fn the_outbox_moves_through_its_states_and_is_pruned(loc: &Location) {
    let store = loc.open().await;
    commit(&store, vec![put(1, t(1)), put(2, t(1)), put(3, t(1)), put(4, t(1))]).await;
    commit(
        &store,
        vec![
            update(1, OutboxState::Retrying, 1, "timeout", t(2)),
            update(1, OutboxState::Delivered, 2, "", t(3)),
            update(2, OutboxState::Retrying, 2, "HTTP 503", t(3)),
            update(3, OutboxState::Failed, 5, "HTTP 400", t(4)),
        ],
    )
    .await;
    let l = store.load().await.unwrap();
    assert_eq!(
        l.outbox,
        vec![(2, 2, "{\"n\":2}".to_string()), (4, 0, "{\"n\":4}".to_string())],
        "open ones, oldest first"
    );
    assert_eq!(l.outbox_max_id, 4);
    let all = store.outbox(None, 0).await.unwrap();
    assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), vec![4, 3, 2, 1], "newest first");
    let r1 = &all[3];
    assert_eq!((r1.state, r1.attempts, r1.last_error.as_str()), (OutboxState::Delivered, 2, ""));
    assert_eq!((r1.created_at, r1.updated_at), (t(1), t(3)));
    assert_eq!((r1.group_key.as_str(), r1.receiver.as_str(), r1.integration), ("g1", "team", 1));
    assert_eq!((r1.kind.as_str(), r1.alerts), ("webhook", 2));
    let r2 = &all[2];
    assert_eq!((r2.state, r2.attempts, r2.last_error.as_str()), (OutboxState::Retrying, 2, "HTTP 503"));
    assert_eq!(store.outbox(None, 2).await.unwrap().iter().map(|r| r.id).collect::<Vec<_>>(), vec![4, 3]);
    let failed = store.outbox(Some(OutboxState::Failed), 0).await.unwrap();
    assert_eq!(failed.iter().map(|r| r.id).collect::<Vec<_>>(), vec![3]);
    // Prune closed entries changed before t(4): entry 1 only (3 changed at t(4), 2 and 4 are open).
    commit(&store, vec![Write::OutboxPrune(t(4))]).await;
    let left = store.outbox(None, 0).await.unwrap();
    assert_eq!(left.iter().map(|r| r.id).collect::<Vec<_>>(), vec![4, 3, 2]);
    commit(&store, vec![Write::OutboxPrune(t(100))]).await;
    let left = store.outbox(None, 0).await.unwrap();
    assert_eq!(left.iter().map(|r| r.id).collect::<Vec<_>>(), vec![4, 2], "open entries are never pruned");
}

async fn the_ingest_log_is_trimmed(loc: &Location) {
    let store = loc.open().await;
    commit(&store, vec![logged(1), logged(2), logged(3)]).await;
    commit(&store, vec![logged(4), Write::TrimLog(2)]).await;
    let l = store.load().await.unwrap().ingest_log;
    assert_eq!(l.iter().map(|b| b.seq).collect::<Vec<_>>(), vec![3, 4]);
    assert_eq!(l[1].body.as_ref(), &[b'[', 0xff, 0x00, 4, b']']);
    commit(&store, vec![Write::TrimLog(4)]).await;
    assert!(store.load().await.unwrap().ingest_log.is_empty());
}

async fn states_are_by_namespace_and_key(loc: &Location) {
    let store = loc.open().await;
    let set = |ns: &'static str, k: &str, v: &str| Write::State(ns, k.into(), Some(v.into()), t(1));
    commit(&store, vec![set("ns", "b", "1"), set("ns", "a", "2"), set("ns", "B", "3"), set("other", "a", "4")]).await;
    commit(&store, vec![set("ns", "b", "5")]).await;
    let ns = store.states("ns").await.unwrap();
    // Bytewise order, as SQLite sorts: upper case first.
    assert_eq!(ns, vec![("B".into(), "3".into()), ("a".into(), "2".into()), ("b".into(), "5".into())]);
    assert_eq!(store.states("other").await.unwrap(), vec![("a".into(), "4".into())]);
    assert!(store.states("none").await.unwrap().is_empty());
    let all = store.load().await.unwrap().states;
    let keys: Vec<(String, String)> = all.into_iter().map(|(n, k, _)| (n, k)).collect();
    let want = [("ns", "B"), ("ns", "a"), ("ns", "b"), ("other", "a")];
    assert_eq!(keys, want.iter().map(|(n, k)| (n.to_string(), k.to_string())).collect::<Vec<_>>());
}

async fn incidents_filter_by_state_and_time(loc: &Location) {
    let store = loc.open().await;
    commit(&store, vec![incident("i1", 10, None), incident("i2", 20, Some(25)), incident("i3", 30, None)]).await;
    commit(&store, vec![incident("i0", 30, Some(40)), incident("i1", 10, Some(50))]).await;
    let ids = |rows: Vec<IncidentRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let q = |open, since: Option<i64>, until: Option<i64>, limit| IncidentQuery {
        id: None,
        open,
        since: since.map(t),
        until: until.map(t),
        limit,
    };
    // Newest first; equal opening times by id.
    assert_eq!(ids(store.incidents(&q(None, None, None, 0)).await.unwrap()), ["i0", "i3", "i2", "i1"]);
    assert_eq!(ids(store.incidents(&q(Some(true), None, None, 0)).await.unwrap()), ["i3"]);
    assert_eq!(ids(store.incidents(&q(Some(false), None, None, 0)).await.unwrap()), ["i0", "i2", "i1"]);
    assert_eq!(ids(store.incidents(&q(None, Some(20), Some(30), 0)).await.unwrap()), ["i0", "i3", "i2"]);
    assert_eq!(ids(store.incidents(&q(Some(false), None, Some(20), 0)).await.unwrap()), ["i2", "i1"]);
    assert_eq!(ids(store.incidents(&q(None, None, None, 2)).await.unwrap()), ["i0", "i3"]);
    let one = IncidentQuery { id: Some("i2".into()), ..Default::default() };
    assert_eq!(ids(store.incidents(&one).await.unwrap()), ["i2"]);
    commit(&store, vec![incident("i4", 5, None)]).await;
    let open = store.load().await.unwrap().open_incidents;
    assert_eq!(open, ["{\"id\":\"i4\",\"closed\":false}", "{\"id\":\"i3\",\"closed\":false}"], "oldest first");
}

async fn suppressions_open_and_close(loc: &Location) {
    let store = loc.open().await;
    commit(&store, vec![began("o1", 1, 10), began("o1", 1, 11), began("o1", HIGH_FP, 12), began("o2", 1, 13)]).await;
    let all = store.suppressions(&SuppressionQuery::default()).await.unwrap();
    let seen = |rows: &[SuppressionRow]| {
        rows.iter()
            .map(|r| (r.outage_id.clone(), r.fingerprint.0, r.began_at.as_second() - t(0).as_second()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        seen(&all),
        vec![("o2".into(), 1, 13), ("o1".into(), HIGH_FP, 12), ("o1".into(), 1, 10)],
        "a second begin of an open suppression is ignored; newest first"
    );
    assert_eq!(all[1].labels_json, format!("{{\"fp\":\"{HIGH_FP}\"}}"));
    commit(&store, vec![Write::SuppressionEnded("o1".into(), Fingerprint(1), t(20), true)]).await;
    commit(&store, vec![Write::SuppressionEnded("o2".into(), Fingerprint(1), t(21), false), began("o1", 1, 30)]).await;
    let o1 =
        store.suppressions(&SuppressionQuery { outage_id: Some("o1".into()), ..Default::default() }).await.unwrap();
    assert_eq!(seen(&o1), vec![("o1".into(), 1, 30), ("o1".into(), HIGH_FP, 12), ("o1".into(), 1, 10)]);
    assert_eq!((o1[2].ended_at, o1[2].still_firing), (Some(t(20)), Some(true)));
    assert_eq!((o1[0].ended_at, o1[0].still_firing), (None, None));
    let fp1 = SuppressionQuery { fingerprint: Some(Fingerprint(1)), ..Default::default() };
    let fp1 = store.suppressions(&fp1).await.unwrap();
    assert_eq!(seen(&fp1), vec![("o1".into(), 1, 30), ("o2".into(), 1, 13), ("o1".into(), 1, 10)]);
    assert_eq!((fp1[1].ended_at, fp1[1].still_firing), (Some(t(21)), Some(false)));
    let open = store.suppressions(&SuppressionQuery { open_only: true, ..Default::default() }).await.unwrap();
    assert_eq!(seen(&open), vec![("o1".into(), 1, 30), ("o1".into(), HIGH_FP, 12)]);
    let limited = store.suppressions(&SuppressionQuery { limit: 1, ..Default::default() }).await.unwrap();
    assert_eq!(seen(&limited), vec![("o1".into(), 1, 30)]);
    let l = store.load().await.unwrap();
    assert_eq!(l.open_suppressions, vec![("o1".to_string(), Fingerprint(HIGH_FP)), ("o1".to_string(), Fingerprint(1))]);
}

async fn reopening_keeps_everything(loc: &Location) {
    let store = loc.open().await;
    commit(&store, vec![Write::Alerts(vec![Arc::new(alert("Kept", "k"))]), logged(1), put(7, t(1))]).await;
    drop(store);
    // Opening again runs no migration twice and finds the data.
    let store = loc.open().await;
    let l = store.load().await.unwrap();
    assert_eq!(l.alerts, vec![alert("Kept", "k")]);
    assert_eq!(l.ingest_log.len(), 1);
    assert_eq!(l.outbox_max_id, 7);
}

async fn text_with_a_nul_character_does_not_fail_a_commit(loc: &Location) {
    let store = loc.open().await;
    let mut a = alert("Nul", "n");
    a.generator_url = "http://x/\0y".into();
    let rec = NotificationRecord {
        at: t(1),
        group_key: "g".into(),
        receiver: "team".into(),
        integration: 0,
        outcome: "failed",
        detail: "peer said \0".into(),
        alerts: 1,
    };
    commit(&store, vec![Write::Alerts(vec![Arc::new(a)]), Write::Notifications(vec![rec])]).await;
    // SQLite keeps the character; PostgreSQL text cannot hold it and keeps U+FFFD instead.
    let l = store.load().await.unwrap();
    assert_eq!(l.alerts[0].generator_url.replace('\u{FFFD}', "\0"), "http://x/\0y");
    let n = store.notifications(None, 0).await.unwrap();
    assert_eq!(n[0].detail.replace('\u{FFFD}', "\0"), "peer said \0");
}

/// Runs every check on a fresh store from `fresh(name)`.
async fn run_contract<F, Fut>(backend: &str, mut fresh: F)
where
    F: FnMut(&'static str) -> Fut,
    Fut: Future<Output = Location>,
{
    macro_rules! check {
        ($name:ident) => {{
            let loc = fresh(stringify!($name)).await;
            $name(&loc).await;
            eprintln!("{backend}: {} ok", stringify!($name));
        }};
    }
    check!(empty_store_loads_nothing);
    check!(every_write_round_trips);
    check!(a_commit_is_atomic);
    check!(history_is_newest_first_within_limits);
    check!(notifications_are_newest_first_within_limits);
    check!(the_notify_log_expires);
    check!(the_outbox_moves_through_its_states_and_is_pruned);
    check!(the_ingest_log_is_trimmed);
    check!(states_are_by_namespace_and_key);
    check!(incidents_filter_by_state_and_time);
    check!(suppressions_open_and_close);
    check!(reopening_keeps_everything);
    check!(text_with_a_nul_character_does_not_fail_a_commit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_store_keeps_the_contract() {
    let root = tempfile::tempdir().unwrap();
    run_contract("sqlite", |name| {
        let dir = root.path().join(name);
        async move { Location::Sqlite(dir) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_store_keeps_the_contract() {
    if !have_postgres("the_postgres_store_keeps_the_contract") {
        return;
    }
    let server = PgServer::start();
    run_contract("postgres", |name| {
        let url = server.create_database(name);
        async move { Location::Postgres(Box::new(StoreUrl::parse(&url, None).unwrap())) }
    })
    .await;
    // Replicas starting together on a new database: the schema is created once, under the
    // advisory lock, and both open.
    let url = StoreUrl::parse(&server.create_database("replicas"), None).unwrap();
    let here = std::path::Path::new(".");
    let (a, b, c) = tokio::join!(
        StoreBackend::open(Some(&url), here, Durability::Full),
        StoreBackend::open(Some(&url), here, Durability::Full),
        StoreBackend::open(Some(&url), here, Durability::Full)
    );
    for store in [a, b, c] {
        assert!(store.expect("concurrent open").load().await.unwrap().alerts.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_unreachable_server_is_an_error_without_the_password() {
    if !have_postgres("a_wrong_password_or_unreachable_server_is_an_error_without_the_password") {
        return;
    }
    // Nothing listens on a port that was just free.
    let port = crate::support::free_port();
    let url = StoreUrl::parse(&format!("postgres://triage:s3cret@127.0.0.1:{port}/triage"), None).unwrap();
    let err = StoreBackend::open(Some(&url), std::path::Path::new("."), Durability::Full).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("triage:***@127.0.0.1"), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
}

const CONFIG: &str = r#"
route:
  receiver: nobody
receivers:
  - name: nobody
"#;

async fn alert_names(url: &str) -> Vec<String> {
    let v: Value =
        crate::support::client().get(format!("{url}/api/v2/alerts")).send().await.unwrap().json().await.unwrap();
    v.as_array().unwrap().iter().map(|a| a["labels"]["alertname"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_postgres_keeps_alerts_across_a_kill() {
    if !have_postgres("serve_on_postgres_keeps_alerts_across_a_kill") {
        return;
    }
    let server = PgServer::start();
    let db = server.create_database("triage");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(&config, CONFIG).unwrap();
    let start = || {
        let (config, db, data) = (config.clone(), db.clone(), dir.path().join("data"));
        crate::support::peer::start_listening("triage", "/-/ready", move |port| {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_triage"));
            cmd.arg("serve")
                .arg("--config")
                .arg(&config)
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--data-dir")
                .arg(&data)
                .arg("--store")
                .arg(&db);
            cmd
        })
    };
    let (proc, url) = start().await;
    let resp = crate::support::client()
        .post(format!("{url}/api/v2/alerts"))
        .json(&json!([{"labels": {"alertname": "StoredInPostgres", "site": "T2_CH_CERN"}}]))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "POST /api/v2/alerts answered {}", resp.status());
    assert_eq!(alert_names(&url).await, ["StoredInPostgres"]);
    let status = std::process::Command::new("kill").arg("-9").arg(proc.pid().to_string()).status().unwrap();
    assert!(status.success());
    drop(proc);
    assert!(!dir.path().join("data").join("triage.db").exists(), "nothing went to the embedded store");
    let (_proc, url) = start().await;
    assert_eq!(
        alert_names(&url).await,
        ["StoredInPostgres"],
        "after the restart, from PostgreSQL\n{}",
        server.log_tail()
    );
}

/// `triage serve --store` against a server that wants a password: `args` added to the
/// command, `env` set; returns the process's exit status or readiness, and its output.
async fn serve_once(db: &str, data: &std::path::Path, extra: &[&str], env: Option<&str>) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(&config, CONFIG).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_triage"));
    let port = crate::support::free_port();
    cmd.arg("serve").arg("--config").arg(&config).arg("--listen").arg(format!("127.0.0.1:{port}"));
    cmd.arg("--data-dir").arg(data).arg("--store").arg(db).args(extra);
    cmd.env_remove("TRIAGE_STORE_PASSWORD");
    if let Some(pw) = env {
        cmd.env("TRIAGE_STORE_PASSWORD", pw);
    }
    let mut proc = crate::support::Proc::spawn("triage", cmd);
    let ready = proc.wait_http_ok(&format!("http://127.0.0.1:{port}/-/ready"), crate::support::DEADLINE).await;
    (ready.is_ok(), proc.log_tail(8000))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_takes_the_store_password_from_a_file_or_the_environment_and_never_prints_it() {
    if !have_postgres("serve_takes_the_store_password_from_a_file_or_the_environment_and_never_prints_it") {
        return;
    }
    let server = PgServer::start_with_passwords();
    server.psql("CREATE ROLE triage LOGIN PASSWORD 'right-pw-81'");
    server.psql("CREATE DATABASE triage OWNER triage");
    let data = tempfile::tempdir().unwrap();
    let at = format!("127.0.0.1:{}/triage", server.port);

    let (ok, out) = serve_once(&format!("postgres://triage:wrong-pw-42@{at}"), data.path(), &[], None).await;
    assert!(!ok, "a wrong password must not serve:\n{out}");
    assert!(out.contains("triage:***@127.0.0.1"), "the error names the store, password hidden:\n{out}");
    assert!(!out.contains("wrong-pw-42"), "the password was printed:\n{out}");

    let (ok, out) = serve_once(&format!("postgres://triage:right-pw-81@{at}"), data.path(), &[], None).await;
    assert!(ok, "the URL's password:\n{out}");
    assert!(!out.contains("right-pw-81"), "the password was printed:\n{out}");

    let file = data.path().join("password");
    std::fs::write(&file, "right-pw-81\n").unwrap();
    let with_file = ["--store-password-file", file.to_str().unwrap()];
    let (ok, out) = serve_once(&format!("postgres://triage@{at}"), data.path(), &with_file, None).await;
    assert!(ok, "the password file:\n{out}");

    let (ok, out) = serve_once(&format!("postgres://triage@{at}"), data.path(), &[], Some("right-pw-81")).await;
    assert!(ok, "TRIAGE_STORE_PASSWORD:\n{out}");
    assert!(!out.contains("right-pw-81"), "the password was printed:\n{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_store_speaks_tls_and_verifies_the_server() {
    if !have_postgres("the_postgres_store_speaks_tls_and_verifies_the_server") {
        return;
    }
    let server = PgServer::start_with_tls();
    let db = server.create_database("triage");
    let here = std::path::Path::new(".");
    let ca = server.ca_file();
    let url = StoreUrl::parse(&format!("{db}?sslmode=verify-full&sslrootcert={}", ca.display()), None).unwrap();
    let store = StoreBackend::open(Some(&url), here, Durability::Full).await.unwrap_or_else(|e| panic!("{e}"));
    commit(&store, vec![logged(1)]).await;
    assert_eq!(store.load().await.unwrap().ingest_log.len(), 1);
    // Another CA's file: the server's certificate is refused.
    let other = tempfile::tempdir().unwrap();
    let other_ca = other.path().join("other.pem");
    let params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    let cert = params.self_signed(&rcgen::KeyPair::generate().unwrap()).unwrap();
    std::fs::write(&other_ca, cert.pem()).unwrap();
    let url = StoreUrl::parse(&format!("{db}?sslmode=verify-full&sslrootcert={}", other_ca.display()), None).unwrap();
    let err = StoreBackend::open(Some(&url), here, Durability::Full).await.expect_err("an untrusted server");
    assert!(err.to_string().contains("cannot connect"), "{err}");
}
