//! `triage train` and `triage eval classify`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

/// `triage train ...`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The labelled history, a CSV file.
    #[arg(long)]
    pub input: PathBuf,
    /// Columns whose text the model reads (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', required = true)]
    pub text_columns: Vec<String>,
    /// The column holding the category.
    #[arg(long)]
    pub label_column: String,
    /// Where to write the model.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// `triage eval ...`.
#[derive(Debug, Subcommand)]
pub enum EvalAction {
    /// Prints a model's accuracy and macro-F1 on a labelled CSV.
    Classify {
        /// The model file; the default model when absent.
        #[arg(long)]
        model: Option<PathBuf>,
        /// The labelled CSV.
        #[arg(long)]
        input: PathBuf,
    },
}

/// Runs `triage train`.
pub fn train(args: TrainArgs) -> ExitCode {
    eprintln!("triage: train {}: not implemented yet", args.input.display());
    ExitCode::from(1)
}

/// Runs `triage eval`.
pub fn eval(action: EvalAction) -> ExitCode {
    match action {
        EvalAction::Classify { input, .. } => {
            eprintln!("triage: eval classify {}: not implemented yet", input.display());
            ExitCode::from(1)
        }
    }
}
