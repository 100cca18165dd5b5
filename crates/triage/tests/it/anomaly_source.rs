//! The anomaly source against a real VictoriaMetrics: a series with an injected spike raises
//! an alert (with its score, band, query and graph link), notified; once the series is back
//! inside its band for the recovery time the alert resolves; the scores are written back to
//! VictoriaMetrics; a datasource that goes away resolves nothing and is counted.

use crate::support::{DEADLINE, WebhookSink, client, get_json, have_binaries, poll, start_victoria_metrics};
use serde_json::Value;

fn normal(i: i64) -> f64 {
    100.0 + 2.0 * ((i as f64 * 0.7).sin() + (i as f64 * 1.3).cos()) / 2.0
}

/// Imports `transfer_rate{site="T2_XX_Test"}` samples, one per second, `value(t)` at unix second t.
async fn import(vm: &str, seconds: impl Iterator<Item = i64>, value: impl Fn(i64) -> f64) {
    let (mut ts, mut vs) = (Vec::new(), Vec::new());
    for t in seconds {
        ts.push(t * 1000);
        vs.push(value(t));
    }
    let line = serde_json::json!({"metric": {"__name__": "transfer_rate", "site": "T2_XX_Test"}, "values": vs, "timestamps": ts});
    let r = client().post(format!("{vm}/api/v1/import")).body(line.to_string()).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

fn anomaly_alert(alerts: &Value) -> Option<Value> {
    alerts.as_array()?.iter().find(|a| a["labels"]["alertname"] == "TransferRateAnomaly").cloned()
}

async fn metrics(base: &str) -> String {
    client().get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn a_spike_fires_an_anomaly_alert_that_resolves_when_the_series_recovers() {
    if !have_binaries("a_spike_fires_an_anomaly_alert_that_resolves_when_the_series_recovers", &["victoria-metrics"]) {
        return;
    }
    let vm = start_victoria_metrics().await;
    let now = jiff::Timestamp::now().as_second();
    import(&vm.url, now - 900..now, |t| if t >= now - 5 { 400.0 } else { normal(t) }).await;

    let sink = WebhookSink::start();
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        r#"
route:
  receiver: ops
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: ops
    webhook_configs: [{{url: '{}', send_resolved: true}}]
anomaly:
  datasource_url: {vm}
  interval: 1s
  step: 1s
  learn_range: 20m
  recovery: 5s
  scores_url: {vm}
  queries:
    - name: TransferRateAnomaly
      expr: transfer_rate
      labels: {{severity: warning}}
"#,
        sink.url("/hook"),
        vm = vm.url
    );
    let (_proc, base) = crate::support::peer::start_triage_in(dir.path(), &yaml).await;

    let alert = poll(DEADLINE, || async { anomaly_alert(&get_json(&base, "/api/v2/alerts").await) })
        .await
        .expect("the spike raises an alert");
    assert_eq!(alert["labels"]["site"], "T2_XX_Test");
    assert_eq!(alert["labels"]["metric"], "transfer_rate");
    assert_eq!(alert["labels"]["severity"], "warning");
    assert_eq!(alert["labels"]["source"], "anomaly");
    assert_eq!(alert["annotations"]["query"], "transfer_rate");
    let score: f64 = alert["annotations"]["score"].as_str().unwrap().parse().unwrap();
    assert!(score >= 0.99, "{alert}");
    let (lower, upper) = alert["annotations"]["expected"].as_str().unwrap().split_once("..").unwrap();
    let (lower, upper): (f64, f64) = (lower.parse().unwrap(), upper.parse().unwrap());
    assert!(lower < 100.0 && upper > 100.0 && upper < 400.0, "{alert}");
    assert!(alert["generatorURL"].as_str().unwrap().starts_with(&format!("{}/graph?g0.expr=transfer_rate", vm.url)));
    poll(DEADLINE, || async {
        sink.received().into_iter().find(|r| {
            r.body["status"] == "firing" && r.body["alerts"][0]["labels"]["alertname"] == "TransferRateAnomaly"
        })
    })
    .await
    .expect("notified");

    // Scores went back to VictoriaMetrics.
    let q = format!(
        "{}/api/v1/query?query=max_over_time(triage_anomaly_score{{query=%22TransferRateAnomaly%22,site=%22T2_XX_Test%22}}[30m])",
        vm.url
    );
    let top = poll(DEADLINE, || async {
        let v: Value = client().get(&q).send().await.ok()?.json().await.ok()?;
        v["data"]["result"][0]["value"][1].as_str()?.parse::<f64>().ok()
    })
    .await
    .expect("scores written");
    assert!(top >= 0.99, "{top}");

    // The datasource keeps answering with the spike's last value: the alert stays. Then the
    // series is normal again from now on: after the recovery time the alert resolves.
    let from = jiff::Timestamp::now().as_second();
    import(&vm.url, from..from + 300, normal).await;
    poll(DEADLINE, || async {
        sink.received().into_iter().find(|r| {
            r.body["status"] == "resolved" && r.body["alerts"][0]["labels"]["alertname"] == "TransferRateAnomaly"
        })
    })
    .await
    .expect("resolved after the series recovered");
    assert!(anomaly_alert(&get_json(&base, "/api/v2/alerts").await).is_none());
    let text = metrics(&base).await;
    assert!(text.contains("triage_anomaly_series{source=\"TransferRateAnomaly\"} 1"), "{text}");
}

#[tokio::test]
async fn a_datasource_that_goes_away_resolves_nothing() {
    if !have_binaries("a_datasource_that_goes_away_resolves_nothing", &["victoria-metrics"]) {
        return;
    }
    let vm = start_victoria_metrics().await;
    let now = jiff::Timestamp::now().as_second();
    import(&vm.url, now - 900..now, |t| if t >= now - 5 { 400.0 } else { normal(t) }).await;
    let sink = WebhookSink::start();
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        r#"
route: {{receiver: ops, group_wait: 0s, group_interval: 1s}}
receivers: [{{name: ops, webhook_configs: [{{url: '{}'}}]}}]
anomaly:
  datasource_url: {}
  interval: 300ms
  step: 1s
  learn_range: 20m
  queries: [{{name: TransferRateAnomaly, expr: transfer_rate}}]
"#,
        sink.url("/hook"),
        vm.url
    );
    let (_proc, base) = crate::support::peer::start_triage_in(dir.path(), &yaml).await;
    poll(DEADLINE, || async { anomaly_alert(&get_json(&base, "/api/v2/alerts").await) }).await.expect("fires");
    drop(vm);
    let label = "triage_anomaly_errors_total{source=\"TransferRateAnomaly\",stage=\"query\"}";
    poll(DEADLINE, || async {
        let text = metrics(&base).await;
        text.lines()
            .find(|l| l.starts_with(label))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .filter(|v| *v >= 3.0)
    })
    .await
    .expect("failed queries counted");
    let alert = anomaly_alert(&get_json(&base, "/api/v2/alerts").await).expect("still firing");
    assert_eq!(alert["status"]["state"], "active");
}

/// The value of `triage_anomaly_points{source="TransferRateAnomaly"}`, if exported.
async fn points(base: &str) -> Option<u64> {
    let text = metrics(base).await;
    text.lines()
        .find(|l| l.starts_with("triage_anomaly_points_total{source=\"TransferRateAnomaly\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn a_restart_resumes_the_saved_detectors_instead_of_learning_again() {
    if !have_binaries("a_restart_resumes_the_saved_detectors_instead_of_learning_again", &["victoria-metrics"]) {
        return;
    }
    let vm = start_victoria_metrics().await;
    let now = jiff::Timestamp::now().as_second();
    // Twenty minutes of history, and the series goes on normally for the next ten.
    import(&vm.url, now - 1200..now + 600, normal).await;
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        r#"
route: {{receiver: ops}}
receivers: [{{name: ops}}]
anomaly:
  datasource_url: {vm}
  interval: 1s
  step: 1s
  learn_range: 20m
  queries:
    - name: TransferRateAnomaly
      expr: transfer_rate
"#,
        vm = vm.url
    );
    let (proc, base) = crate::support::peer::start_triage_in(dir.path(), &yaml).await;
    // A fresh detector learns the whole learn range at its first query.
    let learnt = poll(DEADLINE, || async { points(&base).await.filter(|n| *n >= 1000) })
        .await
        .expect("the first query feeds the learn range");
    // Stopped cleanly (SIGTERM): the detectors' states are saved.
    let status = std::process::Command::new("kill").arg("-TERM").arg(proc.pid().to_string()).status().unwrap();
    assert!(status.success());
    let mut proc = proc;
    let stopped = proc.wait_exit(DEADLINE).await.expect("triage stops on SIGTERM");
    assert!(stopped.success(), "{}", proc.report());
    // Restarted on the same data: only the points after the saved state are fed, not the
    // learn range again.
    let (_proc, base) = crate::support::peer::start_triage_in(dir.path(), &yaml).await;
    let resumed = poll(DEADLINE, || async { points(&base).await.filter(|n| *n > 0) })
        .await
        .expect("the restarted source scores new points");
    assert!(
        resumed < learnt / 4,
        "a restart fed {resumed} points, the first start {learnt}: the saved state was not resumed"
    );
}
