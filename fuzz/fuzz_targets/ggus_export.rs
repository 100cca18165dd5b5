//! Fuzzes the GGUS export parsers (XML, CSV, JSON, and sniffing): no bytes make them panic,
//! input over the size limit is always refused, and no parse returns more tickets than allowed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::outage::ggus::{GgusError, GgusFormat, GgusLimits, parse_ggus_with};
use triage_core::outage::ggus::priority::severity_of_priority;
use triage_core::outage::ggus::series::{ggus_samples, import_body};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else { return };
    let format = match selector % 4 {
        0 => None,
        1 => Some(GgusFormat::Xml),
        2 => Some(GgusFormat::Csv),
        _ => Some(GgusFormat::Json),
    };
    let limits = GgusLimits { max_bytes: 4096, max_tickets: 16 };
    match parse_ggus_with(input, format, limits) {
        Ok(tickets) => {
            assert!(input.len() <= limits.max_bytes);
            assert!(tickets.len() <= limits.max_tickets);
            for t in &tickets {
                let _ = severity_of_priority(&t.priority);
            }
            let _ = import_body(&ggus_samples(&tickets, jiff::Timestamp::UNIX_EPOCH));
        }
        Err(e) => {
            if input.len() > limits.max_bytes {
                assert_eq!(e, GgusError::TooLarge { len: input.len(), max: limits.max_bytes });
            }
            let _ = e.to_string();
        }
    }
});
