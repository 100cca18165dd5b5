//! The engine's side of incidents: a flush of an incident's group is sent only when it is a
//! change that matters (the incident opened, a new kind of alert, a higher severity, a
//! reminder), and an incident quiet for its window is closed with one resolved notification.

use jiff::Timestamp;

use super::{Engine, MIN_RETRY_WINDOW, NotifyLogKey, Outgoing, PendingFlush, Tick, describe_alert};
use crate::alert::{Alert, notification_order};
use crate::dispatch::Flush;
use crate::incident::{Change, INCIDENT_LABEL, Incident};
use crate::pipeline::{Decision, NotifyLogEntry, Plan};
use crate::route::Route;

/// Adds the incident's annotations to the alerts of its notification.
fn annotate(alerts: &mut [Alert], incident: &Incident, change: &Change) {
    let cause = incident.cause_labels().map(describe_alert).unwrap_or_default();
    for a in alerts {
        a.annotations.insert(INCIDENT_LABEL.into(), incident.id.as_str().into());
        a.annotations.insert("incident_change".into(), change.describe().into());
        if !cause.is_empty() {
            a.annotations.insert("incident_cause".into(), cause.as_str().into());
        }
    }
}

fn find_route<'a>(root: &'a Route, id: &str) -> Option<&'a Route> {
    let mut found = None;
    root.walk(|r| {
        if found.is_none() && r.id() == id {
            found = Some(r);
        }
    });
    found
}

impl Engine {
    /// Decides a flush of incident `id`'s group: the planned sends go out, annotated, when
    /// they are a change that matters; otherwise they are only logged, so the next flush
    /// compares with what the incident now holds.
    pub(super) fn incident_flush(&mut self, id: &str, flush: &Flush, plan: &mut Plan, now: Timestamp) {
        let sending = plan.decisions.iter().find_map(|d| match d {
            Decision::Send { alerts, .. } if !alerts.is_empty() => Some(alerts.as_slice()),
            _ => None,
        });
        let change = sending.and_then(|alerts| self.incidents.decide(id, alerts, now));
        self.incidents.observe(id, &flush.alerts, now);
        self.incidents.set_receiver(id, &flush.opts.receiver);
        let Some(change) = change else {
            for d in &mut plan.decisions {
                if let Decision::Send { alerts, .. } = d {
                    alerts.clear();
                }
            }
            return;
        };
        let mut recorded = false;
        for d in &mut plan.decisions {
            if let Decision::Send { alerts, .. } = d
                && !alerts.is_empty()
            {
                if !recorded {
                    self.incidents.notified(id, &change, alerts, now);
                    recorded = true;
                }
                let incident = self.incidents.get(id).expect("decided incidents exist");
                annotate(alerts, incident, &change);
            }
        }
    }

    /// Closes the incidents quiet for their window and queues one resolved notification for
    /// each that was notified, to the integrations of its route that send resolved alerts.
    pub(super) fn close_incidents(&mut self, now: Timestamp, tick: &mut Tick) {
        for incident in self.incidents.sweep(now) {
            self.incidents.notified(&incident.id, &Change::Resolved, &[], now);
            let Some(route) = find_route(&self.setup.route, &incident.route_id) else { continue };
            let mut labels = incident.labels.clone();
            labels.insert(INCIDENT_LABEL.into(), incident.id.as_str().into());
            let group_id = format!("{}|{}", route.id(), labels);
            let group_key = route.group_key(&labels);
            let receiver = route.opts.receiver.clone();
            let mut alerts: Vec<Alert> = incident
                .alerts
                .iter()
                .map(|(fp, a)| {
                    let mut alert = match self.alerts.get(fp) {
                        Some(held) => Alert::clone(&held.alert),
                        None => Alert {
                            labels: a.labels.clone(),
                            annotations: Default::default(),
                            starts_at: a.starts_at,
                            ends_at: a.ends_at,
                            updated_at: now,
                            generator_url: String::new(),
                            timeout: false,
                        },
                    };
                    if alert.ends_at.is_none_or(|e| e > now) {
                        alert.ends_at = Some(now);
                    }
                    alert
                })
                .collect();
            alerts.sort_by(|a, b| notification_order(&a.labels, &b.labels));
            annotate(&mut alerts, &incident, &Change::Resolved);
            let mut resolved: Vec<_> = incident.alerts.keys().copied().collect();
            resolved.sort();
            let entry = NotifyLogEntry { firing: Vec::new(), resolved, at: now };
            let integrations = self.setup.receivers.get(&receiver).cloned().unwrap_or_default();
            let flush_id = self.next_flush_id;
            self.next_flush_id += 1;
            let retry = route.opts.group_interval.max(MIN_RETRY_WINDOW);
            let mut remaining = 0;
            for (i, integration) in integrations.iter().enumerate() {
                if !integration.send_resolved {
                    continue;
                }
                remaining += 1;
                tick.send.push(Outgoing {
                    flush_id,
                    key: NotifyLogKey { group_key: group_key.clone(), receiver: receiver.clone(), integration: i },
                    group_labels: labels.clone(),
                    alerts: alerts.clone(),
                    at: now,
                    deadline: now.saturating_add(retry).unwrap_or(now),
                    entry: entry.clone(),
                    group_id: group_id.clone(),
                    repeat_interval: route.opts.repeat_interval,
                    suppressed: Vec::new(),
                });
            }
            if remaining > 0 {
                self.in_flight.insert(group_id.clone());
                self.pending.insert(flush_id, PendingFlush { flush: None, group_id, remaining, failed: false });
            }
        }
    }

    /// The incidents held: open ones, and those closed since the last
    /// [`Engine::take_incident_changes`].
    pub fn incidents(&self) -> impl Iterator<Item = &Incident> {
        self.incidents.iter()
    }

    /// Incidents opened since the engine started (or was restored).
    pub fn incidents_opened(&self) -> usize {
        self.incidents.opened_total()
    }

    /// The incidents changed since the last call, for the store.
    pub fn take_incident_changes(&mut self) -> Vec<Incident> {
        self.incidents.take_changes()
    }

    /// Forgets closed incidents without handing them out (nothing stores them).
    pub fn forget_closed_incidents(&mut self) {
        self.incidents.forget_closed();
    }

    /// Puts back the incidents open at the last stop and regroups the held alerts into
    /// them.
    pub fn restore_incidents(&mut self, open: Vec<Incident>, now: Timestamp) {
        self.incidents = crate::incident::IncidentBook::new();
        self.incidents.restore(open);
        self.set_incident_policies();
        self.regroup(now);
    }

    /// Gives the incident book the policies of the running route tree (an incident whose
    /// alerts are all gone still closes after its own route's window).
    pub(super) fn set_incident_policies(&mut self) {
        let incidents = &mut self.incidents;
        self.setup.route.walk(|r| {
            if let Some(policy) = &r.opts.incident {
                incidents.set_policy(r.id(), policy);
            }
        });
    }

    /// When the next open incident falls quiet for its window.
    pub(super) fn next_incident_close(&self) -> Option<Timestamp> {
        self.incidents.next_close()
    }
}
