//! The distribution-shift test, after NAB's relativeEntropy detector (Wang et al., 2011): the
//! histogram of the last [`SHIFT_WINDOW`] values is compared with every distribution this
//! series showed before (the *hypotheses*), by the G statistic (twice the window length times
//! the relative entropy). A window that agrees with none of them is a shift: it is flagged
//! and becomes a new hypothesis. A window that agrees with one is not flagged and counts
//! towards it.
//!
//! Unlike NAB's detector, which bins over the whole file's value range (known in advance), the
//! bins here span the range seen so far: no look-ahead. The caller keeps the bin counts of the
//! current window; this module judges them and keeps the hypotheses.
//!
//! Memory: at most [`MAX_HYPOTHESES`] hypotheses of 28 bytes each (896 bytes) plus a `Vec`.
//! When full, a new hypothesis replaces the one the fewest windows agreed with.

use serde::{Deserialize, Serialize};

/// Equal-width bins over the range seen so far.
pub const BINS: usize = 6;
/// Values in the judged window.
pub const SHIFT_WINDOW: usize = 80;
/// Most hypotheses kept.
pub const MAX_HYPOTHESES: usize = 32;
/// A window agrees with a hypothesis when its G statistic is below this (the chi-square
/// quantile of about 0.998 with `BINS - 1` = 5 degrees of freedom; chosen on half A of the dev
/// split, see docs/anomaly.md).
const AGREE_BELOW: f64 = 18.5;
/// Log-probability given to a bin a hypothesis never saw (`ln 1e-6`): one value falling there
/// is enough to disagree.
const LN_EMPTY: f32 = -13.815_511;

/// One distribution seen before: the log-probabilities of its bins and how many windows
/// agreed with it (itself included).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hypothesis {
    ln_p: [f32; BINS],
    count: u32,
}

/// The hypotheses of one series.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ShiftTest {
    hypotheses: Vec<Hypothesis>,
}

impl ShiftTest {
    /// Judges the bin counts of the current window and learns them: `true` when the window
    /// agrees with no hypothesis (a distribution never seen before). The very first window
    /// only becomes the first hypothesis and is not flagged.
    pub fn update(&mut self, counts: &[u32; BINS]) -> bool {
        let n: u32 = counts.iter().sum();
        if n == 0 {
            return false;
        }
        let n = n as f64;
        let mut p = [0.0f64; BINS];
        let mut p_ln_p = 0.0;
        for (pb, &c) in p.iter_mut().zip(counts) {
            *pb = c as f64 / n;
            if c > 0 {
                p_ln_p += *pb * pb.ln();
            }
        }
        let mut best: Option<(usize, f64)> = None;
        for (i, h) in self.hypotheses.iter().enumerate() {
            let cross: f64 = p.iter().zip(&h.ln_p).filter(|(pb, _)| **pb > 0.0).map(|(pb, lq)| pb * *lq as f64).sum();
            let g = 2.0 * n * (p_ln_p - cross);
            if g < AGREE_BELOW && best.is_none_or(|(_, b)| g < b) {
                best = Some((i, g));
            }
        }
        if let Some((i, _)) = best {
            let h = &mut self.hypotheses[i];
            h.count = h.count.saturating_add(1);
            return false;
        }
        let mut ln_p = [LN_EMPTY; BINS];
        for (l, &pb) in ln_p.iter_mut().zip(&p) {
            if pb > 0.0 {
                *l = (pb.ln() as f32).max(LN_EMPTY);
            }
        }
        let first = self.hypotheses.is_empty();
        let new = Hypothesis { ln_p, count: 1 };
        if self.hypotheses.len() < MAX_HYPOTHESES {
            self.hypotheses.push(new);
        } else if let Some(rarest) = self.hypotheses.iter_mut().min_by_key(|h| h.count) {
            *rarest = new;
        }
        !first
    }

    /// Number of hypotheses held.
    pub fn len(&self) -> usize {
        self.hypotheses.len()
    }

    /// Whether no hypothesis is held yet.
    pub fn is_empty(&self) -> bool {
        self.hypotheses.is_empty()
    }

    /// A state from outside made safe: at most [`MAX_HYPOTHESES`], no non-finite or positive
    /// log-probabilities.
    pub fn repaired(mut self) -> Self {
        self.hypotheses.truncate(MAX_HYPOTHESES);
        for h in &mut self.hypotheses {
            for l in &mut h.ln_p {
                *l = if l.is_finite() { l.clamp(LN_EMPTY, 0.0) } else { LN_EMPTY };
            }
        }
        self
    }
}

/// The bin of `value` among [`BINS`] equal-width bins over `[low, high]` (values outside go to
/// the nearest end bin; a degenerate or overflowing range puts everything in bin 0).
pub fn bin_of(value: f64, low: f64, high: f64) -> usize {
    let x = (value - low) / (high - low) * BINS as f64;
    // NaN (0/0, inf/inf) and negative values cast to 0.
    (x as usize).min(BINS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(values: impl IntoIterator<Item = f64>) -> [u32; BINS] {
        let mut c = [0; BINS];
        for v in values {
            c[bin_of(v, 0.0, 6.0)] += 1;
        }
        c
    }

    #[test]
    fn bins_cover_the_range_and_clamp_outside_it() {
        assert_eq!(bin_of(0.0, 0.0, 6.0), 0);
        assert_eq!(bin_of(2.5, 0.0, 6.0), 2);
        assert_eq!(bin_of(6.0, 0.0, 6.0), BINS - 1);
        assert_eq!(bin_of(-1.0, 0.0, 6.0), 0);
        assert_eq!(bin_of(1e300, 0.0, 6.0), BINS - 1);
        assert_eq!(bin_of(1.0, 1.0, 1.0), 0);
        assert_eq!(bin_of(1e308, -1e308, 1e308), 0);
    }

    #[test]
    fn a_known_distribution_is_not_flagged_and_a_new_one_is() {
        let mut t = ShiftTest::default();
        // Values spread over bins 1..=3.
        let usual = counts((0..80).map(|i| 1.0 + (i % 30) as f64 / 10.0));
        assert!(!t.update(&usual), "the first window only becomes a hypothesis");
        for _ in 0..10 {
            assert!(!t.update(&usual));
        }
        // Shifted up into bins 4..=5: never seen, flagged once, then known.
        let shifted = counts((0..80).map(|i| 4.0 + (i % 20) as f64 / 10.0));
        assert!(t.update(&shifted));
        assert!(!t.update(&shifted));
        assert_eq!(t.len(), 2);
        // Variance collapse: all values in one bin of the usual range.
        let flat = counts((0..80).map(|_| 2.05));
        assert!(t.update(&flat));
        // Back to the usual distribution: agrees with the first hypothesis.
        assert!(!t.update(&usual));
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn a_small_change_of_proportions_agrees() {
        let mut t = ShiftTest::default();
        let a = counts((0..80).map(|i| if i < 40 { 1.5 } else { 2.5 }));
        let b = counts((0..80).map(|i| if i < 44 { 1.5 } else { 2.5 }));
        t.update(&a);
        assert!(!t.update(&b));
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn hypotheses_stay_bounded_and_repair_drops_the_excess() {
        let mut t = ShiftTest::default();
        for k in 0..200u32 {
            let mut c = [0u32; BINS];
            // Distinct distributions: the mass moves through the bins.
            c[(k as usize) % BINS] = 40 + k % 37;
            c[(k as usize + 1 + (k as usize / BINS) % (BINS - 1)) % BINS] = 40;
            t.update(&c);
            assert!(t.len() <= MAX_HYPOTHESES);
        }
        let mut big = t.clone();
        big.hypotheses.extend(t.hypotheses.iter().copied());
        big.hypotheses[0].ln_p[0] = f32::NAN;
        let fixed = big.repaired();
        assert_eq!(fixed.len(), MAX_HYPOTHESES);
        assert!(fixed.hypotheses.iter().all(|h| h.ln_p.iter().all(|l| l.is_finite() && *l <= 0.0)));
    }
}
