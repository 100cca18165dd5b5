//! triage: the I/O shell around `triage-core`: the engine loop, the store, notifiers, the
//! HTTP API, configuration loading and the command line.

pub mod agent;
pub mod anomaly_cli;
pub mod anomaly_source;
pub mod api;
pub mod app;
pub mod classification;
pub mod classify_cli;
pub mod cli;
pub mod client;
pub mod clock;
pub mod engine;
pub mod front;
pub mod ggus_cli;
pub mod ggus_fetch;
pub mod http_cause;
pub mod ingest_bus;
pub mod logwatch;
pub mod maintenance_cli;
pub mod metrics;
pub mod mirror;
pub mod nats_cli;
pub mod nflog;
pub mod notify;
pub mod outages;
pub mod outbox;
pub mod poll_cli;
pub mod progress;
pub mod replay;
pub mod setup;
pub mod ssb_source;
pub mod store;
pub mod template_cli;
pub mod vm_import;
pub mod web_config;
pub mod web_tls;
