//! Writing invoices (header and lines) so that each is whole: an invoice's header
//! and all its lines go into one transaction, so after any crash the file holds
//! each invoice whole or not at all, and writing an invoice again replaces it.
//!
//! Several consecutive invoices may share a transaction ([`Store::write_invoices`]):
//! a DuckDB commit costs milliseconds, more than appending an invoice's 2,000 lines,
//! so grouping is what makes loading run at DuckDB's own speed. Grouping never
//! splits an invoice and never mixes in one that failed to parse.

use std::collections::HashMap;

use duckdb::{OptionalExt, Transaction, params};

use super::line_batch::line_batch;
use super::{Store, StoreError};
use crate::parse::LineItem;

/// Which invoice: its owner account and its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InvoiceKey {
    pub account_number: String,
    pub invoice_id: String,
}

/// An invoice's line-item CSV, parsed, with where it came from.
#[derive(Debug, Clone)]
pub struct InvoiceCsv {
    /// Hex SHA-256 of the bytes as received.
    pub sha256: String,
    /// The file path or URL (lineage).
    pub source: String,
    pub items: Vec<LineItem>,
}

/// One unit of work on one invoice.
#[derive(Debug, Clone)]
pub struct InvoiceWrite {
    pub key: InvoiceKey,
    /// The lines: they replace whatever lines the invoice had.
    pub csv: InvoiceCsv,
}

impl Store {
    /// Stores one invoice's lines, replacing any it had, in one transaction.
    pub fn write_invoice(&mut self, write: &InvoiceWrite) -> Result<(), StoreError> {
        self.write_invoices(&[write])
    }

    /// Stores each invoice's lines, replacing any it had, all in one transaction:
    /// either every invoice here is stored whole or none is. An invoice not yet
    /// known gets a header row holding its key and CSV facts; a known one keeps its
    /// provider fields (date, total, paid). If a key appears twice, the later write
    /// wins, as if they had been written one after the other.
    pub fn write_invoices(&mut self, writes: &[&InvoiceWrite]) -> Result<(), StoreError> {
        let Some(first) = writes.first() else {
            return Ok(());
        };
        let mut last_of_key: HashMap<&InvoiceKey, usize> = HashMap::new();
        for (i, w) in writes.iter().enumerate() {
            last_of_key.insert(&w.key, i);
        }
        let fail_at = |key: &InvoiceKey| {
            let key = key.clone();
            move |error| StoreError::WriteInvoice {
                account_number: key.account_number.clone(),
                invoice_id: key.invoice_id.clone(),
                error,
            }
        };
        let tx = self.conn.transaction().map_err(fail_at(&first.key))?;
        let loaded_at = utc_now_text();
        let mut batches = Vec::with_capacity(writes.len());
        for (i, write) in writes.iter().enumerate() {
            if last_of_key[&write.key] != i {
                continue;
            }
            let fail = fail_at(&write.key);
            write_header(&tx, write, &loaded_at).map_err(&fail)?;
            let batch = line_batch(
                &write.key.account_number,
                &write.key.invoice_id,
                &write.csv.items,
            )
            .map_err(|e| fail(duckdb::Error::ToSqlConversionFailure(Box::new(e))))?;
            if batch.num_rows() > 0 {
                batches.push((&write.key, batch));
            }
        }
        if !batches.is_empty() {
            let mut appender = tx.appender("line_items").map_err(fail_at(&first.key))?;
            for (key, batch) in batches {
                appender.append_record_batch(batch).map_err(fail_at(key))?;
            }
            appender.flush().map_err(fail_at(&first.key))?;
        }
        tx.commit().map_err(fail_at(&first.key))
    }
}

/// Creates or updates the invoice's header and removes the lines it had, inside `tx`.
fn write_header(tx: &Transaction<'_>, write: &InvoiceWrite, loaded_at: &str) -> duckdb::Result<()> {
    let key = &write.key;
    // None: no header yet. Some(n): a header whose CSV gave n lines (NULL: none stored).
    let existing: Option<Option<i64>> = tx
        .prepare_cached(
            "SELECT line_count FROM invoices WHERE account_number = ? AND invoice_id = ?",
        )?
        .query_row(params![key.account_number, key.invoice_id], |r| r.get(0))
        .optional()?;
    if existing.flatten().is_some_and(|n| n > 0) {
        tx.prepare_cached("DELETE FROM line_items WHERE account_number = ? AND invoice_id = ?")?
            .execute(params![key.account_number, key.invoice_id])?;
    }
    let csv = &write.csv;
    let line_count = csv.items.len() as i64;
    if existing.is_some() {
        tx.prepare_cached(
            "UPDATE invoices
                SET csv_status = 'loaded', csv_sha256 = ?, csv_source = ?, line_count = ?,
                    csv_loaded_at = ?::TIMESTAMP
              WHERE account_number = ? AND invoice_id = ?",
        )?
        .execute(params![
            csv.sha256,
            csv.source,
            line_count,
            loaded_at,
            key.account_number,
            key.invoice_id
        ])?;
    } else {
        tx.prepare_cached(
            "INSERT INTO invoices (account_number, invoice_id, csv_status, csv_sha256, csv_source,
                                   line_count, csv_loaded_at)
             VALUES (?, ?, 'loaded', ?, ?, ?, ?::TIMESTAMP)",
        )?
        .execute(params![
            key.account_number,
            key.invoice_id,
            csv.sha256,
            csv.source,
            line_count,
            loaded_at
        ])?;
    }
    Ok(())
}

/// The current UTC time as DuckDB `TIMESTAMP` text (no zone, microseconds).
pub(super) fn utc_now_text() -> String {
    chrono::Utc::now()
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S%.6f")
        .to_string()
}
