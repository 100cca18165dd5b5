//! The NAB scorer against NAB's published per-file scores (golden fixture in
//! `testdata/nab/`), and its edge cases on small synthetic files.

use std::path::PathBuf;

use triage_core::anomaly::nab::{
    CostMatrix, FileSweep, RowRole, Window, normalised_score, null_score, optimise_threshold, parse_profiles,
    parse_thresholds, parse_windows, perfect_score, probation_length, score_file, sweep_file,
};
use triage_core::anomaly::timestamp::parse_timestamp_ms;

fn testdata(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/nab").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// A published per-file row: (profile, file, threshold, score, tp, tn, fp, fn).
type Published = (String, String, f64, f64, [usize; 4]);

fn published(profile: &str) -> Vec<Published> {
    let text = testdata(&format!("results/windowedGaussian/windowedGaussian_{profile}_scores.csv"));
    text.lines()
        .skip(1)
        .filter(|l| !l.starts_with("windowedGaussian,") || !l.contains("Totals"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let n = |i: usize| f[i].parse::<usize>().unwrap();
            (f[1].to_string(), f[2].to_string(), f[3].parse().unwrap(), f[4].parse().unwrap(), [n(5), n(6), n(7), n(8)])
        })
        .collect()
}

/// Timestamps and anomaly scores of a per-row detector output file.
fn detector_rows(path: &str) -> (Vec<i64>, Vec<f64>) {
    let text = testdata(path);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let score_col = header.iter().position(|h| *h == "anomaly_score").unwrap();
    let (mut ts, mut scores) = (Vec::new(), Vec::new());
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        ts.push(parse_timestamp_ms(f[0]).unwrap());
        scores.push(f[score_col].parse().unwrap());
    }
    (ts, scores)
}

const FIXTURE_FILES: [&str; 4] = [
    "realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv",
    "realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv",
];

#[test]
fn reproduces_published_windowed_gaussian_scores() {
    let profiles = parse_profiles(&testdata("config/profiles.json")).unwrap();
    let thresholds = parse_thresholds(&testdata("config/thresholds.json")).unwrap();
    let windows = parse_windows(&testdata("labels/combined_windows.json")).unwrap();
    assert_eq!(profiles.len(), 3);
    let mut checked = 0;
    for profile in &profiles {
        let threshold = thresholds["windowedGaussian"][&profile.name];
        assert_eq!(threshold, 1.0);
        let rows = published(&profile.name);
        for file in FIXTURE_FILES {
            let (family, name) = file.split_once('/').unwrap();
            let (ts, scores) = detector_rows(&format!("results/windowedGaussian/{family}/windowedGaussian_{name}"));
            let sweep = sweep_file(&ts, &scores, &windows[file]).unwrap();
            let got = score_file(&sweep, &profile.costs, threshold);
            let (_, _, pub_threshold, pub_score, [tp, tn, fp, fn_]) =
                rows.iter().find(|r| r.1 == file).unwrap_or_else(|| panic!("{file} not published"));
            assert_eq!(*pub_threshold, threshold);
            assert!(
                (got.score - pub_score).abs() < 1e-9,
                "{} {file}: got {} published {pub_score}",
                profile.name,
                got.score
            );
            assert_eq!(
                [got.counts.tp, got.counts.tn, got.counts.fp, got.counts.fn_],
                [*tp, *tn, *fp, *fn_],
                "{} {file} counts",
                profile.name
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 12);
}

// ---- synthetic edge cases ---------------------------------------------------------------

const STANDARD: CostMatrix = CostMatrix { tp_weight: 1.0, fp_weight: 0.11, fn_weight: 1.0, tn_weight: 1.0 };

/// 1000 rows one minute apart (probation: 150 rows) with one window over rows 500..=599.
fn file_with_window() -> (Vec<i64>, Vec<Window>) {
    let ts: Vec<i64> = (0..1000).map(|i| i * 60_000).collect();
    (ts.clone(), vec![Window { start_ms: ts[500], end_ms: ts[599] }])
}

fn score_with_detection_at(row: Option<usize>) -> f64 {
    let (ts, windows) = file_with_window();
    let mut scores = vec![0.0; ts.len()];
    if let Some(r) = row {
        scores[r] = 1.0;
    }
    let sweep = sweep_file(&ts, &scores, &windows).unwrap();
    score_file(&sweep, &STANDARD, 1.0).score
}

#[test]
fn detection_positions_are_scored_as_nab_does() {
    assert_eq!(probation_length(1000), 150);
    // Nothing detected: the window is a false negative.
    assert_eq!(score_with_detection_at(None), -1.0);
    // At the window's first row: full credit.
    assert!((score_with_detection_at(Some(500)) - 1.0).abs() < 1e-12);
    // Early beats late, both positive.
    let early = score_with_detection_at(Some(510));
    let late = score_with_detection_at(Some(590));
    assert!(early > late && late > 0.0, "early {early} late {late}");
    // At the last row: 2 sigmoid(5/100) - 1, scaled: small but positive.
    let last = score_with_detection_at(Some(599));
    assert!(last > 0.0 && last < 0.05, "last {last}");
    // Before the window (after probation): a full false positive plus the missed window.
    assert!((score_with_detection_at(Some(300)) - (-1.0 - 0.11)).abs() < 1e-12);
    // Just after the window: a cheap false positive.
    let just_after = score_with_detection_at(Some(600));
    assert!(just_after < -1.0 && just_after > -1.01, "just after {just_after}");
    // Far after (>= 3 window widths): the full false positive cost.
    assert!((score_with_detection_at(Some(999)) - (-1.11)).abs() < 1e-12);
    // In probation: not counted at all.
    assert_eq!(score_with_detection_at(Some(10)), -1.0);
}

#[test]
fn only_the_earliest_detection_in_a_window_counts() {
    let (ts, windows) = file_with_window();
    let mut scores = vec![0.0; ts.len()];
    for s in &mut scores[520..560] {
        *s = 1.0;
    }
    let many = score_file(&sweep_file(&ts, &scores, &windows).unwrap(), &STANDARD, 1.0);
    let one = score_with_detection_at(Some(520));
    assert!((many.score - one).abs() < 1e-12);
    assert_eq!(many.counts.tp, 40);
}

#[test]
fn windows_in_probation_do_not_count() {
    let ts: Vec<i64> = (0..1000).map(|i| i * 60_000).collect();
    let windows = vec![Window { start_ms: ts[10], end_ms: ts[20] }, Window { start_ms: ts[500], end_ms: ts[520] }];
    let sweep = sweep_file(&ts, &vec![0.0; 1000], &windows).unwrap();
    assert_eq!(sweep.windows, 1);
    assert!(matches!(sweep.rows[15].1, RowRole::Probation));
}

#[test]
fn null_and_perfect_detectors_normalise_to_0_and_100() {
    let profiles = parse_profiles(&testdata("config/profiles.json")).unwrap();
    let (ts, windows) = file_with_window();
    let ts2: Vec<i64> = (0..2000).map(|i| i * 300_000).collect();
    let windows2 =
        vec![Window { start_ms: ts2[700], end_ms: ts2[800] }, Window { start_ms: ts2[1500], end_ms: ts2[1700] }];
    let corpus_of = |first: Vec<f64>, second: Vec<f64>| -> Vec<FileSweep> {
        vec![sweep_file(&ts, &first, &windows).unwrap(), sweep_file(&ts2, &second, &windows2).unwrap()]
    };
    let null = corpus_of(vec![0.5; 1000], vec![0.5; 2000]);
    let mut perfect_first = vec![0.0; 1000];
    perfect_first[500] = 1.0;
    let mut perfect_second = vec![0.0; 2000];
    perfect_second[700] = 1.0;
    perfect_second[1500] = 0.9;
    let perfect = corpus_of(perfect_first, perfect_second);
    let window_count = 3;
    for profile in &profiles {
        let costs = &profile.costs;
        let (n, p) = (null_score(window_count, costs), perfect_score(window_count, costs));
        let null_best = optimise_threshold(&null, costs);
        assert_eq!(normalised_score(null_best.score, n, p), 0.0, "{}", profile.name);
        assert!(null_best.threshold > 0.5);
        let perfect_best = optimise_threshold(&perfect, costs);
        assert!((normalised_score(perfect_best.score, n, p) - 100.0).abs() < 1e-9, "{}", profile.name);
        assert_eq!(perfect_best.threshold, 0.9);
        assert_eq!(perfect_best.counts.fp, 0);
    }
}

#[test]
fn threshold_optimisation_trades_false_positives_against_detections() {
    // One window detected by score 0.8 at its start, but 20 far false positives at 0.9 and
    // 5 at 0.7: the best threshold is 0.8 (detect the window, skip the cheaper noise).
    let (ts, windows) = file_with_window();
    let mut scores = vec![0.0; 1000];
    scores[500] = 0.8;
    scores[200..220].fill(0.9);
    scores[900..905].fill(0.7);
    let corpus = vec![sweep_file(&ts, &scores, &windows).unwrap()];
    let best = optimise_threshold(&corpus, &STANDARD);
    // At 0.8: +1 window, -20 * 0.11 = -1.2; at 1.1: -1. Best is 1.1 (nothing).
    assert_eq!(best.threshold, 1.1);
    assert_eq!(best.score, -1.0);
    let cheaper = CostMatrix { fp_weight: 0.01, ..STANDARD };
    let best = optimise_threshold(&corpus, &cheaper);
    assert_eq!(best.threshold, 0.8);
    assert!((best.score - (1.0 - 0.2)).abs() < 1e-12);
}

#[test]
fn mismatched_or_unsorted_input_is_an_error() {
    assert!(sweep_file(&[1, 2], &[0.0], &[]).is_err());
    assert!(sweep_file(&[2, 1], &[0.0, 0.0], &[]).is_err());
}
