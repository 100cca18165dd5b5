//! The notification pipeline after a group flushes: mute, then decide per integration
//! whether anything changed since the last notification (Alertmanager's dedup stage).
//!
//! Every stage returns what happened as a value. Muting follows Alertmanager's order:
//! inhibition, scheduled outages, flapping, active time intervals, mute time intervals, silences. The decision compares the
//! flush with the notification log entry of the same group and integration.

use jiff::{SignedDuration, Timestamp};

use crate::alert::Alert;
use crate::dispatch::Flush;
use crate::labels::{Fingerprint, LabelSet};

/// What the notification log remembers of the last notification of a group to one
/// integration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyLogEntry {
    /// Fingerprints notified as firing, sorted.
    pub firing: Vec<Fingerprint>,
    /// Fingerprints notified as resolved, sorted.
    pub resolved: Vec<Fingerprint>,
    /// When it was sent.
    pub at: Timestamp,
}

/// Why one alert was left out of a notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MuteReason {
    /// Inhibited by the alert with this fingerprint.
    Inhibited(Fingerprint),
    /// Silenced by these silence ids.
    Silenced(Vec<String>),
    /// Inside this scheduled outage (maintenance).
    Outage(String),
    /// Flapping: held until it is stable.
    Flapping,
}

/// Per-alert muting: inhibition and silences, evaluated at flush time.
pub trait AlertMute {
    /// Whether the alert is inhibited, and by which alert.
    fn inhibited_by(&self, labels: &LabelSet, now: Timestamp) -> Option<Fingerprint>;
    /// The ids of the active silences that match the alert.
    fn silenced_by(&self, labels: &LabelSet, now: Timestamp) -> Vec<String>;
    /// The scheduled outage hiding the alert, if any.
    fn in_outage(&self, _labels: &LabelSet, _now: Timestamp) -> Option<String> {
        None
    }
    /// Whether the alert is flapping.
    fn flapping(&self, _fp: Fingerprint) -> bool {
        false
    }
}

/// Why an integration was not notified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// Every alert of the flush is inhibited or silenced.
    AllMuted,
    /// Now is outside every active time interval of the route.
    OutsideActiveTime,
    /// Now is inside this mute time interval of the route.
    MuteTimeInterval(String),
    /// Nothing changed since the last notification and repeat_interval has not elapsed.
    Unchanged,
    /// The group has only resolved alerts that were never notified as firing.
    NothingFiringNotified,
}

impl SkipReason {
    /// A short machine-readable reason for the history.
    pub fn as_str(&self) -> &'static str {
        match self {
            SkipReason::AllMuted => "all_muted",
            SkipReason::OutsideActiveTime => "outside_active_time",
            SkipReason::MuteTimeInterval(_) => "mute_time_interval",
            SkipReason::Unchanged => "unchanged",
            SkipReason::NothingFiringNotified => "nothing_firing_notified",
        }
    }
}

/// What to do for one integration of the receiver.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Send these alerts (resolved ones already dropped where send_resolved is off). The log
    /// entry to write after a successful send is given. `alerts` may be empty when only
    /// resolved alerts remain and send_resolved is off: then nothing is sent but the entry is
    /// still written, as Alertmanager does.
    Send {
        /// Alerts to put in the message.
        alerts: Vec<Alert>,
        /// The entry to record once sent.
        entry: NotifyLogEntry,
    },
    /// Do not send.
    Skip(SkipReason),
}

/// One integration of a receiver as the pipeline sees it.
#[derive(Clone, Copy, Debug)]
pub struct IntegrationInfo {
    /// Whether resolved alerts are sent.
    pub send_resolved: bool,
}

/// The outcome of the pipeline for one flush.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Alerts removed by inhibition or silences, with the reason.
    pub muted: Vec<(Fingerprint, MuteReason)>,
    /// One decision per integration, in the receiver's order.
    pub decisions: Vec<Decision>,
}

/// Time-interval muting of a flush, decided by the caller from the route's interval names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeMute {
    /// Not muted by time.
    Open,
    /// Outside all active time intervals.
    OutsideActive,
    /// Inside the named mute time interval.
    Muted(String),
}

/// Runs mute and dedup for a flush.
pub fn plan(
    flush: &Flush,
    integrations: &[IntegrationInfo],
    log_entry: impl Fn(usize) -> Option<NotifyLogEntry>,
    mute: &dyn AlertMute,
    time_mute: TimeMute,
) -> Plan {
    let now = flush.at;
    let mut muted = Vec::new();
    let mut kept = Vec::with_capacity(flush.alerts.len());
    for a in &flush.alerts {
        if let Some(by) = mute.inhibited_by(&a.labels, now) {
            muted.push((a.fingerprint(), MuteReason::Inhibited(by)));
            continue;
        }
        if let Some(id) = mute.in_outage(&a.labels, now) {
            muted.push((a.fingerprint(), MuteReason::Outage(id)));
            continue;
        }
        if mute.flapping(a.fingerprint()) {
            muted.push((a.fingerprint(), MuteReason::Flapping));
            continue;
        }
        kept.push(a);
    }
    let skip_all = |reason: SkipReason, muted| Plan {
        muted,
        decisions: integrations.iter().map(|_| Decision::Skip(reason.clone())).collect(),
    };
    if kept.is_empty() {
        return skip_all(SkipReason::AllMuted, muted);
    }
    match time_mute {
        TimeMute::Open => {}
        TimeMute::OutsideActive => return skip_all(SkipReason::OutsideActiveTime, muted),
        TimeMute::Muted(name) => return skip_all(SkipReason::MuteTimeInterval(name), muted),
    }
    let mut alerts: Vec<Alert> = Vec::with_capacity(kept.len());
    for a in kept {
        let ids = mute.silenced_by(&a.labels, now);
        if ids.is_empty() {
            alerts.push(a.clone());
        } else {
            muted.push((a.fingerprint(), MuteReason::Silenced(ids)));
        }
    }
    if alerts.is_empty() {
        return skip_all(SkipReason::AllMuted, muted);
    }
    let mut firing = Vec::new();
    let mut resolved = Vec::new();
    for a in &alerts {
        if a.resolved_at(now) {
            resolved.push(a.fingerprint());
        } else {
            firing.push(a.fingerprint());
        }
    }
    firing.sort_unstable();
    resolved.sort_unstable();
    let decisions = integrations
        .iter()
        .enumerate()
        .map(|(i, integ)| {
            let entry = log_entry(i);
            match needs_update(entry.as_ref(), &firing, &resolved, integ.send_resolved, flush.opts.repeat_interval, now)
            {
                Some(reason) => Decision::Skip(reason),
                None => {
                    let sent: Vec<Alert> = if integ.send_resolved {
                        alerts.clone()
                    } else {
                        alerts.iter().filter(|a| !a.resolved_at(now)).cloned().collect()
                    };
                    Decision::Send {
                        alerts: sent,
                        entry: NotifyLogEntry { firing: firing.clone(), resolved: resolved.clone(), at: now },
                    }
                }
            }
        })
        .collect();
    Plan { muted, decisions }
}

fn is_subset(sub: &[Fingerprint], of: &[Fingerprint]) -> bool {
    sub.iter().all(|f| of.binary_search(f).is_ok())
}

/// Alertmanager's `needsUpdate`: `None` when a notification is due, else why not.
pub fn needs_update(
    entry: Option<&NotifyLogEntry>,
    firing: &[Fingerprint],
    resolved: &[Fingerprint],
    send_resolved: bool,
    repeat: SignedDuration,
    now: Timestamp,
) -> Option<SkipReason> {
    let Some(entry) = entry else {
        return if firing.is_empty() { Some(SkipReason::NothingFiringNotified) } else { None };
    };
    if !is_subset(firing, &entry.firing) {
        return None;
    }
    if firing.is_empty() {
        // All resolved: tell the receiver only if it knew about firing alerts.
        return if entry.firing.is_empty() { Some(SkipReason::NothingFiringNotified) } else { None };
    }
    if send_resolved && !is_subset(resolved, &entry.resolved) {
        return None;
    }
    match now.checked_sub(repeat) {
        Ok(t) if entry.at < t => None,
        _ => Some(SkipReason::Unchanged),
    }
}

/// How long a notification log entry is kept: twice the repeat interval, as Alertmanager.
pub fn log_retention(repeat: SignedDuration) -> SignedDuration {
    repeat.saturating_mul(2)
}
