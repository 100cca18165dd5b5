//! The running configuration ([`Runtime`], what the API shows) and its reload
//! ([`Reloader`]): the new configuration-scoped parts are built fully, then swapped in; on any
//! error the running configuration stays.

use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::oneshot;
use triage_core::config::Config;
use triage_core::config::classification::ClassificationConfig;

use super::build::{build_setup, build_targets, load_config};
use crate::engine::{Command, EngineHandle};
use crate::metrics::{KindLabel, Metrics};
use crate::notify::Notifiers;
use crate::sources::logwatch::watch::NodeWatch;
use crate::store::StoreBackend;

/// The running configuration, as the API shows it.
pub struct Runtime {
    /// The configuration text as loaded.
    pub config_yaml: String,
    /// The parsed configuration.
    pub config: Arc<Config>,
    /// How long an alert without end time fires.
    pub resolve_timeout: SignedDuration,
    /// Receiver names in configuration order.
    pub receiver_names: Vec<String>,
    /// When triage started.
    pub started: Timestamp,
}

impl Runtime {
    pub(crate) fn new(config_yaml: String, config: Config, started: Timestamp) -> Runtime {
        if config.file().tracing.is_some() {
            tracing::info!("the configuration's tracing section is accepted and not applied: triage exports no traces");
        }
        Runtime {
            resolve_timeout: config.resolve_timeout(),
            receiver_names: config.receivers().iter().map(|r| r.name.clone()).collect(),
            config: Arc::new(config),
            config_yaml,
            started,
        }
    }
}

/// Re-reads the configuration file and swaps in what it builds.
pub struct Reloader {
    pub(crate) config_path: Option<PathBuf>,
    pub(crate) runtime: Arc<ArcSwap<Runtime>>,
    pub(crate) engine: EngineHandle,
    pub(crate) notifiers: Arc<Notifiers>,
    pub(crate) nodewatch: Arc<NodeWatch>,
    pub(crate) pollers: Arc<crate::sources::outages::poller::Pollers>,
    pub(crate) anomaly: Arc<crate::sources::anomaly::AnomalySource>,
    pub(crate) metrics: Arc<Metrics>,
    /// The store, for history reads.
    pub store: Arc<StoreBackend>,
    /// Bounds one SMTP delivery.
    pub notify_timeout: std::time::Duration,
}

impl Reloader {
    /// Reloads; on any error the running configuration stays and the error is returned.
    pub async fn reload(&self) -> Result<(), String> {
        let result = self.try_reload().await;
        let kind = if result.is_ok() { "success" } else { "failure" };
        self.metrics.config_reloads.get_or_create(&KindLabel { kind: kind.into() }).inc();
        match &result {
            Ok(()) => tracing::info!("configuration reloaded"),
            Err(e) => tracing::error!(error = %e, "configuration reload failed; keeping the running one"),
        }
        result
    }

    async fn try_reload(&self) -> Result<(), String> {
        let (yaml, config) = load_config(self.config_path.as_deref())?;
        let setup = build_setup(&config)?;
        let built = build_targets(&config, self.config_path.as_deref(), self.notify_timeout)?;
        self.nodewatch.configure(&config)?;
        let (tx, rx) = oneshot::channel();
        self.engine.send(Command::Reload(Box::new(setup), tx)).await?;
        rx.await.map_err(|_| "engine stopped".to_string())?;
        self.notifiers.swap(built.targets, built.renderer, built.templates);
        self.pollers.configure(&config).await;
        self.anomaly.configure(&config);
        configure_categories(&self.engine, &config);
        let started = self.runtime.load().started;
        self.runtime.store(Arc::new(Runtime::new(yaml, config, started)));
        Ok(())
    }
}

/// Applies the `classification` section; a model file that cannot be loaded is logged and
/// the previous model stays.
pub(crate) fn configure_categories(engine: &EngineHandle, config: &Config) {
    // Without the section nothing is classified, so payloads stay exactly Alertmanager's.
    let section = config
        .file()
        .classification
        .clone()
        .unwrap_or(ClassificationConfig { enabled: Some(false), ..Default::default() });
    if let Err(e) = engine.shared.categories.configure(&section) {
        engine.shared.metrics.model_load_errors.inc();
        tracing::error!(error = %e, "classification model not loaded; the previous one stays in use");
    }
    let shared = Arc::clone(&engine.shared);
    tokio::task::spawn_blocking(move || shared.categories.warm());
}
