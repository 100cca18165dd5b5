//! A trained text model: a TF-IDF vectoriser, a softmax regression, and the header saying
//! what it was trained on.

use std::collections::BTreeSet;

use super::category::Category;
use super::dataset::Example;
use super::linear::{SgdSettings, SoftmaxRegression};
use super::tfidf::Vectoriser;
use super::tokenize::terms;

/// What a model is and what it was trained on; stored at the top of the model file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelHeader {
    /// The model's identity, chosen by the caller (for instance `default-2026-12-06`).
    pub model_id: String,
    /// When the model was trained, as given by the caller (this crate reads no clock).
    pub trained_at: String,
    /// The categories the model can predict, in class order.
    pub categories: Vec<Category>,
    /// The CSV columns whose text made each example's fields, in field order.
    pub text_columns: Vec<String>,
    /// The CSV column holding the category.
    pub label_column: String,
    /// How many examples the model was trained on.
    pub examples: usize,
}

/// How to train a model.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// Recorded in the header as [`ModelHeader::model_id`].
    pub model_id: String,
    /// Recorded in the header as [`ModelHeader::trained_at`].
    pub trained_at: String,
    /// Recorded in the header as [`ModelHeader::text_columns`].
    pub text_columns: Vec<String>,
    /// Recorded in the header as [`ModelHeader::label_column`].
    pub label_column: String,
    /// Terms must appear in at least this many training documents to enter the vocabulary.
    pub min_document_frequency: usize,
    /// The SGD settings, seed included.
    pub sgd: SgdSettings,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            model_id: "unnamed".to_string(),
            trained_at: String::new(),
            text_columns: vec!["name".to_string(), "description".to_string()],
            label_column: "category".to_string(),
            min_document_frequency: 1,
            sgd: SgdSettings { epochs: 20, learning_rate: 0.5, l2: 1e-4, seed: 42, balanced: true },
        }
    }
}

/// A training set the model cannot learn from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// No examples at all.
    #[error("the training set is empty")]
    Empty,
    /// Every example has the same category, so there is nothing to tell apart.
    #[error("every training example is {0}: at least two categories are needed")]
    SingleCategory(Category),
    /// No example has a single known word.
    #[error("no training example has any words")]
    NoWords,
}

/// A trained classifier model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub(super) header: ModelHeader,
    pub(super) vectoriser: Vectoriser,
    pub(super) regression: SoftmaxRegression,
}

impl Model {
    /// Trains a model on `examples`.
    pub fn train(examples: &[Example], options: &TrainOptions) -> Result<Model, TrainError> {
        let categories: Vec<Category> =
            examples.iter().map(|e| e.category).collect::<BTreeSet<_>>().into_iter().collect();
        match categories.as_slice() {
            [] => return Err(TrainError::Empty),
            [only] => return Err(TrainError::SingleCategory(*only)),
            _ => {}
        }
        let documents: Vec<Vec<String>> = examples.iter().map(|e| terms(&e.fields)).collect();
        let vectoriser = Vectoriser::fit(&documents, options.min_document_frequency);
        if vectoriser.vocabulary().is_empty() {
            return Err(TrainError::NoWords);
        }
        let xs: Vec<_> = documents.iter().map(|d| vectoriser.transform(d)).collect();
        let ys: Vec<usize> =
            examples.iter().map(|e| categories.iter().position(|c| *c == e.category).unwrap_or(0)).collect();
        let regression =
            SoftmaxRegression::train(&xs, &ys, categories.len(), vectoriser.vocabulary().len(), &options.sgd);
        let header = ModelHeader {
            model_id: options.model_id.clone(),
            trained_at: options.trained_at.clone(),
            categories,
            text_columns: options.text_columns.clone(),
            label_column: options.label_column.clone(),
            examples: examples.len(),
        };
        Ok(Model { header, vectoriser, regression })
    }

    /// The model's header.
    pub fn header(&self) -> &ModelHeader {
        &self.header
    }

    /// The number of terms in the vocabulary.
    pub fn vocabulary_size(&self) -> usize {
        self.vectoriser.vocabulary().len()
    }

    /// The probability of each of the model's categories for a document made of `fields`,
    /// most likely first (ties in category order).
    pub fn probabilities<S: AsRef<str>>(&self, fields: &[S]) -> Vec<(Category, f64)> {
        let x = self.vectoriser.transform(&terms(fields));
        let mut ranked: Vec<(Category, f64)> =
            self.header.categories.iter().copied().zip(self.regression.probabilities(&x)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
    }

    /// The most likely category for `fields` and its probability.
    pub fn predict<S: AsRef<str>>(&self, fields: &[S]) -> (Category, f64) {
        self.probabilities(fields).first().copied().unwrap_or((Category::Other, 0.0))
    }
}
