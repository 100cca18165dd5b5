//! triage's own metrics and the process's, served on `/metrics` in the Prometheus text format,
//! or in OpenMetrics when the scraper asks for it.

pub mod exposition;
mod process;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A label with one value.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    /// The value.
    pub kind: String,
}

/// The label of stage latencies.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StageLabel {
    /// The pipeline stage.
    pub stage: String,
}

/// The labels of notification counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IntegrationLabel {
    /// The integration kind (webhook, ...).
    pub integration: String,
}

/// The labels of outage source metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabel {
    /// The source's configured name.
    pub source: String,
}

/// The labels of outage source errors.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceErrorLabel {
    /// The source's configured name.
    pub source: String,
    /// `fetch` (unreachable, timeout, HTTP error), `parse` (unreadable answer), `poll` (one
    /// of the two, from a client doing both) or `inject` (writing ticket series).
    pub stage: String,
}

/// Every metric triage exports.
pub struct Metrics {
    registry: Registry,
    /// Alerts received, by `firing`/`resolved`.
    pub alerts_received: Family<KindLabel, Counter>,
    /// Alerts rejected by validation.
    pub alerts_invalid: Counter,
    /// Alerts held, by `active`/`suppressed`.
    pub alerts: Family<KindLabel, Gauge>,
    /// Notifications sent, by integration.
    pub notifications_sent: Family<IntegrationLabel, Counter>,
    /// Notifications that failed, by integration.
    pub notifications_failed: Family<IntegrationLabel, Counter>,
    /// Time to deliver a notification, by integration.
    pub notification_seconds: Family<IntegrationLabel, Histogram>,
    /// Failed attempts that were retried, by integration kind.
    pub notification_retries: Family<IntegrationLabel, Counter>,
    /// Notifications enqueued and not yet finished.
    pub outbox_open: Gauge,
    /// 1 while this process runs the engine (alone, or holding the engine lease), else 0.
    pub engine_leader: Gauge,
    /// Time spent per pipeline stage.
    pub stage_seconds: Family<StageLabel, Histogram>,
    /// Time of one store commit.
    pub store_commit_seconds: Histogram,
    /// Failed store commits.
    pub store_errors: Counter,
    /// Configuration reloads, by `success`/`failure`.
    pub config_reloads: Family<KindLabel, Counter>,
    /// Node sample lines read (files and pushes), by outcome: `ok` or why it was skipped.
    pub logwatch_lines: Family<KindLabel, Counter>,
    /// Node sample lines refused by `max_hosts` (`host`) and stats refused by
    /// `max_stats_per_host` (`stat`), from followed files and pushes.
    pub logwatch_refused: Family<KindLabel, Counter>,
    /// Failed reads of followed files.
    pub logwatch_read_errors: Counter,
    /// Hosts whose series are kept.
    pub logwatch_hosts: Gauge,
    /// Node rule alerts handed to the engine, by `firing`/`resolved`.
    pub logwatch_alerts: Family<KindLabel, Counter>,
    /// Whether the last poll of each outage source succeeded (1) or failed (0).
    pub outage_source_up: Family<SourceLabel, Gauge>,
    /// Failed polls per outage source and stage.
    pub outage_source_errors: Family<SourceErrorLabel, Counter>,
    /// When each outage source was last polled successfully (Unix seconds).
    pub outage_source_last_success: Family<SourceLabel, Gauge>,
    /// Outages each source holds as its last good state.
    pub outage_source_outages: Family<SourceLabel, Gauge>,
    /// Classification model files that could not be loaded.
    pub model_load_errors: Counter,
    /// Series watched per anomaly query (`source` is the query's name).
    pub anomaly_series: Family<SourceLabel, Gauge>,
    /// Points scored per anomaly query.
    pub anomaly_points: Family<SourceLabel, Counter>,
    /// Anomaly source failures per query and stage (`query`, `scores`, `max_series`).
    pub anomaly_errors: Family<SourceErrorLabel, Counter>,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.5, 14))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Metrics {
        let mut m = Metrics {
            alerts_received: Family::default(),
            alerts_invalid: Counter::default(),
            alerts: Family::default(),
            notifications_sent: Family::default(),
            notifications_failed: Family::default(),
            notification_seconds: Family::new_with_constructor(latency_histogram),
            notification_retries: Family::default(),
            outbox_open: Gauge::default(),
            stage_seconds: Family::new_with_constructor(latency_histogram),
            store_commit_seconds: latency_histogram(),
            store_errors: Counter::default(),
            config_reloads: Family::default(),
            logwatch_lines: Family::default(),
            logwatch_refused: Family::default(),
            logwatch_read_errors: Counter::default(),
            logwatch_hosts: Gauge::default(),
            logwatch_alerts: Family::default(),
            outage_source_up: Family::default(),
            outage_source_errors: Family::default(),
            outage_source_last_success: Family::default(),
            outage_source_outages: Family::default(),
            model_load_errors: Counter::default(),
            anomaly_series: Family::default(),
            anomaly_points: Family::default(),
            anomaly_errors: Family::default(),
            engine_leader: Gauge::default(),
            registry: Registry::with_prefix("triage"),
        };
        let registry = &mut m.registry;
        registry.register("alerts_received", "Alerts received through the API", m.alerts_received.clone());
        registry.register("alerts_invalid", "Alerts rejected as invalid", m.alerts_invalid.clone());
        registry.register(
            "engine_leader",
            "1 while this process runs the engine (alone or holding the engine lease)",
            m.engine_leader.clone(),
        );
        registry.register("alerts", "Alerts held, by state", m.alerts.clone());
        registry.register("notifications", "Notifications delivered", m.notifications_sent.clone());
        registry.register("notifications_failed", "Notification attempts that failed", m.notifications_failed.clone());
        registry.register(
            "notification_latency_seconds",
            "Time to deliver one notification",
            m.notification_seconds.clone(),
        );
        registry.register(
            "notification_retries",
            "Failed notification attempts that were retried",
            m.notification_retries.clone(),
        );
        registry.register(
            "outbox_open",
            "Notifications enqueued and not yet delivered or failed",
            m.outbox_open.clone(),
        );
        registry.register("stage_duration_seconds", "Time spent in each pipeline stage", m.stage_seconds.clone());
        registry.register("store_commit_seconds", "Time of one store commit", m.store_commit_seconds.clone());
        registry.register("store_errors", "Store commits that failed", m.store_errors.clone());
        registry.register("config_reloads", "Configuration reloads by result", m.config_reloads.clone());
        registry.register("logwatch_lines", "Node sample lines read, by outcome", m.logwatch_lines.clone());
        registry.register(
            "logwatch_refused",
            "Node samples or stats refused by the bounds",
            m.logwatch_refused.clone(),
        );
        registry.register("logwatch_read_errors", "Failed reads of followed log files", m.logwatch_read_errors.clone());
        registry.register("logwatch_hosts", "Hosts whose node series are kept", m.logwatch_hosts.clone());
        registry.register("logwatch_alerts", "Node rule alerts handed to the engine", m.logwatch_alerts.clone());
        registry.register(
            "outage_source_up",
            "Whether the last poll of an outage source succeeded",
            m.outage_source_up.clone(),
        );
        registry.register("outage_source_errors", "Failed polls of an outage source", m.outage_source_errors.clone());
        registry.register(
            "outage_source_last_success_timestamp_seconds",
            "When an outage source was last polled successfully",
            m.outage_source_last_success.clone(),
        );
        registry.register(
            "outage_source_outages",
            "Outages held as a source's last good state",
            m.outage_source_outages.clone(),
        );
        registry.register(
            "model_load_errors",
            "Classification model files that could not be loaded",
            m.model_load_errors.clone(),
        );
        registry.register("anomaly_series", "Series watched per anomaly query", m.anomaly_series.clone());
        registry.register("anomaly_points", "Points scored per anomaly query", m.anomaly_points.clone());
        registry.register("anomaly_errors", "Anomaly source failures per query and stage", m.anomaly_errors.clone());
        m
    }

    /// Observes the duration of a pipeline stage.
    pub fn observe_stage(&self, stage: &str, seconds: f64) {
        self.stage_seconds.get_or_create(&StageLabel { stage: stage.to_string() }).observe(seconds);
    }

    /// The exposition text in OpenMetrics, with the process metrics.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode_registry(&mut out, &self.registry) {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        out.push_str(&process::exposition(true));
        out.push_str("# EOF\n");
        out
    }

    /// The content type and text for a scrape with this `Accept` header: OpenMetrics when
    /// asked for, else the Prometheus text format.
    pub fn scrape(&self, accept: Option<&str>) -> (&'static str, String) {
        if exposition::wants_openmetrics(accept) {
            (exposition::OPENMETRICS, self.encode())
        } else {
            (exposition::PROMETHEUS_TEXT, self.encode_prometheus())
        }
    }

    /// The exposition text in the Prometheus text format 0.0.4, with the process metrics.
    pub fn encode_prometheus(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode_registry(&mut out, &self.registry) {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        let mut out = exposition::openmetrics_to_prometheus(&out);
        out.push_str(&process::exposition(false));
        out
    }
}
