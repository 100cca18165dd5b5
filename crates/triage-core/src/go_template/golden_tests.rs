//! The default texts against what the real Alertmanager 0.25 sent with its defaults
//! (`testdata/go_template/defaults/`, recorded by `scripts/go_template/record_goldens.py`):
//! each receiver kind's fields, rendered from triage's `defaults.tmpl` with the same data.

use serde_json::Value as Json;

use super::conformance_tests::recorded_group;
use super::functions::query_unescape;
use super::{Data, Templates};
use crate::alert::Alert;
use crate::labels::LabelSet;

macro_rules! golden {
    ($name:literal) => {
        ($name, include_str!(concat!("../../../../testdata/go_template/defaults/", $name)))
    };
}

const JSON: [(&str, &str); 24] = [
    golden!("slack.1.json"),
    golden!("slack.2.json"),
    golden!("slack.3.json"),
    golden!("pagerduty-v2.1.json"),
    golden!("pagerduty-v2.2.json"),
    golden!("pagerduty-v2.3.json"),
    golden!("opsgenie.1.json"),
    golden!("opsgenie.2.json"),
    golden!("opsgenie.3.json"),
    golden!("victorops.1.json"),
    golden!("victorops.2.json"),
    golden!("victorops.3.json"),
    golden!("wechat.1.json"),
    golden!("wechat.2.json"),
    golden!("wechat.3.json"),
    golden!("telegram.1.json"),
    golden!("telegram.2.json"),
    golden!("telegram.3.json"),
    golden!("discord.1.json"),
    golden!("discord.2.json"),
    golden!("discord.3.json"),
    golden!("webex.1.json"),
    golden!("webex.2.json"),
    golden!("webex.3.json"),
];

/// Which field of which kind's message holds which default (as Alertmanager's config
/// defaults reference them); `html` fields are rendered as `html/template`.
const FIELDS: [(&str, &str, &str, bool); 24] = [
    ("slack", "/attachments/0/title", r#"{{ template "slack.default.title" . }}"#, false),
    ("slack", "/attachments/0/title_link", r#"{{ template "slack.default.titlelink" . }}"#, false),
    ("slack", "/attachments/0/fallback", r#"{{ template "slack.default.fallback" . }}"#, false),
    ("slack", "/attachments/0/color", r#"{{ template "slack.default.color" . }}"#, false),
    ("slack", "/username", r#"{{ template "slack.default.username" . }}"#, false),
    ("pagerduty-v2", "/payload/summary", r#"{{ template "pagerduty.default.description" . }}"#, false),
    ("pagerduty-v2", "/client", r#"{{ template "pagerduty.default.client" . }}"#, false),
    ("pagerduty-v2", "/client_url", r#"{{ template "pagerduty.default.clientURL" . }}"#, false),
    (
        "pagerduty-v2",
        "/payload/custom_details/firing",
        r#"{{ template "pagerduty.default.instances" .Alerts.Firing }}"#,
        false,
    ),
    (
        "pagerduty-v2",
        "/payload/custom_details/resolved",
        r#"{{ template "pagerduty.default.instances" .Alerts.Resolved }}"#,
        false,
    ),
    ("pagerduty-v2", "/payload/custom_details/num_firing", "{{ .Alerts.Firing | len }}", false),
    ("opsgenie", "/message", r#"{{ template "opsgenie.default.message" . }}"#, false),
    ("opsgenie", "/description", r#"{{ template "opsgenie.default.description" . }}"#, false),
    ("opsgenie", "/source", r#"{{ template "opsgenie.default.source" . }}"#, false),
    ("victorops", "/state_message", r#"{{ template "victorops.default.state_message" . }}"#, false),
    ("victorops", "/entity_display_name", r#"{{ template "victorops.default.entity_display_name" . }}"#, false),
    ("victorops", "/monitoring_tool", r#"{{ template "victorops.default.monitoring_tool" . }}"#, false),
    ("wechat", "/text/content", r#"{{ template "wechat.default.message" . }}"#, false),
    ("telegram", "/text", r#"{{ template "telegram.default.message" . }}"#, true),
    ("discord", "/embeds/0/title", r#"{{ template "discord.default.title" . }}"#, false),
    ("discord", "/embeds/0/description", r#"{{ template "discord.default.message" . }}"#, false),
    ("webex", "/markdown", r#"{{ template "webex.default.message" . }}"#, false),
    ("sns", "Subject", r#"{{ template "sns.default.subject" . }}"#, false),
    ("sns", "Message", r#"{{ template "sns.default.message" . }}"#, false),
];

fn replication_lag(resolved: bool) -> Data {
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
        ends_at: resolved.then(|| "2026-03-04T06:00:00Z".parse().unwrap()),
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

fn data_for(body: &str) -> Data {
    // The third notification is ReplicationLag resolved.
    let resolved = ["RESOLVED", "Alerts Resolved", "] Resolved"].iter().any(|m| body.contains(m));
    if body.contains("ReplicationLag") { replication_lag(resolved) } else { recorded_group("defaults", "defaults") }
}

fn render(templates: &Templates, source: &str, html: bool, data: &Data) -> String {
    let out = if html { templates.render_html(source, data) } else { templates.render_text(source, data) };
    out.unwrap()
}

#[test]
fn default_texts_match_alertmanager_0_25() {
    let templates = Templates::new(&[]).unwrap();
    let mut checked = 0;
    for (file, body) in JSON {
        let kind = file.split('.').next().unwrap();
        let sent: Json = serde_json::from_str(body).unwrap();
        let data = data_for(body);
        for (_, pointer, source, html) in FIELDS.iter().filter(|f| f.0 == kind) {
            // A field the message does not carry (Opsgenie's close request) is not compared.
            let want = match sent.pointer(pointer) {
                Some(Json::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => continue,
            };
            assert_eq!(render(&templates, source, *html, &data), want, "{file} {pointer}");
            checked += 1;
        }
    }
    let sns = [golden!("sns.1.txt"), golden!("sns.2.txt"), golden!("sns.3.txt")];
    for (file, body) in sns {
        let data = data_for(body);
        for pair in body.split('&') {
            let (key, value) = pair.split_once('=').unwrap();
            if let Some((_, _, source, _)) = FIELDS.iter().find(|f| f.0 == "sns" && f.1 == key) {
                assert_eq!(render(&templates, source, false, &data), query_unescape(value).unwrap(), "{file} {key}");
                checked += 1;
            }
        }
    }
    // The e-mail's line ends are CRLF on the wire (quoted-printable); the template's are LF.
    let mails = [golden!("email.1.html"), golden!("email.2.html"), golden!("email.3.html")];
    for (file, html) in mails {
        let data = data_for(html);
        let got = render(&templates, r#"{{ template "email.default.html" . }}"#, true, &data);
        let want = html.replace("\r\n", "\n");
        if got != want {
            let at = got.bytes().zip(want.bytes()).take_while(|(a, b)| a == b).count();
            panic!(
                "{file} differs at byte {at}: got {:?}, want {:?}",
                &got[at.saturating_sub(80)..(at + 80).min(got.len())],
                &want[at.saturating_sub(80)..(at + 80).min(want.len())]
            );
        }
        checked += 1;
    }
    let subjects = [golden!("email.1.subject"), golden!("email.2.subject"), golden!("email.3.subject")];
    for (file, subject) in subjects {
        let data = data_for(subject);
        assert_eq!(render(&templates, r#"{{ template "email.default.subject" . }}"#, false, &data), subject, "{file}");
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} fields checked");
}
