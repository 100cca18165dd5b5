//! Real alert sources talking to a peer: Prometheus 2.42 (`alerting.alertmanagers`, API v2)
//! and vmalert over VictoriaMetrics (`-notifier.url`) evaluate a rule that always fires; the
//! peer routes it to a webhook receiver, and the notification must carry the rule's labels
//! and annotations with status `firing`.
//!
//! Each scenario runs against the real Alertmanager too, which proves the test is right.

use crate::support::{
    DEADLINE, Kind, WebhookSink, have_binaries, start_peer, start_prometheus, start_victoria_metrics, start_vmalert,
};
use serde_json::{Value, json};

const RULES: &str = r#"groups:
  - name: interop
    rules:
      - alert: AlwaysFiring
        expr: vector(1) > 0
        labels:
          severity: critical
          site: T2_CH_CERN
          team: interop
        annotations:
          summary: "always firing (value {{ $value }})"
"#;

fn peer_config(sink: &WebhookSink) -> String {
    format!(
        r#"route:
  receiver: sink
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sink
    webhook_configs:
      - url: "{}"
        send_resolved: true
"#,
        sink.url("/sink")
    )
}

/// Waits for the firing AlwaysFiring notification and checks its payload; `extra` lists
/// labels the source adds beyond the rule's (e.g. vmalert's `alertgroup`).
async fn expect_notification(sink: &WebhookSink, source: &str, extra: &[(&str, &str)]) -> Value {
    let is_it = |b: &Value| {
        b["status"] == "firing"
            && b["alerts"].as_array().is_some_and(|a| a.iter().any(|x| x["labels"]["alertname"] == "AlwaysFiring"))
    };
    let arrived = sink.wait_until(DEADLINE, |r| r.iter().any(|x| is_it(&x.body))).await;
    let received = sink.received();
    assert!(
        arrived,
        "{source}: no firing AlwaysFiring notification within {DEADLINE:?}; received:\n{}",
        crate::support::webhook::describe(&received)
    );
    let body = received.into_iter().find(|x| is_it(&x.body)).unwrap().body;
    let alert = &body["alerts"][0];
    let mut labels = json!({
        "alertname": "AlwaysFiring", "severity": "critical",
        "site": "T2_CH_CERN", "team": "interop",
    });
    for (k, v) in extra {
        labels[*k] = json!(v);
    }
    assert_eq!(body["version"], "4", "{source}: payload version\n{body:#}");
    assert_eq!(body["receiver"], "sink", "{source}: receiver\n{body:#}");
    assert_eq!(body["groupLabels"], json!({"alertname": "AlwaysFiring"}), "{source}: groupLabels\n{body:#}");
    assert_eq!(body["alerts"].as_array().map(Vec::len), Some(1), "{source}: one alert\n{body:#}");
    assert_eq!(alert["status"], "firing", "{source}: alert status\n{body:#}");
    assert_eq!(alert["labels"], labels, "{source}: alert labels\n{body:#}");
    assert_eq!(alert["annotations"]["summary"], "always firing (value 1)", "{source}: templated annotation\n{body:#}");
    assert_eq!(body["commonLabels"], labels, "{source}: commonLabels\n{body:#}");
    body
}

async fn prometheus_scenario(kind: Kind) {
    let sink = WebhookSink::start();
    let peer = start_peer(kind, &peer_config(&sink)).await;
    let prometheus = start_prometheus(RULES, &peer.url).await;
    let body = expect_notification(&sink, &format!("prometheus -> {}", peer.name()), &[]).await;
    let generator = body["alerts"][0]["generatorURL"].as_str().unwrap_or_default();
    assert!(
        generator.contains("/graph?g0.expr="),
        "prometheus -> {}: generatorURL should be Prometheus' graph link, got {generator:?}",
        peer.name()
    );
    drop(prometheus);
}

async fn vmalert_scenario(kind: Kind) {
    let sink = WebhookSink::start();
    let peer = start_peer(kind, &peer_config(&sink)).await;
    let vm = start_victoria_metrics().await;
    let vmalert = start_vmalert(RULES, &vm.url, &peer.url).await;
    expect_notification(&sink, &format!("vmalert -> {}", peer.name()), &[("alertgroup", "interop")]).await;
    drop(vmalert);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_alerts_reach_alertmanager() {
    if have_binaries("prometheus_alerts_reach_alertmanager", &["prometheus", "prometheus-alertmanager"]) {
        prometheus_scenario(Kind::Alertmanager).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_alerts_reach_triage() {
    if have_binaries("prometheus_alerts_reach_triage", &["prometheus"]) {
        prometheus_scenario(Kind::Triage).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vmalert_alerts_reach_alertmanager() {
    if have_binaries("vmalert_alerts_reach_alertmanager", &["victoria-metrics", "vmalert", "prometheus-alertmanager"]) {
        vmalert_scenario(Kind::Alertmanager).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vmalert_alerts_reach_triage() {
    if have_binaries("vmalert_alerts_reach_triage", &["victoria-metrics", "vmalert"]) {
        vmalert_scenario(Kind::Triage).await;
    }
}
