//! One shipped line into the series: parse, take the sample out, record it. This is the hot
//! path of node monitoring; every outcome is named so the shell can count it.

use super::extract::{ExtractError, SampleFields, extract_sample};
use super::series::NodeSeries;
use crate::logline::{LineError, LineParser};

/// What became of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineOutcome {
    /// Recorded (some stats may have been refused by the per-host bound: see the count).
    Recorded {
        /// Stats refused because the host has too many.
        refused_stats: usize,
    },
    /// Skipped: the host limit is reached.
    RefusedHost,
    /// Skipped: the line could not be used, for this reason.
    Skipped(&'static str),
}

impl LineOutcome {
    /// The outcome as a metric label value: `ok` or the reason.
    pub fn label(self) -> &'static str {
        match self {
            LineOutcome::Recorded { .. } => "ok",
            LineOutcome::RefusedHost => "refused_host",
            LineOutcome::Skipped(reason) => reason,
        }
    }
}

/// The metric label of a line error.
pub fn line_error_label(e: &LineError) -> &'static str {
    match e {
        LineError::TooLong { .. } => "too_long",
        LineError::InvalidUtf8 { .. } => "invalid_utf8",
        LineError::Empty => "empty",
        LineError::IncompleteJson(_) => "incomplete_json",
        LineError::InvalidJson(_) | LineError::NotAnObject => "invalid_json",
        LineError::MissingMessage | LineError::TooDeep => "invalid_shipper_event",
        LineError::InvalidKeyValue { .. } => "invalid_key_value",
        LineError::NoMatch | LineError::InvalidPattern(_) => "no_match",
    }
}

/// Parses `line`, takes its sample (timed `now_ms` when the line has no time) and records it.
pub fn ingest_line(
    parser: &LineParser,
    fields: &SampleFields,
    line: &[u8],
    now_ms: i64,
    series: &mut NodeSeries,
) -> LineOutcome {
    let record = match parser.parse(line) {
        Ok(record) => record,
        Err(e) => return LineOutcome::Skipped(line_error_label(&e)),
    };
    let sample = match extract_sample(&record, fields) {
        Ok(sample) => sample,
        Err(ExtractError::NoHost(_)) => return LineOutcome::Skipped("no_host"),
        Err(ExtractError::BadTime { .. }) => return LineOutcome::Skipped("bad_time"),
        Err(ExtractError::NoStats) => return LineOutcome::Skipped("no_stats"),
    };
    let refused = series.record(sample.host, sample.at_ms.unwrap_or(now_ms), sample.stats.iter().copied());
    if refused.host { LineOutcome::RefusedHost } else { LineOutcome::Recorded { refused_stats: refused.stats } }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logline::LineFormat;
    use crate::nodewatch::SeriesLimits;

    #[test]
    fn every_kind_of_bad_line_is_named_and_nothing_is_recorded() {
        let parser = LineParser::new(LineFormat::Json).with_max_line_bytes(200);
        let fields = SampleFields::default();
        let mut series = NodeSeries::new(SeriesLimits::default());
        let long = format!(r#"{{"host":"a","x":"{}"}}"#, "y".repeat(300));
        let cases: [(&[u8], &str); 8] = [
            (b"garbage", "invalid_json"),
            (br#"{"host":"a","cpu":"#, "incomplete_json"),
            (long.as_bytes(), "too_long"),
            (b"{\"host\":\"\xff\",\"cpu\":1}", "invalid_utf8"),
            (b"   ", "empty"),
            (b"[1,2]", "invalid_json"),
            (br#"{"cpu":1}"#, "no_host"),
            (br#"{"host":"a","note":"no numbers"}"#, "no_stats"),
        ];
        for (line, label) in cases {
            assert_eq!(ingest_line(&parser, &fields, line, 0, &mut series).label(), label, "{line:?}");
        }
        assert_eq!(series.host_count(), 0);
        let ok = ingest_line(&parser, &fields, br#"{"host":"a","cpu":1}"#, 5, &mut series);
        assert_eq!(ok, LineOutcome::Recorded { refused_stats: 0 });
        assert_eq!(series.window("a", "cpu", 0, 10).collect::<Vec<_>>(), vec![(5, 1.0)]);
    }
}
