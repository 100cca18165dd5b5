//! A scorer for the Numenta Anomaly Benchmark (NAB), following NAB's own method:
//!
//! - each labelled anomaly *window* counts once: the earliest detection inside it earns
//!   `tpWeight * scaled_sigmoid(position)` (1.0 at the window's first row, towards 0 at its end);
//!   a window without detection costs `fnWeight`;
//! - a detection outside every window costs `fpWeight` scaled by its distance past the
//!   preceding window (`fpWeight` in full before the first window or 3 window widths after);
//! - the first rows of each file are a *probation* period (min(floor(0.15 n), 750)) and do not
//!   count;
//! - one detection threshold per profile is optimised over the whole corpus;
//! - the corpus score is normalised as `100 (raw - null) / (perfect - null)`.
//!
//! Everything here parses from strings given to it; the caller does the file I/O.

mod config;
mod sweep;
mod threshold;

pub use config::{CostMatrix, NabConfigError, Profile, Window, parse_profiles, parse_thresholds, parse_windows};
pub use sweep::{FileSweep, RowRole, SweepError, probation_length, scaled_sigmoid, sweep_file};
pub use threshold::{
    Counts, ThresholdScore, normalised_score, null_score, optimise_threshold, perfect_score, score_file,
};

/// NAB's probation fraction of each file.
pub const PROBATION_FRACTION: f64 = 0.15;
