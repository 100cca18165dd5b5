//! Applying a batch of [`Write`]s inside one PostgreSQL transaction, in order. Runs of one
//! kind that come by the thousand (alerts, history, outbox, notification log, decisions,
//! group timers) go in multi-row statements, one per chunk of rows.
//!
//! PostgreSQL rejects text holding a NUL character, which SQLite stores; such characters in
//! free-form text are written as U+FFFD instead of failing the whole commit.

use std::borrow::Cow;

use sqlx::{AssertSqlSafe, PgConnection};

use super::sqlite_rows::last_per_key;
use super::{NotificationRecord, NotifyLogKey, StoreError, Write, to_micros};
use crate::store::outbox::{OutboxEntry, OutboxUpdate};

/// Rows per statement; the widest row here has 9 parameters, far under PostgreSQL's 65,535.
const CHUNK: usize = 500;

/// `rows` tuples of `cols` numbered parameters: `($1,$2),($3,$4)`.
fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let one: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", one.join(","))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `s` without NUL characters, which PostgreSQL text cannot hold.
fn text(s: &str) -> Cow<'_, str> {
    if s.contains('\0') { Cow::Owned(s.replace('\0', "\u{FFFD}")) } else { Cow::Borrowed(s) }
}

/// The writes of `run` of one variant, picked out by `pick`.
fn of<'a, T>(run: &'a [Write], pick: impl Fn(&'a Write) -> Option<T>) -> Vec<T> {
    run.iter().filter_map(pick).collect()
}

/// Applies `batch` in order on `conn` (inside the caller's transaction).
pub(super) async fn apply(conn: &mut PgConnection, batch: &[Write]) -> Result<(), StoreError> {
    let mut i = 0;
    while i < batch.len() {
        let kind = std::mem::discriminant(&batch[i]);
        let end = batch[i..].iter().position(|w| std::mem::discriminant(w) != kind).map_or(batch.len(), |n| i + n);
        let run = &batch[i..end];
        i = end;
        match &run[0] {
            Write::Alerts(_) => {
                let alerts = of(run, |w| if let Write::Alerts(a) = w { Some(a) } else { None });
                upsert_alerts(conn, alerts.into_iter().flatten().collect()).await?;
            }
            Write::Transitions(_) => {
                let rows = of(run, |w| if let Write::Transitions(t) = w { Some(t) } else { None });
                insert_transitions(conn, rows.into_iter().flatten().collect()).await?;
            }
            Write::OutboxPut(_) => {
                insert_outbox(conn, of(run, |w| if let Write::OutboxPut(e) = w { Some(e) } else { None })).await?;
            }
            Write::OutboxUpdate(_) => {
                update_outbox(conn, of(run, |w| if let Write::OutboxUpdate(u) = w { Some(u) } else { None })).await?;
            }
            Write::NotifyLog(..) => {
                let rows =
                    of(run, |w| if let Write::NotifyLog(k, e, x) = w { Some((k, e.as_str(), *x)) } else { None });
                upsert_notify_log(conn, rows).await?;
            }
            Write::Notifications(_) => {
                let rows = of(run, |w| if let Write::Notifications(r) = w { Some(r) } else { None });
                insert_notifications(conn, rows.into_iter().flatten().collect()).await?;
            }
            Write::GroupTimers(_) => {
                let rows = of(run, |w| if let Write::GroupTimers(t) = w { Some(t) } else { None });
                write_group_timers(conn, rows.into_iter().flatten().collect()).await?;
            }
            _ => {
                for w in run {
                    apply_one(conn, w).await?;
                }
            }
        }
    }
    Ok(())
}

/// One write of a kind that does not come in bulk.
async fn apply_one(conn: &mut PgConnection, w: &Write) -> Result<(), StoreError> {
    match w {
        Write::LogBatch(b) => {
            sqlx::query("INSERT INTO ingest_log (seq, received_at, resolve_timeout, body) VALUES ($1, $2, $3, $4)")
                .bind(b.seq)
                .bind(to_micros(b.received_at))
                .bind(b.resolve_timeout.as_micros() as i64)
                .bind(b.body.as_ref())
                .execute(&mut *conn)
                .await?;
        }
        Write::TrimLog(upto) => {
            sqlx::query("DELETE FROM ingest_log WHERE seq <= $1").bind(*upto).execute(&mut *conn).await?;
        }
        Write::DeleteAlerts(fps) => {
            let fps: Vec<i64> = fps.iter().map(|fp| fp.0 as i64).collect();
            sqlx::query("DELETE FROM alerts WHERE fingerprint = ANY($1)").bind(&fps).execute(&mut *conn).await?;
        }
        Write::Silence(id, body, at) => {
            sqlx::query(
                "INSERT INTO silences (id, body, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, updated_at = EXCLUDED.updated_at",
            )
            .bind(text(id))
            .bind(text(body))
            .bind(to_micros(*at))
            .execute(&mut *conn)
            .await?;
        }
        Write::DeleteSilences(ids) => {
            let ids: Vec<String> = ids.iter().map(|id| text(id).into_owned()).collect();
            sqlx::query("DELETE FROM silences WHERE id = ANY($1)").bind(&ids).execute(&mut *conn).await?;
        }
        Write::ExpireNotifyLog(before) => {
            sqlx::query("DELETE FROM notify_log WHERE expires_at < $1")
                .bind(to_micros(*before))
                .execute(&mut *conn)
                .await?;
        }
        Write::OutboxPrune(before) => {
            sqlx::query("DELETE FROM outbox WHERE state NOT IN ('pending', 'retrying') AND updated_at < $1")
                .bind(to_micros(*before))
                .execute(&mut *conn)
                .await?;
        }
        Write::State(ns, key, Some(value), at) => {
            sqlx::query(
                "INSERT INTO state (ns, key, value, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (ns, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
            )
            .bind(*ns)
            .bind(text(key))
            .bind(text(value))
            .bind(to_micros(*at))
            .execute(&mut *conn)
            .await?;
        }
        Write::State(ns, key, None, _) => {
            sqlx::query("DELETE FROM state WHERE ns = $1 AND key = $2")
                .bind(*ns)
                .bind(text(key))
                .execute(&mut *conn)
                .await?;
        }
        Write::SuppressionBegan(row) => {
            sqlx::query(
                "INSERT INTO suppressions (outage_id, fingerprint, labels, began_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (outage_id, fingerprint) WHERE ended_at IS NULL DO NOTHING",
            )
            .bind(text(&row.outage_id))
            .bind(row.fingerprint.0 as i64)
            .bind(text(&row.labels_json))
            .bind(to_micros(row.began_at))
            .execute(&mut *conn)
            .await?;
        }
        Write::SuppressionEnded(outage, fp, at, still_firing) => {
            sqlx::query(
                "UPDATE suppressions SET ended_at = $1, still_firing = $2 \
                 WHERE outage_id = $3 AND fingerprint = $4 AND ended_at IS NULL",
            )
            .bind(to_micros(*at))
            .bind(*still_firing)
            .bind(text(outage))
            .bind(fp.0 as i64)
            .execute(&mut *conn)
            .await?;
        }
        Write::Incident(row) => {
            sqlx::query(
                "INSERT INTO incidents (id, opened_at, closed_at, body) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET closed_at = EXCLUDED.closed_at, body = EXCLUDED.body",
            )
            .bind(text(&row.id))
            .bind(to_micros(row.opened_at))
            .bind(row.closed_at.map(to_micros))
            .bind(text(&row.body))
            .execute(&mut *conn)
            .await?;
        }
        Write::Alerts(_)
        | Write::Transitions(_)
        | Write::NotifyLog(..)
        | Write::GroupTimers(_)
        | Write::Notifications(_)
        | Write::OutboxPut(_)
        | Write::OutboxUpdate(_) => unreachable!("written in runs by apply"),
    }
    Ok(())
}

/// Alerts to insert or replace; a later alert of a fingerprint wins.
async fn upsert_alerts(
    conn: &mut PgConnection,
    alerts: Vec<&std::sync::Arc<triage_core::Alert>>,
) -> Result<(), StoreError> {
    let alerts = last_per_key(alerts, |a| a.fingerprint());
    for chunk in alerts.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO alerts (fingerprint, labels, annotations, starts_at, ends_at, updated_at, generator_url, \
             timeout) VALUES {} ON CONFLICT (fingerprint) DO UPDATE SET labels = EXCLUDED.labels, \
             annotations = EXCLUDED.annotations, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, \
             updated_at = EXCLUDED.updated_at, generator_url = EXCLUDED.generator_url, timeout = EXCLUDED.timeout",
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
                .bind(text(&a.generator_url).into_owned())
                .bind(a.timeout);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// History rows, in order.
async fn insert_transitions(conn: &mut PgConnection, rows: Vec<&super::Transition>) -> Result<(), StoreError> {
    for chunk in rows.chunks(CHUNK) {
        let sql =
            format!("INSERT INTO transitions (fingerprint, at, state, labels) VALUES {}", placeholders(chunk.len(), 4));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for t in chunk {
            q = q
                .bind(t.fingerprint.0 as i64)
                .bind(to_micros(t.at))
                .bind(t.state)
                .bind(text(&t.labels_json).into_owned());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// New outbox entries (a repeated id replaces the earlier entry, as in SQLite).
async fn insert_outbox(conn: &mut PgConnection, rows: Vec<&OutboxEntry>) -> Result<(), StoreError> {
    let rows = last_per_key(rows, |e| e.id);
    for chunk in rows.chunks(CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|r| {
                let p: Vec<String> = (1..=9).map(|c| format!("${}", r * 9 + c)).collect();
                format!("({},'pending',0,'')", p.join(","))
            })
            .collect();
        let sql = format!(
            "INSERT INTO outbox (id, created_at, updated_at, group_key, receiver, integration, kind, alerts, body, \
             state, attempts, last_error) VALUES {} ON CONFLICT (id) DO UPDATE SET created_at = EXCLUDED.created_at, \
             updated_at = EXCLUDED.updated_at, group_key = EXCLUDED.group_key, receiver = EXCLUDED.receiver, \
             integration = EXCLUDED.integration, kind = EXCLUDED.kind, alerts = EXCLUDED.alerts, \
             body = EXCLUDED.body, state = EXCLUDED.state, attempts = EXCLUDED.attempts, \
             last_error = EXCLUDED.last_error",
            values.join(",")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(e.id)
                .bind(to_micros(e.created_at))
                .bind(to_micros(e.created_at))
                .bind(text(&e.key.group_key).into_owned())
                .bind(text(&e.key.receiver).into_owned())
                .bind(e.key.integration as i64)
                .bind(text(&e.kind).into_owned())
                .bind(e.alerts as i64)
                .bind(text(&e.body).into_owned());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// State changes of outbox entries; the last change of an entry wins.
async fn update_outbox(conn: &mut PgConnection, rows: Vec<&OutboxUpdate>) -> Result<(), StoreError> {
    let rows = last_per_key(rows, |u| u.id);
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "UPDATE outbox SET state = v.state, attempts = v.attempts, last_error = v.last_error, \
             updated_at = v.updated_at FROM (VALUES {}) AS v(id, state, attempts, last_error, updated_at) \
             WHERE outbox.id = v.id",
            placeholders(chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for u in chunk {
            q = q
                .bind(u.id)
                .bind(u.state.as_str())
                .bind(u.attempts as i64)
                .bind(text(&u.detail).into_owned())
                .bind(to_micros(u.at));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Notification log entries (key, entry JSON, expiry); a later entry of a key wins.
async fn upsert_notify_log(
    conn: &mut PgConnection,
    rows: Vec<(&NotifyLogKey, &str, jiff::Timestamp)>,
) -> Result<(), StoreError> {
    let rows = last_per_key(rows, |(k, _, _)| (*k).clone());
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO notify_log (group_key, receiver, integration, entry, expires_at) VALUES {} \
             ON CONFLICT (group_key, receiver, integration) DO UPDATE SET entry = EXCLUDED.entry, \
             expires_at = EXCLUDED.expires_at",
            placeholders(chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (key, entry, expires) in chunk {
            q = q
                .bind(text(&key.group_key).into_owned())
                .bind(text(&key.receiver).into_owned())
                .bind(key.integration as i64)
                .bind(text(entry).into_owned())
                .bind(to_micros(*expires));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Notification decisions, in order.
async fn insert_notifications(conn: &mut PgConnection, rows: Vec<&NotificationRecord>) -> Result<(), StoreError> {
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO notifications (at, group_key, receiver, integration, outcome, detail, alerts) VALUES {}",
            placeholders(chunk.len(), 7)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(to_micros(r.at))
                .bind(text(&r.group_key).into_owned())
                .bind(text(&r.receiver).into_owned())
                .bind(r.integration as i64)
                .bind(r.outcome)
                .bind(text(&r.detail).into_owned())
                .bind(r.alerts as i64);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Group timers to set, or with `None` to delete; the last change of a group wins.
async fn write_group_timers(
    conn: &mut PgConnection,
    rows: Vec<&(String, Option<(jiff::Timestamp, bool)>)>,
) -> Result<(), StoreError> {
    let rows = last_per_key(rows, |(k, _)| k.clone());
    let (set, gone): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(_, t)| t.is_some());
    if !gone.is_empty() {
        let keys: Vec<String> = gone.iter().map(|(k, _)| text(k).into_owned()).collect();
        sqlx::query("DELETE FROM group_timers WHERE group_key = ANY($1)").bind(&keys).execute(&mut *conn).await?;
    }
    for chunk in set.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO group_timers (group_key, next_flush, has_flushed) VALUES {} \
             ON CONFLICT (group_key) DO UPDATE SET next_flush = EXCLUDED.next_flush, \
             has_flushed = EXCLUDED.has_flushed",
            placeholders(chunk.len(), 3)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (key, timer) in chunk {
            let (next, flushed) = timer.expect("partitioned on Some");
            q = q.bind(text(key).into_owned()).bind(to_micros(next)).bind(flushed);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(placeholders(2, 3), "($1,$2,$3),($4,$5,$6)");
    }

    #[test]
    fn nul_characters_are_replaced() {
        assert_eq!(text("a\0b"), "a\u{FFFD}b");
        assert!(matches!(text("plain"), Cow::Borrowed("plain")));
    }
}
