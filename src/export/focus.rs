//! `tally export --format focus`: the provider's line items as a FinOps FOCUS 1.2
//! cost-and-usage dataset in Parquet (`DIR/focus/`), one row per line item, from
//! `queries/focus.sql` (README "FOCUS 1.2" maps it column by column). Decimals keep
//! their exact values as Parquet DECIMAL; times are UTC with exclusive ends.

use duckdb::Connection;

use super::Source;
pub use crate::ids::Currency;
use crate::store::StoreError;

/// The query (after the staging views and [`prepare`]).
pub const SQL: &str = include_str!("../../queries/focus.sql");

/// The folder (and `--tables` name) of the dataset.
pub const NAME: &str = "focus";

/// The FOCUS dataset as an export source: partitioned and filtered by its billing
/// month, which is not itself written (FOCUS columns and `x_` columns only).
pub fn source() -> Source {
    Source {
        name: NAME.into(),
        sql: SQL.trim().trim_end_matches(';').to_owned(),
        by_month: true,
        computed: false,
        write_month: false,
        months: None,
    }
}

/// Up to this many invoices and named customers together, each line looks its
/// invoice's and customer's values up in MAP variables; beyond it, the lines are
/// joined to them and sorted back into their stored order. DuckDB writes a join's
/// rows in no fixed order (its threads interleave their chunks), and a file must be
/// the same bytes each time; a lookup in a map costs about 50 ns per key for every
/// 2,048 lines, a sort about 350 ns per line, so the two cost the same near 13,000
/// keys (measured on the 5,000,000-line benchmark; README Performance).
pub const LOOKUP_LIMIT: u64 = 10_000;

/// Sets up the query on `conn` (after the staging views), with [`LOOKUP_LIMIT`].
pub fn prepare(conn: &Connection, currency: &Currency) -> anyhow::Result<()> {
    prepare_with(conn, currency, LOOKUP_LIMIT)
}

/// Sets up the query on `conn`: the variable `currency`; the TEMP table
/// `focus_invoices`, each invoice's billing month, billing account (its owner, else
/// the reseller's own account for invoices loaded without one), that account's name
/// (else its number) and billing period; the TEMP view `focus_lines`, every stored
/// line with its invoice's values and its customer's name, in stored order, by
/// lookups up to `lookup_limit` keys, else by a join and a sort on the row id.
/// Refuses, naming them, invoices with lines whose billing account is unknown:
/// FOCUS requires a BillingAccountId on every row.
pub fn prepare_with(
    conn: &Connection,
    currency: &Currency,
    lookup_limit: u64,
) -> anyhow::Result<()> {
    conn.execute("SET VARIABLE currency = ?", [currency.to_string()])
        .map_err(StoreError::Query)?;
    conn.execute_batch(
        "SET VARIABLE resellers = (SELECT count(*) FROM customers WHERE is_reseller);
         SET VARIABLE reseller = (SELECT CASE WHEN count(*) = 1 THEN min(account_number) END
                                    FROM customers WHERE is_reseller);
         CREATE OR REPLACE TEMP TABLE focus_invoices AS
         SELECT i.invoice_id,
                {'billing_month': i.billing_month,
                 'billing_account': i.billing_account,
                 'billing_account_name': coalesce(b.name, i.billing_account),
                 'period_start': i.period_start,
                 'period_end': i.period_start + INTERVAL 1 MONTH} AS invoice
           FROM (SELECT invoice_id, billing_month,
                        coalesce(account_number, getvariable('reseller')) AS billing_account,
                        strptime(billing_month || '-01', '%Y-%m-%d') AS period_start
                   FROM stg_invoices) i
           LEFT JOIN customers b ON b.account_number = i.billing_account;",
    )
    .map_err(StoreError::Query)?;
    let keys: u64 = conn.query_row(
        "SELECT (SELECT count(*) FROM focus_invoices)
              + (SELECT count(*) FROM customers WHERE name IS NOT NULL)",
        [],
        |r| r.get(0),
    )?;
    // A session scoped to one reseller reads `line_items` through a view that
    // filters by a join, which keeps no order: its lines are in invoice and line
    // order instead of stored order.
    let scoped = crate::store::scope::is_scoped(conn)?;
    let lines = if keys <= lookup_limit && !scoped {
        "SET VARIABLE focus_invoice_map = (
             SELECT map(list(invoice_id), list(invoice)) FROM focus_invoices);
         SET VARIABLE focus_names = (
             SELECT map(list(account_number), list(name)) FROM customers WHERE name IS NOT NULL);
         CREATE OR REPLACE TEMP VIEW focus_lines AS
         SELECT l.*,
                getvariable('focus_invoice_map')[l.invoice_id] AS invoice,
                getvariable('focus_names')[l.account_no] AS customer_name
           FROM line_items l;"
    } else {
        &format!(
            "CREATE OR REPLACE TEMP VIEW focus_lines AS
             SELECT l.*, i.invoice, c.name AS customer_name
               FROM line_items l
               LEFT JOIN focus_invoices i ON i.invoice_id = l.invoice_id
               LEFT JOIN customers c ON c.account_number = l.account_no
              ORDER BY {};",
            if scoped {
                "l.invoice_id, l.line_no"
            } else {
                "l.rowid"
            }
        )
    };
    conn.execute_batch(lines).map_err(StoreError::Query)?;
    ascii_lookups(conn)?;
    let orphans: Vec<String> = conn
        .prepare(
            "SELECT invoice_id FROM stg_invoices i
              WHERE account_number IS NULL AND getvariable('reseller') IS NULL
                AND EXISTS (SELECT 1 FROM line_items l WHERE l.invoice_id = i.invoice_id)
              ORDER BY invoice_id LIMIT 6",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if !orphans.is_empty() {
        let shown: Vec<&str> = orphans.iter().take(5).map(String::as_str).collect();
        let resellers: i64 = conn.query_row("SELECT getvariable('resellers')", [], |r| r.get(0))?;
        let why = if resellers == 0 {
            "no sync has named the reseller's own account".to_owned()
        } else {
            format!(
                "the file holds {resellers} reseller accounts, so it cannot be taken for either"
            )
        };
        anyhow::bail!(
            "cannot export FOCUS: invoice{} {}{} {} no billing account (loaded without --account, and {why}); load {} again with `tally load --account NUMBER`{}",
            if orphans.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if orphans.len() > 5 { " and more" } else { "" },
            if orphans.len() == 1 { "has" } else { "have" },
            if orphans.len() == 1 { "it" } else { "them" },
            if resellers == 0 {
                ", or run `tally sync rackspace`"
            } else {
                ""
            },
        );
    }
    Ok(())
}

/// Sets the MAP variables `focus_ascii_text` and `focus_ascii_domain` (provider
/// text → its ASCII form, [`super::ascii`]) for every stored text that is not ASCII
/// (product, line type, customer name; domain), and the TEMP macros `focus_text(x)`
/// and `focus_domain(x)` that read them: FOCUS columns carrying provider text hold
/// ASCII only, while the `x_` columns keep the exact text. Only non-ASCII values are
/// keys (usually few; a lookup costs per key), found by bytes ≠ characters; they go
/// through a TEMP table as bound values, as `focus_names` is built from a table.
fn ascii_lookups(conn: &Connection) -> anyhow::Result<()> {
    let found: Vec<(String, bool)> = conn
        .prepare(
            "SELECT DISTINCT text, is_domain FROM (
                 SELECT product AS text, false AS is_domain FROM line_items
                  WHERE strlen(product) <> length(product)
                 UNION ALL SELECT type, false FROM line_items WHERE strlen(type) <> length(type)
                 UNION ALL SELECT name, false FROM customers WHERE strlen(name) <> length(name)
                 UNION ALL SELECT domain, true FROM line_items
                  WHERE strlen(domain) <> length(domain))",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE focus_ascii (text VARCHAR, ascii VARCHAR, is_domain BOOLEAN)",
    )
    .map_err(StoreError::Query)?;
    let mut insert = conn.prepare("INSERT INTO temp.focus_ascii VALUES (?, ?, ?)")?;
    for (text, is_domain) in &found {
        let ascii = if *is_domain {
            super::ascii::domain(text)
        } else {
            super::ascii::text(text)
        };
        insert.execute(duckdb::params![text, ascii.as_ref(), is_domain])?;
    }
    conn.execute_batch(
        "SET VARIABLE focus_ascii_text = (
             SELECT map(list(text), list(ascii)) FROM focus_ascii WHERE NOT is_domain);
         SET VARIABLE focus_ascii_domain = (
             SELECT map(list(text), list(ascii)) FROM focus_ascii WHERE is_domain);
         CREATE OR REPLACE TEMP MACRO focus_text(x) AS
             coalesce(getvariable('focus_ascii_text')[x], x);
         CREATE OR REPLACE TEMP MACRO focus_domain(x) AS
             coalesce(getvariable('focus_ascii_domain')[x], x);",
    )
    .map_err(StoreError::Query)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_currency_is_three_capital_letters() {
        assert_eq!("EUR".parse::<Currency>().unwrap().to_string(), "EUR");
        assert_eq!(Currency::default().to_string(), "USD");
        for bad in ["usd", "US", "USDX", "U$D", ""] {
            let e = bad.parse::<Currency>().unwrap_err().to_string();
            assert!(e.contains(&format!("found \"{bad}\"")), "{e}");
        }
    }
}
