//! The engine's state machine: everything between an accepted alert and a decided
//! notification, with no I/O. The shell's single writer loop owns one [`Engine`], feeds it
//! alerts, ticks and delivery results with the time, and persists what it returns.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use crate::alert::{Alert, reconcile};
use crate::dispatch::{Dispatcher, Flush, GroupTimer};
use crate::incident::{INCIDENT_LABEL, IncidentBook};
use crate::inhibit::{InhibitRule, Inhibitor};
use crate::labels::{Fingerprint, LabelSet};
use crate::outage::correlate::Correlation;
use crate::outage::maintenance::MaintenanceWindow;
use crate::outage::record::Outage;
use crate::outage::tracker::{OUTAGE_GROUP_LABEL, OutageTracker, SuppressionEvent};
use crate::pipeline::{
    AlertMute, Decision, IntegrationInfo, MuteReason, NotifyLogEntry, SkipReason, TimeMute, log_retention, plan,
};
use crate::route::Route;
use crate::silence::Silences;
use crate::template::Suppressed;

mod incidents;

/// Identifies a notification log entry: group, receiver and integration index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NotifyLogKey {
    /// The group key.
    pub group_key: String,
    /// The receiver name.
    pub receiver: String,
    /// The integration's index in the receiver.
    pub integration: usize,
}

/// Whether a named time interval contains an instant.
pub type IntervalCheck = dyn Fn(&str, Timestamp) -> bool + Send + Sync;

/// The configuration-scoped parts the engine runs with; replaced whole on reload.
pub struct Setup {
    /// The route tree.
    pub route: Route,
    /// Inhibition rules.
    pub inhibit_rules: Vec<InhibitRule>,
    /// Receivers by name, each with its integrations in order.
    pub receivers: HashMap<String, Vec<IntegrationInfo>>,
    /// Evaluates named time intervals.
    pub intervals: Box<IntervalCheck>,
    /// How long an alert without end time stays firing.
    pub resolve_timeout: SignedDuration,
    /// How alerts are matched against outages.
    pub correlation: Correlation,
    /// Alerts an unscheduled outage explains are grouped under it.
    pub group_by_outage: bool,
    /// An alert still firing when the maintenance hiding it ends is notified once.
    pub notify_after_maintenance: bool,
    /// When an alert is flapping.
    pub flapping: Option<crate::flapping::FlapRule>,
}

impl Setup {
    /// The setup for a loaded configuration. Integrations are numbered as
    /// [`crate::config::ReceiverConfig::integrations`] lists them;
    /// their order is the index the notification log and the notifiers use.
    pub fn from_config(config: &crate::config::Config) -> Setup {
        let receivers = config
            .receivers()
            .iter()
            .map(|r| {
                let integrations = r
                    .integrations()
                    .into_iter()
                    .map(|(_, _, send_resolved)| IntegrationInfo { send_resolved })
                    .collect();
                (r.name.clone(), integrations)
            })
            .collect();
        let intervals = config.time_intervals().to_vec();
        let outages = config.outages();
        Setup {
            correlation: Correlation::new(&outages),
            group_by_outage: outages.group_by_outage.unwrap_or(true),
            notify_after_maintenance: outages.notify_after_maintenance.unwrap_or(true),
            flapping: config
                .file()
                .flapping
                .as_ref()
                .map(|f| crate::flapping::FlapRule { max_changes: f.changes, window: f.window.get() }),
            route: config.route().clone(),
            inhibit_rules: config.inhibit_rules().to_vec(),
            receivers,
            intervals: Box::new(move |name, t| intervals.iter().any(|i| i.name == name && i.contains(t))),
            resolve_timeout: config.resolve_timeout(),
        }
    }
}

/// `Name at instance` or `Name`, for reasons people read.
fn describe_alert(labels: &LabelSet) -> String {
    let name = labels.value("alertname");
    let place = crate::template::view::location(labels);
    match (name.is_empty(), place.is_empty()) {
        (false, false) => format!("{name} at {place}"),
        (false, true) => name.to_string(),
        (true, _) => labels.to_string(),
    }
}

/// A notification to deliver.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// The flush it belongs to.
    pub flush_id: u64,
    /// The notification log key (group, receiver, integration).
    pub key: NotifyLogKey,
    /// The group labels.
    pub group_labels: LabelSet,
    /// The alerts to send.
    pub alerts: Vec<Alert>,
    /// When the flush happened.
    pub at: Timestamp,
    /// Retry until this time at the latest.
    pub deadline: Timestamp,
    /// The notification log entry to record once delivered.
    pub entry: NotifyLogEntry,
    /// The group's id (route and group labels), to hold its next flush while this one is
    /// delivered.
    pub group_id: String,
    /// The route's repeat_interval, which sets how long the log entry is kept.
    pub repeat_interval: SignedDuration,
    /// Alerts of the group muted in this flush, and why.
    pub suppressed: Vec<Suppressed>,
}

impl Outgoing {
    /// A key that is the same for every delivery of this notification (its retries, and a
    /// resend after a restart or by the process that took over) and differs between
    /// notifications: FNV-1a 64 of the group, receiver, integration and flush time, as hex.
    /// Receivers may drop a second delivery with a key they have seen.
    pub fn idempotency_key(&self) -> String {
        use crate::labels::{FNV_OFFSET, fnv_write};
        let mut h = fnv_write(FNV_OFFSET, self.key.group_key.as_bytes());
        h = fnv_write(h, &[0xff]);
        h = fnv_write(h, self.key.receiver.as_bytes());
        h = fnv_write(h, &[0xff]);
        h = fnv_write(h, &(self.key.integration as u64).to_le_bytes());
        h = fnv_write(h, &self.at.as_nanosecond().to_le_bytes());
        format!("{h:016x}")
    }
}

/// What [`Engine::resume`] decided for a notification found unsent after a restart.
#[derive(Clone, Debug)]
pub enum Resumed {
    /// Send it: it is now pending under a new flush id (given in the notification).
    Send(Outgoing),
    /// The notification log shows it (or a later one) delivered.
    AlreadyDelivered(Outgoing),
    /// Its retry deadline passed while triage was down; the group's next flush decides anew.
    Expired(Outgoing),
}

/// An integration that was not notified, and why.
#[derive(Clone, Debug)]
pub struct Skipped {
    /// The notification log key.
    pub key: NotifyLogKey,
    /// Why.
    pub reason: SkipReason,
    /// How many alerts the flush held.
    pub alerts: usize,
}

/// What a tick produced.
#[derive(Clone, Debug, Default)]
pub struct Tick {
    /// Notifications to deliver now.
    pub send: Vec<Outgoing>,
    /// Integrations not notified, with the reason.
    pub skipped: Vec<Skipped>,
    /// Alerts left out of a flush, per group.
    pub muted: Vec<(String, Fingerprint, MuteReason)>,
    /// Notification log entries written without a send (resolved-only flushes to an
    /// integration that does not send resolved alerts).
    pub logged: Vec<(NotifyLogKey, NotifyLogEntry, Timestamp)>,
}

/// A state change of an alert, for the history.
#[derive(Clone, Debug, PartialEq)]
pub struct StateChange {
    /// The alert.
    pub fingerprint: Fingerprint,
    /// When it took effect.
    pub at: Timestamp,
    /// True for firing, false for resolved.
    pub firing: bool,
}

/// The outcome of ingesting a batch.
#[derive(Clone, Debug, Default)]
pub struct Ingested {
    /// The alerts as now held, to persist.
    pub stored: Vec<Arc<Alert>>,
    /// History entries.
    pub changes: Vec<StateChange>,
}

/// An alert held by the engine.
#[derive(Clone, Debug)]
pub struct Held {
    /// The alert.
    pub alert: Arc<Alert>,
    /// The last state written to the history.
    pub recorded_firing: bool,
}

/// The status the API shows for an alert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertStatus {
    /// Silences muting it.
    pub silenced_by: Vec<String>,
    /// Alerts inhibiting it.
    pub inhibited_by: Vec<String>,
    /// The scheduled outage hiding it.
    pub outage: Option<String>,
    /// Flapping: its notifications are held until it is stable (it stays `active`).
    pub flapping: bool,
}

impl AlertStatus {
    /// `suppressed` when silenced, inhibited or in a scheduled outage, else `active`.
    pub fn state(&self) -> &'static str {
        if self.silenced_by.is_empty() && self.inhibited_by.is_empty() && self.outage.is_none() {
            "active"
        } else {
            "suppressed"
        }
    }
}

struct PendingFlush {
    /// The flush, or `None` for notifications resumed after a restart.
    flush: Option<Flush>,
    group_id: String,
    remaining: usize,
    failed: bool,
}

/// How often empty groups are removed (Alertmanager's dispatcher maintenance interval). An
/// alert that fires again before then rejoins its old group and timer; after, it starts a
/// new group with its own group_wait.
const MAINTENANCE_INTERVAL: SignedDuration = SignedDuration::from_secs(30);

/// The shortest time a notification is retried (Alertmanager's `MinTimeout`).
const MIN_RETRY_WINDOW: SignedDuration = SignedDuration::from_secs(10);

/// The state machine.
pub struct Engine {
    setup: Arc<Setup>,
    alerts: HashMap<Fingerprint, Held>,
    dispatcher: Dispatcher,
    inhibitor: Inhibitor,
    /// Silences; the shell persists the ones it changes.
    pub silences: Silences,
    nflog: HashMap<NotifyLogKey, (NotifyLogEntry, Timestamp)>,
    pending: HashMap<u64, PendingFlush>,
    in_flight: HashSet<String>,
    next_flush_id: u64,
    next_maintenance: Timestamp,
    /// Outages and what they do to the alerts.
    outages: OutageTracker,
    next_outage_pass: Timestamp,
    /// State changes per alert, for flapping.
    flaps: crate::flapping::FlapTracker,
    /// Incidents of the routes that notify per incident.
    incidents: IncidentBook,
}

/// How often the alerts are checked against the outages (engine time).
const OUTAGE_PASS_INTERVAL: SignedDuration = SignedDuration::from_secs(5);

struct Mutes<'a> {
    inhibitor: &'a Inhibitor,
    silences: &'a Silences,
    outages: &'a OutageTracker,
    flaps: &'a crate::flapping::FlapTracker,
}

impl AlertMute for Mutes<'_> {
    fn inhibited_by(&self, labels: &LabelSet, now: Timestamp) -> Option<Fingerprint> {
        self.inhibitor.mutes(labels, now)
    }
    fn silenced_by(&self, labels: &LabelSet, now: Timestamp) -> Vec<String> {
        self.silences.mutes(labels, now)
    }
    fn in_outage(&self, labels: &LabelSet, now: Timestamp) -> Option<String> {
        self.outages.book.scheduled_for(labels, now).map(|o| o.id.clone())
    }
    fn flapping(&self, fp: Fingerprint) -> bool {
        self.flaps.flapping_now(fp)
    }
}

impl Engine {
    /// An engine restored from stored alerts, silences, notification log and group timers.
    pub fn new(
        setup: Setup,
        alerts: Vec<Alert>,
        silences: Silences,
        nflog: Vec<(NotifyLogKey, NotifyLogEntry, Timestamp)>,
        timers: HashMap<String, GroupTimer>,
        now: Timestamp,
    ) -> Engine {
        let mut engine = Engine {
            inhibitor: Inhibitor::new(setup.inhibit_rules.clone()),
            setup: Arc::new(setup),
            alerts: HashMap::with_capacity(alerts.len()),
            dispatcher: Dispatcher::with_saved_timers(timers),
            silences,
            nflog: nflog.into_iter().map(|(k, e, exp)| (k, (e, exp))).collect(),
            pending: HashMap::new(),
            in_flight: HashSet::new(),
            next_flush_id: 1,
            next_maintenance: now.saturating_add(MAINTENANCE_INTERVAL).unwrap_or(now),
            outages: OutageTracker::default(),
            next_outage_pass: now,
            flaps: crate::flapping::FlapTracker::default(),
            incidents: IncidentBook::new(),
        };
        engine.flaps.set_rule(engine.setup.flapping);
        engine.outages.book.set_correlation(engine.setup.correlation.clone());
        for a in alerts {
            let a = Arc::new(a);
            let firing = !a.resolved_at(now);
            engine.inhibitor.upsert(&a);
            engine.route_alert(&a, now);
            engine.alerts.insert(a.fingerprint(), Held { alert: a, recorded_firing: firing });
        }
        engine
    }

    /// The running setup.
    pub fn setup(&self) -> &Arc<Setup> {
        &self.setup
    }

    /// Accepts already validated alerts.
    pub fn ingest(&mut self, batch: Vec<Alert>, now: Timestamp) -> Ingested {
        self.maintain(now);
        if !self.outages.book.is_empty() {
            // New alerts are checked against the outages at the next tick.
            self.next_outage_pass = self.next_outage_pass.min(now);
        }
        let mut out = Ingested { stored: Vec::with_capacity(batch.len()), changes: Vec::new() };
        for new in batch {
            let fp = new.fingerprint();
            let (alert, was_firing) = match self.alerts.get(&fp) {
                Some(held) => (reconcile(&held.alert, new, now), Some(held.recorded_firing)),
                None => (new, None),
            };
            let alert = Arc::new(alert);
            let firing = !alert.resolved_at(now);
            let changes_before = out.changes.len();
            match (was_firing, firing) {
                (None, true) | (Some(false), true) => {
                    out.changes.push(StateChange { fingerprint: fp, at: alert.starts_at, firing: true })
                }
                (None, false) => {
                    out.changes.push(StateChange { fingerprint: fp, at: alert.starts_at, firing: true });
                    out.changes.push(StateChange { fingerprint: fp, at: alert.ends_at.unwrap_or(now), firing: false });
                }
                (Some(true), false) => {
                    out.changes.push(StateChange { fingerprint: fp, at: alert.ends_at.unwrap_or(now), firing: false })
                }
                _ => {}
            }
            for c in out.changes.iter().skip(changes_before) {
                self.flaps.record(c.fingerprint, c.at);
            }
            self.inhibitor.upsert(&alert);
            self.route_alert(&alert, now);
            self.alerts.insert(fp, Held { alert: Arc::clone(&alert), recorded_firing: firing });
            out.stored.push(alert);
        }
        out
    }

    /// Alerts that stopped firing by timeout since they were last recorded as firing: their
    /// history entry, and the held state updated.
    pub fn timed_out(&mut self, now: Timestamp) -> Vec<StateChange> {
        let mut out = Vec::new();
        for (fp, held) in self.alerts.iter_mut() {
            if held.recorded_firing && held.alert.resolved_at(now) {
                held.recorded_firing = false;
                let at = held.alert.ends_at.unwrap_or(now);
                self.flaps.record(*fp, at);
                out.push(StateChange { fingerprint: *fp, at, firing: false });
            }
        }
        out
    }

    /// When the engine next needs a tick.
    pub fn next_wake(&self) -> Option<Timestamp> {
        let mut due = self.dispatcher.next_due();
        if !self.outages.book.is_empty() {
            due = Some(due.map_or(self.next_outage_pass, |d| d.min(self.next_outage_pass)));
        }
        match (due, self.next_incident_close()) {
            (Some(d), Some(c)) => Some(d.min(c)),
            (d, c) => d.or(c),
        }
    }

    /// Puts an alert into its aggregation groups: those of its routes, or, when an
    /// unscheduled outage explains it, that outage's group in each of its routes.
    fn route_alert(&mut self, alert: &Arc<Alert>, now: Timestamp) {
        let fp = alert.fingerprint();
        let outage = self.outages.group_for(fp, alert, self.setup.group_by_outage, now);
        let incidents = &mut self.incidents;
        self.dispatcher.insert_with(&self.setup.route, alert, fp, now, &mut |route| match (
            &outage,
            &route.opts.incident,
        ) {
            (Some(g), _) => Some(g.clone()),
            (None, Some(policy)) => Some(incidents.assign(route, policy, alert, fp, now)),
            (None, None) => None,
        });
    }

    /// Replaces the outages of every source and the maintenance windows, and applies them
    /// to the held alerts at once.
    pub fn set_outages(&mut self, outages: Vec<Outage>, windows: Vec<MaintenanceWindow>, now: Timestamp) {
        self.outages.book.set(outages, windows);
        self.outage_pass(now);
    }

    /// Restores outages and the suppressions in progress at the last stop (from the store),
    /// without running a pass: the first tick does.
    pub fn restore_outages(
        &mut self,
        outages: Vec<Outage>,
        windows: Vec<MaintenanceWindow>,
        open: Vec<(String, Fingerprint)>,
        now: Timestamp,
    ) {
        self.outages.book.set(outages, windows);
        self.outages.restore(open);
        self.next_outage_pass = now;
    }

    /// The outages in force (sources', windows' and maintenance alerts').
    pub fn outages(&self) -> impl Iterator<Item = &Outage> {
        self.outages.book.outages()
    }

    /// The maintenance windows.
    pub fn windows(&self) -> impl Iterator<Item = &MaintenanceWindow> {
        self.outages.book.windows()
    }

    /// Whether the outage `id` holds at `now`.
    pub fn outage_active(&self, id: &str, now: Timestamp) -> bool {
        self.outages.book.active(id, now)
    }

    /// The scheduled outage hiding an alert now, if any.
    pub fn outage_hiding(&self, labels: &LabelSet, now: Timestamp) -> Option<&Outage> {
        self.outages.book.scheduled_for(labels, now)
    }

    /// The unscheduled outage an alert is grouped under, if any.
    pub fn incident_outage(&self, fp: Fingerprint) -> Option<&Outage> {
        let group = self.outages.current_group(fp)?;
        self.outages.book.get(group.value(OUTAGE_GROUP_LABEL))
    }

    /// Suppressions that began or ended since the last call, for the store.
    pub fn take_suppression_events(&mut self) -> Vec<SuppressionEvent> {
        self.outages.take_events()
    }

    /// Checks every alert against the outages; regroups when an alert's unscheduled
    /// outage changed.
    fn outage_pass(&mut self, now: Timestamp) {
        self.next_outage_pass = now.saturating_add(OUTAGE_PASS_INTERVAL).unwrap_or(now);
        let alerts = self.alerts.iter().map(|(fp, h)| (*fp, &h.alert));
        let regroup = self.outages.pass(alerts, self.setup.group_by_outage, self.setup.notify_after_maintenance, now);
        if regroup {
            self.regroup(now);
        }
    }

    /// Rebuilds the aggregation groups from the held alerts, keeping the timers of groups
    /// whose id is unchanged.
    fn regroup(&mut self, now: Timestamp) {
        self.dispatcher = Dispatcher::with_saved_timers(self.dispatcher.timers_with_saved());
        let alerts: Vec<Arc<Alert>> = self.alerts.values().map(|h| Arc::clone(&h.alert)).collect();
        for a in &alerts {
            self.route_alert(a, now);
        }
    }

    /// Fires due groups and decides their notifications.
    pub fn tick(&mut self, now: Timestamp) -> Tick {
        self.maintain(now);
        if now >= self.next_outage_pass {
            self.outage_pass(now);
        }
        self.flaps.settle(now);
        let mut tick = Tick::default();
        self.close_incidents(now, &mut tick);
        for flush in self.dispatcher.due(now) {
            if self.in_flight.contains(&flush.group_id) {
                continue;
            }
            let receiver = flush.opts.receiver.clone();
            let integrations = self.setup.receivers.get(&receiver).cloned().unwrap_or_default();
            let time_mute = self.time_mute(&flush, now);
            let mutes = Mutes {
                inhibitor: &self.inhibitor,
                silences: &self.silences,
                outages: &self.outages,
                flaps: &self.flaps,
            };
            let key_of = |i: usize| NotifyLogKey {
                group_key: flush.group_key.clone(),
                receiver: receiver.clone(),
                integration: i,
            };
            let mut result =
                plan(&flush, &integrations, |i| self.nflog.get(&key_of(i)).map(|(e, _)| e.clone()), &mutes, time_mute);
            self.notify_after_maintenance(&flush, &integrations, &mut result);
            if let Some(id) = flush.group_labels.get(INCIDENT_LABEL).filter(|id| self.incidents.get(id).is_some()) {
                let id = id.to_string();
                self.incident_flush(&id, &flush, &mut result, now);
            }
            let suppressed = self.suppressed(&flush, &result.muted);
            tick.muted.extend(result.muted.into_iter().map(|(fp, r)| (flush.group_key.clone(), fp, r)));
            let id = self.next_flush_id;
            self.next_flush_id += 1;
            let mut remaining = 0;
            let retry = flush.opts.group_interval.max(MIN_RETRY_WINDOW);
            for (i, decision) in result.decisions.into_iter().enumerate() {
                match decision {
                    Decision::Skip(reason) => {
                        tick.skipped.push(Skipped { key: key_of(i), reason, alerts: flush.alerts.len() })
                    }
                    Decision::Send { alerts, entry } if alerts.is_empty() => {
                        let expires =
                            entry.at.saturating_add(log_retention(flush.opts.repeat_interval)).unwrap_or(entry.at);
                        self.nflog.insert(key_of(i), (entry.clone(), expires));
                        tick.logged.push((key_of(i), entry, expires));
                    }
                    Decision::Send { alerts, entry } => {
                        let alerts = self.annotate_outages(&flush.group_labels, alerts);
                        remaining += 1;
                        tick.send.push(Outgoing {
                            flush_id: id,
                            key: key_of(i),
                            group_labels: flush.group_labels.clone(),
                            alerts,
                            at: now,
                            deadline: now.saturating_add(retry).unwrap_or(now),
                            entry,
                            group_id: flush.group_id.clone(),
                            repeat_interval: flush.opts.repeat_interval,
                            suppressed: suppressed.clone(),
                        });
                    }
                }
            }
            if remaining == 0 {
                self.dispatcher.notified(&flush);
            } else {
                self.in_flight.insert(flush.group_id.clone());
                let group_id = flush.group_id.clone();
                self.pending.insert(id, PendingFlush { flush: Some(flush), group_id, remaining, failed: false });
            }
        }
        tick
    }

    /// An alert that still fires after the maintenance that hid it, or that settled after
    /// flapping, is notified once, even where the notification log already knew it as firing
    /// (notified before the maintenance began, or before it flapped).
    fn notify_after_maintenance(
        &self,
        flush: &Flush,
        integrations: &[IntegrationInfo],
        plan: &mut crate::pipeline::Plan,
    ) {
        let muted: HashSet<Fingerprint> = plan.muted.iter().map(|(fp, _)| *fp).collect();
        let waiting = flush.alerts.iter().any(|a| {
            let fp = a.fingerprint();
            !muted.contains(&fp)
                && !a.resolved_at(flush.at)
                && (self.outages.awaits_after_maintenance(fp) || self.flaps.summary_pending(fp))
        });
        if !waiting {
            return;
        }
        let kept: Vec<&Alert> = flush.alerts.iter().filter(|a| !muted.contains(&a.fingerprint())).collect();
        let (mut firing, mut resolved): (Vec<Fingerprint>, Vec<Fingerprint>) = (Vec::new(), Vec::new());
        for a in &kept {
            if a.resolved_at(flush.at) { resolved.push(a.fingerprint()) } else { firing.push(a.fingerprint()) }
        }
        firing.sort_unstable();
        resolved.sort_unstable();
        for (decision, integ) in plan.decisions.iter_mut().zip(integrations) {
            if *decision == Decision::Skip(SkipReason::Unchanged) {
                let alerts = kept
                    .iter()
                    .filter(|a| integ.send_resolved || !a.resolved_at(flush.at))
                    .map(|a| (*a).clone())
                    .collect();
                let entry = NotifyLogEntry { firing: firing.clone(), resolved: resolved.clone(), at: flush.at };
                *decision = Decision::Send { alerts, entry };
            }
        }
    }

    /// Adds what outages have to say to the alerts of a notification: the outage and its link
    /// in a group formed around an unscheduled outage, and "still failing after the
    /// maintenance" on an alert notified for the first time since its maintenance ended.
    fn annotate_outages(&mut self, group_labels: &LabelSet, mut alerts: Vec<Alert>) -> Vec<Alert> {
        let incident = group_labels.get(OUTAGE_GROUP_LABEL).and_then(|id| self.outages.book.get(id)).cloned();
        for a in &mut alerts {
            if let Some(o) = &incident {
                a.annotations.insert("outage".into(), o.title.as_str().into());
                if let Some(url) = &o.url {
                    a.annotations.insert("outage_url".into(), url.as_str().into());
                }
            }
            // Firing alerts reach a flush with their end cleared.
            let mut notes = Vec::new();
            if a.ends_at.is_none()
                && let Some(note) = self.outages.take_after_maintenance(a.fingerprint())
            {
                notes.push(note);
            }
            notes.extend(self.flaps.take_summary(a.fingerprint()));
            if !notes.is_empty() {
                a.annotations.insert("note".into(), notes.join("; ").into());
            }
        }
        alerts
    }

    /// Removes empty groups at every maintenance instant passed by `now`.
    fn maintain(&mut self, now: Timestamp) {
        if now < self.next_maintenance {
            return;
        }
        self.dispatcher.remove_empty();
        while self.next_maintenance <= now {
            match self.next_maintenance.checked_add(MAINTENANCE_INTERVAL) {
                Ok(t) => self.next_maintenance = t,
                Err(_) => break,
            }
        }
    }

    fn time_mute(&self, flush: &Flush, now: Timestamp) -> TimeMute {
        let check = &self.setup.intervals;
        let active = &flush.opts.active_time_intervals;
        if !active.is_empty() && !active.iter().any(|n| check(n, now)) {
            return TimeMute::OutsideActive;
        }
        match flush.opts.mute_time_intervals.iter().find(|n| check(n, now)) {
            Some(n) => TimeMute::Muted(n.clone()),
            None => TimeMute::Open,
        }
    }

    /// Records the result of a delivery. On success returns the notification log entry to
    /// persist with its expiry.
    pub fn delivered(&mut self, out: &Outgoing, ok: bool) -> Option<(NotifyLogEntry, Timestamp)> {
        let mut logged = None;
        let p = self.pending.get_mut(&out.flush_id)?;
        if ok {
            let expires = out.at.saturating_add(log_retention(out.repeat_interval)).unwrap_or(out.at);
            self.nflog.insert(out.key.clone(), (out.entry.clone(), expires));
            logged = Some((out.entry.clone(), expires));
        } else {
            p.failed = true;
        }
        p.remaining -= 1;
        if p.remaining == 0 {
            let done = self.pending.remove(&out.flush_id).expect("pending flush");
            self.in_flight.remove(&done.group_id);
            if let Some(flush) = done.flush.filter(|_| !done.failed) {
                self.dispatcher.notified(&flush);
            }
        }
        logged
    }

    /// Takes back notifications that were enqueued but not known delivered when triage
    /// stopped. Each is sent again unless the notification log shows it delivered or its
    /// deadline passed; those to send hold their group's next flush until they are done,
    /// like any delivery in flight.
    pub fn resume(&mut self, outs: Vec<Outgoing>, now: Timestamp) -> Vec<Resumed> {
        let mut new_ids: HashMap<u64, u64> = HashMap::new();
        let mut result = Vec::with_capacity(outs.len());
        for mut out in outs {
            let delivered = self.nflog.get(&out.key).is_some_and(|(e, _)| e.at >= out.at);
            if delivered {
                result.push(Resumed::AlreadyDelivered(out));
                continue;
            }
            if out.deadline < now {
                result.push(Resumed::Expired(out));
                continue;
            }
            let id = *new_ids.entry(out.flush_id).or_insert_with(|| {
                let id = self.next_flush_id;
                self.next_flush_id += 1;
                id
            });
            out.flush_id = id;
            let pending = self.pending.entry(id).or_insert_with(|| PendingFlush {
                flush: None,
                group_id: out.group_id.clone(),
                remaining: 0,
                failed: false,
            });
            pending.remaining += 1;
            self.in_flight.insert(out.group_id.clone());
            result.push(Resumed::Send(out));
        }
        result
    }

    /// The alerts of `flush` muted by `muted`, with the reasons in words.
    fn suppressed(&self, flush: &Flush, muted: &[(Fingerprint, MuteReason)]) -> Vec<Suppressed> {
        let labels_of = |fp: Fingerprint| {
            flush.alerts.iter().find(|a| a.fingerprint() == fp).map(|a| a.labels.clone()).unwrap_or_default()
        };
        muted
            .iter()
            .map(|(fp, reason)| {
                let reason = match reason {
                    MuteReason::Inhibited(by) => match self.alerts.get(by) {
                        Some(h) => format!("inhibited by {}", describe_alert(&h.alert.labels)),
                        None => format!("inhibited by alert {by}"),
                    },
                    MuteReason::Silenced(ids) => {
                        let parts: Vec<String> = ids
                            .iter()
                            .map(|id| match self.silences.get(id) {
                                Some(s) => format!("silence {id} by {} ({})", s.created_by, s.comment),
                                _ => format!("silence {id}"),
                            })
                            .collect();
                        format!("silenced by {}", parts.join(", "))
                    }
                    MuteReason::Flapping => "flapping: held until it is stable".to_string(),
                    MuteReason::Outage(id) => match self.outages.book.get(id) {
                        Some(o) => match &o.url {
                            Some(url) => format!("in outage {id}: {} ({url})", o.title),
                            None => format!("in outage {id}: {}", o.title),
                        },
                        None => format!("in outage {id}"),
                    },
                };
                Suppressed { labels: labels_of(*fp), reason }
            })
            .collect()
    }

    /// Drops alerts resolved longer than `resolved_retention`, expired notification log entries and old silences; returns
    /// the fingerprints dropped and the expired log keys.
    pub fn gc(
        &mut self,
        now: Timestamp,
        resolved_retention: SignedDuration,
        silence_retention: SignedDuration,
    ) -> (Vec<Fingerprint>, Vec<NotifyLogKey>, Vec<String>) {
        let cutoff = now.checked_sub(resolved_retention).unwrap_or(now);
        let gone: Vec<Fingerprint> =
            self.alerts.iter().filter(|(_, h)| h.alert.resolved_at(cutoff)).map(|(fp, _)| *fp).collect();
        for fp in &gone {
            self.alerts.remove(fp);
            self.inhibitor.remove(*fp);
        }
        self.flaps.retain(|fp| self.alerts.contains_key(&fp));
        let expired: Vec<NotifyLogKey> =
            self.nflog.iter().filter(|(_, (_, exp))| *exp < now).map(|(k, _)| k.clone()).collect();
        for k in &expired {
            self.nflog.remove(k);
        }
        self.dispatcher.remove_empty();
        let before: Vec<String> = self.silences.iter().map(|s| s.id.clone()).collect();
        self.silences.gc(now, silence_retention);
        let silences = before.into_iter().filter(|id| self.silences.get(id).is_none()).collect();
        (gone, expired, silences)
    }

    /// Replaces the setup (reload): groups are rebuilt from the held alerts, keeping the
    /// timers of groups whose key is unchanged. Deliveries in flight stay pending: their
    /// results still write the notification log, so a reload never causes a resend.
    pub fn reload(&mut self, setup: Setup, now: Timestamp) {
        self.setup = Arc::new(setup);
        self.outages.book.set_correlation(self.setup.correlation.clone());
        self.flaps.set_rule(self.setup.flapping);
        self.inhibitor = Inhibitor::new(self.setup.inhibit_rules.clone());
        for held in self.alerts.values() {
            self.inhibitor.upsert(&held.alert);
        }
        self.set_incident_policies();
        self.regroup(now);
    }

    /// The held alerts.
    pub fn alerts(&self) -> impl Iterator<Item = &Arc<Alert>> {
        self.alerts.values().map(|h| &h.alert)
    }

    /// The held alerts with their fingerprints (not recomputed).
    pub fn alerts_by_fingerprint(&self) -> impl Iterator<Item = (Fingerprint, &Arc<Alert>)> {
        self.alerts.iter().map(|(fp, h)| (*fp, &h.alert))
    }

    /// How many alerts are held.
    pub fn alert_count(&self) -> usize {
        self.alerts.len()
    }

    /// One held alert.
    pub fn alert(&self, fp: Fingerprint) -> Option<&Arc<Alert>> {
        self.alerts.get(&fp).map(|h| &h.alert)
    }

    /// The live status of an alert: silences and inhibitions that apply now.
    pub fn status(&self, labels: &LabelSet, now: Timestamp) -> AlertStatus {
        AlertStatus {
            silenced_by: self.silences.mutes(labels, now),
            inhibited_by: self.inhibitor.mutes(labels, now).map(|fp| fp.to_string()).into_iter().collect(),
            outage: self.outages.book.scheduled_for(labels, now).map(|o| o.id.clone()),
            flapping: self.flaps.flapping_now(labels.fingerprint()),
        }
    }

    /// The aggregation groups.
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }

    /// Group timers changed since the last call, for the store.
    pub fn take_dirty_timers(&mut self) -> Vec<(String, Option<GroupTimer>)> {
        self.dispatcher.take_dirty_timers()
    }

    /// The receivers an alert routes to.
    pub fn receivers_of(&self, labels: &LabelSet) -> Vec<String> {
        self.setup.route.match_labels(labels).into_iter().map(|r| r.opts.receiver.clone()).collect()
    }
}
