//! Closing a month: its bill (every provider line's cost and sell, every fee, the
//! price book as it was) frozen in one transaction, as a numbered revision; reopening
//! ends a revision with a reason. Reports read a closed month's frozen bill
//! (`bill_lines`, `bill_fees` in `queries/billing.sql`).

use duckdb::{OptionalExt, params};
use rust_decimal::Decimal;

use super::PriceBook;
use crate::month::Month;
use crate::store::{Store, StoreError, sql_decimal};

/// The latest revision of a month, if it was ever closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub revision: i64,
    pub closed_at: String,
    /// `None` while the month is closed.
    pub reopened_at: Option<String>,
    /// The price book the close froze: where it was read from, and its text.
    pub price_book_path: Option<String>,
    pub price_book_text: String,
}

impl Revision {
    /// The price book as frozen by the close, read again.
    pub fn price_book(&self) -> Result<PriceBook, super::PriceBookError> {
        let path = self
            .price_book_path
            .clone()
            .unwrap_or_else(|| "(frozen price book)".to_owned());
        PriceBook::parse(std::path::Path::new(&path), &self.price_book_text)
    }
}

/// What a close froze.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub month: Month,
    pub revision: i64,
    pub lines: i64,
    /// Σ provider charges, and Σ sell lines + fees (cents).
    pub cost: Decimal,
    pub sell: Decimal,
    pub fees: i64,
}

/// The month's latest revision.
pub fn latest(store: &Store, month: Month) -> Result<Option<Revision>, StoreError> {
    store
        .connection()
        .query_row(
            "SELECT revision, strftime(closed_at, '%Y-%m-%d %H:%M UTC'),
                    strftime(reopened_at, '%Y-%m-%d %H:%M UTC'), price_book_path, price_book_text
               FROM closed_months WHERE month = ? ORDER BY revision DESC LIMIT 1",
            [month.to_string()],
            |r| {
                Ok(Revision {
                    revision: r.get(0)?,
                    closed_at: r.get(1)?,
                    reopened_at: r.get(2)?,
                    price_book_path: r.get(3)?,
                    price_book_text: r.get(4)?,
                })
            },
        )
        .optional()
        .map_err(StoreError::Query)
}

/// Freezes `month` as the next revision, in one transaction. The billing views
/// (`crate::billing::load` with `book`) must be defined on the store's connection.
pub fn close(
    store: &mut Store,
    month: Month,
    book: &PriceBook,
    forced: bool,
) -> Result<Closed, StoreError> {
    let m = month.to_string();
    let revision = latest(store, month)?.map_or(1, |r| r.revision + 1);
    let conn = store.connection();
    let run = || -> duckdb::Result<Closed> {
        conn.execute_batch("BEGIN TRANSACTION")?;
        conn.execute(
            "INSERT INTO closed_months (month, revision, closed_at, forced, price_book_path,
                                        price_book_sha256, price_book_text)
             VALUES (?, ?, now()::TIMESTAMP, ?, ?, ?, ?)",
            params![
                m,
                revision,
                forced,
                book.path.display().to_string(),
                book.sha256,
                book.text
            ],
        )?;
        let lines = conn.execute(
            "INSERT INTO closed_lines
             SELECT month, ?, invoice_id, line_no, account_no, product, type, service_start,
                    service_end, current_usage, usage_change, months, cost_rate, cost, rule,
                    sell_rate, sell, markup
               FROM bill_lines_live WHERE month = ?",
            params![revision, m],
        )?;
        let fees = conn.execute(
            "INSERT INTO closed_fees
             SELECT month, ?, account_no, description, amount FROM bill_fees_live WHERE month = ?",
            params![revision, m],
        )?;
        conn.execute(
            "INSERT INTO closed_invoices
             SELECT i.billing_month, ?, i.invoice_id, i.total_due, coalesce(s.lines, 0),
                    coalesce(s.print_sum, 0)
               FROM stg_invoices i LEFT JOIN invoice_sums s USING (invoice_id)
              WHERE i.billing_month = ?",
            params![revision, m],
        )?;
        let (cost, sell) = conn.query_row(
            "SELECT (SELECT coalesce(sum(cost), 0) FROM closed_lines WHERE month = ?1 AND revision = ?2)::VARCHAR,
                    ((SELECT coalesce(sum(sell), 0) FROM closed_lines WHERE month = ?1 AND revision = ?2)
                     + (SELECT coalesce(sum(amount), 0) FROM closed_fees WHERE month = ?1 AND revision = ?2))::VARCHAR",
            params![m, revision],
            |r| Ok((sql_decimal(r.get(0)?)?, sql_decimal(r.get(1)?)?)),
        )?;
        conn.execute_batch("COMMIT")?;
        Ok(Closed {
            month,
            revision,
            lines: lines as i64,
            cost,
            sell,
            fees: fees as i64,
        })
    };
    run().map_err(|e| {
        let _ = conn.execute_batch("ROLLBACK");
        StoreError::Query(e)
    })
}

/// Ends the month's closed revision, with the reason.
pub fn reopen(
    store: &mut Store,
    month: Month,
    revision: i64,
    reason: &str,
) -> Result<(), StoreError> {
    store
        .connection()
        .execute(
            "UPDATE closed_months SET reopened_at = now()::TIMESTAMP, reopen_reason = ?
              WHERE month = ? AND revision = ?",
            params![reason, month.to_string(), revision],
        )
        .map_err(StoreError::Query)?;
    Ok(())
}
