//! `GET /api/v2/analytics?from=&to=&top=` (triage's own): the noisiest alerts, flapping
//! alerts, time to resolve, and alerts and incidents per day by site, service and category,
//! over the stored history. Defaults: the last 7 days, 10 entries per list. Categories come
//! from the running classifier (`unclassified` when classification is off).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use triage_core::analytics::{HistoryEvent, OpenedIncident, analyse};
use triage_core::incident::Incident;
use triage_core::{Fingerprint, LabelSet};

use super::AppState;
use super::error::ApiError;
use super::query::pairs;
use crate::store::{HistoryQuery, IncidentQuery, Store};

/// Most history rows one answer reads.
const MAX_ROWS: u32 = 1_000_000;

/// `GET /api/v2/analytics`.
pub async fn analytics(State(st): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let now = st.engine.shared.clock.now();
    let (mut from, mut to, mut top) = (None, now, 10usize);
    for (k, v) in pairs(raw.as_deref()) {
        let time = |v: &str| {
            v.parse::<Timestamp>().map_err(|_| ApiError::BadRequest(format!("invalid {k} {v:?} (an RFC 3339 time)")))
        };
        match k.as_str() {
            "from" => from = Some(time(&v)?),
            "to" => to = time(&v)?,
            "top" => {
                top = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| ApiError::BadRequest(format!("invalid top {v:?} (1 to 1000)")))?
            }
            _ => {}
        }
    }
    let from = from.unwrap_or_else(|| to.checked_sub(SignedDuration::from_hours(24 * 7)).unwrap_or(to));
    if from > to {
        return Err(ApiError::BadRequest("from is after to".into()));
    }
    let store = &st.reloader.store;
    let internal = |e: crate::store::StoreError| ApiError::Internal(e.to_string());
    let rows = store
        .history(&HistoryQuery { fingerprint: None, since: Some(from), limit: MAX_ROWS })
        .await
        .map_err(internal)?;
    // An alert's labels are what its fingerprint is made of: parsed once per alert.
    let mut labels_of: HashMap<Fingerprint, LabelSet> = HashMap::new();
    let events: Vec<HistoryEvent> = rows
        .into_iter()
        .filter(|t| t.at <= to)
        .map(|t| {
            let labels = labels_of
                .entry(t.fingerprint)
                .or_insert_with(|| serde_json::from_str(&t.labels_json).unwrap_or_default())
                .clone();
            HistoryEvent { fingerprint: t.fingerprint, at: t.at, firing: t.state == "firing", labels }
        })
        .collect();
    let stored = store
        .incidents(&IncidentQuery { since: Some(from), until: Some(to), limit: 100_000, ..Default::default() })
        .await
        .map_err(internal)?;
    let mut incidents: HashMap<String, Incident> = HashMap::new();
    for r in stored {
        if let Ok(i) = serde_json::from_str::<Incident>(&r.body) {
            incidents.insert(i.id.clone(), i);
        }
    }
    for i in st.engine.shared.engine.read().incidents() {
        incidents.insert(i.id.clone(), i.clone());
    }
    let categories = &st.engine.shared.categories;
    let category_of = |labels: &LabelSet| {
        categories.classify(labels, &LabelSet::new()).map_or_else(|| "unclassified".to_string(), |(c, _)| c)
    };
    let incidents: Vec<OpenedIncident> = tokio::task::block_in_place(|| {
        incidents
            .into_values()
            .map(|i| OpenedIncident {
                at: i.opened_at,
                category: i.cause_labels().map_or_else(|| "unclassified".to_string(), category_of),
                labels: i.labels,
            })
            .collect()
    });
    let answer =
        tokio::task::block_in_place(|| analyse(&events, &incidents, |_, labels| category_of(labels), from, to, top));
    Ok(Json(serde_json::to_value(answer).unwrap_or_default()))
}
