//! `tally report NAME`: one compiled-in report on a read-only connection.

use std::io::Write;
use std::path::Path;

use arrow::array::{Array, AsArray};

use crate::cli::{OutputFormat, ReportArgs, ReportFormat};
use crate::printer::Printer;
use crate::render::write_result;
use crate::report::{self, Months};
use crate::store::{Store, duckdb_message};
use crate::{ExitStatus, UsageError, atomic};

pub fn run(args: &ReportArgs, db: &Path, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let report = report::find(&args.name).expect("clap checked the name");
    let months = match &args.month {
        None => Months::Latest,
        Some(text) => Months::parse(text).ok_or_else(|| {
            UsageError(format!(
                "--month: expected a month as YYYY-MM (e.g. 2019-12) or `all`; found \"{text}\""
            ))
        })?,
    };
    if args.format == ReportFormat::Parquet && args.out.is_none() {
        return Err(UsageError("--format parquet needs --out FILE".into()).into());
    }
    let store = Store::open_read_only(db)?;
    let conn = store.connection();
    let Some(month) = report::prepare(conn, &months, args.threshold)? else {
        anyhow::bail!(
            "{} has no line items yet; run `tally sync rackspace`, `tally load` or `tally demo` first",
            db.display()
        );
    };
    if month != "all" && report::invoices_in_month(conn, &month)? == 0 {
        printer.note(&format!("note: no invoice is dated in {month}"));
    }
    let (schema, batches) = report::run(conn, report)?;
    let text_format = match args.format {
        ReportFormat::Table => Some(OutputFormat::Table),
        ReportFormat::Csv => Some(OutputFormat::Csv),
        ReportFormat::Json => Some(OutputFormat::Json),
        ReportFormat::Parquet => None,
    };
    match (&args.out, text_format) {
        (None, Some(format)) => {
            let mut out = printer.stdout();
            write_result(format, &schema, &batches, &mut out)?;
            out.flush()?;
        }
        (Some(path), Some(format)) => {
            atomic::write_file(path, |out| write_result(format, &schema, &batches, out))?;
        }
        (Some(path), None) => {
            let temp = atomic::temp_path(path);
            let sql = report::copy_sql(report, &temp.to_string_lossy(), "parquet");
            if let Err(e) = conn.execute_batch(&sql) {
                let _ = std::fs::remove_file(&temp);
                anyhow::bail!("cannot write {}: {}", path.display(), duckdb_message(&e));
            }
            atomic::commit(&temp, path)?;
        }
        (None, None) => unreachable!("parquet without --out was refused"),
    }
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    if let Some(path) = &args.out {
        printer.note(&format!(
            "report {} ({month}): {rows} rows written to {}",
            report.name,
            path.display()
        ));
    }
    if report.name == "reconcile" {
        let errors = count_errors(&batches);
        if errors > 0 {
            printer.error(&format!(
                "reconcile ({month}): {errors} error finding{}",
                if errors == 1 { "" } else { "s" }
            ));
            return Ok(ExitStatus::Failure);
        }
    }
    Ok(ExitStatus::Success)
}

/// Rows whose first column (severity) is `error`.
fn count_errors(batches: &[arrow::record_batch::RecordBatch]) -> usize {
    batches
        .iter()
        .map(|b| {
            let column = b.column(0);
            let Some(severity) = column.as_string_opt::<i32>() else {
                return 0;
            };
            (0..severity.len())
                .filter(|&i| severity.is_valid(i) && severity.value(i) == "error")
                .count()
        })
        .sum()
}
