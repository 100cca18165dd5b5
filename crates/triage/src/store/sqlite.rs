//! The embedded SQLite store (the default), in WAL mode with `synchronous=FULL`: a commit is
//! on disk before the caller is answered.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Row};
use triage_core::{Alert, Fingerprint, LabelSet};

use super::sqlite_rows as rows;
use crate::store::outbox::{OutboxRow, OutboxState};

use super::{
    HistoryQuery, IncidentQuery, IncidentRow, Loaded, LoggedBatch, NotificationRecord, NotifyLogKey, Store, StoreError,
    SuppressionQuery, SuppressionRow, Transition, Write, from_micros, to_micros,
};

/// The schema, in order. Each entry runs once, recorded in `schema_version`.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../../migrations/sqlite/0002_ingest_log.sql")),
    (3, include_str!("../../migrations/sqlite/0003_outbox.sql")),
    (4, include_str!("../../migrations/sqlite/0004_outages.sql")),
    (5, include_str!("../../migrations/sqlite/0005_incidents.sql")),
];

/// Rows per multi-row INSERT (8 parameters each stays under SQLite's limit).
const CHUNK: usize = 500;

/// SQLite behind sqlx.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The data directory's lock, held as long as any clone of the store lives (none for a
    /// store opened by [`SqliteStore::inspect`]).
    _lock: Option<std::sync::Arc<super::dir_lock::DirLock>>,
}

/// How hard a commit waits for the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Durability {
    /// fsync on every commit: survives power loss.
    Full,
    /// fsync at checkpoints only: survives a process crash (kill -9), not power loss.
    Normal,
}

impl SqliteStore {
    /// Opens (creating if needed) `dir/triage.db` and migrates it, holding the directory's
    /// lock (see [`super::dir_lock`]) so that no second process opens it meanwhile.
    pub async fn open(dir: &Path, durability: Durability) -> Result<SqliteStore, StoreError> {
        let data_dir = |reason: String| StoreError::DataDir { dir: dir.display().to_string(), reason };
        if dir.exists() && !dir.is_dir() {
            return Err(data_dir("exists and is not a directory".into()));
        }
        std::fs::create_dir_all(dir).map_err(|e| data_dir(format!("cannot create it: {e}")))?;
        let lock = Some(super::dir_lock::acquire(dir)?);
        let path = dir.join("triage.db");
        let opts = SqliteConnectOptions::from_str("sqlite://")?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match durability {
                Durability::Full => SqliteSynchronous::Full,
                Durability::Normal => SqliteSynchronous::Normal,
            })
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-8000");
        let not_a_database = |e: sqlx::Error| match &e {
            // SQLITE_NOTADB (26): the file is there but holds something else.
            sqlx::Error::Database(d) if d.code().as_deref() == Some("26") => {
                StoreError::NotADatabase { path: path.display().to_string() }
            }
            _ => StoreError::Database(e),
        };
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(opts).await.map_err(not_a_database)?;
        let store = SqliteStore { pool, _lock: lock };
        store.migrate().await.map_err(|e| match e {
            StoreError::Database(e) => not_a_database(e),
            other => other,
        })?;
        Ok(store)
    }

    /// Opens an existing `dir/triage.db` that a running triage may hold, to read it (tests,
    /// diagnostics): no lock is taken and nothing is migrated. Never write through it.
    pub async fn inspect(dir: &Path) -> Result<SqliteStore, StoreError> {
        let opts = SqliteConnectOptions::from_str("sqlite://")?
            .filename(dir.join("triage.db"))
            .create_if_missing(false)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(opts).await?;
        Ok(SqliteStore { pool, _lock: None })
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
            .execute(&self.pool)
            .await?;
        for (version, sql) in MIGRATIONS {
            let done: Option<i64> = sqlx::query_scalar("SELECT version FROM schema_version WHERE version = ?")
                .bind(version)
                .fetch_optional(&self.pool)
                .await?;
            if done.is_some() {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            sqlx::raw_sql(AssertSqlSafe(*sql)).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_version (version) VALUES (?)").bind(version).execute(&mut *tx).await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

fn corrupt(table: &'static str, reason: impl ToString) -> StoreError {
    StoreError::Corrupt { table, reason: reason.to_string() }
}

pub(super) fn placeholders(rows: usize, cols: usize) -> String {
    let one = format!("({})", vec!["?"; cols].join(","));
    vec![one; rows].join(",")
}

impl Store for SqliteStore {
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
                timeout: r.get::<i64, _>(6) != 0,
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
            out.group_timers.push((r.get(0), from_micros(r.get(1)), r.get::<i64, _>(2) != 0));
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
            sqlx::query("SELECT COALESCE(MAX(id), 0) FROM outbox").fetch_one(&self.pool).await?.get::<i64, _>(0);
        for r in sqlx::query("SELECT ns, key, value FROM state ORDER BY ns, key").fetch_all(&self.pool).await? {
            out.states.push((r.get(0), r.get(1), r.get(2)));
        }
        for r in sqlx::query("SELECT outage_id, fingerprint FROM suppressions WHERE ended_at IS NULL ORDER BY id")
            .fetch_all(&self.pool)
            .await?
        {
            out.open_suppressions.push((r.get(0), Fingerprint(r.get::<i64, _>(1) as u64)));
        }
        for r in sqlx::query("SELECT body FROM incidents WHERE closed_at IS NULL ORDER BY opened_at")
            .fetch_all(&self.pool)
            .await?
        {
            out.open_incidents.push(r.get(0));
        }
        Ok(out)
    }

    async fn commit(&self, batch: &[Write]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // Runs of writes of one kind that come by the thousand go in multi-row statements;
        // order between runs is kept.
        let mut i = 0;
        while i < batch.len() {
            let kind = std::mem::discriminant(&batch[i]);
            let end = batch[i..].iter().position(|w| std::mem::discriminant(w) != kind).map_or(batch.len(), |n| i + n);
            let run = &batch[i..end];
            i = end;
            match &run[0] {
                Write::OutboxPut(_) => {
                    let rows: Vec<_> =
                        run.iter().filter_map(|w| if let Write::OutboxPut(e) = w { Some(e) } else { None }).collect();
                    rows::insert_outbox(&mut tx, &rows).await?;
                    continue;
                }
                Write::OutboxUpdate(_) => {
                    let rows = run
                        .iter()
                        .filter_map(|w| if let Write::OutboxUpdate(u) = w { Some(u) } else { None })
                        .collect();
                    rows::update_outbox(&mut tx, rows).await?;
                    continue;
                }
                Write::NotifyLog(..) => {
                    let rows = run
                        .iter()
                        .filter_map(
                            |w| if let Write::NotifyLog(k, e, x) = w { Some((k, e.as_str(), *x)) } else { None },
                        )
                        .collect();
                    rows::upsert_notify_log(&mut tx, rows).await?;
                    continue;
                }
                Write::Notifications(_) => {
                    let rows: Vec<_> = run
                        .iter()
                        .filter_map(|w| if let Write::Notifications(r) = w { Some(r) } else { None })
                        .flatten()
                        .collect();
                    rows::insert_notifications(&mut tx, &rows).await?;
                    continue;
                }
                Write::GroupTimers(_) => {
                    let rows = run
                        .iter()
                        .filter_map(|w| if let Write::GroupTimers(t) = w { Some(t) } else { None })
                        .flatten()
                        .collect();
                    rows::write_group_timers(&mut tx, rows).await?;
                    continue;
                }
                _ => {}
            }
            for w in run {
                match w {
                    Write::LogBatch(b) => {
                        sqlx::query(
                            "INSERT INTO ingest_log (seq, received_at, resolve_timeout, body) VALUES (?, ?, ?, ?)",
                        )
                        .bind(b.seq)
                        .bind(to_micros(b.received_at))
                        .bind(b.resolve_timeout.as_micros() as i64)
                        .bind(b.body.as_ref())
                        .execute(&mut *tx)
                        .await?;
                    }
                    Write::TrimLog(upto) => {
                        sqlx::query("DELETE FROM ingest_log WHERE seq <= ?").bind(*upto).execute(&mut *tx).await?;
                    }
                    Write::Alerts(alerts) => {
                        for chunk in alerts.chunks(CHUNK) {
                            let sql = format!(
                                "INSERT OR REPLACE INTO alerts (fingerprint, labels, annotations, starts_at, ends_at, \
                             updated_at, generator_url, timeout) VALUES {}",
                                placeholders(chunk.len(), 8)
                            );
                            let mut q = sqlx::query(AssertSqlSafe(sql));
                            for a in chunk {
                                q = q
                                    .bind(a.fingerprint().0 as i64)
                                    .bind(serde_json::to_string(&a.labels).unwrap_or_default())
                                    .bind(serde_json::to_string(&a.annotations).unwrap_or_default())
                                    .bind(to_micros(a.starts_at))
                                    .bind(a.ends_at.map(to_micros))
                                    .bind(to_micros(a.updated_at))
                                    .bind(a.generator_url.as_str())
                                    .bind(a.timeout as i64);
                            }
                            q.execute(&mut *tx).await?;
                        }
                    }
                    Write::DeleteAlerts(fps) => {
                        for fp in fps {
                            sqlx::query("DELETE FROM alerts WHERE fingerprint = ?")
                                .bind(fp.0 as i64)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    Write::Transitions(ts) => {
                        for chunk in ts.chunks(CHUNK) {
                            let sql = format!(
                                "INSERT INTO transitions (fingerprint, at, state, labels) VALUES {}",
                                placeholders(chunk.len(), 4)
                            );
                            let mut q = sqlx::query(AssertSqlSafe(sql));
                            for t in chunk {
                                q = q
                                    .bind(t.fingerprint.0 as i64)
                                    .bind(to_micros(t.at))
                                    .bind(t.state)
                                    .bind(t.labels_json.as_str());
                            }
                            q.execute(&mut *tx).await?;
                        }
                    }
                    Write::Silence(id, body, at) => {
                        sqlx::query("INSERT OR REPLACE INTO silences (id, body, updated_at) VALUES (?, ?, ?)")
                            .bind(id.as_str())
                            .bind(body.as_str())
                            .bind(to_micros(*at))
                            .execute(&mut *tx)
                            .await?;
                    }
                    Write::DeleteSilences(ids) => {
                        for id in ids {
                            sqlx::query("DELETE FROM silences WHERE id = ?")
                                .bind(id.as_str())
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    Write::ExpireNotifyLog(before) => {
                        sqlx::query("DELETE FROM notify_log WHERE expires_at < ?")
                            .bind(to_micros(*before))
                            .execute(&mut *tx)
                            .await?;
                    }
                    Write::NotifyLog(..)
                    | Write::GroupTimers(_)
                    | Write::Notifications(_)
                    | Write::OutboxPut(_)
                    | Write::OutboxUpdate(_) => unreachable!("written in runs above"),
                    Write::State(ns, key, value, at) => match value {
                        Some(v) => {
                            sqlx::query(
                                "INSERT OR REPLACE INTO state (ns, key, value, updated_at) VALUES (?, ?, ?, ?)",
                            )
                            .bind(*ns)
                            .bind(key.as_str())
                            .bind(v.as_str())
                            .bind(to_micros(*at))
                            .execute(&mut *tx)
                            .await?;
                        }
                        None => {
                            sqlx::query("DELETE FROM state WHERE ns = ? AND key = ?")
                                .bind(*ns)
                                .bind(key.as_str())
                                .execute(&mut *tx)
                                .await?;
                        }
                    },
                    Write::SuppressionBegan(row) => {
                        sqlx::query(
                            "INSERT INTO suppressions (outage_id, fingerprint, labels, began_at) \
                             SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM suppressions \
                             WHERE outage_id = ?1 AND fingerprint = ?2 AND ended_at IS NULL)",
                        )
                        .bind(row.outage_id.as_str())
                        .bind(row.fingerprint.0 as i64)
                        .bind(row.labels_json.as_str())
                        .bind(to_micros(row.began_at))
                        .execute(&mut *tx)
                        .await?;
                    }
                    Write::SuppressionEnded(outage, fp, at, still_firing) => {
                        sqlx::query(
                            "UPDATE suppressions SET ended_at = ?, still_firing = ? \
                             WHERE outage_id = ? AND fingerprint = ? AND ended_at IS NULL",
                        )
                        .bind(to_micros(*at))
                        .bind(*still_firing as i64)
                        .bind(outage.as_str())
                        .bind(fp.0 as i64)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Write::Incident(row) => {
                        sqlx::query(
                            "INSERT INTO incidents (id, opened_at, closed_at, body) VALUES (?1, ?2, ?3, ?4) \
                             ON CONFLICT (id) DO UPDATE SET closed_at = ?3, body = ?4",
                        )
                        .bind(row.id.as_str())
                        .bind(to_micros(row.opened_at))
                        .bind(row.closed_at.map(to_micros))
                        .bind(row.body.as_str())
                        .execute(&mut *tx)
                        .await?;
                    }
                    Write::OutboxPrune(before) => {
                        sqlx::query("DELETE FROM outbox WHERE state NOT IN ('pending', 'retrying') AND updated_at < ?")
                            .bind(to_micros(*before))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn history(&self, q: &HistoryQuery) -> Result<Vec<Transition>, StoreError> {
        let limit = if q.limit == 0 { 1000 } else { q.limit.min(100_000) } as i64;
        let since = q.since.map(to_micros).unwrap_or(i64::MIN);
        let rows = match q.fingerprint {
            Some(fp) => {
                sqlx::query(
                    "SELECT fingerprint, at, state, labels FROM transitions WHERE fingerprint = ? AND at >= ? \
                     ORDER BY at DESC, id DESC LIMIT ?",
                )
                .bind(fp.0 as i64)
                .bind(since)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT fingerprint, at, state, labels FROM transitions WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?",
                )
                .bind(since)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
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
        let limit = if limit == 0 { 1000 } else { limit.min(100_000) } as i64;
        let rows = sqlx::query(
            "SELECT at, group_key, receiver, integration, outcome, detail, alerts FROM notifications \
             WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?",
        )
        .bind(since.map(to_micros).unwrap_or(i64::MIN))
        .bind(limit)
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
        let limit = if limit == 0 { 1000 } else { limit.min(100_000) } as i64;
        let sql = "SELECT id, created_at, updated_at, group_key, receiver, integration, kind, state, attempts, \
                   last_error, alerts FROM outbox WHERE (? IS NULL OR state = ?) ORDER BY id DESC LIMIT ?";
        let wanted = state.map(|s| s.as_str());
        let rows = sqlx::query(sql).bind(wanted).bind(wanted).bind(limit).fetch_all(&self.pool).await?;
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
        let rows = sqlx::query("SELECT key, value FROM state WHERE ns = ? ORDER BY key")
            .bind(ns)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn incidents(&self, q: &IncidentQuery) -> Result<Vec<IncidentRow>, StoreError> {
        super::sqlite_incidents::query(&self.pool, q).await
    }

    async fn suppressions(&self, q: &SuppressionQuery) -> Result<Vec<SuppressionRow>, StoreError> {
        let limit = if q.limit == 0 { 1000 } else { q.limit.min(100_000) } as i64;
        let rows = sqlx::query(
            "SELECT outage_id, fingerprint, labels, began_at, ended_at, still_firing FROM suppressions \
             WHERE (?1 IS NULL OR outage_id = ?1) AND (?2 IS NULL OR fingerprint = ?2) \
             AND (?3 = 0 OR ended_at IS NULL) ORDER BY began_at DESC, id DESC LIMIT ?4",
        )
        .bind(q.outage_id.as_deref())
        .bind(q.fingerprint.map(|fp| fp.0 as i64))
        .bind(q.open_only as i64)
        .bind(limit)
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
                still_firing: r.get::<Option<i64>, _>(5).map(|v| v != 0),
            })
            .collect())
    }
}
