//! The store: where triage keeps what must survive a restart.
//!
//! Alerts, their history, silences, the notification log, group timers and notification
//! decisions. Writes arrive as [`Write`] values and are committed in batches by
//! [`writer::spawn`] (group commit): a caller is answered only after its writes are durable.
//! Backends implement the small [`Store`] trait; `tests/store_contract.rs` runs the same
//! contract against each.

pub mod backend;
pub mod dir_lock;
pub mod lease;
pub mod nflog;
pub mod outbox;
pub mod postgres;
mod postgres_writes;
pub mod sqlite;
mod sqlite_incidents;
mod sqlite_rows;
pub mod url;
pub mod writer;

pub use backend::StoreBackend;

use std::future::Future;
use std::sync::Arc;

use jiff::Timestamp;
use triage_core::{Alert, Fingerprint};

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrating the schema failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored row could not be decoded.
    #[error("corrupt row in {table}: {reason}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The database could not be reached.
    #[error("cannot connect to the store at {url}: {reason}")]
    Connect {
        /// Where, password replaced.
        url: String,
        /// Why.
        reason: String,
    },
    /// The writer task is gone (shutting down).
    #[error("store writer stopped")]
    WriterGone,
    /// The data directory cannot be used (not a directory, not writable, ...).
    #[error("data directory {dir}: {reason}")]
    DataDir {
        /// The directory as given.
        dir: String,
        /// Why, with the operating system's reason.
        reason: String,
    },
    /// Another process has the embedded store's data directory open.
    #[error("data directory {dir} is in use by another triage process{}", match pid { Some(p) => format!(" (pid {p})"), None => String::new() })]
    Locked {
        /// The directory.
        dir: String,
        /// The holder's pid, from the lock file.
        pid: Option<u32>,
    },
    /// The store file exists but is not an SQLite database.
    #[error(
        "{path} is not an SQLite database (file is damaged or not triage's); move it away to start with an empty store"
    )]
    NotADatabase {
        /// The file.
        path: String,
    },
    /// Another process holds the engine lease now; this one may not write.
    #[error("another process runs the engine now (this process lost the engine lease)")]
    Deposed,
}

/// One state change of an alert, for the history.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    /// The alert.
    pub fingerprint: Fingerprint,
    /// When the change took effect.
    pub at: Timestamp,
    /// `firing` or `resolved`.
    pub state: &'static str,
    /// The alert's labels as JSON.
    pub labels_json: String,
}

/// A notification decision, for "why was I (not) paged".
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationRecord {
    /// When.
    pub at: Timestamp,
    /// The group.
    pub group_key: String,
    /// The receiver.
    pub receiver: String,
    /// The integration's index in the receiver.
    pub integration: usize,
    /// `sent`, `failed` or `skipped`.
    pub outcome: &'static str,
    /// The reason or error.
    pub detail: String,
    /// How many alerts were in it.
    pub alerts: usize,
}

pub use triage_core::engine::NotifyLogKey;

/// An accepted alert batch as logged: enough to re-run its ingestion exactly.
#[derive(Clone, Debug)]
pub struct LoggedBatch {
    /// Position in the log.
    pub seq: i64,
    /// When it was received (the `now` of its normalisation).
    pub received_at: Timestamp,
    /// The resolve_timeout in force then.
    pub resolve_timeout: jiff::SignedDuration,
    /// The request body as received.
    pub body: bytes::Bytes,
}

/// One write. A batch of writes commits atomically.
#[derive(Clone, Debug)]
pub enum Write {
    /// Append an accepted batch to the ingest log.
    LogBatch(LoggedBatch),
    /// Drop log entries up to and including this sequence number (they are checkpointed).
    TrimLog(i64),
    /// Insert or replace alerts.
    Alerts(Vec<Arc<Alert>>),
    /// Delete alerts.
    DeleteAlerts(Vec<Fingerprint>),
    /// Append history.
    Transitions(Vec<Transition>),
    /// Insert or replace a silence (id, JSON body, updated at).
    Silence(String, String, Timestamp),
    /// Delete silences.
    DeleteSilences(Vec<String>),
    /// Set a notification log entry (JSON) with its expiry.
    NotifyLog(NotifyLogKey, String, Timestamp),
    /// Drop notification log entries that expired before this time.
    ExpireNotifyLog(Timestamp),
    /// Set (or, with `None`, delete) saved group timers: key, next flush, has flushed.
    GroupTimers(Vec<(String, Option<(Timestamp, bool)>)>),
    /// Record notification decisions.
    Notifications(Vec<NotificationRecord>),
    /// Enqueue a notification in the outbox.
    OutboxPut(outbox::OutboxEntry),
    /// Change the state of an outbox entry.
    OutboxUpdate(outbox::OutboxUpdate),
    /// Drop closed outbox entries last changed before this time.
    OutboxPrune(Timestamp),
    /// Set (or, with `None`, delete) a named state value: namespace, key, JSON, when.
    State(&'static str, String, Option<String>, Timestamp),
    /// An outage began hiding an alert (ignored when that suppression is already open).
    SuppressionBegan(SuppressionRow),
    /// An outage stopped hiding an alert: outage id, alert, when, whether it still fired.
    SuppressionEnded(String, Fingerprint, Timestamp, bool),
    /// Insert or update an incident.
    Incident(IncidentRow),
}

/// One incident as stored: its id, times, and whole record as JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentRow {
    /// The incident id.
    pub id: String,
    /// When it opened.
    pub opened_at: Timestamp,
    /// When it closed.
    pub closed_at: Option<Timestamp>,
    /// The record ([`triage_core::incident::Incident`]) as JSON.
    pub body: String,
}

/// An incident query.
#[derive(Clone, Debug, Default)]
pub struct IncidentQuery {
    /// Only this incident.
    pub id: Option<String>,
    /// `Some(true)`: open ones only; `Some(false)`: closed ones only.
    pub open: Option<bool>,
    /// Opened at or after.
    pub since: Option<Timestamp>,
    /// Opened at or before.
    pub until: Option<Timestamp>,
    /// At most this many, newest first (0: 1000).
    pub limit: u32,
}

/// One suppression: an outage hiding an alert, from when to when.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuppressionRow {
    /// The outage.
    pub outage_id: String,
    /// The alert.
    #[serde(serialize_with = "fingerprint_hex")]
    pub fingerprint: Fingerprint,
    /// The alert's labels as JSON.
    #[serde(rename = "labels", serialize_with = "raw_json")]
    pub labels_json: String,
    /// When the outage began hiding it.
    pub began_at: Timestamp,
    /// When it stopped; open when absent.
    pub ended_at: Option<Timestamp>,
    /// Whether the alert still fired when the suppression ended.
    pub still_firing: Option<bool>,
}

fn fingerprint_hex<S: serde::Serializer>(fp: &Fingerprint, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fp.to_string())
}

fn raw_json<S: serde::Serializer>(json: &str, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(v) => v.serialize(s),
        Err(_) => s.serialize_str(json),
    }
}

/// A suppression query.
#[derive(Clone, Debug, Default)]
pub struct SuppressionQuery {
    /// Only this outage.
    pub outage_id: Option<String>,
    /// Only this alert.
    pub fingerprint: Option<Fingerprint>,
    /// Only open ones.
    pub open_only: bool,
    /// At most this many rows, newest first (0: 1000).
    pub limit: u32,
}

/// Everything loaded at start.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// Alerts.
    pub alerts: Vec<Alert>,
    /// Silences as (id, JSON body).
    pub silences: Vec<(String, String)>,
    /// Notification log entries as JSON.
    pub notify_log: Vec<(NotifyLogKey, String, Timestamp)>,
    /// Group timers.
    pub group_timers: Vec<(String, Timestamp, bool)>,
    /// Logged batches not yet checkpointed, in order.
    pub ingest_log: Vec<LoggedBatch>,
    /// Open outbox entries (id, attempts, body), oldest first.
    pub outbox: Vec<(i64, u32, String)>,
    /// The highest outbox id ever used.
    pub outbox_max_id: i64,
    /// Named state values: (namespace, key, JSON).
    pub states: Vec<(String, String, String)>,
    /// Suppressions in progress: (outage id, alert).
    pub open_suppressions: Vec<(String, Fingerprint)>,
    /// Open incidents as JSON, oldest first.
    pub open_incidents: Vec<String>,
}

/// A history query.
#[derive(Clone, Debug, Default)]
pub struct HistoryQuery {
    /// Only this alert.
    pub fingerprint: Option<Fingerprint>,
    /// From this time.
    pub since: Option<Timestamp>,
    /// At most this many rows, newest first.
    pub limit: u32,
}

/// A storage backend.
pub trait Store: Send + Sync + 'static {
    /// Loads the durable state.
    fn load(&self) -> impl Future<Output = Result<Loaded, StoreError>> + Send;
    /// Commits a batch atomically.
    fn commit(&self, batch: &[Write]) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Reads history, newest first.
    fn history(&self, q: &HistoryQuery) -> impl Future<Output = Result<Vec<Transition>, StoreError>> + Send;
    /// Reads notification decisions, newest first.
    fn notifications(
        &self,
        since: Option<Timestamp>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<NotificationRecord>, StoreError>> + Send;
    /// Reads outbox entries, newest first, optionally in one state only.
    fn outbox(
        &self,
        state: Option<outbox::OutboxState>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<outbox::OutboxRow>, StoreError>> + Send;
    /// Reads the named state values of a namespace, as (key, JSON), by key.
    fn states(&self, ns: &str) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send;
    /// Reads incidents, newest first.
    fn incidents(&self, q: &IncidentQuery) -> impl Future<Output = Result<Vec<IncidentRow>, StoreError>> + Send;
    /// Reads suppressions, newest first.
    fn suppressions(
        &self,
        q: &SuppressionQuery,
    ) -> impl Future<Output = Result<Vec<SuppressionRow>, StoreError>> + Send;
}

/// Microseconds since the epoch, the stored time unit.
pub fn to_micros(ts: Timestamp) -> i64 {
    ts.as_microsecond()
}

/// The inverse of [`to_micros`].
pub fn from_micros(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH)
}
