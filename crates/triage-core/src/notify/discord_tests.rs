use super::*;
use crate::notify::testing::{FakeExpand, RECORDER, Recorded, alerts, context, group_key};

fn config(yaml: &str) -> DiscordConfig {
    yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn check(recorded: &str, resolved: bool) {
    let rec = Recorded::parse(recorded);
    let c = config("webhook_url: http://127.0.0.1:19871/discord/api/webhooks/1/tok");
    let mut ex = FakeExpand::new()
        .with(&default_title(), &rec.field("/embeds/0/title"))
        .with(&default_message(), &rec.field("/embeds/0/description"));
    let key = group_key("discord");
    let alerts = alerts("discord", resolved);
    let ctx = context("discord", &key, &alerts);
    let reqs = c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].url, format!("{RECORDER}{}", rec.path));
    assert_eq!(reqs[0].json().unwrap(), &rec.json());
}

#[test]
fn matches_alertmanager_0_25() {
    check(include_str!("../../../../testdata/receivers/discord/request-1.json"), false);
    check(include_str!("../../../../testdata/receivers/discord/request-2.json"), true);
}

#[test]
fn limits_username_avatar_and_file() {
    let c = config("webhook_url_file: /w\ncontent: c\nusername: bot\navatar_url: 'not a url'\ntitle: t");
    assert_eq!(c.secret_files(&GlobalConfig::default()), vec![("webhook_url_file", "/w")]);
    let files = FileSecrets::new().with("webhook_url_file", " http://d/hook\n");
    let key = group_key("d");
    let alerts = alerts("d", false);
    let ctx = context("d", &key, &alerts);
    let mut ex = FakeExpand::new().with("c", &"c".repeat(3000)).with("t", &"t".repeat(300));
    let r = &c.build(&GlobalConfig::default(), &files, &ctx, &mut ex).unwrap()[0];
    let b = r.json().unwrap();
    assert_eq!(r.url, "http://d/hook");
    assert_eq!(b["content"].as_str().unwrap().chars().count(), MAX_CONTENT_RUNES);
    assert_eq!(b["embeds"][0]["title"].as_str().unwrap().chars().count(), MAX_TITLE_RUNES);
    assert_eq!(b["embeds"][0]["color"], COLOR_RED);
    assert_eq!(b["username"], "bot");
    assert!(b.get("avatar_url").is_none());
}

#[test]
fn validation_yaml_and_retry() {
    let mut out = Vec::new();
    config("{}").validate(&GlobalConfig::default(), "p", &mut out);
    config("webhook_url: http://a\nwebhook_url_file: /b").validate(&GlobalConfig::default(), "q", &mut out);
    config("webhook_url: discord.com/x").validate(&GlobalConfig::default(), "r", &mut out);
    let got: Vec<String> = out.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "p: one of webhook_url or webhook_url_file must be configured",
            "q: at most one of webhook_url & webhook_url_file must be configured",
            r#"r.webhook_url: unsupported scheme "" for URL"#,
        ]
    );
    let e = yaml_serde::from_str::<DiscordConfig>("webhook: x").unwrap_err().to_string();
    assert!(e.contains("unknown field `webhook`"), "{e}");
    let c = config("webhook_url: http://secret.example/hunter2");
    assert!(!format!("{c:?}").contains("hunter2"));
    assert!(c.send_resolved && c.retryable(500) && !c.retryable(429));
}
