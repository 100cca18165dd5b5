#![no_main]
//! Fuzzes the `timestamp,value` row parser and the streaming detector with arbitrary bytes:
//! neither may panic, and every score must stay in [0, 1].

use triage_core::anomaly::csv_row::{check_header, parse_row};
use triage_core::anomaly::{Detector, DetectorConfig, DetectorState};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut lines = data.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        let _ = check_header(first);
    }
    let config = DetectorConfig { window: 16, warmup: 4, ..DetectorConfig::default() };
    let mut detector = Detector::new(config);
    for (i, line) in lines.enumerate() {
        if let Ok(row) = parse_row(line) {
            let point = detector.update(row.timestamp_ms, row.value);
            assert!((0.0..=1.0).contains(&point.score), "score {}", point.score);
        }
        if i == 64 {
            // Save and restore half way: the restored detector must carry on.
            let json = serde_json::to_string(&detector.state()).unwrap_or_default();
            if let Ok(state) = serde_json::from_str::<DetectorState>(&json) {
                detector = Detector::from_state(state);
            }
        }
    }
    // Raw bytes as little-endian (timestamp, value) pairs reach the detector directly too.
    let mut raw = Detector::new(config);
    for chunk in data.chunks_exact(16) {
        let mut t = [0u8; 8];
        let mut v = [0u8; 8];
        t.copy_from_slice(&chunk[..8]);
        v.copy_from_slice(&chunk[8..]);
        let point = raw.update(i64::from_le_bytes(t), f64::from_le_bytes(v));
        assert!((0.0..=1.0).contains(&point.score), "score {}", point.score);
    }
});
