//! Wiring, in one place: configuration, store, engine, notifiers and the HTTP server; and
//! reload, which builds the new configuration-scoped parts fully before swapping them in.

pub mod front;
pub mod tls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use arc_swap::{ArcSwap, ArcSwapOption};
use tokio::sync::{oneshot, watch};
use triage_core::config::Config;
use triage_core::dispatch::GroupTimer;
use triage_core::engine::Engine;
use triage_core::silence::{Silence, Silences};

use crate::api::{self, AppState};
use crate::app::front::{Front, FrontParts};
use crate::clock::{Clock, SystemClock};
use crate::config::build::{build_setup, build_targets, load_config};
use crate::config::runtime::{Reloader, Runtime, configure_categories};
use crate::engine::{self, Command, EngineHandle, Replayed};
use crate::ingest::bus::Role;
use crate::metrics::Metrics;
use crate::notify::Notifiers;
use crate::sources::logwatch::watch::{NodeWatch, SharedSeries};
use crate::store::lease::{Candidate, Held, Leadership};
use crate::store::nflog::EntryJson;
use crate::store::sqlite::Durability;
use crate::store::url::StoreUrl;
use crate::store::{LoggedBatch, Store, StoreBackend, writer};

/// Options of `triage serve`.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// alertmanager.yml; the embedded default when absent.
    pub config: Option<PathBuf>,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Where the embedded store lives (and node monitoring's files).
    pub data_dir: PathBuf,
    /// The PostgreSQL store to use instead of the embedded one.
    pub store: Option<StoreUrl>,
    /// The URL triage is reached at (in notifications).
    pub external_url: Option<String>,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// How hard commits wait for the disk.
    pub durability: Durability,
    /// Timeout of one notification request.
    pub notify_timeout: Duration,
    /// HTTPS, authentication and rate limit of the API.
    pub web: crate::config::web::WebConfig,
    /// Posted alerts go through this NATS JetStream server (several processes).
    pub ingest_nats: Option<String>,
    /// What this process does with the ingest bus.
    pub role: Role,
    /// The URL the other processes forward requests to while this one runs the engine.
    pub advertise_url: Option<String>,
    /// How long the engine lease lasts without renewal (PostgreSQL store).
    pub engine_lease: Duration,
    /// Start no outage source pollers: `triage poll` processes feed the sources.
    pub external_pollers: bool,
}

/// The engine and what runs around it, once this process runs it.
struct Active {
    reloader: Arc<Reloader>,
    writer: writer::StoreWriter,
    engine: EngineHandle,
}

/// A running server.
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    active: Arc<ArcSwapOption<Active>>,
    /// The engine lease, while this process holds it.
    lease: Arc<std::sync::OnceLock<(sqlx::PgPool, Arc<Held>)>>,
    /// Why this process must stop (it lost the engine lease, or could not start the engine
    /// after winning it).
    fatal: watch::Receiver<Option<String>>,
    campaign: Option<tokio::task::JoinHandle<()>>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Reloads the configuration file (when this process runs the engine).
    pub async fn reload(&self) -> Result<(), String> {
        match self.active.load_full() {
            Some(a) => a.reloader.reload().await,
            None => Err("this process does not run the engine".into()),
        }
    }

    /// Resolves with the reason once this process must stop.
    pub async fn fatal(&self) -> String {
        let mut rx = self.fatal.clone();
        match rx.wait_for(|f| f.is_some()).await {
            Ok(f) => f.clone().unwrap_or_default(),
            Err(_) => std::future::pending().await,
        }
    }

    /// Stops serving, then waits until everything queued for the store is committed, then
    /// gives the engine lease up so that a standby process takes over at once.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(c) = self.campaign.take() {
            c.abort();
        }
        (&mut self.task).await??;
        if let Some(active) = self.active.load_full() {
            // Detector states are saved, so the next start resumes where this one stopped.
            active.reloader.anomaly.save_now();
            let (tx, rx) = oneshot::channel();
            if active.engine.send(Command::Checkpoint(tx)).await.is_ok() {
                rx.await.map_err(|_| anyhow::anyhow!("engine stopped"))?.map_err(anyhow::Error::msg)?;
            }
            active.writer.flush().await?;
        }
        if let Some((pool, held)) = self.lease.get() {
            crate::store::lease::release(pool, held).await;
        }
        Ok(())
    }
}

/// The URL this process is reached at by the other processes: `--advertise-url`, else the
/// listening address (the host name when listening on every address).
fn own_url(opts: &ServeOptions, addr: SocketAddr) -> String {
    if let Some(u) = &opts.advertise_url {
        return u.trim_end_matches('/').to_string();
    }
    let scheme = if opts.web.tls.is_some() { "https" } else { "http" };
    if addr.ip().is_unspecified() {
        let host = host_name();
        format!("{scheme}://{host}:{}", addr.port())
    } else {
        format!("{scheme}://{addr}")
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Starts triage on an already bound listener and returns once it serves. On its own store
/// it runs the engine at once; on PostgreSQL it runs the engine once it wins the engine
/// lease (`--role api` never does) and forwards meanwhile.
pub async fn start(
    opts: ServeOptions,
    listener: tokio::net::TcpListener,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    // Checked before anything else, so that a bad file stops the start on every role.
    let checked = Checked::load(&opts).map_err(anyhow::Error::msg)?;
    let resolve_timeout = checked.config.resolve_timeout();
    if checked.config.receivers().iter().all(|r| r.integrations().is_empty()) {
        tracing::warn!(
            config = %opts.config.as_ref().map_or_else(|| "built-in default".to_string(), |p| p.display().to_string()),
            "this configuration sends no notification (no receiver has an integration): alerts are only \
             stored and shown; pass --config with an alertmanager.yml that has receivers to notify people"
        );
    }
    let metrics = Arc::new(Metrics::new());
    let store = Arc::new(
        StoreBackend::open(opts.store.as_ref(), &opts.data_dir, opts.durability).await.context("opening the store")?,
    );
    let bus = match &opts.ingest_nats {
        None if opts.role != Role::All => anyhow::bail!("--role {:?} needs --ingest-nats", opts.role),
        None => None,
        Some(url) => Some(crate::ingest::bus::IngestBus::connect(url).await.map_err(anyhow::Error::msg)?),
    };
    let pg = match store.as_ref() {
        StoreBackend::Postgres(p) => Some(p.clone()),
        StoreBackend::Sqlite(_) => None,
    };
    let own_url = own_url(&opts, addr);
    let front = Front::new(FrontParts {
        leases: pg.as_ref().map(|p| p.pool().clone()),
        bus: bus.clone(),
        metrics: Arc::clone(&metrics),
        clock: Arc::clone(&clock),
        resolve_timeout,
        max_body: opts.max_body_bytes,
        own_url: own_url.clone(),
    });
    let active: Arc<ArcSwapOption<Active>> = Arc::default();
    let lease: Arc<std::sync::OnceLock<(sqlx::PgPool, Arc<Held>)>> = Arc::default();
    let (fatal_tx, fatal) = watch::channel(None);
    let parts = EngineParts { opts: opts.clone(), store: Arc::clone(&store), metrics, clock, bus, addr };
    let campaign = match pg {
        None => {
            let (a, router) = activate(parts, checked, Leadership::sole()).await?;
            front.serve_locally(router);
            active.store(Some(Arc::new(a)));
            None
        }
        Some(_) if opts.role == Role::Api => {
            tracing::info!("--role api: this process accepts alerts and forwards the rest to the engine");
            None
        }
        Some(pg) => {
            let candidate = Candidate {
                holder: format!("{}/{own_url}/{}", host_name(), uuid::Uuid::new_v4()),
                url: own_url.clone(),
                ttl: opts.engine_lease,
            };
            let (front, active, lease) = (Arc::clone(&front), Arc::clone(&active), Arc::clone(&lease));
            Some(tokio::spawn(async move {
                let held = crate::store::lease::campaign(pg.pool(), candidate).await;
                pg.fence_with(Arc::clone(&held));
                crate::store::lease::spawn_renewal(pg.pool().clone(), Arc::clone(&held));
                let _ = lease.set((pg.pool().clone(), Arc::clone(&held)));
                let mut lost = held.lost();
                let on_loss = fatal_tx.clone();
                tokio::spawn(async move {
                    if lost.wait_for(|l| *l).await.is_ok() {
                        on_loss.send_replace(Some("this process lost the engine lease".into()));
                    }
                });
                // The file is read again: it may have changed while this process stood by.
                let checked = match Checked::load(&parts.opts) {
                    Ok(c) => c,
                    Err(e) => {
                        fatal_tx.send_replace(Some(format!("the configuration at takeover: {e}")));
                        return;
                    }
                };
                match activate(parts, checked, Leadership::leased(held)).await {
                    Ok((a, router)) => {
                        front.serve_locally(router);
                        active.store(Some(Arc::new(a)));
                    }
                    Err(e) => {
                        fatal_tx.send_replace(Some(format!("starting the engine after winning the lease: {e:#}")));
                    }
                }
            }))
        }
    };
    let access = api::auth::Access::new(opts.web.clone());
    let app = front
        .router()
        .layer(axum::middleware::from_fn_with_state(access, api::auth::guard))
        .into_make_service_with_connect_info::<SocketAddr>();
    let tls = opts.web.tls.as_ref().map(tls::server_config).transpose().map_err(anyhow::Error::msg)?;
    let store_shown = store.describe(&opts.data_dir);
    tracing::info!(address = %addr, url = %own_url, store = %store_shown, https = tls.is_some(), "triage is listening");
    tracing::info!("web UI at {own_url}/");
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let stopped = async move {
        let _ = stop_rx.await;
    };
    let task = match tls {
        None => tokio::spawn(async move {
            axum::serve(listener, app).with_graceful_shutdown(stopped).await?;
            Ok(())
        }),
        Some(config) => {
            // `tap_io` gives the connections their peer address as connect info.
            let listener = axum::serve::ListenerExt::tap_io(tls::TlsListener::new(listener, config)?, |_| {});
            tokio::spawn(async move {
                axum::serve(listener, app).with_graceful_shutdown(stopped).await?;
                Ok(())
            })
        }
    };
    Ok(Running { addr, active, lease, fatal, campaign, stop: Some(stop_tx), task })
}

/// The configuration file as read, and what it builds: checked before the server starts.
struct Checked {
    yaml: String,
    config: Config,
    setup: triage_core::engine::Setup,
    built: crate::config::build::Built,
}

impl Checked {
    fn load(opts: &ServeOptions) -> Result<Checked, String> {
        let (yaml, config) = load_config(opts.config.as_deref())?;
        let setup = build_setup(&config)?;
        let built = build_targets(&config, opts.config.as_deref(), opts.notify_timeout)?;
        Ok(Checked { yaml, config, setup, built })
    }
}

/// What starting the engine needs.
struct EngineParts {
    opts: ServeOptions,
    store: Arc<StoreBackend>,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
    bus: Option<crate::ingest::bus::IngestBus>,
    addr: SocketAddr,
}

/// Loads the store, starts the engine and everything around it (notifiers, pollers, node
/// monitoring, anomaly detection, the ingest bus consumer), and returns it with the router
/// that serves the API from it.
async fn activate(p: EngineParts, checked: Checked, leadership: Leadership) -> anyhow::Result<(Active, axum::Router)> {
    let EngineParts { opts, store, metrics, clock, bus, addr } = p;
    let Checked { yaml, config, setup, built } = checked;
    let started = clock.now();
    let node_series: SharedSeries = Arc::default();
    let nodewatch = NodeWatch::new(Arc::clone(&node_series), Arc::clone(&metrics), Arc::clone(&clock));
    nodewatch.configure(&config).map_err(anyhow::Error::msg)?;

    let loaded = store.load().await.context("loading the store")?;
    let now = clock.now();
    let mut silences = Vec::new();
    for (id, body) in &loaded.silences {
        match serde_json::from_str::<Silence>(body) {
            Ok(s) => silences.push(s),
            Err(e) => tracing::error!(silence = %id, error = %e, "skipping unreadable stored silence"),
        }
    }
    let nflog = loaded
        .notify_log
        .into_iter()
        .filter_map(|(k, body, exp)| {
            let entry = serde_json::from_str::<EntryJson>(&body).ok().and_then(EntryJson::into_entry);
            if entry.is_none() {
                tracing::error!(group = %k.group_key, "skipping unreadable notification log entry");
            }
            entry.map(|e| (k, e, exp))
        })
        .collect();
    let timers: HashMap<String, GroupTimer> = loaded
        .group_timers
        .into_iter()
        .map(|(k, next_flush, has_flushed)| (k, GroupTimer { next_flush, has_flushed }))
        .collect();
    tracing::info!(alerts = loaded.alerts.len(), silences = silences.len(), groups = timers.len(), "restored state");
    let mut core = Engine::new(setup, loaded.alerts, Silences::from_silences(silences, now), nflog, timers, now);
    let outage_sets = crate::sources::outages::restore(&loaded.states);
    let (all, windows) = outage_sets.flatten();
    let restored_sources = outage_sets.sources.clone().into_iter().collect();
    core.restore_outages(all, windows, loaded.open_suppressions.clone(), now);
    core.restore_incidents(restored_incidents(&loaded.open_incidents), now);
    let replayed = replay(&mut core, &loaded.ingest_log);
    let unsent = unsent_notifications(&loaded.outbox);

    let store_writer = writer::spawn(Arc::clone(&store), Arc::clone(&metrics));
    // Alertmanager's default: this host's name and the listening port.
    let external_url = opts.external_url.clone().unwrap_or_else(|| format!("http://{}:{}", host_name(), addr.port()));
    let mirror = engine::MirrorTrigger::default();
    let notifiers = Arc::new(Notifiers::new(
        built.targets,
        built.renderer,
        built.templates,
        external_url,
        opts.notify_timeout,
        node_series,
    ));
    let handle = engine::spawn(
        core,
        replayed,
        unsent,
        loaded.outbox_max_id,
        mirror.clone(),
        store_writer.clone(),
        Arc::clone(&notifiers),
        Arc::clone(&metrics),
        Arc::clone(&clock),
        outage_sets,
        leadership,
    );
    crate::sources::mirror::spawn(Arc::clone(&handle.shared), Arc::clone(&notifiers), mirror);
    nodewatch.spawn(handle.clone(), opts.data_dir.join("logwatch"));
    let pollers =
        crate::sources::outages::poller::Pollers::new(handle.clone(), restored_sources, opts.external_pollers);
    pollers.configure(&config).await;
    configure_categories(&handle, &config);
    spawn_model_watch(Arc::clone(&handle.shared));
    let anomaly = crate::sources::anomaly::AnomalySource::new(handle.clone(), store_writer.clone(), &loaded.states);
    anomaly.configure(&config);
    let runtime = Arc::new(ArcSwap::from_pointee(Runtime::new(yaml, config, started)));
    let reloader = Arc::new(Reloader {
        config_path: opts.config.clone(),
        runtime: Arc::clone(&runtime),
        engine: handle.clone(),
        notifiers,
        nodewatch: Arc::clone(&nodewatch),
        pollers,
        anomaly,
        metrics,
        store,
        notify_timeout: opts.notify_timeout,
    });
    if let Some(bus) = &bus
        && opts.role != Role::Api
    {
        let runtime = Arc::clone(&runtime);
        bus.spawn_consumer(handle.clone(), move || runtime.load().resolve_timeout);
    }
    handle.shared.metrics.engine_leader.set(1);
    let state = AppState { engine: handle.clone(), runtime, reloader: Arc::clone(&reloader), nodewatch, bus };
    let router = api::router(state, opts.max_body_bytes);
    tracing::info!(address = %addr, "the engine runs in this process");
    Ok((Active { reloader, writer: store_writer, engine: handle }, router))
}

/// Checks the model file for changes every 30 seconds.
fn spawn_model_watch(shared: Arc<engine::Shared>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(30));
        loop {
            every.tick().await;
            if let Err(e) = shared.categories.reload_if_changed() {
                shared.metrics.model_load_errors.inc();
                tracing::error!(error = %e, "classification model not reloaded; the previous one stays in use");
            }
        }
    });
}

/// The open outbox entries that can be read; the others are logged and left.
fn unsent_notifications(rows: &[(i64, u32, String)]) -> engine::Unsent {
    rows.iter()
        .filter_map(|(id, attempts, body)| match crate::store::outbox::decode(body) {
            Ok(out) => Some((*id, *attempts, out)),
            Err(e) => {
                tracing::error!(id, error = %e, "skipping an unreadable outbox entry");
                None
            }
        })
        .collect()
}

/// Re-runs the ingestion of every batch still in the ingest log, in order, each with the time
/// and resolve_timeout it was received with.
fn replay(core: &mut Engine, log: &[LoggedBatch]) -> Replayed {
    let mut out = Replayed { next_seq: 1, had_log: !log.is_empty(), ..Default::default() };
    for b in log {
        out.next_seq = out.next_seq.max(b.seq + 1);
        let Ok(posted) = crate::ingest::parse_alerts(&b.body) else {
            tracing::error!(seq = b.seq, "skipping an unreadable logged batch");
            continue;
        };
        let alerts: Vec<_> =
            posted.into_iter().filter_map(|p| p.into_alert(b.received_at, b.resolve_timeout).ok()).collect();
        let ing = core.ingest(alerts, b.received_at);
        out.dirty.extend(ing.stored.iter().map(|a| a.fingerprint()));
        out.changes.extend(ing.changes);
    }
    if out.had_log {
        tracing::info!(batches = log.len(), alerts = out.dirty.len(), "replayed the ingest log");
    }
    out
}

/// Runs the server until SIGINT or SIGTERM. SIGHUP reloads the configuration.
pub async fn serve(opts: ServeOptions) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    // Handlers are installed before the port opens, so a SIGHUP sent as soon as triage answers
    // reloads instead of killing the process.
    let mut hup_signal = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let term_signal = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let listener =
        tokio::net::TcpListener::bind(opts.listen).await.with_context(|| format!("listening on {}", opts.listen))?;
    let running = start(opts, listener, Arc::new(SystemClock)).await?;
    let mut term_signal = term_signal;
    loop {
        tokio::select! {
            _ = hup_signal.recv() => {
                if let Err(e) = running.reload().await {
                    tracing::warn!(error = %e, "not reloaded");
                }
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = term_signal.recv() => break,
            why = running.fatal() => {
                // Nothing more may be written; the supervisor starts this process again
                // and it stands by.
                anyhow::bail!("{why}; exiting");
            }
        }
    }
    tracing::info!("shutting down");
    running.stop().await?;
    tracing::info!("stopped");
    Ok(())
}

/// The open incidents saved at the last stop; an unreadable record is skipped with an error.
fn restored_incidents(bodies: &[String]) -> Vec<triage_core::incident::Incident> {
    bodies
        .iter()
        .filter_map(|b| match serde_json::from_str(b) {
            Ok(i) => Some(i),
            Err(e) => {
                tracing::error!(error = %e, "a stored incident cannot be read; it is not restored");
                None
            }
        })
        .collect()
}
