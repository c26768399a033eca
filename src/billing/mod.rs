//! Re-billing: the price book, and what each provider line sells for under it. The
//! rules run in SQL (`queries/billing.sql`) over the price book's rows, loaded into
//! TEMP tables of the report's own read-only session, so the margin report and
//! (later) statements and closed months read one definition. Never calls a provider.

mod close;
mod price_book;
pub mod statement;
pub mod statement_files;

use std::path::{Path, PathBuf};

use duckdb::{Connection, params};
use rust_decimal::Decimal;

pub use close::{Closed, Revision, close, latest, reopen};
pub use price_book::{Fee, Markup, Price, PriceBook, PriceBookError};

use crate::month::MonthSelection;
use crate::store::StoreError;

/// The TEMP views of sell lines and fees (after [`load`]).
pub const BILLING: &str = include_str!("../../queries/billing.sql");

/// Where the price book is: `--prices`, else the config's `[billing] prices`, else
/// `./prices.toml` when it exists.
pub fn locate(flag: Option<&Path>, config: Option<&Path>) -> Option<PathBuf> {
    flag.or(config)
        .map(Path::to_owned)
        .or_else(|| Some(PathBuf::from("prices.toml")).filter(|p| p.exists()))
}

/// The price book's TEMP tables, empty.
const TABLES: &str = "CREATE OR REPLACE TEMP TABLE bill_prices (
     product VARCHAR NOT NULL, account VARCHAR, rate DECIMAL(18,4) NOT NULL, from_month VARCHAR);
 CREATE OR REPLACE TEMP TABLE bill_markups (account VARCHAR NOT NULL, percent DECIMAL(18,4) NOT NULL);
 CREATE OR REPLACE TEMP TABLE bill_fee_rules (
     account VARCHAR NOT NULL, description VARCHAR NOT NULL, amount DECIMAL(18,4) NOT NULL,
     from_month VARCHAR, until_month VARCHAR);";

/// The markup of accounts the book gives none, as a macro of that constant
/// (`markup_percent()`), not a session variable, as the reports' other settings
/// (`report::settings_sql`).
fn markup_sql(percent: Decimal) -> String {
    format!("CREATE OR REPLACE TEMP MACRO markup_percent() AS {percent}::DECIMAL(18,4);")
}

/// The session SQL that defines the billing views over an empty price book (no
/// prices, markups or fees; markup 0): what reports read when none is given.
/// `bill_below_cost` holds no rows (so reconcile does not
/// plan the billing views). Public for the report benchmark, which gives DuckDB's
/// own client the same session.
pub fn empty_book_sql() -> String {
    format!(
        "{TABLES}
         {}
         {BILLING}
         CREATE OR REPLACE TEMP VIEW bill_below_cost AS
         SELECT NULL::VARCHAR AS month, NULL::VARCHAR AS account_no,
                NULL::DECIMAL(38,4) AS cost, NULL::DECIMAL(38,4) AS sell
          WHERE false;",
        markup_sql(Decimal::ZERO)
    )
}

/// Defines the billing views over an empty price book ([`empty_book_sql`]).
fn load_none(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(&empty_book_sql())
        .map_err(StoreError::Query)
}

fn create_tables(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(TABLES).map_err(StoreError::Query)
}

/// Loads the price book into TEMP tables on `conn` and defines the billing views
/// (`bill_lines`, `bill_fees`, `bill_margin`). The staging views must exist already.
fn load(conn: &Connection, book: &PriceBook) -> Result<(), StoreError> {
    create_tables(conn)?;
    for p in &book.prices {
        conn.execute(
            "INSERT INTO bill_prices VALUES (?, ?, ?::DECIMAL(18,4), ?)",
            params![
                p.product,
                p.account.as_ref().map(|a| a.as_str()),
                p.rate.to_string(),
                p.from.map(|m| m.to_string())
            ],
        )
        .map_err(StoreError::Query)?;
    }
    for m in &book.markups {
        conn.execute(
            "INSERT INTO bill_markups VALUES (?, ?::DECIMAL(18,4))",
            params![m.account.as_str(), m.percent.to_string()],
        )
        .map_err(StoreError::Query)?;
    }
    for f in &book.fees {
        conn.execute(
            "INSERT INTO bill_fee_rules VALUES (?, ?, ?::DECIMAL(18,4), ?, ?)",
            params![
                f.account.as_str(),
                f.description,
                f.amount.to_string(),
                f.from.map(|m| m.to_string()),
                f.until.map(|m| m.to_string())
            ],
        )
        .map_err(StoreError::Query)?;
    }
    conn.execute_batch(&markup_sql(book.markup_percent))
        .map_err(StoreError::Query)?;
    conn.execute_batch(BILLING).map_err(StoreError::Query)
}

/// Makes `conn`'s session ready to read priced months (TEMP objects and session
/// variables only): the reports' staging and variables for `months`
/// (`report::prepare`; `None`: the latest month with line items), then the billing
/// views over `book` (none: an empty book, markup 0, so every report can run), and
/// through `warn` each name the book gives that the data never bills. Returns the
/// month chosen (`None`: the database has no line items yet).
pub fn priced_month(
    conn: &Connection,
    months: Option<MonthSelection>,
    threshold_percent: u32,
    book: Option<&PriceBook>,
    warn: impl Fn(&str),
) -> Result<Option<MonthSelection>, StoreError> {
    let chosen = crate::report::prepare(conn, months, threshold_percent)?;
    match book {
        Some(book) => {
            load(conn, book)?;
            warn_unused(conn, book, warn)?;
        }
        None => load_none(conn)?,
    }
    Ok(chosen)
}

/// [`priced_month`] of one month under `book`, reconcile's threshold at its
/// default: what a close, statements and the accounting exports read.
pub fn price_month(
    conn: &Connection,
    month: crate::month::Month,
    book: &PriceBook,
    warn: impl Fn(&str),
) -> Result<(), StoreError> {
    priced_month(
        conn,
        Some(MonthSelection::Month(month)),
        crate::report::DEFAULT_THRESHOLD_PERCENT,
        Some(book),
        warn,
    )
    .map(drop)
}

/// Says on stderr (through `warn`) which products and accounts the price book names
/// that the data never bills (after [`load`]).
fn warn_unused(conn: &Connection, book: &PriceBook, warn: impl Fn(&str)) -> Result<(), StoreError> {
    for name in unused_names(conn)? {
        warn(&format!(
            "{}: {name} is never billed in this database",
            book.path.display()
        ));
    }
    Ok(())
}

/// Products and accounts the price book names that the data never bills: worth a
/// warning (a typo), not an error.
pub fn unused_names(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT 'product \"' || product || '\"' FROM (SELECT DISTINCT product FROM bill_prices)
              WHERE product NOT IN (SELECT DISTINCT product FROM line_items)
             UNION ALL
             SELECT 'account ' || account FROM (
                 SELECT account FROM bill_prices WHERE account IS NOT NULL
                 UNION SELECT account FROM bill_markups UNION SELECT account FROM bill_fee_rules)
              WHERE account NOT IN (SELECT DISTINCT account_no FROM line_items)
             ORDER BY 1",
        )
        .map_err(StoreError::Query)?;
    stmt.query_map([], |r| r.get(0))
        .map_err(StoreError::Query)?
        .collect::<Result<Vec<String>, _>>()
        .map_err(StoreError::Query)
}

#[cfg(test)]
mod on_an_empty_database {
    use super::*;
    use crate::report;
    use crate::store::Store;

    /// Every query of `queries/` runs (and returns nothing) on a fresh schema.
    #[test]
    fn every_query_runs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.duckdb")).unwrap();
        let conn = store.connection();
        assert_eq!(priced_month(conn, None, 25, None, |_| {}).unwrap(), None);
        let book = crate::billing::PriceBook::parse(
            std::path::Path::new("prices.toml"),
            "markup_percent = \"25\"\n",
        )
        .unwrap();
        for months in [MonthSelection::All, "2019-12".parse().unwrap()] {
            priced_month(conn, Some(months), 25, Some(&book), |_| {}).unwrap();
            let by_product = report::Report {
                sql: report::MARGIN_BY_PRODUCT,
                ..*report::ReportName::Margin.report()
            };
            for report in report::REPORTS.iter().chain([&by_product]) {
                let (_, batches) = report::run(conn, report).unwrap();
                let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                assert_eq!(rows, 0, "{}", report.name);
            }
            if months != MonthSelection::All {
                for (name, sql) in crate::pack::QUERIES {
                    let (_, batches) = report::run_sql(conn, name, sql).unwrap();
                    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                    assert_eq!(rows, 0, "{name}");
                }
            }
        }
    }
}
