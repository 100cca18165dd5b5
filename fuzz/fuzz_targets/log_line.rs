//! Fuzzes the log line parser: no bytes make any line format panic, and a line over the
//! limit is always refused as too long.
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::logline::{LineError, LineFormat, LineParser, LinePattern};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, line)) = data.split_first() else { return };
    let format = match selector % 5 {
        0 => LineFormat::Json,
        1 => LineFormat::ShipperJson(Box::new(LineFormat::Json)),
        2 => LineFormat::ShipperJson(Box::new(LineFormat::KeyValue)),
        3 => LineFormat::KeyValue,
        _ => LineFormat::Regex(LinePattern::new(r"^(?P<ts>\S+) (?P<host>\S+) (?P<rest>.*)$").unwrap()),
    };
    let max = 256;
    let result = LineParser::new(format).with_max_line_bytes(max).parse(line);
    if line.len() > max {
        assert_eq!(result, Err(LineError::TooLong { len: line.len(), max }));
    }
});
