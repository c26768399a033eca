//! tally: hosted-email billing data (Rackspace Email & Apps, MailRoute) in one
//! DuckDB file with exact decimals; load, query, report, reconcile, export.
//!
//! The binary is a thin shell over [`run`]; every layer is usable as a library:
//! [`api`] (provider clients), [`sync`] (what to fetch), [`parse`] (line-item CSV →
//! typed rows), [`load`] (files → store), [`store`] (the DuckDB file), [`report`]
//! and [`export`] (reading it), [`render`] (results as table, CSV or JSON),
//! [`settings`] (flags, environment and `tally.toml` → checked settings).

pub mod act;
pub mod amount;
pub mod api;
pub mod atomic;
pub mod billing;
pub mod cli;
pub mod commands;
pub mod config;
pub mod exit;
pub mod export;
pub mod ids;
pub mod load;
pub mod mirror;
pub mod month;
pub mod pack;
pub mod parse;
pub mod printer;
pub mod proration;
pub mod provider;
pub mod render;
pub mod report;
pub mod rows;
pub mod sandbox;
pub mod settings;
pub mod store;
pub mod summary;
pub mod sync;
pub mod trace;

pub use exit::{ExitStatus, UsageError};

use printer::Printer;

/// Runs one parsed command line; prints the error chain and picks the exit code.
pub fn run(cli: cli::Cli) -> ExitStatus {
    let printer = Printer::new(cli.verbosity());
    trace::init(cli.verbosity());
    match commands::dispatch(cli, &printer) {
        Ok(status) => status,
        Err(err) if printer::is_broken_pipe(&err) => ExitStatus::Success,
        Err(err) => {
            printer.error(&format!("{err:#}"));
            if err.downcast_ref::<exit::UsageError>().is_some() {
                ExitStatus::Usage
            } else {
                ExitStatus::Failure
            }
        }
    }
}
