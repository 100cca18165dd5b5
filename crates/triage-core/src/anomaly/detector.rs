//! The streaming, per-series anomaly detector.
//!
//! For each point two components judge it against the series' own past:
//!
//! - [`Novelty`] of a surprise measured against a robust baseline of the recent past (median
//!   and MAD of the last `window` accepted values): the larger of the *level* z-score
//!   `|x - median| / sigma` (spikes and dips) and the *shift* z-score of a short exponential
//!   average in units of its own noise (level shifts and drifts), compressed as `ln(1 + z)`
//!   and scored against the largest surprise this series showed before;
//! - the [`ShiftTest`]: the histogram of the last `min(80, window)` values over the range seen
//!   so far, flagged when it agrees with no distribution seen before (variance collapses,
//!   changes of shape, new regimes). A flag within one shift window of the previous flag is
//!   the same event and is dropped.
//!
//! The combined score `0.5 novelty + 0.5 flag` is reported only when it is a new peak (above
//! the recent peak, which decays with a half-life of 20 points; otherwise 0), then calibrated
//! as `1 - (1 - s)^12` so that NAB's optimal threshold on the dev split sits near the anomaly
//! source's default of 0.99.
//!
//! `sigma` is `max(1.4826 MAD, (p90 - p10) / 2.563, 1e-9 max(|median|, 1e-9))`: a constant
//! series has a tiny but non-zero sigma, so any later change is maximally surprising and
//! nothing divides by zero.
//!
//! Input rules (no look-ahead: a point is scored against the past only, then learnt):
//! - a non-finite value (NaN, ±inf) is ignored: score 0, state untouched;
//! - a timestamp equal to or before the last accepted one is ignored the same way
//!   (duplicates and out-of-order points are dropped);
//! - a gap longer than `reset_after_intervals` typical sampling intervals (the series went
//!   away and came back) resets the state: the point starts a fresh warm-up;
//! - during warm-up (fewer than `warmup` accepted values) the score is 0.
//!
//! Memory per series: 16 bytes per window slot (the values in arrival order and sorted), 256
//! bytes of fixed state and at most 32 shift hypotheses of 28 bytes: 5,248 bytes with the
//! default window of 256 (on 64-bit targets; see [`Detector::state_bytes`]).

use serde::{Deserialize, Serialize};

use super::novelty::Novelty;
use super::robust_window::RobustWindow;
use super::shift::{BINS, Hypothesis, MAX_HYPOTHESES, SHIFT_WINDOW, ShiftTest, bin_of};

/// Weight of a new value in the short exponential average used by the shift surprise.
const SHIFT_ALPHA: f64 = 0.25;
/// Refresh the cached median and sigma every this many accepted values.
const REFRESH_EVERY: u32 = 4;
/// Weight of a new sampling interval in the typical interval.
const INTERVAL_ALPHA: f64 = 0.05;
/// Per-point decay of the recent peak of the combined score (half-life 20 points).
const PEAK_DECAY: f64 = 0.965_936_328_924_845_6;
/// Exponent of the output calibration `1 - (1 - s)^k`, which puts NAB's optimal threshold on
/// the dev split near the anomaly source's default threshold of 0.99.
const CALIBRATION: i32 = 12;

/// The detector's few parameters. The defaults suit 1 to 5 minute samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DetectorConfig {
    /// Values in the robust baseline (memory grows by 16 bytes per slot).
    pub window: usize,
    /// Accepted values before scores are given.
    pub warmup: usize,
    /// Half-width of the expected band, in robust standard deviations.
    pub band_sigmas: f64,
    /// A gap longer than this many typical sampling intervals resets the state.
    pub reset_after_intervals: f64,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self { window: 256, warmup: 64, band_sigmas: 3.0, reset_after_intervals: 2016.0 }
    }
}

/// What happened to a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PointStatus {
    /// Scored and learnt.
    Accepted,
    /// Accepted after a long gap reset the state.
    AcceptedAfterReset,
    /// Ignored: the value is NaN or infinite.
    IgnoredNonFinite,
    /// Ignored: the timestamp is not after the last accepted one.
    IgnoredNotAfterLast,
}

/// The detector's verdict on one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointScore {
    /// Anomaly score in [0, 1] (0 for ignored and warm-up points).
    pub score: f64,
    /// Lower edge of the expected band (before this point was learnt).
    pub lower: f64,
    /// Upper edge of the expected band.
    pub upper: f64,
    /// What happened to the point.
    pub status: PointStatus,
}

/// The complete state of a detector, for saving and restoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorState {
    /// The parameters.
    pub config: DetectorConfig,
    /// The baseline window, oldest first.
    pub window: Vec<f64>,
    /// Accepted values since the last reset.
    pub accepted: u64,
    /// Timestamp of the last accepted value (unix ms).
    pub last_timestamp_ms: Option<i64>,
    /// Typical sampling interval (ms; 0 while unknown).
    pub interval_ms: f64,
    /// Cached baseline median.
    pub center: f64,
    /// Cached baseline sigma.
    pub sigma: f64,
    /// Accepted values since the cache was refreshed.
    pub since_refresh: u32,
    /// Short exponential average of the values.
    pub short_mean: f64,
    /// The surprise-to-score stage.
    pub novelty: Novelty,
    /// Smallest and largest value accepted since the last reset (the shift test's bins).
    #[serde(default)]
    pub range: Option<(f64, f64)>,
    /// The distribution-shift test's hypotheses.
    #[serde(default)]
    pub shift: ShiftTest,
    /// Recent peak of the combined score (decays with a half-life of 20 points).
    #[serde(default)]
    pub peak: f64,
    /// Accepted points since the shift test last flagged a window (saturating).
    #[serde(default = "never")]
    pub since_shift: u32,
}

fn never() -> u32 {
    u32::MAX
}

/// A streaming detector for one series.
#[derive(Debug, Clone)]
pub struct Detector {
    config: DetectorConfig,
    window: RobustWindow,
    accepted: u64,
    last_timestamp_ms: Option<i64>,
    interval_ms: f64,
    center: f64,
    sigma: f64,
    since_refresh: u32,
    short_mean: f64,
    novelty: Novelty,
    range: Option<(f64, f64)>,
    /// Bin counts of the last `shift_window` values over `range` (derived, not saved).
    shift_counts: [u32; BINS],
    shift: ShiftTest,
    peak: f64,
    since_shift: u32,
}

impl Default for Detector {
    fn default() -> Self {
        Self::new(DetectorConfig::default())
    }
}

impl Detector {
    /// A fresh detector.
    pub fn new(config: DetectorConfig) -> Self {
        let config = DetectorConfig {
            window: config.window.max(2),
            warmup: config.warmup.max(2),
            band_sigmas: if config.band_sigmas.is_finite() { config.band_sigmas.abs() } else { 3.0 },
            reset_after_intervals: if config.reset_after_intervals > 1.0 {
                config.reset_after_intervals
            } else {
                f64::INFINITY
            },
        };
        Self {
            config,
            window: RobustWindow::new(config.window),
            accepted: 0,
            last_timestamp_ms: None,
            interval_ms: 0.0,
            center: 0.0,
            sigma: 0.0,
            since_refresh: 0,
            short_mean: 0.0,
            novelty: Novelty::default(),
            range: None,
            shift_counts: [0; BINS],
            shift: ShiftTest::default(),
            peak: 0.0,
            since_shift: u32::MAX,
        }
    }

    /// The parameters in use.
    pub fn config(&self) -> DetectorConfig {
        self.config
    }

    /// Bytes of state this detector keeps at most: the struct, its window (two `f64` per
    /// slot) and the shift test's hypotheses.
    pub fn state_bytes(&self) -> usize {
        size_of::<Self>() + 2 * self.config.window * size_of::<f64>() + MAX_HYPOTHESES * size_of::<Hypothesis>()
    }

    /// Values in the shift test's window.
    fn shift_window(&self) -> usize {
        SHIFT_WINDOW.min(self.config.window)
    }

    /// Scores one point, then learns it.
    pub fn update(&mut self, timestamp_ms: i64, value: f64) -> PointScore {
        if !value.is_finite() {
            return self.ignored(PointStatus::IgnoredNonFinite);
        }
        let mut status = PointStatus::Accepted;
        if let Some(last) = self.last_timestamp_ms {
            if timestamp_ms <= last {
                return self.ignored(PointStatus::IgnoredNotAfterLast);
            }
            let gap = (timestamp_ms - last) as f64;
            if self.interval_ms > 0.0 && gap > self.config.reset_after_intervals * self.interval_ms {
                *self = Self::new(self.config);
                status = PointStatus::AcceptedAfterReset;
            } else if self.interval_ms == 0.0 {
                self.interval_ms = gap;
            } else {
                let clipped = gap.min(4.0 * self.interval_ms);
                self.interval_ms += INTERVAL_ALPHA * (clipped - self.interval_ms);
            }
        }
        self.last_timestamp_ms = Some(timestamp_ms);

        if self.accepted == 0 {
            self.short_mean = value;
        } else {
            self.short_mean += SHIFT_ALPHA * (value - self.short_mean);
        }
        let (lower, upper) = self.band(value);
        let warm = self.window.len() >= self.config.warmup;
        let novelty = if warm {
            let level = (value - self.center).abs() / self.sigma;
            let shift_noise = (SHIFT_ALPHA / (2.0 - SHIFT_ALPHA)).sqrt();
            let shift = (self.short_mean - self.center).abs() / (self.sigma * shift_noise);
            let score = self.novelty.update(level.max(shift).ln_1p());
            if score.is_nan() { 0.0 } else { score }
        } else {
            0.0
        };

        // A new distribution within one shift window of the last one is the same event seen
        // through overlapping windows (a transition shows several mixtures): not reported.
        let flagged = self.learn_value(value);
        let shifted = flagged && self.since_shift as usize >= self.shift_window();
        self.since_shift = if flagged { 0 } else { self.since_shift.saturating_add(1) };
        let combined = if warm { 0.5 * novelty + if shifted { 0.5 } else { 0.0 } } else { 0.0 };
        // Only a new peak is reported: the rest of the same event scores 0.
        let reported = if combined > self.peak { combined } else { 0.0 };
        self.peak = (self.peak * PEAK_DECAY).max(combined);
        let score = 1.0 - (1.0 - reported).clamp(0.0, 1.0).powi(CALIBRATION);
        self.since_refresh += 1;
        if self.since_refresh >= REFRESH_EVERY || self.window.len() <= self.config.warmup {
            self.refresh_baseline();
        }
        PointScore { score, lower, upper, status }
    }

    /// Adds an accepted value to the window, the range and the shift test's bin counts, and
    /// runs the shift test once its window is full: `true` when the last `shift_window`
    /// values show a distribution never seen before.
    fn learn_value(&mut self, value: f64) -> bool {
        let w = self.shift_window();
        // The value that leaves the shift test's window, before the push may evict it.
        let leaving = if self.window.len() >= w { self.window.back(w - 1) } else { None };
        self.window.push(value);
        self.accepted += 1;
        match self.range {
            Some((low, high)) if (low..=high).contains(&value) => {
                self.shift_counts[bin_of(value, low, high)] += 1;
                if let Some(old) = leaving {
                    let b = bin_of(old, low, high);
                    self.shift_counts[b] = self.shift_counts[b].saturating_sub(1);
                }
            }
            range => {
                let (low, high) = range.map_or((value, value), |(l, h)| (l.min(value), h.max(value)));
                self.range = Some((low, high));
                self.recount_shift();
            }
        }
        match self.range {
            Some((low, high)) if high > low && self.window.len() >= w => self.shift.update(&self.shift_counts),
            _ => false,
        }
    }

    /// Recounts the shift test's bins from the window.
    fn recount_shift(&mut self) {
        self.shift_counts = [0; BINS];
        if let Some((low, high)) = self.range {
            for v in self.window.recent(self.shift_window()) {
                self.shift_counts[bin_of(v, low, high)] += 1;
            }
        }
    }

    fn ignored(&self, status: PointStatus) -> PointScore {
        let (lower, upper) = if self.window.is_empty() { (f64::NAN, f64::NAN) } else { self.band(self.center) };
        PointScore { score: 0.0, lower, upper, status }
    }

    fn band(&self, fallback: f64) -> (f64, f64) {
        if self.window.is_empty() {
            return (fallback, fallback);
        }
        let half = self.config.band_sigmas * self.sigma;
        (self.center - half, self.center + half)
    }

    fn refresh_baseline(&mut self) {
        self.since_refresh = 0;
        let Some(center) = self.window.median() else {
            return;
        };
        let mad_sigma = 1.4826 * self.window.mad(center);
        let spread_sigma = match (self.window.quantile(0.9), self.window.quantile(0.1)) {
            (Some(high), Some(low)) => (high - low) / 2.563,
            _ => 0.0,
        };
        let floor = 1e-9 * center.abs().max(1e-9);
        self.center = center;
        self.sigma = mad_sigma.max(spread_sigma).max(floor);
    }

    /// A copy of the complete state.
    pub fn state(&self) -> DetectorState {
        DetectorState {
            config: self.config,
            window: self.window.values_oldest_first(),
            accepted: self.accepted,
            last_timestamp_ms: self.last_timestamp_ms,
            interval_ms: self.interval_ms,
            center: self.center,
            sigma: self.sigma,
            since_refresh: self.since_refresh,
            short_mean: self.short_mean,
            novelty: self.novelty,
            range: self.range,
            shift: self.shift.clone(),
            peak: self.peak,
            since_shift: self.since_shift,
        }
    }

    /// Restores a detector from a saved state. Inconsistent parts of a state from outside
    /// (non-finite numbers, an over-long window) are repaired rather than trusted.
    pub fn from_state(state: DetectorState) -> Self {
        let mut detector = Self::new(state.config);
        detector.window = RobustWindow::from_values(detector.config.window, &state.window);
        detector.accepted = state.accepted;
        detector.last_timestamp_ms = state.last_timestamp_ms;
        detector.interval_ms = finite_or(state.interval_ms, 0.0).max(0.0);
        detector.short_mean = finite_or(state.short_mean, 0.0);
        detector.novelty = state.novelty;
        // A state saved before the shift test existed has no range: the window's own is the
        // best estimate (the range only ever grows from there).
        let window_range = detector.window.quantile(0.0).zip(detector.window.quantile(1.0));
        detector.range = state.range.filter(|(l, h)| l.is_finite() && h.is_finite() && l <= h).or(window_range);
        detector.shift = state.shift.repaired();
        detector.peak = finite_or(state.peak, 0.0).clamp(0.0, 1.0);
        detector.since_shift = state.since_shift;
        detector.recount_shift();
        detector.since_refresh = state.since_refresh;
        detector.center = finite_or(state.center, 0.0);
        detector.sigma = finite_or(state.sigma, 0.0);
        if detector.sigma <= 0.0 && !detector.window.is_empty() {
            detector.refresh_baseline();
        }
        detector
    }
}

fn finite_or(value: f64, fallback: f64) -> f64 {
    if value.is_finite() { value } else { fallback }
}
