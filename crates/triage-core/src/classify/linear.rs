//! Multinomial logistic regression over sparse vectors, trained by seeded SGD.
//!
//! Training is deterministic: examples are visited in an order shuffled by a SplitMix64
//! generator started from the caller's seed, and all arithmetic is sequential. L2
//! regularisation uses the weight-scale trick, so a step costs only the example's non-zero
//! features. Probabilities come from a softmax over the class scores.

use super::tfidf::SparseVector;

/// Settings of the SGD training.
#[derive(Debug, Clone, PartialEq)]
pub struct SgdSettings {
    /// Passes over the training set.
    pub epochs: usize,
    /// Initial step size; step `t` uses `learning_rate / (1 + learning_rate * l2 * t)`.
    pub learning_rate: f64,
    /// L2 regularisation strength.
    pub l2: f64,
    /// Seed of the example order.
    pub seed: u64,
    /// Weigh each example by `n / (classes * n_class)` so rare classes count as much as
    /// common ones.
    pub balanced: bool,
}

/// Weights of a multinomial logistic regression: one row of `classes` weights per feature,
/// and one bias per class.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxRegression {
    classes: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl SoftmaxRegression {
    /// Weights from stored parts: `weights` holds `features * bias.len()` values, feature-major.
    /// `None` when the lengths disagree or a value is not finite.
    pub fn from_parts(features: usize, weights: Vec<f32>, bias: Vec<f32>) -> Option<Self> {
        let classes = bias.len();
        let consistent = classes > 0
            && features.checked_mul(classes) == Some(weights.len())
            && weights.iter().chain(&bias).all(|w| w.is_finite());
        consistent.then_some(SoftmaxRegression { classes, weights, bias })
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// All weights, feature-major (`weights[feature * classes + class]`).
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// The bias of each class.
    pub fn bias(&self) -> &[f32] {
        &self.bias
    }

    /// Trains on vectors `xs` with class indices `ys` (each below `classes`) over `features`
    /// features.
    pub fn train(xs: &[SparseVector], ys: &[usize], classes: usize, features: usize, settings: &SgdSettings) -> Self {
        let mut v = vec![0.0f64; features * classes];
        let mut bias = vec![0.0f64; classes];
        let mut scale = 1.0f64;
        let mut class_counts = vec![0usize; classes];
        for &y in ys {
            class_counts[y] += 1;
        }
        let example_weight: Vec<f64> = class_counts
            .iter()
            .map(|&c| if settings.balanced && c > 0 { ys.len() as f64 / (classes as f64 * c as f64) } else { 1.0 })
            .collect();
        let mut order: Vec<usize> = (0..xs.len()).collect();
        let mut rng = SplitMix64(settings.seed);
        let mut scores = vec![0.0f64; classes];
        let mut gradient = vec![0.0f64; classes];
        let mut step = 0u64;
        for _ in 0..settings.epochs {
            shuffle(&mut order, &mut rng);
            for &i in &order {
                let rate = settings.learning_rate / (1.0 + settings.learning_rate * settings.l2 * step as f64);
                step += 1;
                let (x, y) = (&xs[i], ys[i]);
                scores.copy_from_slice(&bias);
                for &(j, xv) in x {
                    let row = &v[j as usize * classes..(j as usize + 1) * classes];
                    for (s, w) in scores.iter_mut().zip(row) {
                        *s += scale * w * xv as f64;
                    }
                }
                softmax_in_place(&mut scores);
                scale *= 1.0 - rate * settings.l2;
                for (c, g) in gradient.iter_mut().enumerate() {
                    let target = if c == y { 1.0 } else { 0.0 };
                    *g = (scores[c] - target) * example_weight[y];
                    bias[c] -= rate * *g;
                }
                for &(j, xv) in x {
                    let step_size = rate * xv as f64 / scale;
                    let row = &mut v[j as usize * classes..(j as usize + 1) * classes];
                    for (w, g) in row.iter_mut().zip(&gradient) {
                        *w -= step_size * g;
                    }
                }
                if scale < 1e-9 {
                    v.iter_mut().for_each(|w| *w *= scale);
                    scale = 1.0;
                }
            }
        }
        SoftmaxRegression {
            classes,
            weights: v.iter().map(|w| (w * scale) as f32).collect(),
            bias: bias.iter().map(|&b| b as f32).collect(),
        }
    }

    /// The probability of each class for `x`. Features beyond the weights are ignored.
    pub fn probabilities(&self, x: &SparseVector) -> Vec<f64> {
        let mut scores: Vec<f64> = self.bias.iter().map(|&b| b as f64).collect();
        for &(j, xv) in x {
            let start = j as usize * self.classes;
            if let Some(row) = self.weights.get(start..start + self.classes) {
                for (s, w) in scores.iter_mut().zip(row) {
                    *s += *w as f64 * xv as f64;
                }
            }
        }
        softmax_in_place(&mut scores);
        scores
    }
}

fn softmax_in_place(scores: &mut [f64]) {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        total += *s;
    }
    for s in scores.iter_mut() {
        *s /= total;
    }
}

/// The SplitMix64 generator: small, fast, and the same on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Fisher-Yates shuffle driven by `rng`.
fn shuffle(items: &mut [usize], rng: &mut SplitMix64) {
    for i in (1..items.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}
