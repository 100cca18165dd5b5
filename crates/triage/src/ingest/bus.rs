//! The ingest bus for running triage as several processes: with `--ingest-nats URL`, an
//! accepted `POST /api/v2/alerts` body is published to a NATS JetStream stream and answered
//! 2xx only once JetStream has acknowledged it; processes whose `--role` includes `engine`
//! consume the stream with one shared durable consumer (each batch goes to one of them), feed
//! each batch to their engine as if posted, and acknowledge it only once it is committed to
//! their store. A batch whose processing fails is redelivered; one that is invalid is
//! acknowledged and dropped (it was already answered 400 by the publishing process, so this
//! only happens to a message not published by triage).

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::{self, AckKind, consumer, stream};
use bytes::Bytes;
use futures::StreamExt;
use jiff::Timestamp;
use tokio::sync::{mpsc, oneshot};

use super::IngestError;
use crate::engine::EngineHandle;

/// The stream holding posted alert batches.
pub const STREAM: &str = "TRIAGE_ALERTS";
/// Its subject.
pub const SUBJECT: &str = "triage.alerts";
/// The durable consumer shared by the engine processes.
pub const CONSUMER: &str = "triage-engine";
/// The header carrying when the batch was received (RFC 3339).
const RECEIVED_AT: &str = "Triage-Received-At";

/// What a process does with the bus.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Accept alerts (publish them) and run the engine (consume them).
    #[default]
    All,
    /// Only accept alerts.
    Api,
    /// Run the engine; alerts posted to it are published too.
    Engine,
}

/// A connection to the ingest stream.
#[derive(Clone)]
pub struct IngestBus {
    js: jetstream::Context,
}

impl std::fmt::Debug for IngestBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IngestBus")
    }
}

impl IngestBus {
    /// Connects and makes sure the stream exists (work-queue retention: a batch is kept until
    /// an engine acknowledges it).
    pub async fn connect(url: &str) -> Result<IngestBus, String> {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let client = async_nats::connect(url)
            .await
            .map_err(|e| format!("connecting to NATS at {url}: {}", crate::net::cause::innermost(&e)))?;
        let js = jetstream::new(client);
        ensure_stream(&js).await?;
        Ok(IngestBus { js })
    }

    /// Publishes a posted body and waits for JetStream's acknowledgement.
    pub async fn publish(&self, body: Bytes, received_at: Timestamp) -> Result<(), IngestError> {
        let mut headers = HeaderMap::new();
        headers.insert(RECEIVED_AT, received_at.to_string().as_str());
        let ack = self
            .js
            .publish_with_headers(SUBJECT, headers, body)
            .await
            .map_err(|e| IngestError::Engine(format!("publishing to the ingest stream: {e}")))?;
        ack.await.map_err(|e| IngestError::Engine(format!("the ingest stream did not acknowledge: {e}")))?;
        Ok(())
    }

    /// Checks a posted body (counted in `metrics`) and publishes it when it has a valid alert,
    /// so the client hears about invalid alerts (400 naming each) while the valid ones go on;
    /// the engine that consumes the batch checks it again.
    pub async fn accept(
        &self,
        metrics: &crate::metrics::Metrics,
        body: Bytes,
        now: Timestamp,
        resolve_timeout: jiff::SignedDuration,
    ) -> Result<(), IngestError> {
        let (valid, errors) = crate::ingest::validate(Some(metrics), &body, now, resolve_timeout)?;
        if !valid.is_empty() {
            self.publish(body, now).await?;
        }
        if !errors.is_empty() {
            return Err(IngestError::Invalid(errors.join("; ")));
        }
        Ok(())
    }

    /// Consumes the stream into `engine` until the task is aborted.
    pub fn spawn_consumer(
        &self,
        engine: EngineHandle,
        resolve_timeout: impl Fn() -> jiff::SignedDuration + Send + Sync + 'static,
    ) {
        let js = self.js.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = consume(&js, &engine, &resolve_timeout).await {
                    tracing::error!(error = %e, "consuming the ingest stream failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
    }
}

/// Most batches handed to the engine and not yet committed.
const IN_FLIGHT: usize = 64;

/// What became of a consumed batch.
enum Handed {
    /// Handed to the engine: acknowledged once committed (at once when it had no valid alert).
    Submitted(Option<oneshot::Receiver<Result<(), String>>>),
    /// Not handed over: redelivered later.
    Failed(String),
}

/// Acknowledges each batch once its commit is done, in order; a batch whose commit failed is
/// redelivered.
async fn acknowledge(mut pending: mpsc::Receiver<(jetstream::Message, Handed)>) -> Result<(), String> {
    while let Some((message, handed)) = pending.recv().await {
        let outcome = match handed {
            Handed::Submitted(None) => Ok(()),
            Handed::Submitted(Some(committed)) => committed.await.unwrap_or_else(|_| Err("engine stopped".into())),
            Handed::Failed(e) => Err(e),
        };
        match outcome {
            Ok(()) => message.ack().await.map_err(|e| e.to_string())?,
            Err(e) => {
                tracing::error!(error = %e, "an ingest batch failed; it will be redelivered");
                let _ = message.ack_with(AckKind::Nak(Some(Duration::from_secs(1)))).await;
            }
        }
    }
    Ok(())
}

/// Finds the ingest stream or creates it, safely when several processes start at once: when
/// another one created it between our look-up and our create (JetStream answers "stream name
/// already in use" or "subjects overlap"), look it up again instead of failing.
async fn ensure_stream(js: &jetstream::Context) -> Result<(), String> {
    const ATTEMPTS: u32 = 10;
    let config = stream::Config {
        name: STREAM.into(),
        subjects: vec![SUBJECT.into()],
        retention: stream::RetentionPolicy::WorkQueue,
        storage: stream::StorageType::File,
        ..Default::default()
    };
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if js.get_stream(STREAM).await.is_ok() {
            return Ok(());
        }
        match js.create_stream(config.clone()).await {
            Ok(_) => return Ok(()),
            Err(e) => {
                last = e.to_string();
                if !lost_a_creation_race(&last) {
                    break;
                }
                tracing::debug!(error = %last, attempt, "another process created the ingest stream; looking it up");
                tokio::time::sleep(Duration::from_millis(20 * u64::from(attempt + 1))).await;
            }
        }
    }
    Err(format!("creating the JetStream stream {STREAM}: {last}"))
}

/// Whether a create-stream error means another process created the stream concurrently.
fn lost_a_creation_race(error: &str) -> bool {
    let e = error.to_ascii_lowercase();
    e.contains("already in use") || e.contains("subjects overlap") || e.contains("10058") || e.contains("10065")
}

async fn consume(
    js: &jetstream::Context,
    engine: &EngineHandle,
    resolve_timeout: &(impl Fn() -> jiff::SignedDuration + Send + Sync),
) -> Result<(), String> {
    let stream = js.get_stream(STREAM).await.map_err(|e| e.to_string())?;
    let consumer: consumer::PullConsumer = stream
        .get_or_create_consumer(
            CONSUMER,
            consumer::pull::Config {
                durable_name: Some(CONSUMER.into()),
                ack_policy: consumer::AckPolicy::Explicit,
                // A batch taken by an engine that died is redelivered after this; ingesting a
                // batch twice is harmless (alerts are upserts).
                ack_wait: Duration::from_secs(5),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut messages = consumer.messages().await.map_err(|e| e.to_string())?;
    // Batches are handed to the engine in order without waiting for each commit, so that one
    // commit covers many; a second task acknowledges each once its commit is done.
    let (pending_tx, pending_rx) = mpsc::channel::<(jetstream::Message, Handed)>(IN_FLIGHT);
    let acker = tokio::spawn(acknowledge(pending_rx));
    while let Some(message) = messages.next().await {
        let message = message.map_err(|e| e.to_string())?;
        let received_at = message
            .headers
            .as_ref()
            .and_then(|h| h.get(RECEIVED_AT))
            .and_then(|v| v.as_str().parse::<Timestamp>().ok())
            .unwrap_or_else(|| engine.shared.clock.now());
        let body = message.payload.clone();
        let handed = match crate::ingest::submit_received(engine, body, received_at, resolve_timeout(), false).await {
            Ok(s) => Handed::Submitted(s.committed),
            // Invalid: it was answered 400 by the publisher already; dropped.
            Err(IngestError::Invalid(_) | IngestError::Parse(_) | IngestError::Required(_)) => Handed::Submitted(None),
            Err(e) => Handed::Failed(e.to_string()),
        };
        if pending_tx.send((message, handed)).await.is_err() {
            break;
        }
    }
    drop(pending_tx);
    acker.await.map_err(|e| e.to_string())??;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::lost_a_creation_race;

    #[test]
    fn a_stream_created_meanwhile_is_looked_up_not_an_error() {
        assert!(lost_a_creation_race(
            "jetstream error: stream name already in use with a different configuration (code 400, error code 10058)"
        ));
        assert!(lost_a_creation_race(
            "jetstream error: subjects overlap with an existing stream (code 400, error code 10065)"
        ));
        assert!(!lost_a_creation_race("jetstream error: insufficient resources (code 503, error code 10023)"));
        assert!(!lost_a_creation_race("timed out: didn't receive a response"));
    }
}
