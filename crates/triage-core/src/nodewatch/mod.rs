//! Node monitoring: per-host series of resource stats (CPU, memory, disk, network, services)
//! read from shipped log lines or pushed by agents, and the threshold rules that turn them
//! into alerts.
//!
//! [`extract`] takes the host, time and numeric stats out of a parsed log line, [`series`]
//! keeps them per host within fixed bounds, and [`rules`] reduces each stat over its cycle,
//! compares it with the threshold and says which alerts fire and which resolve. Nothing here
//! does I/O; time is a parameter. [`ingest`] is one line's whole way in.

pub mod extract;
pub mod ingest;
pub mod rules;
pub mod series;

pub use extract::{ExtractError, SampleFields, StatSample, extract_sample};
pub use ingest::{LineOutcome, ingest_line, line_error_label};
pub use rules::{NodeAlert, RuleSet, RuleSetError};
pub use series::{NodeSeries, SeriesLimits};
