//! The demo's picture of the latest month: the newest invoice with line items and
//! the sub-accounts it bills most. Money comes back as exact decimals.

use duckdb::{Connection, OptionalExt};
use rust_decimal::Decimal;

use crate::store::{StoreError, sql_decimal as decimal};

/// The newest invoice of `account` whose lines are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestInvoice {
    pub invoice_id: String,
    pub invoice_date: String,
    pub total_due: Option<Decimal>,
    pub sum_charge: Decimal,
    pub lines: i64,
    pub sub_accounts: i64,
}

/// One sub-account's share of an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountShare {
    pub account_no: String,
    pub name: Option<String>,
    pub lines: i64,
    pub charge: Decimal,
}

pub fn latest_invoice(
    conn: &Connection,
    account: &str,
) -> Result<Option<LatestInvoice>, StoreError> {
    conn.query_row(
        "SELECT i.invoice_id, strftime(i.invoice_date, '%Y-%m-%d'), i.total_due::VARCHAR,
                sum(l.charge)::VARCHAR, sum(l.lines)::BIGINT, count(DISTINCT l.account_no)
           FROM invoices i JOIN account_sums l USING (invoice_id)
          WHERE i.account_number = ? AND i.csv_status = 'loaded'
          GROUP BY i.invoice_id, i.invoice_date, i.total_due
          ORDER BY i.invoice_date DESC LIMIT 1",
        [account],
        |r| {
            Ok(LatestInvoice {
                invoice_id: r.get(0)?,
                invoice_date: r.get(1)?,
                total_due: r.get::<_, Option<String>>(2)?.map(decimal).transpose()?,
                sum_charge: decimal(r.get(3)?)?,
                lines: r.get(4)?,
                sub_accounts: r.get(5)?,
            })
        },
    )
    .optional()
    .map_err(StoreError::Query)
}

/// The `n` sub-accounts with the largest charge on an invoice.
pub fn largest_accounts(
    conn: &Connection,
    invoice_id: &str,
    n: usize,
) -> Result<Vec<AccountShare>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT l.account_no, any_value(c.name), sum(l.lines)::BIGINT, sum(l.charge)::VARCHAR
               FROM account_sums l LEFT JOIN customers c ON c.account_number = l.account_no
              WHERE l.invoice_id = ?
              GROUP BY l.account_no ORDER BY sum(l.charge) DESC, l.account_no LIMIT ?",
        )
        .map_err(StoreError::Query)?;
    stmt.query_map(duckdb::params![invoice_id, n as i64], |r| {
        Ok(AccountShare {
            account_no: r.get(0)?,
            name: r.get(1)?,
            lines: r.get(2)?,
            charge: decimal(r.get(3)?)?,
        })
    })
    .map_err(StoreError::Query)?
    .collect::<Result<Vec<_>, _>>()
    .map_err(StoreError::Query)
}

/// How many invoices are dated in a billing month (after [`super::prepare`]).
pub fn invoices_in_month(conn: &Connection, month: &str) -> Result<i64, StoreError> {
    conn.query_row(
        "SELECT count(*) FROM stg_invoices WHERE billing_month = ?",
        [month],
        |r| r.get(0),
    )
    .map_err(StoreError::Query)
}
