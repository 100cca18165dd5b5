//! Tests of the renderer: the minijinja engine runbook texts run in, its defaults, runbooks.

use super::*;
use crate::labels::LabelSet;

fn alert(labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Alert {
    let t: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
    Alert {
        labels: LabelSet::from_pairs(labels.iter().copied()),
        annotations: LabelSet::from_pairs(annotations.iter().copied()),
        starts_at: t,
        ends_at: None,
        updated_at: t,
        generator_url: "http://prom:9090/graph?g0.expr=up".into(),
        timeout: false,
    }
}

fn now() -> Timestamp {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

const CONFIG: &str = r#"
route: {receiver: ops}
receivers:
- name: ops
  email_configs:
  - to: ops@example.org
    from: triage@example.org
    smarthost: mail:25
    headers: {Subject: '{{ .CommonLabels.alertname }} fired'}
    html: '<b>{{ title }}</b> {{ alerts[0].labels.note }}'
  slack_configs:
  - api_url: https://hooks.slack.com/services/X
    title: '{{ template "slack.default.title" . }}'
    text: '{{ alerts|length }} alerts {% if'
runbooks:
- name: Full disk
  matchers: ['alertname="DiskFull"']
  instructions: 'Clean /data on {{ labels.instance }}; then check {{ annotations.summary }}.'
  links:
  - {title: Dashboard, url: 'https://grafana/d/disk?var-host={{ labels.instance }}'}
- name: Site problems
  matchers: ['site=~"T2_.*"']
  instructions: Open a GGUS ticket for the site.
"#;

fn renderer() -> (Renderer, ()) {
    let config = Config::from_yaml(CONFIG).unwrap();
    (Renderer::from_config(&config), ())
}

fn view_of(r: &Renderer, alerts: &[Alert]) -> View {
    let group = LabelSet::from_pairs([("alertname", "DiskFull")]);
    r.view(&ViewInput {
        receiver: "ops",
        group_key: "{}:{}",
        group_labels: &group,
        alerts,
        suppressed: &[],
        external_url: "http://triage:9193",
        now: now(),
    })
}

#[test]
fn receiver_fields_are_not_minijinja_any_more() {
    // Receiver fields are Go templates (crate::go_template): the renderer compiles runbooks
    // only, so a configured field renders the minijinja default, never the field.
    let (r, ()) = renderer();
    let v = view_of(&r, &[alert(&[("alertname", "DiskFull")], &[])]);
    let subject = r.render_field(&field_path("ops", "email_configs", 0, "subject"), &v);
    assert_eq!(subject, Rendered { text: "[FIRING:1] DiskFull".into(), error: None });
}

#[test]
fn a_template_failing_at_render_time_falls_back_with_the_error() {
    let mut r = Renderer::new();
    r.add_field("ops/slack_configs[0].text", "{{ alerts|nosuchfilter }}").unwrap();
    let alerts = vec![alert(&[("alertname", "DiskFull")], &[])];
    let v = view_of(&r, &alerts);
    let out = r.render_field("ops/slack_configs[0].text", &v);
    assert!(out.text.contains("*DiskFull*"), "{}", out.text);
    let err = out.error.unwrap();
    assert!(err.contains("nosuchfilter") && err.contains("sent the default"), "{err}");
}

#[test]
fn hostile_templates_run_out_of_fuel() {
    let mut r = Renderer::new();
    r.add_field(
        "ops/mattermost_configs[0].text",
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    )
    .unwrap();
    let v = view_of(&r, &[alert(&[("alertname", "A")], &[])]);
    let out = r.render_field("ops/mattermost_configs[0].text", &v);
    assert!(out.error.is_some(), "rendering must stop");
}

#[test]
fn runbooks_and_action_labels_give_instructions_with_links() {
    let (r, _) = renderer();
    let alerts = vec![
        alert(&[("alertname", "DiskFull"), ("instance", "db-1"), ("site", "T2_CH_CERN")], &[("summary", "95%")]),
        alert(&[("alertname", "DiskFull"), ("instance", "db-2"), ("site", "T2_CH_CERN")], &[("summary", "97%")]),
        alert(&[("alertname", "Other"), ("action", "restart the squid")], &[]),
        alert(&[("alertname", "Other2")], &[("action", "restart the squid")]),
    ];
    let v = view_of(&r, &alerts);
    let names: Vec<(&str, usize)> = v.instructions.iter().map(|i| (i.name.as_str(), i.alerts)).collect();
    assert_eq!(names, vec![("Full disk", 1), ("Site problems", 2), ("Full disk", 1), ("action", 2)]);
    assert_eq!(v.instructions[0].text, "Clean /data on db-1; then check 95%.");
    assert_eq!(v.instructions[0].links[0].url, "https://grafana/d/disk?var-host=db-1");
    assert_eq!(v.instructions[3].text, "restart the squid");
    assert!(v.links.iter().any(|l| l.url == "https://grafana/d/disk?var-host=db-2"));
}

#[test]
fn every_default_renders_and_shows_the_essentials() {
    let r = Renderer::new();
    let mut alerts = vec![alert(
        &[("alertname", "DiskFull"), ("site", "T2_CH_CERN"), ("instance", "db-1"), ("severity", "critical")],
        &[("summary", "disk <95%> full & more"), ("runbook_url", "https://wiki/disk")],
    )];
    alerts.push(alert(
        &[("alertname", "DiskFull"), ("site", "T2_CH_CERN"), ("instance", "db-2"), ("action", "clean it")],
        &[],
    ));
    alerts[1].ends_at = Some("2026-11-22T11:00:00Z".parse().unwrap());
    let group = LabelSet::from_pairs([("alertname", "DiskFull")]);
    let suppressed = vec![Suppressed {
        labels: LabelSet::from_pairs([("alertname", "DiskSlow"), ("instance", "db-1")]),
        reason: "inhibited by DiskFull".into(),
    }];
    let v = r.view(&ViewInput {
        receiver: "ops",
        group_key: "k",
        group_labels: &group,
        alerts: &alerts,
        suppressed: &suppressed,
        external_url: "http://triage:9193",
        now: now(),
    });
    for (path, must) in [
        ("ops/email_configs[0].subject", vec!["[FIRING:1] DiskFull"]),
        (
            "ops/email_configs[0].text",
            vec![
                "T2_CH_CERN",
                "db-1",
                "2h",
                "critical",
                "clean it",
                "https://wiki/disk",
                "inhibited by DiskFull",
                "Resolved (1)",
            ],
        ),
        (
            "ops/email_configs[0].html",
            vec!["disk &lt;95%&gt; full &amp; more", "clean it", "href=\"https://wiki/disk\"", "inhibited by DiskFull"],
        ),
        (
            "ops/slack_configs[0].text",
            vec![
                "*DiskFull* at T2_CH_CERN / db-1: disk &lt;95%&gt; full &amp; more",
                "<https://wiki/disk|Runbook>",
                "clean it",
                "inhibited by DiskFull",
            ],
        ),
        ("ops/slack_configs[0].color", vec!["danger"]),
        (
            "ops/mattermost_configs[0].text",
            vec![
                "| [DiskFull](http://prom:9090/graph?g0.expr=up) | T2_CH_CERN / db-1 |",
                "**What to do**",
                "inhibited by DiskFull",
            ],
        ),
    ] {
        let out = r.render_field(path, &v);
        assert_eq!(out.error, None, "{path}");
        for m in must {
            assert!(out.text.contains(m), "{path} lacks {m:?}:\n{}", out.text);
        }
    }
}
