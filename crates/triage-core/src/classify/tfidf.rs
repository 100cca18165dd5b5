//! TF-IDF vectors over a fixed vocabulary.
//!
//! Term frequency is sub-linear (`1 + ln tf`), inverse document frequency is smoothed
//! (`ln((1 + n) / (1 + df)) + 1`), and every vector is scaled to unit length. Terms outside
//! the vocabulary are ignored.

use std::collections::{BTreeMap, HashMap};

/// A sparse vector: `(feature index, value)` pairs sorted by index.
pub type SparseVector = Vec<(u32, f32)>;

/// A vocabulary with the inverse document frequency of each term.
#[derive(Debug, Clone, PartialEq)]
pub struct Vectoriser {
    vocabulary: Vec<String>,
    idf: Vec<f32>,
    index: HashMap<String, u32>,
}

/// A vectoriser that could not be built from stored parts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VectoriserError {
    /// The vocabulary and the IDF table differ in length.
    #[error("vocabulary has {terms} terms but idf has {idf} values")]
    LengthMismatch {
        /// Terms in the vocabulary.
        terms: usize,
        /// Values in the IDF table.
        idf: usize,
    },
    /// A term appears twice.
    #[error("vocabulary term {0:?} appears twice")]
    DuplicateTerm(String),
    /// An IDF value is not a finite positive number.
    #[error("idf of term {0:?} is not a finite positive number")]
    BadIdf(String),
    /// More terms than a feature index can address.
    #[error("vocabulary has too many terms")]
    TooLarge,
}

impl Vectoriser {
    /// Learns the vocabulary (terms in at least `min_document_frequency` documents, sorted) and
    /// IDF from tokenised documents.
    pub fn fit(documents: &[Vec<String>], min_document_frequency: usize) -> Self {
        let mut document_frequency: BTreeMap<&str, usize> = BTreeMap::new();
        for doc in documents {
            let mut seen: Vec<&str> = doc.iter().map(String::as_str).collect();
            seen.sort_unstable();
            seen.dedup();
            for term in seen {
                *document_frequency.entry(term).or_default() += 1;
            }
        }
        let n = documents.len() as f32;
        let (vocabulary, idf): (Vec<String>, Vec<f32>) = document_frequency
            .into_iter()
            .filter(|(_, df)| *df >= min_document_frequency.max(1))
            .map(|(term, df)| (term.to_string(), ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0))
            .unzip();
        let index = vocabulary.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        Vectoriser { vocabulary, idf, index }
    }

    /// A vectoriser from a stored vocabulary and IDF table.
    pub fn from_parts(vocabulary: Vec<String>, idf: Vec<f32>) -> Result<Self, VectoriserError> {
        if vocabulary.len() != idf.len() {
            return Err(VectoriserError::LengthMismatch { terms: vocabulary.len(), idf: idf.len() });
        }
        if u32::try_from(vocabulary.len()).is_err() {
            return Err(VectoriserError::TooLarge);
        }
        let mut index = HashMap::with_capacity(vocabulary.len());
        for (i, (term, value)) in vocabulary.iter().zip(&idf).enumerate() {
            if !(value.is_finite() && *value > 0.0) {
                return Err(VectoriserError::BadIdf(term.clone()));
            }
            if index.insert(term.clone(), i as u32).is_some() {
                return Err(VectoriserError::DuplicateTerm(term.clone()));
            }
        }
        Ok(Vectoriser { vocabulary, idf, index })
    }

    /// The terms, in feature order.
    pub fn vocabulary(&self) -> &[String] {
        &self.vocabulary
    }

    /// The IDF of each term, in feature order.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// The unit-length TF-IDF vector of a tokenised document (empty when no term is known).
    pub fn transform(&self, terms: &[String]) -> SparseVector {
        let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
        for term in terms {
            if let Some(&i) = self.index.get(term) {
                *counts.entry(i).or_default() += 1;
            }
        }
        let mut vector: SparseVector =
            counts.into_iter().map(|(i, tf)| (i, (1.0 + (tf as f32).ln()) * self.idf[i as usize])).collect();
        let norm = vector.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, v) in &mut vector {
                *v /= norm;
            }
        }
        vector
    }
}
