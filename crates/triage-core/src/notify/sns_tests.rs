use super::*;
use crate::notify::testing::{FakeExpand, RECORDER, Recorded, alerts, context, group_key};

const RECORDED_CONFIG: &str = "api_url: http://127.0.0.1:19871/sns/
sigv4: {region: us-east-1, access_key: AKIDEXAMPLE, secret_key: secret}
topic_arn: arn:aws:sns:us-east-1:123456789012:alerts
attributes: {team: infra}
";

fn config(yaml: &str) -> SnsConfig {
    yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// Decodes `application/x-www-form-urlencoded` as Go's `url.ParseQuery` does.
fn decode(form: &str) -> Vec<(String, String)> {
    fn unescape(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    }
    form.split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (unescape(k), unescape(v))
        })
        .collect()
}

fn check(recorded: &str, resolved: bool) {
    let rec = Recorded::parse(recorded);
    let want = decode(&rec.body);
    let get = |k: &str| want.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap();
    let mut ex = FakeExpand::new().with(&default_message(), &get("Message")).with(&default_subject(), &get("Subject"));
    let key = group_key("sns");
    let alerts = alerts("sns", resolved);
    let ctx = context("sns", &key, &alerts);
    let reqs = config(RECORDED_CONFIG).build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.url, format!("{RECORDER}{}", rec.path));
    assert_eq!(r.header_value("Content-Type"), rec.headers.get("Content-Type").map(String::as_str));
    assert_eq!(r.body, Body::Form(want));
}

#[test]
fn matches_alertmanager_0_25() {
    check(include_str!("../../../../testdata/receivers/sns/request-1.json"), false);
    check(include_str!("../../../../testdata/receivers/sns/request-2.json"), true);
}

#[test]
fn fifo_sms_truncation_and_default_endpoint() {
    let key = group_key("s");
    let alerts = alerts("s", false);
    let ctx = context("s", &key, &alerts);
    let c = config("sigv4: {region: eu-west-1}\ntopic_arn: arn:t.fifo\nphone_number: '+1555'\nmessage: m\nsubject: ''");
    let mut ex = FakeExpand::new().with("m", &"€".repeat(600));
    let r = &c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap()[0];
    assert_eq!(r.url, "https://sns.eu-west-1.amazonaws.com/");
    let Body::Form(f) = &r.body else { panic!() };
    let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("MessageDeduplicationId"), Some(crate::notify::key_hash(&key).as_str()));
    assert_eq!(get("MessageGroupId"), get("MessageDeduplicationId"));
    assert_eq!(get("PhoneNumber"), Some("+1555"));
    assert_eq!(get("Message").unwrap().len(), 1599);
    assert_eq!(get("MessageAttributes.entry.1.Name"), Some("truncated"));
    assert_eq!(get("Subject"), None);
    let keys: Vec<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let c = config("topic_arn: t");
    assert!(matches!(
        c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut FakeExpand::new()),
        Err(BuildError::Invalid { field: "sigv4.region", .. })
    ));
}

#[test]
fn validation() {
    let msgs = |yaml: &str| {
        let mut out = Vec::new();
        config(yaml).validate(&GlobalConfig::default(), "p", &mut out);
        out.iter().map(ToString::to_string).collect::<Vec<_>>()
    };
    let target = "p: must provide either a Target ARN, Topic ARN, or Phone Number for SNS config";
    assert_eq!(msgs("{}"), [target]);
    assert_eq!(msgs("topic_arn: a\ntarget_arn: b"), [target]);
    assert!(msgs("topic_arn: a").is_empty());
    assert!(msgs("topic_arn: a\ntarget_arn: b\nphone_number: c").is_empty());
    assert_eq!(
        msgs("topic_arn: a\nsigv4: {access_key: k, external_id: e, session_name: 'x y'}"),
        [
            "p.sigv4: must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config",
            "p.sigv4: external_id can only be used with role_arn",
            "p.sigv4: session_name can only be used with role_arn",
            "p.sigv4: session_name must match ^[\\w+=,.@-]{2,64}$ (2-64 alphanumeric and +=,.@- characters)",
        ]
    );
}

#[test]
fn hostile_yaml_and_retry() {
    for (yaml, key) in [
        ("sigv4: {regio: x}", "unknown field `regio`"),
        ("attributes: [a]", "attributes"),
        ("sigv4: 5", "sigv4"),
        ("topic: x", "unknown field `topic`"),
    ] {
        let e = yaml_serde::from_str::<SnsConfig>(yaml).unwrap_err().to_string();
        assert!(e.contains(key), "{yaml}: {e}");
    }
    let c = config("topic_arn: t\nsigv4: {access_key: a, secret_key: hunter2}");
    assert!(!format!("{c:?}").contains("hunter2"));
    assert!(c.retryable(500) && !c.retryable(429) && !c.retryable(400));
}
