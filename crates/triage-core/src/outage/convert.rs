//! Sources' records as outages, and GGUS tickets as alerts.
//!
//! - An open GGUS ticket is an unscheduled outage of its site (a ticket without a site
//!   covers nothing but is still listed). Closed tickets are not outages.
//! - A GOCDB downtime of severity `OUTAGE` is an outage of its hosts, service types and
//!   sites (its records share one id); `SCHEDULED` ones are scheduled, `UNSCHEDULED` ones
//!   unscheduled. `WARNING` ("at risk") downtimes announce that a service should keep
//!   running, so they hide nothing and are left out.
//! - A ticket alert carries the labels CMS used: alertname `ggus-<id>`, `service=GGUS`,
//!   `Site`, `VO`, `Priority`, `Type`, and `severity` from the priority.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use crate::alert::Alert;
use crate::labels::LabelSet;

use super::ggus::priority::severity_of_priority;
use super::ggus::{GgusTicket, is_open};
use super::gocdb::Downtime;
use super::record::{Outage, OutageKind, OutageScope};

/// The page of a GGUS ticket.
pub fn ggus_ticket_url(id: &str) -> String {
    format!("https://ggus.eu/index.php?mode=ticket_info&ticket_id={}", id.trim())
}

/// An open ticket as an outage, first seen at `first_seen`; `None` for a closed one.
pub fn ggus_outage(ticket: &GgusTicket, first_seen: Timestamp) -> Option<Outage> {
    if !is_open(&ticket.status) || ticket.ticket_id.trim().is_empty() {
        return None;
    }
    let site = ticket.site.trim();
    Some(Outage {
        id: format!("ggus:{}", ticket.ticket_id.trim()),
        source: "ggus".into(),
        kind: OutageKind::Unscheduled,
        title: format!("GGUS {}: {}", ticket.ticket_id.trim(), ticket.subject.trim()),
        url: Some(ggus_ticket_url(&ticket.ticket_id)),
        starts_at: first_seen,
        ends_at: None,
        scope: OutageScope {
            sites: if site.is_empty() || site.eq_ignore_ascii_case("none") { vec![] } else { vec![site.to_string()] },
            ..OutageScope::default()
        },
    })
}

/// An open ticket as an alert, firing since `first_seen` and, like any pushed alert, ending
/// after `resolve_timeout` unless posted again (each poll posts it again).
pub fn ggus_alert(
    ticket: &GgusTicket,
    first_seen: Timestamp,
    now: Timestamp,
    resolve_timeout: SignedDuration,
) -> Alert {
    let id = ticket.ticket_id.trim();
    let mut labels = LabelSet::from_pairs([
        ("alertname", format!("ggus-{id}").as_str()),
        ("service", "GGUS"),
        ("severity", severity_of_priority(&ticket.priority).as_str()),
    ]);
    for (name, value) in
        [("Site", &ticket.site), ("VO", &ticket.vo), ("Priority", &ticket.priority), ("Type", &ticket.ticket_type)]
    {
        if !value.trim().is_empty() {
            labels.insert(name.into(), value.trim().into());
        }
    }
    let mut annotations = LabelSet::from_pairs([("summary", ticket.subject.trim()), ("status", ticket.status.trim())]);
    annotations.insert("ticket_url".into(), ggus_ticket_url(id).into());
    if !ticket.responsible_unit.trim().is_empty() {
        annotations.insert("responsible_unit".into(), ticket.responsible_unit.trim().into());
    }
    let open = is_open(&ticket.status);
    Alert {
        labels,
        annotations,
        starts_at: first_seen.min(now),
        ends_at: Some(if open { now.saturating_add(resolve_timeout).unwrap_or(now) } else { now }),
        updated_at: now,
        generator_url: ggus_ticket_url(id),
        timeout: open,
    }
}

/// GOCDB downtimes (one record per endpoint) as outages, one per downtime.
pub fn gocdb_outages(downtimes: &[Downtime]) -> Vec<Outage> {
    let mut by_id: BTreeMap<String, Outage> = BTreeMap::new();
    for d in downtimes {
        if !d.severity.trim().eq_ignore_ascii_case("OUTAGE") {
            continue;
        }
        let key = if d.primary_key.is_empty() { d.id.clone() } else { d.primary_key.clone() };
        let o = by_id.entry(key.clone()).or_insert_with(|| Outage {
            id: format!("gocdb:{key}"),
            source: "gocdb".into(),
            kind: if d.classification.trim().eq_ignore_ascii_case("UNSCHEDULED") {
                OutageKind::Unscheduled
            } else {
                OutageKind::Scheduled
            },
            title: if d.description.trim().is_empty() {
                format!("GOCDB downtime {key}")
            } else {
                format!("GOCDB downtime {key}: {}", d.description.trim())
            },
            url: (!d.portal_url.is_empty()).then(|| d.portal_url.clone()),
            starts_at: d.start,
            ends_at: Some(d.end),
            scope: OutageScope::default(),
        });
        o.starts_at = o.starts_at.min(d.start);
        o.ends_at = o.ends_at.max(Some(d.end));
        for (list, value) in [
            (&mut o.scope.hosts, &d.hostname),
            (&mut o.scope.services, &d.service_type),
            (&mut o.scope.sites, &d.hosted_by),
        ] {
            if !value.trim().is_empty() && !list.iter().any(|v| v == value.trim()) {
                list.push(value.trim().to_string());
            }
        }
    }
    by_id.into_values().collect()
}
