//! Silences and inhibition through the public API: the API v2 JSON forms (good and
//! malformed), a silence's life on a fake clock, and the indexed inhibitor checked against a
//! direct transcription of Alertmanager's scan on random alert sets.

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use triage_core::inhibit::{InhibitRule, Inhibitor};
use triage_core::matcher::{all_match, parse_matchers};
use triage_core::silence::{GettableSilence, PostableSilence, SilenceError, SilenceState, Silences};
use triage_core::{Alert, Fingerprint, LabelSet};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

const BODY: &str = r#"{"matchers":[{"name":"alertname","value":"Disk.*","isRegex":true},
  {"name":"env","value":"prod","isRegex":false,"isEqual":false}],
  "startsAt":"2026-03-01T11:00:00Z","endsAt":"2026-03-01T13:00:00.5Z","createdBy":"ops","comment":"maintenance"}"#;

#[test]
fn postable_json_defaults_is_equal_to_true() {
    let p: PostableSilence = serde_json::from_str(BODY).unwrap();
    assert_eq!(p.id, None);
    assert!(p.matchers[0].is_equal && p.matchers[0].is_regex);
    assert!(!p.matchers[1].is_equal && !p.matchers[1].is_regex);
    assert_eq!(p.matchers[1].to_matcher().unwrap().to_string(), r#"env!="prod""#);
    assert_eq!(p.ends_at, ts("2026-03-01T13:00:00.5Z"));
    let back: PostableSilence = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
}

#[test]
fn malformed_postable_json_gives_clear_errors() {
    let cases = [
        (BODY.replace(r#""value":"prod""#, r#""value":1"#), "invalid type: integer `1`, expected a string"),
        (BODY.replace(r#","isRegex":false"#, ""), "missing field `isRegex`"),
        (BODY.replace(r#""isRegex":true"#, r#""isRegex":"yes""#), "invalid type: string \"yes\", expected a boolean"),
        (r#"{"startsAt":"2026-03-01T11:00:00Z","endsAt":"2026-03-01T13:00:00Z","createdBy":"a","comment":"b"}"#.to_string(), "missing field `matchers`"),
        (
            r#"{"matchers":[],"startsAt":"2026-03-01T11:00:00Z","endsAt":"2026-03-01T13:00:00Z","createdBy":"a","comment":"b"}"#.to_string(),
            "matchers in body should have at least 1 items",
        ),
        (BODY.replace(r#","comment":"maintenance""#, ""), "missing field `comment`"),
        (BODY.replace("2026-03-01T11:00:00Z", "yesterday"), "invalid time \"yesterday\""),
        (BODY.replace(r#""matchers":["#, r#""matchers":{"a":1},"x":["#), "invalid type: map, expected a sequence"),
    ];
    for (json, want) in cases {
        let err = serde_json::from_str::<PostableSilence>(&json).unwrap_err().to_string();
        assert!(err.contains(want), "{json}\n=> {err}\nwanted {want}");
    }
}

#[test]
fn invalid_regex_is_rejected_on_set() {
    let p: PostableSilence = serde_json::from_str(&BODY.replace("Disk.*", "Disk(")).unwrap();
    let err = Silences::new().set(p, ts("2026-03-01T12:00:00Z"), || "x".into()).unwrap_err();
    let SilenceError::Invalid(msg) = err else { panic!("{err:?}") };
    assert!(
        msg.starts_with(r#"silence invalid: invalid label matcher 0: invalid regular expression "Disk(": "#),
        "{msg}"
    );
}

#[test]
fn go_zero_start_means_now() {
    let p: PostableSilence =
        serde_json::from_str(&BODY.replace("2026-03-01T11:00:00Z", "0001-01-01T00:00:00Z")).unwrap();
    let mut s = Silences::new();
    let now = ts("2026-03-01T12:00:00Z");
    let id = s.set(p, now, || "z".into()).unwrap();
    assert_eq!(s.get(&id).unwrap().starts_at, now);
    // A zero end can never be after the start.
    let p: PostableSilence = serde_json::from_str(&BODY.replace("2026-03-01T13:00:00.5Z", "")).unwrap();
    let err = s.set(p, now, || "y".into()).unwrap_err();
    assert_eq!(err.to_string(), "Failed to create silence: start time must be before end time");
}

#[test]
fn gettable_json_is_alertmanagers_shape() {
    let mut s = Silences::new();
    let now = ts("2026-03-01T12:00:00.123456Z");
    let p: PostableSilence = serde_json::from_str(BODY).unwrap();
    let id = s.set(p, now, || "6f8b0fc9-1322-4325-87ac-6484dcaa181b".into()).unwrap();
    let g = GettableSilence::new(s.get(&id).unwrap(), now);
    let json = serde_json::to_string(&g).unwrap();
    assert_eq!(
        json,
        r#"{"id":"6f8b0fc9-1322-4325-87ac-6484dcaa181b","status":{"state":"active"},"updatedAt":"2026-03-01T12:00:00.123Z","comment":"maintenance","createdBy":"ops","endsAt":"2026-03-01T13:00:00.500Z","matchers":[{"isEqual":true,"isRegex":true,"name":"alertname","value":"Disk.*"},{"isEqual":false,"isRegex":false,"name":"env","value":"prod"}],"startsAt":"2026-03-01T12:00:00.123Z"}"#
    );
    let back: GettableSilence = serde_json::from_str(&json).unwrap();
    assert_eq!(back.status.state, SilenceState::Active);
    assert_eq!(back.ends_at, ts("2026-03-01T13:00:00.5Z"));
    assert!(serde_json::from_str::<GettableSilence>(&json.replace("active", "muted")).is_err());
}

#[test]
fn silence_life_on_a_fake_clock() {
    let mut s = Silences::new();
    let body = BODY.replace("2026-03-01T11:00:00Z", "2026-03-01T12:10:00Z");
    let t0 = ts("2026-03-01T12:00:00Z");
    let id = s.set(serde_json::from_str(&body).unwrap(), t0, || "sil".into()).unwrap();
    let disk = LabelSet::from_pairs([("alertname", "DiskFull"), ("env", "dev")]);
    let mut now = t0;
    let mut seen = Vec::new();
    // Drive the clock from change to change, as the shell does.
    loop {
        s.refresh(now);
        seen.push((now, s.get(&id).unwrap().state(now), s.mutes(&disk, now).len()));
        match s.next_change(now) {
            Some(t) => now = t,
            None => break,
        }
    }
    let end_plus = ts("2026-03-01T13:00:00.5Z") + SignedDuration::from_nanos(1);
    assert_eq!(
        seen,
        [
            (t0, SilenceState::Pending, 0),
            (ts("2026-03-01T12:10:00Z"), SilenceState::Active, 1),
            (end_plus, SilenceState::Expired, 0),
        ]
    );
    assert_eq!(s.expire(&id, now), Err(SilenceError::AlreadyExpired("sil".into())));
    assert_eq!(s.gc(now, SignedDuration::ZERO), 1);
}

#[test]
fn amtool_import_posts_one_by_one_with_empty_ids() {
    let mut s = Silences::new();
    let now = ts("2026-03-01T12:00:00Z");
    let mut n = 0;
    for name in ["a", "b", "c"] {
        let body = BODY.replace("alertname", name).replacen('{', r#"{"id":"","#, 1);
        let p: PostableSilence = serde_json::from_str(&body).unwrap();
        assert_eq!(p.id.as_deref(), Some(""));
        s.set(p, now, || {
            n += 1;
            format!("new-{n}")
        })
        .unwrap();
    }
    assert_eq!(s.list(now).len(), 3);
}

// ---- inhibition against a direct transcription of Alertmanager's scan ----

/// Alertmanager's `Mutes`/`hasEqual`, over every alert, choosing the lowest fingerprint.
fn naive(rules: &[InhibitRule], alerts: &[Alert], labels: &LabelSet, now: Timestamp) -> Option<Fingerprint> {
    for r in rules {
        if !all_match(&r.target, labels) {
            continue;
        }
        let exclude = all_match(&r.source, labels);
        let best = alerts
            .iter()
            .filter(|a| all_match(&r.source, &a.labels))
            .filter(|a| !a.resolved_at(now))
            .filter(|a| r.equal.iter().all(|n| a.labels.value(n) == labels.value(n)))
            .filter(|a| !(exclude && all_match(&r.target, &a.labels)))
            .map(Alert::fingerprint)
            .min();
        if best.is_some() {
            return best;
        }
    }
    None
}

fn labels_strategy() -> impl Strategy<Value = LabelSet> {
    let value = prop_oneof![Just(None), Just(Some("x")), Just(Some("y"))];
    (value.clone(), value.clone(), value.clone(), value).prop_map(|(sev, node, zone, id)| {
        let mut pairs = Vec::new();
        for (n, v) in [("severity", sev), ("node", node), ("zone", zone), ("id", id)] {
            if let Some(v) = v {
                pairs.push((n, if n == "severity" && v == "x" { "critical" } else { v }));
            }
        }
        LabelSet::from_pairs(pairs)
    })
}

fn alert_strategy() -> impl Strategy<Value = Alert> {
    (labels_strategy(), prop_oneof![Just(None), (0i64..4).prop_map(Some)]).prop_map(|(labels, end)| Alert {
        labels,
        annotations: LabelSet::new(),
        starts_at: Timestamp::UNIX_EPOCH,
        ends_at: end.map(|h| Timestamp::UNIX_EPOCH + SignedDuration::from_hours(h)),
        updated_at: Timestamp::UNIX_EPOCH,
        generator_url: String::new(),
        timeout: false,
    })
}

fn rules() -> Vec<InhibitRule> {
    let r = |s: &str, t: &str, eq: &[&str]| InhibitRule {
        source: parse_matchers(s).unwrap(),
        target: parse_matchers(t).unwrap(),
        equal: eq.iter().map(|e| e.to_string()).collect(),
    };
    vec![
        r("severity=critical", "severity=y", &["node"]),
        r("node=~x|y", "node=~.+", &["zone", "zone"]),
        r("zone=x", "id!=x", &[]),
        r(r#"severity="""#, "severity=~.*", &["node", "id"]),
    ]
}

proptest! {
    #[test]
    fn indexed_inhibitor_agrees_with_scan(
        alerts in proptest::collection::vec(alert_strategy(), 0..24),
        probes in proptest::collection::vec(labels_strategy(), 1..12),
        hour in 0i64..5,
        removed in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let now = Timestamp::UNIX_EPOCH + SignedDuration::from_hours(hour);
        // Alerts are keyed by fingerprint in the shell: the last copy of a label set wins.
        let mut held: Vec<Alert> = Vec::new();
        for a in &alerts {
            held.retain(|h| h.labels != a.labels);
            held.push(a.clone());
        }
        let mut ih = Inhibitor::new(rules());
        for a in &alerts {
            ih.upsert(a);
        }
        for idx in &removed {
            if !held.is_empty() {
                let gone = held.remove(idx.index(held.len()));
                ih.remove(gone.fingerprint());
            }
        }
        for p in probes.iter().chain(held.iter().map(|a| &a.labels)) {
            prop_assert_eq!(ih.mutes(p, now), naive(&rules(), &held, p, now), "probe {:?}", p);
        }
        let mut rebuilt = Inhibitor::new(rules());
        rebuilt.rebuild(&held);
        for p in &probes {
            prop_assert_eq!(rebuilt.mutes(p, now), ih.mutes(p, now));
        }
    }
}
