//! Multi-row statements for the writes that come by the thousand in one commit when many
//! groups notify at once: outbox entries and their states, notification log entries,
//! notification decisions and group timers. One statement per chunk of rows instead of one
//! per row.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, SqliteConnection};

use super::sqlite::placeholders;
use super::{NotificationRecord, NotifyLogKey, StoreError, to_micros};
use crate::store::outbox::{OutboxEntry, OutboxUpdate};

/// Rows per statement; the widest row here has 9 parameters, under SQLite's limit of 32,766.
const CHUNK: usize = 500;

/// The last of each key, in first-seen order: later writes of a key win, as they would one by
/// one.
pub(super) fn last_per_key<T, K: std::hash::Hash + Eq>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut at: HashMap<K, usize> = HashMap::new();
    let mut out: Vec<Option<T>> = Vec::with_capacity(items.len());
    for item in items {
        match at.get(&key(&item)) {
            Some(&i) => out[i] = Some(item),
            None => {
                at.insert(key(&item), out.len());
                out.push(Some(item));
            }
        }
    }
    out.into_iter().flatten().collect()
}

/// New outbox entries.
pub async fn insert_outbox(conn: &mut SqliteConnection, rows: &[&OutboxEntry]) -> Result<(), StoreError> {
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT OR REPLACE INTO outbox (id, created_at, updated_at, group_key, receiver, integration, kind, \
             alerts, body, state, attempts, last_error) VALUES {}",
            vec!["(?,?,?,?,?,?,?,?,?,'pending',0,'')"; chunk.len()].join(",")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(e.id)
                .bind(to_micros(e.created_at))
                .bind(to_micros(e.created_at))
                .bind(e.key.group_key.as_str())
                .bind(e.key.receiver.as_str())
                .bind(e.key.integration as i64)
                .bind(e.kind.as_str())
                .bind(e.alerts as i64)
                .bind(e.body.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// State changes of outbox entries; the last change of an entry wins.
pub async fn update_outbox(conn: &mut SqliteConnection, rows: Vec<&OutboxUpdate>) -> Result<(), StoreError> {
    let rows = last_per_key(rows, |u| u.id);
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "WITH v(id, state, attempts, last_error, updated_at) AS (VALUES {}) \
             UPDATE outbox SET state = v.state, attempts = v.attempts, last_error = v.last_error, \
             updated_at = v.updated_at FROM v WHERE outbox.id = v.id",
            placeholders(chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for u in chunk {
            q = q
                .bind(u.id)
                .bind(u.state.as_str())
                .bind(u.attempts as i64)
                .bind(u.detail.as_str())
                .bind(to_micros(u.at));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Notification log entries (key, entry JSON, expiry); a later entry of a key wins.
pub async fn upsert_notify_log(
    conn: &mut SqliteConnection,
    rows: Vec<(&NotifyLogKey, &str, jiff::Timestamp)>,
) -> Result<(), StoreError> {
    let rows = last_per_key(rows, |(k, _, _)| (*k).clone());
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT OR REPLACE INTO notify_log (group_key, receiver, integration, entry, expires_at) VALUES {}",
            placeholders(chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (key, entry, expires) in chunk {
            q = q
                .bind(key.group_key.as_str())
                .bind(key.receiver.as_str())
                .bind(key.integration as i64)
                .bind(*entry)
                .bind(to_micros(*expires));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Notification decisions.
pub async fn insert_notifications(conn: &mut SqliteConnection, rows: &[&NotificationRecord]) -> Result<(), StoreError> {
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO notifications (at, group_key, receiver, integration, outcome, detail, alerts) VALUES {}",
            placeholders(chunk.len(), 7)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(to_micros(r.at))
                .bind(r.group_key.as_str())
                .bind(r.receiver.as_str())
                .bind(r.integration as i64)
                .bind(r.outcome)
                .bind(r.detail.as_str())
                .bind(r.alerts as i64);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Group timers to set, or with `None` to delete; the last change of a group wins.
pub async fn write_group_timers(
    conn: &mut SqliteConnection,
    rows: Vec<&(String, Option<(jiff::Timestamp, bool)>)>,
) -> Result<(), StoreError> {
    let rows = last_per_key(rows, |(k, _)| k.clone());
    let (set, gone): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(_, t)| t.is_some());
    for chunk in gone.chunks(CHUNK) {
        let sql = format!("DELETE FROM group_timers WHERE group_key IN ({})", vec!["?"; chunk.len()].join(","));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (key, _) in chunk {
            q = q.bind(key.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in set.chunks(CHUNK) {
        let sql = format!(
            "INSERT OR REPLACE INTO group_timers (group_key, next_flush, has_flushed) VALUES {}",
            placeholders(chunk.len(), 3)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (key, timer) in chunk {
            let (next, flushed) = timer.expect("partitioned on Some");
            q = q.bind(key.as_str()).bind(to_micros(next)).bind(flushed as i64);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_write_of_a_key_wins_in_first_seen_order() {
        let rows = vec![("a", 1), ("b", 1), ("a", 2), ("c", 1), ("b", 3)];
        assert_eq!(last_per_key(rows, |(k, _)| *k), vec![("a", 2), ("b", 3), ("c", 1)]);
    }
}
