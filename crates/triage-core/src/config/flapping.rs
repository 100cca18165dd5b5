//! The `flapping` section (triage's own): when an alert that keeps changing state has its
//! notifications held. Off when absent.
//!
//! ```yaml
//! flapping:
//!   changes: 6      # more state changes than this ...
//!   window: 1h      # ... within this window is flapping; held until stable for a window
//! ```

use serde::{Deserialize, Serialize};

use super::duration::PromDuration;

/// The whole `flapping` section.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlappingConfig {
    /// More state changes than this within the window is flapping.
    pub changes: usize,
    /// The window.
    pub window: PromDuration,
}
