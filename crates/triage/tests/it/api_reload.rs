//! `POST /-/reload`: a valid configuration takes effect, an invalid one is refused with every
//! problem named and the running configuration stays.

use crate::support::in_process::{serve, serve_options};
use serde_json::Value;
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
    let mut opts = serve_options(Some(config.clone()), dir.path().join("data"));
    opts.durability = Durability::Normal;
    let srv = serve(opts).await;
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
