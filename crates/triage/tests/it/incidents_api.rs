//! Incidents end to end with the real binary: a route notifying per incident sends one
//! webhook when the incident opens and one for a new kind of alert; `GET /api/v2/incidents`
//! lists it with its cause; a restart on the same data keeps it open under the same id; once
//! quiet for its window it is notified resolved, listed as resolved, and counted by
//! `GET /api/v2/analytics`; the CLI shows both; bad queries get 400 and unknown ids 404.

use std::time::Duration;

use crate::support::api::{AlertSpec, client, get_json, post_alerts};
use crate::support::peer::start_triage_in;
use crate::support::webhook::WebhookSink;
use crate::support::{DEADLINE, poll};
use serde_json::Value;

fn config(hook: &str) -> String {
    format!(
        r#"
route:
  receiver: ops
  group_by: [site]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  incidents: {{window: 4s}}
receivers:
  - name: ops
    webhook_configs: [{{url: '{hook}', send_resolved: true}}]
"#
    )
}

async fn wait_webhooks(sink: &WebhookSink, n: usize) -> Vec<Value> {
    poll(DEADLINE, || async { (sink.len() >= n).then(|| sink.received().into_iter().map(|r| r.body).collect()) })
        .await
        .unwrap_or_else(|| panic!("expected {n} notifications, got {:?}", sink.received()))
}

fn change(body: &Value) -> String {
    body["alerts"][0]["annotations"]["incident_change"].as_str().unwrap_or_default().to_string()
}

async fn cli(args: &[&str]) -> String {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_triage")).args(args).output().await.unwrap();
    assert!(out.status.success(), "triage {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incident_opens_changes_survives_a_restart_resolves_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let sink = WebhookSink::start();
    let yaml = config(&sink.url("/ops"));
    let (triage, url) = start_triage_in(dir.path(), &yaml).await;

    let a =
        AlertSpec::new(&[("alertname", "DiskFull"), ("site", "T2_CH_CERN"), ("host", "a"), ("severity", "warning")]);
    let b =
        AlertSpec::new(&[("alertname", "DiskFull"), ("site", "T2_CH_CERN"), ("host", "b"), ("severity", "warning")]);
    post_alerts(&url, &[a.clone(), b.clone()]).await;
    let sent = wait_webhooks(&sink, 1).await;
    assert_eq!(change(&sent[0]), "opened");
    let id = sent[0]["groupLabels"]["incident"].as_str().expect("incident group label").to_string();
    assert_eq!(sent[0]["alerts"].as_array().unwrap().len(), 2);

    let listed = get_json(&url, "/api/v2/incidents").await;
    let inc = listed.as_array().unwrap().iter().find(|i| i["id"] == id.as_str()).expect("listed").clone();
    assert_eq!(inc["state"], "open");
    assert_eq!(inc["labels"]["site"], "T2_CH_CERN");
    assert_eq!(inc["alertCount"], 2);
    assert_eq!(inc["notifications"], 1);
    assert_eq!(inc["cause"]["kind"], "alert");
    assert!(inc["cause"]["summary"].as_str().unwrap().starts_with("DiskFull"));

    // A new kind joins the incident and is notified.
    let c = AlertSpec::new(&[("alertname", "TransfersFailing"), ("site", "T2_CH_CERN"), ("host", "a")]);
    post_alerts(&url, std::slice::from_ref(&c)).await;
    let sent = wait_webhooks(&sink, 2).await;
    assert_eq!(change(&sent[1]), "new kind of alert: TransfersFailing");
    assert_eq!(sent[1]["groupLabels"]["incident"], id.as_str());

    // Restart on the same data: the incident is still open, under the same id.
    drop(triage);
    let (_triage, url) = start_triage_in(dir.path(), &yaml).await;
    let one = get_json(&url, &format!("/api/v2/incidents/{id}")).await;
    assert_eq!(one["state"], "open");
    assert_eq!(one["notifications"], 2);
    assert_eq!(one["alertCount"], 3);

    // Everything resolves; after the quiet window, one resolved notification.
    post_alerts(&url, &[a.resolved_now(), b.resolved_now(), c.resolved_now()]).await;
    // (A notification whose delivery was not yet recorded when triage was killed is sent
    // again after the restart: at least once.)
    let last =
        poll(DEADLINE, || async { sink.received().into_iter().map(|r| r.body).find(|b| change(b) == "resolved") })
            .await
            .unwrap_or_else(|| panic!("no resolved notification: {:?}", sink.received()));
    assert_eq!(last["status"], "resolved");
    assert_eq!(last["alerts"].as_array().unwrap().len(), 3);
    assert_eq!(last["groupLabels"]["incident"], id.as_str());
    let resolved = poll(DEADLINE, || {
        let url = url.clone();
        let id = id.clone();
        async move {
            let list = get_json(&url, "/api/v2/incidents?state=resolved").await;
            list.as_array()?.iter().find(|i| i["id"] == id.as_str()).cloned()
        }
    })
    .await
    .expect("the incident is listed as resolved");
    assert!(resolved["endsAt"].is_string());

    // The history reaches the store at the engine's next checkpoint.
    let analytics = poll(DEADLINE, || {
        let url = url.clone();
        async move {
            let a = get_json(&url, "/api/v2/analytics?top=5").await;
            (a["timeToResolve"]["count"] == 3).then_some(a)
        }
    })
    .await
    .expect("three resolved firings in the analytics");
    assert_eq!(analytics["firings"], 3, "{analytics}");
    assert!(analytics["incidents"].as_u64().unwrap() >= 1);
    assert_eq!(analytics["noisiest"][0]["alertname"], "DiskFull");
    assert_eq!(analytics["noisiest"][0]["firings"], 2);
    let sites = analytics["perDay"]["site"].as_array().unwrap();
    assert!(sites.iter().any(|d| d["key"] == "T2_CH_CERN" && d["alerts"] == 3), "{sites:?}");

    let table = cli(&["incidents", "--url", &url, "--state", "all"]).await;
    assert!(table.contains(&id) && table.contains("resolved"), "{table}");
    let json: Value =
        serde_json::from_str(&cli(&["incidents", "--url", &url, "--state", "resolved", "-o", "json"]).await).unwrap();
    assert!(json.as_array().unwrap().iter().any(|i| i["id"] == id.as_str()));
    let report = cli(&["analytics", "--url", &url]).await;
    assert!(
        report.contains("Noisiest alerts") && report.contains("DiskFull") && report.contains("T2_CH_CERN"),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_are_incidents_without_a_policy_and_bad_queries_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "route: {receiver: ops, group_by: [alertname]}\nreceivers: [{name: ops}]\n";
    let (_triage, url) = start_triage_in(dir.path(), yaml).await;
    post_alerts(&url, &[AlertSpec::new(&[("alertname", "Down"), ("host", "x")])]).await;
    let listed = poll(DEADLINE, || {
        let url = url.clone();
        async move {
            let l = get_json(&url, "/api/v2/incidents").await;
            (l.as_array()?.len() == 1).then_some(l)
        }
    })
    .await
    .expect("the group is listed as an incident");
    assert_eq!(listed[0]["labels"]["alertname"], "Down");
    assert_eq!(listed[0]["cause"]["kind"], "alert");
    for (path, status) in [
        ("/api/v2/incidents?state=bogus", 400),
        ("/api/v2/incidents?since=yesterday", 400),
        ("/api/v2/analytics?from=nope", 400),
        ("/api/v2/analytics?top=0", 400),
        ("/api/v2/analytics?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z", 400),
        ("/api/v2/incidents/0123456789abcdef", 404),
    ] {
        let resp = client().get(format!("{url}{path}")).timeout(Duration::from_secs(10)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{path}");
    }
}
