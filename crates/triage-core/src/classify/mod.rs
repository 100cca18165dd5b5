//! Classification of alerts and tickets into categories, with a confidence.
//!
//! The pieces, in the order text flows through them:
//! - [`tokenize`]: words from alert names, summaries and labels (CamelCase, snake and kebab
//!   case split), plus word bigrams;
//! - [`rules`]: whole-word or phrase keyword rules with explicit precedence, checked first;
//! - [`tfidf`] and [`linear`]: a TF-IDF vectoriser and a multinomial logistic regression
//!   trained by seeded, deterministic SGD;
//! - [`model`]: the trained model and its versioned JSON format ([`mod@format`]);
//! - [`classifier`]: rules, then the model, then the confidence threshold;
//! - [`dataset`], [`metrics`], [`feedback`]: labelled rows from CSV bytes, held-out splits,
//!   accuracy and macro-F1, and operator feedback merged into a training set;
//! - [`default_model`]: the default model, trained on first use from embedded data.

pub mod category;
pub mod classifier;
pub mod dataset;
pub mod default_model;
pub mod feedback;
pub mod format;
pub mod linear;
pub mod metrics;
pub mod model;
pub mod rules;
pub mod source_mapping;
pub mod tfidf;
pub mod tokenize;

pub use category::Category;
pub use classifier::{Classification, Classifier, Decision, Input};
pub use dataset::{Example, read_labelled_csv, split_held_out};
pub use feedback::{FeedbackLabel, FeedbackRecord, merge_feedback, train_with_feedback};
pub use format::ModelFormatError;
pub use model::{Model, ModelHeader, TrainError, TrainOptions};
pub use rules::{KeywordRule, RuleSet};
