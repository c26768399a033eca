//! Errors from the DuckDB file, each saying which file or invoice was involved.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: duckdb::Error,
    },
    #[error("no database at {path}; create one with `tally load` (or `tally sync`), or pass --db")]
    Missing { path: PathBuf },
    #[error("cannot upgrade the database schema to version {version} ({name})")]
    Migrate {
        version: u32,
        name: &'static str,
        #[source]
        source: duckdb::Error,
    },
    #[error(
        "the database was written by a newer tally (schema version {found}; this tally knows up to {known})"
    )]
    TooNew { found: u32, known: u32 },
    #[error("cannot store invoice {account_number}/{invoice_id}")]
    WriteInvoice {
        account_number: String,
        invoice_id: String,
        #[source]
        source: duckdb::Error,
    },
    #[error("query failed")]
    Query(#[source] duckdb::Error),
}
