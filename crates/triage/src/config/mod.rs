//! The running configuration: loading and checking alertmanager.yml, building the
//! configuration-scoped parts (engine setup, notification targets), the reload that swaps
//! them in, and the web configuration (TLS, basic auth, bearer tokens).

pub mod build;
pub mod runtime;
pub mod web;
