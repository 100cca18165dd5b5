//! `triage anomaly score` and `triage anomaly bench`, run as the built binary.

use std::path::Path;
use std::process::{Command, Output};

fn triage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_triage")).args(args).output().expect("run triage")
}

fn score_file(path: &Path) -> Output {
    triage(&["anomaly", "score", "--csv", path.to_str().expect("utf-8 path")])
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

/// A NAB-style series: 5-minute samples of a noisy level, with a spike at row `spike`.
fn series_csv(rows: usize, spike: usize) -> String {
    let mut text = String::from("timestamp,value\n");
    let start = 1_400_000_000i64;
    for i in 0..rows {
        let t = jiff::Timestamp::from_second(start + 300 * i as i64).expect("timestamp");
        let value = if i == spike { 500.0 } else { 10.0 + ((i * 7919) % 13) as f64 / 13.0 };
        text.push_str(&format!("{},{value}\n", t.strftime("%Y-%m-%d %H:%M:%S")));
    }
    text
}

#[test]
fn scores_a_csv_row_by_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "series.csv", series_csv(600, 500).as_bytes());
    let out = score_file(&path);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "timestamp,value,anomaly_score");
    assert_eq!(lines.len(), 601);
    let scores: Vec<f64> =
        lines[1..].iter().map(|l| l.rsplit(',').next().expect("score").parse().expect("number")).collect();
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
    assert!(scores[500] > 0.9, "spike scored {}", scores[500]);
    assert!(scores[300..500].iter().all(|&s| s < 0.9));
    // Input is echoed as written.
    assert!(lines[501].starts_with(&series_csv(600, 500).lines().nth(501).expect("row")[..19]));
}

#[test]
fn accepts_rfc3339_and_unix_seconds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "mixed.csv", b"timestamp,value\n2014-04-10T07:15:00Z,1\n1397114400,2\r\n");
    let out = score_file(&path);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
}

fn assert_rejected(bytes: &[u8], expected_in_message: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "bad.csv", bytes);
    let out = score_file(&path);
    assert!(!out.status.success(), "accepted {:?}", String::from_utf8_lossy(bytes));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.csv"), "no file name in {stderr}");
    assert!(stderr.contains(expected_in_message), "expected {expected_in_message:?} in {stderr}");
}

#[test]
fn missing_header_is_an_error() {
    assert_rejected(b"2014-04-10 07:15:00,1\n", "bad.csv:1");
}

#[test]
fn non_numeric_value_is_an_error_naming_the_line() {
    assert_rejected(b"timestamp,value\n2014-04-10 07:15:00,1\n2014-04-10 07:20:00,abc\n", "bad.csv:3: value");
}

#[test]
fn truncated_line_is_an_error() {
    assert_rejected(b"timestamp,value\n2014-04-10 07:15:00,1\n2014-04-10 07:2", "bad.csv:3");
    assert_rejected(b"timestamp,value\n2014-04-10 07:15:00,1\n2014-04-10 07:20:00\n", "bad.csv:3: expected 2 fields");
}

#[test]
fn non_utf8_is_an_error() {
    assert_rejected(b"timestamp,value\n2014-04-10 07:15:00,\xff\xfe\n", "bad.csv:2: not valid UTF-8");
}

#[test]
fn empty_file_is_an_error() {
    assert_rejected(b"", "empty file");
}

#[test]
fn oversized_line_is_an_error() {
    let mut bytes = b"timestamp,value\n2014-04-10 07:15:00,".to_vec();
    bytes.extend(std::iter::repeat_n(b'1', 100_000));
    bytes.push(b'\n');
    assert_rejected(&bytes, "bad.csv:2: line longer than");
}

#[test]
fn missing_file_is_an_error() {
    let out = triage(&["anomaly", "score", "--csv", "/nonexistent/triage-anomaly.csv"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("triage-anomaly.csv"));
}

#[test]
fn bench_scores_a_tiny_nab_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("data/family")).expect("mkdir");
    std::fs::create_dir_all(root.join("labels")).expect("mkdir");
    std::fs::create_dir_all(root.join("config")).expect("mkdir");
    write(&root.join("data/family"), "spiky.csv", series_csv(1000, 700).as_bytes());
    write(&root.join("data/family"), "quiet.csv", series_csv(1000, usize::MAX).as_bytes());
    // The window covers the spike (rows 690..=720); a label for an absent file is ignored.
    let at = |row: i64| {
        jiff::Timestamp::from_second(1_400_000_000 + 300 * row)
            .expect("ts")
            .strftime("%Y-%m-%d %H:%M:%S.000000")
            .to_string()
    };
    let windows = format!(
        r#"{{"family/spiky.csv": [["{}", "{}"]], "family/quiet.csv": [], "other/absent.csv": [["{}", "{}"]]}}"#,
        at(690),
        at(720),
        at(10),
        at(20)
    );
    write(&root.join("labels"), "combined_windows.json", windows.as_bytes());
    let profiles = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/nab/config/profiles.json"))
        .expect("profiles");
    write(&root.join("config"), "profiles.json", &profiles);

    let out = triage(&["anomaly", "bench", "--nab", root.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Nothing on standard error: no progress bar off a terminal.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "standard error");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert!(stdout.contains("files: 2"), "{stdout}");
    assert!(stdout.contains("windows: 1"), "{stdout}");
    for profile in ["standard", "reward_low_FP_rate", "reward_low_FN_rate"] {
        let line = stdout.lines().find(|l| l.starts_with(profile)).unwrap_or_else(|| panic!("{profile}: {stdout}"));
        let score: f64 = line.split_whitespace().last().expect("score").parse().expect("number");
        // The spike is 10 rows into the 31-row window: well detected, no false positive.
        assert!(score > 50.0, "{profile}: {line}");
    }
    assert!(stdout.contains("points/s"));
}

#[test]
fn bench_without_labels_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = triage(&["anomaly", "bench", "--nab", dir.path().to_str().expect("utf-8")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("combined_windows.json"));
}
