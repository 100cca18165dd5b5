//! GGUS tickets as metric samples for VictoriaMetrics' JSON-lines import
//! (`POST /api/v1/import`), all at one given time:
//! - `ggus_open_tickets{site, vo}`: open tickets per site and VO;
//! - `ggus_ticket{ticket_id, site, vo, priority, severity, status, type}` = 1 per open ticket;
//! - `ggus_tickets_by_status{status, vo}`: all tickets per status and VO.
//!
//! Empty label values are left out, as Prometheus and VictoriaMetrics treat them as absent.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::priority::severity_of_priority;
use super::{GgusTicket, is_open};

/// One sample of one series: metric name and labels, value and time.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSample {
    /// `__name__` and the labels.
    pub metric: BTreeMap<String, String>,
    /// The value.
    pub value: f64,
    /// Unix milliseconds.
    pub timestamp_ms: i64,
}

#[derive(Serialize)]
struct ImportLine<'a> {
    metric: &'a BTreeMap<String, String>,
    values: [f64; 1],
    timestamps: [i64; 1],
}

impl ImportSample {
    fn new(name: &str, labels: &[(&str, &str)], value: f64, timestamp_ms: i64) -> Self {
        let mut metric = BTreeMap::new();
        metric.insert("__name__".to_string(), name.to_string());
        for (k, v) in labels {
            if !v.is_empty() {
                metric.insert((*k).to_string(), (*v).to_string());
            }
        }
        ImportSample { metric, value, timestamp_ms }
    }

    /// The sample as one line of VictoriaMetrics' JSON import format, without the newline:
    /// `{"metric":{"__name__":…},"values":[v],"timestamps":[ms]}`.
    pub fn to_json_line(&self) -> String {
        let line = ImportLine { metric: &self.metric, values: [self.value], timestamps: [self.timestamp_ms] };
        serde_json::to_string(&line).unwrap_or_default()
    }
}

/// The samples for `tickets` at time `at`, in a stable order (by metric, then labels).
pub fn ggus_samples(tickets: &[GgusTicket], at: Timestamp) -> Vec<ImportSample> {
    let ms = at.as_millisecond();
    let mut open_by_site: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut by_status: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut out = Vec::new();
    for t in tickets {
        *by_status.entry((t.status.trim(), t.vo.trim())).or_default() += 1;
        if !is_open(&t.status) {
            continue;
        }
        *open_by_site.entry((t.site.trim(), t.vo.trim())).or_default() += 1;
        let severity = severity_of_priority(&t.priority).as_str();
        out.push(ImportSample::new(
            "ggus_ticket",
            &[
                ("ticket_id", t.ticket_id.trim()),
                ("site", t.site.trim()),
                ("vo", t.vo.trim()),
                ("priority", t.priority.trim()),
                ("severity", severity),
                ("status", t.status.trim()),
                ("type", t.ticket_type.trim()),
            ],
            1.0,
            ms,
        ));
    }
    for ((site, vo), n) in &open_by_site {
        out.push(ImportSample::new("ggus_open_tickets", &[("site", site), ("vo", vo)], *n as f64, ms));
    }
    for ((status, vo), n) in &by_status {
        out.push(ImportSample::new("ggus_tickets_by_status", &[("status", status), ("vo", vo)], *n as f64, ms));
    }
    out.sort_by(|a, b| a.metric.get("__name__").cmp(&b.metric.get("__name__")).then_with(|| a.metric.cmp(&b.metric)));
    out
}

/// The request body for `POST /api/v1/import`: one JSON line per sample.
pub fn import_body(samples: &[ImportSample]) -> String {
    samples.iter().map(|s| s.to_json_line() + "\n").collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(id: &str, site: &str, status: &str, priority: &str) -> GgusTicket {
        GgusTicket {
            ticket_id: id.into(),
            site: site.into(),
            vo: "cms".into(),
            status: status.into(),
            priority: priority.into(),
            ticket_type: "USER".into(),
            ..GgusTicket::default()
        }
    }

    #[test]
    fn counts_open_tickets_per_site_and_all_per_status() {
        let at = Timestamp::from_second(1_582_300_000).unwrap();
        let tickets = [
            ticket("1", "A", "assigned", "urgent"),
            ticket("2", "A", "in progress", "less urgent"),
            ticket("3", "B", "solved", "urgent"),
            ticket("4", "", "new", "whatever"),
        ];
        let samples = ggus_samples(&tickets, at);
        let find = |name: &str, labels: &[(&str, &str)]| {
            samples
                .iter()
                .find(|s| {
                    s.metric["__name__"] == name
                        && labels.iter().all(|(k, v)| s.metric.get(*k).map(String::as_str) == Some(*v))
                })
                .map(|s| s.value)
        };
        assert_eq!(find("ggus_open_tickets", &[("site", "A")]), Some(2.0));
        assert_eq!(find("ggus_open_tickets", &[("site", "B")]), None);
        assert_eq!(find("ggus_tickets_by_status", &[("status", "solved")]), Some(1.0));
        assert_eq!(samples.iter().filter(|s| s.metric["__name__"] == "ggus_ticket").count(), 3);
        assert_eq!(find("ggus_ticket", &[("ticket_id", "4"), ("severity", "unknown")]), Some(1.0));
        assert!(samples.iter().all(|s| s.timestamp_ms == 1_582_300_000_000));
        let site_less =
            samples.iter().find(|s| s.metric["__name__"] == "ggus_open_tickets" && !s.metric.contains_key("site"));
        assert_eq!(site_less.map(|s| s.value), Some(1.0));
    }

    #[test]
    fn lines_are_victoriametrics_import_json() {
        let s = ImportSample::new("ggus_open_tickets", &[("site", "A \"x\""), ("vo", "")], 2.0, 5);
        assert_eq!(
            s.to_json_line(),
            r#"{"metric":{"__name__":"ggus_open_tickets","site":"A \"x\""},"values":[2.0],"timestamps":[5]}"#
        );
        assert_eq!(import_body(&[s.clone(), s]).lines().count(), 2);
    }
}
