//! Numbered schema migrations, applied in order, each in its own transaction.
//!
//! A migration, once released, is never edited: a change to the schema is a new
//! file with the next number.

use duckdb::Connection;

use super::StoreError;

/// (version, name, SQL), in order.
pub const MIGRATIONS: &[(u32, &str, &str)] = &[
    (1, "invoices", include_str!("migrations/0001_invoices.sql")),
    (
        2,
        "customers_contacts_runs",
        include_str!("migrations/0002_customers_contacts_runs.sql"),
    ),
    (
        3,
        "mailroute",
        include_str!("migrations/0003_mailroute.sql"),
    ),
];

pub(super) fn apply(conn: &mut Connection) -> Result<(), StoreError> {
    let setup = |error| StoreError::Migrate {
        version: 0,
        name: "schema_migrations",
        error,
    };
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY,
             name VARCHAR NOT NULL,
             applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
         )",
    )
    .map_err(setup)?;
    let current: u32 = conn
        .query_row(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(setup)?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(StoreError::TooNew {
            found: current,
            known,
        });
    }
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let fail = |error| StoreError::Migrate {
            version,
            name,
            error,
        };
        let tx = conn.transaction().map_err(fail)?;
        tx.execute_batch(sql).map_err(fail)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
            duckdb::params![version, name],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    Ok(())
}
