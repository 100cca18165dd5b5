//! The JSON forms of silences: Alertmanager API v2's `PostableSilence`, `GettableSilence` and
//! `Matcher` (camelCase, times with milliseconds on output), and the lossless stored form that
//! [`Silence`]'s serde implementation uses.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Silence, SilenceState};
use crate::matcher::{MatchOp, Matcher, MatcherError};
use crate::time::{format_millis, parse_time};

/// A matcher as the API writes it: `{"name", "value", "isRegex", "isEqual"}`. `isRegex` is
/// required; `isEqual` defaults to true.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiMatcher {
    /// `false` for `!=` and `!~`.
    #[serde(default = "crate::config::model::default_true", deserialize_with = "null_is_true")]
    pub is_equal: bool,
    /// `true` for `=~` and `!~`.
    pub is_regex: bool,
    /// Label name.
    pub name: String,
    /// Value or unanchored pattern.
    pub value: String,
}

fn null_is_true<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(true))
}

impl ApiMatcher {
    /// The matcher's operator.
    pub fn op(&self) -> MatchOp {
        MatchOp::from_flags(self.is_equal, self.is_regex)
    }

    /// Builds the matcher (compiling a regex).
    pub fn to_matcher(&self) -> Result<Matcher, MatcherError> {
        Matcher::new(self.op(), &self.name, &self.value)
    }
}

impl From<&Matcher> for ApiMatcher {
    fn from(m: &Matcher) -> ApiMatcher {
        ApiMatcher { is_equal: m.is_equal(), is_regex: m.is_regex(), name: m.name.clone(), value: m.value.clone() }
    }
}

/// Go's zero time, which the API reads for `""` and `0001-01-01T00:00:00Z`.
fn go_zero() -> Timestamp {
    Timestamp::from_second(-62_135_596_800).expect("year 1 is in range")
}

/// A required API time: RFC 3339 (a time without offset is UTC); `""` and Go's zero time are
/// kept as year 1, which validation then treats as Alertmanager does.
fn api_time<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let s = String::deserialize(d)?;
    Ok(parse_time(&s).map_err(serde::de::Error::custom)?.unwrap_or_else(go_zero))
}

fn millis<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_millis(Some(*ts)))
}

fn nonempty_matchers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ApiMatcher>, D::Error> {
    let ms = Vec::<ApiMatcher>::deserialize(d)?;
    if ms.is_empty() {
        return Err(serde::de::Error::custom("matchers in body should have at least 1 items"));
    }
    Ok(ms)
}

/// The body of `POST /api/v2/silences`. Every field but `id` is required, as in
/// Alertmanager's OpenAPI spec; an absent or empty `id` creates a silence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableSilence {
    /// The silence to change, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// At least one.
    #[serde(deserialize_with = "nonempty_matchers")]
    pub matchers: Vec<ApiMatcher>,
    /// Start; a time before `now` means now.
    #[serde(deserialize_with = "api_time", serialize_with = "millis")]
    pub starts_at: Timestamp,
    /// End; must be after the start and not before `now`.
    #[serde(deserialize_with = "api_time", serialize_with = "millis")]
    pub ends_at: Timestamp,
    /// Author.
    pub created_by: String,
    /// Why.
    pub comment: String,
}

impl PostableSilence {
    /// The form that re-posts `sil` unchanged (what `amtool silence update` starts from).
    pub fn from_silence(sil: &Silence) -> PostableSilence {
        PostableSilence {
            id: Some(sil.id.clone()),
            matchers: sil.matchers.iter().map(ApiMatcher::from).collect(),
            starts_at: sil.starts_at,
            ends_at: sil.ends_at,
            created_by: sil.created_by.clone(),
            comment: sil.comment.clone(),
        }
    }
}

/// `{"state": "active"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilenceStatus {
    /// The state at the time of the answer.
    pub state: SilenceState,
}

/// A silence as `GET /api/v2/silences` returns it; fields in Alertmanager's order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GettableSilence {
    /// The silence id.
    pub id: String,
    /// State at the time of the answer.
    pub status: SilenceStatus,
    /// Last change.
    #[serde(deserialize_with = "api_time", serialize_with = "millis")]
    pub updated_at: Timestamp,
    /// Why.
    pub comment: String,
    /// Author.
    pub created_by: String,
    /// End.
    #[serde(deserialize_with = "api_time", serialize_with = "millis")]
    pub ends_at: Timestamp,
    /// Matchers as posted.
    pub matchers: Vec<ApiMatcher>,
    /// Start.
    #[serde(deserialize_with = "api_time", serialize_with = "millis")]
    pub starts_at: Timestamp,
}

impl GettableSilence {
    /// The API view of `sil` at `now`.
    pub fn new(sil: &Silence, now: Timestamp) -> GettableSilence {
        GettableSilence {
            id: sil.id.clone(),
            status: SilenceStatus { state: sil.state(now) },
            updated_at: sil.updated_at,
            comment: sil.comment.clone(),
            created_by: sil.created_by.clone(),
            ends_at: sil.ends_at,
            matchers: sil.matchers.iter().map(ApiMatcher::from).collect(),
            starts_at: sil.starts_at,
        }
    }
}

/// The stored form of a [`Silence`]: API matchers and full-precision RFC 3339 times.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredSilence {
    id: String,
    matchers: Vec<ApiMatcher>,
    starts_at: Timestamp,
    ends_at: Timestamp,
    updated_at: Timestamp,
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    comment: String,
}

impl Serialize for Silence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredSilence {
            id: self.id.clone(),
            matchers: self.matchers.iter().map(ApiMatcher::from).collect(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            updated_at: self.updated_at,
            created_by: self.created_by.clone(),
            comment: self.comment.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Silence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Silence, D::Error> {
        let st = StoredSilence::deserialize(d)?;
        let matchers = st
            .matchers
            .iter()
            .map(ApiMatcher::to_matcher)
            .collect::<Result<Vec<_>, _>>()
            .map_err(serde::de::Error::custom)?;
        Ok(Silence {
            id: st.id,
            matchers,
            starts_at: st.starts_at,
            ends_at: st.ends_at,
            updated_at: st.updated_at,
            created_by: st.created_by,
            comment: st.comment,
        })
    }
}
