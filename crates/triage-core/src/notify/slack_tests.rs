use super::*;
use crate::alert::Alert;
use crate::config::channels::{SlackConfig, SlackFieldConfig};
use crate::go_template::{Data, Templates};
use crate::labels::LabelSet;
use crate::notify::testing::FakeExpand;

fn config(yaml: &str) -> SlackConfig {
    yaml_serde::from_str(yaml).unwrap()
}

fn replication_lag() -> Data {
    let t = "2026-03-04T05:06:07Z".parse().unwrap();
    let alert = Alert {
        labels: LabelSet::from_pairs([
            ("alertname", "ReplicationLag"),
            ("suite", "defaults"),
            ("instance", "db1:5432"),
            ("job", "postgres"),
        ]),
        annotations: LabelSet::from_pairs([("summary", "Replication lag high")]),
        starts_at: t,
        ends_at: None,
        updated_at: t,
        generator_url: "http://prometheus.example.org:9090/graph".to_string(),
        timeout: false,
    };
    let group = LabelSet::from_pairs([("alertname", "ReplicationLag"), ("suite", "defaults")]);
    Data::new(
        "defaults",
        &group,
        &[alert],
        "http://alertmanager.example.org:9093",
        "2026-12-08T01:00:00Z".parse().unwrap(),
    )
}

#[test]
fn defaults_give_what_alertmanager_sent() {
    let templates = Templates::new(&[]).unwrap();
    let data = replication_lag();
    let mut ex = templates.expander(&data);
    let p = payload(&config("{}"), false, &mut ex);
    ex.finish().unwrap();
    let golden = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/go_template/defaults/slack.1.json"
    ))
    .unwrap();
    let want: serde_json::Value = serde_json::from_str(&golden).unwrap();
    let got: serde_json::Value = serde_json::from_str(&p.body).unwrap();
    assert_eq!(got, want);
    // Go's encoder: struct order, always-present keys, a final newline.
    assert!(p.body.starts_with(r#"{"username":"Alertmanager","attachments":[{"title":"[FIRING:1] "#), "{}", p.body);
    assert!(
        p.body.ends_with("\"footer\":\"\",\"color\":\"danger\",\"mrkdwn_in\":[\"fallback\",\"pretext\",\"text\"]}]}\n")
    );
}

#[test]
fn every_field_in_go_order_with_go_escaping() {
    let c = config(
        r#"
channel: '#ops'
username: bot
icon_emoji: ':fire:'
icon_url: http://i
link_names: true
title: t
title_link: http://l
pretext: p
text: 'a <b> & c'
fallback: f
callback_id: cb
image_url: http://img
thumb_url: http://th
footer: ft
color: '#ff0000'
short_fields: true
fields: [{title: ft1, value: v1}, {title: ft2, value: v2, short: false}]
mrkdwn_in: [text]
actions:
- {type: button, text: Open, url: http://x, name: dropped, confirm: {text: sure?}}
- {type: button, text: Ack, name: ack, value: '1', style: danger, confirm: {text: sure?, title: T, ok_text: y, dismiss_text: n}}
"#,
    );
    let p = payload(&c, false, &mut FakeExpand::new());
    let want = concat!(
        r##"{"channel":"#ops","username":"bot","icon_emoji":":fire:","icon_url":"http://i","link_names":true,"attachments":[{"##,
        r#""title":"t","title_link":"http://l","pretext":"p","text":"a \u003cb\u003e \u0026 c","fallback":"f","callback_id":"cb","#,
        r#""fields":[{"title":"ft1","value":"v1","short":true},{"title":"ft2","value":"v2","short":false}],"#,
        r#""actions":[{"type":"button","text":"Open","url":"http://x"},{"type":"button","text":"Ack","style":"danger","name":"ack","value":"1","confirm":{"text":"sure?","title":"T","ok_text":"y","dismiss_text":"n"}}],"#,
        r##""image_url":"http://img","thumb_url":"http://th","footer":"ft","color":"#ff0000","mrkdwn_in":["text"]}]}"##,
        "\n"
    );
    assert_eq!(p.body, want);
    assert_eq!(p.channel, "#ops");
    assert!(!p.title_truncated);
}

#[test]
fn empty_texts_are_left_out_or_sent_empty_as_in_go() {
    let c = SlackConfig { fields: vec![SlackFieldConfig::default()], ..config("{title: '', username: '', color: ''}") };
    let mut ex = FakeExpand::new()
        .with(DEFAULT_TITLE_LINK, "")
        .with(DEFAULT_PRETEXT, "")
        .with(DEFAULT_TEXT, "")
        .with(DEFAULT_FALLBACK, "")
        .with(DEFAULT_CALLBACK_ID, "")
        .with(DEFAULT_FOOTER, "")
        .with(DEFAULT_ICON_EMOJI, "")
        .with(DEFAULT_ICON_URL, "");
    let p = payload(&c, false, &mut ex);
    assert_eq!(
        p.body,
        "{\"attachments\":[{\"text\":\"\",\"fallback\":\"\",\"callback_id\":\"\",\"fields\":[{\"short\":false}],\"footer\":\"\",\"mrkdwn_in\":[\"fallback\",\"pretext\",\"text\"]}]}\n"
    );
}

#[test]
fn long_titles_are_cut_and_rich_text_is_triage_s() {
    let long = "x".repeat(MAX_TITLE_RUNES + 5);
    let mut ex = FakeExpand::new().with(DEFAULT_TITLE, &long);
    let p = payload(&config("{}"), true, &mut ex);
    assert!(p.title_truncated);
    assert!(p.body.contains(&format!("\"title\":\"{}…\"", "x".repeat(MAX_TITLE_RUNES - 1))));
    assert!(ex.calls.iter().any(|c| c == TRIAGE_TEXT) && !ex.calls.iter().any(|c| c == DEFAULT_TEXT));
    // A configured text wins over both defaults.
    let mut ex = FakeExpand::new();
    payload(&config("{text: mine}"), true, &mut ex);
    assert!(ex.calls.iter().any(|c| c == "mine") && !ex.calls.iter().any(|c| c == TRIAGE_TEXT));
}

#[test]
fn only_server_errors_are_retried() {
    assert!(retryable(500) && retryable(503));
    assert!(!retryable(429) && !retryable(404) && !retryable(400));
}
