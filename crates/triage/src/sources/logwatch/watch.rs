//! The node watch at work: follows the configured files, takes samples pushed by agents,
//! keeps the per-host series, evaluates the node rules every `evaluation_interval` and hands
//! their alerts to the engine like posted alerts, so routing, grouping, silences, runbooks and
//! notifications apply to them. A reload swaps rules, bounds, files and push token; firing
//! and pending rules keep their state.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use parking_lot::Mutex;
use serde::Serialize;
use tokio::sync::watch;
use triage_core::config::Config;
use triage_core::config::logwatch::{LogFilesConfig, LogwatchConfig};
use triage_core::logline::{LineFormat, LineParser};
use triage_core::nodewatch::{LineOutcome, NodeAlert, RuleSet, SampleFields, SeriesLimits, ingest_line};

use super::source::FileSource;
use crate::clock::Clock;
use crate::engine::EngineHandle;
use crate::ingest::ingest;
use crate::metrics::{KindLabel, Metrics};
use crate::net::secret::SecretSource;
pub use crate::notify::SharedSeries;

/// Default time between two rule evaluations.
pub const DEFAULT_EVALUATION_INTERVAL: SignedDuration = SignedDuration::from_secs(10);
/// Firing alerts end this many evaluation intervals ahead (at least a minute), so a late
/// evaluation does not resolve them.
const RESEND_INTERVALS: i32 = 4;
/// Most lines in one push.
pub const MAX_PUSH_LINES: usize = 100_000;

/// What a reload sets.
#[derive(Debug, Default)]
struct Settings {
    config: LogwatchConfig,
    push_token: Option<SecretSource>,
    resolve_timeout: SignedDuration,
    evaluation_interval: SignedDuration,
}

/// The node watch.
pub struct NodeWatch {
    series: SharedSeries,
    rules: Mutex<RuleSet>,
    settings: watch::Sender<Arc<Settings>>,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
}

/// Why a push was refused.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The `logwatch.push` section is absent.
    #[error("pushing samples is not enabled (logwatch.push is not configured)")]
    Disabled,
    /// No or a wrong bearer token.
    #[error("missing or wrong bearer token")]
    Unauthorized,
    /// The token file cannot be read.
    #[error("{0}")]
    Token(String),
    /// Too many lines.
    #[error("a push holds at most {MAX_PUSH_LINES} lines")]
    TooLarge,
}

/// What became of a push's lines.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct PushReport {
    /// Lines recorded.
    pub accepted: u64,
    /// Lines skipped, by reason.
    pub skipped: std::collections::BTreeMap<&'static str, u64>,
}

impl NodeWatch {
    /// A watch with nothing configured, sharing `series`.
    pub fn new(series: SharedSeries, metrics: Arc<Metrics>, clock: Arc<dyn Clock>) -> Arc<NodeWatch> {
        let (settings, _) = watch::channel(Arc::new(Settings::default()));
        Arc::new(NodeWatch { series, rules: Mutex::new(RuleSet::default()), settings, metrics, clock })
    }

    /// The series.
    pub fn series(&self) -> &SharedSeries {
        &self.series
    }

    /// Applies the `logwatch` section of `config` (an empty one when absent).
    pub fn configure(&self, config: &Config) -> Result<(), String> {
        let logwatch = config.file().logwatch.clone().unwrap_or_default();
        let evaluation_interval = logwatch.evaluation_interval.map_or(DEFAULT_EVALUATION_INTERVAL, |d| d.get());
        let resend = (evaluation_interval * RESEND_INTERVALS).max(SignedDuration::from_mins(1));
        let mut rules = RuleSet::compile(&logwatch.rules, resend)
            .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))?;
        let push_token = logwatch.push.as_ref().and_then(|p| {
            SecretSource::from_pair(p.bearer_token.as_ref().map(|s| s.expose()), p.bearer_token_file.as_deref())
        });
        if let Some(token) = &push_token {
            token.resolve().map_err(|e| format!("logwatch.push: {e}"))?;
        }
        let defaults = SeriesLimits::default();
        let limits = SeriesLimits {
            max_hosts: logwatch.max_hosts.unwrap_or(defaults.max_hosts),
            max_stats_per_host: logwatch.max_stats_per_host.unwrap_or(defaults.max_stats_per_host),
            max_points: logwatch.max_points.unwrap_or(defaults.max_points),
            retention_ms: logwatch.retention.map_or(defaults.retention_ms, |d| d.get().as_millis() as i64),
        };
        self.series.lock().set_limits(limits);
        {
            let mut old = self.rules.lock();
            rules.take_states(std::mem::take(&mut *old));
            *old = rules;
        }
        self.settings.send_replace(Arc::new(Settings {
            config: logwatch,
            push_token,
            resolve_timeout: config.resolve_timeout(),
            evaluation_interval,
        }));
        Ok(())
    }

    /// Starts following files and evaluating rules; offsets are kept in `state_dir`.
    pub fn spawn(self: &Arc<Self>, engine: EngineHandle, state_dir: PathBuf) -> tokio::task::JoinHandle<()> {
        let watch = Arc::clone(self);
        tokio::spawn(async move { watch.run(engine, state_dir).await })
    }

    async fn run(self: Arc<Self>, engine: EngineHandle, state_dir: PathBuf) {
        let mut settings_rx = self.settings.subscribe();
        let mut settings = settings_rx.borrow_and_update().clone();
        let mut sources = self.open_sources(&settings.config.files, &state_dir, Vec::new()).await;
        let mut poll = tokio::time::interval(poll_interval(&sources));
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut evaluate = tokio::time::interval(std_duration(settings.evaluation_interval));
        evaluate.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = poll.tick(), if !sources.is_empty() => {
                    sources = self.poll_sources(sources).await;
                }
                _ = evaluate.tick() => {
                    self.evaluate(&engine, &settings).await;
                }
                changed = settings_rx.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let new = settings_rx.borrow_and_update().clone();
                    if new.config.files != settings.config.files {
                        sources = self.open_sources(&new.config.files, &state_dir, sources).await;
                        poll = tokio::time::interval(poll_interval(&sources));
                        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    }
                    if new.evaluation_interval != settings.evaluation_interval {
                        evaluate = tokio::time::interval(std_duration(new.evaluation_interval));
                        evaluate.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    }
                    settings = new;
                }
            }
        }
    }

    /// Opens the sources of `files`, reusing those of `old` whose entry did not change.
    async fn open_sources(
        &self,
        files: &[LogFilesConfig],
        state_dir: &std::path::Path,
        old: Vec<FileSource>,
    ) -> Vec<FileSource> {
        let files = files.to_vec();
        let state_dir = state_dir.to_path_buf();
        let opened = tokio::task::spawn_blocking(move || {
            let mut old = old;
            let mut sources = Vec::new();
            let mut errors = Vec::new();
            if !files.is_empty()
                && let Err(e) = std::fs::create_dir_all(&state_dir)
            {
                errors.push(format!("cannot create {}: {e}", state_dir.display()));
            }
            for config in &files {
                if let Some(i) = old.iter().position(|s| s.config() == config) {
                    sources.push(old.swap_remove(i));
                    continue;
                }
                match FileSource::open(config, &state_dir) {
                    Ok(source) => sources.push(source),
                    Err(e) => errors.push(e),
                }
            }
            for gone in old {
                if let Err(e) = gone.save() {
                    errors.push(format!("saving offsets of {:?}: {e}", gone.config().paths));
                }
            }
            (sources, errors)
        })
        .await;
        match opened {
            Ok((sources, errors)) => {
                for e in errors {
                    self.metrics.logwatch_read_errors.inc();
                    tracing::error!(error = %e, "logwatch source not started");
                }
                sources
            }
            Err(e) => {
                tracing::error!(error = %e, "opening logwatch sources failed");
                Vec::new()
            }
        }
    }

    async fn poll_sources(&self, mut sources: Vec<FileSource>) -> Vec<FileSource> {
        let series = Arc::clone(&self.series);
        let now_ms = self.clock.now().as_millisecond();
        let polled = tokio::task::spawn_blocking(move || {
            let results: Vec<_> = sources.iter_mut().map(|s| s.poll(&series, now_ms)).collect();
            (sources, results)
        })
        .await;
        let Ok((sources, results)) = polled else {
            tracing::error!("a logwatch poll panicked; its sources are restarted at the next reload");
            return Vec::new();
        };
        for (source, result) in sources.iter().zip(results) {
            match result {
                Ok(counts) => {
                    for (label, n) in counts.lines {
                        self.metrics.logwatch_lines.get_or_create(&KindLabel { kind: label.into() }).inc_by(n);
                    }
                    self.count_refused(counts.refused_hosts, counts.refused_stats);
                }
                Err(e) => {
                    self.metrics.logwatch_read_errors.inc();
                    tracing::warn!(paths = ?source.config().paths, error = %e, "reading logwatch files failed");
                }
            }
        }
        sources
    }

    /// Evaluates the rules now and hands their alerts to the engine.
    async fn evaluate(&self, engine: &EngineHandle, settings: &Settings) {
        let now = self.clock.now();
        let alerts = {
            let mut series = self.series.lock();
            series.prune(now.as_millisecond());
            self.metrics.logwatch_hosts.set(series.host_count() as i64);
            self.rules.lock().evaluate(&series, now)
        };
        if alerts.is_empty() {
            return;
        }
        for a in &alerts {
            let kind = if a.resolved { "resolved" } else { "firing" };
            self.metrics.logwatch_alerts.get_or_create(&KindLabel { kind: kind.into() }).inc();
        }
        let body = match serde_json::to_vec(&alerts.iter().map(postable).collect::<Vec<_>>()) {
            Ok(body) => body,
            Err(e) => {
                tracing::error!(error = %e, "encoding node alerts failed");
                return;
            }
        };
        if let Err(e) = ingest(engine, body.into(), settings.resolve_timeout).await {
            tracing::error!(error = %e, alerts = alerts.len(), "handing node alerts to the engine failed");
        }
    }

    /// Counts hosts refused by `max_hosts` and stats refused by `max_stats_per_host` in
    /// `triage_logwatch_refused_total` (`kind="host"`, `kind="stat"`).
    fn count_refused(&self, hosts: u64, stats: u64) {
        for (kind, n) in [("host", hosts), ("stat", stats)] {
            if n > 0 {
                self.metrics.logwatch_refused.get_or_create(&KindLabel { kind: kind.into() }).inc_by(n);
            }
        }
    }

    /// Records samples pushed by an agent: JSON lines (one flat or nested object per line)
    /// or one JSON array of objects.
    pub fn push(&self, bearer: Option<&str>, body: &[u8]) -> Result<PushReport, PushError> {
        let settings = self.settings.borrow().clone();
        let token = settings.push_token.as_ref().ok_or(PushError::Disabled)?;
        let expected = token.resolve().map_err(|e| PushError::Token(e.to_string()))?;
        if !bearer.is_some_and(|b| constant_time_eq(b.as_bytes(), expected.as_bytes())) {
            return Err(PushError::Unauthorized);
        }
        let lines = push_lines(body);
        if lines.len() > MAX_PUSH_LINES {
            return Err(PushError::TooLarge);
        }
        let parser = LineParser::new(LineFormat::Json);
        let fields = SampleFields::default();
        let now_ms = self.clock.now().as_millisecond();
        let mut report = PushReport::default();
        let (mut refused_hosts, mut refused_stats) = (0, 0);
        {
            let mut series = self.series.lock();
            for line in lines {
                match ingest_line(&parser, &fields, &line, now_ms, &mut series) {
                    LineOutcome::Recorded { refused_stats: n } => {
                        report.accepted += 1;
                        refused_stats += n as u64;
                    }
                    other => {
                        refused_hosts += u64::from(other == LineOutcome::RefusedHost);
                        *report.skipped.entry(other.label()).or_default() += 1;
                    }
                }
            }
        }
        self.count_refused(refused_hosts, refused_stats);
        self.metrics.logwatch_lines.get_or_create(&KindLabel { kind: "ok".into() }).inc_by(report.accepted);
        for (label, n) in &report.skipped {
            self.metrics.logwatch_lines.get_or_create(&KindLabel { kind: (*label).into() }).inc_by(*n);
        }
        Ok(report)
    }
}

/// The lines of a push: the elements of a JSON array, else the non-blank lines.
fn push_lines(body: &[u8]) -> Vec<std::borrow::Cow<'_, [u8]>> {
    let trimmed = body.trim_ascii_start();
    if trimmed.starts_with(b"[")
        && let Ok(items) = serde_json::from_slice::<Vec<serde_json::Value>>(trimmed)
    {
        return items.iter().map(|item| std::borrow::Cow::Owned(item.to_string().into_bytes())).collect();
    }
    body.split(|&b| b == b'\n').filter(|l| !l.trim_ascii().is_empty()).map(std::borrow::Cow::Borrowed).collect()
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A node alert as posted to `/api/v2/alerts`.
fn postable(alert: &NodeAlert) -> serde_json::Value {
    serde_json::json!({
        "labels": alert.labels,
        "annotations": alert.annotations,
        "startsAt": alert.starts_at.to_string(),
        "endsAt": alert.ends_at.to_string(),
    })
}

fn poll_interval(sources: &[FileSource]) -> Duration {
    sources
        .iter()
        .map(FileSource::poll_interval)
        .min()
        .unwrap_or(super::source::DEFAULT_POLL_INTERVAL)
        .max(Duration::from_millis(10))
}

fn std_duration(d: SignedDuration) -> Duration {
    Duration::try_from(d).unwrap_or(Duration::from_secs(10)).max(Duration::from_millis(10))
}
