//! Labelled examples: read from CSV bytes, and split into training and held-out parts.

use std::collections::BTreeMap;

use super::category::Category;

/// One labelled document: the text of each of its fields, and its category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The text fields (alert name, description, ticket subject, ...), in a fixed order.
    pub fields: Vec<String>,
    /// The category.
    pub category: Category,
}

impl Example {
    /// An example from its fields and category.
    pub fn new<S: Into<String>>(fields: impl IntoIterator<Item = S>, category: Category) -> Self {
        Example { fields: fields.into_iter().map(Into::into).collect(), category }
    }
}

/// Labelled CSV that could not be read. Lines count from 1, the header being line 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// The header lacks a requested column.
    #[error("line 1: no column {column:?} (columns: {available})")]
    UnknownColumn {
        /// The column asked for.
        column: String,
        /// The header's columns, comma-separated.
        available: String,
    },
    /// The CSV itself is malformed (bad quoting, wrong number of fields, not UTF-8).
    #[error("line {line}: {message}")]
    Malformed {
        /// Where the bad row starts.
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
    /// A row holds a value that is refused (a label that is no category, a bad timestamp).
    #[error("line {line}: {message}")]
    BadValue {
        /// The row's line.
        line: u64,
        /// Why the label was refused.
        message: String,
    },
}

/// Reads labelled rows from CSV `bytes` with a header: the fields are the `text_columns` in
/// the order given, the category is parsed from `label_column`.
pub fn read_labelled_csv(
    bytes: &[u8],
    text_columns: &[String],
    label_column: &str,
) -> Result<Vec<Example>, DatasetError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
    let header = reader.headers().map_err(|e| malformed(&e, 1))?.clone();
    let column = |name: &str| {
        header.iter().position(|h| h.trim() == name.trim()).ok_or_else(|| DatasetError::UnknownColumn {
            column: name.to_string(),
            available: header.iter().collect::<Vec<_>>().join(","),
        })
    };
    let text_indices = text_columns.iter().map(|c| column(c)).collect::<Result<Vec<_>, _>>()?;
    let label_index = column(label_column)?;
    let mut examples = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| malformed(&e, 0))?;
        let line = record.position().map_or(0, |p| p.line());
        let label = record.get(label_index).unwrap_or_default();
        let category = label
            .parse::<Category>()
            .map_err(|e| DatasetError::BadValue { line, message: format!("column {label_column:?}: {e}") })?;
        let fields = text_indices.iter().map(|&i| record.get(i).unwrap_or_default().to_string()).collect();
        examples.push(Example { fields, category });
    }
    Ok(examples)
}

fn malformed(error: &csv::Error, fallback_line: u64) -> DatasetError {
    let line = error.position().map_or(fallback_line, |p| p.line());
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("row has {len} fields, the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "row is not valid UTF-8".to_string(),
        _ => error.to_string(),
    };
    DatasetError::Malformed { line, message }
}

/// Splits `examples` into a training part and a held-out part of about `held_out_percent`
/// percent of each category (at least one example of any category with two or more).
///
/// Which examples are held out depends only on their text, their category and `seed`, not
/// on their order.
pub fn split_held_out(examples: &[Example], held_out_percent: u32, seed: u64) -> (Vec<Example>, Vec<Example>) {
    let mut by_category: BTreeMap<Category, Vec<(u64, &Example)>> = BTreeMap::new();
    for e in examples {
        by_category.entry(e.category).or_default().push((text_hash(seed, e), e));
    }
    let (mut train, mut held_out) = (Vec::new(), Vec::new());
    for (_, mut members) in by_category {
        members.sort_by_key(|(h, e)| (*h, e.fields.clone()));
        let wanted = (members.len() * held_out_percent.min(100) as usize).div_ceil(100);
        let take = if members.len() >= 2 { wanted.clamp(1, members.len() - 1) } else { 0 };
        for (i, (_, e)) in members.into_iter().enumerate() {
            if i < take { held_out.push(e.clone()) } else { train.push(e.clone()) }
        }
    }
    (train, held_out)
}

/// FNV-1a 64 of the seed and the fields.
fn text_hash(seed: u64, example: &Example) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for byte in example.fields.iter().flat_map(|f| f.bytes().chain([0xff])) {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
