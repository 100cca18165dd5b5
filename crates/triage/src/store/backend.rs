//! The store triage runs on, chosen at start: the embedded SQLite store in a data directory
//! (the default) or PostgreSQL at a URL. [`StoreBackend`] implements [`Store`] by handing each
//! call to the one it holds.

use std::path::Path;

use jiff::Timestamp;

use super::postgres::PgStore;
use super::sqlite::{Durability, SqliteStore};
use super::url::StoreUrl;
use super::{
    HistoryQuery, IncidentQuery, IncidentRow, Loaded, NotificationRecord, Store, StoreError, SuppressionQuery,
    SuppressionRow, Transition, Write,
};
use crate::store::outbox::{OutboxRow, OutboxState};

/// One of the stores.
#[derive(Clone, Debug)]
pub enum StoreBackend {
    /// The embedded SQLite store.
    Sqlite(SqliteStore),
    /// A PostgreSQL database.
    Postgres(PgStore),
}

impl StoreBackend {
    /// Opens PostgreSQL at `url` when given, else the SQLite store in `dir`.
    pub async fn open(url: Option<&StoreUrl>, dir: &Path, durability: Durability) -> Result<StoreBackend, StoreError> {
        Ok(match url {
            Some(url) => StoreBackend::Postgres(PgStore::open(url).await?),
            None => StoreBackend::Sqlite(SqliteStore::open(dir, durability).await?),
        })
    }

    /// Where it is, for logs (a URL without its password, or a path).
    pub fn describe(&self, dir: &Path) -> String {
        match self {
            StoreBackend::Sqlite(_) => format!("sqlite in {}", dir.display()),
            StoreBackend::Postgres(p) => p.url().to_string(),
        }
    }
}

macro_rules! delegate {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            StoreBackend::Sqlite($s) => $call.await,
            StoreBackend::Postgres($s) => $call.await,
        }
    };
}

impl Store for StoreBackend {
    async fn load(&self) -> Result<Loaded, StoreError> {
        delegate!(self, s => s.load())
    }

    async fn commit(&self, batch: &[Write]) -> Result<(), StoreError> {
        delegate!(self, s => s.commit(batch))
    }

    async fn history(&self, q: &HistoryQuery) -> Result<Vec<Transition>, StoreError> {
        delegate!(self, s => s.history(q))
    }

    async fn notifications(&self, since: Option<Timestamp>, limit: u32) -> Result<Vec<NotificationRecord>, StoreError> {
        delegate!(self, s => s.notifications(since, limit))
    }

    async fn outbox(&self, state: Option<OutboxState>, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
        delegate!(self, s => s.outbox(state, limit))
    }

    async fn states(&self, ns: &str) -> Result<Vec<(String, String)>, StoreError> {
        delegate!(self, s => s.states(ns))
    }

    async fn incidents(&self, q: &IncidentQuery) -> Result<Vec<IncidentRow>, StoreError> {
        delegate!(self, s => s.incidents(q))
    }

    async fn suppressions(&self, q: &SuppressionQuery) -> Result<Vec<SuppressionRow>, StoreError> {
        delegate!(self, s => s.suppressions(q))
    }
}
