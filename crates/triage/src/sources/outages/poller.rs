//! The pollers of `triage serve`: one [`SourcePoller`] task per configured source, handing
//! its results to this process's engine (which stores them as the source's last good state).
//!
//! On reload the tasks are replaced by those of the new configuration; a source that is no
//! longer configured has its outages dropped. With `--external-pollers` no task is started
//! (`triage poll` processes feed the sources through the API), but restored states are kept
//! and unconfigured sources are still dropped.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use parking_lot::Mutex;
use triage_core::config::Config;
use triage_core::outage::record::Outage;

use super::sink::{EngineSink, Sink};
use super::source_poller::SourcePoller;
use crate::engine::{Command, EngineHandle};

/// The running pollers.
pub struct Pollers {
    engine: EngineHandle,
    /// Each source's last good outages (survives reloads; restored from the store).
    last: Arc<Mutex<HashMap<String, Vec<Outage>>>>,
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
    /// Sources are polled by other processes: start no task.
    external: bool,
}

impl Pollers {
    /// Pollers that start from the sources' stored last good states; with `external`, none
    /// is started (see the module's documentation).
    pub fn new(engine: EngineHandle, restored: HashMap<String, Vec<Outage>>, external: bool) -> Arc<Pollers> {
        Arc::new(Pollers { engine, last: Arc::new(Mutex::new(restored)), tasks: Mutex::new(Vec::new()), external })
    }

    /// Replaces the running pollers with those `config` names; forgets the outages of the
    /// sources it no longer names.
    pub async fn configure(&self, config: &Config) {
        let outages = config.outages();
        for t in self.tasks.lock().drain(..) {
            t.abort();
        }
        let names: BTreeSet<String> = outages.sources.iter().map(|s| s.name.clone()).collect();
        self.last.lock().retain(|name, _| names.contains(name));
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.engine.send(Command::RetainSources(names.clone(), tx)).await.is_ok() {
            match rx.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "storing that unconfigured outage sources are dropped failed")
                }
                Err(_) => tracing::error!("the engine stopped before dropping unconfigured outage sources"),
            }
        }
        if self.external {
            tracing::info!(sources = ?names, "outage sources are polled by `triage poll` processes, not here");
            return;
        }
        let resolve_timeout = config.resolve_timeout();
        let mut tasks = self.tasks.lock();
        for source in outages.sources.iter().cloned() {
            let poller = SourcePoller {
                source,
                resolve_timeout,
                sink: Sink::Engine(EngineSink { engine: self.engine.clone(), last: Arc::clone(&self.last) }),
                metrics: Arc::clone(&self.engine.shared.metrics),
                clock: Arc::clone(&self.engine.shared.clock),
            };
            tasks.push(tokio::spawn(poller.run()).abort_handle());
        }
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        for t in self.tasks.lock().drain(..) {
            t.abort();
        }
    }
}
