//! `triage train` and `triage eval classify`: train a classifier model from labelled CSV,
//! and measure a model on labelled CSV.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use indicatif::ProgressBar;
use triage_core::classify::dataset::DatasetError;
use triage_core::classify::default_model::{default_examples, default_model, default_train_options};
use triage_core::classify::feedback::read_feedback_csv;
use triage_core::classify::metrics::Evaluation;
use triage_core::classify::{Classifier, Example, Model, read_labelled_csv, train_with_feedback};

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
    /// Where to write the model; standard output when absent.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Operator feedback in the same CSV shape (label a category or `noise`, optional `at`
    /// and `fingerprint` columns); it overrides older labels of the same text.
    #[arg(long)]
    pub feedback: Option<PathBuf>,
    /// Also train on the default model's embedded examples.
    #[arg(long)]
    pub with_default_examples: bool,
    /// The model's identity, recorded in the file.
    #[arg(long, default_value = "custom")]
    pub model_id: String,
    /// The training date recorded in the file; now when absent.
    #[arg(long)]
    pub trained_at: Option<String>,
    /// The seed of the SGD example order.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
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
        /// Columns whose text the model reads; the model's training columns when absent.
        #[arg(long, value_delimiter = ',')]
        text_columns: Option<Vec<String>>,
        /// The column holding the category; the model's training column when absent.
        #[arg(long)]
        label_column: Option<String>,
        /// Predictions below this confidence count as `other` (0 disables).
        #[arg(long, default_value_t = Classifier::DEFAULT_THRESHOLD)]
        threshold: f64,
    },
}

/// Runs `triage train`.
pub fn train(args: TrainArgs) -> ExitCode {
    match run_train(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("triage: train: {message}");
            ExitCode::from(1)
        }
    }
}

/// Runs `triage eval`.
pub fn eval(action: EvalAction) -> ExitCode {
    let EvalAction::Classify { model, input, text_columns, label_column, threshold } = action;
    match run_eval(model.as_deref(), &input, text_columns, label_column, threshold) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("triage: eval classify: {message}");
            ExitCode::from(1)
        }
    }
}

fn run_train(args: &TrainArgs) -> Result<(), String> {
    let progress = crate::cli::progress::spinner(&format!("reading {}", args.input.display()));
    let trained = train_model(args, &progress);
    progress.finish_and_clear();
    write_model(args, &trained?)
}

/// Reads the rows and feedback and trains, telling `progress` which step runs.
fn train_model(args: &TrainArgs, progress: &ProgressBar) -> Result<Model, String> {
    let mut examples = if args.with_default_examples { default_examples() } else { Vec::new() };
    let read = read_examples(&args.input, &args.text_columns, &args.label_column)?;
    let rows = read.len();
    examples.extend(read);
    let feedback = match &args.feedback {
        Some(path) => {
            progress.set_message(format!("reading {}", path.display()));
            read_feedback_csv(&read_file(path)?, &args.text_columns, &args.label_column)
                .map_err(|e| dataset_error(path, &e))?
        }
        None => Vec::new(),
    };
    let mut options = default_train_options();
    options.model_id = args.model_id.clone();
    options.trained_at = args.trained_at.clone().unwrap_or_else(|| jiff::Timestamp::now().to_string());
    options.text_columns = args.text_columns.clone();
    options.label_column = args.label_column.clone();
    options.sgd.seed = args.seed;
    let feedback_rows = if feedback.is_empty() { String::new() } else { format!(", {} feedback rows", feedback.len()) };
    progress.set_message(format!("training on {} examples ({rows} rows read{feedback_rows})", examples.len()));
    train_with_feedback(&examples, &feedback, &options).map_err(|e| format!("{}: {e}", args.input.display()))
}

/// Writes the model where `--output` says and tells what was trained.
fn write_model(args: &TrainArgs, model: &Model) -> Result<(), String> {
    let json = model.to_json();
    match &args.output {
        Some(path) => std::fs::write(path, json).map_err(|e| format!("{}: cannot write: {e}", path.display()))?,
        None => println!("{json}"),
    }
    let header = model.header();
    eprintln!(
        "triage: trained model {} on {} examples: {} categories, {} terms{}",
        header.model_id,
        header.examples,
        header.categories.len(),
        model.vocabulary_size(),
        args.output.as_ref().map(|p| format!(", written to {}", p.display())).unwrap_or_default()
    );
    Ok(())
}

fn run_eval(
    model_path: Option<&Path>,
    input: &Path,
    text_columns: Option<Vec<String>>,
    label_column: Option<String>,
    threshold: f64,
) -> Result<String, String> {
    let model = match model_path {
        Some(path) => Arc::new(Model::from_json(&read_file(path)?).map_err(|e| format!("{}: {e}", path.display()))?),
        None => Arc::clone(default_model()),
    };
    let text_columns = text_columns.unwrap_or_else(|| model.header().text_columns.clone());
    let label_column = label_column.unwrap_or_else(|| model.header().label_column.clone());
    let examples = read_examples(input, &text_columns, &label_column)?;
    if examples.is_empty() {
        return Err(format!("{}: no labelled rows", input.display()));
    }
    let header = model.header().clone();
    let classifier = Classifier::from_shared(model).with_threshold(threshold);
    let pairs: Vec<_> = examples.iter().map(|e| (e.category, classifier.classify_fields(&e.fields).category)).collect();
    Ok(render_evaluation(&header.model_id, &header.trained_at, threshold, &Evaluation::of(&pairs)))
}

fn render_evaluation(model_id: &str, trained_at: &str, threshold: f64, evaluation: &Evaluation) -> String {
    let mut out = format!("model {model_id} (trained {trained_at}), threshold {threshold}\n");
    out += &format!(
        "examples {}\naccuracy {:.3}\nmacro_f1 {:.3}\n",
        evaluation.total, evaluation.accuracy, evaluation.macro_f1
    );
    out += &format!("{:<20} {:>9} {:>6} {:>6} {:>7}\n", "category", "precision", "recall", "f1", "support");
    for s in &evaluation.per_category {
        out += &format!(
            "{:<20} {:>9.3} {:>6.3} {:>6.3} {:>7}\n",
            s.category.as_str(),
            s.precision,
            s.recall,
            s.f1,
            s.support
        );
    }
    out
}

fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

fn read_examples(path: &Path, text_columns: &[String], label_column: &str) -> Result<Vec<Example>, String> {
    read_labelled_csv(&read_file(path)?, text_columns, label_column).map_err(|e| dataset_error(path, &e))
}

fn dataset_error(path: &Path, error: &DatasetError) -> String {
    format!("{}: {error}", path.display())
}
