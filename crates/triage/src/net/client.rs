//! The one way the shell builds an HTTP client: every client names triage in its
//! `User-Agent` and bounds each request by a timeout; callers add what is theirs (TLS
//! credentials, redirect policy, a connect timeout).

use std::time::Duration;

/// triage's `User-Agent`.
pub const USER_AGENT: &str = concat!("triage/", env!("CARGO_PKG_VERSION"));

/// A client builder with triage's `User-Agent` and `timeout` for each request.
pub fn builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder().timeout(timeout).user_agent(USER_AGENT)
}
