//! `GET /api/v2/alerts/groups`: the aggregation groups with their alerts.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use triage_core::LabelSet;
use triage_core::alert::notification_order;

use super::AppState;
use super::alerts::{Listed, json_array_stream, passes, write_alert};
use super::error::ApiError;
use super::query::AlertQuery;

/// One group of the listing.
pub struct ListedGroup {
    labels: LabelSet,
    receiver: String,
    alerts: Vec<Listed>,
}

fn write_group(out: &mut Vec<u8>, g: &ListedGroup) {
    out.extend_from_slice(b"{\"alerts\":[");
    for (i, a) in g.alerts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_alert(out, a);
    }
    out.extend_from_slice(b"],\"labels\":");
    serde_json::to_writer(&mut *out, &g.labels).expect("serialising to memory");
    out.extend_from_slice(b",\"receiver\":");
    serde_json::to_writer(&mut *out, &serde_json::json!({"name": g.receiver})).expect("serialising to memory");
    out.push(b'}');
}

/// Lists groups that hold at least one alert passing the filter, ordered as Alertmanager
/// orders them (by labels, then receiver).
pub async fn list(State(st): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let q = AlertQuery::parse(raw.as_deref())?;
    let now = st.engine.shared.clock.now();
    let mut groups = Vec::new();
    {
        let engine = st.engine.shared.engine.read();
        for g in engine.dispatcher().groups() {
            if let Some(re) = &q.receiver
                && !re.is_match(&g.opts.receiver)
            {
                continue;
            }
            let mut alerts: Vec<Listed> = Vec::new();
            for (fp, a) in &g.alerts {
                let status = engine.status(&a.labels, now);
                if !passes(&q, a, &status, now) {
                    continue;
                }
                let receivers = engine.receivers_of(&a.labels);
                alerts.push(Listed { fp: *fp, alert: Arc::clone(a), status, receivers });
            }
            if alerts.is_empty() {
                continue;
            }
            alerts.sort_by(|a, b| notification_order(&a.alert.labels, &b.alert.labels));
            groups.push(ListedGroup { labels: g.labels.clone(), receiver: g.opts.receiver.clone(), alerts });
        }
    }
    groups.sort_by(|a, b| {
        if a.labels == b.labels {
            a.receiver.cmp(&b.receiver)
        } else if a.labels.before(&b.labels) {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Greater
        }
    });
    Ok(json_array_stream(groups, write_group))
}
