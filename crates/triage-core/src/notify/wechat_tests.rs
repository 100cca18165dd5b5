use super::*;
use crate::notify::testing::{FakeExpand, RECORDER, Recorded, alerts, context, group_key};

const RECORDED_CONFIG: &str = "api_url: http://127.0.0.1:19871/wechat/
api_secret: wx-secret
corp_id: corp-1
to_user: '@all'
agent_id: '1000002'
send_resolved: true
";

fn config(yaml: &str) -> WechatConfig {
    yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn rec(n: usize) -> Recorded {
    Recorded::parse(match n {
        1 => include_str!("../../../../testdata/receivers/wechat/request-1.json"),
        2 => include_str!("../../../../testdata/receivers/wechat/request-2.json"),
        _ => include_str!("../../../../testdata/receivers/wechat/request-3.json"),
    })
}

#[test]
fn matches_alertmanager_0_25() {
    let c = config(RECORDED_CONFIG);
    let g = GlobalConfig::default();
    let t = c.token_request(&g, &FileSecrets::new(), &mut FakeExpand::new()).unwrap();
    let r1 = rec(1);
    assert_eq!(t.method, Method::Get);
    assert_eq!(t.url, format!("{RECORDER}{}?{}", r1.path, r1.query));
    assert_eq!(t.body, crate::notify::Body::Empty);
    assert_eq!(
        parse_token(br#"{"errcode":0,"errmsg":"ok","access_token":"recorded-token","expires_in":7200}"#, "c"),
        Ok("recorded-token".into())
    );
    let files = FileSecrets::new().with("access_token", "recorded-token");
    let key = group_key("wechat");
    for (n, resolved) in [(2, false), (3, true)] {
        let r = rec(n);
        let alerts = alerts("wechat", resolved);
        let ctx = context("wechat", &key, &alerts);
        let mut ex = FakeExpand::new()
            .with(&default_message(), &r.field("/text/content"))
            .with(&default_to_party(), "")
            .with(&default_to_tag(), "");
        let built = c.build(&g, &files, &ctx, &mut ex).unwrap();
        assert_eq!(built.len(), 1);
        assert_eq!(built[0].url, format!("{RECORDER}{}?{}", r.path, r.query));
        assert_eq!(built[0].json().unwrap(), &r.json());
        assert_eq!(serde_json::to_string(built[0].json().unwrap()).unwrap().len() + 1, r.body.len());
    }
}

#[test]
fn markdown_globals_and_files() {
    let g: GlobalConfig =
        yaml_serde::from_str("wechat_api_secret_file: /s\nwechat_api_corp_id: 'c d'\nwechat_api_url: http://wx/api")
            .unwrap();
    let c = config("message_type: markdown\nmessage: m\nto_user: ''\nto_party: p\nto_tag: ''\nagent_id: ''");
    assert_eq!(c.secret_files(&g), vec![("api_secret_file", "/s")]);
    let files = FileSecrets::new().with("api_secret_file", "s&x\n").with("access_token", "t/1");
    let t = c.token_request(&g, &files, &mut FakeExpand::new()).unwrap();
    assert_eq!(t.url, "http://wx/api/gettoken?corpid=c+d&corpsecret=s%26x");
    let key = group_key("w");
    let alerts = alerts("w", false);
    let ctx = context("w", &key, &alerts);
    let r = &c.build(&g, &files, &ctx, &mut FakeExpand::new()).unwrap()[0];
    assert_eq!(r.url, "http://wx/api/message/send?access_token=t%2F1");
    assert_eq!(
        r.json().unwrap(),
        &json!({"text": {"content": ""}, "toparty": "p", "safe": "0", "msgtype": "markdown", "markdown": {"content": "m"}})
    );
    assert_eq!(
        c.build(&g, &FileSecrets::new(), &ctx, &mut FakeExpand::new()),
        Err(BuildError::MissingFile("access_token"))
    );
}

#[test]
fn answers() {
    assert_eq!(check_answer(200, br#"{"errcode":0,"errmsg":"ok"}"#), Ok(()));
    let expired = check_answer(200, br#"{"errcode":42001,"errmsg":"access_token expired"}"#).unwrap_err();
    assert!(expired.retryable() && expired.token_expired());
    assert_eq!(expired.to_string(), "access_token expired");
    let other = check_answer(200, br#"{"errcode":40001,"errmsg":"bad"}"#).unwrap_err();
    assert!(!other.retryable() && !other.token_expired());
    assert!(check_answer(502, b"").unwrap_err().retryable());
    assert!(check_answer(200, b"<html>").unwrap_err().retryable());
    assert_eq!(
        parse_token(br#"{"errcode":40013}"#, "corp").unwrap_err().to_string(),
        "invalid APISecret for CorpID: corp"
    );
    let c = WechatConfig::default();
    assert!(!c.send_resolved);
    assert!(c.retryable(201) && c.retryable(500) && !c.retryable(200));
}

#[test]
fn validation() {
    let msgs = |yaml: &str, g: &GlobalConfig| {
        let mut out = Vec::new();
        config(yaml).validate(g, "p", &mut out);
        out.iter().map(ToString::to_string).collect::<Vec<_>>()
    };
    let g = GlobalConfig::default();
    assert_eq!(msgs("{}", &g), ["p: no global Wechat ApiSecret set", "p: no global Wechat CorpID set"]);
    assert_eq!(
        msgs("api_secret: a\napi_secret_file: b\ncorp_id: c\nmessage_type: html", &g),
        [
            r#"p.message_type: weChat message type "html" does not match valid options ^(text|markdown)$"#,
            "p: at most one of api_secret & api_secret_file must be configured",
        ]
    );
    let g: GlobalConfig = yaml_serde::from_str("wechat_api_secret: s\nwechat_api_corp_id: c").unwrap();
    assert!(msgs("{}", &g).is_empty());
}

#[test]
fn hostile_yaml() {
    for (yaml, key) in
        [("agent_id: [1]", "agent_id"), ("touser: x", "unknown field `touser`"), ("send_resolved: 2", "send_resolved")]
    {
        let e = yaml_serde::from_str::<WechatConfig>(yaml).unwrap_err().to_string();
        assert!(e.contains(key), "{yaml}: {e}");
    }
    assert!(!format!("{:?}", config("api_secret: hunter2")).contains("hunter2"));
    // Numbers read as their text, as Go's yaml.v2 reads them into strings.
    let c = config("agent_id: 1000002\ncorp_id: 42\nto_party: 7");
    assert_eq!((c.agent_id.as_str(), c.corp_id.as_deref(), c.to_party.as_str()), ("1000002", Some("42"), "7"));
}
