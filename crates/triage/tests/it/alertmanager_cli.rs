//! The real binary started as a systemd unit or a Helm chart starts Alertmanager (its flags,
//! `--cluster.*` included), and refusing, in check-config and serve alike, a receiver it
//! cannot deliver to (no page silently dropped).

use std::process::Command;

use crate::support::peer::start_listening;
use crate::support::proc::Proc;
use crate::support::recorder::Recorder;
use crate::support::{DEADLINE, client, poll};

const CONFIG: &str = "route: {receiver: ops, group_wait: 0s}\nreceivers:\n  - name: ops\n    webhook_configs: [{url: 'http://127.0.0.1:1/hook'}]\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_starts_with_alertmanagers_flags() {
    let rec = Recorder::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(&config, CONFIG.replace("http://127.0.0.1:1", &rec.url(""))).unwrap();
    let data = dir.path().join("data");
    let (proc, url) = start_listening("triage", "/-/ready", |port| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
        cmd.env("NO_COLOR", "1")
            .arg("serve")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--web.external-url=http://alertmanager.example.org:9093/")
            .arg("--web.route-prefix=/")
            .arg("--data.retention=120h")
            .arg("--log.level=info")
            .arg("--log.format=logfmt")
            .arg("--cluster.listen-address=0.0.0.0:9094")
            .arg("--cluster.advertise-address=10.0.0.5:9094")
            .args(["--cluster.peer", "am-1:9094", "--cluster.peer=am-2:9094"])
            .arg("--cluster.settle-timeout=1m");
        cmd
    })
    .await;
    let alert = serde_json::json!([{"labels": {"alertname": "DiskFull"}}]);
    assert!(client().post(format!("{url}/api/v2/alerts")).json(&alert).send().await.unwrap().status().is_success());
    let hook = poll(DEADLINE, || async { rec.requests().first().cloned() }).await.expect("webhook delivered");
    let external = hook.json()["externalURL"].as_str().unwrap_or_default().to_string();
    assert!(external.starts_with("http://alertmanager.example.org:9093"), "--web.external-url applied: {external}");
    assert!(data.exists(), "the data directory is --storage.path");
    let log = proc.log_tail(20_000);
    assert!(log.contains("Alertmanager cluster flags ignored"), "{log}");
    assert!(log.contains("--cluster.peer") && log.contains("PostgreSQL"), "{log}");
    assert_eq!(log.matches("cluster flags ignored").count(), 1, "one line: {log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_a_route_prefix_it_would_not_serve() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(&config, CONFIG).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
    cmd.arg("serve")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.path={}", dir.path().join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{}", crate::support::free_port()))
        .arg("--web.route-prefix=/alertmanager");
    let mut proc = Proc::spawn("triage", cmd);
    let status = proc.wait_exit(DEADLINE).await.expect("serve exits");
    assert!(!status.success());
    assert!(proc.log_tail(4000).contains("--web.route-prefix=/alertmanager"), "{}", proc.report());
}

/// An SNS receiver whose credentials come from a role (STS), which triage cannot assume.
const UNDELIVERABLE: &str = r#"
route: {receiver: ops}
receivers:
  - name: ops
    sns_configs:
      - topic_arn: arn:aws:sns:eu-west-1:123456789012:alerts
        sigv4: {region: eu-west-1, role_arn: 'arn:aws:iam::123456789012:role/alerts'}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_cannot_deliver_fails_check_config_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(&config, UNDELIVERABLE).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_triage")).arg("check-config").arg(&config).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("sigv4.role_arn") && text.contains("not implemented"), "{text}");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
    cmd.arg("serve")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.path={}", dir.path().join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{}", crate::support::free_port()));
    let mut proc = Proc::spawn("triage", cmd);
    let status = proc.wait_exit(DEADLINE).await.expect("serve refuses to start");
    assert!(!status.success(), "{}", proc.report());
    assert!(proc.log_tail(8000).contains("sigv4.role_arn"), "{}", proc.report());
}
