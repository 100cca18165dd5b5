//! triage-core: the pure alert logic of triage.
//!
//! Nothing here does I/O, spawns tasks or reads the clock: every function that depends on
//! time takes `now`. The I/O shell (`triage`) feeds this crate snapshots and acts on the
//! values it returns.

#![warn(missing_docs)]

pub mod alert;
pub mod analytics;
pub mod anomaly;
pub mod anomaly_watch;
pub mod classify;
pub mod config;
pub mod dispatch;
pub mod engine;
pub mod flapping;
pub mod glob;
pub mod go_template;
pub mod incident;
pub mod labels;
pub mod logline;
pub mod matcher;
pub mod nodewatch;
pub mod notify;
pub mod outage;
pub mod payload;
pub mod pipeline;
pub mod quote;
pub mod replay_input;
pub mod route;
pub mod template;
pub mod time;
pub mod timeinterval;
pub mod truncate;
pub mod web_config;

pub use alert::{Alert, PostableAlert};
pub use labels::{Fingerprint, LabelSet};
pub use matcher::{MatchOp, Matcher, MatcherError};
pub mod inhibit;
pub mod series;
pub mod silence;
