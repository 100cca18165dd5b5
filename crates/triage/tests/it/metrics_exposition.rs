//! `/metrics` of the real binary: the Prometheus text format by default, which the real
//! `promtool check metrics` finds clean, with the `process_*` metrics; OpenMetrics only when
//! the scraper's `Accept` asks for it.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{AlertSpec, post_alerts, start_triage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_prometheus_text_that_promtool_finds_clean() {
    if !crate::support::have_binaries("metrics_are_prometheus_text_that_promtool_finds_clean", &["promtool"]) {
        return;
    }
    let triage = start_triage("route:\n  receiver: a\nreceivers:\n  - name: a\n").await;
    post_alerts(&triage.url, &[AlertSpec::new(&[("alertname", "MetricsTest")])]).await;

    let resp = crate::support::client().get(format!("{}/metrics", triage.url)).send().await.unwrap();
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
    let text = resp.text().await.unwrap();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    assert!(!text.contains("# EOF"), "{text}");
    for name in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_start_time_seconds",
        "triage_alerts_received_total",
    ] {
        assert!(text.lines().any(|l| l.starts_with(name)), "{name} missing:\n{text}");
    }
    assert!(text.contains("# TYPE triage_alerts_received_total counter"), "{text}");

    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start promtool");
    promtool.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = promtool.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.trim().is_empty(), "promtool check metrics:\n{said}\n--- exposition:\n{text}");

    let resp = crate::support::client()
        .get(format!("{}/metrics", triage.url))
        .header("accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
        .send()
        .await
        .unwrap();
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
    let text = resp.text().await.unwrap();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(text.contains("# TYPE process_cpu_seconds counter\nprocess_cpu_seconds_total "), "{text}");
}
