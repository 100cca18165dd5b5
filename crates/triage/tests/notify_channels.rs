//! One receiver with several channels, through the real server: a channel that fails (an
//! unreachable SMTP server) gets a clear error recorded for its notification and leaves the
//! others alone; a template that fails at send time is replaced by the default and the error
//! is recorded; runbook instructions reach the webhook.

mod support;

use serde_json::{Value, json};
use support::WebhookSink;

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
        text: '{{ alerts|no_such_filter }}'
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
        support::client().get(format!("{url}/api/v2/deliveries")).send().await.unwrap().json().await.unwrap();
    v.as_array().unwrap().clone()
}

fn by_kind<'a>(rows: &'a [Value], kind: &str) -> Option<&'a Value> {
    rows.iter().find(|r| r["kind"] == kind)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_channel_is_recorded_and_the_others_deliver() {
    let sink = WebhookSink::start();
    let closed = support::free_port();
    let config = CONFIG.replace("SINK", sink.url("").trim_end_matches('/')).replace("CLOSED_PORT", &closed.to_string());
    let peer = support::start_triage(&config).await;
    let url = peer.url.clone();
    let alert = json!([{"labels": {"alertname": "SquidDown", "instance": "squid-1", "site": "T2_CH_CERN"},
                        "annotations": {"summary": "squid does not answer"}}]);
    let r = support::client().post(format!("{url}/api/v2/alerts")).json(&alert).send().await.unwrap();
    assert!(r.status().is_success());

    let got = sink.wait_for(2, support::DEADLINE).await;
    let hook = got.iter().find(|r| r.path == "/hook").expect("webhook delivered");
    assert_eq!(hook.body["instructions"][0]["text"], "Restart the squid on squid-1.");
    assert_eq!(hook.body["instructions"][0]["name"], "Frontier squid down");
    let mm = got.iter().find(|r| r.path == "/mattermost").expect("mattermost delivered");
    assert_eq!(mm.body["channel"], "cms-ops");
    let text = mm.body["text"].as_str().unwrap();
    assert!(text.contains("SquidDown") && text.contains("Restart the squid on squid-1."), "default text: {text}");

    // The e-mail fails for good once its retries run out at the group interval.
    let rows = support::poll(support::DEADLINE, || {
        let url = url.clone();
        async move {
            let rows = deliveries(&url).await;
            let done = |k: &str| by_kind(&rows, k).is_some_and(|r| r["state"] != "pending" && r["state"] != "retrying");
            (done("email") && done("mattermost") && done("webhook")).then_some(rows)
        }
    })
    .await
    .expect("every channel finishes");
    let email = by_kind(&rows, "email").unwrap();
    assert_eq!(email["state"], "failed", "{email}");
    assert!(email["attempts"].as_u64().unwrap() >= 2, "retried: {email}");
    assert!(email["lastError"].as_str().unwrap().contains("gave up after"), "{email}");
    let mm = by_kind(&rows, "mattermost").unwrap();
    assert_eq!(mm["state"], "delivered");
    assert!(mm["lastError"].as_str().unwrap().contains("no_such_filter"), "template error recorded: {mm}");
    assert_eq!(by_kind(&rows, "webhook").unwrap()["state"], "delivered");
    assert_eq!(sink.len(), 2, "nothing sent twice");

    let metrics = support::client().get(format!("{url}/metrics")).send().await.unwrap().text().await.unwrap();
    for want in [
        "triage_notifications_total{integration=\"webhook\"} 1",
        "triage_notifications_total{integration=\"mattermost\"} 1",
        "triage_notifications_failed_total{integration=\"email\"} 1",
        "triage_outbox_open 0",
    ] {
        assert!(metrics.contains(want), "missing {want}:\n{metrics}");
    }
    assert!(metrics.contains("triage_notification_retries_total{integration=\"email\"}"), "{metrics}");
}
