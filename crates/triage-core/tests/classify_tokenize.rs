//! The classifier's tokeniser: CamelCase, snake and kebab case, bigrams, what is dropped.

use triage_core::classify::tokenize::{terms, words};

#[test]
fn camel_case_alert_names_split_into_words() {
    assert_eq!(words("KubePodCrashLooping"), ["kube", "pod", "crash", "looping"]);
    assert_eq!(words("FTSTransferFailuresHigh"), ["fts", "transfer", "failures", "high"]);
    assert_eq!(words("HostOutOfDiskSpace"), ["host", "out", "disk", "space"]);
    assert_eq!(words("dCacheDoorDown"), ["dcache", "door", "down"]);
    assert_eq!(words("dCache pool"), ["dcache", "pool"]);
}

#[test]
fn snake_and_kebab_case_split_at_separators() {
    assert_eq!(words("node_filesystem_avail_bytes"), ["node", "filesystem", "avail", "bytes"]);
    assert_eq!(words("cert-manager"), ["cert", "manager"]);
    assert_eq!(words("T2_CH_CERN"), ["t2", "ch", "cern"]);
}

#[test]
fn case_numbers_stop_words_and_templates_are_dropped() {
    assert_eq!(words("The SE is FULL at 95 %"), ["se", "full"]);
    assert_eq!(words("Disk on {{ $labels.instance }} is full"), ["disk", "full"]);
    assert!(words("").is_empty());
    assert!(words("!!! 42 ---").is_empty());
}

#[test]
fn non_ascii_text_does_not_break_the_tokeniser() {
    assert_eq!(words("Überlast ÉCHEC"), ["überlast", "échec"]);
    assert_eq!(words("日本語テキスト"), ["日本語テキスト"]);
}

#[test]
fn terms_are_words_then_bigrams_within_each_field() {
    let t = terms(&["CephOSDDown", "disk failed"]);
    assert_eq!(t, ["ceph", "osd", "down", "disk", "failed", "ceph osd", "osd down", "disk failed"]);
    assert!(!t.contains(&"down disk".to_string()), "no bigram spans two fields");
}
