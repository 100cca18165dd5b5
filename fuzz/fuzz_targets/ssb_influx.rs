//! Fuzzes the SSB readers: InfluxDB query answers (`parse_influx_outages`, then one record per
//! `ssbNumber`) and ServiceNow table answers (`parse_servicenow_outages`). No bytes make them
//! panic, the byte and row caps hold, and every record comes from a row.
//!
//! The first byte picks small limits (1..=8 rows, 64..=3904 bytes, or unbounded bytes) so the
//! caps are reached often; the rest is the answer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::outage::ssb::{
    ParseLimits, ServiceNowError, SsbError, parse_influx_outages, parse_servicenow_outages, ssb_outages_to_records,
};

fuzz_target!(|data: &[u8]| {
    let Some((&knob, body)) = data.split_first() else { return };
    let max_rows = usize::from(knob & 0x07) + 1;
    let max_bytes = if knob & 0x80 != 0 { usize::MAX } else { 64 + usize::from(knob >> 3 & 0x0f) * 256 };
    let limits = ParseLimits { max_bytes, max_rows };

    match parse_influx_outages(body, &limits) {
        Ok(rows) => {
            assert!(body.len() <= max_bytes, "accepted {} bytes over the cap {max_bytes}", body.len());
            assert!(rows.len() <= max_rows, "{} rows over the cap {max_rows}", rows.len());
            let records = ssb_outages_to_records(&rows);
            assert!(records.len() <= rows.len());
            for record in &records {
                assert!(record.id.starts_with("ssb:"));
                assert!(rows.iter().any(|r| format!("ssb:{}", r.ssb_number) == record.id));
            }
        }
        Err(SsbError::TooLarge { len, max }) => assert!(len > max && max == max_bytes),
        Err(SsbError::TooManyRows { max }) => assert_eq!(max, max_rows),
        Err(e) => assert!(!e.to_string().is_empty()),
    }

    match parse_servicenow_outages(body, &limits) {
        Ok(outages) => {
            assert!(body.len() <= max_bytes, "accepted {} bytes over the cap {max_bytes}", body.len());
            assert!(outages.len() <= max_rows, "{} records over the cap {max_rows}", outages.len());
            for outage in &outages {
                assert!(outage.id.starts_with("servicenow:"));
            }
        }
        Err(ServiceNowError::TooLarge { len, max }) => assert!(len > max && max == max_bytes),
        Err(ServiceNowError::TooManyRows { max }) => assert_eq!(max, max_rows),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
