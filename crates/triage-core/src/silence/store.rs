//! The silence collection: Alertmanager 0.25's `Silences.Set`, `Expire`, `GC`, the API's
//! list order and filter, and the active-silence cache behind [`Silences::mutes`].

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::{ApiMatcher, PostableSilence, Silence, SilenceError, SilenceState};
use crate::labels::{LabelSet, is_valid_label_name};
use crate::matcher::{MatchOp, Matcher, MatcherError};
use crate::quote::go_quote;

/// An active silence prepared for matching: cheap matchers first.
#[derive(Clone, Debug)]
struct ActiveEntry {
    id: String,
    matchers: Vec<Matcher>,
}

/// The silences active during `[from, until)`.
#[derive(Clone, Debug)]
struct ActiveCache {
    from: Timestamp,
    until: Option<Timestamp>,
    entries: Vec<ActiveEntry>,
}

impl ActiveCache {
    fn valid_at(&self, now: Timestamp) -> bool {
        self.from <= now && self.until.is_none_or(|u| now < u)
    }
}

/// The silence collection.
#[derive(Clone, Debug)]
pub struct Silences {
    by_id: BTreeMap<String, Silence>,
    active: ActiveCache,
}

impl Default for Silences {
    fn default() -> Self {
        Silences::new()
    }
}

impl Silences {
    /// An empty collection.
    pub fn new() -> Silences {
        Silences {
            by_id: BTreeMap::new(),
            active: ActiveCache { from: Timestamp::MIN, until: None, entries: Vec::new() },
        }
    }

    /// A collection holding stored silences (as the shell loads them), prepared for `now`.
    pub fn from_silences(silences: impl IntoIterator<Item = Silence>, now: Timestamp) -> Silences {
        let mut s = Silences::new();
        s.by_id = silences.into_iter().map(|sil| (sil.id.clone(), sil)).collect();
        s.refresh(now);
        s
    }

    /// Number of silences, expired ones included.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there are no silences.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Every silence, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Silence> {
        self.by_id.values()
    }

    /// The silence with this id.
    pub fn get(&self, id: &str) -> Option<&Silence> {
        self.by_id.get(id)
    }

    /// Creates or changes a silence as `POST /api/v2/silences` does, returning its id.
    ///
    /// A posted id that is absent or `""` creates a silence; an unknown id is
    /// [`SilenceError::NotFound`]. A known silence is updated in place when the matchers are
    /// unchanged and the times allow it (Alertmanager's `canUpdate`); otherwise it is expired
    /// (unless already expired) and a new silence with a new id from `new_id` replaces it. A
    /// new silence never starts before `now`. To persist a change, store `get(id)` for the
    /// returned id and for the posted one.
    pub fn set(
        &mut self,
        posted: PostableSilence,
        now: Timestamp,
        new_id: impl FnOnce() -> String,
    ) -> Result<String, SilenceError> {
        let PostableSilence { id, matchers, starts_at, ends_at, created_by, comment } = posted;
        if starts_at >= ends_at {
            return Err(invalid_api("start time must be before end time"));
        }
        if ends_at < now {
            return Err(invalid_api("end time can't be in the past"));
        }
        let id = id.filter(|i| !i.is_empty());
        if let Some(id) = &id
            && !self.by_id.contains_key(id)
        {
            return Err(SilenceError::NotFound);
        }
        let matchers = validate_matchers(&matchers)?;
        let mut sil = Silence { id: String::new(), matchers, starts_at, ends_at, updated_at: now, created_by, comment };

        if let Some(prev_id) = id {
            let prev = &self.by_id[&prev_id];
            if can_update(prev, &sil, now) {
                sil.id = prev_id.clone();
                self.by_id.insert(prev_id.clone(), sil);
                self.refresh(now);
                return Ok(prev_id);
            }
            if prev.state(now) != SilenceState::Expired {
                self.expire_at(&prev_id, now)?;
            }
        }
        sil.id = new_id();
        if sil.starts_at < now {
            sil.starts_at = now;
        }
        let id = sil.id.clone();
        self.by_id.insert(id.clone(), sil);
        self.refresh(now);
        Ok(id)
    }

    /// Expires a silence now, as `DELETE /api/v2/silence/{id}` does: an active one ends at
    /// `now`, a pending one starts and ends at `now`.
    pub fn expire(&mut self, id: &str, now: Timestamp) -> Result<(), SilenceError> {
        self.expire_at(id, now)?;
        self.refresh(now);
        Ok(())
    }

    fn expire_at(&mut self, id: &str, now: Timestamp) -> Result<(), SilenceError> {
        let sil = self.by_id.get_mut(id).ok_or(SilenceError::NotFound)?;
        match sil.state(now) {
            SilenceState::Expired => return Err(SilenceError::AlreadyExpired(id.to_string())),
            SilenceState::Active => sil.ends_at = now,
            SilenceState::Pending => {
                sil.starts_at = now;
                sil.ends_at = now;
            }
        }
        sil.updated_at = now;
        Ok(())
    }

    /// Every silence in the API's order (`SortSilences`): active ones by soonest end, then
    /// pending ones by soonest start, then expired ones by latest end; ties by id.
    pub fn list(&self, now: Timestamp) -> Vec<&Silence> {
        let mut out: Vec<&Silence> = self.by_id.values().collect();
        sort_silences(&mut out, now);
        out
    }

    /// The silences kept by `GET /api/v2/silences?filter=...`, in list order: for every filter
    /// matcher the silence has a matcher with the same name, operator and value.
    pub fn query(&self, filter: &[Matcher], now: Timestamp) -> Vec<&Silence> {
        let mut out: Vec<&Silence> =
            self.by_id.values().filter(|s| filter.iter().all(|f| s.matchers.contains(f))).collect();
        sort_silences(&mut out, now);
        out
    }

    /// Ids (sorted) of the silences active at `now` whose matchers all match `labels`.
    pub fn mutes(&self, labels: &LabelSet, now: Timestamp) -> Vec<String> {
        if self.active.valid_at(now) {
            return self
                .active
                .entries
                .iter()
                .filter(|e| e.matchers.iter().all(|m| m.matches(labels)))
                .map(|e| e.id.clone())
                .collect();
        }
        self.by_id
            .values()
            .filter(|s| s.state(now) == SilenceState::Active && s.matches(labels))
            .map(|s| s.id.clone())
            .collect()
    }

    /// The next time after `now` at which a silence starts or ends (the first instant it is
    /// active, or the first instant after its end): when the shell should re-evaluate mutes.
    pub fn next_change(&self, now: Timestamp) -> Option<Timestamp> {
        self.by_id.values().filter_map(|s| s.next_change(now)).min()
    }

    /// Recomputes the set of active silences for `now`. Every change refreshes it; the shell
    /// calls this at [`Silences::next_change`].
    pub fn refresh(&mut self, now: Timestamp) {
        let entries = self
            .by_id
            .values()
            .filter(|s| s.state(now) == SilenceState::Active)
            .map(|s| {
                let mut matchers = s.matchers.clone();
                matchers.sort_by_key(|m| m.is_regex());
                ActiveEntry { id: s.id.clone(), matchers }
            })
            .collect();
        self.active = ActiveCache { from: now, until: self.next_change(now), entries };
    }

    /// Drops silences that ended `retention` or longer ago, returning how many.
    pub fn gc(&mut self, now: Timestamp, retention: SignedDuration) -> usize {
        let before = self.by_id.len();
        self.by_id.retain(|_, s| s.ends_at.saturating_add(retention).is_ok_and(|exp| exp > now));
        let removed = before - self.by_id.len();
        if removed > 0 {
            self.refresh(now);
        }
        removed
    }
}

fn invalid_api(msg: &str) -> SilenceError {
    SilenceError::Invalid(format!("Failed to create silence: {msg}"))
}

fn invalid_silence(msg: String) -> SilenceError {
    SilenceError::Invalid(format!("silence invalid: {msg}"))
}

/// Alertmanager's `validateSilence` for the matchers, building them on the way.
fn validate_matchers(api: &[ApiMatcher]) -> Result<Vec<Matcher>, SilenceError> {
    if api.is_empty() {
        return Err(invalid_silence("at least one matcher required".to_string()));
    }
    let mut out = Vec::with_capacity(api.len());
    let mut all_match_empty = true;
    for (i, m) in api.iter().enumerate() {
        if !is_valid_label_name(&m.name) {
            return Err(invalid_silence(format!(
                "invalid label matcher {i}: invalid label name {}",
                go_quote(&m.name)
            )));
        }
        let matcher = m.to_matcher().map_err(|e| match e {
            MatcherError::InvalidRegex { value, reason } => invalid_silence(format!(
                "invalid label matcher {i}: invalid regular expression {}: {reason}",
                go_quote(&value)
            )),
            other => invalid_silence(format!("invalid label matcher {i}: {other}")),
        })?;
        // Only `=` and `=~` count as matching the empty string, as in Alertmanager.
        let matches_empty = matches!(matcher.op, MatchOp::Equal | MatchOp::Regexp) && matcher.matches_value("");
        all_match_empty &= matches_empty;
        out.push(matcher);
    }
    if all_match_empty {
        return Err(invalid_silence("at least one matcher must not match the empty string".to_string()));
    }
    Ok(out)
}

/// Alertmanager's `canUpdate`: whether `prev` may become `next` without rewriting history.
/// Start times are compared to the second, as Alertmanager does (`Unix()`), so a start read
/// back from the API with milliseconds still counts as unchanged.
fn can_update(prev: &Silence, next: &Silence, now: Timestamp) -> bool {
    if prev.matchers != next.matchers {
        return false;
    }
    match prev.state(now) {
        SilenceState::Active => next.starts_at.as_second() == prev.starts_at.as_second() && next.ends_at >= now,
        SilenceState::Pending => next.starts_at >= now,
        SilenceState::Expired => false,
    }
}

fn sort_silences(sils: &mut [&Silence], now: Timestamp) {
    sils.sort_by(|a, b| {
        let (sa, sb) = (a.state(now), b.state(now));
        sa.rank()
            .cmp(&sb.rank())
            .then_with(|| match sa {
                SilenceState::Active => a.ends_at.cmp(&b.ends_at),
                SilenceState::Pending => a.starts_at.cmp(&b.starts_at),
                SilenceState::Expired => b.ends_at.cmp(&a.ends_at),
            })
            .then_with(|| a.id.cmp(&b.id))
    });
}
