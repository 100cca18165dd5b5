//! alertmanager.yml samples under `testdata/config`: the realistic one loads and routes as
//! expected, each invalid one fails with its expected messages, and no input makes the
//! loader panic.

use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};
use triage_core::LabelSet;
use triage_core::config::{Config, DEFAULT_CONFIG};
use triage_core::route::GroupBy;

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/config").join(rel)
}

fn load(rel: &str) -> Config {
    let text = std::fs::read_to_string(testdata(rel)).unwrap();
    Config::from_yaml(&text).unwrap_or_else(|e| panic!("{rel}:\n{e}"))
}

fn ls(pairs: &[(&str, &str)]) -> LabelSet {
    LabelSet::from_pairs(pairs.iter().copied())
}

fn receivers(c: &Config, labels: &LabelSet) -> Vec<String> {
    c.route().match_labels(labels).iter().map(|r| r.opts.receiver.clone()).collect()
}

#[test]
fn cms_like_loads_with_defaults_and_inheritance() {
    let c = load("cms-like.yml");
    assert_eq!(c.resolve_timeout(), SignedDuration::from_mins(10));
    assert_eq!(c.receivers().len(), 8);
    assert_eq!(c.templates(), ["templates/*.tmpl"]);
    let root = c.route();
    assert_eq!(root.key(), "{}");
    assert_eq!(root.routes.len(), 6);
    let ssb = &root.routes[0];
    assert_eq!(ssb.key(), r#"{}/{service="SSB"}"#);
    assert!(ssb.continue_matching);
    let pager = &ssb.routes[0];
    assert_eq!(pager.opts.receiver, "cms-ops-pager");
    assert_eq!(pager.opts.group_by, GroupBy::Labels(vec!["type".into()]));
    assert_eq!(pager.opts.group_wait, SignedDuration::from_mins(1));
    assert_eq!(pager.opts.repeat_interval, SignedDuration::from_hours(12));
    assert_eq!(pager.id(), r#"{}/{service="SSB"}/0/{severity=~"critical|urgent"}/0"#);
    let sites = &root.routes[2];
    assert_eq!(sites.key(), r#"{}/{severity!="critical",tag="site"}"#);
    assert_eq!(sites.opts.mute_time_intervals, ["tuesday-maintenance"]);
    let tier1 = &sites.routes[0];
    assert_eq!(tier1.key(), r#"{}/{severity!="critical",tag="site"}/{site=~"^(?:T1_.*)$"}"#);
    assert_eq!(tier1.opts.group_by, GroupBy::All);
    assert!(tier1.opts.mute_time_intervals.is_empty(), "time intervals are not inherited");

    let hook = &c.receiver("cms-ops-pager").unwrap().webhook_configs[0];
    assert_eq!(hook.max_alerts, 20);
    assert!(hook.send_resolved);
    assert!(!c.receiver("ssb-webhook").unwrap().webhook_configs[0].send_resolved);
    assert_eq!(c.receiver("cms-ops-email").unwrap().email_configs.len(), 1);
    assert!(c.receiver("nobody").is_none());

    let rules = c.inhibit_rules();
    assert_eq!(rules.len(), 2);
    let printed: Vec<String> = rules[1].target.iter().map(|m| m.to_string()).collect();
    assert_eq!(printed, [r#"severity=~"^(?:warning|info)$""#]);
    assert_eq!(rules[1].equal, ["alertname", "instance"]);
    let printed: Vec<String> = rules[0].target.iter().map(|m| m.to_string()).collect();
    assert_eq!(printed, [r#"alertname!="SiteDown""#, r#"tag="site""#]);
}

#[test]
fn cms_like_routing_table() {
    let c = load("cms-like.yml");
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case] = &[
        (&[("alertname", "X")], &["cms-ops-email"]),
        (&[("service", "SSB"), ("severity", "notification")], &["ssb-webhook"]),
        // continue on the SSB route lets the critical route match too.
        (&[("service", "SSB"), ("severity", "critical")], &["cms-ops-pager", "cms-ops-pager"]),
        (&[("service", "GGUS"), ("severity", "critical")], &["ggus-webhook"]),
        (&[("tag", "site"), ("site", "T2_CH_CERN")], &["sites-email"]),
        (&[("tag", "site"), ("site", "T1_DE_KIT")], &["tier1-webhook"]),
        (&[("tag", "site"), ("site", "T1_DE_KIT"), ("severity", "critical")], &["cms-ops-pager"]),
        (&[("tag", "rucio")], &["dm-webhook", "dm-email"]),
        (&[("tag", "rucio"), ("env", "test")], &["dm-email"]),
        (&[("tag", "transfer"), ("severity", "critical")], &["dm-webhook", "dm-email"]),
    ];
    for (labels, want) in cases {
        assert_eq!(receivers(&c, &ls(labels)), *want, "{labels:?}");
    }
    let dm = c.route().match_labels(&ls(&[("tag", "rucio")]));
    assert_eq!(dm[1].opts.group_interval, SignedDuration::from_mins(10));
    assert_eq!(dm[0].opts.group_interval, SignedDuration::from_mins(5));
    let key = dm[1].group_key(&dm[1].opts.group_by.group_labels(&ls(&[("tag", "rucio"), ("alertname", "A")])));
    assert_eq!(key, r#"{}/{tag=~"transfer|rucio"}:{alertname="A"}"#);
}

#[test]
fn cms_like_time_intervals() {
    let c = load("cms-like.yml");
    let t = |s: &str| s.parse::<Timestamp>().unwrap();
    assert_eq!(c.time_intervals().len(), 3);
    assert_eq!(c.time_intervals()[0].name, "christmas", "deprecated mute_time_intervals come first");
    // Tuesday 2024-05-07 08:30 in Zurich (CEST) is 06:30 UTC.
    assert!(c.time_interval_contains("tuesday-maintenance", t("2024-05-07T06:30:00Z")));
    assert!(!c.time_interval_contains("tuesday-maintenance", t("2024-05-07T08:30:00Z")));
    assert!(c.time_interval_contains("christmas", t("2024-12-25T12:00:00Z")));
    assert!(c.time_interval_contains("christmas", t("2025-01-01T12:00:00Z")));
    assert!(!c.time_interval_contains("christmas", t("2025-01-02T12:00:00Z")));
    let names = vec!["office-hours".to_string(), "christmas".to_string()];
    assert!(c.in_time_intervals(&names, t("2024-05-07T12:00:00Z")));
    assert!(!c.in_time_intervals(&names, t("2024-05-11T12:00:00Z")));
    assert!(!c.time_interval_contains("nope", t("2024-05-07T12:00:00Z")));
}

#[test]
fn secrets_never_show_in_debug() {
    let c = load("cms-like.yml");
    let dbg = format!("{c:?}");
    for secret in ["s3cr3t", "not-a-real-password"] {
        assert!(!dbg.contains(secret), "{secret} leaked");
    }
    assert!(dbg.contains("<secret>"));
    let yaml = yaml_serde::to_string(c.file()).unwrap();
    assert!(!yaml.contains("s3cr3t") && !yaml.contains("not-a-real-password"), "{yaml}");
    // Serialized secrets are redacted, so the output is for display, but it is still a
    // configuration of the same shape.
    assert!(Config::from_yaml(&yaml).is_ok(), "{yaml}");
}

#[test]
fn default_config_loads() {
    let c = Config::from_yaml(DEFAULT_CONFIG).unwrap();
    assert_eq!(receivers(&c, &ls(&[("alertname", "A")])), ["default"]);
    assert_eq!(c.route().opts.group_by, GroupBy::Labels(vec!["alertname".into()]));
}

/// Every sample in `invalid/` and the messages it must produce.
const INVALID: &[(&str, &[&str])] = &[
    ("no-route.yml", &["route: no route provided in config"]),
    ("root-no-receiver.yml", &["route.receiver: root route must specify a default receiver"]),
    ("root-matchers.yml", &["route: root route must not have any matchers"]),
    ("root-match-deprecated.yml", &["route: root route must not have any matchers"]),
    ("root-mute-time-intervals.yml", &["root route must not have any mute time intervals"]),
    ("root-active-time-intervals.yml", &["root route must not have any active time intervals"]),
    ("root-continue.yml", &["route.continue: cannot have continue in root route"]),
    ("undefined-receiver.yml", &[r#"route.routes[0].receiver: undefined receiver "storage-team" used in route"#]),
    ("duplicate-receiver.yml", &[r#"receivers[1].name: notification config name "team" is not unique"#]),
    ("missing-receiver-name.yml", &["receivers[1].name: missing name in receiver"]),
    (
        "undefined-time-interval.yml",
        &[r#"route.routes[0].mute_time_intervals[0]: undefined time interval "weekends" used in route"#],
    ),
    (
        "group-by-wildcard-mixed.yml",
        &["route.group_by: cannot have wildcard group_by (`...`) and other labels at the same time"],
    ),
    ("group-by-duplicate.yml", &[r#"route.group_by[2]: duplicated label "job" in group_by"#]),
    (
        "group-by-invalid-label.yml",
        &[r#"route.routes[0].group_by[0]: invalid label name "team-name" in group_by list"#],
    ),
    ("zero-group-interval.yml", &["route.group_interval: group_interval cannot be zero"]),
    ("zero-repeat-interval.yml", &["route.routes[0].repeat_interval: repeat_interval cannot be zero"]),
    ("bad-matcher.yml", &["route.routes[0].matchers[0]: bad matcher format: severity critical"]),
    ("bad-match-re.yml", &[r#"route.routes[0].match_re.job: invalid regular expression "(api|db""#]),
    ("webhook-without-url.yml", &["receivers[0].webhook_configs[0]: one of url or url_file must be configured"]),
    (
        "webhook-url-and-url-file.yml",
        &["receivers[0].webhook_configs[0]: at most one of url & url_file must be configured"],
    ),
    ("webhook-bad-scheme.yml", &[r#"receivers[0].webhook_configs[0].url: unsupported scheme "ftp" for URL"#]),
    ("unknown-key.yml", &["route.reciever: unknown field `reciever`"]),
    ("unknown-section.yml", &["silences: unknown field `silences`"]),
    ("bad-duration.yml", &[r#"route.group_wait: not a valid duration string: "30""#]),
    (
        "bad-time-interval.yml",
        &[
            "time_intervals[0].time_intervals[0].times: start time cannot be equal or greater than end time",
            "time_intervals[0].time_intervals[1].weekdays[0]: funday is not a valid weekday",
        ],
    ),
    ("unknown-time-zone.yml", &["time_intervals[0].time_intervals[0].location: unknown time zone Europe/Atlantis"]),
    ("duplicate-time-interval.yml", &[r#"time_intervals[0].name: time interval "weekends" is not unique"#]),
    (
        "bad-inhibit-rule.yml",
        &[
            r#"inhibit_rules[0].target_match_re.site: invalid regular expression "T1_(.*""#,
            r#"inhibit_rules[0].equal[0]: invalid label name "site-name" in equal list"#,
        ],
    ),
    (
        "email-without-smarthost.yml",
        &["receivers[0].email_configs[0]: no global SMTP smarthost set", "no global SMTP from set"],
    ),
    ("not-yaml.yml", &["line"]),
    (
        "channels.yml",
        &[
            "receivers[0].email_configs[0]: missing to address in email config",
            "receivers[0].email_configs[0]: at most one of auth_password & auth_password_file must be configured",
            "receivers[0].email_configs[0].smarthost: address mail.example.org: missing port in address",
            r#"receivers[0].email_configs[0].headers: duplicate header "Subject" in email config"#,
            "receivers[0].slack_configs[0]: no global Slack API URL set either inline or in a file",
            "receivers[0].slack_configs[1]: at most one of api_url & api_url_file must be configured",
            r#"receivers[0].slack_configs[1].api_url: unsupported scheme "ftp" for URL"#,
            "receivers[0].mattermost_configs[0]: one of webhook_url or webhook_url_file must be configured",
            r#"receivers[0].mattermost_configs[0].priority: priority must be important or urgent, not "high""#,
            "receivers[0].alertmanager_configs[0]: at most one of url & url_file must be configured",
            "receivers[0].alertmanager_configs[1].silences: invalid type",
        ],
    ),
    (
        "bad-runbooks.yml",
        &[
            "runbooks[0].matchers: a runbook needs at least one matcher",
            "runbooks[1].matchers[0]: bad matcher format: severity critical",
            "runbooks[1].instructions: syntax error",
            "runbooks[1].links[0].url: syntax error",
            "runbooks[2]: a runbook needs instructions or links",
            "runbooks[3].matcher: unknown field `matcher`",
        ],
    ),
    (
        "bad-outages.yml",
        &[
            "outages.sources[0].url: \"ftp://ggus.example.org/export\" is not an http(s) URL",
            "outages.sources[0].auth: cert_file and key_file go together",
            "outages.sources[0].format: only for type ggus: xml, csv or json",
            r#"outages.sources[1].name: source name "ggus" is used twice"#,
            "outages.sources[1].interval: must be longer than zero",
            "outages.sources[1].vo: only for type ggus",
            "outages.sources[2].auth: either bearer_token_file or username/password_file, not both",
            "outages.sources: ticket_alerts may be on for one GGUS source only",
            r#"outages.mapping.site_labels: "bad label" is not a valid label name"#,
            "outages.sources[4].type: unknown variant `nagios`",
        ],
    ),
    (
        "many-errors.yml",
        &[
            "route.group_by: cannot have wildcard group_by",
            "route.receiver: root route must specify a default receiver",
            r#"route.routes[0].group_wait: not a valid duration string: "soon""#,
            "route.routes[1].matchers[0]: invalid regular expression",
            r#"route.routes[1].mute_time_intervals[0]: undefined time interval "nope" used in route"#,
            "route.routes[2].reciever: unknown field `reciever`",
            r#"receivers[1].name: notification config name "dup" is not unique"#,
            "receivers[1].webhook_configs[0]: one of url or url_file must be configured",
            r#"receivers[1].webhook_configs[1].url: unsupported scheme "" for URL"#,
            r#"inhibit_rules[0].equal[0]: invalid label name "bad label" in equal list"#,
        ],
    ),
];

#[test]
fn invalid_samples_fail_with_expected_messages() {
    let mut files: Vec<String> = std::fs::read_dir(testdata("invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    files.sort();
    let mut listed: Vec<String> = INVALID.iter().map(|(f, _)| f.to_string()).collect();
    listed.sort();
    assert_eq!(files, listed, "every invalid sample needs expectations, and every expectation a file");
    for (file, wants) in INVALID {
        let text = std::fs::read_to_string(testdata(&format!("invalid/{file}"))).unwrap();
        let errs = match Config::from_yaml(&text) {
            Ok(_) => panic!("{file} loaded"),
            Err(e) => e,
        };
        let printed = errs.to_string();
        for want in *wants {
            assert!(printed.contains(want), "{file}: missing {want:?} in\n{printed}");
        }
        assert_eq!(printed.lines().count(), errs.len(), "{file}: one error per line\n{printed}");
        let several = ["many-errors.yml", "email-without-smarthost.yml", "bad-time-interval.yml", "channels.yml"];
        if !several.contains(file) {
            assert!(errs.len() <= wants.len(), "{file}: unexpected extra errors\n{printed}");
        }
    }
    let many = std::fs::read_to_string(testdata("invalid/many-errors.yml")).unwrap();
    assert_eq!(Config::from_yaml(&many).unwrap_err().len(), 10);
}

const FRAGMENTS: &[&str] = &[
    "route:\n  receiver: r\n",
    "route:\n  receiver: r\n  routes:\n  - matchers: ['a=\"b\"']\n    continue: true\n",
    "route: {receiver: r, group_by: ['...'], routes: [{match_re: {a: '(x'}}]}\n",
    "receivers:\n- name: r\n  webhook_configs: [{url: 'http://x'}]\n",
    "receivers: [{name: r, email_configs: [{to: a}]}, {name: r}]\n",
    "inhibit_rules: [{source_matchers: ['a=b'], equal: [x]}]\n",
    "time_intervals: [{name: t, time_intervals: [{weekdays: ['monday:friday'], location: Europe/Zurich}]}]\n",
    "mute_time_intervals: [{name: t, time_intervals: [{days_of_month: ['-3:-1']}]}]\n",
    "global: {resolve_timeout: 1m, smtp_smarthost: 'a:25', slack_api_url: 'http://s'}\n",
    "templates: [a, b]\n",
    "route: 5\n",
    "receivers: {}\n",
    "global: [1]\n",
    "x: &a [1, *a]\n",
];

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in "(?s).{0,300}") {
        let _ = Config::from_yaml(&s);
    }

    #[test]
    fn yamlish_text_never_panics(s in "[a-z_:\\[\\]{}, '\"\\-.*=~!\n ]{0,200}") {
        let _ = Config::from_yaml(&s);
    }

    #[test]
    fn combined_fragments_never_panic(picks in proptest::collection::vec(0..FRAGMENTS.len(), 0..6), cut in 0usize..400) {
        let text: String = picks.iter().map(|&i| FRAGMENTS[i]).collect();
        let _ = Config::from_yaml(&text);
        let cut = text.char_indices().map(|(i, _)| i).take_while(|&i| i <= cut).last().unwrap_or(0);
        let _ = Config::from_yaml(&text[..cut]);
    }
}

#[test]
fn channels_and_runbooks_load_with_global_defaults() {
    let c = load("channels.yml");
    let ops = c.receiver("ops").unwrap();
    let kinds: Vec<(&str, usize)> = ops.integrations().iter().map(|(k, i, _)| (*k, *i)).collect();
    assert_eq!(
        kinds,
        vec![
            ("webhook_configs", 0),
            ("email_configs", 0),
            ("slack_configs", 0),
            ("slack_configs", 1),
            ("mattermost_configs", 0)
        ]
    );
    let email = &ops.email_configs[0];
    assert!(email.send_resolved);
    assert_eq!(email.plot.as_ref().unwrap().datasource_url.as_deref(), Some("http://127.0.0.1:8428"));
    assert!(!ops.slack_configs[0].send_resolved, "Slack does not send resolved alerts unless asked");
    assert!(ops.mattermost_configs[0].send_resolved);
    let up = &c.receiver("upstream").unwrap().alertmanager_configs[0];
    assert!(up.silences && up.send_resolved);
    assert_eq!(c.file().runbooks.len(), 1);
    let debug = format!("{:?}", ops.mattermost_configs[0]);
    assert!(!debug.contains("hooks/abc"), "webhook URLs are secrets: {debug}");
}
