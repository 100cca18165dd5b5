//! triage: the I/O shell around `triage-core`.
//!
//! The folders are the flow, and imports only point down this list:
//! `cli` → `app` → `api` → `config` → `sources` → `ingest` → `engine` → `notify` → `store`
//! → `net`; `clock` and `metrics` are leaves used by all.

pub mod api;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod engine;
pub mod ingest;
pub mod metrics;
pub mod net;
pub mod notify;
pub mod sources;
pub mod store;
