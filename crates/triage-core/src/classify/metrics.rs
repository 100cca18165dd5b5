//! Accuracy, macro-F1 and per-category precision, recall and F1 of predictions.

use std::collections::BTreeSet;

use super::category::Category;

/// Precision, recall and F1 of one category.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryScores {
    /// The category.
    pub category: Category,
    /// Of the items predicted in the category, the share truly in it (0 when none predicted).
    pub precision: f64,
    /// Of the items truly in the category, the share predicted in it (0 when none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Items truly in the category.
    pub support: usize,
}

/// How well predictions match the truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Items evaluated.
    pub total: usize,
    /// Share of items predicted right.
    pub accuracy: f64,
    /// Unweighted mean of the F1 of every category seen in the truth or the predictions.
    pub macro_f1: f64,
    /// Scores of each category seen, in category order.
    pub per_category: Vec<CategoryScores>,
}

impl Evaluation {
    /// Scores `(truth, prediction)` pairs.
    pub fn of(pairs: &[(Category, Category)]) -> Self {
        let seen: BTreeSet<Category> = pairs.iter().flat_map(|&(t, p)| [t, p]).collect();
        let per_category: Vec<CategoryScores> = seen
            .into_iter()
            .map(|c| {
                let true_positive = pairs.iter().filter(|&&(t, p)| t == c && p == c).count() as f64;
                let predicted = pairs.iter().filter(|&&(_, p)| p == c).count();
                let support = pairs.iter().filter(|&&(t, _)| t == c).count();
                let precision = ratio(true_positive, predicted);
                let recall = ratio(true_positive, support);
                let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
                CategoryScores { category: c, precision, recall, f1, support }
            })
            .collect();
        let correct = pairs.iter().filter(|(t, p)| t == p).count() as f64;
        let macro_f1 = if per_category.is_empty() {
            0.0
        } else {
            per_category.iter().map(|s| s.f1).sum::<f64>() / per_category.len() as f64
        };
        Evaluation { total: pairs.len(), accuracy: ratio(correct, pairs.len()), macro_f1, per_category }
    }
}

fn ratio(numerator: f64, denominator: usize) -> f64 {
    if denominator == 0 { 0.0 } else { numerator / denominator as f64 }
}
