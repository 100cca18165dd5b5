//! `triage anomaly score` and `triage anomaly bench`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

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
    match action {
        AnomalyAction::Score { csv } => {
            eprintln!("triage: anomaly score {}: not implemented yet", csv.display());
            ExitCode::from(1)
        }
        AnomalyAction::Bench { nab } => {
            eprintln!("triage: anomaly bench {}: not implemented yet", nab.display());
            ExitCode::from(1)
        }
    }
}
