use super::*;
use crate::notify::testing::{FakeExpand, RECORDER, Recorded, alerts, context, group_key};

const RECORDED_CONFIG: &str = "api_key: vo-key
api_url: http://127.0.0.1:19871/victorops/
routing_key: vo-route
custom_fields: {team: infra}
";

fn config(yaml: &str) -> VictoropsConfig {
    yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn check(recorded: &str, resolved: bool) {
    let rec = Recorded::parse(recorded);
    let mut ex = FakeExpand::new()
        .with(&default_state_message(), &rec.field("/state_message"))
        .with(&default_entity_display_name(), &rec.field("/entity_display_name"))
        .with(&default_monitoring_tool(), "Alertmanager");
    let key = group_key("victorops");
    let alerts = alerts("victorops", resolved);
    let ctx = context("victorops", &key, &alerts);
    let reqs = config(RECORDED_CONFIG).build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].url, format!("{RECORDER}{}", rec.path));
    assert_eq!(reqs[0].header_value("Content-Type"), Some("application/json"));
    assert_eq!(reqs[0].json().unwrap(), &rec.json());
}

#[test]
fn matches_alertmanager_0_25() {
    check(include_str!("../../../../testdata/receivers/victorops/request-1.json"), false);
    check(include_str!("../../../../testdata/receivers/victorops/request-2.json"), true);
}

#[test]
fn message_type_globals_and_files() {
    let g: GlobalConfig = yaml_serde::from_str("victorops_api_key_file: /k\nvictorops_api_url: http://vo/x").unwrap();
    let c = config("routing_key: 42\nmessage_type: '{{ .T }}'\nstate_message: s");
    assert_eq!(c.routing_key, "42");
    assert_eq!(c.secret_files(&g), vec![("api_key_file", "/k")]);
    let files = FileSecrets::new().with("api_key_file", "k1\n");
    let key = group_key("v");
    let alerts = alerts("v", false);
    let ctx = context("v", &key, &alerts);
    for (rendered, want) in [("INFO", "INFO"), ("info", "CRITICAL"), ("WARNING", "WARNING")] {
        let mut ex = FakeExpand::new().with("{{ .T }}", rendered).with("s", &"x".repeat(30000));
        let r = &c.build(&g, &files, &ctx, &mut ex).unwrap()[0];
        assert_eq!(r.url, "http://vo/x/k1/42");
        assert_eq!(r.json().unwrap()["message_type"], want);
        assert_eq!(r.json().unwrap()["state_message"].as_str().unwrap().chars().count(), MAX_MESSAGE_RUNES);
    }
}

#[test]
fn validation() {
    let mut out = Vec::new();
    config("api_key: a\napi_key_file: b\ncustom_fields: {entity_id: x}").validate(
        &GlobalConfig::default(),
        "p",
        &mut out,
    );
    config("routing_key: r").validate(&GlobalConfig::default(), "q", &mut out);
    let got: Vec<String> = out.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "p: missing Routing key in VictorOps config",
            "p: at most one of api_key & api_key_file must be configured",
            "p.custom_fields: victorOps config contains custom field entity_id which cannot be used as it conflicts with the fixed/static fields",
            "q: no global VictorOps API Key set",
        ]
    );
}

#[test]
fn hostile_yaml_and_retry() {
    for (yaml, key) in [("custom_fields: [a]", "custom_fields"), ("routingkey: x", "unknown field `routingkey`")] {
        let e = yaml_serde::from_str::<VictoropsConfig>(yaml).unwrap_err().to_string();
        assert!(e.contains(key), "{yaml}: {e}");
    }
    let c = config("api_key: hunter2\nrouting_key: r");
    assert!(!format!("{c:?}").contains("hunter2"));
    assert!(c.send_resolved && c.retryable(502) && !c.retryable(429));
}
