//! Fuzzes the body of `POST /api/v2/silences` through to setting the silence.
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::silence::{PostableSilence, Silences};

fuzz_target!(|data: &[u8]| {
    let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    if let Ok(p) = serde_json::from_slice::<PostableSilence>(data) {
        let mut s = Silences::new();
        if let Ok(id) = s.set(p, now, || "id".to_string()) {
            assert!(s.get(&id).is_some());
        }
    }
});
