//! The conformance cases (`testdata/go_template/conformance/cases.txt`) against what the real
//! Alertmanager 0.25 sent for them (`expected.json`, recorded by
//! `scripts/go_template/record_goldens.py`). A case Alertmanager refused (`<<ERROR>>`) must
//! fail here too. The few known differences are listed with their reason.

use std::collections::BTreeMap;

use super::{Data, Templates};
use crate::alert::Alert;
use crate::labels::LabelSet;

const CASES: &str = include_str!("../../../../testdata/go_template/conformance/cases.txt");
const EXPECTED: &str = include_str!("../../../../testdata/go_template/conformance/expected.json");

/// Cases whose output differs from Alertmanager 0.25's, and why.
const KNOWN_DIFFERENCES: [(&str, &str); 7] = [
    ("printf_floats", "gotmpl prints %v of 1e21 as 1000000000000000000000, Go as 1e+21"),
    ("printf_q_list", "gotmpl has no %q of a list"),
    (
        "parse_error_bad_action",
        "`{{ x | }}` is refused, as by Go since 1.20; Go 1.19 (Alertmanager 0.25) ignored the empty command",
    ),
    ("index_label", "printf %T names Go types; gotmpl names its own"),
    ("printf_T", "printf %T names Go types; gotmpl names its own"),
    ("print_pairs", "a pair prints as a map (map[Name:.. Value:..]), not as Go's struct {name value}"),
    ("range_int", "range over an integer is Go 1.22; Alertmanager 0.25 was built with Go 1.19"),
];

/// Parses `=== name [html]` blocks.
pub(super) fn cases() -> Vec<(String, bool, String)> {
    CASES
        .split("=== ")
        .skip(1)
        .map(|block| {
            let (head, body) = block.split_once('\n').unwrap_or((block, ""));
            let mut words = head.split_whitespace();
            let name = words.next().unwrap_or_default().to_string();
            let html = words.any(|w| w == "html");
            (name, html, body.strip_suffix('\n').unwrap_or(body).to_string())
        })
        .collect()
}

fn alert(labels: &[(&str, &str)], annotations: &[(&str, &str)], start: &str, end: Option<&str>) -> Alert {
    let gen_url = "http://prometheus.example.org:9090/graph?g0.expr=up&g0.tab=1";
    Alert {
        labels: LabelSet::from_pairs(labels.iter().copied()),
        annotations: LabelSet::from_pairs(annotations.iter().copied()),
        starts_at: start.parse().unwrap(),
        ends_at: end.map(|e| e.parse().unwrap()),
        updated_at: start.parse().unwrap(),
        generator_url: gen_url.to_string(),
        timeout: false,
    }
}

/// The alerts the recording script posts, as one group of `suite`.
pub(super) fn recorded_group(suite: &str, receiver: &str) -> Data {
    let common = [("alertname", "DiskFull"), ("suite", suite), ("job", "node"), ("site", "T2_CH_CERN")];
    let with =
        |extra: &[(&'static str, &'static str)]| -> Vec<(&str, &str)> { common.iter().chain(extra).copied().collect() };
    let alerts = [
        alert(
            &with(&[("instance", "node1:9100"), ("severity", "critical"), ("mountpoint", "/data")]),
            &[
                ("summary", "Disk <full> & \"quoted\" it's"),
                ("description", "Only 3% left"),
                ("runbook_url", "https://runbooks.example.org/disk?x=1&y=2"),
            ],
            "2026-01-02T03:04:05.123456789Z",
            Some("2099-01-01T00:00:00Z"),
        ),
        alert(
            &with(&[("instance", "node2:9100"), ("severity", "warning")]),
            &[("summary", "Disk filling"), ("description", "Only 3% left")],
            "2026-01-02T03:05:00Z",
            None,
        ),
        alert(
            &with(&[("instance", "node3:9100"), ("severity", "warning")]),
            &[("summary", "Disk was full"), ("description", "Only 3% left")],
            "2026-01-02T02:00:00Z",
            Some("2026-01-02T05:00:00.5Z"),
        ),
    ];
    let group = LabelSet::from_pairs([("alertname", "DiskFull"), ("suite", suite)]);
    // The order is scrambled on purpose: the data sorts alerts as Alertmanager does.
    let scrambled = [alerts[2].clone(), alerts[0].clone(), alerts[1].clone()];
    let now = "2026-12-08T01:00:00Z".parse().unwrap();
    Data::new(receiver, &group, &scrambled, "http://alertmanager.example.org:9093", now)
}

#[test]
fn conformance_with_alertmanager_0_25() {
    let expected: BTreeMap<String, String> = serde_json::from_str(EXPECTED).unwrap();
    let templates = Templates::new(&[]).unwrap();
    let data = recorded_group("conformance", "team-x.ops");
    let (mut pass, mut fail) = (0, Vec::new());
    let cases = cases();
    for (name, html, source) in &cases {
        let want = &expected[name];
        let got = if *html { templates.render_html(source, &data) } else { templates.render_text(source, &data) };
        let ok = match (&got, want.as_str()) {
            (Err(_), "<<ERROR>>") => true,
            (Ok(text), want) => text == want,
            _ => false,
        };
        if ok {
            pass += 1;
        } else if !KNOWN_DIFFERENCES.iter().any(|(n, _)| n == name) {
            fail.push(format!("{name}: got {got:?}, Alertmanager: {want:?}"));
        }
    }
    println!("conformance: {pass} of {} cases as Alertmanager 0.25", cases.len());
    assert!(fail.is_empty(), "{} unexpected differences:\n{}", fail.len(), fail.join("\n"));
    assert_eq!(pass + KNOWN_DIFFERENCES.len(), cases.len());
}
