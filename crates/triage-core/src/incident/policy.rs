//! A route's compiled incident policy: how its alerts are correlated into incidents and
//! what counts as a change worth a notification.

use jiff::SignedDuration;

use crate::config::Diagnostics;
use crate::config::incident::IncidentConfig;
use crate::labels::is_valid_label_name;
use crate::quote::go_quote;
use crate::route::GroupBy;

/// How a route notifies per incident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncidentPolicy {
    /// Labels an incident's alerts share; `None`: every label (one incident per alert).
    pub correlate_by: Option<Vec<String>>,
    /// Quiet time after which the next alert opens a new incident.
    pub window: SignedDuration,
    /// Labels making an alert's kind.
    pub kind_by: Vec<String>,
    /// A kind quiet this long is new again.
    pub renotify_kind_after: Option<SignedDuration>,
    /// Reminder period of an open, unchanged incident.
    pub remind_every: Option<SignedDuration>,
    /// Learned co-occurrence, when on.
    pub cooccurrence: Option<Cooccurrence>,
}

/// When two correlate keys count as failing together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cooccurrence {
    /// Joint openings needed.
    pub min_count: u32,
    /// Share of the joining key's openings, in thousandths.
    pub min_ratio_permille: u32,
}

/// The default quiet window.
pub const DEFAULT_WINDOW: SignedDuration = SignedDuration::from_mins(15);

impl IncidentPolicy {
    /// Applies a route's `incidents` key on top of the parent's policy. `None` out: the route
    /// does not notify per incident.
    pub(crate) fn compile(
        parent: Option<&IncidentPolicy>,
        cfg: Option<&IncidentConfig>,
        group_by: &GroupBy,
        path: &str,
        check: bool,
        diag: &mut Diagnostics,
    ) -> Option<IncidentPolicy> {
        let Some(cfg) = cfg else { return parent.cloned() };
        if cfg.enabled == Some(false) {
            return None;
        }
        let path = format!("{path}.incidents");
        let mut labels = |field: &str, list: &[String]| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for (i, l) in list.iter().enumerate() {
                if !is_valid_label_name(l) {
                    if check {
                        diag.push(format!("{path}.{field}[{i}]"), format!("invalid label name {}", go_quote(l)));
                    }
                } else if !out.contains(l) {
                    out.push(l.clone());
                }
            }
            out.sort();
            out
        };
        let base = parent.cloned().unwrap_or_else(|| IncidentPolicy {
            correlate_by: match group_by {
                GroupBy::All => None,
                GroupBy::Labels(names) => Some(names.clone()),
            },
            window: DEFAULT_WINDOW,
            kind_by: vec!["alertname".to_string()],
            renotify_kind_after: None,
            remind_every: None,
            cooccurrence: None,
        });
        let correlate_by = match &cfg.correlate_by {
            Some(list) => Some(labels("correlate_by", list)),
            None => base.correlate_by,
        };
        let kind_by = match &cfg.kind_by {
            Some(list) if list.is_empty() => {
                if check {
                    diag.push(format!("{path}.kind_by"), "needs at least one label name");
                }
                base.kind_by
            }
            Some(list) => labels("kind_by", list),
            None => base.kind_by,
        };
        let mut positive = |field: &str, d: Option<SignedDuration>| {
            if check && d.is_some_and(|d| d.is_zero() || d.is_negative()) {
                diag.push(format!("{path}.{field}"), "must be longer than zero");
            }
            d
        };
        let window = positive("window", cfg.window.map(|d| d.get())).unwrap_or(base.window);
        let renotify_kind_after =
            positive("renotify_kind_after", cfg.renotify_kind_after.map(|d| d.get())).or(base.renotify_kind_after);
        let remind_every = positive("remind_every", cfg.remind_every.map(|d| d.get())).or(base.remind_every);
        let cooccurrence = match &cfg.cooccurrence {
            None => base.cooccurrence,
            Some(c) => {
                if check && c.min_count == 0 {
                    diag.push(format!("{path}.cooccurrence.min_count"), "must be at least 1");
                }
                if check && !(c.min_ratio > 0.0 && c.min_ratio <= 1.0) {
                    diag.push(format!("{path}.cooccurrence.min_ratio"), "must be above 0 and at most 1");
                }
                Some(Cooccurrence {
                    min_count: c.min_count.max(1),
                    min_ratio_permille: (c.min_ratio.clamp(0.0, 1.0) * 1000.0).round() as u32,
                })
            }
        };
        Some(IncidentPolicy { correlate_by, window, kind_by, renotify_kind_after, remind_every, cooccurrence })
    }
}
