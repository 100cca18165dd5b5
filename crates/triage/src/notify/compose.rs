//! From a notification to each channel's message: renders the template fields of the
//! integration with the flush's view, applies the channel's settings, and for e-mail
//! fetches the plots and CSV files of the alerts' series.

use std::time::Duration;

use triage_core::engine::Outgoing;
use triage_core::template::{Renderer, View, ViewInput, field_path};
use triage_core::truncate::{Markup, truncate};

use triage_core::nodewatch::rules::{SOURCE_LABEL, SOURCE_VALUE, THRESHOLD_ANNOTATION};
use triage_core::series::Series;

use super::SharedSeries;
use super::attach;
use super::email::{Attachment, EmailContent, EmailTarget};
use super::mattermost::{MattermostMessage, MattermostTarget};
use super::slack::{SlackField, SlackMessage, SlackTarget};
use super::upstream::{ForwardedAlert, UpstreamTarget};

/// E-mail subjects are cut to this many characters.
pub const MAX_SUBJECT_CHARS: usize = 255;

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

/// An e-mail integration: the SMTP target and where its templates are.
#[derive(Clone, Debug)]
pub struct EmailChannel {
    /// Where and how to send.
    pub target: EmailTarget,
    /// The receiver's name.
    pub receiver: String,
    /// The index in `email_configs`.
    pub index: usize,
    /// Configured headers other than Subject (their values are templates).
    pub headers: Vec<String>,
    /// Plots to attach.
    pub plot: Option<PlotSettings>,
}

/// A Slack integration.
#[derive(Clone, Debug)]
pub struct SlackChannel {
    /// Where and how to send.
    pub target: SlackTarget,
    /// The receiver's name.
    pub receiver: String,
    /// The index in `slack_configs`.
    pub index: usize,
    /// How many configured fields (their titles and values are templates).
    pub fields: usize,
    /// Which fields are short, from each field's `short` or else `short_fields`.
    pub short: Vec<Option<bool>>,
    /// `mrkdwn_in`.
    pub mrkdwn_in: Vec<String>,
    /// `link_names`.
    pub link_names: bool,
}

/// A Mattermost integration.
#[derive(Clone, Debug)]
pub struct MattermostChannel {
    /// Where to send.
    pub target: MattermostTarget,
    /// The receiver's name.
    pub receiver: String,
    /// The index in `mattermost_configs`.
    pub index: usize,
    /// `important` or `urgent`.
    pub priority: Option<String>,
}

/// An upstream Alertmanager.
#[derive(Clone, Debug)]
pub struct UpstreamChannel {
    /// Where to forward.
    pub target: UpstreamTarget,
    /// Mirror triage's silences there.
    pub silences: bool,
}

/// Renders fields of one integration, collecting the errors of templates that fell back.
struct Fields<'a> {
    renderer: &'a Renderer,
    ctx: triage_core::template::Context,
    prefix: (String, &'static str, usize),
    warnings: Vec<String>,
}

impl<'a> Fields<'a> {
    fn new(renderer: &'a Renderer, view: &View, receiver: &str, list: &'static str, index: usize) -> Fields<'a> {
        Fields {
            renderer,
            ctx: triage_core::template::context(view),
            prefix: (receiver.to_string(), list, index),
            warnings: Vec::new(),
        }
    }

    fn get(&mut self, field: &str) -> String {
        let path = field_path(&self.prefix.0, self.prefix.1, self.prefix.2, field);
        let r = self.renderer.render_field_ctx(&path, &self.ctx);
        self.warnings.extend(r.error);
        r.text
    }
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

/// The e-mail for a notification, without attachments; and the template warnings.
pub fn email_content(ch: &EmailChannel, renderer: &Renderer, view: &View) -> (EmailContent, Vec<String>) {
    let mut f = Fields::new(renderer, view, &ch.receiver, "email_configs", ch.index);
    let subject = truncate(f.get("subject").trim(), MAX_SUBJECT_CHARS, Markup::Plain).replace(['\r', '\n'], " ");
    let headers = ch
        .headers
        .iter()
        .map(|name| (name.clone(), f.get(&format!("headers.{name}")).replace(['\r', '\n'], " ")))
        .collect();
    let text = Some(f.get("text")).filter(|t| !t.trim().is_empty());
    let html = Some(f.get("html")).filter(|t| !t.trim().is_empty());
    let content = EmailContent { subject, headers, text, html, attachments: Vec::new(), notification_key: None };
    (content, f.warnings)
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

/// The Slack message for a notification, and the template warnings.
pub fn slack_message(ch: &SlackChannel, renderer: &Renderer, view: &View) -> (SlackMessage, Vec<String>) {
    let mut f = Fields::new(renderer, view, &ch.receiver, "slack_configs", ch.index);
    let fields = (0..ch.fields)
        .map(|k| SlackField {
            title: f.get(&format!("fields[{k}].title")),
            value: f.get(&format!("fields[{k}].value")),
            short: ch.short.get(k).copied().flatten(),
        })
        .collect();
    let msg = SlackMessage {
        channel: f.get("channel"),
        username: f.get("username"),
        icon_emoji: f.get("icon_emoji"),
        icon_url: f.get("icon_url"),
        color: f.get("color"),
        title: f.get("title"),
        title_link: f.get("title_link"),
        pretext: f.get("pretext"),
        text: f.get("text"),
        fallback: f.get("fallback"),
        footer: f.get("footer"),
        fields,
        actions: Vec::new(),
        mrkdwn_in: if ch.mrkdwn_in.is_empty() {
            vec!["fallback".into(), "pretext".into(), "text".into()]
        } else {
            ch.mrkdwn_in.clone()
        },
        link_names: ch.link_names,
        image_url: f.get("image_url"),
        thumb_url: f.get("thumb_url"),
        callback_id: f.get("callback_id"),
    };
    (msg, f.warnings)
}

/// The Mattermost post for a notification, and the template warnings.
pub fn mattermost_message(
    ch: &MattermostChannel,
    renderer: &Renderer,
    view: &View,
) -> (MattermostMessage, Vec<String>) {
    let mut f = Fields::new(renderer, view, &ch.receiver, "mattermost_configs", ch.index);
    let msg = MattermostMessage {
        channel: f.get("channel"),
        username: f.get("username"),
        icon_url: f.get("icon_url"),
        icon_emoji: f.get("icon_emoji"),
        text: f.get("text"),
        attachments: Vec::new(),
        priority: ch.priority.clone(),
    };
    (msg, f.warnings)
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
    fn file_stems_are_safe() {
        assert_eq!(file_stem("Disk Full/../x"), "Disk_Full____x");
        assert_eq!(file_stem(""), "alert");
        assert_eq!(file_stem(&"a".repeat(100)).len(), 60);
    }
}
