//! Reports: the compiled-in queries of `queries/`, run on a read-only connection
//! after the staging file has defined its TEMP helpers and views. Money stays
//! DECIMAL end to end; ratios are done in integer arithmetic inside the SQL.

use std::path::Path;

use arrow::array::{Array, AsArray, BooleanArray, StringArray};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use duckdb::Connection;

use crate::month::MonthSelection;
use crate::render::Kind;
use crate::store::{StoreError, duckdb_message};

mod latest;
pub use latest::{
    AccountShare, LatestInvoice, invoices_in_month, largest_accounts, latest_invoice,
};

/// The staging helpers and views every report reads: the macros, then the views.
pub const STAGING: &str = concat!(
    include_str!("../../queries/macros.sql"),
    include_str!("../../queries/staging.sql")
);

/// `tally status`: what the file holds (see the query's header).
pub const STATUS: &str = include_str!("../../queries/status.sql");

/// Runs the status query (staging first) into Arrow batches. `syncing`: the
/// process id of the sync holding the database's sync lock, if one does (a run
/// still marked running by any other process was interrupted).
pub fn status(
    conn: &Connection,
    syncing: Option<&str>,
) -> anyhow::Result<(SchemaRef, Vec<RecordBatch>)> {
    conn.execute_batch(STAGING)?;
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE status_syncing AS SELECT ?::VARCHAR AS pid",
        [syncing],
    )?;
    run_sql(conn, "status", STATUS)
}

/// Runs one compiled-in query into Arrow batches; an error names `what`. The
/// query is bound and planned once (`query_arrow_unprepared`, vendor/README.md):
/// prepared, DuckDB would bind and plan it again when executing it.
pub fn run_sql(
    conn: &Connection,
    what: &str,
    sql: &str,
) -> anyhow::Result<(SchemaRef, Vec<RecordBatch>)> {
    conn.query_arrow_unprepared(sql)
        .map_err(|e| anyhow::anyhow!("{what}: {}", duckdb_message(&e)))
}

/// A report's name, as typed after `tally report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportName {
    Customers,
    Products,
    Prorations,
    Reconcile,
    Coverage,
    Months,
    Margin,
}

/// One report: its name, what it shows (the `--help` text), its SQL, and which of
/// its columns are money and which quantities or rates (how tables show them).
#[derive(Debug, Clone, Copy)]
pub struct Report {
    pub name: ReportName,
    pub about: &'static str,
    pub sql: &'static str,
    pub money: &'static [&'static str],
    pub quantities: &'static [&'static str],
}

impl Report {
    /// How a table shows each column of `schema`: money and quantities by name,
    /// the rest by type.
    pub fn kinds(&self, schema: &SchemaRef) -> Vec<Kind> {
        schema
            .fields()
            .iter()
            .map(|f| {
                let name = f.name().as_str();
                if self.money.contains(&name) {
                    Kind::Money
                } else if self.quantities.contains(&name) {
                    Kind::Quantity
                } else {
                    crate::render::kind_by_type(f.data_type())
                }
            })
            .collect()
    }
}

pub const REPORTS: &[Report] = &[
    Report {
        name: ReportName::Customers,
        about: "billing month × sub-account: renewal, partial, negative, total, change",
        sql: include_str!("../../queries/customers.sql"),
        money: &[
            "renewal",
            "partial",
            "negative",
            "total",
            "previous_total",
            "change",
        ],
        quantities: &["lines"],
    },
    Report {
        name: ReportName::Products,
        about: "billing month × product: customers, seats, charge, average rate, change",
        sql: include_str!("../../queries/products.sql"),
        money: &["charge", "previous_charge", "change"],
        quantities: &["customers", "seats", "average_rate"],
    },
    Report {
        name: ReportName::Prorations,
        about: "partial-period lines: billed vs recomputed months and charge",
        sql: include_str!("../../queries/prorations.sql"),
        money: &["charge", "recomputed_charge", "difference"],
        quantities: &["usage_change", "rate", "billed_months", "recomputed_months"],
    },
    Report {
        name: ReportName::Reconcile,
        about: "findings with severity (exit code 1 on any error)",
        sql: include_str!("../../queries/reconcile.sql"),
        money: &[],
        quantities: &[],
    },
    Report {
        name: ReportName::Coverage,
        about: "billed Rackspace domains beside MailRoute customers: seats vs reported users",
        sql: include_str!("../../queries/coverage.sql"),
        money: &[],
        quantities: &["seats", "reported_user_count", "difference"],
    },
    Report {
        name: ReportName::Months,
        about: "totals per billing month and per month × product, whole history",
        sql: include_str!("../../queries/months.sql"),
        money: &["charge"],
        quantities: &["customers", "lines"],
    },
    Report {
        name: ReportName::Margin,
        about: "billing month × sub-account: cost, sell (price book), margin (--by product)",
        sql: include_str!("../../queries/margin.sql"),
        money: MARGIN_MONEY,
        quantities: MARGIN_QUANTITIES,
    },
];

const MARGIN_MONEY: &[&str] = &["cost", "sell", "margin"];
const MARGIN_QUANTITIES: &[&str] = &["lines", "margin_percent"];

/// `report margin --by product`: month × product, fees as the product `Fees`.
pub const MARGIN_BY_PRODUCT: &str = include_str!("../../queries/margin_products.sql");

impl ReportName {
    pub const ALL: [ReportName; 7] = [
        ReportName::Customers,
        ReportName::Products,
        ReportName::Prorations,
        ReportName::Reconcile,
        ReportName::Coverage,
        ReportName::Months,
        ReportName::Margin,
    ];

    /// The name as typed (and as the export folder `report_<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReportName::Customers => "customers",
            ReportName::Products => "products",
            ReportName::Prorations => "prorations",
            ReportName::Reconcile => "reconcile",
            ReportName::Coverage => "coverage",
            ReportName::Months => "months",
            ReportName::Margin => "margin",
        }
    }

    /// True for reports that read the price book (`crate::billing`).
    pub fn needs_prices(self) -> bool {
        self == ReportName::Margin
    }

    pub fn report(self) -> &'static Report {
        REPORTS
            .iter()
            .find(|r| r.name == self)
            .expect("every report name has a report")
    }

    /// True for reports whose rows are findings with a severity: an `error` row
    /// makes the command exit 1.
    pub fn has_findings(self) -> bool {
        self == ReportName::Reconcile
    }
}

impl std::fmt::Display for ReportName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A customer's month-over-month change above this percent is a `large_change`
/// finding unless `--threshold` says otherwise.
pub const DEFAULT_THRESHOLD_PERCENT: u32 = 25;

/// Defines the staging helpers and the report's variables on `conn` (TEMP objects
/// and session variables only: nothing is written to the database), both values
/// bound, never spliced into SQL. `None`: the latest billing month that has line
/// items. Returns the month chosen (`None`: the database has no line items yet).
pub fn prepare(
    conn: &Connection,
    months: Option<MonthSelection>,
    threshold_percent: u32,
) -> Result<Option<MonthSelection>, StoreError> {
    conn.execute_batch(STAGING).map_err(StoreError::Query)?;
    let chosen = match months {
        Some(m) => Some(m),
        None => conn
            .query_row(
                "SELECT max(billing_month) FROM stg_invoices WHERE line_count > 0",
                [],
                |r| r.get::<_, Option<String>>(0),
            )
            .map_err(StoreError::Query)?
            .and_then(|m| m.parse().ok())
            .map(MonthSelection::Month),
    };
    let value = chosen.map_or_else(|| "none".to_owned(), MonthSelection::sql_value);
    let has_mailroute: bool = conn
        .query_row("SELECT count(*) > 0 FROM mr_customers", [], |r| r.get(0))
        .map_err(StoreError::Query)?;
    conn.execute_batch(&settings_sql(&value, threshold_percent, has_mailroute))
        .map_err(StoreError::Query)?;
    Ok(chosen)
}

/// What the report queries read of the session, as TEMP macros of constants:
/// `report_month()` (`YYYY-MM`, `all`, or `none`), `report_threshold()` (reconcile's
/// percent) and `report_has_mailroute()` (whether a MailRoute snapshot is stored).
/// Macros of constants where they were session variables: both bind to the
/// constant, but a statement prepared with `getvariable` must be bound again
/// whenever it is executed (its value may change between queries; DuckDB 2.0 binds
/// every prepared read again anyway, so `run_sql` does not prepare). Public for the
/// report benchmark, which gives DuckDB's own client the same session as SQL.
pub fn settings_sql(month: &str, threshold_percent: u32, has_mailroute: bool) -> String {
    let month = month.replace('\'', "''");
    format!(
        "CREATE OR REPLACE TEMP MACRO report_month() AS '{month}';
         CREATE OR REPLACE TEMP MACRO report_threshold() AS {threshold_percent}::INTEGER;
         CREATE OR REPLACE TEMP MACRO report_has_mailroute() AS {has_mailroute};"
    )
}

/// Runs a report's query (after [`prepare`]) into Arrow batches.
pub fn run(conn: &Connection, report: &Report) -> anyhow::Result<(SchemaRef, Vec<RecordBatch>)> {
    run_sql(conn, &format!("report {}", report.name), report.sql)
}

/// Writes the report (after [`prepare`]) to `path` as Parquet with DuckDB's own
/// writer (DECIMAL logical types kept), whole or not at all.
pub fn write_parquet(conn: &Connection, report: &Report, path: &Path) -> anyhow::Result<()> {
    let temp = crate::atomic::temp_path(path);
    let query = report.sql.trim().trim_end_matches(';');
    let sql = format!(
        "COPY ({query}\n) TO '{}' (FORMAT parquet)",
        temp.to_string_lossy().replace('\'', "''")
    );
    if let Err(e) = conn.execute_batch(&sql) {
        let _ = std::fs::remove_file(&temp);
        anyhow::bail!("cannot write {}: {}", path.display(), duckdb_message(&e));
    }
    crate::atomic::commit(&temp, path)?;
    Ok(())
}

/// Column `name` of a result as text, or an error naming it (a query and the
/// code reading it disagree).
pub fn text_column<'b>(batch: &'b RecordBatch, name: &str) -> anyhow::Result<&'b StringArray> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or_else(|| anyhow::anyhow!("the result has no text column {name:?}"))
}

/// Column `name` of a result as booleans, or an error naming it.
pub fn flag_column<'b>(batch: &'b RecordBatch, name: &str) -> anyhow::Result<&'b BooleanArray> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_boolean_opt())
        .ok_or_else(|| anyhow::anyhow!("the result has no boolean column {name:?}"))
}

/// Row `i` of a text column ("" when NULL).
pub fn text(column: &StringArray, i: usize) -> &str {
    if column.is_valid(i) {
        column.value(i)
    } else {
        ""
    }
}

/// The findings of severity `error` (read by column name), each as
/// "finding month invoice account: evidence".
pub fn error_lines(batches: &[RecordBatch]) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for b in batches {
        let [severity, finding, month, invoice, account, evidence] = [
            "severity",
            "finding",
            "month",
            "invoice_id",
            "account_no",
            "evidence",
        ]
        .map(|name| text_column(b, name));
        let (severity, finding, evidence) = (severity?, finding?, evidence?);
        let place = [month?, invoice?, account?];
        for i in (0..b.num_rows()).filter(|&i| text(severity, i) == "error") {
            let place: Vec<&str> = place
                .iter()
                .map(|c| text(c, i))
                .filter(|t| !t.is_empty())
                .collect();
            lines.push(format!(
                "{} {}: {}",
                text(finding, i),
                place.join(" "),
                text(evidence, i)
            ));
        }
    }
    Ok(lines)
}

/// The findings of severity `error` among a report's rows (see
/// [`ReportName::has_findings`]).
pub fn error_findings(batches: &[RecordBatch]) -> anyhow::Result<usize> {
    let mut count = 0;
    for b in batches {
        let severity = text_column(b, "severity")?;
        count += (0..b.num_rows())
            .filter(|&i| text(severity, i) == "error")
            .count();
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_report_has_a_unique_name() {
        let mut names: Vec<&str> = REPORTS.iter().map(|r| r.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REPORTS.len());
        for name in ReportName::ALL {
            assert_eq!(name.report().name, name);
        }
    }
}

#[cfg(test)]
mod on_an_empty_database {
    use super::*;
    use crate::store::Store;

    /// Evidence text (SQL) shows money and quantities as tables do (Rust).
    #[test]
    fn evidence_numbers_read_as_tables_show_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.duckdb")).unwrap();
        let conn = store.connection();
        conn.execute_batch(STAGING).unwrap();
        for value in [
            "33.3900",
            "0.0000",
            "-2.3100",
            "0.1250",
            "1234.5678",
            "-0.0010",
            "10000.0000",
            "99999999999999.9999",
        ] {
            let sql = |f: &str| -> String {
                conn.query_row(&format!("SELECT {f}(?::DECIMAL(18,4))"), [value], |r| {
                    r.get(0)
                })
                .unwrap()
            };
            let d: rust_decimal::Decimal = value.parse().unwrap();
            assert_eq!(sql("money_text"), crate::render::money(d), "{value}");
            assert_eq!(sql("qty_text"), crate::render::quantity(d), "{value}");
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
        // Months exactly as stored (3 and 4 places), and past what a real bill holds.
        assert_eq!(
            text("line_charge(2::DECIMAL(18,4), 7::DECIMAL(18,4), 0.815::DECIMAL(18,4))"),
            "11.4100"
        );
        assert_eq!(
            text("line_charge(-3::DECIMAL(18,4), 5.5::DECIMAL(18,4), 0.8155::DECIMAL(18,4))"),
            "-13.4600"
        );
        assert_eq!(
            text("line_charge(1::DECIMAL(18,4), 1::DECIMAL(18,4), 10000::DECIMAL(18,4))"),
            "10000.0000"
        );
        assert_eq!(
            text(
                "coalesce(line_charge(99999999999999.9999::DECIMAL(18,4), 1::DECIMAL(18,4), 1::DECIMAL(18,4))::VARCHAR, 'none')"
            ),
            "none"
        );
        assert_eq!(text("previous_month('2020-01')"), "2019-12");
    }
}
