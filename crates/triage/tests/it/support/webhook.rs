//! A webhook receiver for notifications: an HTTP server on 127.0.0.1:0, running on its own
//! thread and runtime, that records every body it is sent, in arrival order.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use serde_json::Value;
use tokio::sync::oneshot;

/// One request the sink received.
#[derive(Clone, Debug)]
pub struct Received {
    /// Arrival order, from 0.
    pub seq: usize,
    /// Request path, e.g. `/team-db` (lets one sink serve several receivers).
    pub path: String,
    /// The body as JSON (a JSON string holding the raw text if it was not JSON).
    pub body: Value,
    /// The `Idempotency-Key` header, when sent.
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    /// Status code answered to every request (200 unless changed).
    status: Mutex<Option<u16>>,
}

/// A running webhook sink; dropping it stops the server.
pub struct WebhookSink {
    base: String,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

async fn record(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    let idempotency_key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body =
        serde_json::from_slice(&body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    {
        let mut received = shared.received.lock().unwrap();
        let seq = received.len();
        received.push(Received { seq, path: uri.path().to_owned(), body, idempotency_key });
    }
    let code = shared.status.lock().unwrap().unwrap_or(200);
    StatusCode::from_u16(code).unwrap_or(StatusCode::OK)
}

impl WebhookSink {
    /// Starts the sink. Works from synchronous and asynchronous tests alike.
    pub fn start() -> WebhookSink {
        let shared = Arc::new(Shared::default());
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let app = Router::new().fallback(record).with_state(shared.clone());
        let thread = std::thread::Builder::new()
            .name("webhook-sink".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("sink runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind webhook sink");
                    addr_tx.send(listener.local_addr().expect("sink addr")).expect("send sink addr");
                    tokio::select! {
                        r = axum::serve(listener, app) => r.expect("webhook sink server"),
                        _ = shutdown_rx => {}
                    }
                });
                rt.shutdown_background();
            })
            .expect("spawn sink thread");
        let addr = addr_rx.recv().expect("webhook sink address");
        WebhookSink { base: format!("http://{addr}"), shared, shutdown: Some(shutdown_tx), thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT` followed by `path` (which should start with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Makes the sink answer every later request with `code` (e.g. 500 to test retries).
    pub fn set_response_status(&self, code: u16) {
        *self.shared.status.lock().unwrap() = Some(code);
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn len(&self) -> usize {
        self.shared.received.lock().unwrap().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until at least `n` requests arrived and returns all of them; panics with what did
    /// arrive if that takes longer than `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        if self.wait_until(timeout, |r| r.len() >= n).await {
            return self.received();
        }
        let got = self.received();
        panic!("webhook sink: expected {n} requests within {timeout:?}, got {}:\n{}", got.len(), describe(&got));
    }

    /// Polls until `pred` holds for the requests received so far; `false` on timeout.
    pub async fn wait_until(&self, timeout: Duration, pred: impl Fn(&[Received]) -> bool) -> bool {
        super::poll(timeout, || {
            let ok = pred(&self.shared.received.lock().unwrap());
            async move { ok.then_some(()) }
        })
        .await
        .is_some()
    }

    /// Waits until nothing new has arrived for `quiet`; `false` if still busy after `max`.
    pub async fn wait_quiet(&self, quiet: Duration, max: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + max;
        let mut seen = self.len();
        let mut since = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now = tokio::time::Instant::now();
            let len = self.len();
            if len != seen {
                seen = len;
                since = now;
            } else if now - since >= quiet {
                return true;
            }
            if now >= deadline {
                return false;
            }
        }
    }
}

/// One line per request, for failure messages.
pub fn describe(received: &[Received]) -> String {
    received.iter().map(|r| format!("#{} {} {}", r.seq, r.path, r.body)).collect::<Vec<_>>().join("\n")
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- webhook sink {} received:\n{}", self.base, describe(&self.received()));
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
