//! The receiver kinds inside a whole alertmanager.yml: typed lists read entry by entry with
//! their errors' paths, checks run with the global settings, Alertmanager's order.

use crate::config::Config;

const ALL_KINDS: &str = r#"
route: {receiver: all}
global:
  opsgenie_api_key: og
  victorops_api_key: vo
  wechat_api_secret: ws
  wechat_api_corp_id: wc
  telegram_bot_token: tg
receivers:
- name: all
  discord_configs: [{webhook_url: 'http://d/x'}]
  webex_configs: [{room_id: r, http_config: {authorization: {credentials: c}}}]
  telegram_configs: [{chat_id: 1}, {chat_id: 2, send_resolved: false}]
  sns_configs: [{topic_arn: t, sigv4: {region: eu-west-1}}]
  pushover_configs: [{user_key: u, token: t}]
  victorops_configs: [{routing_key: r}]
  wechat_configs: [{}]
  opsgenie_configs: [{}]
  pagerduty_configs: [{routing_key: k}]
  webhook_configs: [{url: 'http://w'}]
  incidentio_configs: [{url: 'http://io', alert_source_token: t}]
  jira_configs: [{api_url: 'https://j/rest/api/2', project: P, issue_type: Bug}]
  rocketchat_configs: [{token: t, token_id: i}]
  msteamsv2_configs: [{webhook_url: 'http://t2'}]
  msteams_configs: [{webhook_url_file: /t1, send_resolved: false}]
"#;

#[test]
fn every_kind_loads_and_is_listed_in_alertmanager_order() {
    let c = Config::from_yaml(ALL_KINDS).unwrap_or_else(|e| panic!("{e}"));
    let r = c.receiver("all").unwrap();
    assert_eq!(r.integration_count(), 16);
    let order: Vec<(&str, usize, bool)> = r.all_integrations();
    assert_eq!(
        order,
        [
            ("webhook_configs", 0, true),
            ("pagerduty_configs", 0, true),
            ("opsgenie_configs", 0, true),
            ("wechat_configs", 0, false),
            ("victorops_configs", 0, true),
            ("pushover_configs", 0, true),
            ("sns_configs", 0, true),
            ("telegram_configs", 0, true),
            ("telegram_configs", 1, false),
            ("discord_configs", 0, true),
            ("webex_configs", 0, true),
            ("msteams_configs", 0, false),
            ("msteamsv2_configs", 0, true),
            ("jira_configs", 0, true),
            ("incidentio_configs", 0, true),
            ("rocketchat_configs", 0, false),
        ]
    );
    let undelivered: Vec<(&str, usize)> =
        r.raw_integrations().into_iter().filter(|(_, n)| !n.is_empty()).map(|(k, n)| (k, n.len())).collect();
    assert_eq!(undelivered, vec![]);
    let delivered: Vec<&str> = r.integrations().iter().map(|(k, _, _)| *k).collect();
    assert!(
        ["telegram_configs", "wechat_configs", "sns_configs", "jira_configs"].iter().all(|k| delivered.contains(k))
    );
}

#[test]
fn entries_are_read_one_by_one_and_errors_name_their_key() {
    let yaml = "route: {receiver: r}\nreceivers:\n- name: r\n  telegram_configs:\n  - {chat_id: abc, bot_token: t}\n  - {chat_id: 5, bot_tokn: t}\n  - {chat_id: 6}\n  pagerduty_configs: [{routing_key: k, images: [{src: a, width: 3}]}]\n  opsgenie_configs: 3\n";
    let e = Config::from_yaml(yaml).unwrap_err().to_string();
    let lines: Vec<&str> = e.lines().collect();
    assert!(lines.iter().any(|l| l.starts_with("receivers[0].telegram_configs[0].chat_id: invalid")), "{e}");
    assert!(
        lines.iter().any(|l| l.starts_with("receivers[0].telegram_configs[1].bot_tokn: unknown field `bot_tokn`")),
        "{e}"
    );
    assert!(
        lines.contains(&"receivers[0].telegram_configs[2]: missing bot_token or bot_token_file on telegram_config"),
        "{e}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("receivers[0].pagerduty_configs[0].images[0].width: unknown field `width`")),
        "{e}"
    );
    assert!(lines.iter().any(|l| l.starts_with("receivers[0].opsgenie_configs: invalid type")), "{e}");
    assert_eq!(lines.len(), 5, "{e}");
}

#[test]
fn hostile_receivers_do_not_panic() {
    let huge = "x".repeat(1 << 20);
    for yaml in [
        format!("route: {{receiver: r}}\nreceivers: [{{name: r, telegram_configs: [{{chat_id: 1, bot_token: '{huge}'}}]}}]\n"),
        "route: {receiver: r}\nreceivers: [{name: r, sns_configs: [{sigv4: [1, 2]}]}]\n".to_string(),
        "route: {receiver: r}\nreceivers: [{name: r, pushover_configs: [{user_key: u, token: t, retry: 99999999999999h}]}]\n".to_string(),
        "route: {receiver: r}\nreceivers: [{name: r, pagerduty_configs: [{routing_key: k, details: {a: {b: [1, {c: null}]}}}]}]\n".to_string(),
        "route: {receiver: r}\nreceivers: [{name: r, wechat_configs: [~, {}], victorops_configs: [[]]}]\n".to_string(),
    ] {
        let _ = Config::from_yaml(&yaml);
    }
    let secrets = "route: {receiver: r}\nreceivers: [{name: r, opsgenie_configs: [{api_key: hunter2}], telegram_configs: [{bot_token: hunter3, chat_id: 1}]}]\n";
    let c = Config::from_yaml(secrets).unwrap();
    let shown = format!("{:?}", c.file()) + &yaml_serde::to_string(c.file()).unwrap();
    assert!(!shown.contains("hunter2") && !shown.contains("hunter3"), "{shown}");
}

#[test]
fn the_tracing_section_of_current_alertmanager_is_accepted() {
    let yaml = "route: {receiver: r}\nreceivers: [{name: r}]\ntracing: {endpoint: 'otel:4317', client_type: grpc, sampling_fraction: 0.1, insecure: true}\n";
    let c = Config::from_yaml(yaml).unwrap();
    assert!(c.file().tracing.is_some());
}
