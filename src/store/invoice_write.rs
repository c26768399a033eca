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
use super::{CsvOrigin, CsvStatus, Store, StoreError, summaries};
use crate::parse::LineItem;

/// An invoice's line-item CSV, parsed, with where it came from.
#[derive(Debug, Clone)]
pub struct InvoiceCsv {
    /// Hex SHA-256 of the bytes as received.
    pub sha256: String,
    /// The file path or URL (lineage).
    pub source: String,
    pub origin: CsvOrigin,
    pub items: Vec<LineItem>,
}

/// One unit of work on one invoice: its lines replace whatever lines it had.
#[derive(Debug, Clone)]
pub struct InvoiceWrite {
    /// The invoice id: the one key of an invoice.
    pub invoice_id: String,
    /// The owner account, when known. A file loaded for an invoice stored under
    /// another owner is refused ([`StoreError::OwnerConflict`]); a stored invoice
    /// without an owner takes this one.
    pub owner: Option<String>,
    pub csv: InvoiceCsv,
}

impl Store {
    /// Stores one invoice's lines, replacing any it had, in one transaction.
    pub fn write_invoice(&mut self, write: &InvoiceWrite) -> Result<(), StoreError> {
        self.write_invoices(&[write])
    }

    /// Stores each invoice's lines, replacing any it had, all in one transaction:
    /// either every invoice here is stored whole or none is. An invoice not yet
    /// known gets a header row holding its id, owner and CSV facts; a known one
    /// keeps its provider fields (date, total, paid) and its owner. If an id
    /// appears twice, the later write wins, as if they had been written one after
    /// the other.
    pub fn write_invoices(&mut self, writes: &[&InvoiceWrite]) -> Result<(), StoreError> {
        let Some(first) = writes.first() else {
            return Ok(());
        };
        let mut last_of_id: HashMap<&str, usize> = HashMap::new();
        for (i, w) in writes.iter().enumerate() {
            last_of_id.insert(&w.invoice_id, i);
        }
        let fail_at = |invoice_id: &str| {
            let invoice_id = invoice_id.to_owned();
            move |error| StoreError::WriteInvoice {
                invoice_id: invoice_id.clone(),
                error,
            }
        };
        let tx = self
            .conn
            .transaction()
            .map_err(fail_at(&first.invoice_id))?;
        let loaded_at = utc_now_text();
        let mut batches = Vec::with_capacity(writes.len());
        let mut sums = Vec::new();
        for (i, write) in writes.iter().enumerate() {
            if last_of_id[write.invoice_id.as_str()] != i {
                continue;
            }
            write_header(&tx, write, &loaded_at)?;
            let conversion =
                |e| fail_at(&write.invoice_id)(duckdb::Error::ToSqlConversionFailure(Box::new(e)));
            let batch = line_batch(&write.invoice_id, &write.csv.items).map_err(conversion)?;
            if batch.num_rows() > 0 {
                batches.push((&write.invoice_id, batch));
            }
            // The summaries the reports read, from exactly the lines stored here.
            sums.extend(
                summaries::batches(&write.invoice_id, &write.csv.items).map_err(conversion)?,
            );
        }
        if !batches.is_empty() {
            let mut appender = tx
                .appender("line_items")
                .map_err(fail_at(&first.invoice_id))?;
            for (id, batch) in batches {
                appender.append_record_batch(batch).map_err(fail_at(id))?;
            }
            appender.flush().map_err(fail_at(&first.invoice_id))?;
        }
        summaries::append(&tx, summaries::Target::Stored, sums)
            .map_err(fail_at(&first.invoice_id))?;
        tx.commit().map_err(fail_at(&first.invoice_id))
    }
}

/// Creates or updates the invoice's header and removes the lines it had, inside `tx`.
fn write_header(
    tx: &Transaction<'_>,
    write: &InvoiceWrite,
    loaded_at: &str,
) -> Result<(), StoreError> {
    let id = &write.invoice_id;
    let fail = |error| StoreError::WriteInvoice {
        invoice_id: id.clone(),
        error,
    };
    // None: no header yet. Some((owner, n)): a header; n lines stored (NULL: none).
    let existing: Option<(Option<String>, Option<i64>)> = tx
        .prepare_cached("SELECT account_number, line_count FROM invoices WHERE invoice_id = ?")
        .and_then(|mut s| s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(fail)?;
    if let (Some((Some(stored), _)), Some(given)) = (&existing, &write.owner)
        && stored != given
        && write.csv.origin == CsvOrigin::File
    {
        return Err(StoreError::OwnerConflict {
            invoice_id: id.clone(),
            stored: stored.clone(),
            given: given.clone(),
        });
    }
    let (csv, line_count) = (&write.csv, write.csv.items.len() as i64);
    let result = match &existing {
        Some((_, lines)) => {
            if lines.is_some_and(|n| n > 0) {
                tx.prepare_cached("DELETE FROM line_items WHERE invoice_id = ?")
                    .and_then(|mut s| s.execute([id]))
                    .map_err(fail)?;
                summaries::delete_invoice(tx, id).map_err(fail)?;
            }
            tx.prepare_cached(&format!(
                "UPDATE invoices
                    SET csv_status = {}, csv_origin = ?, csv_sha256 = ?, csv_source = ?,
                        line_count = ?, csv_loaded_at = ?::TIMESTAMP,
                        account_number = coalesce(account_number, ?)
                  WHERE invoice_id = ?",
                CsvStatus::Loaded.sql()
            ))
            .and_then(|mut s| {
                s.execute(params![
                    csv.origin.as_str(),
                    csv.sha256,
                    csv.source,
                    line_count,
                    loaded_at,
                    write.owner,
                    id
                ])
            })
        }
        None => tx
            .prepare_cached(&format!(
                "INSERT INTO invoices (invoice_id, account_number, csv_status, csv_origin,
                                       csv_sha256, csv_source, line_count, csv_loaded_at)
                 VALUES (?, ?, {}, ?, ?, ?, ?, ?::TIMESTAMP)",
                CsvStatus::Loaded.sql()
            ))
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    write.owner,
                    csv.origin.as_str(),
                    csv.sha256,
                    csv.source,
                    line_count,
                    loaded_at
                ])
            }),
    };
    result.map(|_| ()).map_err(fail)
}

/// The current UTC time as DuckDB `TIMESTAMP` text (no zone, microseconds).
pub(super) fn utc_now_text() -> String {
    chrono::Utc::now()
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S%.6f")
        .to_string()
}
