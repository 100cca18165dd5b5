//! The checkpoint written in steps, on the real binary: 12,500 alerts (three steps of 5,000)
//! are posted; the periodic checkpoint writes them all to the alerts table and then trims the
//! ingest log (read from the SQLite file while the server runs); killed with SIGKILL and
//! restarted, triage lists every alert from the table, with nothing left to replay.

use std::process::Command;
use std::time::Duration;

use crate::support::peer::start_triage_in;
use crate::support::{client, poll};
use serde_json::{Value, json};
use triage::store::sqlite::SqliteStore;
use triage::store::{Store, StoreBackend};

const CONFIG: &str = "route: {receiver: quiet, group_by: [alertname]}\nreceivers: [{name: quiet}]\n";
const ALERTS: usize = 12_500;

async fn listed(url: &str) -> usize {
    let v: Value = client().get(format!("{url}/api/v2/alerts")).send().await.unwrap().json().await.unwrap();
    v.as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_in_steps_writes_every_alert_then_trims_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (proc, url) = start_triage_in(dir.path(), CONFIG).await;
    for batch in 0..ALERTS / 500 {
        let alerts: Vec<Value> = (0..500)
            .map(|j| json!({"labels": {"alertname": format!("Step{}", j % 7), "instance": format!("h{}", batch * 500 + j)}}))
            .collect();
        let resp = client().post(format!("{url}/api/v2/alerts")).json(&alerts).send().await.unwrap();
        assert!(resp.status().is_success());
    }
    assert_eq!(listed(&url).await, ALERTS);

    // The periodic checkpoint (every 10 s) runs in steps; once done the log is empty.
    let data = dir.path().join("data");
    let done = poll(Duration::from_secs(40), || {
        let data = data.clone();
        async move {
            // The running server holds the directory's lock: read its database beside it.
            let store = StoreBackend::Sqlite(SqliteStore::inspect(&data).await.ok()?);
            let loaded = store.load().await.ok()?;
            (loaded.ingest_log.is_empty() && loaded.alerts.len() == ALERTS).then_some(loaded.alerts.len())
        }
    })
    .await;
    assert_eq!(done, Some(ALERTS), "the checkpoint did not write every alert and trim the log");

    let status = Command::new("kill").arg("-9").arg(proc.pid().to_string()).status().unwrap();
    assert!(status.success());
    drop(proc);
    let (proc, url) = start_triage_in(dir.path(), CONFIG).await;
    assert_eq!(listed(&url).await, ALERTS, "after the restart, from the alerts table");
    assert!(!proc.log_tail(1 << 20).contains("replayed the ingest log"), "nothing was left to replay");
}
