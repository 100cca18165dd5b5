use super::*;
use crate::notify::testing::{FakeExpand, RECORDER, Recorded, alerts, context, group_key};

const RECORDED_CONFIG: &str = "api_key: og-key
api_url: http://127.0.0.1:19871/opsgenie/
send_resolved: true
update_alerts: true
priority: P2
tags: 'a,b,{{ .CommonLabels.severity }}'
note: 'note here'
entity: 'ent'
actions: 'act1,act2'
details: {extra: '{{ .CommonLabels.instance }}'}
responders:
- {type: team, name: ops}
- {type: user, username: jdoe}
- {type: escalation, id: esc-1}
";

fn config(yaml: &str) -> OpsgenieConfig {
    yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn recorded(n: usize) -> Recorded {
    let text = match n {
        1 => include_str!("../../../../testdata/receivers/opsgenie/request-1.json"),
        2 => include_str!("../../../../testdata/receivers/opsgenie/request-2.json"),
        3 => include_str!("../../../../testdata/receivers/opsgenie/request-3.json"),
        _ => include_str!("../../../../testdata/receivers/opsgenie/request-4.json"),
    };
    Recorded::parse(text)
}

fn expander(create: &Recorded) -> FakeExpand {
    FakeExpand::new()
        .with(&default_message(), &create.field("/message"))
        .with(&default_description(), &create.field("/description"))
        .with(&default_source(), &create.field("/source"))
        .with("a,b,{{ .CommonLabels.severity }}", "a,b,critical")
        .with("{{ .CommonLabels.instance }}", "")
}

fn same(built: &HttpRequest, rec: &Recorded) {
    let method = match built.method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
    };
    assert_eq!(method, rec.method);
    let query = if rec.query.is_empty() { String::new() } else { format!("?{}", rec.query) };
    assert_eq!(built.url, format!("{RECORDER}{}{query}", rec.path));
    for h in ["Content-Type", "Authorization"] {
        assert_eq!(built.header_value(h), rec.headers.get(h).map(String::as_str), "{h}");
    }
    assert_eq!(built.json().unwrap(), &rec.json());
}

#[test]
fn matches_alertmanager_0_25() {
    let c = config(RECORDED_CONFIG);
    let key = group_key("opsgenie");
    let create = recorded(1);
    let firing = alerts("opsgenie", false);
    let ctx = context("opsgenie", &key, &firing);
    let reqs = c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut expander(&create)).unwrap();
    assert_eq!(reqs.len(), 3);
    for (i, r) in reqs.iter().enumerate() {
        same(r, &recorded(i + 1));
    }
    let resolved = alerts("opsgenie", true);
    let ctx = context("opsgenie", &key, &resolved);
    let reqs = c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut expander(&create)).unwrap();
    assert_eq!(reqs.len(), 1);
    same(&reqs[0], &recorded(4));
}

#[test]
fn responders_teams_and_empty_ones() {
    let c = config(
        "api_key: k\nmessage: m\ndescription: ''\nresponders:\n- {type: teams, name: ' a,,b '}\n- {type: '{{ .X }}', name: '{{ .X }}'}\n",
    );
    let key = group_key("o");
    let firing = alerts("o", false);
    let ctx = context("o", &key, &firing);
    let mut ex = FakeExpand::new().with("{{ .X }}", "");
    let r = &c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap()[0];
    let body = r.json().unwrap();
    assert_eq!(body["responders"], serde_json::json!([{"name": "a", "type": "team"}, {"name": "b", "type": "team"}]));
    assert!(body.get("description").is_none() && body.get("tags").is_none() && body.get("note").is_none());
    assert_eq!(body["details"]["instance"], Value::Null);
    assert_eq!(body["details"]["alertname"], "DiskFull");
    assert_eq!(r.url, "https://api.opsgenie.com/v2/alerts");
}

#[test]
fn message_is_cut_to_130_characters() {
    let c = config("api_key: k\nmessage: m");
    let key = group_key("o");
    let firing = alerts("o", false);
    let ctx = context("o", &key, &firing);
    let mut ex = FakeExpand::new().with("m", &"é".repeat(200));
    let r = &c.build(&GlobalConfig::default(), &FileSecrets::new(), &ctx, &mut ex).unwrap()[0];
    let m = r.json().unwrap()["message"].as_str().unwrap();
    assert_eq!(m.chars().count(), 130);
    assert!(m.ends_with('…'));
}

#[test]
fn keys_from_globals_and_files() {
    let key = group_key("o");
    let firing = alerts("o", false);
    let ctx = context("o", &key, &firing);
    let g: GlobalConfig =
        yaml_serde::from_str("opsgenie_api_key_file: /k\nopsgenie_api_url: http://og.example.org/api").unwrap();
    let c = config("{}");
    assert_eq!(c.secret_files(&g), vec![("api_key_file", "/k")]);
    let files = FileSecrets::new().with("api_key_file", "  k-from-file\n");
    let r = &c.build(&g, &files, &ctx, &mut FakeExpand::new()).unwrap()[0];
    assert_eq!(r.header_value("Authorization"), Some("GenieKey k-from-file"));
    assert_eq!(r.url, "http://og.example.org/api/v2/alerts");
    assert_eq!(
        c.build(&g, &FileSecrets::new(), &ctx, &mut FakeExpand::new()),
        Err(BuildError::MissingFile("api_key_file"))
    );
}

#[test]
fn validation() {
    let mut out = Vec::new();
    let c = config(
        "api_key: a\napi_key_file: b\napi_url: 'x'\nresponders:\n- {type: team}\n- {type: squad, id: x}\n- {type: '{{ .T }}', id: y}\n- {type: TEAM, id: z}",
    );
    c.validate(&GlobalConfig::default(), "p", &mut out);
    let got: Vec<String> = out.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "p: at most one of api_key & api_key_file must be configured",
            "p.responders[0]: opsGenieConfig responder {   team} has to have at least one of id, username or name specified",
            "p.responders[1].type: opsGenieConfig responder {x   squad} type does not match valid options ^(team|teams|user|escalation|schedule)$",
            r#"p.api_url: unsupported scheme "" for URL"#,
        ]
    );
    let mut out = Vec::new();
    config("{}").validate(&GlobalConfig::default(), "p", &mut out);
    assert_eq!(out[0].to_string(), "p: no global OpsGenie API Key set either inline or in a file");
}

#[test]
fn hostile_yaml_and_retry() {
    let e = yaml_serde::from_str::<OpsgenieConfig>("responders: [{kind: team}]").unwrap_err().to_string();
    assert!(e.contains("unknown field `kind`"), "{e}");
    let e = yaml_serde::from_str::<OpsgenieConfig>("details: [a]").unwrap_err().to_string();
    assert!(e.contains("details"), "{e}");
    let e = yaml_serde::from_str::<OpsgenieConfig>("update_alerts: maybe").unwrap_err().to_string();
    assert!(e.contains("update_alerts"), "{e}");
    let c = config("api_key: hunter2");
    assert!(!format!("{c:?}").contains("hunter2"));
    assert!(c.retryable(429) && c.retryable(503) && !c.retryable(400) && !c.retryable(404));
}
