//! Unit tests of `Silences::set` and `Silences::expire`: validation, update or replace.
//! The helpers here are shared with `query_tests`.

use super::*;

pub(super) fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub(super) const NOW: &str = "2026-03-01T12:00:00Z";

pub(super) fn m(name: &str, value: &str, is_regex: bool, is_equal: bool) -> ApiMatcher {
    ApiMatcher { is_equal, is_regex, name: name.into(), value: value.into() }
}

pub(super) fn post(ms: Vec<ApiMatcher>, start: &str, end: &str) -> PostableSilence {
    PostableSilence {
        id: None,
        matchers: ms,
        starts_at: ts(start),
        ends_at: ts(end),
        created_by: "me".into(),
        comment: "c".into(),
    }
}

pub(super) fn ls(pairs: &[(&str, &str)]) -> LabelSet {
    LabelSet::from_pairs(pairs.iter().copied())
}

pub(super) fn set(s: &mut Silences, p: PostableSilence, now: &str, id: &str) -> Result<String, SilenceError> {
    s.set(p, ts(now), || id.to_string())
}

#[test]
fn new_silence_starts_now_at_earliest() {
    let mut s = Silences::new();
    let id =
        set(&mut s, post(vec![m("a", "b", false, true)], "2026-03-01T11:00:00Z", "2026-03-01T13:00:00Z"), NOW, "u1")
            .unwrap();
    assert_eq!(id, "u1");
    let sil = s.get("u1").unwrap();
    assert_eq!(sil.starts_at, ts(NOW));
    assert_eq!(sil.updated_at, ts(NOW));
    assert_eq!(sil.state(ts(NOW)), SilenceState::Active);
    // A future start is kept.
    set(&mut s, post(vec![m("a", "b", false, true)], "2026-03-01T14:00:00Z", "2026-03-01T15:00:00Z"), NOW, "u2")
        .unwrap();
    assert_eq!(s.get("u2").unwrap().state(ts(NOW)), SilenceState::Pending);
}

#[test]
fn validation_messages_are_alertmanagers() {
    let (start, end) = ("2026-03-01T11:00:00Z", "2026-03-01T13:00:00Z");
    let cases = [
        (
            post(vec![m("a", "b", false, true)], end, start),
            "Failed to create silence: start time must be before end time",
        ),
        (
            post(vec![m("a", "b", false, true)], end, end),
            "Failed to create silence: start time must be before end time",
        ),
        (
            post(vec![m("a", "b", false, true)], "2026-03-01T10:00:00Z", "2026-03-01T11:59:59Z"),
            "Failed to create silence: end time can't be in the past",
        ),
        (post(vec![], start, end), "silence invalid: at least one matcher required"),
        (
            post(vec![m("a", "", false, true)], start, end),
            "silence invalid: at least one matcher must not match the empty string",
        ),
        (
            post(vec![m("a", "x|", true, true), m("b", "", false, true)], start, end),
            "silence invalid: at least one matcher must not match the empty string",
        ),
        (
            post(vec![m("a", "b", false, true), m("1a", "x", false, true)], start, end),
            "silence invalid: invalid label matcher 1: invalid label name \"1a\"",
        ),
    ];
    for (p, want) in cases {
        let mut s = Silences::new();
        assert_eq!(set(&mut s, p.clone(), NOW, "n").unwrap_err(), SilenceError::Invalid(want.into()), "{p:?}");
        assert!(s.is_empty());
    }
    let mut s = Silences::new();
    let err = set(&mut s, post(vec![m("a", "((", true, true)], start, end), NOW, "n").unwrap_err().to_string();
    assert!(err.starts_with("silence invalid: invalid label matcher 0: invalid regular expression \"((\": "), "{err}");
}

#[test]
fn negative_matchers_alone_are_accepted() {
    // Alertmanager only counts `=` and `=~` as matching the empty string.
    let mut s = Silences::new();
    let (start, end) = ("2026-03-01T11:00:00Z", "2026-03-01T13:00:00Z");
    set(&mut s, post(vec![m("a", "b", false, false)], start, end), NOW, "ne").unwrap();
    set(&mut s, post(vec![m("a", ".*", true, false)], start, end), NOW, "nre").unwrap();
    assert_eq!(s.len(), 2);
}

#[test]
fn end_exactly_now_is_accepted() {
    let mut s = Silences::new();
    set(&mut s, post(vec![m("a", "b", false, true)], "2026-03-01T11:00:00Z", NOW), NOW, "e").unwrap();
    assert_eq!(s.get("e").unwrap().state(ts(NOW)), SilenceState::Active);
}

#[test]
fn unknown_id_is_not_found_and_empty_id_is_new() {
    let mut s = Silences::new();
    let mut p = post(vec![m("a", "b", false, true)], NOW, "2026-03-01T13:00:00Z");
    p.id = Some("nope".into());
    assert_eq!(set(&mut s, p.clone(), NOW, "n"), Err(SilenceError::NotFound));
    assert_eq!(SilenceError::NotFound.to_string(), "silence not found");
    p.id = Some(String::new());
    assert_eq!(set(&mut s, p, NOW, "fresh").unwrap(), "fresh");
}

#[test]
fn active_silence_updates_in_place_when_start_second_is_unchanged() {
    let mut s = Silences::new();
    let now = ts("2026-03-01T12:00:00.123456789Z");
    let id = s
        .set(post(vec![m("a", "b", false, true)], "2026-03-01T11:00:00Z", "2026-03-01T13:00:00Z"), now, || {
            "orig".into()
        })
        .unwrap();
    // Read back through the API (milliseconds), extend, re-post later.
    let mut p = PostableSilence::from_silence(s.get(&id).unwrap());
    p.starts_at = ts("2026-03-01T12:00:00.123Z");
    p.ends_at = ts("2026-03-01T14:00:00Z");
    p.comment = "longer".into();
    let later = ts("2026-03-01T12:30:00Z");
    let got = s.set(p, later, || panic!("no new id expected")).unwrap();
    assert_eq!(got, "orig");
    let sil = s.get("orig").unwrap();
    assert_eq!((sil.ends_at, sil.updated_at, sil.comment.as_str()), (ts("2026-03-01T14:00:00Z"), later, "longer"));
    assert_eq!(sil.starts_at, ts("2026-03-01T12:00:00.123Z"));
    assert_eq!(s.len(), 1);
}

#[test]
fn pending_silence_updates_in_place_with_future_start() {
    let mut s = Silences::new();
    set(&mut s, post(vec![m("a", "b", false, true)], "2026-03-01T14:00:00Z", "2026-03-01T15:00:00Z"), NOW, "p")
        .unwrap();
    let mut p = PostableSilence::from_silence(s.get("p").unwrap());
    p.starts_at = ts("2026-03-01T13:00:00Z");
    assert_eq!(set(&mut s, p, NOW, "other").unwrap(), "p");
    assert_eq!(s.get("p").unwrap().starts_at, ts("2026-03-01T13:00:00Z"));
    // A start in the past cannot be an update: the pending one is expired and replaced.
    let mut p = PostableSilence::from_silence(s.get("p").unwrap());
    p.starts_at = ts("2026-03-01T11:00:00Z");
    assert_eq!(set(&mut s, p, NOW, "q").unwrap(), "q");
    let old = s.get("p").unwrap();
    assert_eq!((old.starts_at, old.ends_at), (ts(NOW), ts(NOW)));
    assert_eq!(s.get("q").unwrap().starts_at, ts(NOW));
}

#[test]
fn changed_matchers_expire_and_replace() {
    let mut s = Silences::new();
    set(&mut s, post(vec![m("a", "b", false, true)], NOW, "2026-03-01T13:00:00Z"), NOW, "old").unwrap();
    let later = "2026-03-01T12:10:00Z";
    let mut p = PostableSilence::from_silence(s.get("old").unwrap());
    p.matchers.push(m("c", "d", false, true));
    assert_eq!(set(&mut s, p, later, "new").unwrap(), "new");
    let old = s.get("old").unwrap();
    assert_eq!((old.ends_at, old.updated_at), (ts(later), ts(later)));
    assert_eq!(old.state(ts("2026-03-01T12:10:01Z")), SilenceState::Expired);
    assert_eq!(s.get("new").unwrap().matchers.len(), 2);
    // Moving an active silence's start to another second also replaces it.
    let mut p = PostableSilence::from_silence(s.get("new").unwrap());
    p.starts_at = ts("2026-03-01T12:20:00Z");
    assert_eq!(set(&mut s, p, "2026-03-01T12:15:00Z", "newer").unwrap(), "newer");
    assert_eq!(s.get("new").unwrap().ends_at, ts("2026-03-01T12:15:00Z"));
}

#[test]
fn posting_an_expired_silence_creates_a_new_one_and_leaves_the_old() {
    let mut s = Silences::new();
    set(&mut s, post(vec![m("a", "b", false, true)], NOW, "2026-03-01T13:00:00Z"), NOW, "gone").unwrap();
    s.expire("gone", ts("2026-03-01T12:01:00Z")).unwrap();
    let before = s.get("gone").unwrap().clone();
    let mut p = PostableSilence::from_silence(&before);
    p.starts_at = ts("2026-03-01T12:05:00Z");
    p.ends_at = ts("2026-03-01T14:00:00Z");
    assert_eq!(set(&mut s, p, "2026-03-01T12:05:00Z", "again").unwrap(), "again");
    assert_eq!(s.get("gone").unwrap(), &before);
}

#[test]
fn expire_active_pending_and_expired() {
    let mut s = Silences::new();
    set(&mut s, post(vec![m("a", "b", false, true)], NOW, "2026-03-01T13:00:00Z"), NOW, "act").unwrap();
    set(&mut s, post(vec![m("a", "b", false, true)], "2026-03-01T14:00:00Z", "2026-03-01T15:00:00Z"), NOW, "pen")
        .unwrap();
    let t = ts("2026-03-01T12:30:00Z");
    s.expire("act", t).unwrap();
    s.expire("pen", t).unwrap();
    let act = s.get("act").unwrap();
    assert_eq!((act.starts_at, act.ends_at, act.updated_at), (ts(NOW), t, t));
    let pen = s.get("pen").unwrap();
    assert_eq!((pen.starts_at, pen.ends_at), (t, t));
    let after = ts("2026-03-01T12:31:00Z");
    let err = s.expire("act", after).unwrap_err();
    assert_eq!(err, SilenceError::AlreadyExpired("act".into()));
    assert_eq!(err.to_string(), "silence act already expired");
    assert_eq!(s.get("act").unwrap().updated_at, t, "no change on a second expire");
    assert_eq!(s.expire("nope", after), Err(SilenceError::NotFound));
}
