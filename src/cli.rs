//! Command-line definitions (clap). No logic here: commands turn these into
//! checked settings before any work starts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::printer::Verbosity;

/// tally: your hosted-email billing data in one DuckDB file, exact to the cent.
///
/// Loads Rackspace Email & Apps invoice line items into an embedded DuckDB database
/// with exact decimals, and answers SQL over them.
///
/// Exit codes: 0 success, 1 a data or remote failure (a rejected file, a failed
/// query), 2 a usage error.
#[derive(Debug, Parser)]
#[command(name = "tally", version, propagate_version = true)]
#[command(after_help = "Examples:\n  \
    tally load data/\n  \
    tally sql \"SELECT product, sum(charge) FROM line_items GROUP BY ALL\"\n  \
    tally --db books.duckdb load --account 1234567 invoices/")]
pub struct Cli {
    /// The DuckDB database file.
    #[arg(long, global = true, env = "TALLY_DB", default_value = "tally.duckdb")]
    pub db: PathBuf,

    /// Say more on stderr (-v: each invoice as it is stored).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Say nothing on stderr but errors; no progress bars.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, _) => Verbosity::Debug,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Load(LoadArgs),
    Sql(SqlArgs),
}

/// Load invoice line-item CSV files (as Rackspace issues them) into the database.
///
/// Each file is one invoice: its id is the file name without `.csv` (or
/// --invoice-id), its owner the --account. A folder loads every `*.csv` in it (not
/// recursively). Loading an invoice again replaces its lines; a file with any error
/// is rejected whole (an invoice already stored under its id is left as it was)
/// while the other files still load. Exit code 1 if any file was rejected.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally load data/\n  \
    tally load --account 1234567 ~/Downloads/invoice-2017-12.csv --invoice-id 123123\n  \
    tally --db books.duckdb load invoices/*.csv")]
pub struct LoadArgs {
    /// CSV files or folders of CSV files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The account that owns these invoices (the reseller's account number).
    #[arg(long, default_value = "local", value_name = "ACCT")]
    pub account: String,

    /// The invoice id, when loading a single file whose name is not its id.
    #[arg(long, value_name = "ID")]
    pub invoice_id: Option<String>,
}

/// Run one read-only SQL query against the database and print the result.
///
/// Tables: invoices, line_items (see README). Decimals print exactly as stored.
/// The connection is read-only: INSERT, UPDATE, DELETE, CREATE... fail and change
/// nothing.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally sql \"SELECT account_no, sum(charge) AS total FROM line_items GROUP BY ALL ORDER BY total DESC\"\n  \
    tally sql --format csv \"SELECT * FROM line_items\" > lines.csv\n  \
    tally sql --format json \"SELECT invoice_id, line_count FROM invoices\"")]
pub struct SqlArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// The SQL query.
    #[arg(value_name = "QUERY")]
    pub query: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for a terminal; numbers right-aligned.
    Table,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// A JSON array of objects; decimals as strings so no digit is lost.
    Json,
}
