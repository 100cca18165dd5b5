//! Aggregation groups: which alerts are notified together, and when.
//!
//! This is Alertmanager's dispatcher as a state machine driven by an injected `now`. An alert
//! is routed through the route tree; for every matching route it joins the group named by the
//! route key and the alert's values of the route's `group_by` labels. A new group flushes
//! after `group_wait` (at once if its first alert is already older than that), then every
//! `group_interval`. After a successful notification, resolved alerts that have not been
//! updated since are dropped from the group.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use jiff::Timestamp;

use crate::alert::{Alert, notification_order};
use crate::labels::{Fingerprint, LabelSet};
use crate::route::{GroupBy, Route, RouteOpts};

/// The timer state of a group, kept in the store so that a restart resumes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupTimer {
    /// When the group flushes next.
    pub next_flush: Timestamp,
    /// Whether the group has flushed at least once (group_wait is over).
    pub has_flushed: bool,
}

/// One aggregation group.
#[derive(Clone, Debug)]
pub struct AggrGroup {
    /// Unique per route and group labels: `route id|group labels`. Two sibling routes with
    /// identical matchers share a group key but not an id, as Alertmanager keeps groups per
    /// route.
    pub id: String,
    /// The id of the route that formed the group.
    pub route_id: String,
    /// `route key:group labels`, as in Alertmanager's webhook `groupKey`.
    pub key: String,
    /// The values of the route's group_by labels.
    pub labels: LabelSet,
    /// The options of the route that formed the group.
    pub opts: RouteOpts,
    /// The alerts of the group by fingerprint.
    pub alerts: HashMap<Fingerprint, Arc<Alert>>,
    /// The timer.
    pub timer: GroupTimer,
}

impl AggrGroup {
    fn insert(&mut self, alert: &Arc<Alert>, fp: Fingerprint, now: Timestamp) {
        self.alerts.insert(fp, Arc::clone(alert));
        if !self.timer.has_flushed
            && alert.starts_at.saturating_add(self.opts.group_wait).is_ok_and(|t| t < now)
            && self.timer.next_flush > now
        {
            self.timer.next_flush = now;
        }
    }
}

/// What a group hands to the notification pipeline when its timer fires.
#[derive(Clone, Debug)]
pub struct Flush {
    /// The group's id.
    pub group_id: String,
    /// The group key.
    pub group_key: String,
    /// The group labels.
    pub group_labels: LabelSet,
    /// The route options (receiver, repeat_interval, time intervals).
    pub opts: RouteOpts,
    /// The alerts in notification order; firing ones have `ends_at` cleared as Alertmanager
    /// does, so that they do not resolve while the notification is in flight.
    pub alerts: Vec<Alert>,
    /// When the flush happened.
    pub at: Timestamp,
}

/// All aggregation groups.
#[derive(Debug, Default)]
pub struct Dispatcher {
    groups: HashMap<String, AggrGroup>,
    saved_timers: HashMap<String, GroupTimer>,
    dirty: HashSet<String>,
    /// Hash of (route id, group labels) to group id.
    index: HashMap<u64, String>,
    /// (next flush, group id) of every group holding alerts, so the next due group is found
    /// without looking at all of them.
    queue: BTreeSet<(Timestamp, String)>,
}

/// FNV-1a of a route id.
fn route_hash(id: &str) -> u64 {
    crate::labels::fnv_write(crate::labels::FNV_OFFSET, id.as_bytes())
}

/// Whether an alert with `labels` belongs to `group` (same values of the group labels).
fn same_group(group: &AggrGroup, labels: &LabelSet) -> bool {
    match &group.opts.group_by {
        GroupBy::All => group.labels == *labels,
        GroupBy::Labels(names) => names.iter().all(|n| group.labels.get(n) == labels.get(n)),
    }
}

impl Dispatcher {
    /// An empty dispatcher.
    pub fn new() -> Dispatcher {
        Dispatcher::default()
    }

    /// A dispatcher that gives groups created under a known key the timer they had before
    /// a restart.
    pub fn with_saved_timers(saved: HashMap<String, GroupTimer>) -> Dispatcher {
        Dispatcher { saved_timers: saved, ..Dispatcher::default() }
    }

    /// Routes a new or updated alert, whose fingerprint is `fp`, into its groups. Existing
    /// groups are found by a hash of route id and group labels, so the hot path builds no
    /// strings; they are built when a group is created.
    pub fn insert(&mut self, root: &Route, alert: &Arc<Alert>, fp: Fingerprint, now: Timestamp) {
        self.insert_with(root, alert, fp, now, &mut |_| None);
    }

    /// Like [`Dispatcher::insert`], but in each route it matches the alert joins the group
    /// labelled by what `group_of` answers for that route instead of the one its `group_by`
    /// labels name, when it answers (the alerts an unscheduled outage explains are notified
    /// together; an incident-notifying route groups by incident).
    pub fn insert_with(
        &mut self,
        root: &Route,
        alert: &Arc<Alert>,
        fp: Fingerprint,
        now: Timestamp,
        group_of: &mut dyn FnMut(&Route) -> Option<LabelSet>,
    ) {
        for route in root.match_labels(&alert.labels) {
            let own = group_of(route);
            let group = own.as_ref();
            let group_fp = match (group, &route.opts.group_by) {
                (Some(g), _) => g.fingerprint(),
                (None, GroupBy::All) => fp,
                (None, GroupBy::Labels(names)) => alert.labels.subset_fingerprint(names),
            };
            let slot = route_hash(route.id()) ^ group_fp.0.rotate_left(1);
            let existing = self.index.get(&slot).filter(|id| {
                self.groups.get(*id).is_some_and(|g| {
                    g.route_id == route.id()
                        && match group {
                            Some(labels) => g.labels == *labels,
                            None => same_group(g, &alert.labels),
                        }
                })
            });
            let id = match existing {
                Some(id) => id.clone(),
                None => {
                    let labels = match group {
                        Some(g) => g.clone(),
                        None => route.opts.group_by.group_labels(&alert.labels),
                    };
                    let id = format!("{}|{}", route.id(), labels);
                    if !self.groups.contains_key(&id) {
                        let timer = self.saved_timers.remove(&id).unwrap_or(GroupTimer {
                            next_flush: now.saturating_add(route.opts.group_wait).unwrap_or(now),
                            has_flushed: false,
                        });
                        let group = AggrGroup {
                            id: id.clone(),
                            route_id: route.id().to_string(),
                            key: route.group_key(&labels),
                            labels,
                            opts: route.opts.clone(),
                            alerts: HashMap::new(),
                            timer,
                        };
                        self.groups.insert(id.clone(), group);
                        self.dirty.insert(id.clone());
                    }
                    self.index.insert(slot, id.clone());
                    id
                }
            };
            let group = self.groups.get_mut(&id).expect("group exists");
            let before = group.timer;
            let was_empty = group.alerts.is_empty();
            group.insert(alert, fp, now);
            let after = group.timer;
            if was_empty || after.next_flush != before.next_flush {
                if !was_empty {
                    self.queue.remove(&(before.next_flush, id.clone()));
                }
                self.queue.insert((after.next_flush, id.clone()));
            }
            if after != before {
                self.dirty.insert(id);
            }
        }
    }

    /// The earliest time a group is due, if any group holds alerts.
    pub fn next_due(&self) -> Option<Timestamp> {
        self.queue.first().map(|(t, _)| *t)
    }

    /// Fires every group whose timer is due at `now`, in order of due time then key.
    pub fn due(&mut self, now: Timestamp) -> Vec<Flush> {
        let mut due_ids = Vec::new();
        while let Some(first) = self.queue.first()
            && first.0 <= now
        {
            let (_, id) = self.queue.pop_first().expect("first exists");
            due_ids.push(id);
        }
        // Flush order: by due time, then group key, then id.
        let mut order: Vec<(Timestamp, &str, String)> = due_ids
            .into_iter()
            .filter_map(|id| self.groups.get(&id).map(|g| (g.timer.next_flush, g.key.as_str(), id.clone())))
            .collect();
        order.sort();
        let order: Vec<String> = order.into_iter().map(|(_, _, id)| id).collect();
        let mut out = Vec::with_capacity(order.len());
        for id in order {
            let g = self.groups.get_mut(&id).expect("queued groups exist");
            self.dirty.insert(g.id.clone());
            g.timer.has_flushed = true;
            g.timer.next_flush = now.saturating_add(g.opts.group_interval).unwrap_or(now);
            self.queue.insert((g.timer.next_flush, g.id.clone()));
            let mut alerts: Vec<Alert> = g
                .alerts
                .values()
                .map(|a| {
                    let mut a = Alert::clone(a);
                    if !a.resolved_at(now) {
                        a.ends_at = None;
                    }
                    a
                })
                .collect();
            alerts.sort_by(|a, b| notification_order(&a.labels, &b.labels));
            out.push(Flush {
                group_id: g.id.clone(),
                group_key: g.key.clone(),
                group_labels: g.labels.clone(),
                opts: g.opts.clone(),
                alerts,
                at: now,
            });
        }
        out
    }

    /// After a successful notification: drops the flushed resolved alerts that were not
    /// updated since the flush. An emptied group stays until [`Dispatcher::remove_empty`].
    pub fn notified(&mut self, flush: &Flush) {
        let Some(g) = self.groups.get_mut(&flush.group_id) else { return };
        for a in &flush.alerts {
            if !a.resolved_at(flush.at) {
                continue;
            }
            let fp = a.fingerprint();
            if g.alerts.get(&fp).is_some_and(|cur| cur.updated_at == a.updated_at) {
                g.alerts.remove(&fp);
            }
        }
        if g.alerts.is_empty() {
            self.queue.remove(&(g.timer.next_flush, g.id.clone()));
        }
    }

    /// Removes groups that hold no alerts (Alertmanager's periodic maintenance).
    pub fn remove_empty(&mut self) -> Vec<String> {
        let empty: Vec<String> =
            self.groups.iter().filter(|(_, g)| g.alerts.is_empty()).map(|(k, _)| k.clone()).collect();
        for k in &empty {
            self.groups.remove(k);
            self.dirty.insert(k.clone());
        }
        if !empty.is_empty() {
            let groups = &self.groups;
            self.index.retain(|_, id| groups.contains_key(id));
        }
        empty
    }

    /// The groups, in id order.
    pub fn groups(&self) -> Vec<&AggrGroup> {
        let mut v: Vec<&AggrGroup> = self.groups.values().collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// The timers changed since the last call (`None`: the group is gone), for the store.
    pub fn take_dirty_timers(&mut self) -> Vec<(String, Option<GroupTimer>)> {
        let keys: Vec<String> = self.dirty.drain().collect();
        keys.into_iter()
            .map(|k| {
                let t = self.groups.get(&k).map(|g| g.timer);
                (k, t)
            })
            .collect()
    }

    /// The timers of all groups, for the store.
    pub fn timers(&self) -> Vec<(String, GroupTimer)> {
        self.groups.iter().map(|(k, g)| (k.clone(), g.timer)).collect()
    }

    /// The timers of all groups, and the saved timers no group has claimed yet (to carry
    /// them into a rebuilt dispatcher).
    pub fn timers_with_saved(&self) -> HashMap<String, GroupTimer> {
        let mut out = self.saved_timers.clone();
        out.extend(self.groups.iter().map(|(k, g)| (k.clone(), g.timer)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use jiff::SignedDuration;
    use proptest::prelude::*;

    fn route() -> Route {
        let yaml = "route:\n  receiver: r\n  group_by: [g]\n  group_wait: 10s\n  group_interval: 1m\n  routes:\n    - matchers: ['x=\"1\"']\n      receiver: r\n      group_by: ['...']\n      continue: true\nreceivers: [{name: r}]\n";
        Config::from_yaml(yaml).unwrap().route().clone()
    }

    /// The brute-force answer the queue must agree with.
    fn slowest_next_due(d: &Dispatcher) -> Option<Timestamp> {
        d.groups.values().filter(|g| !g.alerts.is_empty()).map(|g| g.timer.next_flush).min()
    }

    proptest! {
        /// Whatever happens to the groups, the timer queue names the same next flush as a
        /// look at every group, and `due` returns exactly the groups due.
        #[test]
        fn the_timer_queue_agrees_with_the_groups(ops in proptest::collection::vec((0u8..4, 0u8..6, 0u8..2, 0i64..90), 1..80)) {
            let root = route();
            let mut d = Dispatcher::new();
            let mut now: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
            for (op, g, x, secs) in ops {
                now += SignedDuration::from_secs(secs);
                match op {
                    0 | 1 => {
                        let labels = LabelSet::from_pairs([("g", format!("{g}")), ("x", format!("{x}"))]);
                        let resolved = op == 1;
                        let alert = Arc::new(Alert {
                            labels: labels.clone(),
                            annotations: LabelSet::new(),
                            starts_at: now - SignedDuration::from_secs(secs * 2),
                            ends_at: resolved.then_some(now),
                            updated_at: now,
                            generator_url: String::new(),
                            timeout: false,
                        });
                        d.insert(&root, &alert, labels.fingerprint(), now);
                    }
                    2 => {
                        let expected: usize = d.groups.values().filter(|g| !g.alerts.is_empty() && g.timer.next_flush <= now).count();
                        let flushes = d.due(now);
                        prop_assert_eq!(flushes.len(), expected);
                        for f in &flushes {
                            d.notified(f);
                        }
                    }
                    _ => {
                        d.remove_empty();
                    }
                }
                prop_assert_eq!(d.next_due(), slowest_next_due(&d));
            }
        }
    }
}
