//! Scores at a threshold, NAB's corpus-wide threshold optimisation, and normalisation
//! against the null and perfect detectors.

use super::config::CostMatrix;
use super::sweep::{FileSweep, RowRole};

/// Row counts after probation, as NAB reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Detections inside windows.
    pub tp: usize,
    /// Quiet rows outside windows.
    pub tn: usize,
    /// Detections outside windows.
    pub fp: usize,
    /// Quiet rows inside windows.
    pub fn_: usize,
}

/// A raw (unnormalised) score at a threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdScore {
    /// Detections are rows whose anomaly score is at least this.
    pub threshold: f64,
    /// The raw score.
    pub score: f64,
    /// The row counts.
    pub counts: Counts,
}

/// The raw score of one file at `threshold` (a row is a detection when its anomaly score is
/// `>= threshold`).
pub fn score_file(sweep: &FileSweep, costs: &CostMatrix, threshold: f64) -> ThresholdScore {
    let mut best = vec![-costs.fn_weight; sweep.windows];
    let mut fp_sum = 0.0;
    let mut counts = Counts::default();
    for &(score, role) in &sweep.rows {
        let detected = score >= threshold;
        match role {
            RowRole::Probation => {}
            RowRole::Inside { window, .. } => {
                if detected {
                    counts.tp += 1;
                    best[window] = best[window].max(FileSweep::weighted(role, costs));
                } else {
                    counts.fn_ += 1;
                }
            }
            RowRole::Outside { .. } => {
                if detected {
                    counts.fp += 1;
                    fp_sum += FileSweep::weighted(role, costs);
                } else {
                    counts.tn += 1;
                }
            }
        }
    }
    ThresholdScore { threshold, score: best.iter().sum::<f64>() + fp_sum, counts }
}

/// NAB's threshold optimisation: lowers the threshold through every distinct anomaly score of
/// the corpus (starting above 1.0, where nothing is detected) and returns the threshold with
/// the best total raw score (the highest such threshold on ties).
pub fn optimise_threshold(corpus: &[FileSweep], costs: &CostMatrix) -> ThresholdScore {
    let mut window_base = Vec::with_capacity(corpus.len());
    let mut total_windows = 0;
    for sweep in corpus {
        window_base.push(total_windows);
        total_windows += sweep.windows;
    }
    let mut rows: Vec<(f64, RowRole, usize)> = Vec::new();
    let mut counts = Counts::default();
    for (file, sweep) in corpus.iter().enumerate() {
        for &(score, role) in &sweep.rows {
            match role {
                RowRole::Probation => continue,
                RowRole::Inside { .. } => counts.fn_ += 1,
                RowRole::Outside { .. } => counts.tn += 1,
            }
            // A score that is not a number never triggers a detection.
            let score = if score.is_nan() { f64::NEG_INFINITY } else { score };
            rows.push((score, role, window_base[file]));
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));

    let mut best_per_window = vec![-costs.fn_weight; total_windows];
    let mut total = -costs.fn_weight * total_windows as f64;
    let mut current = ThresholdScore { threshold: 1.1, score: total, counts };
    let mut best = current;
    for (score, role, base) in rows {
        if score != current.threshold {
            if current.score > best.score {
                best = current;
            }
            current.threshold = score;
        }
        match role {
            RowRole::Probation => {}
            RowRole::Inside { window, .. } => {
                counts.tp += 1;
                counts.fn_ -= 1;
                let slot = &mut best_per_window[base + window];
                let credit = FileSweep::weighted(role, costs);
                if credit > *slot {
                    total += credit - *slot;
                    *slot = credit;
                }
            }
            RowRole::Outside { .. } => {
                counts.fp += 1;
                counts.tn -= 1;
                total += FileSweep::weighted(role, costs);
            }
        }
        current.score = total;
        current.counts = counts;
    }
    if current.score > best.score {
        best = current;
    }
    best
}

/// The raw score of the null detector (no detection at all): every window missed.
pub fn null_score(windows: usize, costs: &CostMatrix) -> f64 {
    -costs.fn_weight * windows as f64
}

/// The raw score of the perfect detector, as NAB defines it: every window detected at its
/// first row.
pub fn perfect_score(windows: usize, costs: &CostMatrix) -> f64 {
    costs.tp_weight * windows as f64
}

/// NAB's normalised score: `100 (raw - null) / (perfect - null)`; 0 for a corpus without
/// windows.
pub fn normalised_score(raw: f64, null: f64, perfect: f64) -> f64 {
    if perfect == null { 0.0 } else { 100.0 * (raw - null) / (perfect - null) }
}
