//! `POST /-/reload`: a valid configuration takes effect, an invalid one is refused with every
//! problem named and the running configuration stays.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use triage::app::{ServeOptions, start};
use triage::clock::SystemClock;
use triage::store::sqlite::Durability;

const GOOD: &str = "route:\n  receiver: a\nreceivers:\n  - name: a\n";
const BETTER: &str = "route:\n  receiver: b\nreceivers:\n  - name: a\n  - name: b\n";
const BAD: &str = "route:\n  receiver: nowhere\n  group_by: ['...', alertname]\nreceivers:\n  - name: a\n  - name: a\n";

async fn receivers(base: &str) -> Vec<String> {
    let v: Value = reqwest::get(format!("{base}/api/v2/receivers")).await.unwrap().json().await.unwrap();
    v.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn reload_swaps_a_valid_config_and_keeps_the_running_one_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(&config, GOOD).unwrap();
    let opts = ServeOptions {
        config: Some(config.clone()),
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        store: None,
        external_url: None,
        max_body_bytes: 1 << 20,
        durability: Durability::Normal,
        notify_timeout: Duration::from_secs(2),
        web: Default::default(),
        ingest_nats: None,
        role: Default::default(),
        advertise_url: None,
        engine_lease: Duration::from_secs(5),
        external_pollers: false,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let srv = start(opts, listener, Arc::new(SystemClock)).await.unwrap();
    let base = format!("http://{}", srv.addr);
    let client = reqwest::Client::new();
    assert_eq!(receivers(&base).await, ["a"]);

    std::fs::write(&config, BAD).unwrap();
    let resp = client.post(format!("{base}/-/reload")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 500);
    let text = resp.text().await.unwrap();
    for problem in ["nowhere", "...", "a"] {
        assert!(text.contains(problem), "{text}");
    }
    assert!(text.lines().count() >= 3, "every problem on its own line: {text}");
    assert_eq!(receivers(&base).await, ["a"], "the running configuration stays");

    std::fs::write(&config, BETTER).unwrap();
    let resp = client.post(format!("{base}/-/reload")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(receivers(&base).await, ["a", "b"]);
    let status: Value = reqwest::get(format!("{base}/api/v2/status")).await.unwrap().json().await.unwrap();
    assert_eq!(status["config"]["original"], BETTER);
    let metrics = reqwest::get(format!("{base}/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("triage_config_reloads_total{kind=\"failure\"} 1"), "{metrics}");
    assert!(metrics.contains("triage_config_reloads_total{kind=\"success\"} 1"), "{metrics}");
    srv.stop().await.unwrap();
}
