//! `triage template render`: shows what a receiver's notifications look like, rendered with
//! given alerts (Alertmanager's JSON, as posted to `/api/v2/alerts`) or built-in samples.

use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use triage_core::config::Config;
use triage_core::engine::{NotifyLogKey, Outgoing};
use triage_core::pipeline::NotifyLogEntry;
use triage_core::template::{Renderer, Suppressed, View, context, field_path};
use triage_core::{Alert, LabelSet};

use crate::config::build::load_config;
use crate::notify::compose;

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

fn render_fields(out: &mut String, r: &Renderer, view: &View, receiver: &str, list: &str, i: usize, fields: &[&str]) {
    let ctx = context(view);
    for f in fields {
        let path = field_path(receiver, list, i, f);
        let rendered = r.render_field_ctx(&path, &ctx);
        section(out, &format!("{list}[{i}].{f}"), &rendered.text);
        if let Some(e) = rendered.error {
            section(out, &format!("{list}[{i}].{f} error"), &e);
        }
    }
}

/// Renders and returns the text to print.
pub fn render(req: &RenderRequest<'_>) -> Result<String, String> {
    let (_, config) = load_config(req.config)?;
    let now = req.now.unwrap_or_else(Timestamp::now);
    let alerts = read_alerts(req.alerts, now, config.resolve_timeout())?;
    let receiver = req.receiver.map(str::to_string).unwrap_or_else(|| config.route().opts.receiver.clone());
    let rc = config.receiver(&receiver).ok_or_else(|| format!("no receiver named {receiver:?}"))?;
    let (renderer, fallbacks) = Renderer::from_config(&config);
    let out_msg = outgoing(&config, &receiver, alerts, now);
    let view = compose::view_of(&renderer, &out_msg, "http://127.0.0.1:9193");
    let mut out = String::new();
    for f in fallbacks.iter().filter(|f| f.path.starts_with(&format!("receiver {receiver:?}"))) {
        out.push_str(&format!("warning: {f}\n"));
    }
    if let Some(t) = req.template {
        let source = std::fs::read_to_string(t).map_err(|e| format!("cannot read {}: {e}", t.display()))?;
        let name = t.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        out.push_str(&renderer.render_source(&source, &name, &context(&view))?);
        return Ok(out);
    }
    let integrations = rc.integrations();
    if integrations.is_empty() {
        out.push_str(&format!("receiver {receiver:?} has no integrations; showing the default templates\n\n"));
    }
    for (list, i, _) in &integrations {
        match *list {
            "email_configs" => {
                let mut fields = vec!["subject".to_string(), "text".into(), "html".into()];
                fields.extend(
                    rc.email_configs[*i]
                        .headers
                        .keys()
                        .filter(|k| !k.eq_ignore_ascii_case("subject"))
                        .map(|k| format!("headers.{k}")),
                );
                let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
                render_fields(&mut out, &renderer, &view, &receiver, list, *i, &fields);
            }
            "slack_configs" => render_fields(
                &mut out,
                &renderer,
                &view,
                &receiver,
                list,
                *i,
                &["channel", "username", "color", "title", "title_link", "pretext", "text", "fallback", "footer"],
            ),
            "mattermost_configs" => {
                render_fields(&mut out, &renderer, &view, &receiver, list, *i, &["channel", "username", "text"])
            }
            "webhook_configs" => {
                let mut msg = triage_core::payload::WebhookMessage::new(
                    &receiver,
                    &out_msg.key.group_key,
                    &out_msg.group_labels,
                    &out_msg.alerts,
                    rc.webhook_configs[*i].max_alerts,
                    "http://127.0.0.1:9193",
                    now,
                );
                msg.instructions = view.instructions.clone();
                let json = serde_json::to_string_pretty(&msg).map_err(|e| e.to_string())?;
                section(&mut out, &format!("{list}[{i}]"), &json);
            }
            _ => {
                let alerts = compose::forwarded_alerts(&renderer, &out_msg);
                let text: Vec<String> = alerts.iter().map(|a| format!("{a:?}")).collect();
                section(&mut out, &format!("{list}[{i}]"), &text.join("\n"));
            }
        }
    }
    if integrations.is_empty() {
        render_fields(&mut out, &renderer, &view, "default", "email_configs", 0, &["subject", "text"]);
        render_fields(&mut out, &renderer, &view, "default", "slack_configs", 0, &["title", "text"]);
        render_fields(&mut out, &renderer, &view, "default", "mattermost_configs", 0, &["text"]);
    }
    Ok(out)
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
