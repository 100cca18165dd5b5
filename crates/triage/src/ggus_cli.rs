//! `triage ggus parse` and `triage ggus inject`.

use std::process::ExitCode;

use clap::Subcommand;

/// `triage ggus ...`.
#[derive(Debug, Subcommand)]
pub enum GgusAction {}

/// Runs a `triage ggus` command.
pub fn run(action: GgusAction) -> ExitCode {
    match action {}
}
