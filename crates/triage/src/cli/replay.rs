//! `triage replay [--config FILE] --input FILE [--json]`: an alert history run through the whole
//! pipeline (routing, grouping, inhibition, outages' and flapping's holds, dedup) on a fake
//! clock, printing what would have been notified.
//!
//! The input is either Alertmanager alert JSON, one alert per line (each with `startsAt`, and
//! `endsAt` for its end), or a CSV whose time column and label columns the configuration's
//! `replay` section names (each row fires from its time for `fires_for`, renewed by later
//! rows of the same labels). Every notification counts as delivered at once. Bad input stops
//! with an error naming the file and line; nothing is half printed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use indicatif::ProgressBar;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use triage_core::LabelSet;
use triage_core::config::Config;
use triage_core::engine::{Engine, Setup};
use triage_core::pipeline::MuteReason;
use triage_core::replay_input::read_history;
use triage_core::silence::Silences;

/// One notification as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct ReplayedNotification {
    /// When it would have been sent (RFC 3339).
    pub at: String,
    /// The receiver.
    pub receiver: String,
    /// The incident it notified (its id), or for a route not notifying per incident, the
    /// aggregation group's key.
    pub incident: String,
    /// The alerts it carried.
    pub alerts: Vec<ReplayedAlert>,
}

/// An alert of a notification.
#[derive(Debug, Serialize)]
pub struct ReplayedAlert {
    /// Its labels.
    pub labels: LabelSet,
    /// When it started (RFC 3339).
    #[serde(rename = "startsAt")]
    pub starts_at: String,
}

/// What a replay found.
#[derive(Debug, Serialize)]
pub struct ReplayReport {
    /// Alerts read (rows or lines).
    pub alerts_in: usize,
    /// Notifications sent (one per integration notified).
    pub notifications_out: usize,
    /// Alerts held back at least once, by reason.
    pub suppressed: BTreeMap<String, usize>,
    /// Aggregation groups that notified.
    pub groups_notified: usize,
    /// Incidents opened (routes notifying per incident).
    pub incidents: usize,
    /// Every notification, in time order.
    pub notifications: Vec<ReplayedNotification>,
}

/// Replays `input` through `config`.
pub fn replay(config: &Config, input: &Path) -> Result<ReplayReport, String> {
    replay_with_progress(config, input, &crate::cli::progress::hidden())
}

/// [`replay`], counting the alerts processed on `progress` (its length is set to the number
/// of alerts once they are read).
pub fn replay_with_progress(config: &Config, input: &Path, progress: &ProgressBar) -> Result<ReplayReport, String> {
    let bytes = std::fs::read(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    let events = read_history(input, &bytes, config.file().replay.as_ref())?;
    let alerts_in = events.len();
    progress.set_length(alerts_in as u64);
    let Some(first) = events.first().map(|e| e.at) else {
        return Ok(ReplayReport {
            alerts_in: 0,
            notifications_out: 0,
            suppressed: BTreeMap::new(),
            groups_notified: 0,
            incidents: 0,
            notifications: vec![],
        });
    };
    let mut engine = Engine::new(Setup::from_config(config), vec![], Silences::new(), vec![], HashMap::new(), first);
    let mut notifications = Vec::new();
    let mut muted: BTreeMap<String, HashSet<triage_core::Fingerprint>> = BTreeMap::new();
    let mut groups = HashSet::new();
    let mut run_until = |engine: &mut Engine, until: Timestamp| {
        let mut previous: Option<Timestamp> = None;
        while let Some(wake) = engine.next_wake().filter(|w| *w <= until) {
            if previous.is_some_and(|p| wake <= p) {
                // Nothing moved the timers on: leave the rest to the next event.
                break;
            }
            previous = Some(wake);
            let tick = engine.tick(wake);
            engine.forget_closed_incidents();
            for (_, fp, reason) in tick.muted {
                let reason = match reason {
                    MuteReason::Inhibited(_) => "inhibited",
                    MuteReason::Silenced(_) => "silenced",
                    MuteReason::Outage(_) => "outage",
                    MuteReason::Flapping => "flapping",
                };
                muted.entry(reason.to_string()).or_default().insert(fp);
            }
            for out in tick.send {
                engine.delivered(&out, true);
                groups.insert(out.key.group_key.clone());
                notifications.push(ReplayedNotification {
                    at: out.at.to_string(),
                    receiver: out.key.receiver.clone(),
                    incident: out
                        .group_labels
                        .get(triage_core::incident::INCIDENT_LABEL)
                        .map_or_else(|| out.key.group_key.clone(), str::to_string),
                    alerts: out
                        .alerts
                        .iter()
                        .map(|a| ReplayedAlert { labels: a.labels.clone(), starts_at: a.starts_at.to_string() })
                        .collect(),
                });
            }
        }
    };
    for e in events {
        run_until(&mut engine, e.at);
        // As the server's housekeeping does between batches: alerts that ended by now are
        // recorded as resolved before the next one arrives, so that a re-firing alert counts
        // as a state change (flapping sees it).
        engine.timed_out(e.at);
        engine.ingest(vec![e.alert], e.at);
        engine.timed_out(e.at);
        progress.inc(1);
    }
    progress.set_message("flushing the last groups");
    // Let the last groups flush and resolve: up to a day after the last event.
    let last = engine.alerts().filter_map(|a| a.ends_at).max().unwrap_or(first);
    let end = last.saturating_add(SignedDuration::from_hours(24)).unwrap_or(last);
    let mut now = last;
    while now < end && engine.next_wake().is_some_and(|w| w <= end) {
        engine.timed_out(now);
        run_until(&mut engine, now);
        now = now.saturating_add(SignedDuration::from_mins(1)).unwrap_or(end);
    }
    Ok(ReplayReport {
        alerts_in,
        notifications_out: notifications.len(),
        suppressed: muted.into_iter().map(|(k, v)| (k, v.len())).collect(),
        groups_notified: groups.len(),
        incidents: engine.incidents_opened(),
        notifications,
    })
}

/// The human summary.
pub fn summary(r: &ReplayReport) -> String {
    // Never negative: with several integrations per receiver, or repeats and resolutions,
    // there can be more notifications than alerts, and then there is no reduction.
    let reduction = if r.alerts_in == 0 || r.notifications_out >= r.alerts_in {
        "none".to_string()
    } else {
        format!("{:.1}%", 100.0 * (1.0 - r.notifications_out as f64 / r.alerts_in as f64))
    };
    let mut out = format!(
        "alerts in:          {}\nnotifications out:  {}\ngroups notified:    {}\nincidents:          {}\nreduction:          {reduction}\n",
        r.alerts_in, r.notifications_out, r.groups_notified, r.incidents
    );
    for (reason, n) in &r.suppressed {
        out.push_str(&format!("held back ({reason}): {n} alerts\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(alerts_in: usize, notifications_out: usize) -> ReplayReport {
        ReplayReport {
            alerts_in,
            notifications_out,
            suppressed: BTreeMap::new(),
            groups_notified: 1,
            incidents: 0,
            notifications: vec![],
        }
    }

    #[test]
    fn the_reduction_is_never_negative() {
        assert!(summary(&report(1, 4)).contains("reduction:          none\n"), "{}", summary(&report(1, 4)));
        assert!(summary(&report(200, 3)).contains("reduction:          98.5%\n"));
        assert!(summary(&report(0, 0)).contains("reduction:          none\n"));
    }
}
