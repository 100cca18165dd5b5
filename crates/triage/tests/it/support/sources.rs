//! Real alert sources and metric stores, started on free loopback ports: Prometheus (rules +
//! alerting to a given Alertmanager URL), VictoriaMetrics and vmalert.

use std::process::Command;

use tempfile::TempDir;

use super::peer::start_listening;
use super::proc::Proc;

/// A running helper program with its own temporary directory.
pub struct Service {
    /// Base URL without a trailing slash.
    pub url: String,
    /// Kept for its drop: stops the process.
    _proc: Proc,
    // Dropped after `_proc`, so the process is gone before its files.
    _dir: TempDir,
}

fn temp_dir(name: &str) -> TempDir {
    tempfile::Builder::new().prefix(&format!("triage-test-{name}-")).tempdir().expect("temp dir")
}

/// Splits `http://host:port/prefix` into (`scheme`, `host:port`, `/prefix`).
fn split_url(url: &str) -> (&str, &str, &str) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    match rest.find('/') {
        Some(i) => (scheme, &rest[..i], &rest[i..]),
        None => (scheme, rest, "/"),
    }
}

/// Starts Prometheus evaluating `rules_yaml` (a rule file) every second and sending alerts to
/// the Alertmanager API v2 at `alertmanager_url`.
pub async fn start_prometheus(rules_yaml: &str, alertmanager_url: &str) -> Service {
    let dir = temp_dir("prometheus");
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, rules_yaml).expect("write rules");
    let (scheme, host, prefix) = split_url(alertmanager_url);
    let config = format!(
        r#"global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - "{rules}"
alerting:
  alertmanagers:
    - api_version: v2
      scheme: {scheme}
      path_prefix: "{prefix}"
      static_configs:
        - targets: ["{host}"]
"#,
        rules = rules.display()
    );
    let config_path = dir.path().join("prometheus.yml");
    std::fs::write(&config_path, config).expect("write prometheus.yml");
    let data = dir.path().join("data");
    let (proc, url) = start_listening("prometheus", "/-/ready", |port| {
        let mut cmd = Command::new("prometheus");
        cmd.arg(format!("--config.file={}", config_path.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--rules.alert.resend-delay=1s");
        cmd
    })
    .await;
    Service { url, _proc: proc, _dir: dir }
}

/// Starts a single-node VictoriaMetrics with a temporary storage directory.
pub async fn start_victoria_metrics() -> Service {
    let dir = temp_dir("victoria-metrics");
    let data = dir.path().join("data");
    let (proc, url) = start_listening("victoria-metrics", "/health", |port| {
        let mut cmd = Command::new("victoria-metrics");
        // Recent samples are answered at once (no 30 s latency offset, no result cache), so a
        // test sees what it just wrote.
        cmd.arg(format!("-storageDataPath={}", data.display()))
            .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
            .arg("-search.latencyOffset=0s")
            .arg("-search.disableCache");
        cmd
    })
    .await;
    Service { url, _proc: proc, _dir: dir }
}

/// Starts vmalert evaluating `rules_yaml` every second against `datasource_url` and sending
/// alerts to the Alertmanager at `notifier_url`.
pub async fn start_vmalert(rules_yaml: &str, datasource_url: &str, notifier_url: &str) -> Service {
    let dir = temp_dir("vmalert");
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, rules_yaml).expect("write rules");
    let (proc, url) = start_listening("vmalert", "/health", |port| {
        let mut cmd = Command::new("vmalert");
        cmd.arg(format!("-rule={}", rules.display()))
            .arg(format!("-datasource.url={datasource_url}"))
            .arg(format!("-notifier.url={notifier_url}"))
            .arg("-evaluationInterval=1s")
            .arg(format!("-httpListenAddr=127.0.0.1:{port}"));
        cmd
    })
    .await;
    Service { url, _proc: proc, _dir: dir }
}
