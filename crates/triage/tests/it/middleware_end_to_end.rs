//! Middleware mode through the real binaries: triage in front of a real Alertmanager 0.25.
//! Alerts posted to triage show up upstream with their instructions; a silence made in triage
//! is mirrored upstream and expired there when it is expired in triage (checked with amtool).

use crate::support::{Amtool, DEADLINE, client, have_binaries, poll, start_alertmanager, start_triage};
use serde_json::{Value, json};

const UPSTREAM: &str = r#"
route:
  receiver: nobody
receivers:
  - name: nobody
"#;

const TRIAGE: &str = r#"
route:
  receiver: upstream
  group_by: [alertname]
  group_wait: 0s
  group_interval: 2s
  repeat_interval: 1m
receivers:
  - name: upstream
    alertmanager_configs:
      - url: UPSTREAM_URL
runbooks:
  - name: Disk full
    matchers: ['alertname="DiskFull"']
    instructions: 'Clean /data on {{ labels.instance }}.'
    links: [{title: Disk dashboard, url: 'https://grafana/d/disk?host={{ labels.instance }}'}]
"#;

async fn amtool_json(amtool: &Amtool, args: &[&str]) -> Vec<Value> {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-o", "json"]);
    let out = amtool.run(&all).await.expect_ok();
    serde_json::from_str(&out.stdout).unwrap_or_default()
}

async fn wait_amtool(amtool: &Amtool, args: &[&str], accept: impl Fn(&[Value]) -> bool) -> Option<Vec<Value>> {
    poll(DEADLINE, || async {
        let list = amtool_json(amtool, args).await;
        accept(&list).then_some(list)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triage_forwards_enriched_alerts_and_mirrors_silences() {
    let name = "triage_forwards_enriched_alerts_and_mirrors_silences";
    if !have_binaries(name, &["prometheus-alertmanager", "amtool"]) {
        return;
    }
    let am = start_alertmanager(UPSTREAM).await;
    let triage = start_triage(&TRIAGE.replace("UPSTREAM_URL", &am.url)).await;
    let amtool = Amtool::new(&am.url);

    let alert = json!([{"labels": {"alertname": "DiskFull", "instance": "db-1"}, "annotations": {"summary": "95%"}}]);
    let r = client().post(format!("{}/api/v2/alerts", triage.url)).json(&alert).send().await.unwrap();
    assert!(r.status().is_success());
    let list = wait_amtool(&amtool, &["alert", "query"], |l| !l.is_empty()).await.expect("forwarded upstream");
    let ann = &list[0]["annotations"];
    assert_eq!(ann["summary"], "95%");
    assert_eq!(ann["instructions"], "Disk full: Clean /data on db-1.");
    assert_eq!(ann["runbook_url"], "https://grafana/d/disk?host=db-1");

    let silence = json!({
        "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": false}],
        "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2099-01-01T00:00:00Z",
        "createdBy": "alice", "comment": "disk replacement"
    });
    let r = client().post(format!("{}/api/v2/silences", triage.url)).json(&silence).send().await.unwrap();
    assert!(r.status().is_success());
    let id = r.json::<Value>().await.unwrap()["silenceID"].as_str().unwrap().to_string();
    let marker = format!("disk replacement [triage {id}]");
    let mirrored = wait_amtool(&amtool, &["silence", "query"], |l| l.iter().any(|s| s["comment"] == marker.as_str()))
        .await
        .expect("silence mirrored upstream");
    assert_eq!(mirrored.len(), 1, "{mirrored:?}");
    assert_eq!(mirrored[0]["createdBy"], "alice");

    let r = client().delete(format!("{}/api/v2/silence/{id}", triage.url)).send().await.unwrap();
    assert!(r.status().is_success());
    wait_amtool(&amtool, &["silence", "query"], |l| l.is_empty()).await.expect("mirror expired upstream");
}
