#![no_main]
//! Fuzzes the alert-history reader of `triage replay` with arbitrary bytes, as JSON lines and
//! as a CSV: it may refuse input, never panic, and every event it returns is a valid alert.

use std::path::Path;

use triage_core::config::replay::ReplayConfig;
use triage_core::replay_input::read_history;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let csv = ReplayConfig {
        time_column: "time".into(),
        alertname_column: Some("name".into()),
        label_columns: vec!["host".into()],
        annotation_columns: vec!["short".into()],
        fires_for: None,
    };
    for cfg in [None, Some(&csv)] {
        if let Ok(events) = read_history(Path::new("fuzz.csv"), data, cfg) {
            for pair in events.windows(2) {
                assert!(pair[0].at <= pair[1].at, "events are in time order");
            }
            for e in &events {
                assert!(e.alert.labels.validate().is_ok());
            }
        }
    }
});
