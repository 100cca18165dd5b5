//! The streaming detector on known signals: step, spike, drift, clean seasonality, recovery,
//! bad input, and save/restore.

use triage_core::anomaly::{Detector, DetectorConfig, DetectorState, PointScore, PointStatus};

const MINUTE: i64 = 60_000;

/// Deterministic pseudo-noise in [-1, 1] (a linear congruential generator).
fn noise(seed: &mut u64) -> f64 {
    *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    ((*seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

fn run(values: &[f64]) -> Vec<PointScore> {
    let mut detector = Detector::default();
    values.iter().enumerate().map(|(i, &v)| detector.update(i as i64 * MINUTE, v)).collect()
}

fn noisy_level(n: usize, level: f64, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n).map(|_| level + noise(&mut s)).collect()
}

fn max_score(scores: &[PointScore]) -> f64 {
    scores.iter().map(|p| p.score).fold(0.0, f64::max)
}

#[test]
fn scores_stay_in_unit_interval() {
    let mut values = noisy_level(3000, 10.0, 1);
    values[1500] = 1e12;
    values[2000] = -1e12;
    for p in run(&values) {
        assert!((0.0..=1.0).contains(&p.score), "{p:?}");
    }
}

#[test]
fn step_is_detected() {
    let mut values = noisy_level(2000, 10.0, 2);
    for v in &mut values[1000..] {
        *v += 8.0;
    }
    let scores = run(&values);
    let before = max_score(&scores[300..1000]);
    let at_step = max_score(&scores[1000..1010]);
    assert!(at_step > 0.9, "step scored {at_step}");
    assert!(at_step > before + 0.3, "before {before}, at step {at_step}");
}

#[test]
fn spike_is_detected() {
    let mut values = noisy_level(2000, 10.0, 3);
    values[1200] = 30.0;
    let scores = run(&values);
    let quiet = max_score(&scores[300..1200]);
    assert!(scores[1200].score > 0.9, "spike scored {}", scores[1200].score);
    assert!(scores[1200].score > quiet + 0.3, "quiet {quiet}");
}

#[test]
fn drift_is_detected() {
    // A clean noisy level, then a drift of 0.05 per point (5 noise amplitudes in 100 points).
    // Each step of a drift is only a little more surprising than the last, so it scores as a
    // moderate but clear anomaly (above 0.5: more surprising than anything before).
    let mut values = noisy_level(2000, 10.0, 4);
    for (i, v) in values[1000..].iter_mut().enumerate() {
        *v += 0.05 * i as f64;
    }
    let scores = run(&values);
    let quiet = max_score(&scores[300..1000]);
    let drifting = max_score(&scores[1000..1200]);
    assert!(drifting > 0.5 && drifting > quiet + 0.3, "quiet {quiet}, drifting {drifting}");
}

#[test]
fn clean_seasonal_pattern_does_not_alarm() {
    // A daily cycle of 5-minute samples (288 per day) with small noise, for two weeks.
    let mut seed = 5;
    let values: Vec<f64> = (0..4032)
        .map(|i| 50.0 + 30.0 * (i as f64 * std::f64::consts::TAU / 288.0).sin() + 0.5 * noise(&mut seed))
        .collect();
    let scores = run(&values);
    let worst = max_score(&scores[600..]);
    assert!(worst < 0.9, "clean seasonal alarmed at {worst}");
}

#[test]
fn score_and_band_recover_after_a_step() {
    let mut values = noisy_level(3000, 10.0, 6);
    for v in &mut values[1000..] {
        *v += 20.0;
    }
    let scores = run(&values);
    assert!(max_score(&scores[1000..1005]) > 0.9);
    // Long after the step: quiet again, and the band has moved to the new level.
    let late = max_score(&scores[2500..]);
    assert!(late < 0.9, "still alarming at {late}");
    let band = scores[2999];
    assert!(band.lower < 30.0 && 30.0 < band.upper, "band {band:?}");
    assert!(band.lower > 20.0, "band {band:?} did not re-adapt");
}

#[test]
fn constant_series_is_quiet_then_any_change_is_surprising() {
    let mut values = vec![7.0; 1000];
    values.extend(vec![7.5; 50]);
    let scores = run(&values);
    assert!(scores[..1000].iter().all(|p| p.score == 0.0 || p.score < 0.5));
    assert!(scores[..1000].iter().all(|p| p.lower.is_finite() && p.upper.is_finite()));
    assert!(scores[1000].score > 0.9);
}

#[test]
fn non_finite_values_are_ignored_without_corrupting_state() {
    let values = noisy_level(1000, 10.0, 7);
    let mut clean = Detector::default();
    let mut dirty = Detector::default();
    for (i, &v) in values.iter().enumerate() {
        let t = i as i64 * MINUTE;
        let a = clean.update(t, v);
        if i % 10 == 0 {
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                let p = dirty.update(t - 1, bad);
                assert_eq!(p.score, 0.0);
                assert_eq!(p.status, PointStatus::IgnoredNonFinite);
            }
        }
        let b = dirty.update(t, v);
        assert_eq!(a, b, "row {i}");
    }
}

#[test]
fn duplicate_and_out_of_order_timestamps_are_ignored() {
    let mut detector = Detector::default();
    for i in 0..200 {
        detector.update(i * MINUTE, 1.0 + (i % 3) as f64);
    }
    let dup = detector.update(199 * MINUTE, 1e9);
    assert_eq!((dup.status, dup.score), (PointStatus::IgnoredNotAfterLast, 0.0));
    let old = detector.update(10 * MINUTE, 1e9);
    assert_eq!((old.status, old.score), (PointStatus::IgnoredNotAfterLast, 0.0));
    let next = detector.update(200 * MINUTE, 2.0);
    assert_eq!(next.status, PointStatus::Accepted);
    assert!(next.score < 0.9);
}

#[test]
fn a_long_gap_resets_the_state() {
    let mut detector = Detector::default();
    for i in 0..500 {
        detector.update(i * MINUTE, 10.0 + (i % 5) as f64);
    }
    // Gone for 30 days, back at a different level: a fresh start, not an alarm.
    let back = 500 * MINUTE + 30 * 24 * 60 * MINUTE;
    let p = detector.update(back, 1000.0);
    assert_eq!(p.status, PointStatus::AcceptedAfterReset);
    assert_eq!(p.score, 0.0);
    for i in 1..100 {
        let p = detector.update(back + i * MINUTE, 1000.0 + (i % 5) as f64);
        assert_eq!(p.status, PointStatus::Accepted);
        assert!(p.score < 0.9);
    }
    // A short gap (an hour) does not reset.
    let p = detector.update(back + 160 * MINUTE, 1001.0);
    assert_eq!(p.status, PointStatus::Accepted);
}

#[test]
fn save_restore_continue_gives_identical_scores() {
    let mut values = noisy_level(3000, 10.0, 8);
    values[2500] = 40.0;
    let mut straight = Detector::default();
    let mut first_half = Detector::default();
    for (i, &v) in values[..1500].iter().enumerate() {
        let a = straight.update(i as i64 * MINUTE, v);
        let b = first_half.update(i as i64 * MINUTE, v);
        assert_eq!(a, b);
    }
    // Saved state restored as is: identical scores and bands.
    let saved: DetectorState = first_half.state();
    let mut restored = Detector::from_state(saved.clone());
    // The same state through JSON: serde_json's default float parsing may differ in the
    // last bit, so scores agree to 1e-9.
    let json = serde_json::to_string(&saved).unwrap();
    let mut from_json = Detector::from_state(serde_json::from_str::<DetectorState>(&json).unwrap());
    for (i, &v) in values.iter().enumerate().skip(1500) {
        let t = i as i64 * MINUTE;
        let expected = straight.update(t, v);
        assert_eq!(expected, restored.update(t, v), "row {i}");
        let via_json = from_json.update(t, v);
        assert!((expected.score - via_json.score).abs() < 1e-9, "row {i}");
        assert_eq!(expected.status, via_json.status);
    }
    assert!(straight.state().window == restored.state().window);
}

#[test]
fn memory_per_series_is_bounded() {
    let mut detector = Detector::new(DetectorConfig::default());
    let bytes = detector.state_bytes();
    assert!(bytes < 5_000, "{bytes} bytes");
    for i in 0..100_000 {
        detector.update(i * MINUTE, (i % 97) as f64);
    }
    assert_eq!(detector.state().window.len(), DetectorConfig::default().window);
}
