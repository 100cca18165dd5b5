//! Bad input to the API gets a clear message and Alertmanager's status code, and changes
//! nothing stored. Runs the real server in-process on port 0.

use std::path::Path;

use crate::support::in_process::{serve, serve_options};
use serde_json::{Value, json};
use triage::app::Running;

async fn boot(dir: &Path, max_body: usize) -> Running {
    let mut opts = serve_options(None, dir.to_path_buf());
    opts.max_body_bytes = max_body;
    serve(opts).await
}

async fn post(base: &str, path: &str, body: impl Into<reqwest::Body>) -> (u16, String) {
    let resp = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn get(base: &str, path: &str) -> Value {
    reqwest::get(format!("{base}{path}")).await.unwrap().json().await.unwrap()
}

async fn stored_nothing(base: &str) {
    assert_eq!(get(base, "/api/v2/alerts").await, json!([]), "no alert may be stored");
    assert_eq!(get(base, "/api/v2/history").await, json!([]), "no history may be written");
    assert_eq!(get(base, "/api/v2/silences").await, json!([]), "no silence may be stored");
}

#[tokio::test]
async fn bad_alerts_are_refused_with_alertmanagers_codes() {
    let dir = tempfile::tempdir().unwrap();
    let srv = boot(dir.path(), 64 * 1024).await;
    let base = format!("http://{}", srv.addr);
    let cases: Vec<(&str, String, u16, &str)> = vec![
        ("malformed", "[{".into(), 400, "parsing alerts body failed"),
        ("truncated", r#"[{"labels":{"a":"b"}"#.into(), 400, "parsing alerts body failed"),
        ("not an array", r#"{"labels":{"a":"b"}}"#.into(), 400, "parsing alerts body failed"),
        ("wrong value type", r#"[{"labels":{"a":1}}]"#.into(), 400, "expected a string"),
        ("wrong time type", r#"[{"labels":{"a":"b"},"startsAt":5}]"#.into(), 400, "parsing alerts body failed"),
        ("bad time", r#"[{"labels":{"a":"b"},"startsAt":"yesterday"}]"#.into(), 400, "invalid time"),
        ("missing labels", r#"[{"annotations":{}}]"#.into(), 422, "labels in body is required"),
        ("empty labels", r#"[{"labels":{}}]"#.into(), 400, "at least one label pair required"),
        ("only empty values", r#"[{"labels":{"a":""}}]"#.into(), 400, "at least one label pair required"),
        ("invalid label name", r#"[{"labels":{"a-b":"c"}}]"#.into(), 400, "invalid label set: invalid name"),
        (
            "invalid annotation name",
            r#"[{"labels":{"a":"c"},"annotations":{"1x":"y"}}]"#.into(),
            400,
            "invalid annotations",
        ),
        (
            "ends before starts",
            r#"[{"labels":{"a":"b"},"startsAt":"2026-01-02T00:00:00Z","endsAt":"2026-01-01T00:00:00Z"}]"#.into(),
            400,
            "start time must be before end time",
        ),
        ("deeply nested", format!("[{}]", "[".repeat(5000)), 400, "parsing alerts body failed"),
        ("not UTF-8", String::from_utf8_lossy(b"[{\"labels\":{\"a\":\"\xff\"}}]").into_owned(), 200, ""),
    ];
    for (name, body, code, needle) in cases {
        if code == 200 {
            continue;
        }
        let (status, text) = post(&base, "/api/v2/alerts", body).await;
        assert_eq!(status, code, "{name}: {text}");
        assert!(text.contains(needle), "{name}: {text:?} should contain {needle:?}");
    }
    // Raw invalid UTF-8 bytes are a JSON error, not a panic.
    let (status, _) = post(&base, "/api/v2/alerts", b"[{\"labels\":{\"a\":\"\xff\"}}]".to_vec()).await;
    assert_eq!(status, 400);
    // Over the body limit.
    let big = format!(r#"[{{"labels":{{"a":"{}"}}}}]"#, "x".repeat(100 * 1024));
    let (status, _) = post(&base, "/api/v2/alerts", big).await;
    assert_eq!(status, 413);
    stored_nothing(&base).await;
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn bad_filters_and_silences_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let srv = boot(dir.path(), 1 << 20).await;
    let base = format!("http://{}", srv.addr);
    for q in ["filter=%3D%3D", "filter=a%3D~%28", "active=maybe", "receiver=%28"] {
        let resp = reqwest::get(format!("{base}/api/v2/alerts?{q}")).await.unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{q}");
    }
    let resp = reqwest::get(format!("{base}/api/v2/silences?filter=%3D")).await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let future = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1)).to_string();
    let past = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1)).to_string();
    let now = jiff::Timestamp::now().to_string();
    let silence = |matchers: Value, starts: &str, ends: &str| {
        json!({"matchers": matchers, "startsAt": starts, "endsAt": ends, "createdBy": "t", "comment": "c"}).to_string()
    };
    let m = json!([{"name": "a", "value": "b", "isRegex": false}]);
    let cases = vec![
        ("no matchers", silence(json!([]), &now, &future), 422),
        ("bad regex", silence(json!([{"name": "a", "value": "(", "isRegex": true}]), &now, &future), 400),
        ("bad name", silence(json!([{"name": "1a", "value": "b", "isRegex": false}]), &now, &future), 400),
        ("matches everything", silence(json!([{"name": "a", "value": "", "isRegex": false}]), &now, &future), 400),
        ("ends before starts", silence(m.clone(), &future, &now), 400),
        ("ends in the past", silence(m.clone(), &past, &past), 400),
        (
            "missing createdBy",
            json!({"matchers": m, "startsAt": now, "endsAt": future, "comment": "c"}).to_string(),
            422,
        ),
        ("malformed", "{\"matchers\":".to_string(), 400),
    ];
    for (name, body, code) in cases {
        let (status, text) = post(&base, "/api/v2/silences", body).await;
        assert_eq!(status, code, "{name}: {text}");
        assert!(!text.is_empty(), "{name}: the reply must say what is wrong");
    }
    // Unknown silence ids.
    let resp = reqwest::get(format!("{base}/api/v2/silence/00000000-0000-0000-0000-000000000000")).await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    stored_nothing(&base).await;
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn mixed_batch_stores_the_valid_alerts_and_names_the_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let srv = boot(dir.path(), 1 << 20).await;
    let base = format!("http://{}", srv.addr);
    let (status, text) =
        post(&base, "/api/v2/alerts", r#"[{"labels":{"alertname":"Good"}},{"labels":{}},{"labels":{"b-c":"x"}}]"#)
            .await;
    assert_eq!(status, 400);
    assert!(text.contains("at least one label pair required") && text.contains("invalid name"), "{text}");
    let alerts = get(&base, "/api/v2/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 1);
    assert_eq!(alerts[0]["labels"]["alertname"], "Good");
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn alerts_and_silences_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let srv = boot(dir.path(), 1 << 20).await;
    let base = format!("http://{}", srv.addr);
    let (status, _) = post(
        &base,
        "/api/v2/alerts",
        r#"[{"labels":{"alertname":"Disk","instance":"h1"},"annotations":{"summary":"full"},"generatorURL":"http://prom/g"}]"#,
    )
    .await;
    assert_eq!(status, 200);
    let future = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1)).to_string();
    let body = json!({"matchers": [{"name": "instance", "value": "h1", "isRegex": false}],
        "startsAt": jiff::Timestamp::now().to_string(), "endsAt": future, "createdBy": "op", "comment": "maintenance"});
    let (status, text) = post(&base, "/api/v2/silences", body.to_string()).await;
    assert_eq!(status, 200, "{text}");
    let before = get(&base, "/api/v2/alerts").await;
    assert_eq!(before[0]["status"]["state"], "suppressed");
    srv.stop().await.unwrap();

    let srv = boot(dir.path(), 1 << 20).await;
    let base = format!("http://{}", srv.addr);
    let after = get(&base, "/api/v2/alerts").await;
    assert_eq!(after, before, "the alert and its silence come back unchanged");
    let history = get(&base, "/api/v2/history").await;
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["state"], "firing");
    srv.stop().await.unwrap();
}
