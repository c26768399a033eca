//! The `tally` binary: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = tally::cli::Cli::parse();
    tally::run(cli).into()
}
