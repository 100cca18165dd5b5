//! Reading stored incidents from SQLite, newest first, by state and opening time.

use sqlx::{Row, SqlitePool};

use super::{IncidentQuery, IncidentRow, StoreError, from_micros, to_micros};

/// The incidents `q` asks for.
pub(super) async fn query(pool: &SqlitePool, q: &IncidentQuery) -> Result<Vec<IncidentRow>, StoreError> {
    let limit = if q.limit == 0 { 1000 } else { q.limit.min(100_000) } as i64;
    let rows = sqlx::query(
        "SELECT id, opened_at, closed_at, body FROM incidents \
         WHERE (?1 IS NULL OR (?1 = 1 AND closed_at IS NULL) OR (?1 = 0 AND closed_at IS NOT NULL)) \
         AND (?2 IS NULL OR opened_at >= ?2) AND (?3 IS NULL OR opened_at <= ?3) \
         AND (?5 IS NULL OR id = ?5) \
         ORDER BY opened_at DESC, id LIMIT ?4",
    )
    .bind(q.open.map(i64::from))
    .bind(q.since.map(to_micros))
    .bind(q.until.map(to_micros))
    .bind(limit)
    .bind(q.id.as_deref())
    .fetch_all(pool)
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
