//! Fuzzes the GOCDB `get_downtime` parser and window clipping: no bytes make them panic,
//! and every clipped window lies inside the query window.
#![no_main]
use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;
use triage_core::outage::gocdb::{downtimes_within, parse_gocdb_downtimes};

fuzz_target!(|data: &[u8]| {
    match parse_gocdb_downtimes(data, 8192) {
        Ok(downtimes) => {
            let (from, to) = (Timestamp::from_second(0).unwrap(), Timestamp::from_second(2_000_000_000).unwrap());
            for w in downtimes_within(&downtimes, from, to) {
                assert!(from <= w.start_time && w.start_time <= w.end_time && w.end_time <= to);
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
