//! `triage serve --external-pollers` fed by `triage poll` processes, with the real binary and
//! a document server the test controls (a GOCDB downtime and a GGUS ticket feed):
//!
//! - the server polls nothing itself (the document server counts every fetch, and counts only
//!   the poll processes' over a run of several of them, with the server's sources configured
//!   to poll every 100 ms);
//! - `triage poll --once` puts a source's outages: listed, hiding the matching alert;
//! - GGUS ticket alerts go over HTTP, a second poll process keeps the ticket's first-seen time
//!   (read back from the server), and a running poller resolves the alert when the ticket is
//!   solved;
//! - a reload that drops a source drops its outages, and a poller still feeding it is refused
//!   (exit 1, saying why); an unknown source exits 2 listing the configured ones; an
//!   unreachable server exits 1 saying so.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use crate::support::peer::start_listening;
use crate::support::proc::{Proc, free_port};
use crate::support::{AlertSpec, DEADLINE, get_json, poll, post_alerts};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// Documents by path, and how often each was fetched.
#[derive(Default)]
struct Docs {
    bodies: HashMap<String, String>,
    hits: HashMap<String, usize>,
}

struct DocServer {
    base: String,
    docs: Arc<Mutex<Docs>>,
    task: tokio::task::JoinHandle<()>,
}

impl DocServer {
    async fn start() -> DocServer {
        let docs = Arc::new(Mutex::new(Docs::default()));
        let app = Router::new()
            .fallback(|State(docs): State<Arc<Mutex<Docs>>>, uri: Uri| async move {
                let mut d = docs.lock().unwrap();
                *d.hits.entry(uri.path().to_string()).or_default() += 1;
                match d.bodies.get(uri.path()) {
                    Some(body) => (StatusCode::OK, body.clone()),
                    None => (StatusCode::NOT_FOUND, String::new()),
                }
            })
            .with_state(Arc::clone(&docs));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        DocServer { base, docs, task }
    }

    fn set(&self, path: &str, body: String) {
        self.docs.lock().unwrap().bodies.insert(path.to_string(), body);
    }

    fn hits(&self, path: &str) -> usize {
        self.docs.lock().unwrap().hits.get(path).copied().unwrap_or(0)
    }
}

impl Drop for DocServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn gocdb_doc(host: &str, start: Timestamp, end: Timestamp) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<results><DOWNTIME ID="9001" PRIMARY_KEY="9001G0" CLASSIFICATION="SCHEDULED">
<PRIMARY_KEY>9001G0</PRIMARY_KEY><HOSTNAME>{host}</HOSTNAME><SERVICE_TYPE>SRM</SERVICE_TYPE>
<ENDPOINT>{host}SRM</ENDPOINT><HOSTED_BY>SITE-A</HOSTED_BY><SEVERITY>OUTAGE</SEVERITY>
<DESCRIPTION>Storage upgrade</DESCRIPTION><START_DATE>{}</START_DATE><END_DATE>{}</END_DATE></DOWNTIME></results>"#,
        start.as_second(),
        end.as_second()
    )
}

fn ggus_csv(id: &str, status: &str) -> String {
    format!(
        "Ticket-ID;Type;VO;Site;Priority;Responsible_Unit;Status;Last_Update;Subject;Scope\n\
         {id};TEAM;cms;CSCS-LCG2;very urgent;NGI_CH;{status};2026-11-22 10:00:00;Transfers failing at CSCS;WLCG\n"
    )
}

fn config(docs: &DocServer, with_gocdb: bool) -> String {
    let gocdb = format!(
        "    - {{name: gocdb, type: gocdb, url: '{}/gocdb', interval: 100ms, timeout: 2s, retries: 0}}\n",
        docs.base
    );
    format!(
        "route: {{receiver: ops}}\nreceivers: [{{name: ops}}]\noutages:\n  site_aliases: {{CSCS-LCG2: T2_CH_CSCS}}\n  sources:\n{}    \
         - {{name: ggus, type: ggus, url: '{}/ggus', format: csv, vo: cms, ticket_alerts: true, interval: 100ms, timeout: 2s, retries: 0}}\n",
        if with_gocdb { gocdb.as_str() } else { "" },
        docs.base
    )
}

async fn start_serve(dir: &Path) -> (Proc, String) {
    let (config, data) = (dir.join("alertmanager.yml"), dir.join("data"));
    start_listening("triage", "/-/ready", |port| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
        cmd.arg("serve")
            .arg("--external-pollers")
            .arg("--config")
            .arg(&config)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(&data);
        cmd
    })
    .await
}

fn poll_args(config: &Path, source: &str, triage: &str) -> Vec<String> {
    let config = config.display().to_string();
    ["poll", "--config", &config, "--source", source, "--triage", triage].map(String::from).to_vec()
}

/// Runs `triage poll ... --once`: its exit code and stderr.
async fn poll_once(config: &Path, source: &str, triage: &str) -> (i32, String) {
    let mut args = poll_args(config, source, triage);
    args.push("--once".into());
    let out = tokio::task::spawn_blocking(move || Command::new(env!("CARGO_BIN_EXE_triage")).args(&args).output())
        .await
        .unwrap()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

async fn outages(base: &str) -> Vec<Value> {
    get_json(base, "/api/v2/outages").await.as_array().cloned().unwrap_or_default()
}

async fn outage(base: &str, id: &str) -> Option<Value> {
    outages(base).await.into_iter().find(|o| o["id"] == id)
}

async fn ticket_alert(base: &str) -> Option<Value> {
    let alerts = get_json(base, "/api/v2/alerts").await;
    alerts.as_array().unwrap().iter().find(|a| a["labels"]["alertname"] == "ggus-145685").cloned()
}

#[tokio::test]
async fn serve_with_external_pollers_is_fed_by_poll_processes() {
    let now = Timestamp::now();
    let hour = SignedDuration::from_hours(1);
    let docs = DocServer::start().await;
    docs.set("/gocdb", gocdb_doc("se1.example.org", now - hour, now + hour));
    docs.set("/ggus", ggus_csv("145685", "in progress"));
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("alertmanager.yml");
    std::fs::write(&config_path, config(&docs, true)).unwrap();
    // The pollers keep this copy: the server's file changes below.
    let poller_config = dir.path().join("poller.yml");
    std::fs::write(&poller_config, config(&docs, true)).unwrap();
    let (_serve, base) = start_serve(dir.path()).await;
    assert!(outages(&base).await.is_empty());

    post_alerts(&base, &[AlertSpec::new(&[("alertname", "DiskFull"), ("instance", "se1.example.org:9100")])]).await;
    let (code, err) = poll_once(&poller_config, "gocdb", &base).await;
    assert_eq!(code, 0, "{err}");
    // Answered once applied: listed and hiding the alert when the poller exits.
    let downtime = outage(&base, "gocdb:9001G0").await.expect("the downtime is listed");
    assert_eq!(downtime["active"], true);
    let alerts = get_json(&base, "/api/v2/alerts").await;
    assert_eq!(alerts[0]["status"]["state"], "suppressed", "{alerts}");
    assert_eq!(alerts[0]["status"]["outage"], "gocdb:9001G0", "{alerts}");

    let (code, err) = poll_once(&poller_config, "ggus", &base).await;
    assert_eq!(code, 0, "{err}");
    let first = outage(&base, "ggus:145685").await.expect("the ticket is listed");
    let ta = ticket_alert(&base).await.expect("the ticket alert is posted over HTTP");
    assert_eq!(ta["labels"]["service"], "GGUS");
    assert_eq!(ta["labels"]["VO"], "cms");
    // Another process: the ticket keeps the time it was first seen, read back from the server.
    let (code, err) = poll_once(&poller_config, "ggus", &base).await;
    assert_eq!(code, 0, "{err}");
    let second = outage(&base, "ggus:145685").await.expect("still listed");
    assert_eq!(second["starts_at"], first["starts_at"]);

    // Every fetch so far was a poll process's: the server, its sources polling every 100 ms
    // when it polls, fetched nothing while three processes started, polled and exited.
    assert_eq!((docs.hits("/gocdb"), docs.hits("/ggus")), (1, 2), "the server polled by itself");

    // A running poller: the solved ticket's alert resolves, its outage goes.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_triage"));
    cmd.args(poll_args(&poller_config, "ggus", &base));
    let mut poller = Proc::spawn("triage poll", cmd);
    poll(DEADLINE, || async { (docs.hits("/ggus") > 3).then_some(()) }).await.expect("the poller polls");
    docs.set("/ggus", ggus_csv("145685", "solved"));
    poll(DEADLINE, || async {
        (ticket_alert(&base).await.is_none() && outage(&base, "ggus:145685").await.is_none()).then_some(())
    })
    .await
    .unwrap_or_else(|| panic!("the solved ticket's alert resolves and its outage goes\n{}", poller.report()));
    assert!(poller.exited().is_none(), "{}", poller.report());

    // The server's configuration drops gocdb: its outages go on reload, and a poller still
    // feeding it is refused, saying why.
    std::fs::write(&config_path, config(&docs, false)).unwrap();
    let reloaded = crate::support::client().post(format!("{base}/-/reload")).send().await.unwrap();
    assert!(reloaded.status().is_success());
    assert!(outage(&base, "gocdb:9001G0").await.is_none(), "{:?}", outages(&base).await);
    let alerts = get_json(&base, "/api/v2/alerts").await;
    let disk = alerts.as_array().unwrap().iter().find(|a| a["labels"]["alertname"] == "DiskFull").unwrap();
    assert_eq!(disk["status"]["state"], "active", "{disk}");
    let (code, err) = poll_once(&poller_config, "gocdb", &base).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not a configured outage source (configured: ggus)"), "{err}");
    assert!(outage(&base, "gocdb:9001G0").await.is_none());
}

#[tokio::test]
async fn poll_exits_2_for_an_unknown_source_and_1_when_triage_is_unreachable() {
    let docs = DocServer::start().await;
    docs.set("/ggus", ggus_csv("145685", "in progress"));
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("alertmanager.yml");
    std::fs::write(&config_path, config(&docs, true)).unwrap();
    let nowhere = format!("http://127.0.0.1:{}", free_port());

    let (code, err) = poll_once(&config_path, "ssb", &nowhere).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no outage source \"ssb\"") && err.contains("(configured: gocdb, ggus)"), "{err}");
    let (code, err) = poll_once(&config_path, "ggus", "ftp://triage").await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--triage"), "{err}");

    let (code, err) = poll_once(&config_path, "ggus", &nowhere).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("could not reach") && err.contains(&nowhere), "{err}");
    assert_eq!(docs.hits("/ggus"), 1, "the source itself was read");
}
