//! kill -9 at any moment, then restart on the same data directory: nothing acknowledged is
//! lost, no notification is sent twice, and groups resume their timers.
//!
//! Runs the real `triage` binary and a webhook sink on loopback. Waits are on conditions with
//! deadlines, never on elapsed time.

use std::path::Path;
use std::process::Command;

use crate::support::peer::start_triage_in;
use crate::support::proc::Proc;
use crate::support::webhook::WebhookSink;
use serde_json::{Value, json};

const CONFIG: &str = r#"
route:
  receiver: sink
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: sink
    webhook_configs:
      - url: SINK_URL
"#;

async fn start(dir: &Path, sink: &WebhookSink) -> (Proc, String) {
    start_triage_in(dir, &CONFIG.replace("SINK_URL", &sink.url("/hook"))).await
}

fn kill9(p: &Proc) {
    let status = Command::new("kill").arg("-9").arg(p.pid().to_string()).status().unwrap();
    assert!(status.success());
}

fn alert(name: &str, i: usize) -> Value {
    json!({"labels": {"alertname": name, "instance": format!("host-{i}")}, "annotations": {"summary": "s"}})
}

async fn fingerprints(url: &str) -> Vec<String> {
    let v: Value =
        crate::support::client().get(format!("{url}/api/v2/alerts")).send().await.unwrap().json().await.unwrap();
    let mut fps: Vec<String> =
        v.as_array().unwrap().iter().map(|a| a["labels"]["instance"].as_str().unwrap().to_string()).collect();
    fps.sort();
    fps
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_alerts_survive_kill_9_during_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let sink = WebhookSink::start();
    let (proc, url) = start(dir.path(), &sink).await;
    // Post batches until the process is killed part-way; remember what was acknowledged.
    let client = crate::support::client();
    let mut acked = Vec::new();
    for batch in 0..200 {
        let alerts: Vec<Value> = (0..50).map(|j| alert("Storm", batch * 50 + j)).collect();
        if batch == 60 {
            kill9(&proc);
        }
        match client.post(format!("{url}/api/v2/alerts")).json(&alerts).send().await {
            Ok(r) if r.status().is_success() => acked.extend((0..50).map(|j| format!("host-{}", batch * 50 + j))),
            _ => break,
        }
    }
    assert!(acked.len() >= 60 * 50, "the first 60 batches were acknowledged");
    drop(proc);
    let (_proc, url) = start(dir.path(), &sink).await;
    let held = fingerprints(&url).await;
    acked.sort();
    let missing: Vec<&String> = acked.iter().filter(|a| held.binary_search(a).is_err()).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged alerts lost after kill -9, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_notification_is_sent_twice_after_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let sink = WebhookSink::start();
    let (proc, url) = start(dir.path(), &sink).await;
    let alerts: Vec<Value> = (0..3).map(|i| alert("Disk", i)).collect();
    crate::support::client()
        .post(format!("{url}/api/v2/alerts"))
        .json(&alerts)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let got = sink.wait_for(1, crate::support::DEADLINE).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body["alerts"].as_array().unwrap().len(), 3);
    // Wait until the delivery is recorded (the notification log is written in the same commit).
    let recorded = crate::support::poll(crate::support::DEADLINE, || {
        let url = url.clone();
        async move {
            let v: Value = crate::support::client()
                .get(format!("{url}/api/v2/notifications"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            v.as_array()?.iter().any(|n| n["outcome"] == "sent").then_some(())
        }
    })
    .await;
    assert!(recorded.is_some(), "the delivery was never recorded");
    kill9(&proc);
    drop(proc);
    let (_proc, url) = start(dir.path(), &sink).await;
    // The group resumes; several group intervals pass with nothing new to say.
    assert_eq!(fingerprints(&url).await.len(), 3);
    let resumed = crate::support::poll(crate::support::DEADLINE, || {
        let url = url.clone();
        async move {
            let v: Value = crate::support::client()
                .get(format!("{url}/api/v2/notifications"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            v.as_array()?.iter().any(|n| n["outcome"] == "skipped" && n["detail"] == "unchanged").then_some(())
        }
    })
    .await;
    assert!(resumed.is_some(), "the restarted group never flushed");
    assert_eq!(sink.len(), 1, "a notification was sent twice: {}", crate::support::webhook::describe(&sink.received()));
    // A new alert in the group is still notified once.
    crate::support::client()
        .post(format!("{url}/api/v2/alerts"))
        .json(&vec![alert("Disk", 9)])
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let got = sink.wait_for(2, crate::support::DEADLINE).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].body["alerts"].as_array().unwrap().len(), 4);
}
