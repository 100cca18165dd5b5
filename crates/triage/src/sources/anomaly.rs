//! The anomaly source: queries the configured expressions from VictoriaMetrics or Prometheus
//! (`/api/v1/query_range`) every interval, feeds each returned series to its own detector,
//! raises an alert when a series becomes anomalous and resolves it when the series has stayed
//! inside its expected band for the recovery time.
//!
//! - Alerts carry the series' labels (`__name__` as `metric`), `alertname` = the query's name,
//!   `source="anomaly"` and the query's labels; annotations give the score, the value, the
//!   expected band, the query, and a graph link as `generatorURL`. A firing anomaly is posted
//!   again at every poll, also when the query fails: a datasource that is down resolves
//!   nothing.
//! - Scores and bands go back to VictoriaMetrics (`triage_anomaly_score`,
//!   `triage_anomaly_lower`, `triage_anomaly_upper`, with the series' labels and `query`).
//! - Detector states are saved in the store every few minutes, at reload and at shutdown, so a restart
//!   resumes learning instead of starting from zero; only points after the last one seen are
//!   fed, so nothing is learnt twice.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use parking_lot::Mutex;
use triage_core::anomaly::{Detector, DetectorConfig};
use triage_core::anomaly_watch::{Observation, SeriesWatch, WatchEvent, WatchState};
use triage_core::config::Config;
use triage_core::config::anomaly::{AnomalyConfig, AnomalyQuery};
use triage_core::series::parse_query_range_labelled;

use crate::engine::EngineHandle;
use crate::metrics::{SourceErrorLabel, SourceLabel};
use crate::store::Write;
use crate::store::writer::StoreWriter;

/// The state namespace of saved detectors.
pub const ANOMALY_NS: &str = "anomaly";
/// Largest query answer read.
const MAX_ANSWER_BYTES: usize = 64 << 20;
/// How often detector states are saved.
const SAVE_EVERY: SignedDuration = SignedDuration::from_mins(5);
/// Separates the query name from the series key in a saved state's key.
const KEY_SEP: char = '\u{1f}';

/// One watched series.
struct Watched {
    labels: BTreeMap<String, String>,
    watch: SeriesWatch,
}

/// Every watched series, by query name then series key; survives reloads.
type Watches = HashMap<String, HashMap<String, Watched>>;

/// The running anomaly source.
pub struct AnomalySource {
    engine: EngineHandle,
    writer: StoreWriter,
    watches: Arc<Mutex<Watches>>,
    task: Mutex<Option<tokio::task::AbortHandle>>,
}

fn series_key(labels: &BTreeMap<String, String>) -> String {
    serde_json::to_string(labels).unwrap_or_default()
}

impl AnomalySource {
    /// A source resuming from the saved states (`(key, JSON)` of namespace [`ANOMALY_NS`]).
    pub fn new(engine: EngineHandle, writer: StoreWriter, saved: &[(String, String, String)]) -> Arc<AnomalySource> {
        let mut watches: Watches = HashMap::new();
        for (ns, key, value) in saved {
            if ns != ANOMALY_NS {
                continue;
            }
            let Some((query, series)) = key.split_once(KEY_SEP) else { continue };
            let labels: Result<BTreeMap<String, String>, _> = serde_json::from_str(series);
            match (labels, serde_json::from_str::<WatchState>(value)) {
                (Ok(labels), Ok(state)) => {
                    watches
                        .entry(query.to_string())
                        .or_default()
                        .insert(series.to_string(), Watched { labels, watch: SeriesWatch::restore(state) });
                }
                _ => tracing::error!(key = %key, "skipping an unreadable saved anomaly detector"),
            }
        }
        Arc::new(AnomalySource { engine, writer, watches: Arc::new(Mutex::new(watches)), task: Mutex::new(None) })
    }

    /// Saves every detector's state now (at shutdown).
    pub fn save_now(&self) {
        let now = self.engine.shared.clock.now();
        self.writer.submit(save_all(&self.watches.lock(), now));
    }

    /// Runs the `anomaly` section of `config` (replacing what ran); saves and forgets the
    /// detectors of queries it no longer names.
    pub fn configure(&self, config: &Config) {
        if let Some(t) = self.task.lock().take() {
            t.abort();
        }
        let section = config.file().anomaly.clone();
        let names: Vec<&str> = section.iter().flat_map(|s| s.queries.iter().map(|q| q.name.as_str())).collect();
        let now = self.engine.shared.clock.now();
        let mut writes = save_all(&self.watches.lock(), now);
        {
            let mut watches = self.watches.lock();
            let gone: Vec<String> = watches.keys().filter(|k| !names.contains(&k.as_str())).cloned().collect();
            for q in gone {
                for key in watches.remove(&q).unwrap_or_default().keys() {
                    writes.push(Write::State(ANOMALY_NS, format!("{q}{KEY_SEP}{key}"), None, now));
                }
            }
        }
        self.writer.submit(writes);
        let Some(section) = section else { return };
        let runner = Runner {
            engine: self.engine.clone(),
            writer: self.writer.clone(),
            watches: Arc::clone(&self.watches),
            resolve_timeout: config.resolve_timeout(),
            section,
            client: reqwest::Client::new(),
        };
        *self.task.lock() = Some(tokio::spawn(runner.run()).abort_handle());
    }
}

fn save_all(watches: &Watches, now: Timestamp) -> Vec<Write> {
    let mut writes = Vec::new();
    for (query, series) in watches {
        for (key, w) in series {
            if let Ok(json) = serde_json::to_string(&w.watch.state()) {
                writes.push(Write::State(ANOMALY_NS, format!("{query}{KEY_SEP}{key}"), Some(json), now));
            }
        }
    }
    writes
}

struct Runner {
    engine: EngineHandle,
    writer: StoreWriter,
    watches: Arc<Mutex<Watches>>,
    resolve_timeout: SignedDuration,
    section: AnomalyConfig,
    client: reqwest::Client,
}

fn secs(d: Option<triage_core::config::PromDuration>, default: SignedDuration) -> SignedDuration {
    d.map_or(default, |d| d.get())
}

impl Runner {
    fn interval(&self) -> SignedDuration {
        secs(self.section.interval, SignedDuration::from_mins(1))
    }

    async fn run(self) {
        let interval =
            Duration::try_from(self.interval()).unwrap_or(Duration::from_secs(60)).max(Duration::from_millis(100));
        let mut saved_at = self.engine.shared.clock.now();
        loop {
            for q in &self.section.queries {
                self.poll(q).await;
            }
            let now = self.engine.shared.clock.now();
            if now.duration_since(saved_at) >= SAVE_EVERY {
                saved_at = now;
                let writes = save_all(&self.watches.lock(), now);
                self.writer.submit(writes);
            }
            tokio::time::sleep(interval).await;
        }
    }

    fn base(&self) -> &str {
        self.section.datasource_url.trim_end_matches('/')
    }

    async fn poll(&self, q: &AnomalyQuery) {
        let now = self.engine.shared.clock.now();
        let metrics = &self.engine.shared.metrics;
        let label = SourceLabel { source: q.name.clone() };
        let step = secs(self.section.step, self.interval()).max(SignedDuration::from_secs(1));
        let learn = secs(self.section.learn_range, SignedDuration::from_hours(24));
        let last_seen =
            self.watches.lock().get(&q.name).and_then(|m| m.values().filter_map(|w| w.watch.last_timestamp_ms()).max());
        let earliest = now.checked_sub(learn).unwrap_or(now);
        let start = match last_seen {
            Some(ms) => {
                Timestamp::from_millisecond(ms).unwrap_or(earliest).max(earliest).checked_sub(step).unwrap_or(earliest)
            }
            None => earliest,
        };
        let mut scored: Vec<(BTreeMap<String, String>, Vec<Observation>)> = Vec::new();
        match self.query(&q.expr, start, now, step).await {
            Ok(series) => {
                let threshold = q.threshold.or(self.section.threshold).unwrap_or(0.99);
                let recovery = secs(self.section.recovery, SignedDuration::from_mins(10)).as_millis() as i64;
                let max_series = self.section.max_series.unwrap_or(1000);
                let mut watches = self.watches.lock();
                let per_query = watches.entry(q.name.clone()).or_default();
                let mut skipped = 0usize;
                for (labels, points) in series {
                    let key = series_key(&labels);
                    if !per_query.contains_key(&key) && per_query.len() >= max_series {
                        skipped += 1;
                        continue;
                    }
                    let w = per_query.entry(key).or_insert_with(|| Watched {
                        labels: labels.clone(),
                        watch: SeriesWatch::new(Detector::new(DetectorConfig::default())),
                    });
                    let mut observations = Vec::new();
                    for (at_ms, value) in points {
                        let (obs, event) = w.watch.feed(at_ms, value, threshold, recovery);
                        observations.extend(obs);
                        match event {
                            Some(WatchEvent::Anomalous(o)) => {
                                tracing::info!(query = %q.name, series = %series_key(&labels), score = o.score, "series became anomalous")
                            }
                            Some(WatchEvent::Recovered { .. }) => {
                                tracing::info!(query = %q.name, series = %series_key(&labels), "series recovered")
                            }
                            None => {}
                        }
                    }
                    scored.push((labels, observations));
                }
                metrics.anomaly_series.get_or_create(&label).set(per_query.len() as i64);
                if skipped > 0 {
                    metrics
                        .anomaly_errors
                        .get_or_create(&SourceErrorLabel { source: q.name.clone(), stage: "max_series".into() })
                        .inc_by(skipped as u64);
                }
                let points: usize = scored.iter().map(|(_, o)| o.len()).sum();
                metrics.anomaly_points.get_or_create(&label).inc_by(points as u64);
            }
            Err(e) => {
                metrics
                    .anomaly_errors
                    .get_or_create(&SourceErrorLabel { source: q.name.clone(), stage: "query".into() })
                    .inc();
                tracing::error!(query = %q.name, error = %e, "anomaly query failed; firing anomalies stay firing");
            }
        }
        let alerts = self.alerts(q, now);
        if let Err(e) = crate::ingest::post_own(&self.engine, &alerts, self.resolve_timeout).await {
            tracing::error!(query = %q.name, error = %e, "posting anomaly alerts failed");
        }
        if let Some(url) = &self.section.scores_url {
            let body = scores_body(&q.name, &scored);
            if !body.is_empty() {
                let timeout =
                    Duration::try_from(self.interval()).unwrap_or(Duration::from_secs(30)).min(Duration::from_secs(30));
                if let Err(e) = crate::net::vm_import::import_json_lines(url, body, timeout).await {
                    metrics
                        .anomaly_errors
                        .get_or_create(&SourceErrorLabel { source: q.name.clone(), stage: "scores".into() })
                        .inc();
                    tracing::error!(query = %q.name, error = %e, "writing anomaly scores failed");
                }
            }
        }
    }

    async fn query(
        &self,
        expr: &str,
        start: Timestamp,
        end: Timestamp,
        step: SignedDuration,
    ) -> Result<Vec<triage_core::series::LabelledPoints>, String> {
        let base = self.base();
        let params: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("query", expr)
            .append_pair("start", &format!("{:.3}", start.as_millisecond() as f64 / 1000.0))
            .append_pair("end", &format!("{:.3}", end.as_millisecond() as f64 / 1000.0))
            .append_pair("step", &format!("{}s", step.as_secs().max(1)))
            .finish();
        let timeout = Duration::try_from(secs(self.section.timeout, SignedDuration::from_secs(30)))
            .unwrap_or(Duration::from_secs(30));
        let mut request = self.client.get(format!("{base}/api/v1/query_range?{params}")).timeout(timeout);
        if let Some(f) = &self.section.bearer_token_file {
            let token = std::fs::read_to_string(f).map_err(|e| format!("cannot read the token file {f}: {e}"))?;
            request = request.bearer_auth(token.trim());
        }
        let mut response = request.send().await.map_err(|e| {
            let what = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "unreachable"
            } else {
                "failed"
            };
            format!("query_range at {base} {what}: {e}")
        })?;
        let status = response.status();
        let capped = crate::net::body::read_capped(&mut response, MAX_ANSWER_BYTES).await;
        if let Some(e) = capped.error {
            return Err(format!("query_range at {base}: {e}"));
        }
        if capped.over {
            return Err(format!("query_range at {base} answered more than {MAX_ANSWER_BYTES} bytes"));
        }
        let body = capped.body;
        if !status.is_success() {
            let detail = triage_core::series::api_error_detail(&body)
                .unwrap_or_else(|| triage_core::series::shorten(&String::from_utf8_lossy(&body), 300));
            return Err(format!("query_range at {base} answered HTTP {status}: {detail}"));
        }
        parse_query_range_labelled(&body, base)
    }

    /// The alerts of the query's series: firing ones kept alive, those that recovered since
    /// the last post resolved.
    fn alerts(&self, q: &AnomalyQuery, now: Timestamp) -> Vec<triage_core::Alert> {
        let lifetime = self.interval().saturating_mul(3).max(self.resolve_timeout);
        let watches = self.watches.lock();
        let Some(series) = watches.get(&q.name) else { return Vec::new() };
        let held: std::collections::HashSet<triage_core::Fingerprint> = {
            let core = self.engine.shared.engine.read();
            core.alerts_by_fingerprint().filter(|(_, a)| !a.resolved_at(now)).map(|(fp, _)| fp).collect()
        };
        let mut out = Vec::new();
        for w in series.values() {
            let labels = alert_labels(q, &w.labels);
            match (w.watch.anomalous(), w.watch.last()) {
                (Some(first), last) => {
                    let peak = w.watch.peak().unwrap_or(first);
                    let last = last.unwrap_or(first);
                    let mut annotations = triage_core::LabelSet::from_pairs([
                        (
                            "summary",
                            format!(
                                "{} is anomalous: {} outside {}..{}",
                                q.name,
                                fmt(last.value),
                                fmt(last.lower),
                                fmt(last.upper)
                            )
                            .as_str(),
                        ),
                        ("score", fmt(peak.score).as_str()),
                        ("value", fmt(last.value).as_str()),
                        ("expected", format!("{}..{}", fmt(last.lower), fmt(last.upper)).as_str()),
                        ("query", q.expr.as_str()),
                    ]);
                    annotations.insert("series".into(), triage_core::series::series_name(&w.labels).into());
                    out.push(triage_core::Alert {
                        labels,
                        annotations,
                        starts_at: Timestamp::from_millisecond(first.at_ms).unwrap_or(now),
                        ends_at: Some(now.saturating_add(lifetime).unwrap_or(now)),
                        updated_at: now,
                        generator_url: self.graph_url(&q.expr),
                        timeout: false,
                    });
                }
                (None, Some(last)) if held.contains(&labels.fingerprint()) => {
                    // Recovered: resolve the alert still held as firing.
                    let core = self.engine.shared.engine.read();
                    if let Some(a) = core.alert(labels.fingerprint()) {
                        let mut a = (**a).clone();
                        a.ends_at =
                            Some(Timestamp::from_millisecond(last.at_ms).unwrap_or(now).min(now).max(a.starts_at));
                        a.annotations.insert("value".into(), fmt(last.value).into());
                        out.push(a);
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn graph_url(&self, expr: &str) -> String {
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("g0.expr", expr)
            .append_pair("g0.tab", "0")
            .finish();
        format!("{}/graph?{q}", self.base())
    }
}

/// An alert's labels for a series of query `q`.
fn alert_labels(q: &AnomalyQuery, series: &BTreeMap<String, String>) -> triage_core::LabelSet {
    let mut labels = triage_core::LabelSet::new();
    for (k, v) in series {
        let name = if k == "__name__" { "metric" } else { k.as_str() };
        if triage_core::labels::is_valid_label_name(name) && !v.is_empty() {
            labels.insert(name.into(), v.as_str().into());
        }
    }
    for (k, v) in &q.labels {
        labels.insert(k.as_str().into(), v.as_str().into());
    }
    labels.insert("alertname".into(), q.name.as_str().into());
    labels.insert("source".into(), "anomaly".into());
    labels
}

fn fmt(v: f64) -> String {
    if v.is_finite() && v.abs() < 1e15 && (v.fract() == 0.0) {
        format!("{v:.0}")
    } else {
        format!("{v:.4}").trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// VictoriaMetrics import lines: score, lower and upper band per series.
fn scores_body(query: &str, scored: &[(BTreeMap<String, String>, Vec<Observation>)]) -> String {
    let mut out = String::new();
    for (labels, obs) in scored {
        if obs.is_empty() {
            continue;
        }
        let timestamps: Vec<i64> = obs.iter().map(|o| o.at_ms).collect();
        for (name, pick) in [
            ("triage_anomaly_score", (|o: &Observation| o.score) as fn(&Observation) -> f64),
            ("triage_anomaly_lower", |o: &Observation| o.lower),
            ("triage_anomaly_upper", |o: &Observation| o.upper),
        ] {
            let mut metric: BTreeMap<&str, &str> = labels
                .iter()
                .filter(|(k, _)| k.as_str() != "__name__")
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            if let Some(series_name) = labels.get("__name__") {
                metric.insert("metric", series_name);
            }
            metric.insert("__name__", name);
            metric.insert("query", query);
            let values: Vec<f64> = obs.iter().map(pick).map(|v| if v.is_finite() { v } else { 0.0 }).collect();
            let line = serde_json::json!({"metric": metric, "values": values, "timestamps": timestamps});
            out.push_str(&line.to_string());
            out.push('\n');
        }
    }
    out
}
