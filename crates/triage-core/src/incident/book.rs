//! The incidents of every route that notifies per incident: which incident each alert
//! joins, when an incident closes, and whether a flush of its group is a change worth a
//! notification.
//!
//! An alert joins the open incident of its route with the same values of the policy's
//! `correlate_by` labels, or, with co-occurrence learning on, the open incident of another
//! key that has often opened incidents within one window of its own; otherwise it opens a
//! new incident. An alert keeps its incident while that is open. An incident closes when
//! all its alerts have stopped firing for the policy's window.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use jiff::Timestamp;

use super::policy::{DEFAULT_WINDOW, IncidentPolicy};
use super::record::{Change, Incident};
use crate::alert::Alert;
use crate::labels::{FNV_OFFSET, Fingerprint, LabelSet, fnv_write};
use crate::route::Route;
use crate::template::view::severity_rank;

/// The group label naming an alert's incident.
pub const INCIDENT_LABEL: &str = "incident";

/// Keys remembered per key for co-occurrence; beyond this the least counted are dropped.
const MAX_PARTNERS: usize = 64;

/// How often a correlate key opened incidents, and beside which other keys.
#[derive(Clone, Debug, Default)]
struct KeyStats {
    opens: u32,
    with: HashMap<Fingerprint, u32>,
}

/// All incidents of the incident-notifying routes.
#[derive(Debug, Default)]
pub struct IncidentBook {
    incidents: HashMap<String, Incident>,
    policies: HashMap<String, Arc<IncidentPolicy>>,
    /// (route id, correlate key) → open incident.
    open: HashMap<(String, Fingerprint), String>,
    /// (route id, alert fingerprint) → its incident.
    members: HashMap<(String, Fingerprint), String>,
    stats: HashMap<(String, Fingerprint), KeyStats>,
    changed: BTreeSet<String>,
    opened_total: usize,
}

/// The kind of an alert under a policy: its `kind_by` values, joined by `/`.
pub fn kind_of(policy: &IncidentPolicy, labels: &LabelSet) -> String {
    policy.kind_by.iter().map(|n| labels.value(n)).collect::<Vec<_>>().join("/")
}

fn key_of(policy: &IncidentPolicy, labels: &LabelSet) -> LabelSet {
    match &policy.correlate_by {
        None => labels.clone(),
        Some(names) => labels.subset(names.iter().map(String::as_str)),
    }
}

fn incident_id(route_id: &str, key: Fingerprint, at: Timestamp) -> String {
    let h = fnv_write(FNV_OFFSET, route_id.as_bytes());
    let h = fnv_write(h, &key.0.to_le_bytes());
    format!("{:016x}", fnv_write(h, &at.as_millisecond().to_le_bytes()))
}

impl IncidentBook {
    /// An empty book.
    pub fn new() -> IncidentBook {
        IncidentBook::default()
    }

    /// Puts back the open incidents saved at the last stop.
    pub fn restore(&mut self, incidents: Vec<Incident>) {
        for inc in incidents.into_iter().filter(Incident::is_open) {
            let mut keys = vec![inc.labels.fingerprint()];
            keys.extend(inc.joined.iter().map(LabelSet::fingerprint));
            for k in keys {
                self.open.insert((inc.route_id.clone(), k), inc.id.clone());
            }
            for fp in inc.alerts.keys() {
                self.members.insert((inc.route_id.clone(), *fp), inc.id.clone());
            }
            self.incidents.insert(inc.id.clone(), inc);
        }
    }

    /// Sets the policy of a route.
    pub fn set_policy(&mut self, route_id: &str, policy: &Arc<IncidentPolicy>) {
        self.policies.insert(route_id.to_string(), Arc::clone(policy));
    }

    fn policy(&self, route_id: &str) -> Option<&IncidentPolicy> {
        self.policies.get(route_id).map(|p| &**p)
    }

    fn window(&self, route_id: &str) -> jiff::SignedDuration {
        self.policy(route_id).map_or(DEFAULT_WINDOW, |p| p.window)
    }

    /// The incident `alert` belongs to on `route`, opened if need be; returns the labels of
    /// its aggregation group (the correlate values and the incident id).
    pub fn assign(
        &mut self,
        route: &Route,
        policy: &Arc<IncidentPolicy>,
        alert: &Alert,
        fp: Fingerprint,
        now: Timestamp,
    ) -> LabelSet {
        let rid = route.id();
        if !self.policies.get(rid).is_some_and(|p| Arc::ptr_eq(p, policy)) {
            self.policies.insert(rid.to_string(), Arc::clone(policy));
        }
        let window = policy.window;
        let current = self.members.get(&(rid.to_string(), fp)).cloned();
        let live = |book: &IncidentBook, id: &str| {
            book.incidents.get(id).is_some_and(|i| i.is_open() && !i.quiet(window, now))
        };
        let id = match current.filter(|id| live(self, id)) {
            Some(id) => id,
            None => {
                let key = key_of(policy, &alert.labels);
                let kfp = key.fingerprint();
                match self.open.get(&(rid.to_string(), kfp)).cloned().filter(|id| live(self, id)) {
                    Some(id) => id,
                    None => self.open_for(rid, policy, key, kfp, now),
                }
            }
        };
        self.members.insert((rid.to_string(), fp), id.clone());
        let inc = self.incidents.get_mut(&id).expect("assigned incidents exist");
        if inc.record(fp, alert) {
            inc.recompute_last_active();
        }
        self.changed.insert(id.clone());
        let mut labels = inc.labels.clone();
        labels.insert(INCIDENT_LABEL.into(), id.as_str().into());
        labels
    }

    /// Opens (or, by co-occurrence, joins) the incident of a key with no open incident.
    fn open_for(
        &mut self,
        rid: &str,
        policy: &IncidentPolicy,
        key: LabelSet,
        kfp: Fingerprint,
        now: Timestamp,
    ) -> String {
        // Partners: the route's other open incidents, opened within the last window and not
        // yet quiet (a quiet one not swept yet neither counts nor gets joined).
        let window = policy.window;
        let since = now.checked_sub(window).unwrap_or(now);
        let partners: Vec<(String, Fingerprint)> = self
            .open
            .iter()
            .filter(|((r, k), _)| r == rid && *k != kfp)
            .filter_map(|((_, k), id)| {
                let inc = self.incidents.get(id)?;
                (inc.is_open() && !inc.quiet(window, now) && inc.opened_at >= since).then(|| (id.clone(), *k))
            })
            .collect();
        let mut joined = None;
        if let Some(c) = policy.cooccurrence {
            let stats = self.stats.get(&(rid.to_string(), kfp));
            let best = partners
                .iter()
                .filter_map(|(id, k)| {
                    let s = stats?;
                    let n = *s.with.get(k)?;
                    (n >= c.min_count && u64::from(n) * 1000 >= u64::from(s.opens) * u64::from(c.min_ratio_permille))
                        .then_some((n, id))
                })
                .max();
            joined = best.map(|(_, id)| id.clone());
        }
        // Learn from this opening.
        let me = self.stats.entry((rid.to_string(), kfp)).or_default();
        me.opens += 1;
        for (_, k) in &partners {
            *me.with.entry(*k).or_default() += 1;
        }
        trim(me);
        for (_, k) in &partners {
            let other = self.stats.entry((rid.to_string(), *k)).or_default();
            *other.with.entry(kfp).or_default() += 1;
            trim(other);
        }
        let id = match joined {
            Some(id) => {
                let inc = self.incidents.get_mut(&id).expect("partner exists");
                inc.joined.push(key);
                id
            }
            None => {
                let id = incident_id(rid, kfp, now);
                let receiver = String::new();
                self.incidents.insert(
                    id.clone(),
                    Incident {
                        id: id.clone(),
                        route_id: rid.to_string(),
                        receiver,
                        labels: key,
                        joined: Vec::new(),
                        opened_at: now,
                        last_active: now,
                        closed_at: None,
                        alerts: Default::default(),
                        alert_count: 0,
                        cause: None,
                        kinds: Default::default(),
                        notified_kinds: Default::default(),
                        notified_severity: 0,
                        last_notified: None,
                        notifications: 0,
                        last_change: None,
                    },
                );
                self.opened_total += 1;
                id
            }
        };
        self.open.insert((rid.to_string(), kfp), id.clone());
        id
    }

    /// Sets the receiver shown for an incident (its route's).
    pub fn set_receiver(&mut self, id: &str, receiver: &str) {
        if let Some(inc) = self.incidents.get_mut(id)
            && inc.receiver != receiver
        {
            inc.receiver = receiver.to_string();
        }
    }

    /// Closes the open incidents quiet for their window at `now`; returns those closed that
    /// had been notified, whose resolution is to be notified.
    pub fn sweep(&mut self, now: Timestamp) -> Vec<Incident> {
        let closing: Vec<String> = self
            .incidents
            .values()
            .filter(|i| i.is_open() && i.quiet(self.window(&i.route_id), now))
            .map(|i| i.id.clone())
            .collect();
        let mut out = Vec::new();
        for id in closing {
            let inc = self.incidents.get_mut(&id).expect("listed");
            inc.closed_at = Some(now);
            self.changed.insert(id.clone());
            self.open.retain(|_, v| *v != id);
            self.members.retain(|_, v| *v != id);
            if inc.notifications > 0 && inc.last_change != Some(Change::Resolved) {
                out.push(inc.clone());
            }
        }
        out
    }

    /// When the next open incident falls quiet for its window.
    pub fn next_close(&self) -> Option<Timestamp> {
        self.incidents
            .values()
            .filter(|i| i.is_open())
            .filter_map(|i| i.last_active.checked_add(self.window(&i.route_id)).ok())
            .min()
            .map(|t| t.checked_add(jiff::SignedDuration::from_millis(1)).unwrap_or(t))
    }

    /// Whether a flush of incident `id` carrying `alerts` (those that would be sent) is a
    /// change worth a notification, and which.
    pub fn decide(&self, id: &str, alerts: &[Alert], now: Timestamp) -> Option<Change> {
        let inc = self.incidents.get(id)?;
        let policy = self.policy(&inc.route_id)?;
        let firing: Vec<&Alert> = alerts.iter().filter(|a| !a.resolved_at(now)).collect();
        if firing.is_empty() {
            // Resolution is notified when the incident closes.
            return None;
        }
        if inc.notifications == 0 {
            return Some(Change::Opened);
        }
        for a in &firing {
            let kind = kind_of(policy, &a.labels);
            let stale = match (inc.kinds.get(&kind), policy.renotify_kind_after) {
                (Some(seen), Some(after)) => seen.saturating_add(after).is_ok_and(|t| t < now),
                _ => false,
            };
            if !inc.notified_kinds.contains(&kind) || stale {
                return Some(Change::NewKind(kind));
            }
        }
        let worst = firing.iter().map(|a| a.labels.value("severity")).max_by_key(|s| severity_rank(s)).unwrap_or("");
        if severity_rank(worst) > inc.notified_severity {
            return Some(Change::SeverityUp(worst.to_string()));
        }
        if let (Some(every), Some(last)) = (policy.remind_every, inc.last_notified)
            && last.saturating_add(every).is_ok_and(|t| t <= now)
        {
            return Some(Change::Reminder);
        }
        None
    }

    /// Notes the kinds firing in a flush of incident `id` (every flush, sent or not).
    pub fn observe(&mut self, id: &str, alerts: &[Alert], now: Timestamp) {
        let Some(inc) = self.incidents.get_mut(id) else { return };
        let Some(policy) = self.policies.get(&inc.route_id) else { return };
        for a in alerts.iter().filter(|a| !a.resolved_at(now)) {
            inc.kinds.insert(kind_of(policy, &a.labels), now);
        }
    }

    /// Records that incident `id` was notified of `change` with `alerts`.
    pub fn notified(&mut self, id: &str, change: &Change, alerts: &[Alert], now: Timestamp) {
        let Some(inc) = self.incidents.get_mut(id) else { return };
        if let Some(policy) = self.policies.get(&inc.route_id) {
            for a in alerts.iter().filter(|a| !a.resolved_at(now)) {
                inc.notified_kinds.insert(kind_of(policy, &a.labels));
                inc.notified_severity = inc.notified_severity.max(severity_rank(a.labels.value("severity")));
            }
        }
        inc.notifications += 1;
        inc.last_notified = Some(now);
        inc.last_change = Some(change.clone());
        self.changed.insert(id.to_string());
    }

    /// One incident.
    pub fn get(&self, id: &str) -> Option<&Incident> {
        self.incidents.get(id)
    }

    /// The incidents held: the open ones and those closed since the last
    /// [`IncidentBook::take_changes`].
    pub fn iter(&self) -> impl Iterator<Item = &Incident> {
        self.incidents.values()
    }

    /// Incidents opened since the book was made.
    pub fn opened_total(&self) -> usize {
        self.opened_total
    }

    /// Forgets closed incidents and pending changes (when nothing stores them).
    pub fn forget_closed(&mut self) {
        self.changed.clear();
        self.incidents.retain(|_, i| i.is_open());
    }

    /// The incidents changed since the last call, for the store; closed ones are then
    /// forgotten.
    pub fn take_changes(&mut self) -> Vec<Incident> {
        let ids = std::mem::take(&mut self.changed);
        let out: Vec<Incident> = ids.iter().filter_map(|id| self.incidents.get(id).cloned()).collect();
        self.incidents.retain(|_, i| i.is_open());
        out
    }
}

/// Keeps a key's partner list bounded: drops the least counted beyond [`MAX_PARTNERS`].
fn trim(stats: &mut KeyStats) {
    if stats.with.len() <= MAX_PARTNERS {
        return;
    }
    let mut counts: Vec<(u32, Fingerprint)> = stats.with.iter().map(|(k, n)| (*n, *k)).collect();
    counts.sort();
    for (_, k) in counts.into_iter().take(stats.with.len() - MAX_PARTNERS) {
        stats.with.remove(&k);
    }
}
