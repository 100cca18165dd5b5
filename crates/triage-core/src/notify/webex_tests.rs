use super::*;
use crate::notify::testing::{FakeExpand, RECORDER, Recorded, alerts, context, group_key};

fn config(yaml: &str) -> WebexConfig {
    yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn check(recorded: &str, resolved: bool) {
    let rec = Recorded::parse(recorded);
    let c = config(
        "api_url: http://127.0.0.1:19871/webex/v1/messages\nroom_id: room-1\nhttp_config: {authorization: {credentials: wx-token}}",
    );
    let mut ex = FakeExpand::new().with(&default_message(), &rec.field("/markdown"));
    let key = group_key("webex");
    let alerts = alerts("webex", resolved);
    let ctx = context("webex", &key, &alerts);
    let reqs = c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].url, format!("{RECORDER}{}", rec.path));
    assert_eq!(reqs[0].json().unwrap(), &rec.json());
    // The Authorization header comes from http_config, applied by the shell.
    assert_eq!(rec.headers.get("Authorization").map(String::as_str), Some("Bearer wx-token"));
}

#[test]
fn matches_alertmanager_0_25() {
    check(include_str!("../../../../testdata/receivers/webex/request-1.json"), false);
    check(include_str!("../../../../testdata/receivers/webex/request-2.json"), true);
}

#[test]
fn cut_in_bytes_and_default_url() {
    let c = config("room_id: 12\nmessage: m");
    assert_eq!(c.room_id, "12");
    let key = group_key("w");
    let alerts = alerts("w", false);
    let ctx = context("w", &key, &alerts);
    let mut ex = FakeExpand::new().with("m", &"ü".repeat(4000));
    let r = &c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap()[0];
    assert_eq!(r.url, "https://webexapis.com/v1/messages");
    let m = r.json().unwrap()["markdown"].as_str().unwrap();
    assert!(m.len() <= MAX_MESSAGE_BYTES && m.ends_with('…'));
    assert_eq!(r.json().unwrap()["roomId"], "12");
}

#[test]
fn validation_yaml_and_retry() {
    let mut out = Vec::new();
    config("{}").validate(&GlobalConfig::default(), "p", &mut out);
    config("room_id: r\nhttp_config: {authorization: {credentials: c}}\napi_url: x").validate(
        &GlobalConfig::default(),
        "q",
        &mut out,
    );
    let got: Vec<String> = out.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "p: missing room_id on webex_config",
            "p: missing webex_configs.http_config.authorization",
            r#"q.api_url: unsupported scheme "" for URL"#,
        ]
    );
    let e = yaml_serde::from_str::<WebexConfig>("roomid: x").unwrap_err().to_string();
    assert!(e.contains("unknown field `roomid`"), "{e}");
    let c = config("room_id: r");
    assert!(c.send_resolved && c.retryable(500) && !c.retryable(429));
}
