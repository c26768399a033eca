//! Writing invoices (header and lines) so that each is whole: an invoice's header
//! and all its lines go into one transaction, so after any crash the file holds
//! each invoice whole or not at all, and writing an invoice again replaces it.
//!
//! Several consecutive invoices may share a transaction ([`Store::write_invoices`]):
//! a DuckDB commit costs milliseconds, more than appending an invoice's 2,000 lines,
//! and a transaction that appends a row group or more has it written straight to
//! the file (`load` sizes its groups for that). Grouping never splits an invoice and
//! never mixes in one that failed to parse; a group's headers are read in one
//! statement and its new ones appended together.

use std::collections::HashMap;

use duckdb::{Transaction, params, params_from_iter};

use super::line_batch::fill_lines;
use super::{CsvOrigin, CsvStatus, Store, StoreError, summaries};
use crate::ids::{AccountNumber, InvoiceId};
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
    pub invoice_id: InvoiceId,
    /// The owner account, when known. A file loaded for an invoice stored under
    /// another owner is refused ([`StoreError::OwnerConflict`]); a stored invoice
    /// without an owner takes this one.
    pub owner: Option<AccountNumber>,
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
        let kept: Vec<&InvoiceWrite> = writes
            .iter()
            .enumerate()
            .filter(|(i, w)| last_of_id[w.invoice_id.as_str()] == *i)
            .map(|(_, w)| *w)
            .collect();
        let tx = self
            .conn
            .transaction()
            .map_err(fail_at(&first.invoice_id))?;
        let loaded_at = utc_now_text();
        write_headers(&tx, &kept, &loaded_at)?;
        let mut sums = Vec::new();
        for write in &kept {
            let conversion =
                |e| fail_at(&write.invoice_id)(duckdb::Error::ToSqlConversionFailure(Box::new(e)));
            // The summaries the reports read, from exactly the lines stored here.
            sums.extend(
                summaries::batches(&write.invoice_id, &write.csv.items).map_err(conversion)?,
            );
        }
        if kept.iter().any(|w| !w.csv.items.is_empty()) {
            let mut appender = tx
                .appender("line_items")
                .map_err(fail_at(&first.invoice_id))?;
            for write in &kept {
                let items = &write.csv.items;
                appender
                    .append_columns(items.len(), |columns, first| {
                        let chunk = &items[first..first + columns.len()];
                        fill_lines(columns, &write.invoice_id, chunk)
                    })
                    .map_err(fail_at(&write.invoice_id))?;
            }
            appender.flush().map_err(fail_at(&first.invoice_id))?;
        }
        summaries::append(&tx, summaries::Target::Stored, sums)
            .map_err(fail_at(&first.invoice_id))?;
        tx.commit().map_err(fail_at(&first.invoice_id))
    }
}

/// A store error that names the invoice being written.
fn fail_at(invoice_id: &str) -> impl Fn(duckdb::Error) -> StoreError + '_ {
    move |error| StoreError::WriteInvoice {
        invoice_id: invoice_id.to_owned(),
        error,
    }
}

/// Ids looked up in one statement. A statement costs about a millisecond (two per
/// invoice were 14 % of the load benchmark's CPU), so a group's ids go in one; the
/// chunks keep a statement's parameters few whatever the group.
const IDS_PER_LOOKUP: usize = 500;

/// A stored header: its owner (`None`: unknown) and how many lines it has (`None`: none).
type StoredHeader = (Option<String>, Option<i64>);

/// The stored header of each of `writes` that has one, by invoice id.
fn stored_headers(
    tx: &Transaction<'_>,
    writes: &[&InvoiceWrite],
) -> Result<HashMap<String, StoredHeader>, StoreError> {
    let mut found = HashMap::new();
    for chunk in writes.chunks(IDS_PER_LOOKUP) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut stmt = tx
            .prepare(&format!(
                "SELECT invoice_id, account_number, line_count FROM invoices
                  WHERE invoice_id IN ({marks})"
            ))
            .map_err(fail_at(&chunk[0].invoice_id))?;
        let rows = stmt
            .query_map(
                params_from_iter(chunk.iter().map(|w| w.invoice_id.as_str())),
                |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))),
            )
            .and_then(|rows| rows.collect::<duckdb::Result<Vec<_>>>())
            .map_err(fail_at(&chunk[0].invoice_id))?;
        found.extend(rows);
    }
    Ok(found)
}

/// Creates or updates each invoice's header and removes the lines it had, inside
/// `tx`: the known ones one by one (their old lines and summaries go), the new ones
/// in one append.
fn write_headers(
    tx: &Transaction<'_>,
    writes: &[&InvoiceWrite],
    loaded_at: &str,
) -> Result<(), StoreError> {
    let stored = stored_headers(tx, writes)?;
    let mut new = Vec::new();
    for write in writes {
        let id = &write.invoice_id;
        match stored.get(id.as_str()) {
            Some((owner, lines)) => {
                if let (Some(stored), Some(given)) = (owner, &write.owner)
                    && stored.as_str() != given.as_str()
                    && write.csv.origin == CsvOrigin::File
                {
                    return Err(StoreError::OwnerConflict {
                        invoice_id: id.to_string(),
                        stored: stored.clone(),
                        given: given.to_string(),
                    });
                }
                update_header(tx, write, lines.is_some_and(|n| n > 0), loaded_at)
                    .map_err(fail_at(id))?;
            }
            None => new.push(*write),
        }
    }
    let Some(first) = new.first() else {
        return Ok(());
    };
    let mut appender = tx
        .appender_with_columns(
            "invoices",
            &[
                "invoice_id",
                "account_number",
                "csv_status",
                "csv_origin",
                "csv_sha256",
                "csv_source",
                "line_count",
                "csv_loaded_at",
            ],
        )
        .map_err(fail_at(&first.invoice_id))?;
    for write in &new {
        let csv = &write.csv;
        appender
            .append_row(params![
                write.invoice_id,
                write.owner,
                CsvStatus::Loaded.as_str(),
                csv.origin.as_str(),
                csv.sha256,
                csv.source,
                csv.items.len() as i64,
                loaded_at
            ])
            .map_err(fail_at(&write.invoice_id))?;
    }
    appender.flush().map_err(fail_at(&first.invoice_id))
}

/// Points a known invoice's header at its new lines (keeping its provider fields and
/// owner) and deletes the lines and summaries it had.
fn update_header(
    tx: &Transaction<'_>,
    write: &InvoiceWrite,
    had_lines: bool,
    loaded_at: &str,
) -> duckdb::Result<()> {
    let (id, csv) = (&write.invoice_id, &write.csv);
    if had_lines {
        tx.prepare_cached("DELETE FROM line_items WHERE invoice_id = ?")?
            .execute([id])?;
        summaries::delete_invoice(tx, id)?;
    }
    tx.prepare_cached(&format!(
        "UPDATE invoices
            SET csv_status = {}, csv_origin = ?, csv_sha256 = ?, csv_source = ?,
                line_count = ?, csv_loaded_at = ?::TIMESTAMP,
                account_number = coalesce(account_number, ?)
          WHERE invoice_id = ?",
        CsvStatus::Loaded.sql()
    ))?
    .execute(params![
        csv.origin.as_str(),
        csv.sha256,
        csv.source,
        csv.items.len() as i64,
        loaded_at,
        write.owner,
        id
    ])?;
    Ok(())
}

/// The current UTC time as DuckDB `TIMESTAMP` text (no zone, microseconds).
pub(super) fn utc_now_text() -> String {
    chrono::Utc::now()
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S%.6f")
        .to_string()
}
