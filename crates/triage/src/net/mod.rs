//! Network helpers shared by every client of the shell: error causes, an HTTP endpoint with
//! errors that say what to do, secrets read from files, HTTP authentication from
//! `http_config` and the clients its connection settings call for, and the VictoriaMetrics
//! import client.

pub mod body;
pub mod cause;
pub mod client;
pub mod client_error;
pub mod endpoint;
pub mod http_auth;
pub mod http_config;
pub mod oauth2;
pub mod retry;
pub mod secret;
pub mod vm_import;
