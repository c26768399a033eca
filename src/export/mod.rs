//! `tally export`: tables and reports as CSV or Parquet files, one folder per
//! table, optionally partitioned hive-style (`month=YYYY-MM/`). Each file is written
//! under a temporary name and renamed, so a crash never leaves half a file and a
//! re-run replaces files rather than adding to them. The folder mirrors the
//! database: a manifest (`.tally-manifest.json`) lists every file tally wrote, and
//! files an earlier export wrote that the new one covers but no longer contains
//! are removed. Parquet keeps DECIMAL logical types; in CSV, text a spreadsheet
//! would execute is neutralised.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use duckdb::Connection;

pub mod accounting;
pub mod ascii;
pub mod bucket;
pub mod focus;

use crate::atomic;
use crate::mirror::{self, Mirror};
use crate::month::{Month, MonthSelection};
use crate::render::neutralise;
use crate::report::{self, REPORTS};
use crate::store::duckdb_message;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

/// A table or report that can be exported: its name and the query giving its rows.
/// `by_month`: the query has a `month` column ('YYYY-MM') to partition and filter on.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub sql: String,
    pub by_month: bool,
    /// A report (costly to compute): partitioned, it is computed once, then split.
    pub computed: bool,
    /// False: the `month` column is for partitioning and filtering only and is not
    /// written, partitioned or not (FOCUS allows only its own and `x_` columns).
    pub write_month: bool,
    /// A cheaper query of the same distinct months as `sql`'s `month` column (its
    /// one column named `month`); None: they are read from `sql`'s rows.
    pub months: Option<String>,
}

/// The months of `line_items`' rows: `stg_lines` is `line_items` joined to
/// `stg_invoices` (whose `billing_month` it takes) and, left, to `customers`, which
/// adds no month; reading only the invoice ids takes 8 ms where the rows take 45
/// (1,200,000 lines).
pub const LINE_MONTHS: &str = "SELECT DISTINCT i.billing_month AS month \
                               FROM line_items l JOIN stg_invoices i USING (invoice_id)";

/// Every exportable name, in order: the tables, then `report_<name>` for each report.
pub fn sources() -> Vec<Source> {
    let mut all = vec![
        Source {
            name: "invoices".into(),
            sql: "SELECT billing_month AS month, * EXCLUDE (billing_month) FROM stg_invoices \
                  ORDER BY account_number, invoice_id"
                .into(),
            by_month: true,
            computed: false,
            write_month: true,
            months: None,
        },
        Source {
            name: "line_items".into(),
            sql: "SELECT billing_month AS month, * EXCLUDE (billing_month, customer_name, customer_reference) \
                  FROM stg_lines ORDER BY account_number, invoice_id, line_no"
                .into(),
            by_month: true,
            computed: false,
            write_month: true,
            months: Some(LINE_MONTHS.into()),
        },
        Source {
            name: "customers".into(),
            sql: "SELECT * FROM customers ORDER BY account_number".into(),
            by_month: false,
            computed: false,
            write_month: true,
            months: None,
        },
        Source {
            name: "contacts".into(),
            sql: "SELECT * FROM contacts ORDER BY account_number, contact_id".into(),
            by_month: false,
            computed: false,
            write_month: true,
            months: None,
        },
    ];
    for table in ["mr_customers", "mr_contacts", "mr_admins"] {
        all.push(Source {
            name: table.into(),
            sql: format!("SELECT * FROM {table} ORDER BY id"),
            by_month: false,
            computed: false,
            write_month: true,
            months: None,
        });
    }
    // Reports that need a price book are not exported (yet): an export runs without one.
    all.extend(
        REPORTS
            .iter()
            .filter(|r| !r.name.needs_prices())
            .map(|r| Source {
                name: format!("report_{}", r.name.as_str()),
                sql: format!("SELECT * FROM (\n{}\n)", r.sql.trim().trim_end_matches(';')),
                by_month: true,
                computed: true,
                write_month: true,
                months: None,
            }),
    );
    all
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub out: PathBuf,
    pub format: Format,
    pub partition_by_month: bool,
    /// Only rows of this month and later, for month-based sources.
    pub since: Option<Month>,
    pub sources: Vec<Source>,
    /// CSV: neutralise text cells a spreadsheet would execute (see
    /// `render::neutralise`); false: `--raw`.
    pub neutralised: bool,
    /// The FOCUS dataset's billing currency, when it is among the sources.
    pub focus_currency: Option<focus::Currency>,
}

/// One file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub source: String,
    pub path: PathBuf,
    pub rows: u64,
}

/// What an export did: the files written and the stale files it removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub written: Vec<Written>,
    /// Files an earlier export wrote that this one no longer contains.
    pub removed: Vec<PathBuf>,
}

/// The partition folder name of a month value (NULL: Hive's default partition).
fn partition_dir(month: Option<&str>) -> String {
    format!("month={}", month.unwrap_or("__HIVE_DEFAULT_PARTITION__"))
}

/// One planned file: where, the query of its rows, and its manifest entry.
struct FilePlan {
    path: PathBuf,
    /// The rows' columns (`SELECT ... FROM ...`)...
    select: String,
    /// ...and which rows (empty, or a WHERE on the month, a [`sql_text`] literal).
    filter: String,
    entry: mirror::Entry,
}

/// `value` as a SQL text literal. The export's statements take their month as a
/// literal, not a bound parameter: a statement with a parameter is prepared, and
/// DuckDB binds and plans a prepared statement that reads a table twice (once
/// prepared, again executed; vendor/README.md), which cost ~2 ms a file, the most
/// of a partitioned export's extra time. The values are months (`YYYY-MM`, from
/// `Month` or the database), quoted all the same.
fn sql_text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The files a source becomes. Unpartitioned, one file streamed straight from the
/// query. Partitioned, one file per month: a report is computed once into
/// `export_scratch.export_rows` (a table of the in-memory database both export
/// connections see) and each month copied out of it; a table is filtered per
/// month (DuckDB skips the other months' row groups, and nothing is held in memory).
fn files(plan: &Plan, source: &Source, conn: &Connection) -> anyhow::Result<Vec<FilePlan>> {
    let dir = plan.out.join(&source.name);
    let file = format!("data.{}", plan.format.extension());
    let since_filter = plan
        .since
        .filter(|_| source.by_month)
        .map_or_else(String::new, |m| {
            format!(" WHERE month >= {}", sql_text(&m.to_string()))
        });
    let entry = |path: &Path, month: Option<String>, partitioned: bool| mirror::Entry {
        path: mirror::relative(&plan.out, path),
        table: source.name.clone(),
        format: plan.format.extension().to_owned(),
        month,
        partitioned,
    };
    let from = format!("({})", source.sql);
    if !(plan.partition_by_month && source.by_month) {
        let path = dir.join(file);
        let columns = if source.write_month {
            "*"
        } else {
            "* EXCLUDE (month)"
        };
        return Ok(vec![FilePlan {
            entry: entry(&path, None, false),
            path,
            select: format!("SELECT {columns} FROM {from}"),
            filter: since_filter,
        }]);
    }
    let rows = if source.computed {
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TABLE export_scratch.export_rows AS SELECT * FROM {from}{since_filter}"
        ))?;
        "export_scratch.export_rows".to_owned()
    } else {
        from
    };
    let months_of = source
        .months
        .as_ref()
        .map_or_else(|| rows.clone(), |months| format!("({months})"));
    let months: Vec<Option<String>> = conn
        .prepare(&format!(
            "SELECT DISTINCT month FROM {months_of}{since_filter} ORDER BY 1"
        ))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(months
        .into_iter()
        .map(|m| {
            let path = dir.join(partition_dir(m.as_deref())).join(&file);
            FilePlan {
                entry: entry(&path, m.clone(), true),
                path,
                // The partition column lives in the folder name, not in the file.
                select: format!("SELECT * EXCLUDE (month) FROM {rows}"),
                filter: m.as_deref().map_or_else(
                    || " WHERE month IS NULL".to_owned(),
                    |m| format!(" WHERE month = {}", sql_text(m)),
                ),
            }
        })
        .collect())
}

/// `query` with every text column neutralised for spreadsheets by the one rule of
/// [`crate::render::neutralise`].
fn neutralised(conn: &Connection, select: &str, query: &str) -> anyhow::Result<String> {
    let columns: Vec<(String, String)> = conn
        .prepare(&format!("DESCRIBE {select}"))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let list: Vec<String> = columns
        .iter()
        .map(|(name, ty)| {
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            if ty == "VARCHAR" {
                format!("{} AS {quoted}", neutralise::sql_expression(&quoted))
            } else {
                quoted
            }
        })
        .collect();
    Ok(format!("SELECT {} FROM ({query})", list.join(", ")))
}

/// Writes every file of the plan, then removes the files earlier exports wrote
/// into `plan.out` that this one covers but no longer contains (only files listed
/// in the folder's manifest: tally never deletes a file it did not write).
/// `check_target` may refuse a path (the database file); `each` is told of each
/// file as it is done.
pub fn export(
    conn: &Connection,
    plan: &Plan,
    check_target: impl Fn(&Path) -> anyhow::Result<()>,
    recorded: impl FnMut(&[mirror::Entry]),
    each: impl FnMut(&Written),
) -> anyhow::Result<Outcome> {
    // Attached once, before two sessions could race to attach it.
    attach_scratch(conn)?;
    // A partitioned export's second writer gets its session (~40 ms) on a thread
    // of its own while this one sets up and plans.
    let second = if plan.partition_by_month && plan.sources.iter().any(|s| s.by_month) {
        Some(another(conn)?)
    } else {
        None
    };
    std::thread::scope(|scope| {
        let pending =
            second.map(|other| scope.spawn(move || prepare_session(&other, plan).map(|()| other)));
        write_sources(conn, plan, pending, check_target, recorded, each)
    })
}

/// [`export`]'s work, with the second writer's session being set up in `pending`.
fn write_sources(
    conn: &Connection,
    plan: &Plan,
    mut pending: Option<std::thread::ScopedJoinHandle<'_, anyhow::Result<Connection>>>,
    check_target: impl Fn(&Path) -> anyhow::Result<()>,
    mut recorded: impl FnMut(&[mirror::Entry]),
    mut each: impl FnMut(&Written),
) -> anyhow::Result<Outcome> {
    prepare_session(conn, plan)?;
    let mut mirror = Mirror::open(&plan.out)?;
    let mut outcome = Outcome::default();
    // More connections for the months of a partitioned table (the second from
    // `pending`, any more made when first needed, with the same session set-up).
    let mut others: Vec<Connection> = Vec::new();
    for source in &plan.sources {
        let planned = files(plan, source, conn)?;
        for file in &planned {
            check_target(&file.path)?;
        }
        // Recorded before any is written: a run killed half way still knows them.
        let entries: Vec<mirror::Entry> = planned.iter().map(|f| f.entry.clone()).collect();
        mirror.record(entries.iter().cloned())?;
        recorded(&entries);
        // [`WRITERS`] connections write month files at once: a table's from the
        // database, a report's from its rows computed once into the scratch database.
        let written = |i: usize, rows: u64| Written {
            source: source.name.clone(),
            path: planned[i].path.clone(),
            rows,
        };
        let rows = if planned.len() > 1 {
            while others.len() + 1 < WRITERS {
                let other = match pending.take() {
                    Some(setting_up) => setting_up
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?,
                    None => {
                        let other = another(conn)?;
                        prepare_session(&other, plan)?;
                        other
                    }
                };
                others.push(other);
            }
            // Each writer one DuckDB thread (the writers are the parallelism): a
            // month's file is small, and handing its few tasks to other threads
            // cost more than they did (measured on 60 months of 20,000 lines, every
            // table and report: partitioned ÷ unpartitioned 2.06x → 1.81x).
            conn.execute_batch("SET threads = 1")?;
            let (rows, back) = write_in_parallel(conn, others, plan, &planned, |i, rows| {
                each(&written(i, rows))
            });
            conn.execute_batch("RESET threads")?;
            others = back;
            rows?
        } else {
            let mut rows = Vec::with_capacity(planned.len());
            for (i, file) in planned.iter().enumerate() {
                let n = write_one(conn, plan, file)?;
                each(&written(i, n));
                rows.push(n);
            }
            rows
        };
        for (file, rows) in planned.into_iter().zip(rows) {
            outcome.written.push(Written {
                source: source.name.clone(),
                path: file.path,
                rows,
            });
        }
    }
    conn.execute_batch("DETACH DATABASE IF EXISTS export_scratch")?;
    outcome.removed = mirror
        .finish(|e| covers(plan, e))?
        .into_iter()
        .map(|e| plan.out.join(e.path))
        .collect();
    Ok(outcome)
}

/// Whether a file an earlier export wrote (`e`) is within this export's scope: the
/// same tables and format, and, with `--since`, a month it writes again. Such a file
/// that this export no longer contains is stale.
pub fn covers(plan: &Plan, e: &mirror::Entry) -> bool {
    plan.sources.iter().any(|s| s.name == e.table)
        && e.format == plan.format.extension()
        && match (&plan.since, &e.month) {
            (None, _) => true,
            // With --since, earlier months (and the NULL month) stay as they are;
            // an unpartitioned file of a month-based table covers every month.
            (Some(since), Some(month)) => *month >= since.to_string(),
            (Some(_), None) => !e.partitioned,
        }
}

/// What every export session needs before its queries: the staging views for all
/// months, the scratch database for computed reports, and the FOCUS settings when
/// it writes FOCUS.
fn prepare_session(conn: &Connection, plan: &Plan) -> anyhow::Result<()> {
    crate::billing::priced_month(
        conn,
        Some(MonthSelection::All),
        report::DEFAULT_THRESHOLD_PERCENT,
        None,
        |_| {},
    )?;
    attach_scratch(conn)?;
    if let Some(currency) = &plan.focus_currency {
        focus::prepare(conn, currency)?;
    }
    Ok(())
}

/// Another connection to the database of `conn`, scoped as it is (its export
/// session not set up yet: [`prepare_session`]).
fn another(conn: &Connection) -> anyhow::Result<Connection> {
    let other = conn.try_clone()?;
    crate::store::scope::copy(conn, &other)?;
    Ok(other)
}

/// The scratch database for computed reports. Attached to the database instance, so
/// seen by every connection of it; writable when the database is opened read-only.
fn attach_scratch(conn: &Connection) -> anyhow::Result<()> {
    conn.execute_batch("ATTACH IF NOT EXISTS ':memory:' AS export_scratch (READ_WRITE)")?;
    Ok(())
}

/// Connections writing a partitioned table's files at once: one Parquet or CSV
/// writer keeps about one core busy (measured on 60 months of 20,000 lines, every
/// table and report, partitioned ÷ unpartitioned: 1.90x with two, 1.98x with three,
/// medians of 9 and 7 interleaved runs; a month's file spends much of its time in
/// the file system, creating and renaming it, which a third did not overlap).
const WRITERS: usize = 2;

/// Writes `files` on `conn` and `others` (set up like it) at once, each taking the
/// next file not yet taken, `others` on threads of their own (and handed back);
/// `done(index, rows)` hears of each as it is written. Returns each file's rows in
/// order; the first failure (in file order) is the error, and no file is started
/// after one failed.
fn write_in_parallel(
    conn: &Connection,
    others: Vec<Connection>,
    plan: &Plan,
    files: &[FilePlan],
    mut done: impl FnMut(usize, u64),
) -> (anyhow::Result<Vec<u64>>, Vec<Connection>) {
    let mut results: Vec<Option<anyhow::Result<u64>>> = files.iter().map(|_| None).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    // The next file to write, or None once all are taken or one failed.
    let take = || {
        if failed.load(Ordering::Relaxed) {
            return None;
        }
        let i = next.fetch_add(1, Ordering::Relaxed);
        (i < files.len()).then_some(i)
    };
    let write = |conn: &Connection, i: usize| {
        let result = write_one(conn, plan, &files[i]);
        if result.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        (i, result)
    };
    let others = std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::channel();
        let workers: Vec<_> = others
            .into_iter()
            .map(|other| {
                let send = send.clone();
                let (take, write) = (&take, &write);
                scope.spawn(move || {
                    while let Some(i) = take() {
                        if send.send(write(&other, i)).is_err() {
                            break;
                        }
                    }
                    other
                })
            })
            .collect();
        drop(send);
        let mut record = |(i, result): (usize, anyhow::Result<u64>)| {
            if let Ok(rows) = &result {
                done(i, *rows);
            }
            results[i] = Some(result);
        };
        while let Some(i) = take() {
            record(write(conn, i));
            while let Ok(message) = receive.try_recv() {
                record(message);
            }
        }
        for message in receive {
            record(message);
        }
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let rows = files
        .iter()
        .zip(results)
        .map(|(file, result)| {
            result.unwrap_or_else(|| {
                Err(anyhow::anyhow!(
                    "cannot write {}: not written",
                    file.path.display()
                ))
            })
        })
        .collect();
    (rows, others)
}

/// Writes one file whole; an error names the file.
fn write_one(conn: &Connection, plan: &Plan, file: &FilePlan) -> anyhow::Result<u64> {
    write_file(conn, plan, file)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e:#}", file.path.display()))
}

fn write_file(conn: &Connection, plan: &Plan, file: &FilePlan) -> anyhow::Result<u64> {
    let path = &file.path;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let query = format!("{}{}", file.select, file.filter);
    let (query, options) = match plan.format {
        Format::Csv if plan.neutralised => (
            neutralised(conn, &file.select, &query)?,
            "FORMAT csv, HEADER true",
        ),
        Format::Csv => (query.to_owned(), "FORMAT csv, HEADER true"),
        Format::Parquet => (query.to_owned(), "FORMAT parquet"),
    };
    let temp = atomic::temp_path(path);
    // Run once through `duckdb_query` (no parameter: the month is a literal), which
    // answers the rows written.
    let sql = format!(
        "COPY ({query}) TO {} ({options})",
        sql_text(&temp.to_string_lossy())
    );
    let rows = match conn.query_arrow_unprepared(&sql) {
        Ok((_, batches)) => copied_rows(&batches)?,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            anyhow::bail!("{}", duckdb_message(&e));
        }
    };
    atomic::commit(&temp, path)?;
    Ok(rows)
}

/// The rows a `COPY ... TO` wrote, from its one-row answer.
fn copied_rows(batches: &[arrow::record_batch::RecordBatch]) -> anyhow::Result<u64> {
    use arrow::array::AsArray;
    batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .and_then(|b| {
            b.column(0)
                .as_primitive_opt::<arrow::datatypes::Int64Type>()
        })
        .map(|counts| counts.value(0) as u64)
        .ok_or_else(|| anyhow::anyhow!("COPY did not say how many rows it wrote"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_cells_are_neutralised() {
        let conn = Connection::open_in_memory().unwrap();
        let query = "SELECT * FROM (VALUES ('=HYPERLINK(\"x\")', 1), ('+1', 2), ('-2+3', 3), ('@SUM(A1)', 4), \
                     (chr(9) || 'tab', 5), (chr(13) || 'cr', 6), ('plain', 7), ('a=b', 8), (NULL, 9)) t(cell, n)";
        let sql = neutralised(&conn, query, query).unwrap();
        let cells: Vec<Option<String>> = conn
            .prepare(&format!("SELECT cell FROM ({sql}) ORDER BY n"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected = [
            "'=HYPERLINK(\"x\")",
            "+1",
            "'-2+3",
            "'@SUM(A1)",
            "'\ttab",
            "'\rcr",
            "plain",
            "a=b",
        ];
        for (got, want) in cells.iter().zip(expected) {
            assert_eq!(got.as_deref(), Some(want));
        }
        assert_eq!(cells[8], None);
    }

    #[test]
    fn months_go_into_the_sql_as_quoted_literals() {
        assert_eq!(sql_text("2019-12"), "'2019-12'");
        assert_eq!(sql_text("it's'; DROP"), "'it''s''; DROP'");
        let conn = Connection::open_in_memory().unwrap();
        let (_, batches) = conn
            .query_arrow_unprepared(&format!("SELECT {} AS month", sql_text("a'b")))
            .unwrap();
        let month = report::text_column(&batches[0], "month").unwrap();
        assert_eq!(month.value(0), "a'b");
    }

    #[test]
    fn a_copy_answers_the_rows_it_wrote() {
        let conn = Connection::open_in_memory().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.parquet");
        let (_, batches) = conn
            .query_arrow_unprepared(&format!(
                "COPY (SELECT * FROM range(1234)) TO {} (FORMAT parquet)",
                sql_text(&path.to_string_lossy())
            ))
            .unwrap();
        assert_eq!(copied_rows(&batches).unwrap(), 1234);
        assert!(copied_rows(&[]).is_err());
    }

    #[test]
    fn the_months_of_line_items_are_those_of_their_rows() {
        use crate::parse::{LineItem, LineType, parse_service_date};
        use crate::store::{CsvOrigin, InvoiceCsv, InvoiceWrite, Store};
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
        let line = |n: u32, start: &str| LineItem {
            line_no: n,
            account_no: format!("{}", 1_000 + n % 3),
            reference_no: String::new(),
            domain: "bücher.example".into(),
            product: "Hosted Exchange".into(),
            line_type: LineType::Renewal,
            service_start: parse_service_date(start).unwrap(),
            service_end: parse_service_date("12/31/2019 11:59:59 PM").unwrap(),
            term_committed_usage: crate::amount::Amount::parse("1").unwrap(),
            current_usage: crate::amount::Amount::parse("1").unwrap(),
            usage_change: crate::amount::Amount::parse("1").unwrap(),
            months: crate::amount::Amount::parse("1").unwrap(),
            rate: crate::amount::Amount::parse("7").unwrap(),
            charge: crate::amount::Amount::parse("7").unwrap(),
        };
        // Three invoices with lines in two months, and one with none.
        for (id, starts) in [
            ("11", vec!["12/1/2017 12:00:00 AM", "11/6/2017 7:54:44 PM"]),
            ("12", vec!["1/1/2018 12:00:00 AM"]),
            ("13", vec!["1/1/2018 12:00:00 AM", "1/3/2018 12:00:00 AM"]),
            ("14", vec![]),
        ] {
            let items = starts
                .iter()
                .enumerate()
                .map(|(i, s)| line(i as u32 + 1, s));
            store
                .write_invoice(&InvoiceWrite {
                    invoice_id: crate::ids::InvoiceId::parse(id).unwrap(),
                    owner: None,
                    csv: InvoiceCsv {
                        sha256: "00".into(),
                        source: "test".into(),
                        origin: CsvOrigin::File,
                        items: items.collect(),
                    },
                })
                .unwrap();
        }
        let conn = store.connection();
        let plan = Plan {
            out: dir.path().join("out"),
            format: Format::Parquet,
            partition_by_month: true,
            since: None,
            sources: sources(),
            neutralised: true,
            focus_currency: None,
        };
        prepare_session(conn, &plan).unwrap();
        let months = |sql: &str| -> Vec<Option<String>> {
            conn.prepare(&format!("SELECT DISTINCT month FROM ({sql}) ORDER BY 1"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let line_items = sources()
            .into_iter()
            .find(|s| s.name == "line_items")
            .unwrap();
        let from_rows = months(&line_items.sql);
        assert_eq!(
            from_rows,
            [Some("2017-12".to_owned()), Some("2018-01".to_owned())]
        );
        assert_eq!(months(line_items.months.as_deref().unwrap()), from_rows);
    }

    #[test]
    fn partition_folders() {
        assert_eq!(partition_dir(Some("2019-12")), "month=2019-12");
        assert_eq!(partition_dir(None), "month=__HIVE_DEFAULT_PARTITION__");
    }
}
