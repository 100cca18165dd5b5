//! `PUT` and `DELETE /api/v2/outages/sources/{name}` with the real server in-process on port
//! 0, its pollers external: a good body replaces the source's outages (listed, hiding a
//! matching alert, still there after a restart: the 200 means committed); bad bodies get a 400
//! naming the problem (malformed, not an array, wrong types, unknown fields, empty or repeated
//! ids), an oversized one 413, an unconfigured source 404 naming the configured ones, and none
//! of them changes anything; `DELETE` drops what a source holds.

use std::path::Path;

use crate::support::in_process::{serve, serve_options};
use serde_json::{Value, json};
use triage::app::Running;

const MAX_BODY: usize = 64 * 1024;

fn config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("alertmanager.yml");
    // The URLs are never fetched: the server starts no pollers.
    std::fs::write(
        &path,
        "route: {receiver: ops}\nreceivers: [{name: ops}]\noutages:\n  sources:\n    \
         - {name: gocdb, type: gocdb, url: 'http://127.0.0.1:9/gocdb'}\n    \
         - {name: ggus, type: ggus, url: 'http://127.0.0.1:9/ggus'}\n",
    )
    .unwrap();
    path
}

async fn boot(dir: &Path) -> Running {
    let mut opts = serve_options(Some(config(dir)), dir.join("data"));
    opts.max_body_bytes = MAX_BODY;
    opts.external_pollers = true;
    serve(opts).await
}

async fn call(base: &str, method: reqwest::Method, path: &str, body: impl Into<reqwest::Body>) -> (u16, String) {
    let resp = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn put(base: &str, source: &str, body: impl Into<reqwest::Body>) -> (u16, String) {
    call(base, reqwest::Method::PUT, &format!("/api/v2/outages/sources/{source}"), body).await
}

async fn get(base: &str, path: &str) -> Value {
    reqwest::get(format!("{base}{path}")).await.unwrap().json().await.unwrap()
}

async fn outage_ids(base: &str) -> Vec<String> {
    let listed = get(base, "/api/v2/outages").await;
    let mut ids: Vec<String> =
        listed.as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids
}

fn downtime(id: &str, host: &str) -> Value {
    let now = jiff::Timestamp::now();
    json!({
        "id": id,
        "source": "gocdb",
        "kind": "scheduled",
        "title": "Storage upgrade",
        "url": "https://goc.example.org/downtime/1",
        "starts_at": (now - jiff::SignedDuration::from_hours(1)).to_string(),
        "ends_at": (now + jiff::SignedDuration::from_hours(1)).to_string(),
        "scope": {"sites": [], "hosts": [host], "services": ["SRM"]},
    })
}

#[tokio::test]
async fn a_put_source_state_is_applied_committed_and_forgotten_on_delete() {
    let dir = tempfile::tempdir().unwrap();
    let srv = boot(dir.path()).await;
    let base = format!("http://{}", srv.addr);
    assert!(outage_ids(&base).await.is_empty(), "nothing is polled by the server itself");

    let alert = json!([{"labels": {"alertname": "DiskFull", "instance": "se1.example.org:9100"}}]);
    let (status, text) = call(&base, reqwest::Method::POST, "/api/v2/alerts", alert.to_string()).await;
    assert_eq!(status, 200, "{text}");
    let body = json!([downtime("gocdb:1", "se1.example.org"), downtime("gocdb:2", "se2.example.org")]);
    let (status, text) = put(&base, "gocdb", body.to_string()).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json!({"source": "gocdb", "outages": 2}));
    // Applied when answered: listed, and the alert is hidden by it.
    assert_eq!(outage_ids(&base).await, ["gocdb:1", "gocdb:2"]);
    let alerts = get(&base, "/api/v2/alerts").await;
    assert_eq!(alerts[0]["status"]["state"], "suppressed", "{alerts}");
    assert_eq!(alerts[0]["status"]["outage"], "gocdb:1", "{alerts}");
    // A second put replaces the source's state, other sources are untouched.
    let (status, text) = put(&base, "gocdb", json!([downtime("gocdb:1", "se1.example.org")]).to_string()).await;
    assert_eq!(status, 200, "{text}");
    let ticket = json!([{"id": "ggus:7", "source": "ggus", "kind": "unscheduled", "title": "t",
        "starts_at": "2026-01-01T00:00:00Z", "scope": {"sites": ["T2_CH_CSCS"]}}]);
    assert_eq!(put(&base, "ggus", ticket.to_string()).await.0, 200);
    assert_eq!(outage_ids(&base).await, ["ggus:7", "gocdb:1"]);

    // Committed: a restart on the same data restores both.
    srv.stop().await.unwrap();
    let srv = boot(dir.path()).await;
    let base = format!("http://{}", srv.addr);
    assert_eq!(outage_ids(&base).await, ["ggus:7", "gocdb:1"]);

    let delete = |source: &'static str| {
        let base = base.clone();
        async move { call(&base, reqwest::Method::DELETE, &format!("/api/v2/outages/sources/{source}"), "").await }
    };
    let (status, text) = delete("ggus").await;
    assert_eq!(
        (status, serde_json::from_str::<Value>(&text).unwrap()),
        (200, json!({"source": "ggus", "forgotten": true}))
    );
    assert_eq!(outage_ids(&base).await, ["gocdb:1"]);
    let (status, text) = delete("ggus").await;
    assert_eq!(
        (status, serde_json::from_str::<Value>(&text).unwrap()),
        (200, json!({"source": "ggus", "forgotten": false}))
    );
    srv.stop().await.unwrap();
    let srv = boot(dir.path()).await;
    let base = format!("http://{}", srv.addr);
    assert_eq!(outage_ids(&base).await, ["gocdb:1"], "the delete was committed");
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn bad_bodies_and_unconfigured_sources_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let srv = boot(dir.path()).await;
    let base = format!("http://{}", srv.addr);
    let good = downtime("gocdb:1", "se1.example.org");
    assert_eq!(put(&base, "gocdb", json!([good]).to_string()).await.0, 200);

    let with = |key: &str, value: Value| {
        let mut o = good.clone();
        o[key] = value;
        json!([o]).to_string()
    };
    let without = |key: &str| {
        let mut o = good.clone();
        o.as_object_mut().unwrap().remove(key);
        json!([o]).to_string()
    };
    let cases: Vec<(&str, String, u16, &str)> = vec![
        ("malformed", "[{".into(), 400, "parsing the outages failed"),
        ("empty body", String::new(), 400, "parsing the outages failed"),
        ("an object", good.to_string(), 400, "expected a JSON array of outages, got an object"),
        ("a string", "\"gocdb:1\"".into(), 400, "expected a JSON array of outages, got a string"),
        ("an element not an object", "[42]".into(), 400, "parsing outage 0 failed"),
        ("missing id", without("id"), 400, "missing field `id`"),
        ("wrong type", with("title", json!(5)), 400, "parsing outage 0 failed"),
        ("bad time", with("starts_at", json!("yesterday")), 400, "parsing outage 0 failed"),
        ("unknown kind", with("kind", json!("sometimes")), 400, "unknown variant `sometimes`"),
        ("unknown field", with("severity", json!("high")), 400, "unknown field `severity`"),
        ("unknown scope field", with("scope", json!({"hosts": ["h"], "racks": ["r1"]})), 400, "`scope.racks`"),
        ("empty id", with("id", json!("")), 400, "the id is empty"),
        ("repeated id", json!([good, good]).to_string(), 400, "given twice"),
        ("deeply nested", format!("{}{}", "[".repeat(5000), "]".repeat(5000)), 400, "parsing the outages failed"),
        ("oversized", json!([with("title", json!("x".repeat(MAX_BODY)))]).to_string(), 413, ""),
    ];
    for (name, body, code, needle) in cases {
        let (status, text) = put(&base, "gocdb", body).await;
        assert_eq!(status, code, "{name}: {text}");
        assert!(text.contains(needle), "{name}: {text:?} should contain {needle:?}");
    }
    // Raw bytes that are not UTF-8.
    assert_eq!(put(&base, "gocdb", b"[{\"id\":\"\xff\"}]".to_vec()).await.0, 400);

    let (status, text) = put(&base, "ssb", "[]").await;
    assert_eq!(status, 404, "{text}");
    assert!(text.contains("\\\"ssb\\\" is not a configured outage source (configured: gocdb, ggus)"), "{text}");
    assert_eq!(outage_ids(&base).await, ["gocdb:1"], "no refused body changed anything");
    let listed = get(&base, "/api/v2/outages").await;
    assert_eq!(listed[0]["title"], "Storage upgrade");
    srv.stop().await.unwrap();
}
