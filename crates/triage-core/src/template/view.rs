//! What a notification template sees: the flush's alerts, with what people need to act
//! on them (where, since when, severity, category, instructions, links, what was
//! suppressed and why) worked out once, so that templates stay short.
//!
//! Names are snake_case. The Alertmanager data is there too (`receiver`, `status`, `alerts`,
//! `group_labels`, `common_labels`, `common_annotations`, `external_url`, `group_key`).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::alert::Alert;
use crate::labels::LabelSet;

/// Label names, in order of preference, that say where an alert is: the site...
pub const SITE_LABELS: &[&str] = &["site", "cms_site", "site_name", "cluster", "datacenter", "dc", "region"];
/// ...the service...
pub const SERVICE_LABELS: &[&str] = &["service", "job", "app", "application", "component"];
/// ...and the instance.
pub const INSTANCE_LABELS: &[&str] = &["instance", "host", "hostname", "node", "pod"];

/// An alert muted in the flush, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Suppressed {
    /// Its labels.
    pub labels: LabelSet,
    /// Why, in words ("silenced by 1b2c… (comment, by alice)", "inhibited by NodeDown").
    pub reason: String,
}

/// A link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Link {
    /// What it is.
    pub title: String,
    /// Where.
    pub url: String,
}

/// Instructions for some of the flush's alerts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Instruction {
    /// The runbook's name, or `action` for an alert's own `action` label.
    pub name: String,
    /// What to do.
    pub text: String,
    /// Links of the runbook.
    pub links: Vec<Link>,
    /// How many of the flush's alerts it applies to.
    pub alerts: usize,
}

/// One alert as templates see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertView {
    /// `firing` or `resolved`.
    pub status: &'static str,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
    /// The `alertname` label.
    pub alertname: String,
    /// The `summary` annotation, else `description`'s first line, else the alert name.
    pub summary: String,
    /// The `description` annotation.
    pub description: String,
    /// See [`SITE_LABELS`]; empty when none is set.
    pub site: String,
    /// See [`SERVICE_LABELS`].
    pub service: String,
    /// See [`INSTANCE_LABELS`].
    pub instance: String,
    /// `site / service / instance`, the parts that are set.
    pub location: String,
    /// The `severity` label.
    pub severity: String,
    /// The `category` label or annotation.
    pub category: String,
    /// Start, RFC 3339 UTC.
    pub starts_at: String,
    /// End, RFC 3339 UTC; empty while firing.
    pub ends_at: String,
    /// How long it has fired (or fired, when resolved), e.g. `2h 5m`.
    pub duration: String,
    /// Link to the source.
    pub generator_url: String,
    /// Fingerprint, hex.
    pub fingerprint: String,
}

/// A suppressed alert as templates see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SuppressedView {
    /// The `alertname` label.
    pub alertname: String,
    /// Where (like [`AlertView::location`]).
    pub location: String,
    /// Why.
    pub reason: String,
}

/// Everything a notification template sees.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct View {
    /// The receiver's name.
    pub receiver: String,
    /// `firing` if any alert fires, else `resolved`.
    pub status: &'static str,
    /// A one-line summary: `[FIRING:2] <group label values> (<other common label values>)`.
    pub title: String,
    /// All alerts, firing first.
    pub alerts: Vec<AlertView>,
    /// The firing ones.
    pub firing: Vec<AlertView>,
    /// The resolved ones.
    pub resolved: Vec<AlertView>,
    /// Group labels.
    pub group_labels: BTreeMap<String, String>,
    /// Labels all alerts share.
    pub common_labels: BTreeMap<String, String>,
    /// Annotations all alerts share.
    pub common_annotations: BTreeMap<String, String>,
    /// The highest severity among firing alerts (critical > error > warning > info > other).
    pub severity: String,
    /// The category when all alerts share one.
    pub category: String,
    /// Distinct sites, services and instances involved.
    pub sites: Vec<String>,
    /// Distinct services.
    pub services: Vec<String>,
    /// Distinct instances.
    pub instances: Vec<String>,
    /// The earliest start among the alerts, RFC 3339 UTC.
    pub since: String,
    /// What to do.
    pub instructions: Vec<Instruction>,
    /// Source, runbook, dashboard and ticket links, without duplicates.
    pub links: Vec<Link>,
    /// Alerts of the group that were not sent, and why.
    pub suppressed: Vec<SuppressedView>,
    /// Where triage is reached.
    pub external_url: String,
    /// The group key.
    pub group_key: String,
    /// When the notification was made, RFC 3339 UTC.
    pub now: String,
}

/// The flush a view is made of.
#[derive(Clone, Copy, Debug)]
pub struct ViewInput<'a> {
    /// The receiver's name.
    pub receiver: &'a str,
    /// The group key.
    pub group_key: &'a str,
    /// Group labels.
    pub group_labels: &'a LabelSet,
    /// The alerts sent.
    pub alerts: &'a [Alert],
    /// The alerts muted in the flush.
    pub suppressed: &'a [Suppressed],
    /// Where triage is reached.
    pub external_url: &'a str,
    /// When.
    pub now: Timestamp,
}

fn map(ls: &LabelSet) -> BTreeMap<String, String> {
    ls.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn first_of(ls: &LabelSet, names: &[&str]) -> String {
    names.iter().find_map(|n| ls.get(n).filter(|v| !v.is_empty())).unwrap_or_default().to_string()
}

/// `site / service / instance`, skipping empty parts and repeats.
pub fn location(labels: &LabelSet) -> String {
    let mut parts: Vec<String> = Vec::new();
    for names in [SITE_LABELS, SERVICE_LABELS, INSTANCE_LABELS] {
        let v = first_of(labels, names);
        if !v.is_empty() && !parts.contains(&v) {
            parts.push(v);
        }
    }
    parts.join(" / ")
}

/// `2d 3h`, `5h 2m`, `4m 10s`, `12s`: the two largest units.
pub fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut parts = Vec::new();
    let mut rest = secs;
    for (size, name) in units {
        if rest >= size || (parts.is_empty() && size == 1) {
            parts.push(format!("{}{name}", rest / size));
            rest %= size;
        } else if !parts.is_empty() {
            break;
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.join(" ")
}

fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One alert's view at `now`.
pub fn alert_view(a: &Alert, now: Timestamp) -> AlertView {
    let resolved = a.resolved_at(now);
    let end = if resolved { a.ends_at.unwrap_or(now) } else { now };
    let description = a.annotations.value("description").to_string();
    let alertname = a.labels.value("alertname").to_string();
    let summary = match a.annotations.get("summary").filter(|s| !s.is_empty()) {
        Some(s) => s.to_string(),
        None => description.lines().next().filter(|l| !l.is_empty()).unwrap_or(&alertname).to_string(),
    };
    let category = match a.labels.get("category").filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None => a.annotations.value("category").to_string(),
    };
    AlertView {
        status: if resolved { "resolved" } else { "firing" },
        labels: map(&a.labels),
        annotations: map(&a.annotations),
        summary,
        description,
        site: first_of(&a.labels, SITE_LABELS),
        service: first_of(&a.labels, SERVICE_LABELS),
        instance: first_of(&a.labels, INSTANCE_LABELS),
        location: location(&a.labels),
        severity: a.labels.value("severity").to_string(),
        category,
        starts_at: rfc3339(a.starts_at),
        ends_at: if resolved { rfc3339(end) } else { String::new() },
        duration: human_duration(end.as_second() - a.starts_at.as_second()),
        generator_url: a.generator_url.clone(),
        fingerprint: a.fingerprint().to_string(),
        alertname,
    }
}

/// Rank of a severity; higher is worse.
pub fn severity_rank(s: &str) -> u8 {
    match s.to_ascii_lowercase().as_str() {
        "critical" | "page" | "fatal" | "emergency" => 5,
        "error" | "high" | "major" => 4,
        "warning" | "warn" | "medium" | "minor" => 3,
        "info" | "low" | "notice" => 2,
        "" => 0,
        _ => 1,
    }
}

fn distinct(views: &[AlertView], f: impl Fn(&AlertView) -> &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in views {
        let s = f(v);
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

fn common(sets: impl Iterator<Item = BTreeMap<String, String>>) -> BTreeMap<String, String> {
    let mut it = sets;
    let Some(mut acc) = it.next() else { return BTreeMap::new() };
    for s in it {
        acc.retain(|k, v| s.get(k) == Some(v));
    }
    acc
}

/// `[FIRING:2] <group label values> (<values of the other common labels>)`.
fn title(status: &str, firing: usize, group: &BTreeMap<String, String>, common: &BTreeMap<String, String>) -> String {
    let mut t = format!("[{}", status.to_uppercase());
    if status == "firing" {
        t.push_str(&format!(":{firing}"));
    }
    t.push(']');
    let values: Vec<&str> = group.values().map(String::as_str).collect();
    if !values.is_empty() {
        t.push(' ');
        t.push_str(&values.join(" "));
    }
    let rest: Vec<&str> = common.iter().filter(|(k, _)| !group.contains_key(*k)).map(|(_, v)| v.as_str()).collect();
    if !rest.is_empty() {
        t.push_str(&format!(" ({})", rest.join(" ")));
    }
    t
}

/// Links found on an alert: its source, and annotations that hold URLs (`runbook_url`,
/// `dashboard`, `*_url`, ...), titled after the annotation.
pub fn alert_links(a: &AlertView) -> Vec<Link> {
    let mut out = Vec::new();
    if !a.generator_url.is_empty() {
        out.push(Link { title: "Source".into(), url: a.generator_url.clone() });
    }
    for (k, v) in &a.annotations {
        let looks_like_url = v.starts_with("http://") || v.starts_with("https://");
        if looks_like_url && !v.contains(char::is_whitespace) {
            let name = k.strip_suffix("_url").unwrap_or(k).replace('_', " ");
            let mut title: Vec<char> = name.chars().collect();
            if let Some(c) = title.first_mut() {
                *c = c.to_ascii_uppercase();
            }
            out.push(Link { title: title.into_iter().collect(), url: v.clone() });
        }
    }
    out
}

impl View {
    /// The view of a flush, with `instructions` already worked out.
    pub fn build(input: &ViewInput<'_>, instructions: Vec<Instruction>) -> View {
        let now = input.now;
        let mut alerts: Vec<AlertView> = input.alerts.iter().map(|a| alert_view(a, now)).collect();
        alerts.sort_by_key(|a| a.status != "firing");
        let firing: Vec<AlertView> = alerts.iter().filter(|a| a.status == "firing").cloned().collect();
        let resolved: Vec<AlertView> = alerts.iter().filter(|a| a.status != "firing").cloned().collect();
        let status = if firing.is_empty() { "resolved" } else { "firing" };
        let group_labels = map(input.group_labels);
        let common_labels = common(alerts.iter().map(|a| a.labels.clone()));
        let common_annotations = common(alerts.iter().map(|a| a.annotations.clone()));
        let ranked = if firing.is_empty() { &alerts } else { &firing };
        let severity = ranked.iter().map(|a| a.severity.clone()).max_by_key(|s| severity_rank(s)).unwrap_or_default();
        let categories = distinct(&alerts, |a| &a.category);
        let mut links: Vec<Link> = Vec::new();
        for l in instructions.iter().flat_map(|i| i.links.iter().cloned()).chain(alerts.iter().flat_map(alert_links)) {
            if !links.iter().any(|x| x.url == l.url) {
                links.push(l);
            }
        }
        let suppressed = input
            .suppressed
            .iter()
            .map(|s| SuppressedView {
                alertname: s.labels.value("alertname").to_string(),
                location: location(&s.labels),
                reason: s.reason.clone(),
            })
            .collect();
        View {
            receiver: input.receiver.to_string(),
            status,
            title: title(status, firing.len(), &group_labels, &common_labels),
            since: input.alerts.iter().map(|a| a.starts_at).min().map(rfc3339).unwrap_or_default(),
            sites: distinct(&alerts, |a| &a.site),
            services: distinct(&alerts, |a| &a.service),
            instances: distinct(&alerts, |a| &a.instance),
            category: if categories.len() == 1 { categories[0].clone() } else { String::new() },
            severity,
            firing,
            resolved,
            alerts,
            group_labels,
            common_labels,
            common_annotations,
            instructions,
            links,
            suppressed,
            external_url: input.external_url.to_string(),
            group_key: input.group_key.to_string(),
            now: rfc3339(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(labels: &[(&str, &str)], annotations: &[(&str, &str)], start: &str, end: Option<&str>) -> Alert {
        Alert {
            labels: LabelSet::from_pairs(labels.iter().copied()),
            annotations: LabelSet::from_pairs(annotations.iter().copied()),
            starts_at: start.parse().unwrap(),
            ends_at: end.map(|e| e.parse().unwrap()),
            updated_at: start.parse().unwrap(),
            generator_url: "http://prom:9090/graph?g0.expr=up".into(),
            timeout: false,
        }
    }

    #[test]
    fn durations_keep_the_two_largest_units() {
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(12), "12s");
        assert_eq!(human_duration(250), "4m 10s");
        assert_eq!(human_duration(3 * 3600 + 7), "3h");
        assert_eq!(human_duration(2 * 86_400 + 3 * 3600 + 60), "2d 3h");
        assert_eq!(human_duration(-5), "0s");
    }

    #[test]
    fn view_says_what_where_since_and_how_bad() {
        let now: Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
        let alerts = vec![
            alert(
                &[("alertname", "DiskFull"), ("site", "T2_CH_CERN"), ("instance", "db-1"), ("severity", "warning")],
                &[("summary", "disk 95% full"), ("runbook_url", "https://wiki/disk")],
                "2026-11-22T10:00:00Z",
                None,
            ),
            alert(
                &[("alertname", "DiskFull"), ("site", "T2_CH_CERN"), ("instance", "db-2"), ("severity", "critical")],
                &[("description", "disk full\nmore text")],
                "2026-11-22T11:30:00Z",
                None,
            ),
            alert(
                &[("alertname", "DiskFull"), ("site", "T2_CH_CERN"), ("instance", "db-3"), ("severity", "critical")],
                &[],
                "2026-11-22T09:00:00Z",
                Some("2026-11-22T11:00:00Z"),
            ),
        ];
        let group = LabelSet::from_pairs([("alertname", "DiskFull")]);
        let suppressed = vec![Suppressed {
            labels: LabelSet::from_pairs([("alertname", "DiskSlow"), ("instance", "db-1")]),
            reason: "inhibited by DiskFull".into(),
        }];
        let input = ViewInput {
            receiver: "ops",
            group_key: "{}:{alertname=\"DiskFull\"}",
            group_labels: &group,
            alerts: &alerts,
            suppressed: &suppressed,
            external_url: "http://triage",
            now,
        };
        let v = View::build(&input, vec![]);
        assert_eq!(v.status, "firing");
        assert_eq!(v.title, "[FIRING:2] DiskFull (T2_CH_CERN)");
        assert_eq!(v.firing.len(), 2);
        assert_eq!(v.resolved.len(), 1);
        assert_eq!(v.severity, "critical");
        assert_eq!(v.sites, vec!["T2_CH_CERN"]);
        assert_eq!(v.instances, vec!["db-1", "db-2", "db-3"]);
        assert_eq!(v.since, "2026-11-22T09:00:00Z");
        assert_eq!(v.alerts[0].summary, "disk 95% full");
        assert_eq!(v.alerts[1].summary, "disk full");
        assert_eq!(v.alerts[0].duration, "2h");
        assert_eq!(v.alerts[0].location, "T2_CH_CERN / db-1");
        assert_eq!(v.alerts[2].ends_at, "2026-11-22T11:00:00Z");
        assert_eq!(v.alerts[2].duration, "2h");
        assert!(v.links.iter().any(|l| l.title == "Runbook" && l.url == "https://wiki/disk"));
        assert_eq!(v.links.iter().filter(|l| l.title == "Source").count(), 1, "{:?}", v.links);
        assert_eq!(v.suppressed[0].reason, "inhibited by DiskFull");
        assert_eq!(v.suppressed[0].location, "db-1");
    }
}
