//! The PostgreSQL store, for a database shared by replicas: the same tables and the same
//! semantics as the embedded SQLite store, behind the same [`Store`] trait. A commit is one
//! transaction; PostgreSQL's default `synchronous_commit` makes it durable before the caller
//! is answered. The schema is migrated at open, under an advisory lock so that replicas
//! starting together do not race.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Row};
use triage_core::{Alert, Fingerprint, LabelSet};

use super::lease::Held;
use super::url::StoreUrl;
use super::{
    HistoryQuery, IncidentQuery, IncidentRow, Loaded, LoggedBatch, NotificationRecord, NotifyLogKey, Store, StoreError,
    SuppressionQuery, SuppressionRow, Transition, Write, from_micros, to_micros,
};
use crate::store::outbox::{OutboxRow, OutboxState};

/// The schema, in order, with the same version numbers as SQLite's. Each entry runs once,
/// recorded in `schema_version`.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (2, include_str!("../../migrations/postgres/0002_ingest_log.sql")),
    (3, include_str!("../../migrations/postgres/0003_outbox.sql")),
    (4, include_str!("../../migrations/postgres/0004_outages.sql")),
    (5, include_str!("../../migrations/postgres/0005_incidents.sql")),
    (6, include_str!("../../migrations/postgres/0006_engine_lease.sql")),
];

/// The advisory lock key held while migrating ("triage" in ASCII).
const MIGRATION_LOCK: i64 = 0x7472_6961_6765;

/// PostgreSQL behind sqlx.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The URL with its password replaced, for logs.
    shown: String,
    /// Set once this process holds the engine lease: every commit then checks it.
    fence: Arc<OnceLock<Arc<Held>>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("url", &self.shown).finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to the database at `url` and migrates it.
    pub async fn open(url: &StoreUrl) -> Result<PgStore, StoreError> {
        let opts: PgConnectOptions = url.pg_options().clone();
        let unreachable = |e: sqlx::Error| StoreError::Connect { url: url.to_string(), reason: e.to_string() };
        // One connection first, so that a wrong address or password fails at once instead of
        // after the pool's retries.
        let probe = PgConnection::connect_with(&opts).await.map_err(unreachable)?;
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await
            .map_err(unreachable)?;
        let store = PgStore { pool, shown: url.to_string(), fence: Arc::default() };
        store.migrate().await?;
        Ok(store)
    }

    /// The URL with its password replaced.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// The connection pool (for the engine lease).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// From now on every commit renews `held` in its transaction and fails with
    /// [`StoreError::Deposed`] when the term is no longer this process's.
    pub fn fence_with(&self, held: Arc<Held>) {
        let _ = self.fence.set(held);
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK).execute(&mut *tx).await?;
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY)").execute(&mut *tx).await?;
        for (version, sql) in MIGRATIONS {
            let done: Option<i64> = sqlx::query_scalar("SELECT version FROM schema_version WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_some() {
                continue;
            }
            sqlx::raw_sql(AssertSqlSafe(*sql)).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_version (version) VALUES ($1)").bind(version).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn corrupt(table: &'static str, reason: impl ToString) -> StoreError {
    StoreError::Corrupt { table, reason: reason.to_string() }
}

/// `limit` as the reads take it: 0 means 1000, and never more than 100,000.
fn row_limit(limit: u32) -> i64 {
    if limit == 0 { 1000 } else { limit.min(100_000) as i64 }
}

impl Store for PgStore {
    async fn load(&self) -> Result<Loaded, StoreError> {
        let mut out = Loaded::default();
        let rows = sqlx::query(
            "SELECT labels, annotations, starts_at, ends_at, updated_at, generator_url, timeout FROM alerts",
        )
        .fetch_all(&self.pool)
        .await?;
        out.alerts.reserve(rows.len());
        for r in rows {
            let labels: LabelSet = serde_json::from_str(r.get::<&str, _>(0)).map_err(|e| corrupt("alerts", e))?;
            let annotations: LabelSet = serde_json::from_str(r.get::<&str, _>(1)).map_err(|e| corrupt("alerts", e))?;
            out.alerts.push(Alert {
                labels,
                annotations,
                starts_at: from_micros(r.get(2)),
                ends_at: r.get::<Option<i64>, _>(3).map(from_micros),
                updated_at: from_micros(r.get(4)),
                generator_url: r.get(5),
                timeout: r.get(6),
            });
        }
        for r in sqlx::query("SELECT id, body FROM silences").fetch_all(&self.pool).await? {
            out.silences.push((r.get(0), r.get(1)));
        }
        for r in sqlx::query("SELECT group_key, receiver, integration, entry, expires_at FROM notify_log")
            .fetch_all(&self.pool)
            .await?
        {
            let key =
                NotifyLogKey { group_key: r.get(0), receiver: r.get(1), integration: r.get::<i64, _>(2) as usize };
            out.notify_log.push((key, r.get(3), from_micros(r.get(4))));
        }
        for r in
            sqlx::query("SELECT group_key, next_flush, has_flushed FROM group_timers").fetch_all(&self.pool).await?
        {
            out.group_timers.push((r.get(0), from_micros(r.get(1)), r.get(2)));
        }
        for r in sqlx::query("SELECT seq, received_at, resolve_timeout, body FROM ingest_log ORDER BY seq")
            .fetch_all(&self.pool)
            .await?
        {
            out.ingest_log.push(LoggedBatch {
                seq: r.get(0),
                received_at: from_micros(r.get(1)),
                resolve_timeout: jiff::SignedDuration::from_micros(r.get(2)),
                body: bytes::Bytes::from(r.get::<Vec<u8>, _>(3)),
            });
        }
        for r in sqlx::query("SELECT id, attempts, body FROM outbox WHERE state IN ('pending', 'retrying') ORDER BY id")
            .fetch_all(&self.pool)
            .await?
        {
            out.outbox.push((r.get(0), r.get::<i64, _>(1) as u32, r.get(2)));
        }
        out.outbox_max_id =
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0)::BIGINT FROM outbox").fetch_one(&self.pool).await?;
        for r in sqlx::query("SELECT ns, key, value FROM state ORDER BY ns, key").fetch_all(&self.pool).await? {
            out.states.push((r.get(0), r.get(1), r.get(2)));
        }
        for r in sqlx::query("SELECT outage_id, fingerprint FROM suppressions WHERE ended_at IS NULL ORDER BY id")
            .fetch_all(&self.pool)
            .await?
        {
            out.open_suppressions.push((r.get(0), Fingerprint(r.get::<i64, _>(1) as u64)));
        }
        for r in sqlx::query("SELECT body FROM incidents WHERE closed_at IS NULL ORDER BY opened_at, id")
            .fetch_all(&self.pool)
            .await?
        {
            out.open_incidents.push(r.get(0));
        }
        Ok(out)
    }

    async fn commit(&self, batch: &[Write]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        if let Some(held) = self.fence.get()
            && !held.fence(&mut tx).await?
        {
            return Err(StoreError::Deposed);
        }
        super::postgres_writes::apply(&mut tx, batch).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn history(&self, q: &HistoryQuery) -> Result<Vec<Transition>, StoreError> {
        let rows = sqlx::query(
            "SELECT fingerprint, at, state, labels FROM transitions \
             WHERE ($1::BIGINT IS NULL OR fingerprint = $1) AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3",
        )
        .bind(q.fingerprint.map(|fp| fp.0 as i64))
        .bind(q.since.map(to_micros).unwrap_or(i64::MIN))
        .bind(row_limit(q.limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let state = match r.get::<&str, _>(2) {
                    "firing" => "firing",
                    "resolved" => "resolved",
                    other => return Err(corrupt("transitions", format!("unknown state {other:?}"))),
                };
                Ok(Transition {
                    fingerprint: Fingerprint(r.get::<i64, _>(0) as u64),
                    at: from_micros(r.get(1)),
                    state,
                    labels_json: r.get(3),
                })
            })
            .collect()
    }

    async fn notifications(
        &self,
        since: Option<jiff::Timestamp>,
        limit: u32,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, group_key, receiver, integration, outcome, detail, alerts FROM notifications \
             WHERE at >= $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(since.map(to_micros).unwrap_or(i64::MIN))
        .bind(row_limit(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let outcome = match r.get::<&str, _>(4) {
                    "sent" => "sent",
                    "failed" => "failed",
                    "skipped" => "skipped",
                    other => return Err(corrupt("notifications", format!("unknown outcome {other:?}"))),
                };
                Ok(NotificationRecord {
                    at: from_micros(r.get(0)),
                    group_key: r.get(1),
                    receiver: r.get(2),
                    integration: r.get::<i64, _>(3) as usize,
                    outcome,
                    detail: r.get(5),
                    alerts: r.get::<i64, _>(6) as usize,
                })
            })
            .collect()
    }

    async fn outbox(&self, state: Option<OutboxState>, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, created_at, updated_at, group_key, receiver, integration, kind, state, attempts, \
             last_error, alerts FROM outbox WHERE ($1::TEXT IS NULL OR state = $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(state.map(|s| s.as_str()))
        .bind(row_limit(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let state = OutboxState::parse(r.get::<&str, _>(7))
                    .ok_or_else(|| corrupt("outbox", format!("unknown state {:?}", r.get::<&str, _>(7))))?;
                Ok(OutboxRow {
                    id: r.get(0),
                    created_at: from_micros(r.get(1)),
                    updated_at: from_micros(r.get(2)),
                    group_key: r.get(3),
                    receiver: r.get(4),
                    integration: r.get::<i64, _>(5) as usize,
                    kind: r.get(6),
                    state,
                    attempts: r.get::<i64, _>(8) as u32,
                    last_error: r.get(9),
                    alerts: r.get::<i64, _>(10) as usize,
                })
            })
            .collect()
    }

    async fn states(&self, ns: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT key, value FROM state WHERE ns = $1 ORDER BY key")
            .bind(ns)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn incidents(&self, q: &IncidentQuery) -> Result<Vec<IncidentRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, opened_at, closed_at, body FROM incidents \
             WHERE ($1::BOOLEAN IS NULL OR ($1 AND closed_at IS NULL) OR (NOT $1 AND closed_at IS NOT NULL)) \
             AND ($2::BIGINT IS NULL OR opened_at >= $2) AND ($3::BIGINT IS NULL OR opened_at <= $3) \
             AND ($5::TEXT IS NULL OR id = $5) \
             ORDER BY opened_at DESC, id LIMIT $4",
        )
        .bind(q.open)
        .bind(q.since.map(to_micros))
        .bind(q.until.map(to_micros))
        .bind(row_limit(q.limit))
        .bind(q.id.as_deref())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| IncidentRow {
                id: r.get(0),
                opened_at: from_micros(r.get(1)),
                closed_at: r.get::<Option<i64>, _>(2).map(from_micros),
                body: r.get(3),
            })
            .collect())
    }

    async fn suppressions(&self, q: &SuppressionQuery) -> Result<Vec<SuppressionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT outage_id, fingerprint, labels, began_at, ended_at, still_firing FROM suppressions \
             WHERE ($1::TEXT IS NULL OR outage_id = $1) AND ($2::BIGINT IS NULL OR fingerprint = $2) \
             AND (NOT $3 OR ended_at IS NULL) ORDER BY began_at DESC, id DESC LIMIT $4",
        )
        .bind(q.outage_id.as_deref())
        .bind(q.fingerprint.map(|fp| fp.0 as i64))
        .bind(q.open_only)
        .bind(row_limit(q.limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| SuppressionRow {
                outage_id: r.get(0),
                fingerprint: Fingerprint(r.get::<i64, _>(1) as u64),
                labels_json: r.get(2),
                began_at: from_micros(r.get(3)),
                ended_at: r.get::<Option<i64>, _>(4).map(from_micros),
                still_firing: r.get(5),
            })
            .collect())
    }
}
