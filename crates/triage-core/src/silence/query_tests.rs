//! Unit tests of states, list order, filters, mutes, GC and the stored form.

use super::set_tests::{NOW, ls, m, post, set, ts};
use super::*;

#[test]
fn state_boundaries_are_inclusive() {
    let sil = Silence {
        id: "x".into(),
        matchers: vec![],
        starts_at: ts("2026-03-01T10:00:00Z"),
        ends_at: ts("2026-03-01T11:00:00Z"),
        updated_at: ts(NOW),
        created_by: String::new(),
        comment: String::new(),
    };
    let ns = SignedDuration::from_nanos(1);
    assert_eq!(sil.state(sil.starts_at - ns), SilenceState::Pending);
    assert_eq!(sil.state(sil.starts_at), SilenceState::Active);
    assert_eq!(sil.state(sil.ends_at), SilenceState::Active);
    assert_eq!(sil.state(sil.ends_at + ns), SilenceState::Expired);
    assert_eq!(sil.next_change(sil.starts_at - ns), Some(sil.starts_at));
    assert_eq!(sil.next_change(sil.starts_at), Some(sil.ends_at + ns));
    assert_eq!(sil.next_change(sil.ends_at), Some(sil.ends_at + ns));
    assert_eq!(sil.next_change(sil.ends_at + ns), None);
}

#[test]
fn list_is_sorted_like_the_api() {
    let mut s = Silences::new();
    let ms = || vec![m("a", "b", false, true)];
    set(&mut s, post(ms(), NOW, "2026-03-01T15:00:00Z"), NOW, "act-late").unwrap();
    set(&mut s, post(ms(), NOW, "2026-03-01T13:00:00Z"), NOW, "act-soon").unwrap();
    set(&mut s, post(ms(), "2026-03-01T18:00:00Z", "2026-03-01T19:00:00Z"), NOW, "pen-late").unwrap();
    set(&mut s, post(ms(), "2026-03-01T16:00:00Z", "2026-03-01T19:00:00Z"), NOW, "pen-soon").unwrap();
    set(&mut s, post(ms(), NOW, "2026-03-01T19:00:00Z"), NOW, "exp-old").unwrap();
    set(&mut s, post(ms(), NOW, "2026-03-01T19:00:00Z"), NOW, "exp-new").unwrap();
    s.expire("exp-old", ts("2026-03-01T12:01:00Z")).unwrap();
    s.expire("exp-new", ts("2026-03-01T12:02:00Z")).unwrap();
    let order: Vec<&str> = s.list(ts("2026-03-01T12:05:00Z")).iter().map(|s| s.id.as_str()).collect();
    assert_eq!(order, ["act-soon", "act-late", "pen-soon", "pen-late", "exp-new", "exp-old"]);
}

#[test]
fn query_keeps_silences_with_an_identical_matcher() {
    let mut s = Silences::new();
    let end = "2026-03-01T13:00:00Z";
    set(&mut s, post(vec![m("a", "b", false, true), m("c", "d", false, true)], NOW, end), NOW, "eq").unwrap();
    set(&mut s, post(vec![m("a", "b", false, false)], NOW, end), NOW, "ne").unwrap();
    set(&mut s, post(vec![m("a", "b|x", true, true)], NOW, end), NOW, "re").unwrap();
    let q = |f: &str| -> Vec<String> {
        let ms = crate::matcher::parse_matchers(f).unwrap();
        s.query(&ms, ts(NOW)).iter().map(|s| s.id.clone()).collect()
    };
    assert_eq!(q(r#"a="b""#), ["eq"]);
    assert_eq!(q(r#"a!="b""#), ["ne"]);
    assert_eq!(q(r#"a=~"b|x""#), ["re"]);
    assert!(q(r#"a=~"b""#).is_empty(), "a filter does not evaluate, it compares");
    assert!(q(r#"a=~".*""#).is_empty());
    assert_eq!(q(r#"a="b",c="d""#), ["eq"]);
    assert_eq!(q("").len(), 3);
}

#[test]
fn mutes_only_active_matching_silences() {
    let mut s = Silences::new();
    let end = "2026-03-01T13:00:00Z";
    set(&mut s, post(vec![m("alertname", "Disk.*", true, true)], NOW, end), NOW, "z-re").unwrap();
    set(
        &mut s,
        post(vec![m("alertname", "DiskFull", false, true), m("env", "prod", false, false)], NOW, end),
        NOW,
        "a-eq",
    )
    .unwrap();
    set(&mut s, post(vec![m("alertname", "DiskFull", false, true)], "2026-03-01T12:30:00Z", end), NOW, "pending")
        .unwrap();
    let now = ts(NOW);
    let disk = ls(&[("alertname", "DiskFull"), ("env", "dev")]);
    assert_eq!(s.mutes(&disk, now), ["a-eq", "z-re"]);
    assert_eq!(s.mutes(&ls(&[("alertname", "DiskFull"), ("env", "prod")]), now), ["z-re"]);
    assert!(s.mutes(&ls(&[("alertname", "CPU")]), now).is_empty());
    // At the next change the pending one starts; a stale cache still answers correctly.
    let t = s.next_change(now).unwrap();
    assert_eq!(t, ts("2026-03-01T12:30:00Z"));
    assert_eq!(s.mutes(&disk, t), ["a-eq", "pending", "z-re"]);
    s.refresh(t);
    assert_eq!(s.mutes(&disk, t), ["a-eq", "pending", "z-re"]);
    let after = ts(end) + SignedDuration::from_nanos(1);
    assert_eq!(s.next_change(t), Some(after));
    assert!(s.mutes(&disk, after).is_empty());
    assert_eq!(s.next_change(after), None);
}

#[test]
fn gc_drops_after_retention() {
    let mut s = Silences::new();
    set(&mut s, post(vec![m("a", "b", false, true)], NOW, "2026-03-01T13:00:00Z"), NOW, "x").unwrap();
    let day = SignedDuration::from_hours(24);
    assert_eq!(s.gc(ts("2026-03-02T12:59:59Z"), day), 0);
    assert_eq!(s.gc(ts("2026-03-02T13:00:00Z"), day), 1);
    assert!(s.is_empty());
}

#[test]
fn from_silences_round_trips_through_serde() {
    let mut s = Silences::new();
    let now = ts("2026-03-01T12:00:00.123456789Z");
    s.set(post(vec![m("a", "b.*", true, false)], NOW, "2026-03-01T13:00:00Z"), now, || "k".into()).unwrap();
    let json = serde_json::to_string(&s.iter().collect::<Vec<_>>()).unwrap();
    let back: Vec<Silence> = serde_json::from_str(&json).unwrap();
    assert_eq!(back[0], *s.get("k").unwrap());
    let restored = Silences::from_silences(back, now);
    assert_eq!(restored.mutes(&ls(&[("a", "x")]), now), ["k"]);
    let bad = json.replace("b.*", "((");
    assert!(serde_json::from_str::<Vec<Silence>>(&bad).unwrap_err().to_string().contains("invalid regular expression"));
}
