//! Errors from the DuckDB file, each saying which file or invoice was involved.

use std::path::PathBuf;

/// DuckDB's own message for an error, without the generic C API code that
/// `duckdb::Error` appends as its cause ("Error code 1: Unknown error code").
pub fn duckdb_message(error: &duckdb::Error) -> String {
    match error {
        duckdb::Error::DuckDBFailure(_, Some(message)) => message.clone(),
        other => other.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}: {}", duckdb_message(.error))]
    Open { path: PathBuf, error: duckdb::Error },
    #[error("no database at {path}; create one with `tally load` (or `tally sync`), or pass --db")]
    Missing { path: PathBuf },
    #[error(
        "cannot upgrade the database schema to version {version} ({name}): {}",
        duckdb_message(.error)
    )]
    Migrate {
        version: u32,
        name: &'static str,
        error: duckdb::Error,
    },
    #[error(
        "the database was written by a newer tally (schema version {found}; this tally knows up to {known})"
    )]
    TooNew { found: u32, known: u32 },
    #[error("cannot store invoice {invoice_id}: {}", duckdb_message(.error))]
    WriteInvoice {
        invoice_id: String,
        error: duckdb::Error,
    },
    /// A file loaded with `--account` for an invoice another account owns.
    #[error(
        "invoice {invoice_id} belongs to account {stored}, not {given}: refused (load it with --account {stored}, or without --account)"
    )]
    OwnerConflict {
        invoice_id: String,
        stored: String,
        given: String,
    },
    #[error("cannot copy the database to {path} before upgrading its schema: {error}")]
    Backup {
        path: PathBuf,
        error: std::io::Error,
    },
    /// Another process held the file for longer than the wait `flag` sets.
    #[error(
        "database {path} is in use by {holder}; gave up after waiting {waited_secs} s ({flag})"
    )]
    Locked {
        path: PathBuf,
        holder: String,
        waited_secs: u64,
        flag: &'static str,
    },
    /// A value in the file that tally checks where it comes in, and that is not
    /// what it checks for (a file edited by hand).
    #[error("the database holds {0}")]
    Corrupt(String),
    #[error("query failed: {}", duckdb_message(.0))]
    Query(duckdb::Error),
}
