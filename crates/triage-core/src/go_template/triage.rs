//! triage's own data for Go templates, under `.Triage`: what triage's minijinja [`View`]
//! shows beyond Alertmanager's data (category, severity, runbook instructions, links, what was
//! held back and why). Plain Alertmanager templates never read it; the `triage.*` templates of
//! `defaults.tmpl` do.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::Value;

use super::Data;
use crate::template::view::{Link, View};

fn s(text: &str) -> Value {
    Value::String(Arc::from(text))
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(Arc::new(pairs.into_iter().map(|(k, v)| (Arc::from(k), v)).collect::<BTreeMap<_, _>>()))
}

fn list<T>(items: &[T], f: impl Fn(&T) -> Value) -> Value {
    Value::List(items.iter().map(f).collect())
}

fn link(l: &Link) -> Value {
    map(vec![("Title", s(&l.title)), ("URL", s(&l.url))])
}

/// `.Triage`: `Title`, `Severity`, `Category`, `Sites`, `Services`, `Instances`,
/// `Instructions` (`Name`, `Text`, `Links`, `Alerts`), `Links` (`Title`, `URL`),
/// `Suppressed` (`Alertname`, `Location`, `Reason`), `GroupKey`.
pub fn triage_value(view: &View) -> Value {
    let strings = |v: &[String]| list(v, |x| s(x));
    map(vec![
        ("Title", s(&view.title)),
        ("Severity", s(&view.severity)),
        ("Category", s(&view.category)),
        ("Sites", strings(&view.sites)),
        ("Services", strings(&view.services)),
        ("Instances", strings(&view.instances)),
        (
            "Instructions",
            list(&view.instructions, |i| {
                map(vec![
                    ("Name", s(&i.name)),
                    ("Text", s(&i.text)),
                    ("Links", list(&i.links, link)),
                    ("Alerts", Value::Int(i.alerts as i64)),
                ])
            }),
        ),
        ("Links", list(&view.links, link)),
        (
            "Suppressed",
            list(&view.suppressed, |x| {
                map(vec![("Alertname", s(&x.alertname)), ("Location", s(&x.location)), ("Reason", s(&x.reason))])
            }),
        ),
        ("GroupKey", s(&view.group_key)),
    ])
}

impl Data {
    /// Adds triage's own data as `.Triage`.
    pub fn with_triage(mut self, view: &View) -> Data {
        self.extra.insert("Triage".to_string(), triage_value(view));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Data, Templates};
    use crate::alert::Alert;
    use crate::labels::LabelSet;
    use crate::template::Renderer;
    use crate::template::view::{Suppressed, ViewInput};

    fn data_alert(d: &Data) -> Alert {
        let a = &d.alerts[0];
        Alert {
            labels: a.labels.clone(),
            annotations: a.annotations.clone(),
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            updated_at: a.starts_at,
            generator_url: a.generator_url.clone(),
            timeout: false,
        }
    }

    #[test]
    fn triage_slack_text_shows_what_was_held_back() {
        let t = "2026-11-22T10:00:00Z".parse().unwrap();
        let alert = Alert {
            labels: LabelSet::from_pairs([("alertname", "DiskFull"), ("site", "T2_CH_CERN")]),
            annotations: LabelSet::from_pairs([("summary", "disk full")]),
            starts_at: t,
            ends_at: None,
            updated_at: t,
            generator_url: String::new(),
            timeout: false,
        };
        let held = Suppressed {
            labels: LabelSet::from_pairs([("alertname", "DiskFull"), ("site", "T2_DE_DESY")]),
            reason: "site in downtime".to_string(),
        };
        let group = LabelSet::from_pairs([("alertname", "DiskFull")]);
        let view = Renderer::new().view(&ViewInput {
            receiver: "ops",
            group_key: "{}:{alertname=\"DiskFull\"}",
            group_labels: &group,
            alerts: std::slice::from_ref(&alert),
            suppressed: std::slice::from_ref(&held),
            external_url: "http://triage",
            now: t,
        });
        let data = Data::new("ops", &group, &[alert], "http://triage", t).with_triage(&view);
        let set = Templates::new(&[]).unwrap();
        let text = set.render_text(r#"{{ template "triage.slack.text" . }}"#, &data).unwrap();
        assert!(text.starts_with("disk full"), "{text}");
        assert!(text.contains("Held back (1):\n - DiskFull T2_DE_DESY: site in downtime\n"), "{text}");
        let plain = Data::new("ops", &group, std::slice::from_ref(&data_alert(&data)), "http://triage", t);
        let default_html = r#"{{ template "email.default.html" . }}"#;
        // .Triage does not change Alertmanager's e-mail; triage.email.html adds its rows.
        assert_eq!(set.render_html(default_html, &data).unwrap(), set.render_html(default_html, &plain).unwrap());
        let rich = set.render_html(r#"{{ template "triage.email.html" . }}"#, &data).unwrap();
        assert!(rich.contains("Held back (1)</strong>"), "{rich}");
        assert!(rich.contains("DiskFull T2_DE_DESY: site in downtime<br"), "{rich}");
        assert!(rich.ends_with("</html>\n\n"));
        assert_eq!(
            set.render_text("{{ .Triage.GroupKey }} {{ index .Triage.Sites 0 }}", &data).unwrap(),
            "{}:{alertname=\"DiskFull\"} T2_CH_CERN"
        );
    }
}
