use super::*;
use crate::notify::testing::{FakeExpand, alerts, context, group_key};

fn config(yaml: &str) -> PushoverConfig {
    yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn query(r: &HttpRequest) -> Vec<(String, String)> {
    let q = r.url.split_once('?').unwrap().1;
    q.split('&').map(|kv| kv.split_once('=').unwrap()).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn request_as_alertmanager_builds_it() {
    let c = config("user_key: u k\ntoken: t\nttl: 90s\nmonospace: true");
    let key = group_key("p");
    let alerts = alerts("p", false);
    let ctx = context("p", &key, &alerts);
    let mut ex = FakeExpand::new()
        .with(&default_title(), "[FIRING:2] DiskFull")
        .with(&default_message(), "  body &  \n")
        .with(&default_url(), "http://am.example.org:9093/#/alerts?receiver=p")
        .with(&default_priority(), "2");
    let r = &c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap()[0];
    assert_eq!(r.method, Method::Post);
    assert_eq!(r.body, Body::Empty);
    assert_eq!(r.header_value("Content-Type"), Some("text/plain"));
    assert!(r.url.starts_with("https://api.pushover.net/1/messages.json?device=&expire=3600&message=body+%26&monospace=1&priority=2&retry=60&sound=&title=%5BFIRING%3A2%5D+DiskFull&token=t&ttl=90&url=http%3A%2F%2Fam.example.org%3A9093%2F%23%2Falerts%3Freceiver%3Dp&url_title=&user=u+k"), "{}", r.url);
    let keys: Vec<String> = query(r).into_iter().map(|(k, _)| k).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn html_limits_empty_message_and_files() {
    let c = config("user_key_file: /u\ntoken_file: /t\nhtml: true\nmessage: m\ntitle: t\nurl: u");
    assert_eq!(c.secret_files(&GlobalConfig::default()), vec![("token_file", "/t"), ("user_key_file", "/u")]);
    let files = FileSecrets::new().with("token_file", "tok\n").with("user_key_file", "usr");
    let key = group_key("p");
    let alerts = alerts("p", true);
    let ctx = context("p", &key, &alerts);
    let mut ex = FakeExpand::new().with("m", "   ").with("t", &"t".repeat(300)).with("u", &"u".repeat(600));
    let r = &c.build(&GlobalConfig::default(), &files, &ctx, &mut ex).unwrap()[0];
    let q = query(r);
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(get("html"), "1");
    assert_eq!(get("message"), "%28no+details%29");
    assert_eq!(get("token"), "tok%0A");
    assert!(get("title").ends_with("%E2%80%A6") && get("title").starts_with(&"t".repeat(249)));
    assert_eq!(get("url").len(), 511 + 9);
    let mut ex = FakeExpand::new().with("m", &"é".repeat(1100));
    let r = &c.build(&GlobalConfig::default(), &files, &ctx, &mut ex).unwrap()[0];
    assert_eq!(get_message_chars(r), 1024);
}

fn get_message_chars(r: &HttpRequest) -> usize {
    let q = query(r);
    let m = &q.iter().find(|(n, _)| n == "message").unwrap().1;
    // %C3%A9 per character, and the marker's three bytes.
    (m.len() - 9) / 6 + 1
}

#[test]
fn validation() {
    let msgs = |yaml: &str| {
        let mut out = Vec::new();
        config(yaml).validate(&GlobalConfig::default(), "p", &mut out);
        out.iter().map(ToString::to_string).collect::<Vec<_>>()
    };
    assert_eq!(
        msgs("{}"),
        ["p: one of user_key or user_key_file must be configured", "p: one of token or token_file must be configured"]
    );
    assert_eq!(
        msgs(
            "user_key: a\nuser_key_file: b\ntoken: c\ntoken_file: d\nhtml: true\nmonospace: true\nretry: 30\nexpire: 1d\nttl: 1h"
        ),
        [
            "p: at most one of user_key & user_key_file must be configured",
            "p: at most one of token & token_file must be configured",
            "p: at most one of monospace & html must be configured",
            r#"p.retry: time: missing unit in duration "30""#,
            r#"p.expire: time: unknown unit "d" in duration "1d""#,
        ]
    );
}

#[test]
fn hostile_yaml_and_retry() {
    for (yaml, key) in
        [("priority: [2]", "priority"), ("user: x", "unknown field `user`"), ("html: yes please", "html")]
    {
        let e = yaml_serde::from_str::<PushoverConfig>(yaml).unwrap_err().to_string();
        assert!(e.contains(key), "{yaml}: {e}");
    }
    let c = config("user_key: hunter2\ntoken: t\npriority: 1");
    assert_eq!(c.priority, "1");
    assert!(!format!("{c:?}").contains("hunter2"));
    assert!(c.send_resolved && c.retryable(500) && !c.retryable(429));
}
