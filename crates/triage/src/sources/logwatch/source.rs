//! One `logwatch.files` entry at work: its follower, its line parser and the fields naming
//! host and time. [`FileSource::poll`] reads what was appended and records it into the
//! node series; the offsets are saved after the lines are recorded.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use triage_core::config::logwatch::{LineFormatName, LogFilesConfig};
use triage_core::logline::{LineFormat, LineParser, LinePattern};
use triage_core::nodewatch::{LineOutcome, NodeSeries, SampleFields, ingest_line};

use super::{FollowOptions, Follower};

/// Default time between two polls of the files.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A followed set of files and how to read them.
pub struct FileSource {
    config: LogFilesConfig,
    follower: Follower,
    parser: LineParser,
    fields: SampleFields,
}

/// Counts of one poll, by outcome label.
#[derive(Debug, Default)]
pub struct PollCounts {
    /// (outcome label, lines).
    pub lines: Vec<(&'static str, u64)>,
    /// Stats refused by the per-host bound.
    pub refused_stats: u64,
    /// Lines of hosts refused by the host bound (also in `lines` as `refused_host`).
    pub refused_hosts: u64,
}

impl PollCounts {
    fn add(&mut self, outcome: LineOutcome) {
        match outcome {
            LineOutcome::Recorded { refused_stats } => self.refused_stats += refused_stats as u64,
            LineOutcome::RefusedHost => self.refused_hosts += 1,
            LineOutcome::Skipped(_) => {}
        }
        let label = outcome.label();
        match self.lines.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => self.lines.push((label, 1)),
        }
    }
}

/// The parser a files entry asks for.
pub fn line_parser(config: &LogFilesConfig) -> Result<LineParser, String> {
    let pattern = || -> Result<LinePattern, String> {
        let p = config.pattern.as_deref().ok_or("format regex needs a pattern")?;
        LinePattern::new(p).map_err(|e| e.to_string())
    };
    let simple = |name: LineFormatName| -> Result<LineFormat, String> {
        Ok(match name {
            LineFormatName::Json => LineFormat::Json,
            LineFormatName::KeyValue => LineFormat::KeyValue,
            LineFormatName::Regex => LineFormat::Regex(pattern()?),
            LineFormatName::ShipperJson => return Err("a message cannot be another shipper event".into()),
        })
    };
    let format = match config.format {
        LineFormatName::ShipperJson => {
            LineFormat::ShipperJson(Box::new(simple(config.message_format.unwrap_or(LineFormatName::Json))?))
        }
        other => simple(other)?,
    };
    let parser = LineParser::new(format);
    Ok(match config.max_line_bytes {
        Some(max) => parser.with_max_line_bytes(max),
        None => parser,
    })
}

/// The fields naming host and time for a files entry.
pub fn sample_fields(config: &LogFilesConfig) -> SampleFields {
    let mut fields = SampleFields::default();
    if let Some(host) = &config.host_field {
        fields.host = vec![host.clone()];
    }
    if let Some(time) = &config.time_field {
        fields.time = time.clone();
    }
    fields
}

/// Where a files entry keeps its offsets: named by its paths, so a reload that keeps the
/// paths resumes where it was.
pub fn state_file(state_dir: &Path, config: &LogFilesConfig) -> PathBuf {
    // FNV-1a over the paths: stable across builds, unlike the standard hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in config.paths.join("\n").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    state_dir.join(format!("logwatch-{hash:016x}.json"))
}

impl FileSource {
    /// Opens the entry, resuming from its saved offsets in `state_dir`.
    pub fn open(config: &LogFilesConfig, state_dir: &Path) -> Result<FileSource, String> {
        let parser = line_parser(config)?;
        let mut options = FollowOptions::default();
        if let Some(interval) = config.poll_interval {
            options.poll_interval = Duration::try_from(interval.get()).unwrap_or(DEFAULT_POLL_INTERVAL);
        } else {
            options.poll_interval = DEFAULT_POLL_INTERVAL;
        }
        if let Some(max) = config.max_line_bytes {
            options.max_line_bytes = max;
        }
        let patterns = config.paths.iter().map(PathBuf::from).collect();
        let follower = Follower::new(patterns, Some(state_file(state_dir, config)), options)
            .map_err(|e| format!("logwatch files {:?}: {e}", config.paths))?;
        Ok(FileSource { config: config.clone(), follower, parser, fields: sample_fields(config) })
    }

    /// The entry this source reads.
    pub fn config(&self) -> &LogFilesConfig {
        &self.config
    }

    /// How often it wants to be polled.
    pub fn poll_interval(&self) -> Duration {
        self.follower.options().poll_interval
    }

    /// Reads the new lines, records them (timed `now_ms` when a line has no time), then saves
    /// the offsets.
    pub fn poll(&mut self, series: &parking_lot::Mutex<NodeSeries>, now_ms: i64) -> io::Result<PollCounts> {
        let lines = self.follower.poll()?;
        let mut counts = PollCounts::default();
        if lines.is_empty() {
            return Ok(counts);
        }
        {
            let mut series = series.lock();
            for line in &lines {
                let outcome = if line.truncated {
                    LineOutcome::Skipped("too_long")
                } else {
                    ingest_line(&self.parser, &self.fields, &line.line, now_ms, &mut series)
                };
                counts.add(outcome);
            }
        }
        self.follower.save_state()?;
        Ok(counts)
    }

    /// Saves the offsets (before the source is dropped on a reload).
    pub fn save(&self) -> io::Result<()> {
        self.follower.save_state()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_hosts_and_stats_are_counted_apart_from_the_lines() {
        let mut counts = PollCounts::default();
        for outcome in [
            LineOutcome::RefusedHost,
            LineOutcome::Recorded { refused_stats: 2 },
            LineOutcome::RefusedHost,
            LineOutcome::Skipped("no_host"),
        ] {
            counts.add(outcome);
        }
        assert_eq!((counts.refused_hosts, counts.refused_stats), (2, 2));
        assert_eq!(counts.lines, [("refused_host", 2), ("ok", 1), ("no_host", 1)]);
    }
}
