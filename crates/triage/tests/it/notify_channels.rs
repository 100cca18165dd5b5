//! One receiver with several channels, through the real server: a channel that fails (an
//! unreachable SMTP server) gets a clear error recorded for its notification and leaves the
//! others alone; a Go template that fails at send time fails its notification (as in
//! Alertmanager) with the error recorded; runbook instructions reach the webhook and triage's
//! default Mattermost text.

use crate::support::WebhookSink;
use serde_json::{Value, json};

const CONFIG: &str = r#"
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 0s
  group_interval: 10s
receivers:
  - name: ops
    webhook_configs:
      - url: SINK/hook
    mattermost_configs:
      - webhook_url: SINK/mattermost
        channel: cms-ops
      - webhook_url: SINK/mattermost-broken
        text: '{{ template "no_such_template" . }}'
    email_configs:
      - to: ops@example.org
        from: triage@example.org
        smarthost: 127.0.0.1:CLOSED_PORT
        require_tls: false
runbooks:
  - name: Frontier squid down
    matchers: ['alertname="SquidDown"']
    instructions: 'Restart the squid on {{ labels.instance }}.'
"#;

async fn deliveries(url: &str) -> Vec<Value> {
    let v: Value =
        crate::support::client().get(format!("{url}/api/v2/deliveries")).send().await.unwrap().json().await.unwrap();
    v.as_array().unwrap().clone()
}

fn by_kind<'a>(rows: &'a [Value], kind: &str) -> Option<&'a Value> {
    rows.iter().find(|r| r["kind"] == kind)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_channel_is_recorded_and_the_others_deliver() {
    let sink = WebhookSink::start();
    let closed = crate::support::free_port();
    let config = CONFIG.replace("SINK", sink.url("").trim_end_matches('/')).replace("CLOSED_PORT", &closed.to_string());
    let peer = crate::support::start_triage(&config).await;
    let url = peer.url.clone();
    let alert = json!([{"labels": {"alertname": "SquidDown", "instance": "squid-1", "site": "T2_CH_CERN"},
                        "annotations": {"summary": "squid does not answer"}}]);
    let r = crate::support::client().post(format!("{url}/api/v2/alerts")).json(&alert).send().await.unwrap();
    assert!(r.status().is_success());

    let got = sink.wait_for(2, crate::support::DEADLINE).await;
    let hook = got.iter().find(|r| r.path == "/hook").expect("webhook delivered");
    assert_eq!(hook.body["instructions"][0]["text"], "Restart the squid on squid-1.");
    assert_eq!(hook.body["instructions"][0]["name"], "Frontier squid down");
    let mm = got.iter().find(|r| r.path == "/mattermost").expect("mattermost delivered");
    assert_eq!(mm.body["channel"], "cms-ops");
    let text = mm.body["text"].as_str().unwrap();
    assert!(text.contains("SquidDown") && text.contains("Restart the squid on squid-1."), "default text: {text}");

    // The e-mail fails for good once its retries run out at the group interval.
    let rows = crate::support::poll(crate::support::DEADLINE, || {
        let url = url.clone();
        async move {
            let rows = deliveries(&url).await;
            let done = |k: &str| by_kind(&rows, k).is_some_and(|r| r["state"] != "pending" && r["state"] != "retrying");
            let mattermost_done = rows
                .iter()
                .filter(|r| r["kind"] == "mattermost")
                .filter(|r| r["state"] != "pending" && r["state"] != "retrying")
                .count()
                == 2;
            (done("email") && mattermost_done && done("webhook")).then_some(rows)
        }
    })
    .await
    .expect("every channel finishes");
    let email = by_kind(&rows, "email").unwrap();
    assert_eq!(email["state"], "failed", "{email}");
    assert!(email["attempts"].as_u64().unwrap() >= 2, "retried: {email}");
    assert!(email["lastError"].as_str().unwrap().contains("gave up after"), "{email}");
    let mm: Vec<&Value> = rows.iter().filter(|r| r["kind"] == "mattermost").collect();
    let broken = mm.iter().find(|r| r["state"] == "failed").expect("the broken template fails");
    assert!(broken["lastError"].as_str().unwrap().contains("no_such_template"), "template error recorded: {broken}");
    assert!(mm.iter().any(|r| r["state"] == "delivered"), "{mm:?}");
    assert_eq!(by_kind(&rows, "webhook").unwrap()["state"], "delivered");
    assert_eq!(sink.len(), 2, "nothing sent twice");

    let metrics = crate::support::client().get(format!("{url}/metrics")).send().await.unwrap().text().await.unwrap();
    for want in [
        "triage_notifications_total{integration=\"webhook\"} 1",
        "triage_notifications_total{integration=\"mattermost\"} 1",
        "triage_notifications_failed_total{integration=\"email\"} 1",
        "triage_notifications_failed_total{integration=\"mattermost\"} 1",
        "triage_outbox_open 0",
    ] {
        assert!(metrics.contains(want), "missing {want}:\n{metrics}");
    }
    assert!(metrics.contains("triage_notification_retries_total{integration=\"email\"}"), "{metrics}");
}

const AUTH_CONFIG: &str = r#"
global:
  http_config:
    authorization: {credentials: global-token}
route:
  receiver: ops
  group_wait: 0s
receivers:
  - name: ops
    webhook_configs:
      - url: REC/hook
        http_config:
          basic_auth: {username: alice, password_file: PW_FILE}
    mattermost_configs:
      - webhook_url: REC/mattermost
    slack_configs:
      - api_url: http://slack.invalid/api/chat.postMessage
        http_config:
          authorization: {credentials: xoxb-slack}
          proxy_url: REC
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
/// The Slack integration's URL names a host that does not exist: its request reaches the
/// recorder only through its `proxy_url` (the recorder, which reads the absolute-form request
/// a proxy gets), so the proxy is applied.
async fn http_config_credentials_reach_every_channel() {
    let rec = crate::support::recorder::Recorder::start();
    for _ in 0..2 {
        rec.reply(crate::support::recorder::Reply::ok());
    }
    rec.reply(crate::support::recorder::Reply::json(json!({"ok": true})));
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "s3cret\n").unwrap();
    let config = AUTH_CONFIG.replace("REC", rec.url("").trim_end_matches('/')).replace("PW_FILE", pw.to_str().unwrap());
    let triage = crate::support::start_triage(&config).await;
    let alert = json!([{"labels": {"alertname": "SquidDown"}}]);
    crate::support::client().post(format!("{}/api/v2/alerts", triage.url)).json(&alert).send().await.unwrap();
    let got = crate::support::poll(crate::support::DEADLINE, || {
        let reqs = rec.requests();
        async move { (reqs.len() >= 3).then_some(reqs) }
    })
    .await
    .expect("three requests");
    let auth_of =
        |path: &str| got.iter().find(|r| r.path == path).and_then(|r| r.header("authorization")).map(str::to_string);
    assert_eq!(
        auth_of("/hook").as_deref(),
        Some("Basic YWxpY2U6czNjcmV0"),
        "basic auth with the password from its file"
    );
    assert_eq!(auth_of("/mattermost").as_deref(), Some("Bearer global-token"), "the global http_config applies");
    assert_eq!(auth_of("/api/chat.postMessage").as_deref(), Some("Bearer xoxb-slack"));
    let (code, out) = {
        let path = dir.path().join("am.yml");
        std::fs::write(&path, &config).unwrap();
        let out =
            std::process::Command::new(env!("CARGO_BIN_EXE_triage")).arg("check-config").arg(&path).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("not applied"), "every http_config key is applied: {out}");
}
