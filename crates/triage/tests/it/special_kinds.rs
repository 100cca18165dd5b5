//! The receiver kinds that need more than one plain request, through the real server against
//! a local recorder: WeChat (token fetched, reused, fetched again after `errcode` 42001), SNS
//! (SigV4-signed `Publish`, 5xx retried, 4xx not) and Jira (search, create; then search,
//! update, transitions, transition when the group resolves; 429 retried). The exact requests
//! are checked, and no secret of the configuration appears in a recorded error.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::recorder::{Recorded, Recorder, Reply};
use crate::support::{DEADLINE, client, poll, start_triage};

async fn post_alerts(url: &str, alerts: Value) {
    let r = client().post(format!("{url}/api/v2/alerts")).json(&alerts).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

/// The deliveries of `kind` once `n` of them are finished (delivered or failed).
async fn finished(url: &str, kind: &str, n: usize) -> Vec<Value> {
    poll(DEADLINE, || async move {
        let v: Value = client().get(format!("{url}/api/v2/deliveries")).send().await.ok()?.json().await.ok()?;
        let rows: Vec<Value> = v.as_array()?.iter().filter(|r| r["kind"] == kind).cloned().collect();
        let done = rows.iter().filter(|r| r["state"] == "delivered" || r["state"] == "failed").count();
        (done >= n).then_some(rows)
    })
    .await
    .unwrap_or_else(|| panic!("{n} {kind} deliveries finish"))
}

async fn wait_requests(rec: &Recorder, n: usize) -> Vec<Recorded> {
    poll(DEADLINE, || async move {
        let got = rec.requests();
        (got.len() >= n).then_some(got)
    })
    .await
    .unwrap_or_else(|| panic!("{n} requests; got {:?}", rec.requests()))
}

fn header_count(r: &Recorded, name: &str) -> usize {
    r.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).count()
}

const WECHAT: &str = r#"
route: {receiver: ops, group_by: [alertname], group_wait: 0s, group_interval: 1m}
receivers:
  - name: ops
    wechat_configs:
      - api_url: REC/cgi-bin/
        corp_id: corp1
        api_secret: s3cret-corp
        to_user: '@all'
        agent_id: '1000002'
        message: '{{ .CommonLabels.alertname }} is {{ .Status }}'
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_fetches_keeps_and_refreshes_its_token() {
    let rec = Recorder::start();
    rec.reply(Reply::json(json!({"errcode": 0, "access_token": "tok-1", "expires_in": 7200})));
    rec.reply(Reply::json(json!({"errcode": 42001, "errmsg": "access_token expired"})));
    rec.reply(Reply::json(json!({"errcode": 0, "access_token": "tok-2", "expires_in": 7200})));
    rec.reply(Reply::json(json!({"errcode": 0, "errmsg": "ok"})));
    let peer = start_triage(&WECHAT.replace("REC", &rec.url(""))).await;
    post_alerts(&peer.url, json!([{"labels": {"alertname": "DiskFull"}}])).await;

    let rows = finished(&peer.url, "wechat", 1).await;
    assert_eq!(rows[0]["state"], "delivered", "{rows:?}");
    assert_eq!(rows[0]["attempts"], 2, "the expired token's attempt is retried: {rows:?}");
    let got = rec.requests();
    let lines: Vec<String> = got.iter().map(|r| format!("{} {}?{}", r.method, r.path, r.query)).collect();
    assert_eq!(
        lines,
        [
            "GET /cgi-bin/gettoken?corpid=corp1&corpsecret=s3cret-corp",
            "POST /cgi-bin/message/send?access_token=tok-1",
            "GET /cgi-bin/gettoken?corpid=corp1&corpsecret=s3cret-corp",
            "POST /cgi-bin/message/send?access_token=tok-2",
        ]
    );
    assert_eq!(
        got[3].json(),
        json!({"text": {"content": "DiskFull is firing"}, "touser": "@all", "agentid": "1000002", "safe": "0",
               "msgtype": "text", "markdown": {"content": ""}})
    );
    assert_eq!(header_count(&got[3], "content-type"), 1);

    // Another group: the token is reused, not fetched again.
    rec.reply(Reply::json(json!({"errcode": 0, "errmsg": "ok"})));
    post_alerts(&peer.url, json!([{"labels": {"alertname": "NodeDown"}}])).await;
    let got = wait_requests(&rec, 5).await;
    assert_eq!(
        format!("{} {}?{}", got[4].method, got[4].path, got[4].query),
        "POST /cgi-bin/message/send?access_token=tok-2"
    );
    finished(&peer.url, "wechat", 2).await;
    assert_eq!(rec.requests().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_errors_are_judged_and_never_show_the_secret() {
    let rec = Recorder::start();
    // No token for this secret: not retried.
    rec.reply(Reply::json(json!({"errcode": 40001, "errmsg": "invalid credential"})));
    let peer = start_triage(&WECHAT.replace("REC", &rec.url(""))).await;
    post_alerts(&peer.url, json!([{"labels": {"alertname": "DiskFull"}}])).await;
    let rows = finished(&peer.url, "wechat", 1).await;
    assert_eq!(rows[0]["state"], "failed", "{rows:?}");
    assert_eq!(rows[0]["attempts"], 1, "{rows:?}");
    let error = rows[0]["lastError"].as_str().unwrap();
    assert!(error.contains("invalid APISecret for CorpID: corp1"), "{error}");
    assert!(!error.contains("s3cret-corp"), "{error}");

    // A 5xx on the message is retried, then a message error other than 42001 is not.
    rec.reply(Reply::json(json!({"access_token": "tok-1"})));
    rec.reply(Reply::new(503, "busy"));
    rec.reply(Reply::json(json!({"errcode": 60020, "errmsg": "not allow to access from your ip"})));
    post_alerts(&peer.url, json!([{"labels": {"alertname": "NodeDown"}}])).await;
    let rows = finished(&peer.url, "wechat", 2).await;
    let row = rows.iter().find(|r| r["attempts"] == 2).unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(row["state"], "failed", "{rows:?}");
    let error = row["lastError"].as_str().unwrap();
    assert!(error.contains("not allow to access from your ip") && !error.contains("s3cret-corp"), "{error}");
}

const SNS: &str = r#"
route: {receiver: ops, group_by: [alertname], group_wait: 0s, group_interval: 1m}
receivers:
  - name: ops
    sns_configs:
      - api_url: REC/sns/
        sigv4: {region: eu-west-1, access_key: AKIDEXAMPLE, secret_key: sns-very-secret-key}
        topic_arn: arn:aws:sns:eu-west-1:123456789012:alerts
        subject: '{{ .CommonLabels.alertname }}'
        message: 'firing: {{ .Alerts.Firing | len }}'
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sns_publish_is_signed_and_5xx_is_retried() {
    let rec = Recorder::start();
    rec.reply(Reply::new(500, "<Error><Code>InternalError</Code></Error>"));
    let peer = start_triage(&SNS.replace("REC", &rec.url(""))).await;
    post_alerts(&peer.url, json!([{"labels": {"alertname": "DiskFull"}}])).await;
    let rows = finished(&peer.url, "sns", 1).await;
    assert_eq!(rows[0]["state"], "delivered", "{rows:?}");
    assert_eq!(rows[0]["attempts"], 2, "{rows:?}");
    let got = rec.requests();
    assert_eq!(got.len(), 2);
    let r = &got[1];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/sns/"));
    assert_eq!(
        r.text(),
        "Action=Publish&Message=firing%3A+1&Subject=DiskFull&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A123456789012%3Aalerts&Version=2010-03-31"
    );
    assert_eq!(header_count(r, "content-type"), 1);
    assert_eq!(r.header("content-type"), Some("application/x-www-form-urlencoded; charset=utf-8"));
    let date = r.header("x-amz-date").expect("x-amz-date");
    assert_eq!(date.len(), 16, "{date}");
    let auth = r.header("authorization").expect("signed");
    let prefix = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{}/eu-west-1/sns/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=",
        &date[..8]
    );
    assert!(auth.starts_with(&prefix), "{auth}");
    assert_eq!(auth.len(), prefix.len() + 64, "{auth}");
    assert!(!format!("{got:?}").contains("sns-very-secret-key"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sns_4xx_is_not_retried_and_its_error_has_no_secret() {
    let rec = Recorder::start();
    rec.reply(Reply::new(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>"));
    let peer = start_triage(&SNS.replace("REC", &rec.url(""))).await;
    post_alerts(&peer.url, json!([{"labels": {"alertname": "DiskFull"}}])).await;
    let rows = finished(&peer.url, "sns", 1).await;
    assert_eq!((rows[0]["state"].as_str(), rows[0]["attempts"].as_u64()), (Some("failed"), Some(1)), "{rows:?}");
    let error = rows[0]["lastError"].as_str().unwrap();
    assert!(error.contains("403") && error.contains("SignatureDoesNotMatch"), "{error}");
    assert!(!error.contains("sns-very-secret-key"), "{error}");
}

const JIRA: &str = r#"
route: {receiver: ops, group_by: [alertname], group_wait: 0s, group_interval: 1s}
receivers:
  - name: ops
    jira_configs:
      - api_url: REC/jira/rest/api/2
        project: OPS
        issue_type: Bug
        summary: '{{ .CommonLabels.alertname }} ({{ .Status }})'
        description: 'instance {{ .CommonLabels.instance }}'
        priority: ''
        labels: [triage]
        resolve_transition: Done
        reopen_transition: Reopen
        http_config:
          basic_auth: {username: bot, password: jira-pass-secret}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jira_creates_the_issue_then_updates_and_resolves_it() {
    let rec = Recorder::start();
    rec.reply(Reply::new(429, "slow down").header("retry-after", "1"));
    rec.reply(Reply::json(json!({"issues": []})));
    rec.reply(Reply::json(json!({"id": "10001", "key": "OPS-1"})));
    let peer = start_triage(&JIRA.replace("REC", &rec.url(""))).await;
    let alert = json!({"labels": {"alertname": "DiskFull", "instance": "db-1"}});
    post_alerts(&peer.url, json!([alert])).await;

    let rows = finished(&peer.url, "jira", 1).await;
    assert_eq!((rows[0]["state"].as_str(), rows[0]["attempts"].as_u64()), (Some("delivered"), Some(2)), "{rows:?}");
    let got = rec.requests();
    let lines: Vec<String> = got.iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(lines, ["POST /jira/rest/api/2/search", "POST /jira/rest/api/2/search", "POST /jira/rest/api/2/issue"]);
    for r in &got {
        assert_eq!(r.header("authorization"), Some("Basic Ym90OmppcmEtcGFzcy1zZWNyZXQ="));
        assert_eq!(r.header("accept-language"), Some("en"));
        assert_eq!(header_count(r, "content-type"), 1);
    }
    let search = got[1].json();
    assert_eq!(search["maxResults"], 2);
    assert_eq!(search["fields"], json!(["status"]));
    let jql = search["jql"].as_str().unwrap();
    assert!(jql.starts_with("statusCategory != Done and project=\"OPS\" and labels=\"ALERT{"), "{jql}");
    let create = got[2].json();
    let fields = &create["fields"];
    assert_eq!(fields["summary"], "DiskFull (firing)");
    assert_eq!(fields["description"], "instance db-1");
    assert_eq!(fields["issuetype"], json!({"name": "Bug"}));
    assert_eq!(fields["project"], json!({"key": "OPS"}));
    let labels = fields["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 2);
    assert!(labels[0].as_str().unwrap().starts_with("ALERT{") && labels[1] == "triage", "{labels:?}");

    // Resolved: the issue is found, updated and moved with the transition named Done.
    rec.reply(Reply::json(
        json!({"issues": [{"key": "OPS-1", "fields": {"status": {"statusCategory": {"key": "indeterminate"}}}}]}),
    ));
    rec.reply(Reply::new(204, ""));
    rec.reply(Reply::json(json!({"transitions": [{"id": "21", "name": "In Progress"}, {"id": "31", "name": "Done"}]})));
    rec.reply(Reply::new(204, ""));
    let mut resolved = alert.clone();
    resolved["endsAt"] =
        json!(jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_secs(1)).unwrap().to_string());
    post_alerts(&peer.url, json!([resolved])).await;
    let got = wait_requests(&rec, 7).await;
    let lines: Vec<String> = got[3..].iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(
        lines,
        [
            "POST /jira/rest/api/2/search",
            "PUT /jira/rest/api/2/issue/OPS-1",
            "GET /jira/rest/api/2/issue/OPS-1/transitions",
            "POST /jira/rest/api/2/issue/OPS-1/transitions",
        ]
    );
    assert_eq!(got[4].json()["fields"]["summary"], "DiskFull (resolved)");
    assert_eq!(got[6].json(), json!({"transition": {"id": "31"}}));
    let rows = finished(&peer.url, "jira", 2).await;
    assert!(rows.iter().all(|r| r["state"] == "delivered"), "{rows:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rec.requests().len(), 7, "nothing more sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jira_missing_transition_fails_without_showing_credentials() {
    let rec = Recorder::start();
    // A done issue of the group fires again: it is updated, then reopened, but Jira offers
    // no transition named Reopen.
    rec.reply(Reply::json(
        json!({"issues": [{"key": "OPS-7", "fields": {"status": {"statusCategory": {"key": "done"}}}}]}),
    ));
    rec.reply(Reply::new(204, ""));
    rec.reply(Reply::json(json!({"transitions": [{"id": "21", "name": "In Progress"}]})));
    let peer = start_triage(&JIRA.replace("REC", &rec.url(""))).await;
    post_alerts(&peer.url, json!([{"labels": {"alertname": "DiskFull"}}])).await;
    let rows = finished(&peer.url, "jira", 1).await;
    assert_eq!((rows[0]["state"].as_str(), rows[0]["attempts"].as_u64()), (Some("failed"), Some(1)), "{rows:?}");
    let error = rows[0]["lastError"].as_str().unwrap();
    assert!(error.contains("can't find transition Reopen for issue OPS-7"), "{error}");
    assert!(!error.contains("jira-pass-secret") && !error.contains("Ym90"), "{error}");
    let lines: Vec<String> = rec.requests().iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(
        lines,
        [
            "POST /jira/rest/api/2/search",
            "PUT /jira/rest/api/2/issue/OPS-7",
            "GET /jira/rest/api/2/issue/OPS-7/transitions",
        ]
    );
}
