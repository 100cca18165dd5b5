//! What a failed request means for the one who sends it: worth retrying (network error,
//! 5xx, 429, optionally not before a delay the server asked for), or not.

use std::time::Duration;

/// Why a delivery failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// Worth trying again (network error, 5xx, 429), optionally not before a delay.
    #[error("{message}")]
    Retryable {
        /// What happened.
        message: String,
        /// A delay the server asked for (Retry-After).
        after: Option<Duration>,
    },
    /// Trying again will not help (4xx, bad configuration).
    #[error("{0}")]
    Permanent(String),
}
