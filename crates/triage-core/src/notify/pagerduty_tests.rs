use super::*;
use crate::notify::testing::{FakeExpand, RECORDER, Recorded, alerts, context, group_key};

const RECORDED_CONFIG: &str = "routing_key: rk-123
url: http://127.0.0.1:19871/pagerduty/v2/enqueue
send_resolved: true
client: triage-recorder
client_url: http://am.example.org
severity: '{{ .CommonLabels.severity }}'
class: cls
component: comp
group: grp
details:
  extra: '{{ .CommonLabels.instance }}'
images:
- {src: 'http://img.example.org/a.png', alt: 'alt {{ .Status }}', href: 'http://img.example.org/'}
links:
- {href: 'http://runbook.example.org/{{ .CommonLabels.alertname }}', text: 'runbook'}
";

fn config(yaml: &str) -> PagerdutyConfig {
    yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn check(recorded: &str, resolved: bool) {
    let rec = Recorded::parse(recorded);
    let c = config(RECORDED_CONFIG);
    let defaults = default_details();
    let d = |k: &str| defaults[k].as_str().unwrap().to_string();
    let mut ex = FakeExpand::new()
        .with(&default_description(), &rec.field("/payload/summary"))
        .with("{{ .CommonLabels.severity }}", "critical")
        .with("{{ .CommonLabels.instance }}", "")
        .with("alt {{ .Status }}", &format!("alt {}", if resolved { "resolved" } else { "firing" }))
        .with("http://runbook.example.org/{{ .CommonLabels.alertname }}", "http://runbook.example.org/DiskFull");
    for k in ["firing", "resolved", "num_firing", "num_resolved"] {
        ex = ex.with(&d(k), &rec.field(&format!("/payload/custom_details/{k}")));
    }
    let key = group_key("pagerduty_v2");
    let alerts = alerts("pagerduty_v2", resolved);
    let ctx = context("pagerduty_v2", &key, &alerts);
    let reqs = c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].url, format!("{RECORDER}{}", rec.path));
    assert_eq!(reqs[0].header_value("Content-Type"), Some("application/json"));
    assert_eq!(reqs[0].json().unwrap(), &rec.json());
}

#[test]
fn matches_alertmanager_0_25() {
    check(include_str!("../../../../testdata/receivers/pagerduty/request-1.json"), false);
    check(include_str!("../../../../testdata/receivers/pagerduty/request-2.json"), true);
}

#[test]
fn defaults_and_globals() {
    let c = config("routing_key: r");
    assert!(c.send_resolved && !c.is_v1());
    assert_eq!(c.details, default_details());
    assert_eq!(c.events_url(&GlobalConfig::default()), "https://events.pagerduty.com/v2/enqueue");
    let g: GlobalConfig = yaml_serde::from_str("pagerduty_url: http://pd.local/x").unwrap();
    assert_eq!(c.events_url(&g), "http://pd.local/x");
    // A details map that names some keys still gets the other defaults.
    let c = config("routing_key: r\ndetails: {firing: x}");
    assert_eq!(c.all_details().len(), 4);
    assert_eq!(c.all_details()["firing"].as_str(), Some("x"));
}

#[test]
fn events_api_v1() {
    let c = config(
        "service_key_file: /sk\nurl: http://ignored/\ndescription: d\nclient: c\nclient_url: u\ndetails: {a: '1', n: 2, nested: {l: [x, true]}}",
    );
    assert_eq!(c.secret_files(&GlobalConfig::default()), vec![("service_key_file", "/sk")]);
    let files = FileSecrets::new().with("service_key_file", " sk-1\n");
    let key = group_key("v1");
    for resolved in [false, true] {
        let alerts = alerts("v1", resolved);
        let ctx = context("v1", &key, &alerts);
        let mut ex = FakeExpand::new().with("x", "X");
        let r = &c.build(&GlobalConfig::default(), &files, &ctx, &mut ex).unwrap()[0];
        assert_eq!(r.url, V1_URL);
        let b = r.json().unwrap();
        assert_eq!(b["service_key"], "sk-1");
        assert_eq!(b["incident_key"], crate::notify::key_hash(&key));
        assert_eq!(b["event_type"], if resolved { "resolve" } else { "trigger" });
        assert_eq!(b["event_action"], "");
        assert_eq!(b["payload"], Value::Null);
        assert_eq!(b["description"], "d");
        assert_eq!(b.get("client").is_some(), !resolved);
        assert_eq!(b["details"]["n"], 2);
        assert_eq!(b["details"]["nested"], serde_json::json!({"l": ["X", true]}));
        assert!(b.get("dedup_key").is_none() && b.get("routing_key").is_none());
    }
    assert!(c.retryable(403) && c.retryable(500) && !c.retryable(429));
    let v2 = config("routing_key: r");
    assert!(v2.retryable(429) && !v2.retryable(403) && !v2.retryable(400));
}

#[test]
fn empty_key_long_summary_and_huge_details() {
    let key = group_key("p");
    let alerts = alerts("p", false);
    let ctx = context("p", &key, &alerts);
    let c = config("routing_key: '{{ .Empty }}'");
    let mut ex = FakeExpand::new().with("{{ .Empty }}", "");
    assert_eq!(
        c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex),
        Err(BuildError::Empty("routing key"))
    );
    let c = config(
        "routing_key: r\ndescription: d\ndetails: {big: b}\nseverity: ''\nimages: [{src: '', alt: a}]\nlinks: [{href: ''}]",
    );
    let mut ex = FakeExpand::new().with("d", &"s".repeat(2000)).with("b", &"b".repeat(600_000));
    let r = &c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap()[0];
    let b = r.json().unwrap();
    assert_eq!(b["payload"]["summary"].as_str().unwrap().chars().count(), MAX_SUMMARY_RUNES);
    assert_eq!(b["payload"]["custom_details"], serde_json::json!({"error": DETAILS_REMOVED}));
    assert_eq!(b["payload"]["severity"], "error");
    assert_eq!(b["payload"]["source"], default_client());
    assert!(b.get("images").is_none() && b.get("links").is_none());
}

#[test]
fn validation() {
    let mut out = Vec::new();
    config("{}").validate(&GlobalConfig::default(), "p", &mut out);
    config("routing_key: a\nrouting_key_file: b\nservice_key: c\nservice_key_file: d\nurl: 'ftp://x'").validate(
        &GlobalConfig::default(),
        "q",
        &mut out,
    );
    let got: Vec<String> = out.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "p: missing service or routing key in PagerDuty config",
            "q: at most one of routing_key & routing_key_file must be configured",
            "q: at most one of service_key & service_key_file must be configured",
            r#"q.url: unsupported scheme "ftp" for URL"#,
        ]
    );
}

#[test]
fn hostile_yaml() {
    for (yaml, key) in [
        ("images: [{source: x}]", "unknown field `source`"),
        ("links: {href: x}", "links"),
        ("timeout: soon", "timeout"),
        ("routing_key: [a]", "routing_key"),
        ("servicekey: x", "unknown field `servicekey`"),
    ] {
        let e = yaml_serde::from_str::<PagerdutyConfig>(yaml).unwrap_err().to_string();
        assert!(e.contains(key), "{yaml}: {e}");
    }
    let c = config("routing_key: hunter2");
    assert!(!format!("{c:?}").contains("hunter2"));
}
