//! What can go wrong parsing or rendering a Go template.

use super::limits::{Limits, MAX_TEMPLATE_DEPTH};

/// A Go template failed to parse or to render.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GoTemplateError {
    /// The source is not a valid template (`file` is the file name, or `""` for a field).
    #[error("template: {file}: {message}")]
    Parse {
        /// The file (or field) the source came from.
        file: String,
        /// What is wrong, with line and column where known.
        message: String,
    },
    /// The source is larger than allowed.
    #[error("template: {file}: source of {size} bytes is larger than the {limit} allowed")]
    SourceTooLarge {
        /// The file (or field) the source came from.
        file: String,
        /// Its size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// Rendering failed (a missing field of `.`, a function's error, an unknown template...).
    #[error("template: {0}")]
    Execute(String),
    /// The rendered text grew past the output limit.
    #[error("template: output larger than {limit} bytes")]
    OutputTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A value built while rendering grew past the value limit.
    #[error("template: value larger than {limit} bytes")]
    ValueTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// `range` loops iterated more often than allowed.
    #[error("template: more than {limit} range iterations")]
    TooManyIterations {
        /// The limit.
        limit: u64,
    },
    /// `template` calls nested deeper than allowed (usually a template calling itself).
    #[error("template: template calls nested deeper than {limit}")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
}

impl GoTemplateError {
    /// Maps an error of the engine to ours.
    pub(crate) fn from_engine(e: gotmpl::TemplateError, limits: &Limits, overflowed: bool) -> GoTemplateError {
        use gotmpl::TemplateError as E;
        if overflowed {
            return GoTemplateError::OutputTooLarge { limit: limits.max_output_bytes };
        }
        match e {
            E::RecursionLimit => GoTemplateError::TooDeep { limit: MAX_TEMPLATE_DEPTH },
            E::RangeIterLimit => GoTemplateError::TooManyIterations { limit: limits.max_range_iterations },
            other => {
                let text = other.to_string();
                if text.contains(&super::limits::value_too_large(limits.max_value_bytes)) {
                    GoTemplateError::ValueTooLarge { limit: limits.max_value_bytes }
                } else {
                    GoTemplateError::Execute(text)
                }
            }
        }
    }
}
