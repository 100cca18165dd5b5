//! The Slack and Mattermost channels against a recording HTTP server: the payload and headers
//! that arrive (Slack's exactly as Alertmanager 0.25 sends it), how each kind of answer is
//! classified (success, retry after `Retry-After`, permanent failure), secret URLs read from a
//! file, and oversized texts (Slack: only the title is cut, as Alertmanager does; Mattermost:
//! the text is cut to its limit).
//!
//! Retries are driven by calling `send` again; nothing here sleeps or asserts on time.

use std::time::Duration;

use crate::support::recorder::{Recorder, Reply};
use serde_json::{Value, json};
use triage::net::http_auth::HttpAuth;
use triage::net::secret::SecretSource;
use triage::notify::DeliveryError;
use triage::notify::mattermost::{self, MattermostMessage, MattermostTarget};
use triage::notify::slack::{self, SlackTarget};
use triage_core::config::channels::SlackConfig;
use triage_core::go_template::{Data, Templates};
use triage_core::notify::slack::{MAX_TITLE_RUNES, SlackPayload, payload};

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("HTTP client")
}

/// The body Alertmanager's Slack notifier renders for `yaml` (a `slack_configs` entry).
fn render(yaml: &str) -> SlackPayload {
    let config: SlackConfig = yaml_serde::from_str(yaml).expect("slack config");
    let templates = Templates::new(&[]).expect("templates");
    let at = "2026-11-22T10:00:00Z".parse().unwrap();
    let data = Data::new("team", &triage_core::LabelSet::new(), &[], "https://triage.example", at);
    let mut ex = templates.expander(&data);
    let p = payload(&config, false, &mut ex);
    ex.finish().expect("templates render");
    p
}

const SLACK_CONFIG: &str = r##"
channel: '#alerts'
username: triage
icon_emoji: ':rotating_light:'
color: danger
title: '[FIRING:1] DiskFull'
title_link: 'https://triage.example/#/alerts?receiver=team'
text: '*host1* /var is 99% full'
fallback: '[FIRING:1] DiskFull'
fields: [{title: severity, value: critical, short: true}]
"##;

fn slack_message() -> SlackPayload {
    render(SLACK_CONFIG)
}

fn webhook(url: String) -> SlackTarget {
    SlackTarget { url: SecretSource::Inline(url), auth: None }
}

fn mattermost_message() -> MattermostMessage {
    MattermostMessage {
        channel: "town-square".into(),
        username: "triage".into(),
        text: "**FIRING** DiskFull on host1".into(),
        priority: Some("urgent".into()),
        ..Default::default()
    }
}

fn mattermost_at(url: String) -> MattermostTarget {
    MattermostTarget { url: SecretSource::Inline(url), auth: None }
}

#[track_caller]
fn assert_retryable_after(result: Result<(), DeliveryError>, expected: Option<Duration>) -> String {
    match result {
        Err(DeliveryError::Retryable { message, after }) => {
            assert_eq!(after, expected, "{message}");
            message
        }
        other => panic!("expected a retryable error, got {other:?}"),
    }
}

#[track_caller]
fn assert_permanent(result: Result<(), DeliveryError>) -> String {
    match result {
        Err(DeliveryError::Permanent(message)) => message,
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

// --- Slack --------------------------------------------------------------------------------------

#[tokio::test]
async fn slack_incoming_webhook_delivers_the_expected_json() {
    let server = Recorder::start();
    let target = webhook(server.url("/services/T000/B000/XXXX"));

    target.send(&client(), &slack_message()).await.expect("delivered");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/services/T000/B000/XXXX");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.body, slack_message().body.as_bytes(), "the rendered body, byte for byte");
    let expected = json!({
        "channel": "#alerts",
        "username": "triage",
        "icon_emoji": ":rotating_light:",
        "attachments": [{
            "title": "[FIRING:1] DiskFull",
            "title_link": "https://triage.example/#/alerts?receiver=team",
            "text": "*host1* /var is 99% full",
            "fallback": "[FIRING:1] DiskFull",
            "callback_id": "",
            "footer": "",
            "color": "danger",
            "mrkdwn_in": ["fallback", "pretext", "text"],
            "fields": [{"title": "severity", "value": "critical", "short": true}]
        }]
    });
    assert_eq!(request.json(), expected);
}

#[tokio::test]
async fn slack_post_message_sends_the_bearer_token_and_reads_ok_false() {
    let server = Recorder::start();
    let target = SlackTarget {
        url: SecretSource::Inline(server.url("/api/chat.postMessage")),
        auth: Some(HttpAuth::Token { scheme: "Bearer".into(), token: SecretSource::Inline("xoxb-test-token".into()) }),
    };
    server.reply(Reply::json(json!({"ok": true, "channel": "C123", "ts": "1700000000.000100"})));
    server.reply(Reply::json(json!({"ok": false, "error": "channel_not_found"})));
    server.reply(Reply::json(json!({"ok": false, "error": "not_in_channel"})));
    server.reply(Reply::json(json!({"ok": false, "error": "ratelimited"})).header("retry-after", "3"));

    target.send(&client(), &slack_message()).await.expect("ok: true is success");
    let not_found = assert_permanent(target.send(&client(), &slack_message()).await);
    assert!(not_found.contains("channel_not_found"), "{not_found}");
    let not_in = assert_permanent(target.send(&client(), &slack_message()).await);
    assert!(not_in.contains("not_in_channel"), "{not_in}");
    let limited = assert_retryable_after(target.send(&client(), &slack_message()).await, Some(Duration::from_secs(3)));
    assert!(limited.contains("ratelimited"), "{limited}");

    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for request in &requests {
        assert_eq!(request.path, "/api/chat.postMessage");
        assert_eq!(request.header("authorization"), Some("Bearer xoxb-test-token"));
        assert_eq!(request.json()["channel"], "#alerts");
    }
    assert!(!not_found.contains("xoxb") && !limited.contains("xoxb"));
}

#[tokio::test]
async fn slack_post_message_with_an_unreadable_answer_does_not_panic() {
    let server = Recorder::start();
    let target = webhook(server.url("/api/chat.postMessage"));
    server.reply(Reply::json(json!("not an object")));
    server.reply(Reply::new(200, "x".repeat(2 * slack::MAX_RESPONSE_BYTES)));
    server.reply(Reply::new(200, format!(r#"{{"ok":true,"message":{{"text":"{}"}}}}"#, "y".repeat(200_000))));

    assert_permanent(target.send(&client(), &slack_message()).await);
    let huge = assert_permanent(target.send(&client(), &slack_message()).await);
    assert!(huge.len() < 1000, "error message is capped: {} bytes", huge.len());
    target.send(&client(), &slack_message()).await.expect("a long echo of the message still reads as ok");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn slack_429_is_permanent_as_in_alertmanager() {
    // Alertmanager 0.25 retries Slack on 5xx only.
    let server = Recorder::start();
    let target = webhook(server.url("/services/T/B/x"));
    server.reply(Reply::new(429, "rate_limited").header("retry-after", "2"));

    let message = assert_permanent(target.send(&client(), &slack_message()).await);
    assert!(message.contains("429") && message.contains("rate_limited"), "{message}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn slack_400_is_permanent_with_slacks_answer_and_not_retried() {
    let server = Recorder::start();
    let target = webhook(server.url("/services/T/B/x"));
    server.reply(Reply::new(400, "invalid_payload"));

    let message = assert_permanent(target.send(&client(), &slack_message()).await);
    assert!(message.contains("invalid_payload") && message.contains("400"), "{message}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn slack_revoked_webhook_is_permanent() {
    let server = Recorder::start();
    let target = webhook(server.url("/services/T/B/revoked"));
    server.reply(Reply::new(404, "no_service"));
    server.reply(Reply::new(403, "action_prohibited"));

    assert!(assert_permanent(target.send(&client(), &slack_message()).await).contains("no_service"));
    assert!(assert_permanent(target.send(&client(), &slack_message()).await).contains("action_prohibited"));
}

#[tokio::test]
async fn slack_5xx_is_retryable() {
    let server = Recorder::start();
    let target = webhook(server.url("/services/T/B/x"));
    server.reply(Reply::new(500, "internal error"));
    server.reply(Reply::new(503, "").header("retry-after", "7"));

    let message = assert_retryable_after(target.send(&client(), &slack_message()).await, None);
    assert!(message.contains("500") && message.contains("internal error"), "{message}");
    assert_retryable_after(target.send(&client(), &slack_message()).await, Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn slack_url_from_a_file_is_read_and_never_printed() {
    let server = Recorder::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slack_url");
    std::fs::write(&file, format!("{}\n", server.url("/services/T/B/secret-from-file"))).unwrap();
    let target = SlackTarget { url: SecretSource::File(file.clone()), auth: None };

    target.send(&client(), &slack_message()).await.expect("delivered");
    assert_eq!(server.requests()[0].path, "/services/T/B/secret-from-file");

    server.reply(Reply::new(400, "invalid_payload"));
    let message = assert_permanent(target.send(&client(), &slack_message()).await);
    assert!(!message.contains("secret-from-file"), "{message}");
    assert!(!format!("{target:?}").contains("secret-from-file"));

    std::fs::remove_file(&file).unwrap();
    assert_permanent(target.send(&client(), &slack_message()).await);
    assert_eq!(server.requests().len(), 2, "nothing is sent without a URL");
}

#[tokio::test]
async fn slack_unreachable_server_is_retryable_without_the_url() {
    let url = format!("http://127.0.0.1:{}/services/T/B/secret-path", crate::support::free_port());
    let message = assert_retryable_after(webhook(url).send(&client(), &slack_message()).await, None);
    assert!(!message.contains("secret-path"), "{message}");
}

#[tokio::test]
async fn slack_long_title_is_cut_and_long_text_sent_whole_as_alertmanager_does() {
    let server = Recorder::start();
    let text = format!("*Alerts*\n{}", "- host is down <https://grafana.example/d/x|dashboard>\n".repeat(400));
    let yaml =
        format!("{SLACK_CONFIG}\ntitle: '{}'\ntext: {}\n", "T".repeat(3000), serde_json::to_string(&text).unwrap())
            .replace("title: '[FIRING:1] DiskFull'\n", "")
            .replace("text: '*host1* /var is 99% full'\n", "");
    let message = render(&yaml);
    assert!(message.title_truncated);

    webhook(server.url("/services/T/B/x")).send(&client(), &message).await.expect("delivered");

    let attachment = &server.requests()[0].json()["attachments"][0];
    assert_eq!(attachment["text"].as_str().unwrap(), text);
    let title = attachment["title"].as_str().unwrap();
    assert_eq!(title.chars().count(), MAX_TITLE_RUNES);
    assert!(title.ends_with("T…"), "{title}");
}

// --- Mattermost ---------------------------------------------------------------------------------

#[tokio::test]
async fn mattermost_webhook_delivers_the_expected_json() {
    let server = Recorder::start();
    let target = mattermost_at(server.url("/hooks/abc123"));

    target.send(&client(), &mattermost_message()).await.expect("delivered");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/hooks/abc123");
    assert!(requests[0].header("content-type").unwrap().starts_with("application/json"));
    let expected = json!({
        "channel": "town-square",
        "username": "triage",
        "text": "**FIRING** DiskFull on host1",
        "priority": {"priority": "urgent"}
    });
    assert_eq!(requests[0].json(), expected);
}

#[tokio::test]
async fn mattermost_without_priority_sends_none() {
    let server = Recorder::start();
    let message = MattermostMessage { priority: None, ..mattermost_message() };
    mattermost_at(server.url("/hooks/abc")).send(&client(), &message).await.expect("delivered");
    assert_eq!(server.requests()[0].json().get("priority"), None::<&Value>);
}

#[tokio::test]
async fn mattermost_429_is_retried_after_retry_after_then_succeeds() {
    let server = Recorder::start();
    let target = mattermost_at(server.url("/hooks/abc"));
    server.reply(Reply::new(429, "too many requests").header("retry-after", "2"));

    assert_retryable_after(target.send(&client(), &mattermost_message()).await, Some(Duration::from_secs(2)));
    target.send(&client(), &mattermost_message()).await.expect("the retry succeeds");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn mattermost_400_is_permanent_with_the_answer_and_not_retried() {
    let server = Recorder::start();
    let target = mattermost_at(server.url("/hooks/abc"));
    let answer =
        json!({"id": "web.incoming_webhook.text.app_error", "message": "No text specified", "status_code": 400});
    server.reply(Reply { status: 400, headers: vec![], body: answer.to_string() });

    let message = assert_permanent(target.send(&client(), &mattermost_message()).await);
    assert!(message.contains("No text specified") && message.contains("400"), "{message}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn mattermost_5xx_is_retryable() {
    let server = Recorder::start();
    let target = mattermost_at(server.url("/hooks/abc"));
    server.reply(Reply::new(502, "bad gateway"));

    let message = assert_retryable_after(target.send(&client(), &mattermost_message()).await, None);
    assert!(message.contains("502"), "{message}");
}

#[tokio::test]
async fn mattermost_url_from_a_file_is_read_and_never_printed() {
    let server = Recorder::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mattermost_url");
    std::fs::write(&file, format!("  {}\n", server.url("/hooks/secret-key"))).unwrap();
    let target = MattermostTarget { url: SecretSource::File(file), auth: None };

    target.send(&client(), &mattermost_message()).await.expect("delivered");
    assert_eq!(server.requests()[0].path, "/hooks/secret-key");

    server.reply(Reply::new(403, "forbidden"));
    let message = assert_permanent(target.send(&client(), &mattermost_message()).await);
    assert!(!message.contains("secret-key"), "{message}");
}

#[tokio::test]
async fn mattermost_oversized_text_arrives_truncated_with_the_note() {
    let server = Recorder::start();
    let text = format!("#### Alerts\n```\n{}```\n", "ERROR disk full on /var\n".repeat(1000));
    let message = MattermostMessage { text, ..mattermost_message() };

    mattermost_at(server.url("/hooks/abc")).send(&client(), &message).await.expect("delivered");

    let body = server.requests()[0].json();
    let text = body["text"].as_str().unwrap();
    assert!(text.chars().count() <= mattermost::MAX_TEXT_CHARS, "{} chars", text.chars().count());
    assert!(text.starts_with("#### Alerts\n```\nERROR disk full on /var\n"));
    assert!(text.contains("ERROR disk full on /var\n```\n_… "), "cut at a line end, fence closed");
    assert!(text.ends_with(" more characters not shown_"));
}
