//! Analytics over the stored history (pure; the shell reads the rows): the noisiest alerts,
//! flapping alerts, time to resolve, and alerts and incidents per day by site, service and
//! category.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde::Serialize;

use crate::labels::{Fingerprint, LabelSet};

/// One state change of the history.
#[derive(Clone, Debug)]
pub struct HistoryEvent {
    /// The alert.
    pub fingerprint: Fingerprint,
    /// When.
    pub at: Timestamp,
    /// Firing (else resolved).
    pub firing: bool,
    /// The alert's labels.
    pub labels: LabelSet,
}

/// Alerts of one name: how often they fired, how many changes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Noisy {
    /// The alert name.
    pub alertname: String,
    /// Times an alert of this name began firing.
    pub firings: usize,
    /// State changes of those alerts.
    pub transitions: usize,
}

/// An alert that fired again and again.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Flapper {
    /// The alert.
    pub fingerprint: String,
    /// Its name.
    pub alertname: String,
    /// Its labels.
    pub labels: LabelSet,
    /// Times it fired again after resolving.
    pub flaps: usize,
}

/// Mean time to resolve of one alert name.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NameResolve {
    /// The alert name.
    pub alertname: String,
    /// Resolved firings.
    pub count: usize,
    /// Their mean duration.
    pub mean_seconds: f64,
}

/// Time from firing to resolved, over the firings that resolved within the range.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeToResolve {
    /// Resolved firings.
    pub count: usize,
    /// Mean.
    pub mean_seconds: f64,
    /// Median.
    pub median_seconds: f64,
    /// 90th percentile.
    pub p90_seconds: f64,
    /// By alert name, slowest first.
    pub by_alertname: Vec<NameResolve>,
}

/// Alerts (firings) and incidents opened on one day for one key.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayCount {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// The site, service or category (`""`: none).
    pub key: String,
    /// Firings.
    pub alerts: usize,
    /// Incidents opened.
    pub incidents: usize,
}

/// Per-day counts by dimension.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PerDay {
    /// By the `site` (or `Site`) label.
    pub site: Vec<DayCount>,
    /// By the `service` (or `Service`) label.
    pub service: Vec<DayCount>,
    /// By category.
    pub category: Vec<DayCount>,
}

/// Everything the analytics endpoint answers.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Analytics {
    /// Range start.
    pub from: Timestamp,
    /// Range end.
    pub to: Timestamp,
    /// Firings in the range.
    pub firings: usize,
    /// Incidents opened in the range.
    pub incidents: usize,
    /// Alert names by firings, most first.
    pub noisiest: Vec<Noisy>,
    /// Alerts that fired again at least twice, most first.
    pub flapping: Vec<Flapper>,
    /// Time to resolve.
    pub time_to_resolve: TimeToResolve,
    /// Per day.
    pub per_day: PerDay,
}

/// The first of `names` the labels carry.
fn first_of<'a>(labels: &'a LabelSet, names: &[&str]) -> &'a str {
    names.iter().map(|n| labels.value(n)).find(|v| !v.is_empty()).unwrap_or("")
}

/// The site of an alert or incident.
pub fn site_of(labels: &LabelSet) -> &str {
    first_of(labels, &["site", "Site"])
}

/// The service of an alert or incident.
pub fn service_of(labels: &LabelSet) -> &str {
    first_of(labels, &["service", "Service"])
}

fn day(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Day counts of one dimension, by day then key.
type Days = BTreeMap<(String, String), (usize, usize)>;

fn flatten(days: Days) -> Vec<DayCount> {
    days.into_iter().map(|((day, key), (alerts, incidents))| DayCount { day, key, alerts, incidents }).collect()
}

/// An incident as analytics counts it.
#[derive(Clone, Debug)]
pub struct OpenedIncident {
    /// When it opened.
    pub at: Timestamp,
    /// Its correlate labels (site, service).
    pub labels: LabelSet,
    /// Its category (that of its probable cause).
    pub category: String,
}

/// Analytics of `events` (any order) and incidents opened within `[from, to]`;
/// `category_of` names an alert's category; lists hold at most `top` entries.
pub fn analyse(
    events: &[HistoryEvent],
    incidents: &[OpenedIncident],
    mut category_of: impl FnMut(Fingerprint, &LabelSet) -> String,
    from: Timestamp,
    to: Timestamp,
    top: usize,
) -> Analytics {
    let mut sorted: Vec<&HistoryEvent> = events.iter().filter(|e| e.at >= from && e.at <= to).collect();
    sorted.sort_by_key(|e| (e.at, e.fingerprint));
    let mut noisy: HashMap<&str, Noisy> = HashMap::new();
    let mut firings_of: HashMap<Fingerprint, (usize, &HistoryEvent)> = HashMap::new();
    let mut open: HashMap<Fingerprint, Timestamp> = HashMap::new();
    let mut durations: Vec<f64> = Vec::new();
    let mut by_name: HashMap<&str, (usize, f64)> = HashMap::new();
    let (mut site, mut service, mut category) = (Days::new(), Days::new(), Days::new());
    let mut categories: HashMap<Fingerprint, String> = HashMap::new();
    let mut firings = 0;
    for e in &sorted {
        let name = e.labels.value("alertname");
        let n = noisy.entry(name).or_insert_with(|| Noisy { alertname: name.to_string(), firings: 0, transitions: 0 });
        n.transitions += 1;
        if e.firing {
            if open.contains_key(&e.fingerprint) {
                continue; // already firing: not a new firing
            }
            open.insert(e.fingerprint, e.at);
            firings += 1;
            n.firings += 1;
            let f = firings_of.entry(e.fingerprint).or_insert((0, e));
            f.0 += 1;
            let d = day(e.at);
            site.entry((d.clone(), site_of(&e.labels).to_string())).or_default().0 += 1;
            service.entry((d.clone(), service_of(&e.labels).to_string())).or_default().0 += 1;
            let c = categories.entry(e.fingerprint).or_insert_with(|| category_of(e.fingerprint, &e.labels)).clone();
            category.entry((d, c)).or_default().0 += 1;
        } else if let Some(start) = open.remove(&e.fingerprint) {
            let secs = e.at.duration_since(start).as_secs_f64();
            durations.push(secs);
            let b = by_name.entry(name).or_default();
            b.0 += 1;
            b.1 += secs;
        }
    }
    let mut incidents_in = 0;
    for i in incidents.iter().filter(|i| i.at >= from && i.at <= to) {
        incidents_in += 1;
        let d = day(i.at);
        site.entry((d.clone(), site_of(&i.labels).to_string())).or_default().1 += 1;
        service.entry((d.clone(), service_of(&i.labels).to_string())).or_default().1 += 1;
        category.entry((d, i.category.clone())).or_default().1 += 1;
    }
    let mut noisiest: Vec<Noisy> = noisy.into_values().collect();
    noisiest.sort_by(|a, b| b.firings.cmp(&a.firings).then_with(|| a.alertname.cmp(&b.alertname)));
    noisiest.truncate(top);
    let mut flapping: Vec<Flapper> = firings_of
        .into_iter()
        .filter(|(_, (n, _))| *n >= 3)
        .map(|(fp, (n, e))| Flapper {
            fingerprint: fp.to_string(),
            alertname: e.labels.value("alertname").to_string(),
            labels: e.labels.clone(),
            flaps: n - 1,
        })
        .collect();
    flapping.sort_by(|a, b| b.flaps.cmp(&a.flaps).then_with(|| a.fingerprint.cmp(&b.fingerprint)));
    flapping.truncate(top);
    durations.sort_by(f64::total_cmp);
    let mut by_alertname: Vec<NameResolve> = by_name
        .into_iter()
        .map(|(name, (count, total))| NameResolve {
            alertname: name.to_string(),
            count,
            mean_seconds: total / count as f64,
        })
        .collect();
    by_alertname.sort_by(|a, b| b.mean_seconds.total_cmp(&a.mean_seconds).then_with(|| a.alertname.cmp(&b.alertname)));
    by_alertname.truncate(top);
    let time_to_resolve = TimeToResolve {
        count: durations.len(),
        mean_seconds: if durations.is_empty() { 0.0 } else { durations.iter().sum::<f64>() / durations.len() as f64 },
        median_seconds: quantile(&durations, 0.5),
        p90_seconds: quantile(&durations, 0.9),
        by_alertname,
    };
    Analytics {
        from,
        to,
        firings,
        incidents: incidents_in,
        noisiest,
        flapping,
        time_to_resolve,
        per_day: PerDay { site: flatten(site), service: flatten(service), category: flatten(category) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(m: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + m * 60).unwrap()
    }

    fn ev(name: &str, site: &str, at: Timestamp, firing: bool) -> HistoryEvent {
        let labels = LabelSet::from_pairs([("alertname", name), ("site", site)]);
        HistoryEvent { fingerprint: labels.fingerprint(), at, firing, labels }
    }

    #[test]
    fn counts_firings_flaps_and_time_to_resolve() {
        let mut events = Vec::new();
        // DiskFull at A fires four times for 10 minutes each; Down at B once for an hour.
        for i in 0..4 {
            events.push(ev("DiskFull", "A", t(i * 20), true));
            events.push(ev("DiskFull", "A", t(i * 20 + 10), false));
        }
        events.push(ev("Down", "B", t(0), true));
        events.push(ev("Down", "B", t(1), true)); // repeated firing: not a new one
        events.push(ev("Down", "B", t(60), false));
        events.push(ev("Old", "B", t(-100), true)); // before the range
        let incidents = vec![OpenedIncident {
            at: t(0),
            labels: LabelSet::from_pairs([("site", "A")]),
            category: "cat-DiskFull".into(),
        }];
        let a = analyse(&events, &incidents, |_, l| format!("cat-{}", l.value("alertname")), t(0), t(1000), 10);
        assert_eq!(a.firings, 5);
        assert_eq!(a.incidents, 1);
        assert_eq!(a.noisiest[0], Noisy { alertname: "DiskFull".into(), firings: 4, transitions: 8 });
        assert_eq!(a.noisiest[1].firings, 1);
        assert_eq!(a.flapping.len(), 1);
        assert_eq!(a.flapping[0].flaps, 3);
        assert_eq!(a.time_to_resolve.count, 5);
        assert_eq!(a.time_to_resolve.median_seconds, 600.0);
        assert_eq!(a.time_to_resolve.p90_seconds, 3600.0);
        assert_eq!(a.time_to_resolve.by_alertname[0].alertname, "Down");
        assert!((a.time_to_resolve.mean_seconds - (4.0 * 600.0 + 3600.0) / 5.0).abs() < 1e-9);
        let day = day(t(0));
        assert!(a.per_day.site.contains(&DayCount { day: day.clone(), key: "A".into(), alerts: 4, incidents: 1 }));
        assert!(a.per_day.category.iter().any(|d| d.key == "cat-Down" && d.alerts == 1));
        assert!(a.per_day.category.iter().any(|d| d.key == "cat-DiskFull" && d.alerts == 4 && d.incidents == 1));
    }

    #[test]
    fn an_empty_history_gives_zeros() {
        let a = analyse(&[], &[], |_, _| String::new(), t(0), t(1), 10);
        assert_eq!(a.firings, 0);
        assert_eq!(a.time_to_resolve, TimeToResolve::default());
        assert!(a.noisiest.is_empty() && a.per_day.site.is_empty());
    }
}
