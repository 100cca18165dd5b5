//! triage started inside the test process, on a free loopback port, with the embedded store.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use triage::app::{Running, ServeOptions, start};
use triage::clock::SystemClock;
use triage::store::sqlite::Durability;

/// The options of one server: `config` (the embedded default when `None`), its store in
/// `data_dir`, a 1 MiB body limit, full durability, one process; tests change what they need.
pub fn serve_options(config: Option<PathBuf>, data_dir: PathBuf) -> ServeOptions {
    ServeOptions {
        config,
        listen: "127.0.0.1:0".parse().expect("an address"),
        data_dir,
        store: None,
        external_url: None,
        max_body_bytes: 1 << 20,
        durability: Durability::Full,
        notify_timeout: Duration::from_secs(2),
        web: Default::default(),
        ingest_nats: None,
        role: Default::default(),
        advertise_url: None,
        engine_lease: Duration::from_secs(5),
        external_pollers: false,
    }
}

/// Starts a server with `opts` on a free port of 127.0.0.1.
pub async fn serve(opts: ServeOptions) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    start(opts, listener, Arc::new(SystemClock)).await.expect("triage starts")
}
