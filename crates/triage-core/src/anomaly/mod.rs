//! Streaming anomaly detection on metric series, and a scorer for the Numenta Anomaly
//! Benchmark (NAB).
//!
//! - [`detector`]: the per-series streaming detector (score in [0, 1] and an expected band);
//! - [`nab`]: NAB's scoring method (windows, probation, profiles, threshold optimisation);
//! - [`csv_row`] and [`timestamp`]: the pure parsers of `timestamp,value` input.

pub mod csv_row;
pub mod detector;
pub mod nab;
pub mod novelty;
pub mod robust_window;
pub mod shift;
pub mod timestamp;

pub use detector::{Detector, DetectorConfig, DetectorState, PointScore, PointStatus};
