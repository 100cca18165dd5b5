//! `triage ggus parse` and `triage ggus inject`: read a GGUS ticket export (XML, CSV or JSON),
//! print it as JSON, or write its ticket states into VictoriaMetrics.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use triage_core::outage::ggus::series::{ggus_samples, import_body};
use triage_core::outage::ggus::{GgusFormat, GgusLimits, GgusTicket, filter_vo, is_open, parse_ggus_with};

/// `triage ggus ...`.
#[derive(Debug, Subcommand)]
pub enum GgusAction {
    /// Parse a GGUS export and print its tickets as a JSON array.
    Parse {
        #[command(flatten)]
        input: TicketInput,
    },
    /// Parse a GGUS export and write ticket states into VictoriaMetrics
    /// (ggus_open_tickets, ggus_ticket, ggus_tickets_by_status).
    Inject {
        /// VictoriaMetrics base URL, e.g. http://127.0.0.1:8428.
        #[arg(long)]
        vm: String,
        /// Seconds to wait for VictoriaMetrics.
        #[arg(long, default_value_t = 30)]
        timeout_secs: u64,
        #[command(flatten)]
        input: TicketInput,
    },
}

/// The export to read and which of its tickets to keep.
#[derive(Debug, Args)]
pub struct TicketInput {
    /// The export file.
    file: PathBuf,
    /// Its format; guessed from the content when absent.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Keep only tickets of this VO (e.g. cms).
    #[arg(long)]
    vo: Option<String>,
    /// Largest file accepted, in bytes.
    #[arg(long, default_value_t = GgusLimits::default().max_bytes)]
    max_bytes: usize,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Xml,
    Csv,
    Json,
}

impl From<FormatArg> for GgusFormat {
    fn from(arg: FormatArg) -> GgusFormat {
        match arg {
            FormatArg::Xml => GgusFormat::Xml,
            FormatArg::Csv => GgusFormat::Csv,
            FormatArg::Json => GgusFormat::Json,
        }
    }
}

/// Samples (one per series) per import request: an export of a few thousand tickets is a
/// handful of requests, each counted on the progress bar.
const IMPORT_BATCH: usize = 1000;

/// Runs a `triage ggus` command.
pub fn run(action: GgusAction) -> ExitCode {
    let result = match action {
        GgusAction::Parse { input } => parse(&input),
        GgusAction::Inject { vm, timeout_secs, input } => inject(&vm, Duration::from_secs(timeout_secs.max(1)), &input),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("triage: {message}");
            ExitCode::from(1)
        }
    }
}

fn parse(input: &TicketInput) -> Result<(), String> {
    let tickets = read_tickets(input)?;
    let json = serde_json::to_string_pretty(&tickets).map_err(|e| e.to_string())?;
    println!("{json}");
    Ok(())
}

fn inject(vm: &str, timeout: Duration, input: &TicketInput) -> Result<(), String> {
    let tickets = read_tickets(input)?;
    let samples = ggus_samples(&tickets, jiff::Timestamp::now());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let progress = crate::cli::progress::bar(samples.len() as u64, "writing to VictoriaMetrics", "series");
    let written = runtime.block_on(async {
        // An empty export still makes one (empty) request, so an unreachable VictoriaMetrics
        // is reported all the same.
        let batches: Vec<_> =
            if samples.is_empty() { vec![&samples[..]] } else { samples.chunks(IMPORT_BATCH).collect() };
        for batch in batches {
            crate::net::vm_import::import_json_lines(vm, import_body(batch), timeout).await?;
            progress.inc(batch.len() as u64);
        }
        Ok::<(), crate::net::vm_import::VmImportError>(())
    });
    progress.finish_and_clear();
    written.map_err(|e| e.to_string())?;
    let open = tickets.iter().filter(|t| is_open(&t.status)).count();
    println!(
        "imported {} samples ({} tickets, {open} open) into {}",
        samples.len(),
        tickets.len(),
        vm.trim_end_matches('/')
    );
    Ok(())
}

fn read_tickets(input: &TicketInput) -> Result<Vec<GgusTicket>, String> {
    let bytes = read_limited(&input.file, input.max_bytes)?;
    let limits = GgusLimits { max_bytes: input.max_bytes, ..GgusLimits::default() };
    let tickets = parse_ggus_with(&bytes, input.format.map(GgusFormat::from), limits)
        .map_err(|e| format!("{}: {e}", input.file.display()))?;
    Ok(match &input.vo {
        Some(vo) => filter_vo(tickets, vo),
        None => tickets,
    })
}

/// The file's bytes, reading at most one byte past `max` so an oversized file is refused
/// without being loaded.
fn read_limited(path: &Path, max: usize) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    file.take(limit).read_to_end(&mut bytes).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() > max {
        return Err(format!("{}: the file is larger than the limit of {max} bytes (--max-bytes)", path.display()));
    }
    Ok(bytes)
}
