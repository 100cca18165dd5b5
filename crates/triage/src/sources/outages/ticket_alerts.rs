//! GGUS tickets as alerts: each poll posts an alert per open ticket (ending a few poll
//! intervals ahead, so it resolves on its own only if polling stops for good), and resolves
//! the ticket alerts held by the engine that no open ticket stands for any more (the ticket
//! was closed, vanished from the export, or changed its labels, e.g. its priority).
//!
//! A failed poll posts the alerts held for open tickets again: a source that is down never
//! resolves its tickets' alerts.

use jiff::{SignedDuration, Timestamp};
use triage_core::Alert;
use triage_core::LabelSet;
use triage_core::outage::convert::ggus_alert;
use triage_core::outage::ggus::{GgusTicket, is_open};
use triage_core::outage::record::Outage;

use crate::engine::EngineHandle;

/// Whether a held alert is a GGUS ticket alert.
pub fn is_ticket_alert(labels: &LabelSet) -> bool {
    labels.value("service") == "GGUS" && labels.value("alertname").starts_with("ggus-")
}

/// The alerts to post after a successful poll: open tickets firing until `now + lifetime`,
/// and every firing ticket alert held but no longer standing for an open ticket, resolved.
pub fn after_poll(
    tickets: &[GgusTicket],
    outages: &[Outage],
    held: &[Alert],
    now: Timestamp,
    lifetime: SignedDuration,
) -> Vec<Alert> {
    let mut out: Vec<Alert> = tickets
        .iter()
        .filter(|t| is_open(&t.status) && !t.ticket_id.trim().is_empty())
        .map(|t| {
            let id = format!("ggus:{}", t.ticket_id.trim());
            let first = outages.iter().find(|o| o.id == id).map_or(now, |o| o.starts_at);
            let mut a = ggus_alert(t, first, now, lifetime);
            a.timeout = false;
            a
        })
        .collect();
    let current: Vec<&LabelSet> = out.iter().map(|a| &a.labels).collect();
    let stale: Vec<Alert> = held
        .iter()
        .filter(|a| !a.resolved_at(now) && !current.contains(&&a.labels))
        .map(|a| {
            let mut a = a.clone();
            a.ends_at = Some(now);
            a
        })
        .collect();
    out.extend(stale);
    out
}

/// The alerts to post after a failed poll: the firing ticket alerts held, kept firing.
pub fn keep_alive(held: &[Alert], now: Timestamp, lifetime: SignedDuration) -> Vec<Alert> {
    held.iter()
        .filter(|a| !a.resolved_at(now))
        .map(|a| {
            let mut a = a.clone();
            a.ends_at = Some(now.saturating_add(lifetime).unwrap_or(now));
            a
        })
        .collect()
}

/// The ticket alerts the engine holds.
pub fn held(engine: &EngineHandle) -> Vec<Alert> {
    let core = engine.shared.engine.read();
    core.alerts().filter(|a| is_ticket_alert(&a.labels)).map(|a| (**a).clone()).collect()
}
