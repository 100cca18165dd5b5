//! The outbox across a kill -9: a notification enqueued but not yet accepted by its receiver
//! when triage dies is delivered after the restart, and accepted exactly once.
//!
//! The receiver answers 503 at first, so the notification stays open in the outbox (retrying);
//! triage is killed, the receiver starts accepting, and triage restarts on the same data.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::peer::start_triage_in;
use crate::support::proc::Proc;
use crate::support::webhook::WebhookSink;
use serde_json::{Value, json};

const CONFIG: &str = r#"
route:
  receiver: sink
  group_by: [alertname]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: sink
    webhook_configs:
      - url: SINK_URL
"#;

async fn start(dir: &Path, sink: &WebhookSink) -> (Proc, String) {
    start_triage_in(dir, &CONFIG.replace("SINK_URL", &sink.url("/hook"))).await
}

async fn deliveries(url: &str) -> Vec<Value> {
    let v: Value =
        crate::support::client().get(format!("{url}/api/v2/deliveries")).send().await.unwrap().json().await.unwrap();
    v.as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_open_at_kill_9_is_delivered_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let sink = WebhookSink::start();
    sink.set_response_status(503);
    let (proc, url) = start(dir.path(), &sink).await;
    let alert = json!([{"labels": {"alertname": "SquidDown", "site": "T2_CH_CERN"}}]);
    let r = crate::support::client().post(format!("{url}/api/v2/alerts")).json(&alert).send().await.unwrap();
    assert!(r.status().is_success());

    // Refused at least once, and the outbox says it will try again.
    let retrying = crate::support::poll(crate::support::DEADLINE, || {
        let url = url.clone();
        async move {
            let d = deliveries(&url).await;
            (d.len() == 1 && d[0]["state"] == "retrying").then_some(d)
        }
    })
    .await
    .expect("the refused notification shows as retrying");
    assert_eq!(retrying[0]["kind"], "webhook");
    assert!(retrying[0]["lastError"].as_str().unwrap().contains("503"), "{retrying:?}");

    let status = Command::new("kill").arg("-9").arg(proc.pid().to_string()).status().unwrap();
    assert!(status.success());
    drop(proc);
    let refused = sink.len();
    assert!(refused >= 1);
    sink.set_response_status(200);

    let (_proc, url) = start(dir.path(), &sink).await;
    let got = sink.wait_for(refused + 1, crate::support::DEADLINE).await;
    assert_eq!(got.last().unwrap().body["groupLabels"]["alertname"], "SquidDown");
    // Nothing more comes: the group's next flush finds it in the notification log.
    assert!(sink.wait_quiet(Duration::from_secs(3), crate::support::DEADLINE).await);
    assert_eq!(sink.len(), refused + 1, "accepted exactly once");
    let d = deliveries(&url).await;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["state"], "delivered", "{d:?}");
    assert!(d[0]["attempts"].as_u64().unwrap() > refused as u64, "{d:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_error_is_recorded_and_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let sink = WebhookSink::start();
    sink.set_response_status(400);
    let (_proc, url) = start(dir.path(), &sink).await;
    let alert = json!([{"labels": {"alertname": "DiskFull"}}]);
    crate::support::client().post(format!("{url}/api/v2/alerts")).json(&alert).send().await.unwrap();
    let failed = crate::support::poll(crate::support::DEADLINE, || {
        let url = url.clone();
        async move {
            let d = deliveries(&url).await;
            (d.len() == 1 && d[0]["state"] == "failed").then_some(d)
        }
    })
    .await
    .expect("the notification fails");
    assert_eq!(failed[0]["attempts"], 1);
    assert!(failed[0]["lastError"].as_str().unwrap().contains("not retried"), "{failed:?}");
    assert_eq!(sink.len(), 1);
    let metrics = crate::support::client().get(format!("{url}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("triage_notifications_failed_total{integration=\"webhook\"} 1"), "{metrics}");
}
