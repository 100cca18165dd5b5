//! Incidents (triage's own endpoints):
//!
//! - `GET /api/v2/incidents?state=open|resolved|all&since=&until=&limit=`: open incidents
//!   come from the engine (those of incident-notifying routes, the groups formed around an
//!   unscheduled outage, and the firing aggregation groups of other routes, one incident per
//!   group); resolved ones (incident-notifying routes only) from the store. Newest first.
//! - `GET /api/v2/incidents/{id}`: one incident, open or resolved.
//!
//! Each incident: `id`, `title`, `state`, `startsAt`, `endsAt`, `cause` (`kind` `alert` or
//! `outage`, `summary`, `fingerprint` or `url`), `labels` (the correlate values), `joined`
//! (correlate values joined by co-occurrence), `severity`, `receiver`, `alerts`,
//! `alertCount`, `notifications`, `lastChange`.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use jiff::Timestamp;
use serde_json::{Value, json};
use triage_core::incident::{INCIDENT_LABEL, Incident};
use triage_core::labels::{FNV_OFFSET, fnv_write};
use triage_core::outage::tracker::OUTAGE_GROUP_LABEL;
use triage_core::template::view::severity_rank;
use triage_core::{Fingerprint, LabelSet};

use super::AppState;
use super::error::ApiError;
use super::query::pairs;
use crate::store::{IncidentQuery, Store};

/// One alert of an incident.
fn alert_json(
    fp: Fingerprint,
    labels: &LabelSet,
    starts_at: Timestamp,
    ends_at: Option<Timestamp>,
    firing: bool,
) -> Value {
    json!({
        "fingerprint": fp.to_string(),
        "labels": labels,
        "startsAt": starts_at,
        "endsAt": ends_at,
        "status": if firing { "firing" } else { "resolved" },
    })
}

/// An alert as an incident's probable cause (none known: an empty summary).
fn cause_json(cause: Option<(Fingerprint, &LabelSet)>) -> Value {
    match cause {
        Some((fp, labels)) => json!({
            "kind": "alert",
            "fingerprint": fp.to_string(),
            "summary": format!("{} {}", labels.value("alertname"), labels),
        }),
        None => json!({"kind": "alert", "summary": ""}),
    }
}

/// An incident as the API shows it.
pub fn incident_json(i: &Incident, now: Timestamp) -> Value {
    let alerts: Vec<Value> = i
        .alerts
        .iter()
        .map(|(fp, a)| {
            let firing = a.ends_at.is_none_or(|e| e > now) && i.is_open();
            alert_json(*fp, &a.labels, a.starts_at, a.ends_at, firing)
        })
        .collect();
    let cause = cause_json(i.cause.zip(i.cause_labels()));
    json!({
        "id": i.id,
        "title": i.title(),
        "state": if i.is_open() { "open" } else { "resolved" },
        "startsAt": i.opened_at,
        "endsAt": i.closed_at,
        "cause": cause,
        "labels": i.labels,
        "joined": i.joined,
        "severity": i.severity(now),
        "receiver": i.receiver,
        "alerts": alerts,
        "alertCount": i.alert_count,
        "notifications": i.notifications,
        "lastChange": i.last_change,
    })
}

/// The open incidents: tracked ones, the groups formed around an unscheduled outage, and
/// the firing aggregation groups of routes that do not notify per incident (each group is
/// then one incident).
fn open_incidents(st: &AppState, now: Timestamp) -> Vec<Value> {
    let engine = st.engine.shared.engine.read();
    let mut out: Vec<Value> = engine.incidents().filter(|i| i.is_open()).map(|i| incident_json(i, now)).collect();
    for g in engine.dispatcher().groups() {
        if g.labels.get(INCIDENT_LABEL).is_some() || g.alerts.values().all(|a| a.resolved_at(now)) {
            continue;
        }
        let outage = g.labels.get(OUTAGE_GROUP_LABEL).and_then(|id| engine.outages().find(|o| o.id == id));
        let alerts: Vec<Value> = g
            .alerts
            .iter()
            .map(|(fp, a)| alert_json(*fp, &a.labels, a.starts_at, a.ends_at, !a.resolved_at(now)))
            .collect();
        let severity = g
            .alerts
            .values()
            .filter(|a| !a.resolved_at(now))
            .map(|a| a.labels.value("severity"))
            .max_by_key(|s| severity_rank(s))
            .unwrap_or("");
        let first = g.alerts.iter().min_by_key(|(fp, a)| (a.starts_at, **fp));
        let (id, title, starts_at, ends_at, cause) = match outage {
            Some(o) => (
                o.id.clone(),
                o.title.clone(),
                o.starts_at,
                o.ends_at,
                json!({"kind": "outage", "summary": o.title, "url": o.url}),
            ),
            None => (
                format!("{:016x}", fnv_write(FNV_OFFSET, g.id.as_bytes())),
                g.labels.to_string(),
                first.map_or(now, |(_, a)| a.starts_at),
                None,
                cause_json(first.map(|(fp, a)| (*fp, &a.labels))),
            ),
        };
        out.push(json!({
            "id": id,
            "title": title,
            "state": "open",
            "startsAt": starts_at,
            "endsAt": ends_at,
            "cause": cause,
            "labels": g.labels,
            "joined": [],
            "severity": severity,
            "receiver": g.opts.receiver,
            "alerts": alerts,
            "alertCount": g.alerts.len(),
            "notifications": Value::Null,
            "lastChange": Value::Null,
        }));
    }
    out
}

fn parse_time(name: &str, v: &str) -> Result<Timestamp, ApiError> {
    v.parse().map_err(|_| ApiError::BadRequest(format!("invalid {name} {v:?} (an RFC 3339 time)")))
}

/// `GET /api/v2/incidents`.
pub async fn list(State(st): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let mut state = "open".to_string();
    let mut q = IncidentQuery { open: Some(false), limit: 1000, ..Default::default() };
    for (k, v) in pairs(raw.as_deref()) {
        match k.as_str() {
            "state" if ["open", "resolved", "all"].contains(&v.as_str()) => state = v,
            "state" => return Err(ApiError::BadRequest(format!("invalid state {v:?} (open, resolved or all)"))),
            "since" => q.since = Some(parse_time(&k, &v)?),
            "until" => q.until = Some(parse_time(&k, &v)?),
            "limit" => q.limit = v.parse().map_err(|_| ApiError::BadRequest(format!("invalid limit {v:?}")))?,
            _ => {}
        }
    }
    let now = st.engine.shared.clock.now();
    let mut out = Vec::new();
    if state != "resolved" {
        out.extend(open_incidents(&st, now).into_iter().filter(|i| {
            let at = i["startsAt"].as_str().and_then(|s| s.parse::<Timestamp>().ok());
            q.since.is_none_or(|s| at.is_some_and(|a| a >= s)) && q.until.is_none_or(|u| at.is_some_and(|a| a <= u))
        }));
    }
    if state != "open" {
        let rows = st.reloader.store.incidents(&q).await.map_err(|e| ApiError::Internal(e.to_string()))?;
        for r in rows {
            match serde_json::from_str::<Incident>(&r.body) {
                Ok(i) => out.push(incident_json(&i, now)),
                Err(e) => tracing::error!(id = r.id, error = %e, "a stored incident cannot be read"),
            }
        }
    }
    out.sort_by(|a, b| b["startsAt"].as_str().cmp(&a["startsAt"].as_str()));
    out.truncate(q.limit.max(1) as usize);
    Ok(Json(Value::Array(out)))
}

/// `GET /api/v2/incidents/{id}`.
pub async fn get_one(State(st): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let now = st.engine.shared.clock.now();
    if let Some(i) = open_incidents(&st, now).into_iter().find(|i| i["id"] == id.as_str()) {
        return Ok(Json(i));
    }
    let rows = st
        .reloader
        .store
        .incidents(&IncidentQuery { id: Some(id.clone()), open: None, limit: 1, ..Default::default() })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let row = rows.into_iter().next().ok_or(ApiError::NotFound)?;
    let i: Incident = serde_json::from_str(&row.body).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(incident_json(&i, now)))
}
