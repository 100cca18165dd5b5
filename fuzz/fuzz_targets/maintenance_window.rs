//! Fuzzes maintenance windows as the API takes them: no JSON makes parsing, compiling the
//! matchers or evaluating the window at any time panic, and a window that compiles is
//! consistent about when it holds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::outage::maintenance::MaintenanceWindow;

fuzz_target!(|data: &[u8]| {
    let Ok(window) = serde_json::from_slice::<MaintenanceWindow>(data) else { return };
    if window.compile().is_err() {
        return;
    }
    for secs in [0i64, 1_700_000_000, 1_800_000_000, 253_402_300_799] {
        let t = jiff::Timestamp::from_second(secs).expect("in range");
        let active = window.active_at(t);
        if let (Some(s), true) = (window.starts_at, active) {
            assert!(s <= t);
        }
        if let (Some(e), true) = (window.ends_at, active) {
            assert!(t < e);
        }
    }
    let outage = window.to_outage();
    assert!(outage.id.starts_with("maintenance:"));
});
