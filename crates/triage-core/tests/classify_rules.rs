//! Keyword rules: whole words and phrases only, case-insensitive, explicit precedence.

use triage_core::classify::rules::RuleError;
use triage_core::classify::{Category, KeywordRule, RuleSet};

fn rule(name: &str, category: Category, phrases: &[&str]) -> KeywordRule {
    KeywordRule::new(name, category, phrases).expect("valid rule")
}

#[test]
fn rules_match_whole_words_only() {
    let urgent = rule("urgent", Category::ServiceDown, &["urgent"]);
    assert!(urgent.matches(&["URGENT: CE down"]));
    assert!(urgent.matches(&["this is Urgent"]));
    assert!(!urgent.matches(&["nonurgent request"]));
    assert!(!urgent.matches(&["urgently needed"]));
}

#[test]
fn phrases_match_consecutive_words_in_one_field() {
    let crash = rule("crash looping", Category::Compute, &["crash looping"]);
    assert!(crash.matches(&["KubePodCrashLooping"]));
    assert!(crash.matches(&["pod is crash-looping"]));
    assert!(!crash.matches(&["crash", "looping"]), "a phrase never spans two fields");
    assert!(!crash.matches(&["looping crash"]));
}

#[test]
fn earlier_rules_win_and_less_urgent_is_not_urgent() {
    let rules = RuleSet::new(vec![
        rule("less urgent", Category::Other, &["less urgent"]),
        rule("urgent", Category::ServiceDown, &["urgent"]),
    ]);
    let first = |text: &str| rules.first_match(&[text]).map(|r| r.name().to_string());
    assert_eq!(first("less urgent: please update docs").as_deref(), Some("less urgent"));
    assert_eq!(first("urgent: site down").as_deref(), Some("urgent"));
    assert_eq!(first("nothing to see"), None);
}

#[test]
fn except_phrases_cancel_a_match_inside_them() {
    let urgent = rule("urgent", Category::ServiceDown, &["urgent"]).except(&["less urgent"]).expect("valid");
    assert!(!urgent.matches(&["less urgent ticket"]));
    assert!(urgent.matches(&["urgent ticket"]));
    assert!(urgent.matches(&["less urgent, but this one is urgent"]), "another occurrence still matches");
}

#[test]
fn priority_overrides_declared_order() {
    let rules = RuleSet::new(vec![
        rule("disk", Category::Storage, &["disk"]),
        rule("network", Category::Network, &["network"]).with_priority(10),
    ]);
    let decided = rules.first_match(&["network disk throughput"]).map(|r| r.category());
    assert_eq!(decided, Some(Category::Network));
    let decided = rules.first_match(&["disk full"]).map(|r| r.category());
    assert_eq!(decided, Some(Category::Storage));
}

#[test]
fn phrases_without_words_are_refused() {
    assert!(matches!(KeywordRule::new("empty", Category::Other, &["  --- "]), Err(RuleError::EmptyPhrase { .. })));
    assert!(matches!(KeywordRule::new("none", Category::Other, &[]), Err(RuleError::NoPhrases(_))));
}
