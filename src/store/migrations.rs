//! Numbered schema migrations, applied in order, each in its own transaction.
//!
//! A migration, once released, is never edited: a change to the schema is a new
//! file with the next number. One that rewrites stored rows (not only adds tables or
//! columns) is applied only after the database file has been copied beside itself
//! (`tally.duckdb.bak-<version>`), and says what it changed.

use std::path::{Path, PathBuf};

use duckdb::Connection;

use super::StoreError;

/// One schema change.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
    /// Rewrites stored rows: the file is copied first.
    pub rewrites: bool,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "invoices",
        sql: include_str!("migrations/0001_invoices.sql"),
        rewrites: false,
    },
    Migration {
        version: 2,
        name: "customers_contacts_runs",
        sql: include_str!("migrations/0002_customers_contacts_runs.sql"),
        rewrites: false,
    },
    Migration {
        version: 3,
        name: "mailroute",
        sql: include_str!("migrations/0003_mailroute.sql"),
        rewrites: false,
    },
    Migration {
        version: 4,
        name: "one_invoice_per_id",
        sql: include_str!("migrations/0004_one_invoice_per_id.sql"),
        rewrites: true,
    },
    Migration {
        version: 5,
        name: "closed_months",
        sql: include_str!("migrations/0005_closed_months.sql"),
        rewrites: false,
    },
    Migration {
        version: 6,
        name: "actions",
        sql: include_str!("migrations/0006_actions.sql"),
        rewrites: false,
    },
    // Adds the summary tables; `summaries::fill` then fills them from the stored
    // lines with the one definition the writers use (`summary::summarize`).
    Migration {
        version: 7,
        name: "summaries",
        sql: include_str!("migrations/0007_summaries.sql"),
        rewrites: false,
    },
    Migration {
        version: 8,
        name: "running_syncs",
        sql: include_str!("migrations/0008_running_syncs.sql"),
        rewrites: false,
    },
    // Fills the new columns of every stored customer and contact.
    Migration {
        version: 9,
        name: "reseller_accounts",
        sql: include_str!("migrations/0009_reseller_accounts.sql"),
        rewrites: true,
    },
];

/// The schema version this tally writes.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The schema version of an open database (0: none yet).
pub(super) fn current_version(conn: &Connection) -> Result<u32, duckdb::Error> {
    let exists: bool = conn.query_row(
        "SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = 'schema_migrations' AND NOT temporary",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(0);
    }
    conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )
}

/// Brings the schema up to date; returns what the user should be told (backups
/// made, rows merged).
pub(super) fn apply(conn: &mut Connection, path: &Path) -> Result<Vec<String>, StoreError> {
    let setup = |error| StoreError::Migrate {
        version: 0,
        name: "schema_migrations",
        error,
    };
    let current = current_version(conn).map_err(setup)?;
    let known = latest_version();
    if current > known {
        return Err(StoreError::TooNew {
            found: current,
            known,
        });
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY,
             name VARCHAR NOT NULL,
             applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
         )",
    )
    .map_err(setup)?;
    let mut notes = Vec::new();
    // One copy per upgrade: the first rewriting migration's holds the file as it was.
    let mut copied = false;
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        let fail = |error| StoreError::Migrate {
            version: migration.version,
            name: migration.name,
            error,
        };
        // A brand-new file has nothing to keep.
        if migration.rewrites && current > 0 && !copied {
            copied = true;
            let backup = backup(conn, path, migration.version)?;
            notes.push(format!(
                "upgrading the database schema to version {} ({}); a copy of the file as it was is at {}",
                migration.version,
                migration.name,
                backup.display()
            ));
        }
        if migration.version == 4 {
            notes.extend(merged_invoices(conn).map_err(fail)?);
        }
        let tx = conn.transaction().map_err(fail)?;
        tx.execute_batch(migration.sql).map_err(fail)?;
        if migration.version == 7 {
            super::summaries::fill(&tx)?;
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
            duckdb::params![migration.version, migration.name],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    Ok(notes)
}

/// Copies the database file to `<file>.bak-<version>` (whole, under a temporary
/// name first), after a checkpoint has moved everything from the WAL into it.
fn backup(conn: &Connection, path: &Path, version: u32) -> Result<PathBuf, StoreError> {
    let target = super::beside(path, &format!(".bak-{version}"));
    let fail = |error: std::io::Error| StoreError::Backup {
        path: target.clone(),
        error,
    };
    conn.execute_batch("CHECKPOINT")
        .map_err(|error| StoreError::Migrate {
            version,
            name: "backup",
            error,
        })?;
    let temp = crate::atomic::temp_path(&target);
    std::fs::copy(path, &temp).map_err(fail)?;
    crate::atomic::commit(&temp, &target).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        fail(e)
    })?;
    Ok(target)
}

/// What migration 4 merges: per invoice id stored more than once, the row it keeps
/// and the owners of the rows it drops (the same order as the migration's SQL).
fn merged_invoices(conn: &Connection) -> Result<Vec<String>, duckdb::Error> {
    let mut stmt = conn.prepare(
        "SELECT invoice_id,
                list(account_number ORDER BY (header_synced_at IS NOT NULL) DESC,
                     lower(account_number) = 'me', csv_loaded_at DESC NULLS LAST, account_number)
           FROM invoices GROUP BY invoice_id HAVING count(*) > 1 ORDER BY invoice_id",
    )?;
    let rows = stmt.query_map([], |r| {
        let id: String = r.get(0)?;
        let owners: duckdb::types::Value = r.get(1)?;
        Ok((id, owners))
    })?;
    let mut notes = Vec::new();
    for row in rows {
        let (id, owners) = row?;
        let owners: Vec<String> = match owners {
            duckdb::types::Value::List(items) => items
                .into_iter()
                .map(|v| match v {
                    duckdb::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
                .collect(),
            other => vec![format!("{other:?}")],
        };
        let (kept, dropped) = owners
            .split_first()
            .map_or(("", &[][..]), |(k, d)| (k.as_str(), d));
        notes.push(format!(
            "merged invoice {id}: stored {} times (under {}); kept the copy under {kept}",
            owners.len(),
            std::iter::once(kept)
                .chain(dropped.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(notes)
}
