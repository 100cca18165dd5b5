//! A VictoriaMetrics for tests that read back at once what they have just written: started
//! with `-search.latencyOffset=0s` (by default queries do not see the last 30 seconds), with
//! `force_flush` and an instant-query helper.
//!
//! Not declared in `support/mod.rs`: a test file that needs it declares
//! `#[path = "support/victoria.rs"] mod victoria;` next to `mod support;`.

use std::collections::BTreeMap;
use std::process::Command;

use tempfile::TempDir;

use crate::support::peer::start_listening;
use crate::support::proc::Proc;

/// A running single-node VictoriaMetrics with its own storage directory.
pub struct FreshVictoria {
    /// Base URL without a trailing slash.
    pub url: String,
    pub proc: Proc,
    // Dropped after `proc`, so the process is gone before its files.
    _dir: TempDir,
}

/// Starts VictoriaMetrics on a free loopback port, queries seeing samples up to now.
pub async fn start_fresh_victoria_metrics() -> FreshVictoria {
    let dir = tempfile::Builder::new().prefix("triage-test-victoria-").tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let (proc, url) = start_listening("victoria-metrics", "/health", |port| {
        let mut cmd = Command::new("victoria-metrics");
        cmd.arg(format!("-storageDataPath={}", data.display()))
            .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
            .arg("-search.latencyOffset=0s");
        cmd
    })
    .await;
    FreshVictoria { url, proc, _dir: dir }
}

impl FreshVictoria {
    /// Makes recently written samples searchable.
    pub async fn force_flush(&self, client: &reqwest::Client) {
        let response = client.get(format!("{}/internal/force_flush", self.url)).send().await.expect("force_flush");
        assert!(response.status().is_success(), "force_flush: {}", response.status());
    }

    /// The answer of an instant query as (labels, value) pairs, or `None` if the query failed.
    pub async fn query(&self, client: &reqwest::Client, query: &str) -> Option<Vec<(BTreeMap<String, String>, f64)>> {
        let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
        let url = format!("{}/api/v1/query?query={encoded}", self.url);
        let answer: serde_json::Value = client.get(url).send().await.ok()?.json().await.ok()?;
        let mut out = Vec::new();
        for item in answer["data"]["result"].as_array()? {
            let labels: BTreeMap<String, String> = serde_json::from_value(item["metric"].clone()).ok()?;
            let value: f64 = item["value"][1].as_str()?.parse().ok()?;
            out.push((labels, value));
        }
        Some(out)
    }
}
