//! Fuzzes the parser of Prometheus `query_range` answers (plots attached to e-mails): any
//! body is series or an error, never a panic, and the series limit holds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::series::{MAX_SERIES, limit_series, parse_query_range};

fuzz_target!(|data: &[u8]| {
    if let Ok(series) = parse_query_range(data, "http://fuzz") {
        assert!(limit_series(series, MAX_SERIES).len() <= MAX_SERIES);
    }
});
