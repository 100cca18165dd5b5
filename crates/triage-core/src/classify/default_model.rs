//! The default model, trained on first use from data embedded in the binary.
//!
//! The training set is the community alert-rule collection mapped onto categories
//! ([`super::source_mapping`]) plus hand-written grid examples, both under
//! `crates/triage-core/data/classify/`. Training is deterministic (fixed seed and options),
//! so every process builds the same model; it runs once, on first use.

use std::sync::{Arc, OnceLock};

use super::classifier::Classifier;
use super::dataset::{Example, read_labelled_csv, split_held_out};
use super::metrics::Evaluation;
use super::model::{Model, TrainError, TrainOptions};
use super::source_mapping::examples_from_rules_csv;

/// The community alert-rule collection, verbatim.
pub const RULES_CSV: &str = include_str!("../../data/classify/awesome_prometheus_alerts_rules.csv");
/// The hand-written grid examples (`name,description,category`).
pub const GRID_EXAMPLES_CSV: &str = include_str!("../../data/classify/grid_examples.csv");
/// The default model's identity.
pub const DEFAULT_MODEL_ID: &str = "default-1";
/// The date recorded as the default model's training date: the date of its training data.
pub const DEFAULT_TRAINED_AT: &str = "2026-12-06";
/// The seed of the held-out split.
pub const HELD_OUT_SEED: u64 = 20_261_206;
/// The share of each category held out for evaluation.
pub const HELD_OUT_PERCENT: u32 = 20;

/// The options the default model is trained with.
pub fn default_train_options() -> TrainOptions {
    TrainOptions {
        model_id: DEFAULT_MODEL_ID.to_string(),
        trained_at: DEFAULT_TRAINED_AT.to_string(),
        ..TrainOptions::default()
    }
}

/// The default training set: every mapped collection rule, then every grid example, as
/// `[name, description]` fields.
pub fn default_examples() -> Vec<Example> {
    let text_columns = ["name".to_string(), "description".to_string()];
    // The embedded files are checked by this module's tests; a failure here is a build defect.
    let mut examples = examples_from_rules_csv(RULES_CSV.as_bytes()).unwrap_or_default();
    examples.extend(read_labelled_csv(GRID_EXAMPLES_CSV.as_bytes(), &text_columns, "category").unwrap_or_default());
    examples
}

/// The default model trained on all of [`default_examples`], built on first use.
pub fn default_model() -> &'static Arc<Model> {
    static MODEL: OnceLock<Arc<Model>> = OnceLock::new();
    MODEL.get_or_init(|| {
        let model = Model::train(&default_examples(), &default_train_options())
            .unwrap_or_else(|e| unreachable!("the embedded training set is valid: {e}"));
        Arc::new(model)
    })
}

/// A classifier sharing the default model, with no keyword rules and the default threshold.
pub fn default_classifier() -> Classifier {
    Classifier::from_shared(Arc::clone(default_model()))
}

/// How a model trained like the default one, on 80% of its examples, does on the other 20%
/// (a split by category, fixed by [`HELD_OUT_SEED`]): the model's top category against the
/// truth, and the same with the confidence threshold of `threshold` applied.
pub fn held_out_evaluation(threshold: f64) -> Result<HeldOutReport, TrainError> {
    let (train, held_out) = split_held_out(&default_examples(), HELD_OUT_PERCENT, HELD_OUT_SEED);
    let classifier = Classifier::new(Model::train(&train, &default_train_options())?).with_threshold(threshold);
    let model_pairs: Vec<_> = held_out.iter().map(|e| (e.category, classifier.model().predict(&e.fields).0)).collect();
    let thresholded: Vec<_> =
        held_out.iter().map(|e| (e.category, classifier.classify_fields(&e.fields).category)).collect();
    Ok(HeldOutReport {
        trained_on: train.len(),
        model: Evaluation::of(&model_pairs),
        with_threshold: Evaluation::of(&thresholded),
    })
}

/// The result of [`held_out_evaluation`].
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOutReport {
    /// Examples the evaluated model was trained on.
    pub trained_on: usize,
    /// The model's top category on the held-out examples.
    pub model: Evaluation,
    /// The classifier's category (threshold applied) on the held-out examples.
    pub with_threshold: Evaluation,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_reads() {
        let text_columns = ["name".to_string(), "description".to_string()];
        let rules = examples_from_rules_csv(RULES_CSV.as_bytes()).expect("rules csv");
        assert_eq!(rules.len(), 925);
        let grid = read_labelled_csv(GRID_EXAMPLES_CSV.as_bytes(), &text_columns, "category").expect("grid csv");
        assert!(grid.len() > 200);
    }
}
