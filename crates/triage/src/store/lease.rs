//! The engine lease, for several triage processes sharing one PostgreSQL store: exactly one
//! of them runs the engine (ingests, notifies, polls); the others stand by and forward what
//! they cannot answer themselves to it.
//!
//! A process wins the lease when it is free or expired (times are the database's, so the
//! processes' clocks do not matter) and each win starts a new *term*. The holder renews it
//! every quarter of its time to live, and every commit renews it too, in the commit's own
//! transaction, only if the term is still the holder's: a process that lost the lease (it
//! stalled, or the database was unreachable for longer than the lease) can commit nothing
//! more, and it stops sending notifications once its own conservative view of the lease runs
//! out, before any other process can have won it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use sqlx::postgres::{PgConnection, PgPool};
use tokio::sync::watch;

/// The lease's name in the table.
const ENGINE: &str = "engine";

/// Who asks for the lease.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// This process: host name, URL and a random part, unique to this run.
    pub holder: String,
    /// Where the other processes forward requests to while this one holds the lease.
    pub url: String,
    /// How long the lease lasts without renewal.
    pub ttl: Duration,
}

/// The lease while this process holds it.
pub struct Held {
    candidate: Candidate,
    term: i64,
    /// Until when this process may act: the start of its last successful renewal plus most
    /// of the lease's time to live.
    valid_until: Mutex<Instant>,
    lost: watch::Sender<bool>,
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held").field("holder", &self.candidate.holder).field("term", &self.term).finish()
    }
}

impl Held {
    /// The term won.
    pub fn term(&self) -> i64 {
        self.term
    }

    /// Whether this process may still act as the engine (send notifications).
    pub fn may_act(&self) -> bool {
        !*self.lost.borrow() && Instant::now() < *self.valid_until.lock()
    }

    /// Marks the lease lost (logged once).
    pub fn lose(&self, why: &str) {
        if !self.lost.send_replace(true) {
            tracing::error!(term = self.term, reason = why, "this process lost the engine lease");
        }
    }

    /// Resolves to `true` once the lease is lost.
    pub fn lost(&self) -> watch::Receiver<bool> {
        self.lost.subscribe()
    }

    fn renewed(&self, started: Instant) {
        // A tenth is kept in hand for clocks that run at slightly different rates.
        let until = started + self.candidate.ttl.mul_f64(0.9);
        let mut v = self.valid_until.lock();
        if until > *v {
            *v = until;
        }
    }

    /// Renews the lease inside a commit's transaction: `false` when the term is no longer
    /// this process's, or it gave the lease up (nothing may be committed then).
    pub async fn fence(&self, tx: &mut PgConnection) -> Result<bool, sqlx::Error> {
        if *self.lost.borrow() {
            return Ok(false);
        }
        let started = Instant::now();
        let done = sqlx::query(
            "UPDATE engine_lease SET expires_at = now() + $3 * interval '1 millisecond' \
             WHERE name = $4 AND holder = $1 AND term = $2",
        )
        .bind(&self.candidate.holder)
        .bind(self.term)
        .bind(ttl_millis(self.candidate.ttl))
        .bind(ENGINE)
        .execute(tx)
        .await?;
        if done.rows_affected() == 1 {
            self.renewed(started);
            Ok(true)
        } else {
            self.lose("a commit found another process's term");
            Ok(false)
        }
    }
}

fn ttl_millis(ttl: Duration) -> f64 {
    ttl.as_secs_f64() * 1000.0
}

/// The process holding the lease, as the others see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Leader {
    /// Its URL.
    pub url: String,
    /// Its term.
    pub term: i64,
}

/// Tries once to win the lease: the new term, or `None` while it is held (by anyone: a
/// restarted process has a new holder name and waits for its old lease to expire, so that two
/// processes given the same name by mistake cannot take it from each other).
pub async fn try_acquire(pool: &PgPool, c: &Candidate) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO engine_lease (name, holder, url, term, expires_at) \
         VALUES ($1, $2, $3, 1, now() + $4 * interval '1 millisecond') \
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, url = EXCLUDED.url, \
             term = engine_lease.term + 1, expires_at = EXCLUDED.expires_at \
         WHERE engine_lease.expires_at < now() \
         RETURNING term",
    )
    .bind(ENGINE)
    .bind(&c.holder)
    .bind(&c.url)
    .bind(ttl_millis(c.ttl))
    .fetch_optional(pool)
    .await
}

/// Waits until this process wins the lease, trying every fifth of its time to live.
pub async fn campaign(pool: &PgPool, c: Candidate) -> Arc<Held> {
    let every = (c.ttl / 5).max(Duration::from_millis(100));
    let mut logged_waiting = false;
    loop {
        let started = Instant::now();
        match try_acquire(pool, &c).await {
            Ok(Some(term)) => {
                let (lost, _) = watch::channel(false);
                let held = Arc::new(Held { candidate: c, term, valid_until: Mutex::new(started), lost });
                held.renewed(started);
                tracing::info!(term, "won the engine lease; this process runs the engine");
                return held;
            }
            Ok(None) if !logged_waiting => {
                logged_waiting = true;
                tracing::info!("another process runs the engine; standing by");
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not ask for the engine lease; trying again"),
        }
        tokio::time::sleep(every).await;
    }
}

/// Renews the lease every quarter of its time to live until it is lost; the lease is lost
/// when the term is another's, or when no renewal succeeded for the whole time to live.
pub fn spawn_renewal(pool: PgPool, held: Arc<Held>) {
    tokio::spawn(async move {
        let every = held.candidate.ttl / 4;
        let mut lost = held.lost();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = lost.wait_for(|l| *l) => return,
            }
            let renewed = async {
                let mut conn = pool.acquire().await?;
                held.fence(&mut conn).await
            };
            match tokio::time::timeout(every, renewed).await {
                Ok(Ok(true)) => {}
                Ok(Ok(false)) => return,
                Ok(Err(e)) => tracing::warn!(error = %e, "renewing the engine lease failed; trying again"),
                Err(_) => tracing::warn!("renewing the engine lease timed out; trying again"),
            }
            if !held.may_act() && !*held.lost.borrow() {
                held.lose("no renewal succeeded within the lease's time to live");
                return;
            }
        }
    });
}

/// Gives the lease up (at a clean stop), so that a standby process takes over at once.
pub async fn release(pool: &PgPool, held: &Held) {
    let res = sqlx::query("UPDATE engine_lease SET expires_at = now() - interval '1 second' WHERE name = $1 AND holder = $2 AND term = $3")
        .bind(ENGINE)
        .bind(&held.candidate.holder)
        .bind(held.term)
        .execute(pool)
        .await;
    held.lose("released at stop");
    if let Err(e) = res {
        tracing::warn!(error = %e, "could not release the engine lease; it expires by itself");
    }
}

/// The process holding an unexpired lease, if any.
pub async fn leader(pool: &PgPool) -> Result<Option<Leader>, sqlx::Error> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT url, term FROM engine_lease WHERE name = $1 AND expires_at > now()")
            .bind(ENGINE)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(url, term)| Leader { url, term }))
}

/// Whether this process may act as the engine: always without a lease (one process on its
/// own store), else while it holds the lease.
#[derive(Clone, Debug, Default)]
pub struct Leadership(Option<Arc<Held>>);

impl Leadership {
    /// The only process: always acts.
    pub fn sole() -> Leadership {
        Leadership(None)
    }

    /// Acts while `held` lasts.
    pub fn leased(held: Arc<Held>) -> Leadership {
        Leadership(Some(held))
    }

    /// Whether it may act now.
    pub fn may_act(&self) -> bool {
        self.0.as_ref().is_none_or(|h| h.may_act())
    }
}
