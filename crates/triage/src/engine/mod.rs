//! The engine loop: the single writer. It owns the core [`Engine`] behind a read-write lock
//! (API handlers only read), turns commands, timers and delivery results into calls on it,
//! and hands what must survive a restart to the store writer.

pub mod categories;
pub mod checkpoint;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use jiff::{SignedDuration, Timestamp};
use parking_lot::RwLock;
use tokio::sync::{mpsc, oneshot};
use triage_core::Alert;
use triage_core::engine::{Engine, Outgoing, Resumed, Setup, StateChange};
use triage_core::labels::Fingerprint;
use triage_core::outage::maintenance::MaintenanceWindow;
use triage_core::outage::record::Outage;
use triage_core::outage::tracker::SuppressionEvent;
use triage_core::silence::{PostableSilence, SilenceError};

use crate::clock::Clock;
use crate::metrics::{IntegrationLabel, KindLabel, Metrics};
use crate::notify::{Delivery, Failure, Notifiers};
use crate::store::outbox::{OutboxEntry, OutboxState, OutboxUpdate};
use crate::store::writer::StoreWriter;
use crate::store::{LoggedBatch, NotificationRecord, SuppressionRow, Transition, Write};

/// How long expired silences are kept (Alertmanager's default data retention).
pub const SILENCE_RETENTION: SignedDuration = SignedDuration::from_hours(120);
/// How long a resolved alert is held before it is dropped.
pub const RESOLVED_RETENTION: SignedDuration = SignedDuration::from_mins(30);
/// How often the alerts table and history are brought up to date and the ingest log trimmed.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(10);
/// Checkpoint early once this many bytes are logged since the last one.
const CHECKPOINT_BYTES: usize = 64 << 20;
/// How often timeouts and garbage are looked at.
const HOUSEKEEPING: Duration = Duration::from_secs(15);
/// Most commands handled in one turn of the loop.
const MAX_COMMANDS_PER_TURN: usize = 512;

/// What the engine is asked to do.
pub enum Command {
    /// Accept validated alerts; answered once their batch is in the ingest log.
    Ingest(IngestBatch, oneshot::Sender<Result<(), String>>),
    /// Write a checkpoint now; answered once committed.
    Checkpoint(oneshot::Sender<Result<(), String>>),
    /// Create or update a silence; answered with its id once committed.
    SetSilence(PostableSilence, oneshot::Sender<Result<String, SilenceError>>),
    /// Expire a silence; answered once committed.
    ExpireSilence(String, oneshot::Sender<Result<(), SilenceError>>),
    /// Swap in a new setup (reload).
    Reload(Box<Setup>, oneshot::Sender<()>),
    /// A delivery finished.
    Delivered(Box<Finished>),
    /// A source's outages as last fetched and parsed (its last good state); answered, when
    /// asked, once committed.
    Outages(String, Vec<Outage>, Option<oneshot::Sender<Result<(), String>>>),
    /// Create or replace a maintenance window; answered with it (id assigned) once committed.
    PutWindow(Box<MaintenanceWindow>, oneshot::Sender<Result<MaintenanceWindow, String>>),
    /// End a maintenance window now; answered with it once committed.
    EndWindow(String, oneshot::Sender<Result<MaintenanceWindow, String>>),
    /// Drop a source's outages; answered with whether it held any, once committed.
    ForgetSource(String, oneshot::Sender<Result<bool, String>>),
    /// Drop the outages of every source not named (those no longer configured); answered
    /// once committed.
    RetainSources(std::collections::BTreeSet<String>, oneshot::Sender<Result<(), String>>),
    /// A step of the checkpoint in progress is done: write the next; or it failed, and gives
    /// back what it was to write.
    CheckpointStep(Option<(Vec<Fingerprint>, Vec<StateChange>)>),
    /// Store a named state value; answered once committed.
    PutState(&'static str, String, String, oneshot::Sender<Result<(), String>>),
}

/// The state namespace of each source's last good outages.
pub const OUTAGES_NS: &str = "outages";
/// The state namespace of maintenance windows.
pub const WINDOWS_NS: &str = "maintenance";

/// Outages known to the loop: each source's last good set and the maintenance windows.
#[derive(Clone, Debug, Default)]
pub struct OutageSets {
    /// Source name → its outages.
    pub sources: std::collections::BTreeMap<String, Vec<Outage>>,
    /// Window id → window.
    pub windows: std::collections::BTreeMap<String, MaintenanceWindow>,
}

impl OutageSets {
    /// Every source's outages, then the windows, for the engine.
    pub fn flatten(&self) -> (Vec<Outage>, Vec<MaintenanceWindow>) {
        (self.sources.values().flatten().cloned().collect(), self.windows.values().cloned().collect())
    }
}

/// A finished delivery, for the loop to record.
pub struct Finished {
    /// The notification.
    pub out: Outgoing,
    /// Its outbox id.
    pub outbox_id: i64,
    /// The integration's kind.
    pub kind: &'static str,
    /// The outcome.
    pub result: Result<Delivery, Failure>,
    /// How long it took.
    pub took: Duration,
}

/// How long closed outbox entries are kept for the API.
const OUTBOX_RETENTION: SignedDuration = SignedDuration::from_hours(24 * 7);

/// A posted batch: its valid alerts, and what re-creates them on replay.
pub struct IngestBatch {
    /// The valid alerts, normalised.
    pub alerts: Vec<Alert>,
    /// The request body as received.
    pub body: bytes::Bytes,
    /// The `now` of the normalisation.
    pub received_at: Timestamp,
    /// The resolve_timeout of the normalisation.
    pub resolve_timeout: SignedDuration,
}

/// What replaying the ingest log at start left to checkpoint.
#[derive(Default)]
pub struct Replayed {
    /// The next log sequence number.
    pub next_seq: i64,
    /// Alerts changed by the replay.
    pub dirty: HashSet<Fingerprint>,
    /// History entries produced by the replay.
    pub changes: Vec<StateChange>,
    /// Whether the log held anything.
    pub had_log: bool,
}

/// State shared with the API.
pub struct Shared {
    /// The engine; only the loop writes.
    pub engine: RwLock<Engine>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Categories added to notified alerts.
    pub categories: categories::Categories,
    /// Whether this process may send notifications (it holds the engine lease, or is alone).
    pub leadership: crate::store::lease::Leadership,
}

/// A handle to send commands to the loop.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<Command>,
    /// The shared state.
    pub shared: Arc<Shared>,
}

impl EngineHandle {
    /// Sends a command; fails when the loop has stopped.
    pub async fn send(&self, cmd: Command) -> Result<(), String> {
        self.tx.send(cmd).await.map_err(|_| "engine stopped".to_string())
    }
}

/// Resolves once a tick's outbox entries are committed; shared by its deliveries.
type Durable = futures::future::Shared<futures::future::BoxFuture<'static, Result<(), String>>>;

/// Notifications found open in the outbox at start: (id, attempts so far, notification).
pub type Unsent = Vec<(i64, u32, Outgoing)>;

/// Starts the loop.
#[allow(clippy::too_many_arguments)]
pub fn spawn(
    engine: Engine,
    replayed: Replayed,
    unsent: Unsent,
    outbox_max_id: i64,
    mirror: MirrorTrigger,
    writer: StoreWriter,
    notifiers: Arc<Notifiers>,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
    outages: OutageSets,
    leadership: crate::store::lease::Leadership,
) -> EngineHandle {
    let (tx, rx) = mpsc::channel(4096);
    let shared =
        Arc::new(Shared { engine: RwLock::new(engine), metrics, clock, categories: Default::default(), leadership });
    let handle = EngineHandle { tx: tx.clone(), shared: Arc::clone(&shared) };
    let lp = Loop {
        shared,
        writer,
        notifiers,
        tx,
        next_seq: replayed.next_seq,
        // Rows left from before the restart are trimmed by the first checkpoint.
        checkpointed_seq: if replayed.had_log { i64::MIN } else { replayed.next_seq - 1 },
        dirty: replayed.dirty,
        changes: replayed.changes,
        logged_bytes: 0,
        checkpointing: None,
        checkpoint_due: false,
        next_outbox_id: outbox_max_id + 1,
        mirror,
        turn: Turn::default(),
        outages,
    };
    tokio::spawn(lp.run(rx, unsent));
    handle
}

struct Loop {
    shared: Arc<Shared>,
    writer: StoreWriter,
    notifiers: Arc<Notifiers>,
    tx: mpsc::Sender<Command>,
    /// The sequence number of the next logged batch.
    next_seq: i64,
    /// The last sequence number covered by a checkpoint.
    checkpointed_seq: i64,
    /// Alerts changed since the last checkpoint.
    dirty: HashSet<Fingerprint>,
    /// History entries since the last checkpoint.
    changes: Vec<StateChange>,
    /// Bytes logged since the last checkpoint.
    logged_bytes: usize,
    /// The checkpoint being written in steps.
    checkpointing: Option<checkpoint::Pending>,
    /// A checkpoint is to begin after this turn's commit.
    checkpoint_due: bool,
    /// The id of the next outbox entry.
    next_outbox_id: i64,
    /// Wakes the silence mirror.
    mirror: MirrorTrigger,
    /// What this turn of the loop must commit.
    turn: Turn,
    /// Sources' outages and maintenance windows.
    outages: OutageSets,
}

/// The writes of one turn of the loop, and who waits for them.
#[derive(Default)]
struct Turn {
    /// In order.
    writes: Vec<Write>,
    /// Senders of logged batches, answered once committed.
    replies: Vec<oneshot::Sender<Result<(), String>>>,
    /// Notifications to send once committed, with their outbox ids.
    sends: Vec<(Outgoing, i64)>,
}

/// The labels, as JSON, of the alerts that `changes` are about.
fn labels_json(engine: &Engine, changes: &[StateChange]) -> HashMap<Fingerprint, String> {
    changes
        .iter()
        .filter_map(|c| {
            engine.alert(c.fingerprint).map(|a| (c.fingerprint, serde_json::to_string(&a.labels).unwrap_or_default()))
        })
        .collect()
}

fn transitions(changes: &[StateChange], labels: &HashMap<Fingerprint, String>) -> Vec<Transition> {
    changes
        .iter()
        .map(|c| Transition {
            fingerprint: c.fingerprint,
            at: c.at,
            state: if c.firing { "firing" } else { "resolved" },
            labels_json: labels.get(&c.fingerprint).cloned().unwrap_or_else(|| "{}".to_string()),
        })
        .collect()
}

impl Loop {
    async fn run(mut self, mut rx: mpsc::Receiver<Command>, unsent: Unsent) {
        self.resume(unsent);
        let mut checkpoints = tokio::time::interval(CHECKPOINT_EVERY);
        checkpoints.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut housekeeping = tokio::time::interval(HOUSEKEEPING);
        housekeeping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_gc = Instant::now();
        loop {
            let now = self.shared.clock.now();
            let wake = self.shared.engine.read().next_wake();
            let sleep = match wake {
                Some(w) if w <= now => Duration::ZERO,
                Some(w) => Duration::try_from(w.duration_since(now)).unwrap_or(Duration::from_secs(3600)),
                None => Duration::from_secs(3600),
            }
            .min(Duration::from_secs(3600));
            tokio::select! {
                biased;
                cmd = rx.recv() => {
                    let Some(cmd) = cmd else { break };
                    let mut cmds = vec![cmd];
                    while cmds.len() < MAX_COMMANDS_PER_TURN {
                        match rx.try_recv() {
                            Ok(c) => cmds.push(c),
                            Err(_) => break,
                        }
                    }
                    self.handle(cmds);
                }
                _ = tokio::time::sleep(sleep) => {}
                _ = checkpoints.tick() => self.checkpoint_due = true,
                _ = housekeeping.tick() => {
                    let gc = last_gc.elapsed() >= Duration::from_secs(300);
                    if gc {
                        last_gc = Instant::now();
                    }
                    self.housekeeping(gc);
                }
            }
            self.tick();
            self.commit_turn();
            if std::mem::take(&mut self.checkpoint_due) {
                self.begin_checkpoint();
            }
        }
        tracing::info!("engine loop stopped");
    }

    /// The writes that bring the alerts table and history up to date and trim the log, at
    /// once (at stop, and before garbage collection); takes over a checkpoint in progress.
    fn checkpoint(&mut self) -> Vec<Write> {
        let last = self.next_seq - 1;
        let mut pending = match self.checkpointing.take() {
            Some(mut p) => {
                p.absorb(&mut self.dirty, &mut self.changes, last);
                p
            }
            None if self.up_to_date() => return Vec::new(),
            None => checkpoint::Pending::new(&mut self.dirty, &mut self.changes, last),
        };
        let (fps, changes) = pending.next_step(usize::MAX);
        let mut writes = self.checkpoint_writes(&fps, &changes);
        writes.push(Write::TrimLog(last));
        self.checkpointed_seq = last;
        self.logged_bytes = 0;
        writes
    }

    /// Whether the store has everything: nothing changed, nothing logged since the last
    /// checkpoint.
    fn up_to_date(&self) -> bool {
        self.dirty.is_empty() && self.changes.is_empty() && self.checkpointed_seq == self.next_seq - 1
    }

    /// Begins a checkpoint written in steps, unless one is in progress or nothing changed.
    fn begin_checkpoint(&mut self) {
        if self.checkpointing.is_some() || self.up_to_date() {
            return;
        }
        let last = self.next_seq - 1;
        self.logged_bytes = 0;
        self.checkpointing = Some(checkpoint::Pending::new(&mut self.dirty, &mut self.changes, last));
        self.step_checkpoint();
    }

    /// Writes the next step of the checkpoint in progress; once all is written, trims the log.
    fn step_checkpoint(&mut self) {
        let Some(mut pending) = self.checkpointing.take() else { return };
        if pending.is_written() {
            self.checkpointed_seq = pending.upto;
            self.writer.submit(vec![Write::TrimLog(pending.upto)]);
            return;
        }
        let (fps, changes) = pending.next_step(checkpoint::CHUNK);
        let writes = self.checkpoint_writes(&fps, &changes);
        self.checkpointing = Some(pending);
        let committed = self.writer.commit(writes);
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let failed = match committed.await {
                Ok(()) => None,
                Err(e) => {
                    tracing::error!(error = %e, "a checkpoint step failed; the ingest log keeps the batches");
                    Some((fps, changes))
                }
            };
            let _ = tx.send(Command::CheckpointStep(failed)).await;
        });
    }

    /// Gives up the checkpoint in progress after a failed step: what it had left to write, and
    /// what the failed step was to write, are changed again; the log is not trimmed.
    fn abandon_checkpoint(&mut self, (fps, changes): (Vec<Fingerprint>, Vec<StateChange>)) {
        self.dirty.extend(fps);
        let mut back = changes;
        if let Some(p) = self.checkpointing.take() {
            self.dirty.extend(p.alerts);
            back.extend(p.changes);
        }
        back.append(&mut self.changes);
        self.changes = back;
    }

    /// The writes of the current state of `fps` and of the history entries `changes`.
    fn checkpoint_writes(&self, fps: &[Fingerprint], changes: &[StateChange]) -> Vec<Write> {
        let started = Instant::now();
        let engine = self.shared.engine.read();
        let alerts: Vec<Arc<Alert>> = fps.iter().filter_map(|fp| engine.alert(*fp).cloned()).collect();
        let labels = labels_json(&engine, changes);
        drop(engine);
        let mut writes = Vec::with_capacity(2);
        if !alerts.is_empty() {
            writes.push(Write::Alerts(alerts));
        }
        if !changes.is_empty() {
            writes.push(Write::Transitions(transitions(changes, &labels)));
        }
        self.shared.metrics.observe_stage("checkpoint", started.elapsed().as_secs_f64());
        writes
    }

    /// Commits `writes` now and, once they are durable, answers `done` with what `answer`
    /// makes of the commit's outcome; the loop goes on meanwhile.
    fn commit_then<R: Send + 'static>(
        &self,
        writes: Vec<Write>,
        done: oneshot::Sender<R>,
        answer: impl FnOnce(Result<(), String>) -> R + Send + 'static,
    ) {
        let committed = self.writer.commit(writes);
        tokio::spawn(async move {
            let _ = done.send(answer(committed.await.map_err(|e| e.to_string())));
        });
    }

    fn handle(&mut self, cmds: Vec<Command>) {
        let now = self.shared.clock.now();
        let started = Instant::now();
        let mut ingest: Vec<Alert> = Vec::new();
        let mut ingest_replies = Vec::new();
        let mut writes = Vec::new();
        let mut engine = self.shared.engine.write();
        for cmd in cmds {
            match cmd {
                Command::Ingest(batch, done) => {
                    self.logged_bytes += batch.body.len();
                    writes.push(Write::LogBatch(LoggedBatch {
                        seq: self.next_seq,
                        received_at: batch.received_at,
                        resolve_timeout: batch.resolve_timeout,
                        body: batch.body,
                    }));
                    self.next_seq += 1;
                    ingest.extend(batch.alerts);
                    ingest_replies.push(done);
                }
                Command::Checkpoint(done) => {
                    drop(engine);
                    let writes = self.checkpoint();
                    self.commit_then(writes, done, |committed| committed);
                    engine = self.shared.engine.write();
                }
                Command::SetSilence(body, done) => {
                    let res = engine.silences.set(body, now, || uuid::Uuid::new_v4().to_string());
                    if res.is_ok() {
                        // The new or updated silence and any it replaced changed now.
                        let changed: Vec<String> =
                            engine.silences.iter().filter(|s| s.updated_at == now).map(|s| s.id.clone()).collect();
                        for id in changed {
                            writes.extend(silence_writes(&engine, &id, now));
                        }
                    }
                    let mirror = self.mirror.clone();
                    self.commit_then(std::mem::take(&mut writes), done, move |committed| {
                        silence_answer(res, committed, &mirror)
                    });
                }
                Command::ExpireSilence(id, done) => {
                    let res = engine.silences.expire(&id, now);
                    if res.is_ok() {
                        writes.extend(silence_writes(&engine, &id, now));
                    }
                    let mirror = self.mirror.clone();
                    self.commit_then(std::mem::take(&mut writes), done, move |committed| {
                        silence_answer(res, committed, &mirror)
                    });
                }
                Command::CheckpointStep(failed) => {
                    drop(engine);
                    match failed {
                        None => self.step_checkpoint(),
                        Some(back) => self.abandon_checkpoint(back),
                    }
                    engine = self.shared.engine.write();
                }
                Command::Reload(setup, done) => {
                    engine.reload(*setup, now);
                    self.mirror.poke();
                    let _ = done.send(());
                }
                Command::Delivered(done) => writes.extend(self.record_delivery(&mut engine, *done, now)),
                Command::Outages(source, outages, done) => {
                    let json = serde_json::to_string(&outages).unwrap_or_default();
                    writes.push(Write::State(OUTAGES_NS, source.clone(), Some(json), now));
                    self.outages.sources.insert(source, outages);
                    let (all, windows) = self.outages.flatten();
                    engine.set_outages(all, windows, now);
                    if let Some(done) = done {
                        self.commit_then(std::mem::take(&mut writes), done, |committed| committed);
                    }
                }
                Command::PutState(ns, key, value, done) => {
                    writes.push(Write::State(ns, key, Some(value), now));
                    self.commit_then(std::mem::take(&mut writes), done, |committed| committed);
                }
                Command::ForgetSource(source, done) => {
                    let held = self.outages.sources.remove(&source).is_some();
                    if held {
                        writes.push(Write::State(OUTAGES_NS, source, None, now));
                        let (all, windows) = self.outages.flatten();
                        engine.set_outages(all, windows, now);
                    }
                    self.commit_then(std::mem::take(&mut writes), done, move |committed| committed.map(|()| held));
                }
                Command::RetainSources(names, done) => {
                    let gone: Vec<String> =
                        self.outages.sources.keys().filter(|k| !names.contains(*k)).cloned().collect();
                    for source in &gone {
                        tracing::info!(source = %source, "outage source no longer configured; its outages are dropped");
                        self.outages.sources.remove(source);
                        writes.push(Write::State(OUTAGES_NS, source.clone(), None, now));
                    }
                    if !gone.is_empty() {
                        let (all, windows) = self.outages.flatten();
                        engine.set_outages(all, windows, now);
                    }
                    self.commit_then(std::mem::take(&mut writes), done, |committed| committed);
                }
                Command::PutWindow(window, done) => {
                    let res = self.outages.put_window(*window, now);
                    let writes = std::mem::take(&mut writes);
                    window_changed(&self.outages, &mut engine, &self.writer, writes, res, done, now);
                }
                Command::EndWindow(id, done) => {
                    let res = self.outages.end_window(&id, now);
                    let writes = std::mem::take(&mut writes);
                    window_changed(&self.outages, &mut engine, &self.writer, writes, res, done, now);
                }
            }
        }
        writes.extend(suppression_writes(&mut engine));
        writes.extend(incident_writes(&mut engine));
        if !ingest.is_empty() {
            let received = ingest.len();
            let ing = engine.ingest(ingest, now);
            // The batch is durable in the ingest log; the alerts table and the history
            // follow at the next checkpoint.
            self.dirty.extend(ing.stored.iter().map(|a| a.fingerprint()));
            self.changes.extend(ing.changes);
            tracing::debug!(received, "ingested");
        }
        let timers = engine.take_dirty_timers();
        drop(engine);
        if !timers.is_empty() {
            writes.push(Write::GroupTimers(
                timers.into_iter().map(|(k, t)| (k, t.map(|t| (t.next_flush, t.has_flushed)))).collect(),
            ));
        }
        if self.logged_bytes > CHECKPOINT_BYTES {
            self.checkpoint_due = true;
        }
        self.shared.metrics.observe_stage("ingest", started.elapsed().as_secs_f64());
        // Committed after this turn's tick, together with the notifications it causes.
        self.turn.writes.extend(writes);
        self.turn.replies.extend(ingest_replies);
    }

    /// Commits everything this turn of the loop produced in one commit: the logged batches
    /// (then their senders are answered) and the outbox entries of the notifications they
    /// caused (then those are sent). One fsync covers both.
    fn commit_turn(&mut self) {
        let turn = std::mem::take(&mut self.turn);
        if turn.writes.is_empty() {
            return;
        }
        let commit = self.writer.commit(turn.writes);
        let durable: Durable = async move { commit.await.map_err(|e| e.to_string()) }.boxed().shared();
        for (out, id) in turn.sends {
            self.spawn_delivery(out, id, 0, Some(durable.clone()));
        }
        let replies = turn.replies;
        tokio::spawn(async move {
            let res = durable.await;
            if let Err(e) = &res {
                tracing::error!(error = %e, "store commit failed");
            }
            for r in replies {
                let _ = r.send(res.clone());
            }
        });
    }

    fn tick(&mut self) {
        let now = self.shared.clock.now();
        let due = self.shared.engine.read().next_wake().is_some_and(|w| w <= now);
        if !due {
            return;
        }
        let started = Instant::now();
        let mut engine = self.shared.engine.write();
        let tick = engine.tick(now);
        let timers = engine.take_dirty_timers();
        let mut writes = suppression_writes(&mut engine);
        writes.extend(incident_writes(&mut engine));
        drop(engine);
        self.shared.metrics.observe_stage("dispatch", started.elapsed().as_secs_f64());
        for (key, entry, expires) in &tick.logged {
            let body = serde_json::to_string(&crate::store::nflog::EntryJson::from(entry)).unwrap_or_default();
            writes.push(Write::NotifyLog(key.clone(), body, *expires));
        }
        let skipped: Vec<NotificationRecord> = tick
            .skipped
            .iter()
            .map(|s| NotificationRecord {
                at: now,
                group_key: s.key.group_key.clone(),
                receiver: s.key.receiver.clone(),
                integration: s.key.integration,
                outcome: "skipped",
                detail: s.reason.as_str().to_string(),
                alerts: s.alerts,
            })
            .collect();
        if !skipped.is_empty() {
            writes.push(Write::Notifications(skipped));
        }
        if !timers.is_empty() {
            writes.push(Write::GroupTimers(
                timers.into_iter().map(|(k, t)| (k, t.map(|t| (t.next_flush, t.has_flushed)))).collect(),
            ));
        }
        self.turn.writes.extend(writes);
        // The outbox entries join the commit of the batch that caused them (commit_turn).
        for out in tick.send {
            let id = self.next_outbox_id;
            self.next_outbox_id += 1;
            self.turn.writes.push(Write::OutboxPut(OutboxEntry {
                id,
                created_at: now,
                kind: self.notifiers.kind_of(&out.key).to_string(),
                body: crate::store::outbox::encode(&out),
                key: out.key.clone(),
                alerts: out.alerts.len(),
            }));
            self.turn.sends.push((out, id));
        }
    }

    /// Takes back the notifications left open in the outbox by the last run.
    fn resume(&mut self, unsent: Unsent) {
        if unsent.is_empty() {
            return;
        }
        let now = self.shared.clock.now();
        let rows: Vec<(i64, u32)> = unsent.iter().map(|(id, a, _)| (*id, *a)).collect();
        let outs = unsent.into_iter().map(|(_, _, o)| o).collect();
        // One decision per notification, in order.
        let decided = self.shared.engine.write().resume(outs, now);
        let mut writes = Vec::new();
        let mut sent = 0;
        for ((id, attempts), d) in rows.into_iter().zip(decided) {
            let detail = match d {
                Resumed::Send(out) => {
                    sent += 1;
                    self.spawn_delivery(out, id, attempts, None);
                    continue;
                }
                Resumed::AlreadyDelivered(_) => "already delivered according to the notification log",
                Resumed::Expired(_) => "expired while triage was down; the group's next flush decides anew",
            };
            let state = OutboxState::Superseded;
            writes.push(Write::OutboxUpdate(OutboxUpdate { id, state, attempts, detail: detail.to_string(), at: now }));
        }
        tracing::info!(resent = sent, closed = writes.len(), "resumed the outbox");
        self.writer.submit(writes);
    }

    /// Sends a notification on its own task: first waits until its outbox entry is durable
    /// (when `durable` is given), then delivers, then reports back to the loop.
    fn spawn_delivery(&self, out: Outgoing, id: i64, attempts_before: u32, durable: Option<Durable>) {
        let notifiers = Arc::clone(&self.notifiers);
        let tx = self.tx.clone();
        let clock = Arc::clone(&self.shared.clock);
        let writer = self.writer.clone();
        let metrics = Arc::clone(&self.shared.metrics);
        let shared = Arc::clone(&self.shared);
        metrics.outbox_open.inc();
        tokio::spawn(async move {
            let started = Instant::now();
            // Categories are added here, off the engine loop.
            let mut out = out;
            shared.categories.annotate(&mut out.alerts);
            let kind = notifiers.kind_of(&out.key);
            if let Some(durable) = durable
                && let Err(e) = durable.await
            {
                // Paging without a durable record beats not paging, unless another process
                // runs the engine now: it has the notification and sends it.
                tracing::error!(error = %e, "could not write the outbox; sending anyway");
            }
            if !shared.leadership.may_act() {
                tracing::warn!(group = %out.key.group_key, "not sending: this process no longer holds the engine lease");
                metrics.outbox_open.dec();
                return;
            }
            let on_retry = |attempt: u32, error: &str| {
                metrics.notification_retries.get_or_create(&IntegrationLabel { integration: kind.to_string() }).inc();
                writer.submit(vec![Write::OutboxUpdate(OutboxUpdate {
                    id,
                    state: OutboxState::Retrying,
                    attempts: attempts_before + attempt,
                    detail: error.to_string(),
                    at: clock.now(),
                })]);
            };
            let result = notifiers.deliver(&out, clock.as_ref(), &on_retry).await;
            if let Err(f) = &result {
                tracing::warn!(group = %out.key.group_key, receiver = %out.key.receiver, error = %f.error, "notification failed");
            }
            let result = result
                .map(|d| Delivery { attempts: d.attempts + attempts_before, ..d })
                .map_err(|f| Failure { attempts: f.attempts + attempts_before, ..f });
            let done = Finished { out, outbox_id: id, kind, result, took: started.elapsed() };
            let _ = tx.send(Command::Delivered(Box::new(done))).await;
        });
    }

    /// The writes that record a finished delivery: the notification log entry, the decision
    /// and the outbox state, in one commit.
    fn record_delivery(&self, engine: &mut Engine, done: Finished, now: Timestamp) -> Vec<Write> {
        let metrics = &self.shared.metrics;
        metrics.outbox_open.dec();
        let label = IntegrationLabel { integration: done.kind.to_string() };
        let ok = done.result.is_ok();
        if ok {
            metrics.notifications_sent.get_or_create(&label).inc();
            metrics.notification_seconds.get_or_create(&label).observe(done.took.as_secs_f64());
        } else {
            metrics.notifications_failed.get_or_create(&label).inc();
        }
        let out = &done.out;
        let mut writes = Vec::with_capacity(3);
        if let Some((entry, expires)) = engine.delivered(out, ok) {
            let body = serde_json::to_string(&crate::store::nflog::EntryJson::from(&entry)).unwrap_or_default();
            writes.push(Write::NotifyLog(out.key.clone(), body, expires));
        }
        let (state, attempts, detail) = match done.result {
            Ok(d) => (OutboxState::Delivered, d.attempts, d.warnings.join("; ")),
            Err(f) => (OutboxState::Failed, f.attempts, f.error),
        };
        writes.push(Write::Notifications(vec![NotificationRecord {
            at: now,
            group_key: out.key.group_key.clone(),
            receiver: out.key.receiver.clone(),
            integration: out.key.integration,
            outcome: if ok { "sent" } else { "failed" },
            detail: detail.clone(),
            alerts: out.alerts.len(),
        }]));
        writes.push(Write::OutboxUpdate(OutboxUpdate { id: done.outbox_id, state, attempts, detail, at: now }));
        writes
    }

    fn housekeeping(&mut self, gc: bool) {
        let now: Timestamp = self.shared.clock.now();
        // Garbage collection deletes rows: checkpoint first, so that a replay of the log
        // cannot bring a collected alert back.
        let mut writes = if gc { self.checkpoint() } else { Vec::new() };
        let mut engine = self.shared.engine.write();
        let changes = engine.timed_out(now);
        if !changes.is_empty() {
            let labels = labels_json(&engine, &changes);
            writes.push(Write::Transitions(transitions(&changes, &labels)));
        }
        if gc {
            let (alerts, _expired_log, silences) = engine.gc(now, RESOLVED_RETENTION, SILENCE_RETENTION);
            if !alerts.is_empty() {
                writes.push(Write::DeleteAlerts(alerts));
            }
            if !silences.is_empty() {
                writes.push(Write::DeleteSilences(silences));
            }
            writes.push(Write::ExpireNotifyLog(now));
            writes.push(Write::OutboxPrune(now.checked_sub(OUTBOX_RETENTION).unwrap_or(now)));
        }
        let firing = engine.alerts().filter(|a| !a.resolved_at(now)).count() as i64;
        let total = engine.alert_count() as i64;
        let timers = engine.take_dirty_timers();
        drop(engine);
        if !timers.is_empty() {
            writes.push(Write::GroupTimers(
                timers.into_iter().map(|(k, t)| (k, t.map(|t| (t.next_flush, t.has_flushed)))).collect(),
            ));
        }
        self.shared.metrics.alerts.get_or_create(&KindLabel { kind: "firing".into() }).set(firing);
        self.shared.metrics.alerts.get_or_create(&KindLabel { kind: "resolved".into() }).set(total - firing);
        self.writer.submit(writes);
    }
}

impl OutageSets {
    /// Checks a window and gives it an id when new; keeps it in the set.
    fn put_window(&mut self, mut window: MaintenanceWindow, now: Timestamp) -> Result<MaintenanceWindow, String> {
        window.compile().map_err(|e| e.to_string())?;
        if window.id.is_empty() {
            window.id = uuid::Uuid::new_v4().to_string();
        } else if !self.windows.contains_key(&window.id) {
            return Err(format!("no maintenance window {} (leave id empty to create one)", window.id));
        }
        if window.created_at.is_none() {
            window.created_at = Some(now);
        }
        self.windows.insert(window.id.clone(), window.clone());
        Ok(window)
    }

    /// Ends a window now (a window not begun yet begins and ends now); it stays listed.
    fn end_window(&mut self, id: &str, now: Timestamp) -> Result<MaintenanceWindow, String> {
        match self.windows.get_mut(id) {
            None => Err(format!("no maintenance window {id}")),
            Some(w) if w.ends_at.is_some_and(|e| e <= now) => Err(format!("maintenance window {id} already ended")),
            Some(w) => {
                w.ends_at = Some(now);
                if w.starts_at.is_some_and(|s| s > now) {
                    w.starts_at = Some(now);
                }
                Ok(w.clone())
            }
        }
    }
}

/// After a window was created, changed or ended (`res`): stores it with the turn's `writes`,
/// applies the windows to the engine, and answers once committed.
fn window_changed(
    outages: &OutageSets,
    engine: &mut Engine,
    writer: &StoreWriter,
    mut writes: Vec<Write>,
    res: Result<MaintenanceWindow, String>,
    done: oneshot::Sender<Result<MaintenanceWindow, String>>,
    now: Timestamp,
) {
    if let Ok(w) = &res {
        writes.push(Write::State(WINDOWS_NS, w.id.clone(), Some(serde_json::to_string(w).unwrap_or_default()), now));
        let (all, windows) = outages.flatten();
        engine.set_outages(all, windows, now);
    }
    let fut = writer.commit(writes);
    tokio::spawn(async move {
        let res = match (res, fut.await) {
            (Ok(w), Ok(())) => Ok(w),
            (Ok(_), Err(e)) => Err(format!("store: {e}")),
            (Err(e), _) => Err(e),
        };
        let _ = done.send(res);
    });
}

/// The incidents that changed, for the store.
fn incident_writes(engine: &mut Engine) -> Vec<Write> {
    engine
        .take_incident_changes()
        .into_iter()
        .map(|i| {
            Write::Incident(crate::store::IncidentRow {
                id: i.id.clone(),
                opened_at: i.opened_at,
                closed_at: i.closed_at,
                body: serde_json::to_string(&i).unwrap_or_default(),
            })
        })
        .collect()
}

/// The suppressions that began or ended, for the store.
fn suppression_writes(engine: &mut Engine) -> Vec<Write> {
    engine
        .take_suppression_events()
        .into_iter()
        .map(|ev| match ev {
            SuppressionEvent::Began { outage, fingerprint, labels, at } => Write::SuppressionBegan(SuppressionRow {
                outage_id: outage,
                fingerprint,
                labels_json: serde_json::to_string(&labels).unwrap_or_default(),
                began_at: at,
                ended_at: None,
                still_firing: None,
            }),
            SuppressionEvent::Ended { outage, fingerprint, at, still_firing } => {
                Write::SuppressionEnded(outage, fingerprint, at, still_firing)
            }
        })
        .collect()
}

fn silence_writes(engine: &Engine, id: &str, now: Timestamp) -> Vec<Write> {
    match engine.silences.get(id) {
        Some(s) => vec![Write::Silence(id.to_string(), serde_json::to_string(s).unwrap_or_default(), now)],
        None => Vec::new(),
    }
}

/// Wakes the silence mirror (a task of `sources::mirror`) when silences change.
#[derive(Clone, Default)]
pub struct MirrorTrigger(Arc<tokio::sync::Notify>);

impl MirrorTrigger {
    /// Asks for a pass soon.
    pub fn poke(&self) {
        self.0.notify_one();
    }

    /// Waits for the next poke.
    pub async fn poked(&self) {
        self.0.notified().await;
    }
}

/// The answer to a silence command: its own result, unless storing it failed; a stored
/// change wakes the silence mirror.
fn silence_answer<T>(
    res: Result<T, SilenceError>,
    committed: Result<(), String>,
    mirror: &MirrorTrigger,
) -> Result<T, SilenceError> {
    match (res, committed) {
        (Ok(v), Ok(())) => {
            mirror.poke();
            Ok(v)
        }
        (Ok(_), Err(e)) => Err(SilenceError::Invalid(format!("store: {e}"))),
        (Err(e), _) => Err(e),
    }
}
