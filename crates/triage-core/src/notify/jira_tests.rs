use super::*;
use crate::notify::testing::{FakeExpand, alerts, context, group_key};

fn config(yaml: &str) -> JiraConfig {
    yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

const BASE: &str = "api_url: https://acme.atlassian.net/rest/api/2\nproject: OPS\nissue_type: Bug\n";

fn expander() -> FakeExpand {
    FakeExpand::new()
        .with(&default_summary().template, "[FIRING:2] DiskFull")
        .with(&default_description().template, "Two disks")
        .with(&default_priority(), "High")
}

#[test]
fn search_then_create() {
    let c = config(&format!(
        "{BASE}labels: ['{{{{ .X }}}}', zeta, alpha]\nfields: {{customfield_1: '{{{{ .N }}}}', customfield_2: {{value: v}}, customfield_3: '{{{{ .S }}}}'}}"
    ));
    let key = group_key("j");
    let hash = crate::notify::key_hash(&key);
    let alerts = alerts("j", false);
    let ctx = context("j", &key, &alerts);
    let g = GlobalConfig::default();
    let mut ex = expander().with("{{ .X }}", "mid").with("{{ .N }}", "42").with("{{ .S }}", "plain text");
    let mut flow = JiraFlow::new();
    let search = flow.next(&c, &g, &ctx, &mut ex, None).unwrap().unwrap();
    assert_eq!(search.method, Method::Post);
    assert_eq!(search.url, "https://acme.atlassian.net/rest/api/3/search/jql");
    assert_eq!(search.header_value("Accept-Language"), Some("en"));
    assert_eq!(search.header_value("Content-Type"), Some("application/json"));
    assert_eq!(
        search.json().unwrap(),
        &json!({"fields": ["status"], "maxResults": 2, "jql": format!(
            "statusCategory != Done and project=\"OPS\" and labels=\"ALERT{{{hash}}}\" order by status ASC,resolutiondate DESC"
        )})
    );
    let create = flow.next(&c, &g, &ctx, &mut ex, Some(br#"{"issues":[]}"#)).unwrap().unwrap();
    assert_eq!((create.method, create.url.as_str()), (Method::Post, "https://acme.atlassian.net/rest/api/2/issue"));
    assert_eq!(
        create.json().unwrap(),
        &json!({"fields": {
            "summary": "[FIRING:2] DiskFull",
            "description": "Two disks",
            "issuetype": {"name": "Bug"},
            "labels": [format!("ALERT{{{hash}}}"), "alpha", "mid", "zeta"],
            "priority": {"name": "High"},
            "project": {"key": "OPS"},
            "customfield_1": 42,
            "customfield_2": {"value": "v"},
            "customfield_3": "plain text",
        }})
    );
    assert_eq!(flow.next(&c, &g, &ctx, &mut ex, Some(b"{\"key\":\"OPS-1\"}")).unwrap(), None);
}

#[test]
fn update_and_reopen() {
    let c = config(&format!(
        "{BASE}api_type: datacenter\nreopen_transition: Reopen\nreopen_duration: 1h\nwont_fix_resolution: Won't Fix\nsummary: {{enable_update: false}}\n"
    ));
    assert_eq!(c.summary, default_summary_with(Some(false)));
    let key = group_key("j");
    let alerts = alerts("j", false);
    let ctx = context("j", &key, &alerts);
    let g = GlobalConfig::default();
    let mut ex = expander();
    let mut flow = JiraFlow::new();
    let search = flow.next(&c, &g, &ctx, &mut ex, None).unwrap().unwrap();
    assert_eq!(search.url, "https://acme.atlassian.net/rest/api/2/search");
    let jql = search.json().unwrap()["jql"].as_str().unwrap().to_string();
    assert!(jql.starts_with("(resolution is EMPTY or resolution != \"Won't Fix\") and (resolutiondate is EMPTY OR resolutiondate >= -60m) and project="), "{jql}");
    let found = br#"{"issues":[{"key":"OPS-7","fields":{"status":{"name":"Done","statusCategory":{"key":"done"}}}}]}"#;
    let put = flow.next(&c, &g, &ctx, &mut ex, Some(found)).unwrap().unwrap();
    assert_eq!((put.method, put.url.as_str()), (Method::Put, "https://acme.atlassian.net/rest/api/2/issue/OPS-7"));
    assert!(put.json().unwrap()["fields"].get("summary").is_none());
    assert_eq!(put.json().unwrap()["fields"]["description"], "Two disks");
    let get = flow.next(&c, &g, &ctx, &mut ex, Some(b"")).unwrap().unwrap();
    assert_eq!(
        (get.method, get.url.as_str()),
        (Method::Get, "https://acme.atlassian.net/rest/api/2/issue/OPS-7/transitions")
    );
    assert_eq!(get.body, crate::notify::Body::Empty);
    let transitions = br#"{"transitions":[{"id":"11","name":"Close"},{"id":"31","name":"Reopen"}]}"#;
    let post = flow.next(&c, &g, &ctx, &mut ex, Some(transitions)).unwrap().unwrap();
    assert_eq!(
        (post.method, post.url.as_str()),
        (Method::Post, "https://acme.atlassian.net/rest/api/2/issue/OPS-7/transitions")
    );
    assert_eq!(post.json().unwrap(), &json!({"transition": {"id": "31"}}));
    assert_eq!(flow.next(&c, &g, &ctx, &mut ex, Some(b"")).unwrap(), None);
}

fn default_summary_with(enable_update: Option<bool>) -> JiraField {
    JiraField { enable_update, ..default_summary() }
}

#[test]
fn resolve_missing_transition_and_nothing_to_do() {
    let c = config(&format!("{BASE}resolve_transition: Close\n"));
    let key = group_key("j");
    let resolved = alerts("j", true);
    let ctx = context("j", &key, &resolved);
    let g = GlobalConfig::default();
    // Resolved with no issue: only the search.
    let mut flow = JiraFlow::new();
    flow.next(&c, &g, &ctx, &mut expander(), None).unwrap();
    assert_eq!(flow.next(&c, &g, &ctx, &mut expander(), Some(br#"{"issues":[]}"#)).unwrap(), None);
    // Resolved with an open issue: update, then the Close transition, which is missing.
    let mut flow = JiraFlow::new();
    flow.next(&c, &g, &ctx, &mut expander(), None).unwrap();
    let open = br#"{"issues":[{"key":"OPS-9","fields":{"status":{"statusCategory":{"key":"indeterminate"}}}}]}"#;
    flow.next(&c, &g, &ctx, &mut expander(), Some(open)).unwrap().unwrap();
    flow.next(&c, &g, &ctx, &mut expander(), Some(b"")).unwrap().unwrap();
    let err = flow.next(&c, &g, &ctx, &mut expander(), Some(br#"{"transitions":[]}"#)).unwrap_err();
    assert_eq!(err.to_string(), "can't find transition Close for issue OPS-9");
    assert!(matches!(JiraFlow::Searched.next(&c, &g, &ctx, &mut expander(), None), Err(JiraError::NoAnswer)));
    assert!(c.retryable(429) && c.retryable(500) && !c.retryable(404));
}

#[test]
fn api_v3_descriptions_are_json() {
    let c = config("api_url: https://jira.example.org/rest/api/3\nproject: P\nissue_type: Task\ndescription: d\n");
    let key = group_key("j");
    let alerts = alerts("j", false);
    let ctx = context("j", &key, &alerts);
    let g = GlobalConfig::default();
    let adf = r#" {"type":"doc","version":1,"content":[]} "#;
    let r = c.issue_request(&g, &ctx, &mut FakeExpand::new().with("d", adf), None).unwrap();
    assert_eq!(r.json().unwrap()["fields"]["description"], json!({"type": "doc", "version": 1, "content": []}));
    let e = c.issue_request(&g, &ctx, &mut FakeExpand::new().with("d", "not json"), None).unwrap_err();
    assert!(matches!(e, BuildError::Invalid { field: "description", .. }));
    let search = c.search_request(&g, &ctx, &mut FakeExpand::new()).unwrap();
    assert_eq!(search.url, "https://jira.example.org/rest/api/3/search");
    let long = c
        .issue_request(
            &g,
            &ctx,
            &mut FakeExpand::new().with(&default_summary().template, &"s".repeat(300)).with("d", ""),
            None,
        )
        .unwrap();
    assert_eq!(long.json().unwrap()["fields"]["summary"].as_str().unwrap().chars().count(), MAX_SUMMARY_RUNES);
    assert!(long.json().unwrap()["fields"].get("description").is_none());
}

#[test]
fn validation_and_yaml() {
    let mut out = Vec::new();
    config("api_type: server").validate(&GlobalConfig::default(), "p", &mut out);
    let got: Vec<String> = out.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "p: missing project in jira_config",
            "p: missing issue_type in jira_config",
            "p.api_type: unknown api_type on jira_config, must be auto, cloud or datacenter",
            "p: no global Jira Cloud URL set",
        ]
    );
    let g: GlobalConfig = yaml_serde::from_str("jira_api_url: https://j.example.org/rest/api/2/").unwrap();
    let mut out = Vec::new();
    config("project: P\nissue_type: T").validate(&g, "p", &mut out);
    assert!(out.is_empty(), "{out:?}");
    for (yaml, key) in [
        ("summary: {templat: x}", "expected a template, or a mapping of template and enable_update"),
        ("reopen_duration: 1 hour", "reopen_duration"),
        ("labels: x", "labels"),
        ("custom_fields: {}", "unknown field `custom_fields`"),
    ] {
        let e = yaml_serde::from_str::<JiraConfig>(yaml).unwrap_err().to_string();
        assert!(e.contains(key), "{yaml}: {e}");
    }
    assert_eq!(config("summary: s").summary, JiraField { template: "s".into(), enable_update: None });
}
