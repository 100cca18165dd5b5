//! Silences: operator-made mutes with a start, an end and label matchers.
//!
//! [`Silences`] is the in-memory collection behind `/api/v2/silences`, with Alertmanager
//! 0.25's rules: how a posted silence is validated, when a change updates a silence in place
//! and when it expires the old one and creates a new id, how `DELETE` expires, how the list
//! is sorted and filtered, and which silences mute an alert. It does no I/O: the shell
//! persists [`Silence`] values (they implement serde) and passes `now` to every call.
//!
//! For [`Silences::mutes`] the collection keeps the silences active at the time of the last
//! change, valid until [`Silences::next_change`]; the shell calls [`Silences::refresh`] at that
//! time (a stale cache is never wrong, only slower: `mutes` then scans every silence).

mod store;
mod wire;

#[cfg(test)]
mod query_tests;
#[cfg(test)]
mod set_tests;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::labels::LabelSet;
use crate::matcher::Matcher;

pub use store::Silences;
pub use wire::{ApiMatcher, GettableSilence, PostableSilence, SilenceStatus};

/// Where a silence stands at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    /// Ended.
    Expired,
    /// Muting now.
    Active,
    /// Not started yet.
    Pending,
}

impl SilenceState {
    /// The API's name: `expired`, `active` or `pending`.
    pub fn as_str(self) -> &'static str {
        match self {
            SilenceState::Expired => "expired",
            SilenceState::Active => "active",
            SilenceState::Pending => "pending",
        }
    }

    /// Position in the API's list order: active, pending, expired.
    pub(crate) fn rank(self) -> u8 {
        match self {
            SilenceState::Active => 1,
            SilenceState::Pending => 2,
            SilenceState::Expired => 3,
        }
    }
}

/// Why a silence could not be set or expired. `Display` is Alertmanager 0.25's response text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SilenceError {
    /// The silence is rejected (HTTP 400); the text is Alertmanager's.
    #[error("{0}")]
    Invalid(String),
    /// No silence has the given id (HTTP 404).
    #[error("silence not found")]
    NotFound,
    /// Expiring a silence that has already ended. Alertmanager 0.25 answers `DELETE` of such a
    /// silence with 200 and changes nothing; so does this collection.
    #[error("silence {0} already expired")]
    AlreadyExpired(String),
}

/// A silence as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Silence {
    /// A UUID chosen when the silence was created.
    pub id: String,
    /// All must match for the silence to apply.
    pub matchers: Vec<Matcher>,
    /// When it starts muting.
    pub starts_at: Timestamp,
    /// When it stops muting (it still mutes at exactly this time).
    pub ends_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// Author.
    pub created_by: String,
    /// Why.
    pub comment: String,
}

impl Silence {
    /// Alertmanager's `getState`: pending before the start, expired after the end, else
    /// active (both bounds included).
    pub fn state(&self, now: Timestamp) -> SilenceState {
        if now < self.starts_at {
            SilenceState::Pending
        } else if now > self.ends_at {
            SilenceState::Expired
        } else {
            SilenceState::Active
        }
    }

    /// Whether every matcher matches `labels` (state is not considered).
    pub fn matches(&self, labels: &LabelSet) -> bool {
        self.matchers.iter().all(|m| m.matches(labels))
    }

    /// The next time after `now` at which [`Silence::state`] changes.
    pub fn next_change(&self, now: Timestamp) -> Option<Timestamp> {
        if now < self.starts_at {
            Some(self.starts_at)
        } else if now <= self.ends_at {
            self.ends_at.checked_add(SignedDuration::from_nanos(1)).ok()
        } else {
            None
        }
    }
}
