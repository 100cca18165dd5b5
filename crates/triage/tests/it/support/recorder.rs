//! A recording HTTP server for channel tests: on 127.0.0.1:0, on its own thread and runtime, it
//! records every request (method, path, headers, body) in arrival order and answers from a
//! scripted queue of replies, then `200 ok` once the queue is empty.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::Value;
use tokio::sync::oneshot;

/// One request the recorder received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `POST`, `GET`…
    pub method: String,
    /// Request path, e.g. `/services/T0/B0/x`.
    pub path: String,
    /// The query string, without `?` (empty when none).
    pub query: String,
    /// Headers, names in lowercase, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as JSON; panics with the body if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A scripted answer: status, headers and body.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// `status` with `body` as plain text.
    pub fn new(status: u16, body: impl Into<String>) -> Reply {
        Reply { status, headers: vec![("content-type".into(), "text/plain".into())], body: body.into() }
    }

    /// `200 ok`, what Slack-compatible incoming webhooks answer.
    pub fn ok() -> Reply {
        Reply::new(200, "ok")
    }

    /// `200` with a JSON body.
    pub fn json(body: Value) -> Reply {
        Reply { status: 200, headers: vec![("content-type".into(), "application/json".into())], body: body.to_string() }
    }

    /// This reply with one more header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn into_response(self) -> Response {
        let mut builder = Response::builder().status(StatusCode::from_u16(self.status).expect("valid status"));
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        builder.body(Body::from(self.body)).expect("scripted response")
    }
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<Recorded>>,
    script: Mutex<VecDeque<Reply>>,
    /// The answer once the script is empty (`200 ok` unless set).
    default: Mutex<Option<Reply>>,
}

/// A running recorder; dropping it stops the server.
pub struct Recorder {
    base: String,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

async fn record(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let headers = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let request = Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        headers,
        body: body.to_vec(),
    };
    shared.requests.lock().unwrap().push(request);
    let scripted = shared.script.lock().unwrap().pop_front();
    let reply = scripted.or_else(|| shared.default.lock().unwrap().clone()).unwrap_or_else(Reply::ok);
    reply.into_response()
}

impl Recorder {
    /// Starts the recorder. Works from synchronous and asynchronous tests alike.
    pub fn start() -> Recorder {
        let shared = Arc::new(Shared::default());
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let app = Router::new().fallback(record).with_state(shared.clone());
        let thread = std::thread::Builder::new()
            .name("recorder".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("recorder runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind recorder");
                    addr_tx.send(listener.local_addr().expect("recorder addr")).expect("send recorder addr");
                    tokio::select! {
                        r = axum::serve(listener, app) => r.expect("recorder server"),
                        _ = shutdown_rx => {}
                    }
                });
                rt.shutdown_background();
            })
            .expect("spawn recorder thread");
        let addr = addr_rx.recv().expect("recorder address");
        Recorder { base: format!("http://{addr}"), shared, shutdown: Some(shutdown_tx), thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT` followed by `path` (which should start with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Queues `reply` as the answer to a later request (in order).
    pub fn reply(&self, reply: Reply) {
        self.shared.script.lock().unwrap().push_back(reply);
    }

    /// Answers `reply` once the script is empty, instead of `200 ok`.
    pub fn reply_by_default(&self, reply: Reply) {
        *self.shared.default.lock().unwrap() = Some(reply);
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }
}

/// One line per request, for failure messages.
fn describe(requests: &[Recorded]) -> String {
    requests.iter().map(|r| format!("{} {} {}", r.method, r.path, r.text())).collect::<Vec<_>>().join("\n")
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- recorder {} received:\n{}", self.base, describe(&self.requests()));
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
