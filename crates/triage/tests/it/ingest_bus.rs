//! triage as two processes on a real nats-server with JetStream: alerts posted to the `api`
//! process are answered 2xx once JetStream holds them and show up in the `engine` process;
//! alerts accepted while the engine is down (killed with SIGKILL) are there once it is back,
//! none lost; invalid alerts are refused by the api process; `--role api` needs the bus.

use std::path::Path;
use std::process::Command;

use crate::support::nats::NatsServer;
use crate::support::peer::start_listening;
use crate::support::{DEADLINE, Proc, client, get_json, have_binaries, poll};
use serde_json::{Value, json};

const CONFIG: &str = "route: {receiver: ops, group_by: [alertname]}\nreceivers: [{name: ops}]\n";

async fn start(dir: &Path, name: &str, nats: &str, role: &str) -> (Proc, String) {
    // One file per process: processes started together must not read a file another is
    // rewriting.
    let config = dir.join(format!("alertmanager-{name}.yml"));
    std::fs::write(&config, CONFIG).unwrap();
    let data = dir.join(format!("data-{name}"));
    start_listening(name, "/-/ready", |port| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
        cmd.arg("serve")
            .arg("--config")
            .arg(&config)
            .args(["--ingest-nats", nats, "--role", role, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(&data);
        cmd
    })
    .await
}

fn batch(from: usize, n: usize) -> Value {
    Value::Array(
        (from..from + n)
            .map(|i| json!({"labels": {"alertname": format!("Bus{}", i % 5), "instance": format!("node{i}")}}))
            .collect(),
    )
}

async fn post(base: &str, body: &Value) -> u16 {
    client().post(format!("{base}/api/v2/alerts")).json(body).send().await.unwrap().status().as_u16()
}

async fn wait_count(base: &str, n: usize) -> usize {
    poll(DEADLINE, || async {
        let list = get_json(base, "/api/v2/alerts").await;
        let len = list.as_array().map_or(0, Vec::len);
        (len >= n).then_some(len)
    })
    .await
    .unwrap_or_else(|| panic!("the engine never listed {n} alerts"))
}

#[tokio::test(flavor = "multi_thread")]
async fn alerts_posted_to_the_api_process_reach_the_engine_and_survive_its_crash() {
    if !have_binaries("alerts_posted_to_the_api_process_reach_the_engine_and_survive_its_crash", &["nats-server"]) {
        return;
    }
    let nats = NatsServer::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let (_api, api) = start(dir.path(), "api", &nats.url, "api").await;
    let (engine_proc, engine) = start(dir.path(), "engine", &nats.url, "engine").await;

    for i in 0..5 {
        assert_eq!(post(&api, &batch(i * 10, 10)).await, 200);
    }
    assert_eq!(wait_count(&engine, 50).await, 50);
    assert_eq!(get_json(&api, "/api/v2/alerts").await.as_array().unwrap().len(), 0, "the api process runs no engine");

    // The engine crashes; alerts keep being accepted, and are all there once it is back.
    let status = Command::new("kill").arg("-9").arg(engine_proc.pid().to_string()).status().unwrap();
    assert!(status.success());
    drop(engine_proc);
    for i in 5..7 {
        assert_eq!(post(&api, &batch(i * 10, 10)).await, 200);
    }
    let (_engine_proc, engine) = start(dir.path(), "engine", &nats.url, "engine").await;
    assert_eq!(wait_count(&engine, 70).await, 70);
    let names: std::collections::BTreeSet<String> = get_json(&engine, "/api/v2/alerts")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["labels"]["instance"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 70, "each alert once");

    // Invalid alerts are refused by the api process and never reach the engine.
    let bad = json!([{"labels": {"": "x"}}]);
    assert_eq!(post(&api, &bad).await, 400);
    // An engine process takes posts too (published, then consumed).
    assert_eq!(post(&engine, &batch(100, 1)).await, 200);
    assert_eq!(wait_count(&engine, 71).await, 71);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_engine_killed_while_consuming_loses_no_acknowledged_alert() {
    if !have_binaries("an_engine_killed_while_consuming_loses_no_acknowledged_alert", &["nats-server"]) {
        return;
    }
    let nats = NatsServer::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let (_api, api) = start(dir.path(), "api", &nats.url, "api").await;
    let (engine_proc, engine) = start(dir.path(), "engine", &nats.url, "engine").await;
    // 60 batches of 20 posted on four connections; the engine is killed once it has taken
    // some of them, while the rest are still arriving.
    let poster = {
        let api = api.clone();
        tokio::spawn(async move {
            let mut accepted = 0;
            for round in 0..15 {
                let posts = (0..4).map(|c| {
                    let api = api.clone();
                    async move { post(&api, &batch((round * 4 + c) * 20, 20)).await }
                });
                for status in futures::future::join_all(posts).await {
                    assert_eq!(status, 200);
                    accepted += 20;
                }
            }
            accepted
        })
    };
    wait_count(&engine, 100).await;
    let status = Command::new("kill").arg("-9").arg(engine_proc.pid().to_string()).status().unwrap();
    assert!(status.success());
    drop(engine_proc);
    let accepted = poster.await.unwrap();
    assert_eq!(accepted, 1200);
    let (_engine_proc, engine) = start(dir.path(), "engine", &nats.url, "engine").await;
    assert_eq!(wait_count(&engine, 1200).await, 1200, "every acknowledged alert, once");
}

#[test]
fn the_api_role_needs_the_bus() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["serve", "--role", "api", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--ingest-nats"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Several processes starting at once on one nats-server all find or create the ingest stream:
/// none fails with "stream name already in use" or "subjects overlap". Each round deletes the
/// stream first, so every round races on its creation.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connecting_many_at_once_creates_the_stream_exactly_once_without_errors() {
    if !have_binaries("connecting_many_at_once_creates_the_stream_exactly_once_without_errors", &["nats-server"]) {
        return;
    }
    let nats = NatsServer::start(&[]).await;
    let admin = async_nats::jetstream::new(async_nats::connect(&nats.url).await.unwrap());
    for round in 0..20 {
        let _ = admin.delete_stream(triage::ingest::bus::STREAM).await;
        let connects: Vec<_> = (0..32)
            .map(|_| {
                let url = nats.url.clone();
                tokio::spawn(async move { triage::ingest::bus::IngestBus::connect(&url).await.map(|_| ()) })
            })
            .collect();
        for c in connects {
            c.await.unwrap().unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
        admin.get_stream(triage::ingest::bus::STREAM).await.expect("the stream exists");
    }
    // And as real processes: three engines started together on a fresh server all get ready.
    let nats = NatsServer::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = tokio::join!(
        start(dir.path(), "a", &nats.url, "all"),
        start(dir.path(), "b", &nats.url, "all"),
        start(dir.path(), "c", &nats.url, "api"),
    );
    drop((a, b, c));
}
