//! `triage template render`: shows what a receiver's notifications look like, rendered with
//! given alerts (Alertmanager's JSON, as posted to `/api/v2/alerts`) or built-in samples.
//! Receiver fields are Go templates rendered exactly as they are sent (see
//! `notify/compose.rs`); `--template FILE` renders a Go template file with the same data.

use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use triage_core::config::Config;
use triage_core::engine::{NotifyLogKey, Outgoing};
use triage_core::go_template::{Data, Templates};
use triage_core::notify::Expand;
use triage_core::pipeline::NotifyLogEntry;
use triage_core::template::{Renderer, Suppressed};
use triage_core::{Alert, LabelSet};

use crate::config::build::{load_config, read_templates};
use crate::notify::compose::{self, MattermostChannel};

/// Sample alerts: two firing at a site, one resolved, as a grid operator sees them. The
/// `START_n`/`END_n` times are filled in relative to the time of rendering.
pub const SAMPLE_ALERTS: &str = r#"[
  {"labels": {"alertname": "SquidDown", "site": "T2_CH_CERN", "service": "frontier-squid", "instance": "squid-01.cern.ch:3128", "severity": "critical", "action": "restart the squid service and check /var/log/squid/cache.log"},
   "annotations": {"summary": "Frontier squid does not answer", "description": "No answer on port 3128 for 5 minutes.", "runbook_url": "https://twiki.cern.ch/twiki/bin/view/CMSPublic/SquidForCMS"},
   "startsAt": "START_1", "generatorURL": "http://prometheus:9090/graph?g0.expr=up%7Bjob%3D%22squid%22%7D+%3D%3D+0"},
  {"labels": {"alertname": "SquidDown", "site": "T2_CH_CERN", "service": "frontier-squid", "instance": "squid-02.cern.ch:3128", "severity": "warning"},
   "annotations": {"summary": "Frontier squid answers slowly"},
   "startsAt": "START_2", "generatorURL": "http://prometheus:9090/graph?g0.expr=up%7Bjob%3D%22squid%22%7D+%3D%3D+0"},
  {"labels": {"alertname": "SquidDown", "site": "T2_CH_CERN", "service": "frontier-squid", "instance": "squid-03.cern.ch:3128", "severity": "critical"},
   "annotations": {"summary": "Frontier squid does not answer"},
   "startsAt": "START_3", "endsAt": "END_3"}
]"#;

/// What to render.
#[derive(Debug, Default)]
pub struct RenderRequest<'a> {
    /// alertmanager.yml; the embedded default when `None`.
    pub config: Option<&'a Path>,
    /// A JSON file of alerts; the samples when `None`.
    pub alerts: Option<&'a Path>,
    /// The receiver; the root route's when `None`.
    pub receiver: Option<&'a str>,
    /// A template file to render instead of the receiver's fields.
    pub template: Option<&'a Path>,
    /// The time to render at; now when `None`.
    pub now: Option<Timestamp>,
}

fn read_alerts(path: Option<&Path>, now: Timestamp, resolve_timeout: SignedDuration) -> Result<Vec<Alert>, String> {
    let body = match path {
        Some(p) => std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?,
        None => {
            let ago = |mins: i64| now.checked_sub(SignedDuration::from_mins(mins)).unwrap_or(now).to_string();
            SAMPLE_ALERTS
                .replace("START_1", &ago(125))
                .replace("START_2", &ago(30))
                .replace("START_3", &ago(240))
                .replace("END_3", &ago(60))
                .into_bytes()
        }
    };
    let posted = crate::ingest::parse_alerts(&body).map_err(|e| format!("invalid alerts: {e}"))?;
    let mut alerts = Vec::new();
    for (i, p) in posted.into_iter().enumerate() {
        alerts.push(p.into_alert(now, resolve_timeout).map_err(|e| format!("alert {i}: {e}"))?);
    }
    if alerts.is_empty() {
        return Err("no alerts to render".into());
    }
    Ok(alerts)
}

/// The notification a flush of `alerts` to `receiver` would make.
fn outgoing(config: &Config, receiver: &str, alerts: Vec<Alert>, now: Timestamp) -> Outgoing {
    let route = config.route().match_labels(&alerts[0].labels).into_iter().next().cloned();
    let group_labels = match &route {
        Some(r) => r.opts.group_by.group_labels(&alerts[0].labels),
        None => LabelSet::new(),
    };
    Outgoing {
        flush_id: 0,
        key: NotifyLogKey { group_key: format!("{{}}:{group_labels}"), receiver: receiver.to_string(), integration: 0 },
        group_labels,
        alerts,
        at: now,
        deadline: now,
        entry: NotifyLogEntry { firing: vec![], resolved: vec![], at: now },
        group_id: String::new(),
        repeat_interval: SignedDuration::from_hours(4),
        suppressed: vec![Suppressed {
            labels: LabelSet::from_pairs([("alertname", "SquidSlow"), ("site", "T2_CH_CERN")]),
            reason: "inhibited by SquidDown at T2_CH_CERN (sample)".into(),
        }],
    }
}

fn section(out: &mut String, title: &str, text: &str) {
    out.push_str(&format!("==> {title} <==\n{text}\n"));
    if !text.ends_with('\n') {
        out.push('\n');
    }
}

/// The JSON's string values as sections, in order: top-level keys, then the attachment's.
fn json_sections(out: &mut String, list: &str, i: usize, body: &str) {
    let Ok(serde_json::Value::Object(top)) = serde_json::from_str::<serde_json::Value>(body) else {
        section(out, &format!("{list}[{i}]"), body);
        return;
    };
    for (k, v) in &top {
        if let Some(text) = v.as_str() {
            section(out, &format!("{list}[{i}].{k}"), text);
        }
    }
    let attachment = top.get("attachments").and_then(|a| a.get(0)).and_then(|a| a.as_object());
    for (k, v) in attachment.into_iter().flatten() {
        match v.as_str() {
            Some(text) => section(out, &format!("{list}[{i}].{k}"), text),
            None if k == "fields" || k == "actions" => section(out, &format!("{list}[{i}].{k}"), &v.to_string()),
            None => {}
        }
    }
}

/// Renders and returns the text to print.
pub fn render(req: &RenderRequest<'_>) -> Result<String, String> {
    let (_, config) = load_config(req.config)?;
    let templates = read_templates(&config, req.config)?;
    let now = req.now.unwrap_or_else(Timestamp::now);
    let alerts = read_alerts(req.alerts, now, config.resolve_timeout())?;
    let receiver = req.receiver.map(str::to_string).unwrap_or_else(|| config.route().opts.receiver.clone());
    let rc = config.receiver(&receiver).ok_or_else(|| format!("no receiver named {receiver:?}"))?;
    let renderer = Renderer::from_config(&config);
    let out_msg = outgoing(&config, &receiver, alerts, now);
    let external_url = "http://127.0.0.1:9193";
    let view = compose::view_of(&renderer, &out_msg, external_url);
    let rich = compose::triage_sections(&config);
    let plain = Data::new(&receiver, &out_msg.group_labels, &out_msg.alerts, external_url, now);
    let data = if rich { plain.clone().with_triage(&view) } else { plain.clone() };
    let mut out = String::new();
    for w in compose::template_problems(&config, &templates)
        .iter()
        .filter(|w| w.starts_with(&format!("receiver {receiver:?}")))
    {
        out.push_str(&format!("warning: {w}\n"));
    }
    if let Some(t) = req.template {
        let source = std::fs::read_to_string(t).map_err(|e| format!("cannot read {}: {e}", t.display()))?;
        let rich_data = plain.with_triage(&view);
        out.push_str(&templates.render_text(&source, &rich_data).map_err(|e| e.to_string())?);
        return Ok(out);
    }
    let integrations = rc.integrations();
    if integrations.is_empty() {
        out.push_str(&format!(
            "receiver {receiver:?} has no integrations; showing the default texts (triage's richer Slack text \
             is used when the configuration has runbooks, outages or incidents)\n\n"
        ));
        show_defaults(&mut out, &templates, &plain.with_triage(&view));
        return Ok(out);
    }
    let warn = |out: &mut String, list: &str, i: usize, e: Option<String>| {
        if let Some(e) = e {
            section(out, &format!("{list}[{i}] error"), &e);
        }
    };
    for (list, i, _) in &integrations {
        let mut ex = templates.expander(&data);
        match *list {
            "email_configs" => {
                let mut ch = crate::notify::email::email_channel(
                    &receiver,
                    *i,
                    &rc.email_configs[*i],
                    config.global(),
                    std::time::Duration::from_secs(30),
                )?;
                ch.rich = rich;
                let (_, content) = compose::email_content(&ch, &mut ex);
                section(&mut out, &format!("{list}[{i}].subject"), &content.subject);
                for (name, value) in &content.headers {
                    section(&mut out, &format!("{list}[{i}].headers.{name}"), value);
                }
                if let Some(text) = &content.text {
                    section(&mut out, &format!("{list}[{i}].text"), text);
                }
                section(&mut out, &format!("{list}[{i}].html"), content.html.as_deref().unwrap_or(""));
            }
            "slack_configs" => {
                let p = triage_core::notify::slack::payload(&rc.slack_configs[*i], rich, &mut ex);
                json_sections(&mut out, list, *i, &p.body);
            }
            "mattermost_configs" => {
                let ch = MattermostChannel {
                    target: crate::notify::mattermost::MattermostTarget {
                        url: crate::net::secret::SecretSource::Inline(String::new()),
                        auth: None,
                    },
                    config: rc.mattermost_configs[*i].clone(),
                    rich,
                    client: None,
                };
                let m = compose::mattermost_message(&ch, &mut ex);
                for (field, text) in [("channel", &m.channel), ("username", &m.username), ("text", &m.text)] {
                    section(&mut out, &format!("{list}[{i}].{field}"), text);
                }
            }
            "webhook_configs" => {
                let mut msg = triage_core::payload::WebhookMessage::new(
                    &receiver,
                    &out_msg.key.group_key,
                    &out_msg.group_labels,
                    &out_msg.alerts,
                    rc.webhook_configs[*i].max_alerts,
                    external_url,
                    now,
                );
                msg.instructions = view.instructions.clone();
                let json = serde_json::to_string_pretty(&msg).map_err(|e| e.to_string())?;
                section(&mut out, &format!("{list}[{i}]"), &json);
            }
            "alertmanager_configs" => {
                let alerts = compose::forwarded_alerts(&renderer, &out_msg);
                let text: Vec<String> = alerts.iter().map(|a| format!("{a:?}")).collect();
                section(&mut out, &format!("{list}[{i}]"), &text.join("\n"));
            }
            _ => section(&mut out, &format!("{list}[{i}]"), "(rendered by the kind's own request builder)"),
        }
        warn(&mut out, list, *i, ex.finish().err().map(|e| e.to_string()));
    }
    Ok(out)
}

/// The default texts: Alertmanager's subject and title, triage's richer Slack text.
fn show_defaults(out: &mut String, templates: &Templates, data: &Data) {
    let mut ex = templates.expander(data);
    for (name, source) in [
        ("email_configs[0].subject", compose::DEFAULT_EMAIL_SUBJECT),
        ("slack_configs[0].title", triage_core::notify::slack::DEFAULT_TITLE),
        ("slack_configs[0].text", triage_core::notify::slack::TRIAGE_TEXT),
        ("mattermost_configs[0].text", compose::TRIAGE_MATTERMOST_TEXT),
    ] {
        let text = ex.text(source);
        section(out, name, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_render_with_the_embedded_config() {
        let now = "2026-11-22T10:00:00Z".parse().unwrap();
        let out = render(&RenderRequest { now: Some(now), ..Default::default() }).unwrap();
        assert!(out.contains("has no integrations"), "{out}");
        assert!(out.contains("==> email_configs[0].subject <==\n[FIRING:2] SquidDown"), "{out}");
        assert!(out.contains("restart the squid service"), "{out}");
        assert!(out.contains("inhibited by SquidDown at T2_CH_CERN (sample)"), "{out}");
    }

    #[test]
    fn bad_inputs_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.json");
        for (body, want) in [("{", "invalid alerts"), ("[]", "no alerts"), ("[{\"labels\": {}}]", "alert 0")] {
            std::fs::write(&f, body).unwrap();
            let err = render(&RenderRequest { alerts: Some(&f), ..Default::default() }).unwrap_err();
            assert!(err.contains(want), "{body}: {err}");
        }
        let err = render(&RenderRequest { receiver: Some("nobody"), ..Default::default() }).unwrap_err();
        assert!(err.contains("no receiver named \"nobody\""), "{err}");
    }
}
