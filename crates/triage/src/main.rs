//! The `triage` binary.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = triage::cli::Cli::parse();
    triage::cli::run(cli)
}
