//! From a notification to each channel's message: the Go template data of a notification
//! ([`go_data`]), the rule that picks triage's richer default texts ([`triage_sections`]),
//! the e-mail and Mattermost messages rendered with Go templates, and for e-mail the plots
//! and CSV files of the alerts' series.
//!
//! **Which defaults.** A configuration that is plain Alertmanager gets Alertmanager's default
//! texts, byte for byte. One that uses triage's own sections (`runbooks:`, `outages:`, or
//! `incidents:` on a route) gets triage's richer defaults where a text is not configured:
//! Slack's `text` is `{{ template "triage.slack.text" . }}`, e-mail's `html` is
//! `{{ template "triage.email.html" . }}`, and the data carries `.Triage` (category, runbook
//! instructions, what was held back and why). A configured field is always used as written.

use std::time::Duration;

use triage_core::config::Config;
use triage_core::config::channels::{EmailConfig, MattermostConfig};
use triage_core::engine::Outgoing;
use triage_core::go_template::{Data, Expander, Templates};
use triage_core::notify::Expand;
use triage_core::template::{Renderer, View, ViewInput};

use triage_core::nodewatch::rules::{SOURCE_LABEL, SOURCE_VALUE, THRESHOLD_ANNOTATION};
use triage_core::series::Series;

use super::SharedSeries;
use super::attach;
use super::email::{Attachment, EmailContent, EmailTarget};
use super::mattermost::{MattermostMessage, MattermostTarget};
use super::registry::ComposeInput;
use super::upstream::{ForwardedAlert, UpstreamTarget};

/// Alertmanager's default e-mail subject.
pub const DEFAULT_EMAIL_SUBJECT: &str = r#"{{ template "email.default.subject" . }}"#;
/// Alertmanager's default e-mail HTML body.
pub const DEFAULT_EMAIL_HTML: &str = r#"{{ template "email.default.html" . }}"#;
/// triage's richer e-mail HTML body (runbooks, what was held back).
pub const TRIAGE_EMAIL_HTML: &str = r#"{{ template "triage.email.html" . }}"#;
/// The default Mattermost text: Alertmanager's title, then the alerts in Markdown.
pub const DEFAULT_MATTERMOST_TEXT: &str =
    r#"**{{ template "mattermost.default.title" . }}**{{ template "mattermost.default.text" . }}"#;
/// triage's richer Mattermost text.
pub const TRIAGE_MATTERMOST_TEXT: &str =
    r#"**{{ template "mattermost.default.title" . }}**{{ "\n\n" }}{{ template "triage.slack.text" . }}"#;

/// Whether `config` uses triage's own sections (`runbooks:`, `outages:`, `incidents:` on a
/// route): then unset texts take triage's richer defaults.
pub fn triage_sections(config: &Config) -> bool {
    fn incidents(r: &triage_core::config::RouteConfig) -> bool {
        r.incidents.is_some() || r.routes.iter().any(incidents)
    }
    let raw = config.file();
    !raw.runbooks.is_empty() || raw.outages.is_some() || raw.route.as_ref().is_some_and(incidents)
}

/// Receiver fields (e-mail, Slack, Mattermost) that do not parse as Go templates: a
/// notification of such an integration fails, so `check-config` and the server say so at
/// load, one line per field (`receiver "ops" slack_configs[0].title: ...`).
pub fn template_problems(config: &Config, templates: &Templates) -> Vec<String> {
    let mut out = Vec::new();
    for r in config.receivers() {
        let mut check = |list: &str, i: usize, field: &str, source: &str| {
            if let Err(e) = templates.check(source) {
                out.push(format!(
                    "receiver {:?} {list}[{i}].{field}: not a valid Go template ({e}); every notification of this \
                     integration fails",
                    r.name
                ));
            }
        };
        for (i, e) in r.email_configs.iter().enumerate() {
            check("email_configs", i, "to", &e.to);
            for (field, v) in [("from", &e.from), ("html", &e.html), ("text", &e.text)] {
                check("email_configs", i, field, v.as_deref().unwrap_or(""));
            }
            for (name, v) in &e.headers {
                check("email_configs", i, &format!("headers.{name}"), v);
            }
        }
        for (i, c) in r.slack_configs.iter().enumerate() {
            let plain = [
                ("channel", &c.channel),
                ("username", &c.username),
                ("color", &c.color),
                ("title", &c.title),
                ("title_link", &c.title_link),
                ("pretext", &c.pretext),
                ("text", &c.text),
                ("fallback", &c.fallback),
                ("footer", &c.footer),
                ("callback_id", &c.callback_id),
                ("icon_emoji", &c.icon_emoji),
                ("icon_url", &c.icon_url),
                ("image_url", &c.image_url),
                ("thumb_url", &c.thumb_url),
            ];
            for (field, v) in plain {
                check("slack_configs", i, field, v.as_deref().unwrap_or(""));
            }
            for (k, f) in c.fields.iter().enumerate() {
                check("slack_configs", i, &format!("fields[{k}].title"), &f.title);
                check("slack_configs", i, &format!("fields[{k}].value"), &f.value);
            }
            for (k, a) in c.actions.iter().enumerate() {
                for (field, v) in
                    [("type", &a.kind), ("text", &a.text), ("url", &a.url), ("name", &a.name), ("value", &a.value)]
                {
                    check("slack_configs", i, &format!("actions[{k}].{field}"), v);
                }
            }
        }
        for (i, m) in r.mattermost_configs.iter().enumerate() {
            let plain = [
                ("channel", &m.channel),
                ("username", &m.username),
                ("icon_url", &m.icon_url),
                ("icon_emoji", &m.icon_emoji),
                ("text", &m.text),
            ];
            for (field, v) in plain {
                check("mattermost_configs", i, field, v.as_deref().unwrap_or(""));
            }
        }
    }
    out
}

/// The Go template data of a notification; with `rich`, triage's own under `.Triage`.
pub fn go_data(input: &ComposeInput<'_>, rich: bool) -> Data {
    let out = input.out;
    let data = Data::new(&out.key.receiver, &out.group_labels, &out.alerts, input.external_url, out.at);
    if rich { data.with_triage(&view_of(input.renderer, out, input.external_url)) } else { data }
}

/// Plots and CSV files attached to e-mails.
#[derive(Clone, Debug)]
pub struct PlotSettings {
    /// Query this Prometheus-compatible API instead of the generatorURL's host.
    pub datasource: Option<String>,
    /// How far back.
    pub range: Duration,
    /// Attach the values as CSV too.
    pub csv: bool,
    /// Plot at most this many firing alerts.
    pub max_alerts: usize,
}

/// An e-mail integration: the SMTP target and its configuration (templates).
#[derive(Clone, Debug)]
pub struct EmailChannel {
    /// Where and how to send (`to` and `from` as configured, rendered at each notification).
    pub target: EmailTarget,
    /// The entry of `email_configs`, with the global `from` filled in.
    pub config: EmailConfig,
    /// triage's richer default HTML.
    pub rich: bool,
    /// Plots to attach.
    pub plot: Option<PlotSettings>,
}

/// A Mattermost integration.
#[derive(Clone, Debug)]
pub struct MattermostChannel {
    /// Where to send.
    pub target: MattermostTarget,
    /// The entry of `mattermost_configs`.
    pub config: MattermostConfig,
    /// triage's richer default text.
    pub rich: bool,
    /// Its own HTTP client, when `http_config` has connection settings (TLS, proxy, OAuth 2).
    pub client: Option<reqwest::Client>,
}

/// An upstream Alertmanager.
#[derive(Clone, Debug)]
pub struct UpstreamChannel {
    /// Where to forward.
    pub target: UpstreamTarget,
    /// Mirror triage's silences there.
    pub silences: bool,
    /// Its own HTTP client, when `http_config` has connection settings (TLS, proxy, OAuth 2).
    pub client: Option<reqwest::Client>,
}

/// The view of a notification.
pub fn view_of(renderer: &Renderer, out: &Outgoing, external_url: &str) -> View {
    renderer.view(&ViewInput {
        receiver: &out.key.receiver,
        group_key: &out.key.group_key,
        group_labels: &out.group_labels,
        alerts: &out.alerts,
        suppressed: &out.suppressed,
        external_url,
        now: out.at,
    })
}

/// The e-mail for a notification, without attachments, as Alertmanager renders it: `to` and
/// `from` and every header as text (`Subject` defaults to `email.default.subject`), the HTML
/// part from `html` (Go's `html/template`), a text part only when `text` is set. The first
/// template error is kept by `ex`.
pub fn email_content(ch: &EmailChannel, ex: &mut Expander<'_>) -> (EmailTarget, EmailContent) {
    let c = &ch.config;
    let mut target = ch.target.clone();
    target.from = ex.text(&target.from);
    target.to = ex.text(&c.to).split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let subject = c.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("subject")).map(|(_, v)| v.as_str());
    let subject = ex.text(subject.unwrap_or(DEFAULT_EMAIL_SUBJECT)).replace(['\r', '\n'], " ");
    let headers = c
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("subject"))
        .map(|(name, t)| (name.clone(), ex.text(t).replace(['\r', '\n'], " ")))
        .collect();
    let text = c.text.as_deref().filter(|t| !t.is_empty()).map(|t| ex.text(t));
    let html_template = match c.html.as_deref() {
        Some(t) => t,
        None if ch.rich => TRIAGE_EMAIL_HTML,
        None => DEFAULT_EMAIL_HTML,
    };
    let html = (!html_template.is_empty()).then(|| ex.html(html_template));
    let content = EmailContent { subject, headers, text, html, attachments: Vec::new(), notification_key: None };
    (target, content)
}

/// Plots and CSV files of the firing alerts' series: node alerts from the kept node series,
/// others from the query API of their generator URL. A numeric `threshold` annotation is
/// drawn as a line. Failures become warnings: the e-mail goes out without that attachment.
pub async fn email_attachments(
    client: &reqwest::Client,
    node_series: &SharedSeries,
    plot: &PlotSettings,
    out: &Outgoing,
) -> (Vec<Attachment>, Vec<String>) {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let firing =
        out.alerts.iter().filter(|a| !a.resolved_at(out.at) && (is_node_alert(a) || !a.generator_url.is_empty()));
    for (i, a) in firing.take(plot.max_alerts).enumerate() {
        let name = a.labels.value("alertname");
        let series = if is_node_alert(a) {
            node_alert_series(node_series, a, out.at, plot.range)
        } else if plot.datasource.as_deref().is_none_or(|d| d.trim().is_empty())
            && !attach::generator_host_allowed(&a.generator_url)
        {
            // The generator URL is the alert sender's word: without a configured datasource,
            // only hosts the operator allowed are queried.
            warnings.push(format!(
                "no plot for {name}: no datasource_url is configured and the generator URL's host is not in {}",
                attach::GENERATOR_HOSTS_ENV
            ));
            continue;
        } else {
            match attach::fetch_series(client, &a.generator_url, plot.datasource.as_deref(), out.at, plot.range).await {
                Ok(s) => s,
                Err(e) => {
                    warnings.push(format!("no plot for {name}: {e}"));
                    continue;
                }
            }
        };
        let threshold = a.annotations.value(THRESHOLD_ANNOTATION).trim().parse::<f64>().ok().filter(|t| t.is_finite());
        let stem = format!("{}-{}", i + 1, file_stem(name));
        let title = format!("{name} {}", triage_core::template::view::location(&a.labels));
        match attach::plot_png(title.trim(), &series, threshold, 900, 400) {
            Ok(png) => {
                files.push(Attachment { filename: format!("{stem}.png"), content_type: "image/png".into(), body: png })
            }
            Err(e) => warnings.push(format!("no plot for {name}: {e}")),
        }
        if plot.csv {
            files.push(Attachment {
                filename: format!("{stem}.csv"),
                content_type: "text/csv".into(),
                body: attach::series_csv(&series),
            });
        }
    }
    (files, warnings)
}

/// Whether a node rule raised the alert.
fn is_node_alert(a: &triage_core::Alert) -> bool {
    a.labels.value(SOURCE_LABEL) == SOURCE_VALUE && !a.labels.value("host").is_empty()
}

/// The node series behind a node alert over the plot range up to `at`.
fn node_alert_series(
    series: &SharedSeries,
    a: &triage_core::Alert,
    at: jiff::Timestamp,
    range: Duration,
) -> Vec<Series> {
    let host = a.labels.value("host");
    let stat = match a.labels.value("stat") {
        "" => format!("service.{}.up", a.labels.value("service")),
        stat => stat.to_string(),
    };
    let to = at.as_millisecond();
    let from = to.saturating_sub(i64::try_from(range.as_millis()).unwrap_or(i64::MAX));
    let points: Vec<(i64, f64)> = series.lock().window(host, &stat, from, to).collect();
    vec![Series { name: format!("{stat}{{host={}}}", triage_core::quote::go_quote(host)), points }]
}

/// A file name made of an alert name.
fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .take(60)
        .collect();
    if s.is_empty() { "alert".into() } else { s }
}

/// The Mattermost post for a notification: every field a Go template; an unset `text` is the
/// group's title in bold followed by the alerts (Alertmanager's Markdown list), or with
/// triage's sections, triage's text.
pub fn mattermost_message(ch: &MattermostChannel, ex: &mut dyn Expand) -> MattermostMessage {
    let c = &ch.config;
    let or = |v: &Option<String>, d: &'static str| v.clone().unwrap_or_else(|| d.to_string());
    let text_default = if ch.rich { TRIAGE_MATTERMOST_TEXT } else { DEFAULT_MATTERMOST_TEXT };
    MattermostMessage {
        channel: ex.text(&or(&c.channel, "")),
        username: ex.text(&or(&c.username, r#"{{ template "mattermost.default.username" . }}"#)),
        icon_url: ex.text(&or(&c.icon_url, "")),
        icon_emoji: ex.text(&or(&c.icon_emoji, "")),
        text: ex.text(&or(&c.text, text_default)),
        attachments: Vec::new(),
        priority: c.priority.clone(),
    }
}

/// The alerts forwarded upstream: each with the instructions that match it (`instructions`)
/// and its first runbook link (`runbook_url`) added when it has none of its own.
pub fn forwarded_alerts(renderer: &Renderer, out: &Outgoing) -> Vec<ForwardedAlert> {
    out.alerts
        .iter()
        .map(|a| {
            let instructions = renderer.instructions(std::slice::from_ref(a), out.at);
            let mut extra = Vec::new();
            if !instructions.is_empty() {
                let text: Vec<String> = instructions.iter().map(|i| format!("{}: {}", i.name, i.text)).collect();
                extra.push(("instructions".to_string(), text.join("\n")));
            }
            if let Some(l) = instructions.iter().flat_map(|i| i.links.first()).next() {
                extra.push(("runbook_url".to_string(), l.url.clone()));
            }
            ForwardedAlert::from_alert(a, &extra, false)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triage_sections_choose_the_richer_defaults() {
        let plain = "route: {receiver: r}\nreceivers: [{name: r}]\n";
        let load = |yaml: &str| Config::from_yaml(yaml).unwrap();
        assert!(!triage_sections(&load(plain)));
        let runbooks = format!("{plain}runbooks: [{{name: x, matchers: ['a=\"b\"'], instructions: do it}}]\n");
        assert!(triage_sections(&load(&runbooks)));
        let incidents = "route: {receiver: r, routes: [{receiver: r, incidents: {}}]}\nreceivers: [{name: r}]\n";
        assert!(triage_sections(&load(incidents)));
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("Disk Full/../x"), "Disk_Full____x");
        assert_eq!(file_stem(""), "alert");
        assert_eq!(file_stem(&"a".repeat(100)).len(), 60);
    }
}
