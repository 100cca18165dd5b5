//! Turns raw surprise into an anomaly score in [0, 1] relative to the series' own history of
//! surprise: a point scores high when it is more surprising than anything the series did
//! before. The reference is a very slowly decaying maximum of past surprise, so a series
//! that is always spiky needs a bigger spike to alarm than a quiet one, a repeated anomaly
//! alarms once rather than on every repeat (habituation), and after a long quiet spell the
//! reference has decayed back towards its floor.

use serde::{Deserialize, Serialize};

/// Surprise (as `ln(1 + z)`) the reference never goes below: z = 4.
const FLOOR: f64 = 1.609_437_912_434_100_3;
/// Per-point decay of the reference towards the floor (half-life about 23,000 points, 80
/// days of 5-minute samples).
const DECAY: f64 = 0.000_03;
/// Surprise values seen before the reference starts learning: the first ones come from a
/// baseline still filling up and would set it too high.
const LEARN_AFTER: u64 = 200;
/// Steepness of the score around the reference, per unit of `ln(1 + z)`.
const STEEPNESS: f64 = 4.0;

/// The decaying reference of past surprise (16 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Novelty {
    /// The decaying maximum of past surprise, never below [`FLOOR`].
    reference: f64,
    /// Surprise values seen.
    seen: u64,
}

impl Default for Novelty {
    fn default() -> Self {
        Self { reference: FLOOR, seen: 0 }
    }
}

impl Novelty {
    /// Feeds one surprise value (`ln(1 + z)`, finite, >= 0) and returns the score in [0, 1]:
    /// a logistic function of how far it exceeds the reference learnt *before* it (0.5 when
    /// equal, 0.98 one unit above).
    pub fn update(&mut self, surprise: f64) -> f64 {
        let surprise = if surprise.is_finite() { surprise.max(0.0) } else { 0.0 };
        let reference = if self.reference.is_finite() { self.reference.max(FLOOR) } else { FLOOR };
        let score = 1.0 / (1.0 + (-STEEPNESS * (surprise - reference)).exp());
        self.reference = FLOOR + (reference - FLOOR) * (1.0 - DECAY);
        if self.seen >= LEARN_AFTER {
            self.reference = self.reference.max(surprise);
        }
        self.seen = self.seen.saturating_add(1);
        if score.is_finite() { score } else { 0.0 }
    }
}
