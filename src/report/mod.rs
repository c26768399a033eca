//! Reports: the compiled-in queries of `queries/`, run on a read-only connection
//! after the staging file has defined its TEMP helpers and views. Money stays
//! DECIMAL end to end; ratios are done in integer arithmetic inside the SQL.

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use duckdb::Connection;

use crate::store::{StoreError, duckdb_message};

mod latest;
pub use latest::{
    AccountShare, LatestInvoice, invoices_in_month, largest_accounts, latest_invoice,
};

/// The staging helpers and views every report reads.
pub const STAGING: &str = include_str!("../../queries/staging.sql");

/// One report: its name (as typed after `tally report`), what it shows, its SQL.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    pub name: &'static str,
    pub about: &'static str,
    pub sql: &'static str,
}

pub const REPORTS: &[Report] = &[
    Report {
        name: "customers",
        about: "billing month × sub-account: renewal, partial, negative, total, change",
        sql: include_str!("../../queries/customers.sql"),
    },
    Report {
        name: "products",
        about: "billing month × product: customers, seats, charge, average rate, change",
        sql: include_str!("../../queries/products.sql"),
    },
    Report {
        name: "prorations",
        about: "partial-period lines: billed vs recomputed months and charge",
        sql: include_str!("../../queries/prorations.sql"),
    },
    Report {
        name: "reconcile",
        about: "findings with severity (exit code 1 on any error)",
        sql: include_str!("../../queries/reconcile.sql"),
    },
    Report {
        name: "coverage",
        about: "billed Rackspace domains beside MailRoute customers: seats vs reported users",
        sql: include_str!("../../queries/coverage.sql"),
    },
    Report {
        name: "months",
        about: "totals per billing month and per month × product, whole history",
        sql: include_str!("../../queries/months.sql"),
    },
];

pub fn find(name: &str) -> Option<&'static Report> {
    REPORTS.iter().find(|r| r.name == name)
}

/// Which billing months a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Months {
    /// The latest billing month that has line items.
    Latest,
    All,
    /// `YYYY-MM`.
    One(String),
}

impl Months {
    /// `YYYY-MM` or `all`.
    pub fn parse(text: &str) -> Option<Months> {
        if text == "all" {
            return Some(Months::All);
        }
        let (y, m) = text.split_once('-')?;
        let ok = y.len() == 4
            && m.len() == 2
            && y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())
            && (1..=12).contains(&m.parse::<u32>().ok()?);
        ok.then(|| Months::One(text.to_owned()))
    }
}

/// Defines the staging helpers and the report's variables on `conn` (TEMP objects
/// and session variables only: nothing is written to the database). Returns the
/// month chosen (`None`: the database has no line items yet).
pub fn prepare(
    conn: &Connection,
    months: &Months,
    threshold_percent: u32,
) -> Result<Option<String>, StoreError> {
    conn.execute_batch(STAGING).map_err(StoreError::Query)?;
    let month = match months {
        Months::All => Some("all".to_owned()),
        Months::One(m) => Some(m.clone()),
        Months::Latest => conn
            .query_row(
                "SELECT max(billing_month) FROM stg_invoices WHERE line_count > 0",
                [],
                |r| r.get::<_, Option<String>>(0),
            )
            .map_err(StoreError::Query)?,
    };
    // Both values are checked (a YYYY-MM, 'all', a number): safe to inline.
    conn.execute_batch(&format!(
        "SET VARIABLE month = '{}'; SET VARIABLE threshold = {threshold_percent};",
        month.as_deref().unwrap_or("none")
    ))
    .map_err(StoreError::Query)?;
    Ok(month)
}

/// Runs a report's query (after [`prepare`]) into Arrow batches.
pub fn run(conn: &Connection, report: &Report) -> anyhow::Result<(SchemaRef, Vec<RecordBatch>)> {
    let mut stmt = conn
        .prepare(report.sql)
        .map_err(|e| anyhow::anyhow!("report {}: {}", report.name, duckdb_message(&e)))?;
    let arrow = stmt
        .query_arrow([])
        .map_err(|e| anyhow::anyhow!("report {}: {}", report.name, duckdb_message(&e)))?;
    let schema = arrow.get_schema();
    Ok((schema, arrow.collect()))
}

/// The report's query as a statement that `COPY (...) TO` can wrap.
pub fn copy_sql(report: &Report, path: &str, format: &str) -> String {
    let query = report.sql.trim().trim_end_matches(';');
    format!(
        "COPY ({query}\n) TO '{}' (FORMAT {format})",
        path.replace('\'', "''")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse() {
        assert_eq!(Months::parse("all"), Some(Months::All));
        assert_eq!(
            Months::parse("2019-12"),
            Some(Months::One("2019-12".into()))
        );
        for bad in ["2019-13", "2019-1", "19-12", "2019-12-01", "x", "2019-1'"] {
            assert_eq!(Months::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_report_has_a_unique_name() {
        let mut names: Vec<&str> = REPORTS.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REPORTS.len());
    }
}

#[cfg(test)]
mod on_an_empty_database {
    use super::*;
    use crate::store::Store;

    /// Every query of `queries/` runs (and returns nothing) on a fresh schema.
    #[test]
    fn every_query_runs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.duckdb")).unwrap();
        let conn = store.connection();
        assert_eq!(prepare(conn, &Months::Latest, 25).unwrap(), None);
        for months in [Months::All, Months::One("2019-12".into())] {
            prepare(conn, &months, 25).unwrap();
            for report in REPORTS {
                let (_, batches) = run(conn, report).unwrap();
                let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                assert_eq!(rows, 0, "{}", report.name);
            }
        }
    }

    /// The exact-ratio helpers against hand-computed values.
    #[test]
    fn ratios_round_half_away_from_zero_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.duckdb")).unwrap();
        let conn = store.connection();
        conn.execute_batch(STAGING).unwrap();
        let text = |sql: &str| -> String {
            conn.query_row(&format!("SELECT ({sql})::VARCHAR"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(text("div_half_away(5::HUGEINT, 2::HUGEINT)"), "3");
        assert_eq!(text("div_half_away(-5::HUGEINT, 2::HUGEINT)"), "-3");
        assert_eq!(text("div_half_away(7::HUGEINT, -3::HUGEINT)"), "-2");
        assert_eq!(text("ratio4(1::DECIMAL(18,4), 3::DECIMAL(18,4))"), "0.3333");
        assert_eq!(text("ratio4(2::DECIMAL(18,4), 3::DECIMAL(18,4))"), "0.6667");
        assert_eq!(
            text("ratio4(-2::DECIMAL(18,4), 3::DECIMAL(18,4))"),
            "-0.6667"
        );
        assert_eq!(
            text("coalesce(ratio4(1::DECIMAL(18,4), 0::DECIMAL(18,4))::VARCHAR, 'none')"),
            "none"
        );
        // The documented upgrade (API-NOTES.md): 0.81 months, 11.34.
        assert_eq!(
            text("billed_months(TIMESTAMP '2017-11-06 19:54:44', TIMESTAMP '2017-11-30 23:59:59')"),
            "0.8100"
        );
        assert_eq!(
            text("line_charge(2::DECIMAL(18,4), 7::DECIMAL(18,4), 0.81)"),
            "11.3400"
        );
        assert_eq!(text("previous_month('2020-01')"), "2019-12");
    }
}
