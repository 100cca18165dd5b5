//! `triage anomaly score` and `triage anomaly bench`: the file I/O around the streaming
//! detector and the NAB scorer of `triage_core::anomaly`.
//!
//! Input is NAB's `timestamp,value` CSV, read line by line (never whole). Decisions on bad
//! input: a missing or different header, a row without exactly two fields, an unreadable
//! timestamp or value, bytes that are not UTF-8 and a line over 64 KiB are errors naming
//! the file and line (exit status 1). Blank lines are skipped. A last line without a newline
//! is accepted when it parses. `score` writes rows as it reads them, so rows before an error
//! have already been written.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Subcommand;
use indicatif::ProgressBar;
use triage_core::anomaly::csv_row::{CsvRow, CsvRowError, check_header, parse_row};
use triage_core::anomaly::nab::{
    FileSweep, Window, normalised_score, null_score, optimise_threshold, parse_profiles, parse_windows, perfect_score,
    sweep_file,
};
use triage_core::anomaly::{Detector, DetectorConfig};

/// Longest accepted line, in bytes.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// `triage anomaly ...`.
#[derive(Debug, Subcommand)]
pub enum AnomalyAction {
    /// Scores a `timestamp,value` CSV (NAB's format), writing `timestamp,value,anomaly_score`.
    Score {
        /// The CSV file.
        #[arg(long)]
        csv: PathBuf,
    },
    /// Scores a NAB-layout directory and prints the three profiles' scores.
    Bench {
        /// The directory holding data/, labels/ and config/.
        #[arg(long)]
        nab: PathBuf,
    },
}

/// Runs an anomaly command.
pub fn run(action: AnomalyAction) -> ExitCode {
    let result = match action {
        AnomalyAction::Score { csv } => score(&csv),
        AnomalyAction::Bench { nab } => bench(&nab),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("triage: anomaly: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Reads `path` line by line, checking the header and handing every data row (with its
/// 1-based line number) to `each`.
fn for_each_row(path: &Path, mut each: impl FnMut(usize, CsvRow<'_>) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let mut line = Vec::with_capacity(256);
    let mut number = 0;
    loop {
        line.clear();
        let read = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)
            .with_context(|| format!("{}:{}: read error", path.display(), number + 1))?;
        if read == 0 {
            break;
        }
        number += 1;
        let content = line.strip_suffix(b"\n").unwrap_or(&line);
        if content.len() > MAX_LINE_BYTES {
            bail!("{}:{number}: line longer than {MAX_LINE_BYTES} bytes", path.display());
        }
        if number == 1 {
            check_header(content).with_context(|| format!("{}:1", path.display()))?;
            continue;
        }
        match parse_row(content) {
            Ok(row) => each(number, row)?,
            Err(CsvRowError::EmptyLine) => {}
            Err(e) => bail!("{}:{number}: {e}", path.display()),
        }
    }
    if number == 0 {
        bail!("{}: empty file (expected header `timestamp,value`)", path.display());
    }
    Ok(())
}

fn score(path: &Path) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(256 * 1024, stdout.lock());
    let mut detector = Detector::new(DetectorConfig::default());
    let written = (|| -> anyhow::Result<()> {
        out.write_all(b"timestamp,value,anomaly_score\n")?;
        for_each_row(path, |_, row| {
            let point = detector.update(row.timestamp_ms, row.value);
            writeln!(out, "{},{},{}", row.timestamp_text, row.value_text, point.score)?;
            Ok(())
        })?;
        out.flush()?;
        Ok(())
    })();
    match written {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        other => other,
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().filter_map(|c| c.downcast_ref::<io::Error>()).any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}

/// One data file of the benchmark, read into memory.
struct Series {
    relative: String,
    timestamps_ms: Vec<i64>,
    values: Vec<f64>,
}

/// `DIR/data/**/*.csv`, as (`family/name.csv`, path), sorted.
fn data_files(data_dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut pending = vec![data_dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).with_context(|| format!("{}: cannot list", dir.display()))?;
        for entry in entries {
            let path = entry.with_context(|| format!("{}: cannot list", dir.display()))?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "csv") {
                let relative = path
                    .strip_prefix(data_dir)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((relative, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))
}

/// The labelled windows of each data file, by `family/name.csv`.
type Windows = BTreeMap<String, Vec<Window>>;

/// What scoring the corpus gave.
struct Scored {
    files: usize,
    sweeps: Vec<FileSweep>,
    points: usize,
    label_windows: usize,
    detector_time: Duration,
}

fn bench(dir: &Path) -> anyhow::Result<()> {
    let windows_path = dir.join("labels/combined_windows.json");
    let profiles_path = dir.join("config/profiles.json");
    let windows = parse_windows(&read_text(&windows_path)?).with_context(|| format!("{}", windows_path.display()))?;
    let profiles =
        parse_profiles(&read_text(&profiles_path)?).with_context(|| format!("{}", profiles_path.display()))?;

    let files = data_files(&dir.join("data"))?;
    let progress = crate::cli::progress::bar(files.len() as u64, "reading", "files");
    let scored = read_and_score(dir, &files, &windows, &progress);
    progress.finish_and_clear();
    let Scored { files, sweeps, points, label_windows, detector_time } = scored?;

    println!("NAB benchmark of the triage detector on {}", dir.display());
    println!("files: {files}  points: {points}  windows: {label_windows}");
    println!("{:<20} {:>10} {:>12} {:>8}", "profile", "threshold", "raw", "score");
    for profile in &profiles {
        let best = optimise_threshold(&sweeps, &profile.costs);
        let null = null_score(label_windows, &profile.costs);
        let perfect = perfect_score(label_windows, &profile.costs);
        let normalised = normalised_score(best.score, null, perfect);
        println!("{:<20} {:>10.6} {:>12.4} {:>8.2}", profile.name, best.threshold, best.score, normalised);
    }
    let seconds = detector_time.as_secs_f64();
    let rate = if seconds > 0.0 { points as f64 / seconds } else { f64::INFINITY };
    println!("detector: {points} points in {seconds:.4} s = {rate:.0} points/s (one core)");
    Ok(())
}

/// Reads the labelled data files, then scores each, counting both steps on `progress`.
fn read_and_score(
    dir: &Path,
    files: &[(String, PathBuf)],
    windows: &Windows,
    progress: &ProgressBar,
) -> anyhow::Result<Scored> {
    let mut corpus = Vec::new();
    for (relative, path) in files {
        if !windows.contains_key(relative) {
            crate::cli::progress::eprintln_above(
                progress,
                &format!("triage: anomaly bench: {relative}: no labels, skipped"),
            );
            progress.inc(1);
            continue;
        }
        let mut series = Series { relative: relative.clone(), timestamps_ms: Vec::new(), values: Vec::new() };
        for_each_row(path, |_, row| {
            series.timestamps_ms.push(row.timestamp_ms);
            series.values.push(row.value);
            Ok(())
        })?;
        corpus.push(series);
        progress.inc(1);
    }
    if corpus.is_empty() {
        bail!("{}: no labelled data files under data/", dir.display());
    }
    progress.set_position(0);
    progress.set_length(corpus.len() as u64);
    progress.set_message("scoring");

    // The detector alone is timed.
    let mut detector_time = Duration::ZERO;
    let mut points = 0usize;
    let mut sweeps: Vec<FileSweep> = Vec::with_capacity(corpus.len());
    let mut label_windows = 0;
    for series in &corpus {
        let started = Instant::now();
        let mut detector = Detector::new(DetectorConfig::default());
        let scores: Vec<f64> =
            series.timestamps_ms.iter().zip(&series.values).map(|(&t, &v)| detector.update(t, v).score).collect();
        detector_time += started.elapsed();
        points += scores.len();
        let file_windows = &windows[&series.relative];
        label_windows += file_windows.len();
        let sweep =
            sweep_file(&series.timestamps_ms, &scores, file_windows).with_context(|| series.relative.clone())?;
        sweeps.push(sweep);
        progress.inc(1);
    }
    Ok(Scored { files: corpus.len(), sweeps, points, label_windows, detector_time })
}
