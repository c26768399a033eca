//! The summaries of the stored lines (`invoice_sums`, `account_sums`,
//! `product_sums`, `line_checks`: migration 7), which the reports
//! read instead of every line. One definition ([`crate::summary::summarize`])
//! computes them from an invoice's parsed lines: in the transaction that stores
//! those lines, when migration 7 fills them for a database that has lines, and when
//! [`differences`] checks the stored ones against the lines.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, AsArray, BooleanBuilder, Decimal128Builder, Int32Builder, Int64Builder,
    StringBuilder, TimestampMicrosecondBuilder, UInt64Builder,
};
use arrow::datatypes::{Decimal128Type, Int32Type, TimestampMicrosecondType};
use arrow::record_batch::RecordBatch;
use duckdb::Connection;

use super::line_batch::{line_batch, line_no};
use super::{Store, StoreError};
use crate::amount::Amount;
use crate::parse::{LineItem, LineType};
use crate::summary::{Summary, summarize};

/// The summary tables, in the order they are written.
pub const TABLES: [&str; 4] = [
    "invoice_sums",
    "account_sums",
    "product_sums",
    "line_checks",
];

/// The summary columns that may hold NULL (migration 7); every other is NOT NULL.
const NULLABLE: [&str; 3] = ["expected_charge", "recomputed_charge", "duplicate_of"];

/// A summary table's rows as a batch whose schema is the table's alone: each
/// column nullable exactly when the table's is, whatever the values. The batches
/// of a group of invoices are concatenated under the first one's schema (in
/// [`append`]), so a schema read off the values (a column without a NULL taken
/// for NOT NULL) would refuse a later invoice's NULLs, and whether a group could
/// be stored would depend on which invoice came first.
fn table_batch<N: AsRef<str>>(
    columns: impl IntoIterator<Item = (N, ArrayRef)>,
) -> Result<RecordBatch, arrow::error::ArrowError> {
    RecordBatch::try_from_iter_with_nullable(columns.into_iter().map(|(name, values)| {
        let nullable = NULLABLE.contains(&name.as_ref());
        (name, values, nullable)
    }))
}

/// The rows one invoice adds to each summary table (in [`TABLES`] order; a table
/// with no row for it has none).
pub(super) fn batches(
    invoice_id: &str,
    items: &[LineItem],
) -> Result<Vec<(&'static str, RecordBatch)>, arrow::error::ArrowError> {
    let summary = summarize(items);
    let mut out = Vec::with_capacity(TABLES.len());
    let Some(invoice) = &summary.invoice else {
        return Ok(out);
    };
    let text = |values: Vec<&str>| -> ArrayRef {
        let mut b = StringBuilder::new();
        values.into_iter().for_each(|v| b.append_value(v));
        Arc::new(b.finish())
    };
    let ids = |n: usize| text(vec![invoice_id; n]);
    let counts = |values: Vec<i64>| -> ArrayRef {
        let mut b = Int64Builder::new();
        b.append_slice(&values);
        Arc::new(b.finish())
    };
    let mut start = TimestampMicrosecondBuilder::new();
    start.append_value(invoice.latest_start.and_utc().timestamp_micros());
    let mut xor = UInt64Builder::new();
    xor.append_value(invoice.print_xor);
    out.push((
        "invoice_sums",
        table_batch([
            ("invoice_id", ids(1)),
            ("lines", counts(vec![invoice.lines])),
            ("charge", sums(vec![invoice.charge], 4)?),
            ("latest_start", Arc::new(start.finish()) as ArrayRef),
            ("print_sum", sums(vec![invoice.print_sum], 0)?),
            ("print_xor", Arc::new(xor.finish()) as ArrayRef),
        ])?,
    ));

    let a = &summary.accounts;
    let mut first_line = Int32Builder::new();
    a.iter()
        .for_each(|(_, s)| first_line.append_value(line_no(s.first_line)));
    out.push((
        "account_sums",
        table_batch([
            ("invoice_id", ids(a.len())),
            ("account_no", text(a.iter().map(|((k, _), _)| *k).collect())),
            (
                "domain_key",
                text(a.iter().map(|((_, d), _)| d.as_ref()).collect()),
            ),
            ("domain", text(a.iter().map(|(_, s)| s.domain).collect())),
            ("lines", counts(a.iter().map(|(_, s)| s.lines).collect())),
            ("first_line", Arc::new(first_line.finish()) as ArrayRef),
            ("charge", money(a, |s| s.charge)?),
            ("renewal", money(a, |s| s.renewal)?),
            ("partial", money(a, |s| s.partial)?),
            ("negative", money(a, |s| s.negative)?),
            ("seats", money(a, |s| s.seats)?),
        ])?,
    ));

    let p = &summary.products;
    out.push((
        "product_sums",
        table_batch([
            ("invoice_id", ids(p.len())),
            ("product", text(p.iter().map(|(k, _)| *k).collect())),
            (
                "accounts",
                counts(p.iter().map(|(_, s)| s.accounts).collect()),
            ),
            ("lines", counts(p.iter().map(|(_, s)| s.lines).collect())),
            ("charge", money(p, |s| s.charge)?),
            ("renewal_charge", money(p, |s| s.renewal_charge)?),
            ("seats", money(p, |s| s.seats)?),
        ])?,
    ));

    if !summary.checks.is_empty() {
        out.push(("line_checks", checks_batch(invoice_id, items, &summary)?));
    }
    Ok(out)
}

/// A `DECIMAL(38, scale)` column of exact units.
fn sums(values: Vec<i128>, scale: i8) -> Result<ArrayRef, arrow::error::ArrowError> {
    let mut b = Decimal128Builder::new().with_precision_and_scale(38, scale)?;
    b.append_slice(&values);
    Ok(Arc::new(b.finish()))
}

/// One sum of each summary row (`DECIMAL(38,4)`), in the rows' order.
fn money<K, T>(
    rows: &[(K, T)],
    sum: impl Fn(&T) -> i128,
) -> Result<ArrayRef, arrow::error::ArrowError> {
    sums(rows.iter().map(|(_, s)| sum(s)).collect(), 4)
}

/// `line_checks`: each checked line whole (as `line_items`), then what was computed.
fn checks_batch(
    invoice_id: &str,
    items: &[LineItem],
    summary: &Summary,
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let checks = &summary.checks;
    let checked: Vec<LineItem> = checks.iter().map(|c| items[c.index].clone()).collect();
    let lines = line_batch(invoice_id, &checked)?;
    let stored = |values: Vec<Option<i128>>, precision: u8| -> Result<ArrayRef, _> {
        let mut b = Decimal128Builder::new().with_precision_and_scale(precision, 4)?;
        values.into_iter().for_each(|v| b.append_option(v));
        Ok::<ArrayRef, arrow::error::ArrowError>(Arc::new(b.finish()))
    };
    let flag = |f: &dyn Fn(&crate::summary::LineCheck) -> bool| -> ArrayRef {
        let mut b = BooleanBuilder::new();
        checks.iter().for_each(|c| b.append_value(f(c)));
        Arc::new(b.finish())
    };
    let mut duplicate_of = Int32Builder::new();
    checks
        .iter()
        .for_each(|c| duplicate_of.append_option(c.duplicate_of.map(line_no)));
    let mut columns: Vec<(String, ArrayRef)> = lines
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .zip(lines.columns().iter().cloned())
        .collect();
    columns.extend([
        (
            "computed_months".to_owned(),
            stored(checks.iter().map(|c| Some(c.computed_months)).collect(), 18)?,
        ),
        (
            "expected_charge".to_owned(),
            stored(checks.iter().map(|c| c.expected_charge).collect(), 38)?,
        ),
        (
            "recomputed_charge".to_owned(),
            stored(checks.iter().map(|c| c.recomputed_charge).collect(), 38)?,
        ),
        (
            "duplicate_of".to_owned(),
            Arc::new(duplicate_of.finish()) as ArrayRef,
        ),
        ("arithmetic_off".to_owned(), flag(&|c| c.arithmetic_off)),
        ("months_off".to_owned(), flag(&|c| c.months_off)),
        ("credit".to_owned(), flag(&|c| c.credit)),
        ("implausible".to_owned(), flag(&|c| c.implausible)),
    ]);
    table_batch(columns)
}

/// Which summary tables rows go to: the database's, or TEMP copies of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Stored,
    TempCopies,
}

/// The macros of the reports (for the old prints, in [`fill`]).
const MACROS: &str = include_str!("../../queries/macros.sql");

/// Appends summary batches to the tables of `target`: each table's batches as one
/// (an append of a batch costs a DuckDB chunk of 2,048 rows, however few it holds).
pub(super) fn append(
    conn: &Connection,
    target: Target,
    batches: Vec<(&'static str, RecordBatch)>,
) -> duckdb::Result<()> {
    for table in TABLES {
        let rows: Vec<&RecordBatch> = batches
            .iter()
            .filter(|(t, _)| *t == table)
            .map(|(_, b)| b)
            .collect();
        let Some(first) = rows.first() else {
            continue;
        };
        let rows = arrow::compute::concat_batches(&first.schema(), rows.iter().copied())
            .map_err(|e| duckdb::Error::ToSqlConversionFailure(Box::new(e)))?;
        let mut appender = match target {
            Target::Stored => conn.appender(table)?,
            Target::TempCopies => conn.appender_to_catalog_and_db(table, "temp", "main")?,
        };
        appender.append_record_batch(rows)?;
        appender.flush()?;
    }
    Ok(())
}

/// Deletes the summaries of one invoice (with its lines, inside the caller's transaction).
pub(super) fn delete_invoice(conn: &Connection, invoice_id: &str) -> duckdb::Result<()> {
    for table in TABLES {
        conn.prepare_cached(&format!("DELETE FROM main.{table} WHERE invoice_id = ?"))?
            .execute([invoice_id])?;
    }
    Ok(())
}

/// Summarises every stored line into the summary tables of `target`, an invoice
/// at a time, reading the lines in invoice and line order.
fn summarize_stored(conn: &Connection, target: Target) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT invoice_id, line_no, account_no, reference_no, domain, product, type,
                    service_start, service_end, term_committed_usage, current_usage,
                    usage_change, months, rate, charge
               FROM main.line_items ORDER BY invoice_id, line_no",
        )
        .map_err(StoreError::Query)?;
    let mut current: Option<String> = None;
    let mut items: Vec<LineItem> = Vec::new();
    let flush = |id: &str, items: &mut Vec<LineItem>| -> Result<(), StoreError> {
        let rows = batches(id, items)
            .map_err(|e| StoreError::Query(duckdb::Error::ToSqlConversionFailure(Box::new(e))))?;
        append(conn, target, rows).map_err(StoreError::Query)?;
        items.clear();
        Ok(())
    };
    for batch in stmt.query_arrow([]).map_err(StoreError::Query)? {
        let text = |i: usize| batch.column(i).as_string::<i32>();
        let time = |i: usize| batch.column(i).as_primitive::<TimestampMicrosecondType>();
        let amount = |i: usize| batch.column(i).as_primitive::<Decimal128Type>();
        let line_nos = batch.column(1).as_primitive::<Int32Type>();
        for row in 0..batch.num_rows() {
            let id = text(0).value(row);
            if current.as_deref() != Some(id) {
                if let Some(previous) = current.take() {
                    flush(&previous, &mut items)?;
                }
                current = Some(id.to_owned());
            }
            let at = |i: usize| {
                chrono::DateTime::from_timestamp_micros(time(i).value(row))
                    .map(|t| t.naive_utc())
                    .unwrap_or_default()
            };
            let a = |i: usize| Amount::from_scaled_i64(amount(i).value(row) as i64);
            items.push(LineItem {
                line_no: u32::try_from(line_nos.value(row)).unwrap_or(0),
                account_no: text(2).value(row).to_owned(),
                reference_no: text(3).value(row).to_owned(),
                domain: text(4).value(row).to_owned(),
                product: text(5).value(row).to_owned(),
                line_type: LineType::from_text(text(6).value(row)),
                service_start: at(7),
                service_end: at(8),
                term_committed_usage: a(9),
                current_usage: a(10),
                usage_change: a(11),
                months: a(12),
                rate: a(13),
                charge: a(14),
            });
        }
    }
    if let Some(last) = current {
        flush(&last, &mut items)?;
    }
    Ok(())
}

/// Fills the summary tables from the stored lines (migration 7, inside its
/// transaction), and carries the prints of closed months' invoices over to the
/// new print: an invoice whose lines are as they were at the close (its old print,
/// `line_hash` of macros.sql, still matches) gets the new print; one whose lines
/// changed keeps the old, so it is still reported changed.
pub(super) fn fill(conn: &Connection) -> Result<(), StoreError> {
    summarize_stored(conn, Target::Stored)?;
    conn.execute_batch(MACROS).map_err(StoreError::Query)?;
    conn.execute_batch(
        "UPDATE closed_invoices c SET lines_print = s.print_sum
           FROM invoice_sums s,
                (SELECT invoice_id, sum(line_hash(l)::HUGEINT) AS print FROM line_items l
                  GROUP BY invoice_id) old
          WHERE s.invoice_id = c.invoice_id AND old.invoice_id = c.invoice_id
            AND old.print = c.lines_print",
    )
    .map_err(StoreError::Query)
}

/// Where the stored summaries differ from a recomputation from the stored lines: one
/// line per table that differs, with the rows only one side has (empty: in step).
/// Read only: the recomputation goes to TEMP tables of this connection.
pub fn differences(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let run = |sql: &str| conn.execute_batch(sql).map_err(StoreError::Query);
    // Named in full: `main.` alone could mean the TEMP copies' schema.
    let catalog = conn
        .query_row("SELECT current_database()", [], |r| r.get::<_, String>(0))
        .map_err(StoreError::Query)?;
    let catalog = format!("\"{}\"", catalog.replace('"', "\"\""));
    for table in TABLES {
        run(&format!(
            "CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {catalog}.main.{table} LIMIT 0"
        ))?;
    }
    summarize_stored(conn, Target::TempCopies)?;
    let mut found = Vec::new();
    for table in TABLES {
        let count = |a: &str, b: &str| -> Result<i64, StoreError> {
            conn.query_row(
                &format!(
                    "SELECT count(*) FROM (FROM {a}.main.{table} EXCEPT ALL FROM {b}.main.{table})"
                ),
                [],
                |r| r.get(0),
            )
            .map_err(StoreError::Query)
        };
        let (stale, missing) = (count(&catalog, "temp")?, count("temp", &catalog)?);
        if stale + missing > 0 {
            found.push(format!(
                "{table}: {stale} stored row(s) the lines do not give, {missing} row(s) the lines give that are not stored"
            ));
        }
    }
    for table in TABLES {
        run(&format!("DROP TABLE temp.main.{table}"))?;
    }
    Ok(found)
}

impl Store {
    /// Computes every summary again from the stored lines, in one transaction (for
    /// lines written by other means than tally's writers, e.g. a generated benchmark).
    pub fn rebuild_summaries(&mut self) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(StoreError::Query)?;
        for table in TABLES {
            tx.execute_batch(&format!("DELETE FROM main.{table}"))
                .map_err(StoreError::Query)?;
        }
        summarize_stored(&tx, Target::Stored)?;
        tx.commit().map_err(StoreError::Query)
    }
}
