//! Operator feedback on categories, and how it joins a training set.
//!
//! An operator says "this alert is `storage`" or "this alert is noise". Feedback about the
//! same text (same words in the same fields, ignoring case and punctuation) replaces every
//! older label of that text, base examples included: the newest feedback wins. Noise says
//! the text has no useful category, so it removes the text from the training set instead of
//! adding it.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;

use super::category::Category;
use super::dataset::{DatasetError, Example};
use super::model::{Model, TrainError, TrainOptions};
use super::tokenize::words;

/// What an operator said about an alert or ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackLabel {
    /// It belongs in this category.
    Category(Category),
    /// It is noise: no category should be learnt from it.
    Noise,
}

impl std::str::FromStr for FeedbackLabel {
    type Err = super::category::UnknownCategory;

    /// `noise` (any case) or a category name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("noise") {
            Ok(FeedbackLabel::Noise)
        } else {
            s.parse().map(FeedbackLabel::Category)
        }
    }
}

/// One piece of feedback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRecord {
    /// The fingerprint of the alert it was given on, when it was given on an alert.
    pub fingerprint: Option<String>,
    /// The text fields it applies to, in the training set's field order.
    pub fields: Vec<String>,
    /// What was said.
    pub label: FeedbackLabel,
    /// When it was said; later feedback on the same text wins.
    pub at: Timestamp,
}

/// The key under which examples count as "the same text".
fn text_key(fields: &[String]) -> Vec<Vec<String>> {
    fields.iter().map(|f| words(f)).collect()
}

/// The training set `base` with `feedback` applied: for each text with feedback, the newest
/// feedback's category replaces every base label of that text, and noise removes the text.
/// Feedback given at the same instant counts in slice order.
pub fn merge_feedback(base: &[Example], feedback: &[FeedbackRecord]) -> Vec<Example> {
    let mut ordered: Vec<&FeedbackRecord> = feedback.iter().collect();
    ordered.sort_by_key(|f| f.at);
    let mut newest: HashMap<Vec<Vec<String>>, &FeedbackRecord> = HashMap::new();
    let mut first_seen: Vec<Vec<Vec<String>>> = Vec::new();
    for record in ordered {
        let key = text_key(&record.fields);
        if newest.insert(key.clone(), record).is_none() {
            first_seen.push(key);
        }
    }
    let overridden: HashSet<&Vec<Vec<String>>> = newest.keys().collect();
    let mut merged: Vec<Example> =
        base.iter().filter(|e| !overridden.contains(&text_key(&e.fields))).cloned().collect();
    for key in &first_seen {
        if let Some(record) = newest.get(key)
            && let FeedbackLabel::Category(category) = record.label
        {
            merged.push(Example { fields: record.fields.clone(), category });
        }
    }
    merged
}

/// Trains a model on `base` examples with `feedback` merged in ([`merge_feedback`]).
pub fn train_with_feedback(
    base: &[Example],
    feedback: &[FeedbackRecord],
    options: &TrainOptions,
) -> Result<Model, TrainError> {
    Model::train(&merge_feedback(base, feedback), options)
}

/// Reads feedback rows from CSV `bytes` shaped like a training set: the `text_columns`, and
/// `label_column` holding a category or `noise`. An optional `at` column (RFC 3339) orders
/// the rows; without it every row is at the Unix epoch, so file order decides. An optional
/// `fingerprint` column is kept.
pub fn read_feedback_csv(
    bytes: &[u8],
    text_columns: &[String],
    label_column: &str,
) -> Result<Vec<FeedbackRecord>, DatasetError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
    let header = reader.headers().map_err(|e| DatasetError::Malformed { line: 1, message: e.to_string() })?.clone();
    let find = |name: &str| header.iter().position(|h| h.trim() == name);
    let column = |name: &str| {
        find(name).ok_or_else(|| DatasetError::UnknownColumn {
            column: name.to_string(),
            available: header.iter().collect::<Vec<_>>().join(","),
        })
    };
    let text_indices = text_columns.iter().map(|c| column(c)).collect::<Result<Vec<_>, _>>()?;
    let label_index = column(label_column)?;
    let (at_index, fingerprint_index) = (find("at"), find("fingerprint"));
    let mut records = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| DatasetError::Malformed {
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let bad = |message: String| DatasetError::BadValue { line, message };
        let label = row
            .get(label_index)
            .unwrap_or_default()
            .parse::<FeedbackLabel>()
            .map_err(|e| bad(format!("column {label_column:?}: {e} or noise")))?;
        let at = match at_index.and_then(|i| row.get(i)).map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => text.parse::<Timestamp>().map_err(|e| bad(format!("column \"at\": {e}")))?,
            None => Timestamp::UNIX_EPOCH,
        };
        records.push(FeedbackRecord {
            fingerprint: fingerprint_index.and_then(|i| row.get(i)).filter(|s| !s.is_empty()).map(str::to_string),
            fields: text_indices.iter().map(|&i| row.get(i).unwrap_or_default().to_string()).collect(),
            label,
            at,
        });
    }
    Ok(records)
}
