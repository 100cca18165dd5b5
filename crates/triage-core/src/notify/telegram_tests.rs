use super::*;
use crate::notify::testing::{FakeExpand, RECORDER, Recorded, alerts, context, group_key};

const DEFAULT_MESSAGE: &str = r#"{{ template "telegram.default.message" . }}"#;

fn config(yaml: &str) -> TelegramConfig {
    yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn problems(c: &TelegramConfig, g: &GlobalConfig) -> Vec<String> {
    let mut out = Vec::new();
    c.validate(g, "r.telegram_configs[0]", &mut out);
    out.iter().map(ToString::to_string).collect()
}

/// Builds the recorded receivers' request, the message rendered as Alertmanager rendered it.
fn check_against(recorded: &str, yaml: &str, resolved: bool) {
    let rec = Recorded::parse(recorded);
    let c = config(yaml);
    let (key, alerts) = (group_key("telegram"), alerts("telegram", resolved));
    let ctx = context("telegram", &key, &alerts);
    let mut ex = FakeExpand::new().with(DEFAULT_MESSAGE, &rec.field("/text"));
    let reqs = c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, crate::notify::Method::Post);
    assert_eq!(r.url, format!("{RECORDER}{}", rec.path));
    assert_eq!(r.header_value("Content-Type"), rec.headers.get("Content-Type").map(String::as_str));
    assert_eq!(r.json().unwrap(), &rec.json());
    // Key order too: telebot's parameters come sorted.
    assert_eq!(serde_json::to_string(r.json().unwrap()).unwrap() + "\n", rec.body);
}

#[test]
fn matches_alertmanager_0_25() {
    let base = format!("api_url: {RECORDER}/telegram\nbot_token: '123:ABC'\n");
    check_against(
        include_str!("../../../../testdata/receivers/telegram/request-2.json"),
        &format!("{base}chat_id: 4242"),
        false,
    );
    check_against(
        include_str!("../../../../testdata/receivers/telegram/request-3.json"),
        &format!("{base}chat_id: 4242"),
        true,
    );
    check_against(
        include_str!("../../../../testdata/receivers/telegram/request-1.json"),
        &format!("{base}chat_id: -100777\nparse_mode: HTML\ndisable_notifications: true\nsend_resolved: false"),
        false,
    );
}

#[test]
fn defaults() {
    let c = config("bot_token: t\nchat_id: 1");
    assert!(c.send_resolved);
    assert_eq!(c.parse_mode, "HTML");
    assert_eq!(c.message, DEFAULT_MESSAGE);
    assert_eq!(c.api_url(&GlobalConfig::default()), "https://api.telegram.org");
}

#[test]
fn markdown_is_text_and_cut_html_is_replaced() {
    let (key, alerts) = (group_key("telegram"), alerts("telegram", false));
    let ctx = context("telegram", &key, &alerts);
    let long = "x".repeat(5000);
    let c = config("bot_token: t\nchat_id: 7\nparse_mode: MarkdownV2\nmessage: m\nmessage_thread_id: 9");
    let mut ex = FakeExpand::new().with("m", &long);
    let r = &c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap()[0];
    let text = r.json().unwrap()["text"].as_str().unwrap();
    assert_eq!(text.chars().count(), MAX_MESSAGE_RUNES);
    assert!(text.ends_with('…'));
    assert_eq!(r.json().unwrap()["message_thread_id"], "9");
    assert_eq!(r.json().unwrap()["parse_mode"], "MarkdownV2");
    let c = config("bot_token: t\nchat_id: 7\nmessage: m");
    let mut ex = FakeExpand::new().with("m", &long);
    let r = &c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap()[0];
    assert_eq!(r.json().unwrap()["text"], TOO_LONG_NOTICE);
    let c = config("bot_token: t\nchat_id: 7\nmessage: m\nparse_mode: ''");
    let r = &c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut FakeExpand::new()).unwrap()[0];
    assert!(r.json().unwrap().get("parse_mode").is_none());
    assert_eq!(r.json().unwrap()["text"], "m");
}

#[test]
fn secrets_from_files_and_globals() {
    let (key, alerts) = (group_key("telegram"), alerts("telegram", false));
    let ctx = context("telegram", &key, &alerts);
    let g: GlobalConfig = yaml_serde::from_str("telegram_bot_token_file: /g\ntelegram_api_url: http://tg/").unwrap();
    let c = config("chat_id_file: /c");
    assert_eq!(c.secret_files(&g), vec![("bot_token_file", "/g"), ("chat_id_file", "/c")]);
    let files = FileSecrets::new().with("bot_token_file", " 9:Z\n").with("chat_id_file", "-42\n");
    let r = &c.build(&g, &files, &ctx, &mut FakeExpand::new()).unwrap()[0];
    assert_eq!(r.url, "http://tg//bot9:Z/sendMessage");
    assert_eq!(r.json().unwrap()["chat_id"], "-42");
    let bad = FileSecrets::new().with("bot_token_file", "x").with("chat_id_file", "abc");
    assert!(matches!(
        c.build(&g, &bad, &ctx, &mut FakeExpand::new()),
        Err(BuildError::Invalid { field: "chat_id_file", .. })
    ));
    assert_eq!(
        c.build(&g, &FileSecrets::new(), &ctx, &mut FakeExpand::new()),
        Err(BuildError::MissingFile("bot_token_file"))
    );
}

#[test]
fn validation() {
    let g = GlobalConfig::default();
    assert_eq!(
        problems(&config("{}"), &g),
        [
            "r.telegram_configs[0]: missing bot_token or bot_token_file on telegram_config",
            "r.telegram_configs[0]: missing chat_id or chat_id_file on telegram_config"
        ]
    );
    assert_eq!(
        problems(
            &config("bot_token: a\nbot_token_file: b\nchat_id: 1\nchat_id_file: c\nparse_mode: md\napi_url: ftp://x"),
            &g
        ),
        [
            "r.telegram_configs[0]: at most one of bot_token & bot_token_file must be configured",
            "r.telegram_configs[0]: at most one of chat_id & chat_id_file must be configured",
            "r.telegram_configs[0].parse_mode: unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string",
            r#"r.telegram_configs[0].api_url: unsupported scheme "ftp" for URL"#,
        ]
    );
    let g: GlobalConfig = yaml_serde::from_str("telegram_bot_token: x").unwrap();
    assert!(problems(&config("chat_id: 3"), &g).is_empty());
}

#[test]
fn hostile_yaml() {
    let e = yaml_serde::from_str::<TelegramConfig>("bot_tokn: x").unwrap_err().to_string();
    assert!(e.contains("unknown field `bot_tokn`"), "{e}");
    let e = yaml_serde::from_str::<TelegramConfig>("chat_id: abc").unwrap_err().to_string();
    assert!(e.contains("chat_id"), "{e}");
    let e = yaml_serde::from_str::<TelegramConfig>("chat_id: 99999999999999999999").unwrap_err().to_string();
    assert!(e.contains("chat_id"), "{e}");
    let e = yaml_serde::from_str::<TelegramConfig>("message: [a]").unwrap_err().to_string();
    assert!(e.contains("message"), "{e}");
    let huge = format!("bot_token: t\nchat_id: 1\nmessage: '{}'", "y".repeat(1 << 20));
    assert_eq!(config(&huge).message.len(), 1 << 20);
    let c = config("bot_token: hunter2\nchat_id: 1");
    assert!(!format!("{c:?}").contains("hunter2"));
}

#[test]
fn every_failure_is_retried_and_ok_false_is_a_failure() {
    let c = config("bot_token: t\nchat_id: 1");
    assert!(c.retryable(400) && c.retryable(500));
    assert!(answer_failed(br#"{"ok":false,"description":"Bad Request"}"#));
    assert!(answer_failed(b"not json"));
    assert!(!answer_failed(br#"{"ok":true,"result":{}}"#));
}
