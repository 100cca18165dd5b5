//! Fuzzes the node sample line path: no bytes make any line format panic, a line over the
//! limit is always refused as too long, and a recorded line leaves its host in the bounded
//! series.
#![no_main]
use libfuzzer_sys::fuzz_target;
use triage_core::logline::{LineError, LineFormat, LineParser, LinePattern};
use triage_core::nodewatch::{LineOutcome, NodeSeries, SampleFields, SeriesLimits, ingest_line};

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
    let parser = LineParser::new(format).with_max_line_bytes(max);
    let result = parser.parse(line);
    if line.len() > max {
        assert_eq!(result, Err(LineError::TooLong { len: line.len(), max }));
    }
    let limits = SeriesLimits { max_hosts: 2, max_stats_per_host: 4, max_points: 8, retention_ms: 60_000 };
    let mut series = NodeSeries::new(limits);
    let outcome = ingest_line(&parser, &SampleFields::default(), line, 0, &mut series);
    if let LineOutcome::Recorded { .. } = outcome {
        assert_eq!(series.host_count(), 1);
        assert!(series.point_count() <= 4);
    }
});
