//! The pure parts of every receiver kind: its configuration model, its validation, the
//! HTTP request(s) it sends and which failures are worth retrying, one module per kind named
//! after its protocol. The I/O shell's `notify/<kind>.rs` sends what these build.
//!
//! Every kind implements [`Integration`]: the shell reads the files the configuration names
//! ([`Integration::secret_files`]) at each send, passes their contents in a [`FileSecrets`],
//! calls [`Integration::build`] with a [`NotifyContext`] and an [`Expand`], sends the
//! [`HttpRequest`]s in order (stopping at the first failure) and asks
//! [`Integration::retryable`] whether a failed status code is worth another attempt.
//! Kinds whose later requests depend on earlier answers (WeChat's token, Jira's search) add
//! their own steps, documented in their module.

#[cfg(test)]
mod config_tests;
pub mod discord;
pub mod expand;
pub mod go_duration;
mod go_text;
pub mod incidentio;
pub mod jira;
pub mod msteams;
pub mod msteamsv2;
pub mod opsgenie;
pub mod pagerduty;
pub mod pushover;
mod request;
pub mod rocketchat;
pub mod slack;
pub mod sns;
pub mod telegram;
#[cfg(test)]
mod testing;
pub mod victorops;
pub mod webex;
pub mod wechat;

pub use expand::Expand;
pub use go_text::{encode_query, query_escape};
pub use request::{
    Body, BuildError, FileSecrets, HttpRequest, Integration, Method, NotifyContext, Status, key_hash, retrier,
    truncate_in_bytes, truncate_in_runes,
};
