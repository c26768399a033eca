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
    }
}

/// Sets the query's variables on `conn` (after the staging views): the currency,
/// and the reseller's own account (the billing account of invoices loaded without
/// an owner). Refuses, naming them, invoices whose billing account is unknown:
/// FOCUS requires a BillingAccountId on every row.
pub fn prepare(conn: &Connection, currency: &Currency) -> anyhow::Result<()> {
    conn.execute("SET VARIABLE currency = ?", [currency.to_string()])
        .map_err(StoreError::Query)?;
    conn.execute_batch(
        "SET VARIABLE reseller = (SELECT min(account_number) FROM customers WHERE is_reseller)",
    )
    .map_err(StoreError::Query)?;
    let orphans: Vec<String> = conn
        .prepare(
            "SELECT DISTINCT invoice_id FROM stg_lines
              WHERE account_number IS NULL AND getvariable('reseller') IS NULL
              ORDER BY invoice_id LIMIT 6",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if !orphans.is_empty() {
        let shown: Vec<&str> = orphans.iter().take(5).map(String::as_str).collect();
        anyhow::bail!(
            "cannot export FOCUS: invoice{} {}{} {} no billing account (loaded without --account, and no sync has named the reseller's own account); load {} again with `tally load --account NUMBER`, or run `tally sync rackspace`",
            if orphans.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if orphans.len() > 5 { " and more" } else { "" },
            if orphans.len() == 1 { "has" } else { "have" },
            if orphans.len() == 1 { "it" } else { "them" },
        );
    }
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
