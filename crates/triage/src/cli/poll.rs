//! `triage poll`: one outage source's poller as a process of its own, feeding a triage server
//! over HTTP instead of an engine in the same process (for `triage serve --external-pollers`,
//! e.g. a Deployment per source on Kubernetes).
//!
//! ```text
//! triage poll --config alertmanager.yml --source ggus --triage http://triage:9193 \
//!     [--token-file write.token] [--once] [--listen 0.0.0.0:9194]
//! ```
//!
//! The source is read from the configuration's `outages.sources` and polled exactly as
//! `triage serve` would (fetch, retries, backoff, interval, ticket alerts, VictoriaMetrics
//! injection); see [`crate::sources::outages::http_sink`] for what goes over HTTP. When triage cannot
//! be reached the error is logged and the next interval tries again. `--listen` serves the
//! poll metrics on `/metrics` (the server's `triage_outage_source_*` names) and `/-/healthy`.
//!
//! Exit codes: 2 for a bad command line or configuration (an unknown source is listed with
//! the configured ones); with `--once`, 0 when the source was read and triage took the result,
//! else 1.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use clap::Args;

use crate::clock::SystemClock;
use crate::metrics::Metrics;
use crate::sources::outages::http_sink::HttpSink;
use crate::sources::outages::sink::Sink;
use crate::sources::outages::source_poller::SourcePoller;

/// The flags of `triage poll`.
#[derive(Debug, Args)]
pub struct PollArgs {
    /// The alertmanager.yml whose `outages.sources` names the source (the server's).
    #[arg(long, env = "TRIAGE_CONFIG")]
    pub config: PathBuf,
    /// The source's `name` in the configuration.
    #[arg(long)]
    pub source: String,
    /// The triage server to feed, e.g. http://triage:9193 (run with --external-pollers).
    #[arg(long, value_name = "URL", env = "TRIAGE_URL")]
    pub triage: String,
    /// A file holding a bearer token with the write scope (read at every request).
    #[arg(long, value_name = "FILE", env = "TRIAGE_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// Poll once and exit: 0 when the source was read and triage took the result, else 1.
    #[arg(long)]
    pub once: bool,
    /// Serve this poller's metrics on /metrics and a liveness answer on /-/healthy here.
    #[arg(long, value_name = "ADDRESS")]
    pub listen: Option<SocketAddr>,
}

/// The poller the flags describe, or the message and exit code of what is wrong.
fn poller(args: &PollArgs, metrics: Arc<Metrics>) -> Result<SourcePoller, String> {
    let (_, config) = crate::config::build::load_config(Some(&args.config))?;
    let outages = config.outages();
    let Some(source) = outages.sources.iter().find(|s| s.name == args.source).cloned() else {
        let names: Vec<&str> = outages.sources.iter().map(|s| s.name.as_str()).collect();
        return Err(format!(
            "no outage source {:?} in {} (configured: {})",
            args.source,
            args.config.display(),
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        ));
    };
    let sink = HttpSink::new(&args.triage, args.token_file.clone())?;
    Ok(SourcePoller {
        source,
        resolve_timeout: config.resolve_timeout(),
        sink: Sink::Http(sink),
        metrics,
        clock: Arc::new(SystemClock),
    })
}

/// Serves `/metrics` and `/-/healthy` on `listener`.
fn serve_metrics(listener: tokio::net::TcpListener, metrics: Arc<Metrics>) {
    let app = Router::new()
        .route(
            "/metrics",
            get(move |headers: axum::http::HeaderMap| {
                let metrics = Arc::clone(&metrics);
                async move {
                    let (content_type, text) =
                        metrics.scrape(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
                    ([(header::CONTENT_TYPE, content_type)], text)
                }
            }),
        )
        .route("/-/healthy", get(|| async { "OK" }));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "serving the poller's metrics stopped");
        }
    });
}

/// Runs `triage poll`.
pub fn run(args: PollArgs) -> ExitCode {
    let metrics = Arc::new(Metrics::new());
    let poller = match poller(&args, Arc::clone(&metrics)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("triage: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("triage: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(async move {
        if let Some(addr) = args.listen {
            match tokio::net::TcpListener::bind(addr).await {
                Ok(listener) => serve_metrics(listener, metrics),
                Err(e) => {
                    eprintln!("triage: listening on {addr}: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        tracing::info!(source = %poller.source.name, sink = %poller.sink.describe(), interval = ?poller.interval(), once = args.once, "polling an outage source for triage");
        if !args.once {
            poller.run().await;
            return ExitCode::SUCCESS;
        }
        match poller.poll_once().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("triage: {e}");
                ExitCode::from(1)
            }
        }
    })
}
