//! Fuzzes the body of `POST /api/v2/alerts`: decoding, normalising and validating alerts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::PostableAlert;

fuzz_target!(|data: &[u8]| {
    let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    if let Ok(alerts) = serde_json::from_slice::<Vec<PostableAlert>>(data) {
        for a in alerts {
            if let Ok(alert) = a.into_alert(now, jiff::SignedDuration::from_mins(5)) {
                assert!(!alert.labels.is_empty());
                assert!(alert.ends_at.is_none_or(|e| e >= alert.starts_at));
                let _ = alert.fingerprint().to_string();
            }
        }
    }
});
