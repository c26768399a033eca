//! `tally report NAME`: one compiled-in report on a read-only connection.

use std::io::Write;

use crate::cli::{ReportArgs, ReportFormat};
use crate::month::MonthSelection;
use crate::printer::Printer;
use crate::render::{Format, write_result};
use crate::report;
use crate::store::Access;
use crate::{ExitStatus, UsageError, atomic};

pub fn run(args: &ReportArgs, db: &super::Db, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let report = args.name.report();
    if args.format == ReportFormat::Parquet && args.out.is_none() {
        return Err(UsageError("--format parquet needs --out FILE".into()).into());
    }
    if let Some(out) = &args.out {
        db.refuse_as_output(out, "--out")?;
    }
    let store = db.open(Access::ReadOnly, printer)?;
    let conn = store.connection();
    let Some(month) = report::prepare(conn, args.month, args.threshold)? else {
        anyhow::bail!(
            "{} has no line items yet; run `tally sync rackspace`, `tally load` or `tally demo` first",
            db.path().display()
        );
    };
    if let MonthSelection::Month(m) = month
        && report::invoices_in_month(conn, &m.to_string())? == 0
    {
        printer.note(&format!("note: no invoice is dated in {month}"));
    }
    let (schema, batches) = report::run(conn, report)?;
    let text_format = match args.format {
        ReportFormat::Table => Some(Format::Table),
        ReportFormat::Csv => Some(Format::Csv {
            neutralised: !args.raw,
        }),
        ReportFormat::Json => Some(Format::Json),
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
        (Some(path), None) => report::write_parquet(conn, report, path)?,
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
    if report.name.has_findings() {
        let errors = report::error_findings(&batches);
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
