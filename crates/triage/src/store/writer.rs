//! Group commit: one task owns the writes; callers queue [`Write`]s and, when they need
//! durability, wait for the commit that contains them. Everything queued while a commit runs
//! goes into the next one, so many small requests share one fsync.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use super::{Store, StoreError, Write};
use crate::metrics::Metrics;

/// Most writes gathered into one commit.
const MAX_BATCH_WRITES: usize = 4096;

struct Job {
    writes: Vec<Write>,
    done: Option<oneshot::Sender<Result<(), String>>>,
}

/// A handle to the writer task.
#[derive(Clone)]
pub struct StoreWriter {
    tx: mpsc::UnboundedSender<Job>,
}

impl StoreWriter {
    /// Queues writes now and returns a future that resolves once they are committed.
    /// Queue order is commit order.
    pub fn commit(&self, writes: Vec<Write>) -> impl Future<Output = Result<(), StoreError>> + Send + 'static {
        let (done, wait) = oneshot::channel();
        let sent = self.tx.send(Job { writes, done: Some(done) }).is_ok();
        async move {
            if !sent {
                return Err(StoreError::WriterGone);
            }
            match wait.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(StoreError::Corrupt { table: "commit", reason: e }),
                Err(_) => Err(StoreError::WriterGone),
            }
        }
    }

    /// Queues writes without waiting; they commit in order with everything else.
    pub fn submit(&self, writes: Vec<Write>) {
        if writes.is_empty() {
            return;
        }
        if self.tx.send(Job { writes, done: None }).is_err() {
            tracing::error!("store writer stopped; writes dropped");
        }
    }

    /// Waits until everything queued before this call is committed.
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.commit(Vec::new()).await
    }
}

/// Starts the writer task for `store`.
pub fn spawn<S: Store>(store: Arc<S>, metrics: Arc<Metrics>) -> StoreWriter {
    let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut writes = first.writes;
            let mut waiters: Vec<oneshot::Sender<Result<(), String>>> = first.done.into_iter().collect();
            while writes.len() < MAX_BATCH_WRITES {
                match rx.try_recv() {
                    Ok(job) => {
                        writes.extend(job.writes);
                        waiters.extend(job.done);
                    }
                    Err(_) => break,
                }
            }
            let started = Instant::now();
            let result = if writes.is_empty() { Ok(()) } else { store.commit(&writes).await };
            metrics.store_commit_seconds.observe(started.elapsed().as_secs_f64());
            let reply = match result {
                Ok(()) => Ok(()),
                Err(e) => {
                    metrics.store_errors.inc();
                    tracing::error!(error = %e, writes = writes.len(), "store commit failed");
                    Err(e.to_string())
                }
            };
            for w in waiters {
                let _ = w.send(reply.clone());
            }
        }
    });
    StoreWriter { tx }
}
