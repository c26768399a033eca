//! One reseller's part of the file (`--reseller ACCOUNT` on `report`, `pack`,
//! `statements`, `export`, `status`): a read-only session in which the tables the
//! reports read hold only that reseller's invoices and customers. Each table is
//! shadowed by a TEMP view of the same name over the stored one (DuckDB resolves an
//! unqualified name to the session's TEMP objects first), so every query (the
//! compiled-in reports, the exports, the pack, `tally sql`) reads the reseller's
//! part without a word of its own about resellers, and nothing is written.
//!
//! A reseller's customers are the sub-accounts whose last list was its own, and its
//! own account; its invoices are those owned by one of them (invoices loaded
//! without `--account` belong to no reseller).

use duckdb::Connection;

use super::{Store, StoreError};
use crate::ids::AccountNumber;

/// The tables whose rows belong to an invoice.
const BY_INVOICE: [&str; 8] = [
    "invoices",
    "line_items",
    "invoice_sums",
    "account_sums",
    "product_sums",
    "line_checks",
    "closed_lines",
    "closed_invoices",
];

/// The tables whose rows belong to a customer, and the column naming it.
const BY_CUSTOMER: [(&str, &str); 3] = [
    ("customers", "account_number"),
    ("contacts", "account_number"),
    ("closed_fees", "account_no"),
];

/// Why a session could not be scoped to a reseller.
#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    #[error("--reseller {asked}: not a reseller account in {db} ({known})")]
    Unknown {
        asked: AccountNumber,
        db: String,
        known: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The reseller accounts a file holds, with their names: `(account, name)`.
pub fn resellers(conn: &Connection) -> Result<Vec<(String, Option<String>)>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT account_number, name FROM customers WHERE is_reseller ORDER BY account_number",
        )
        .map_err(StoreError::Query)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(StoreError::Query)?;
    rows.collect::<Result<_, _>>().map_err(StoreError::Query)
}

/// Scopes the session of `store` (opened read-only) to the reseller account
/// `reseller`: from here on its reports, exports and queries see only that
/// reseller's part. Fails, naming the resellers the file holds, when `reseller` is
/// not one.
pub fn to_reseller(store: &Store, reseller: &AccountNumber) -> Result<(), ScopeError> {
    let conn = store.connection();
    let known = resellers(conn)?;
    if !known
        .iter()
        .any(|(account, _)| *reseller == account.as_str())
    {
        return Err(ScopeError::Unknown {
            asked: reseller.clone(),
            db: store.path().display().to_string(),
            known: if known.is_empty() {
                "it holds none: run `tally sync rackspace` first".to_owned()
            } else {
                let names: Vec<String> = known
                    .iter()
                    .map(|(account, name)| match name {
                        Some(name) => format!("{account} {name}"),
                        None => account.clone(),
                    })
                    .collect();
                format!("it holds {}", names.join(", "))
            },
        });
    }
    apply(conn, reseller)?;
    Ok(())
}

/// Creates the views of [`to_reseller`] on `conn` (a connection of its own needs
/// its own: TEMP objects belong to the connection).
fn apply(conn: &Connection, reseller: &str) -> Result<(), StoreError> {
    let catalog: String = conn
        .query_row("SELECT current_database()", [], |r| r.get(0))
        .map_err(StoreError::Query)?;
    let stored = |table: &str| format!("\"{}\".main.{table}", catalog.replace('"', "\"\""));
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE scope_reseller AS SELECT ?::VARCHAR AS account",
        [reseller],
    )
    .map_err(StoreError::Query)?;
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE scope_customers AS
         SELECT account_number FROM {}
          WHERE reseller_account = (SELECT account FROM scope_reseller)
             OR account_number = (SELECT account FROM scope_reseller);
         CREATE OR REPLACE TEMP TABLE scope_invoices AS
         SELECT invoice_id FROM {} WHERE account_number IN (SELECT account_number FROM scope_customers);",
        stored("customers"),
        stored("invoices")
    ))
    .map_err(StoreError::Query)?;
    let mut views = String::new();
    for table in BY_INVOICE {
        views.push_str(&format!(
            "CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {} \
             WHERE invoice_id IN (SELECT invoice_id FROM scope_invoices);\n",
            stored(table)
        ));
    }
    for (table, column) in BY_CUSTOMER {
        views.push_str(&format!(
            "CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {} \
             WHERE {column} IN (SELECT account_number FROM scope_customers);\n",
            stored(table)
        ));
    }
    conn.execute_batch(&views).map_err(StoreError::Query)
}

/// Gives `other`, another connection to the same database, the scope of `conn`
/// (if it has one): a session's second connection sees what the first does.
pub fn copy(conn: &Connection, other: &Connection) -> Result<(), StoreError> {
    if !is_scoped(conn)? {
        return Ok(());
    }
    let reseller: String = conn
        .query_row("SELECT account FROM scope_reseller", [], |r| r.get(0))
        .map_err(StoreError::Query)?;
    apply(other, &reseller)
}

/// Whether the session on `conn` is scoped to one reseller ([`to_reseller`]).
pub fn is_scoped(conn: &Connection) -> Result<bool, StoreError> {
    conn.query_row(
        "SELECT count(*) > 0 FROM duckdb_tables() WHERE temporary AND table_name = 'scope_reseller'",
        [],
        |r| r.get(0),
    )
    .map_err(StoreError::Query)
}
