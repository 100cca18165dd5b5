//! Per-row attribution of one data file: which rows are in probation, which fall inside a
//! window (and how early), and how far each other row is past the preceding window.
//!
//! Weights are applied later, per profile: a row keeps its *unweighted* credit.

use super::PROBATION_FRACTION;
use super::config::{CostMatrix, Window};

/// The role of one row in NAB's scoring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RowRole {
    /// Inside the probation period: never counted.
    Probation,
    /// Inside window `window` (index into the file's counted windows); a detection here is
    /// worth `tp_credit * tpWeight` (1.0 at the window's first row, near 0 at its last).
    Inside {
        /// Index of the window among the file's counted windows.
        window: usize,
        /// Unweighted credit of the earliest detection at this row.
        tp_credit: f64,
    },
    /// Outside every window; a detection here adds `fp_credit * fpWeight` (between -1 and 0,
    /// near 0 just after a window).
    Outside {
        /// Unweighted (negative) credit of a false detection at this row.
        fp_credit: f64,
    },
}

/// The attribution of every row of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSweep {
    /// Per row, in file order: the detector's anomaly score and the row's role.
    pub rows: Vec<(f64, RowRole)>,
    /// How many windows count (at least one row after probation).
    pub windows: usize,
}

/// Why a file cannot be attributed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// Timestamps and scores have different lengths.
    #[error("{timestamps} timestamps but {scores} scores")]
    LengthMismatch {
        /// Number of timestamps.
        timestamps: usize,
        /// Number of scores.
        scores: usize,
    },
    /// Timestamps go backwards at this row.
    #[error("timestamps go backwards at row {0}")]
    NotSorted(usize),
}

/// NAB's scaled sigmoid of a relative position: -1 at and beyond 3 window widths past the
/// window, 0 at the window's right edge, about 0.987 at its left edge.
pub fn scaled_sigmoid(relative_position: f64) -> f64 {
    if relative_position >= 3.0 { -1.0 } else { 2.0 / (1.0 + (5.0 * relative_position).exp()) - 1.0 }
}

/// Length of the probation period of a file of `rows` rows: min(floor(0.15 n), 0.15 * 5000).
pub fn probation_length(rows: usize) -> usize {
    let by_fraction = (PROBATION_FRACTION * rows as f64).floor();
    by_fraction.min(PROBATION_FRACTION * 5000.0) as usize
}

/// Row index range of each window (first row at or after its start, through its end; a
/// duplicated end timestamp ends the window at its first occurrence, as NAB does). Windows
/// that hold no row are dropped.
fn window_rows(timestamps_ms: &[i64], windows: &[Window]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(windows.len());
    for w in windows {
        let left = timestamps_ms.partition_point(|&t| t < w.start_ms);
        let first_at_end = timestamps_ms.partition_point(|&t| t < w.end_ms);
        let right = if timestamps_ms.get(first_at_end) == Some(&w.end_ms) {
            first_at_end
        } else if first_at_end == 0 {
            continue;
        } else {
            first_at_end - 1
        };
        if left <= right && right < timestamps_ms.len() {
            out.push((left, right));
        }
    }
    out
}

/// Attributes every row of one file.
///
/// `timestamps_ms` must not decrease. A window only one row wide has no width to measure
/// the distance past it: rows after it are charged the full false-positive cost.
pub fn sweep_file(timestamps_ms: &[i64], scores: &[f64], windows: &[Window]) -> Result<FileSweep, SweepError> {
    if timestamps_ms.len() != scores.len() {
        return Err(SweepError::LengthMismatch { timestamps: timestamps_ms.len(), scores: scores.len() });
    }
    if let Some(i) = timestamps_ms.windows(2).position(|p| p[1] < p[0]) {
        return Err(SweepError::NotSorted(i + 1));
    }
    let probation = probation_length(scores.len());
    let ranges = window_rows(timestamps_ms, windows);
    let max_tp = scaled_sigmoid(-1.0);
    let mut rows = Vec::with_capacity(scores.len());
    let mut next = 0; // next window range to enter
    let mut previous: Option<(usize, usize)> = None;
    let mut counted: Vec<usize> = vec![0; ranges.len()]; // range index -> counted index + 1 (0: not yet)
    let mut windows_counted = 0;
    for (i, &score) in scores.iter().enumerate() {
        while next < ranges.len() && ranges[next].1 < i {
            previous = Some(ranges[next]);
            next += 1;
        }
        let inside = ranges.get(next).filter(|(left, _)| *left <= i);
        let role = if i < probation {
            RowRole::Probation
        } else if let Some(&(left, right)) = inside {
            if counted[next] == 0 {
                windows_counted += 1;
                counted[next] = windows_counted;
            }
            let width = (right - left + 1) as f64;
            let position = -((right - i + 1) as f64) / width;
            RowRole::Inside { window: counted[next] - 1, tp_credit: scaled_sigmoid(position) / max_tp }
        } else {
            let position = match previous {
                None => 3.0,
                Some((left, right)) if right > left => (i - right) as f64 / (right - left) as f64,
                Some(_) => f64::INFINITY,
            };
            RowRole::Outside { fp_credit: scaled_sigmoid(position) }
        };
        rows.push((score, role));
    }
    Ok(FileSweep { rows, windows: windows_counted })
}

impl FileSweep {
    /// The weighted contribution of a detection at a row with this role.
    pub(super) fn weighted(role: RowRole, costs: &CostMatrix) -> f64 {
        match role {
            RowRole::Probation => 0.0,
            RowRole::Inside { tp_credit, .. } => tp_credit * costs.tp_weight,
            RowRole::Outside { fp_credit } => fp_credit * costs.fp_weight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_landmarks() {
        assert!((scaled_sigmoid(-1.0) - 0.986_614_298_151_430_3).abs() < 1e-12);
        assert_eq!(scaled_sigmoid(0.0), 0.0);
        assert_eq!(scaled_sigmoid(3.0), -1.0);
        assert!((scaled_sigmoid(1.0) + 0.986_614_298_151_430_3).abs() < 1e-12);
    }

    #[test]
    fn probation_is_capped() {
        assert_eq!(probation_length(4032), 604);
        assert_eq!(probation_length(1243), 186);
        assert_eq!(probation_length(22_695), 750);
        assert_eq!(probation_length(0), 0);
    }
}
