//! The model file: versioned JSON.
//!
//! ```text
//! { "format": "triage-classifier", "format_version": 1,
//!   "model_id": "...", "trained_at": "...", "text_columns": [...], "label_column": "...",
//!   "examples": 1234, "categories": ["storage", ...],
//!   "vocabulary": ["term", ...], "idf": [...],
//!   "bias": [one per category], "weights": [[one per category] one row per term] }
//! ```
//!
//! Loading checks the format name and version before anything else, then that every table
//! agrees with the others; a truncated, corrupt or foreign file is an error, never a panic.

use serde::{Deserialize, Serialize};

use super::category::Category;
use super::linear::SoftmaxRegression;
use super::model::{Model, ModelHeader};
use super::tfidf::Vectoriser;

/// The value of the `format` field.
pub const FORMAT_NAME: &str = "triage-classifier";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A model file that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelFormatError {
    /// Not JSON, or JSON cut short.
    #[error("not a valid model file: {0}")]
    NotJson(String),
    /// JSON, but not a triage classifier model.
    #[error("not a triage classifier model (the \"format\" field is {found:?}, expected {FORMAT_NAME:?})")]
    NotAModel {
        /// The `format` field found, if any.
        found: Option<String>,
    },
    /// A model in a format version this build does not read.
    #[error("model format version {found} is not supported (this build reads version {FORMAT_VERSION})")]
    UnsupportedVersion {
        /// The version found.
        found: u64,
    },
    /// The right format and version, but fields missing or of the wrong type.
    #[error("model file is malformed: {0}")]
    Malformed(String),
    /// The tables disagree with each other or hold impossible values.
    #[error("model file is inconsistent: {0}")]
    Inconsistent(String),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    format: String,
    format_version: u32,
    model_id: String,
    trained_at: String,
    text_columns: Vec<String>,
    label_column: String,
    examples: usize,
    categories: Vec<String>,
    vocabulary: Vec<String>,
    idf: Vec<f32>,
    bias: Vec<f32>,
    weights: Vec<Vec<f32>>,
}

impl Model {
    /// The model as a model file.
    pub fn to_json(&self) -> String {
        let classes = self.regression.classes();
        let file = ModelFile {
            format: FORMAT_NAME.to_string(),
            format_version: FORMAT_VERSION,
            model_id: self.header.model_id.clone(),
            trained_at: self.header.trained_at.clone(),
            text_columns: self.header.text_columns.clone(),
            label_column: self.header.label_column.clone(),
            examples: self.header.examples,
            categories: self.header.categories.iter().map(|c| c.as_str().to_string()).collect(),
            vocabulary: self.vectoriser.vocabulary().to_vec(),
            idf: self.vectoriser.idf().to_vec(),
            bias: self.regression.bias().to_vec(),
            weights: self.regression.weights().chunks(classes).map(<[f32]>::to_vec).collect(),
        };
        // A struct of strings and finite numbers always serialises.
        serde_json::to_string(&file).unwrap_or_default()
    }

    /// Loads a model file.
    pub fn from_json(bytes: &[u8]) -> Result<Model, ModelFormatError> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| ModelFormatError::NotJson(e.to_string()))?;
        let field = |name: &str| value.as_object().and_then(|o| o.get(name));
        match field("format") {
            Some(serde_json::Value::String(s)) if s == FORMAT_NAME => {}
            Some(serde_json::Value::String(s)) => return Err(ModelFormatError::NotAModel { found: Some(s.clone()) }),
            Some(other) => return Err(ModelFormatError::NotAModel { found: Some(other.to_string()) }),
            None => return Err(ModelFormatError::NotAModel { found: None }),
        }
        match field("format_version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(found) => return Err(ModelFormatError::UnsupportedVersion { found }),
            None => return Err(ModelFormatError::Malformed("\"format_version\" is missing or not a number".into())),
        }
        let file: ModelFile = serde_json::from_value(value).map_err(|e| ModelFormatError::Malformed(e.to_string()))?;
        let inconsistent = ModelFormatError::Inconsistent;
        let categories = file
            .categories
            .iter()
            .map(|c| c.parse::<Category>().map_err(|e| inconsistent(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let mut distinct = categories.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.len() != categories.len() || categories.len() < 2 {
            return Err(inconsistent("categories must be at least two, each listed once".into()));
        }
        if file.weights.len() != file.vocabulary.len() {
            return Err(inconsistent(format!(
                "{} weight rows for {} vocabulary terms",
                file.weights.len(),
                file.vocabulary.len()
            )));
        }
        if let Some(row) = file.weights.iter().position(|r| r.len() != categories.len()) {
            return Err(inconsistent(format!("weight row {row} does not have one weight per category")));
        }
        let features = file.vocabulary.len();
        let vectoriser = Vectoriser::from_parts(file.vocabulary, file.idf).map_err(|e| inconsistent(e.to_string()))?;
        let weights: Vec<f32> = file.weights.into_iter().flatten().collect();
        let regression = SoftmaxRegression::from_parts(features, weights, file.bias).ok_or_else(|| {
            inconsistent("bias must have one finite value per category, weights must be finite".into())
        })?;
        let header = ModelHeader {
            model_id: file.model_id,
            trained_at: file.trained_at,
            categories,
            text_columns: file.text_columns,
            label_column: file.label_column,
            examples: file.examples,
        };
        Ok(Model { header, vectoriser, regression })
    }
}
