//! Failover of two triage processes sharing a real PostgreSQL 15 and a real nats-server with
//! JetStream, both started by the test: alerts are posted to either process while the one
//! running the engine is killed with SIGKILL in the middle of the load. Checked: every alert
//! acknowledged with a 2xx is listed afterwards (none lost), every group is notified by
//! exactly one notification (a second delivery could only be the one in flight at the kill,
//! and would carry the same `Idempotency-Key`), and the survivor runs the engine within
//! seconds. Then the killed process comes back as a standby that forwards, and a clean stop
//! of the engine process hands the engine over at once without notifying again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::nats::NatsServer;
use crate::support::peer::start_listening;
use crate::support::postgres::{PgServer, have_postgres};
use crate::support::webhook::WebhookSink;
use crate::support::{Proc, client, have_binaries, poll};
use serde_json::{Value, json};

/// Distinct alert names, one group each.
const GROUPS: usize = 600;
/// Alerts per posted batch.
const PER_BATCH: usize = 10;

fn config(sink: &WebhookSink) -> String {
    format!(
        "route: {{receiver: ops, group_by: [alertname], group_wait: 1s, group_interval: 5m, repeat_interval: 4h}}\n\
         receivers: [{{name: ops, webhook_configs: [{{url: '{}', send_resolved: false}}]}}]\n",
        sink.url("/ops")
    )
}

async fn start(dir: &Path, name: &str, db: &str, nats: &str) -> (Proc, String) {
    let config = dir.join("alertmanager.yml");
    start_listening(name, "/-/ready", |port| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
        cmd.arg("serve")
            .arg("--config")
            .arg(&config)
            .args(["--store", db, "--ingest-nats", nats, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(dir.join(format!("data-{name}")));
        cmd
    })
    .await
}

async fn runs_engine(base: &str) -> bool {
    let Ok(resp) = client().get(format!("{base}/metrics")).send().await else { return false };
    resp.text().await.is_ok_and(|t| t.lines().any(|l| l == "triage_engine_leader 1"))
}

async fn wait_engine(base: &str, timeout: Duration) -> Option<Duration> {
    let started = Instant::now();
    poll(timeout, || async { runs_engine(base).await.then_some(()) }).await.map(|()| started.elapsed())
}

fn batch(k: usize) -> Value {
    Value::Array(
        (k * PER_BATCH..(k + 1) * PER_BATCH)
            .map(|i| json!({"labels": {"alertname": format!("Failover{i:04}"), "instance": format!("node{i}")}}))
            .collect(),
    )
}

/// Posts to `bases[first]`, then the other, until one answers 2xx.
async fn post_anywhere(bases: &[String; 2], first: usize, body: &Value) -> bool {
    for attempt in 0..40 {
        let base = &bases[(first + attempt) % 2];
        if let Ok(resp) = client().post(format!("{base}/api/v2/alerts")).json(body).send().await
            && resp.status().is_success()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn listed_names(base: &str) -> BTreeSet<String> {
    let Ok(resp) = client().get(format!("{base}/api/v2/alerts")).send().await else { return BTreeSet::new() };
    let Ok(list) = resp.json::<Value>().await else { return BTreeSet::new() };
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["labels"]["alertname"].as_str().map(str::to_string))
        .collect()
}

/// Alert name → the idempotency keys of the notifications about it, one entry per delivery.
fn deliveries(sink: &WebhookSink) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in sink.received() {
        let name = r.body["groupLabels"]["alertname"].as_str().unwrap_or("?").to_string();
        out.entry(name).or_default().push(r.idempotency_key.clone().unwrap_or_default());
    }
    out
}

fn kill9(proc: &Proc) {
    let status = Command::new("kill").arg("-9").arg(proc.pid().to_string()).status().unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_engine_process_under_load_loses_nothing_and_notifies_once() {
    let test = "killing_the_engine_process_under_load_loses_nothing_and_notifies_once";
    if !have_binaries(test, &["nats-server"]) || !have_postgres(test) {
        return;
    }
    let pg = PgServer::start();
    let db = pg.create_database("failover");
    let nats = NatsServer::start(&[]).await;
    let sink = WebhookSink::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("alertmanager.yml"), config(&sink)).unwrap();

    let (mut a, a_url) = start(dir.path(), "a", &db, &nats.url).await;
    assert!(wait_engine(&a_url, Duration::from_secs(30)).await.is_some(), "a never ran the engine\n{}", a.report());
    let (mut b, b_url) = start(dir.path(), "b", &db, &nats.url).await;
    assert!(!runs_engine(&b_url).await, "b stands by while a runs the engine");
    // A standby forwards what it cannot answer to the engine process.
    let status = client().get(format!("{b_url}/api/v2/status")).send().await.unwrap();
    assert_eq!(status.status().as_u16(), 200, "forwarded status");

    let bases = [a_url.clone(), b_url.clone()];
    let batches = GROUPS / PER_BATCH;
    let kill_at = batches / 4;
    let mut acked = BTreeSet::new();
    let mut watcher = None;
    for k in 0..batches {
        if k == kill_at {
            kill9(&a);
            // Measured while the load goes on: from the kill until b runs the engine.
            let b_url = b_url.clone();
            watcher = Some(tokio::spawn(async move { wait_engine(&b_url, Duration::from_secs(60)).await }));
        }
        assert!(post_anywhere(&bases, k % 2, &batch(k)).await, "batch {k} was accepted by neither process");
        acked.extend((k * PER_BATCH..(k + 1) * PER_BATCH).map(|i| format!("Failover{i:04}")));
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let takeover = watcher.unwrap().await.unwrap().unwrap_or_else(|| panic!("b never took over\n{}", b.report()));
    eprintln!("failover: b ran the engine {:.1} s after a was killed", takeover.as_secs_f64());
    assert!(takeover < Duration::from_secs(20), "takeover took {takeover:?}");

    // Nothing acknowledged is lost.
    let listed = poll(Duration::from_secs(60), || async {
        let names = listed_names(&b_url).await;
        acked.is_subset(&names).then_some(names)
    })
    .await;
    let Some(listed) = listed else {
        let names = listed_names(&b_url).await;
        let missing: Vec<_> = acked.difference(&names).take(10).collect();
        panic!("acknowledged alerts missing after the failover, e.g. {missing:?}\n{}", b.report());
    };
    assert_eq!(listed.len(), GROUPS);

    // Every group notified, each by one notification.
    let all_notified = sink
        .wait_until(Duration::from_secs(60), |r| {
            r.iter().filter_map(|x| x.body["groupLabels"]["alertname"].as_str()).collect::<BTreeSet<_>>().len()
                >= GROUPS
        })
        .await;
    assert!(all_notified, "not every group was notified: {} of {GROUPS}\n{}", deliveries(&sink).len(), b.report());
    assert!(sink.wait_quiet(Duration::from_secs(4), Duration::from_secs(30)).await);
    let notified = deliveries(&sink);
    assert_eq!(notified.len(), GROUPS);
    let mut redelivered = 0;
    for (name, keys) in &notified {
        assert!(keys.iter().all(|k| k.len() == 16), "{name}: every delivery has an idempotency key: {keys:?}");
        let distinct: BTreeSet<&String> = keys.iter().collect();
        assert_eq!(distinct.len(), 1, "{name} was notified by {} different notifications", distinct.len());
        redelivered += keys.len() - 1;
    }
    eprintln!(
        "failover: {GROUPS} groups, {} deliveries, {redelivered} second deliveries of a notification in flight at the kill",
        sink.len()
    );
    // Only what was in flight at the kill can come twice: far fewer than the notifications.
    assert!(redelivered <= 20, "{redelivered} second deliveries");

    // The killed process comes back as a standby and forwards.
    drop(a);
    let (a2, a2_url) = start(dir.path(), "a", &db, &nats.url).await;
    assert!(!runs_engine(&a2_url).await);
    assert_eq!(listed_names(&a2_url).await.len(), GROUPS, "a standby forwards the listing");

    // A clean stop of the engine process hands the engine over at once, without notifying again.
    let before = sink.len();
    let stopped = Instant::now();
    let status = Command::new("kill").arg("-TERM").arg(b.pid().to_string()).status().unwrap();
    assert!(status.success());
    assert!(b.wait_exit(Duration::from_secs(30)).await.is_some_and(|s| s.success()), "b stops cleanly");
    assert!(wait_engine(&a2_url, Duration::from_secs(30)).await.is_some(), "a takes the engine over");
    let handover = stopped.elapsed();
    eprintln!("failover: clean handover: a ran the engine {:.1} s after b was asked to stop", handover.as_secs_f64());
    assert!(handover < Duration::from_secs(10), "a clean stop releases the lease: {handover:?}");
    assert_eq!(listed_names(&a2_url).await.len(), GROUPS);
    assert!(sink.wait_quiet(Duration::from_secs(3), Duration::from_secs(20)).await);
    assert_eq!(sink.len(), before, "no notification again after the handover");
    drop(a2);
    let _ = &pg;
}
