//! The `classification` section (triage's own): which model sorts alerts into categories.
//!
//! Without this section notified alerts are not classified (their payloads stay exactly
//! Alertmanager's); `classification: {}` turns it on with the default model.
//!
//! ```yaml
//! classification:
//!   model_file: /var/lib/triage/model.json   # written by `triage train`; the default model when absent
//!   threshold: 0.25                          # below this confidence the category is `other`
//! ```

use serde::{Deserialize, Serialize};

/// The whole `classification` section.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClassificationConfig {
    /// Off: notifications carry no category (default on when the section is present; without
    /// the section nothing is classified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// A model written by `triage train`, reloaded when the file changes; a file that cannot
    /// be read leaves the previous model in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_file: Option<String>,
    /// The confidence below which the category is `other` (default 0.25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}
