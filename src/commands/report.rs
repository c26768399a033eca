//! `tally report NAME`: one compiled-in report on a read-only connection.

use std::io::Write;

use crate::billing::{self, PriceBook};
use crate::cli::{MarginBy, ReportArgs, ReportFormat};
use crate::month::MonthSelection;
use crate::printer::Printer;
use crate::render::html;
use crate::render::{Format, write_result};
use crate::report::{self, ReportName};
use crate::settings::Settings;
use crate::store::Access;
use crate::{ExitStatus, UsageError, atomic};

/// The price book a report reads: required by `margin`, optional for `reconcile`
/// (its `below_cost` finding), none for the others. Checked before anything runs.
fn price_book(args: &ReportArgs, settings: &Settings) -> anyhow::Result<Option<PriceBook>> {
    let name = args.name;
    if !(name.needs_prices() || name.has_findings()) {
        return Ok(None);
    }
    match settings.price_book(args.book.prices.as_deref())? {
        None if name.needs_prices() => Err(super::no_price_book("report margin")),
        book => Ok(book),
    }
}

pub fn run(
    args: &ReportArgs,
    settings: &Settings,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let db = &settings.db;
    let book = price_book(args, settings)?;
    let by_product = report::Report {
        sql: report::MARGIN_BY_PRODUCT,
        ..*args.name.report()
    };
    let report = if args.name == ReportName::Margin && args.by == MarginBy::Product {
        &by_product
    } else {
        args.name.report()
    };
    if args.format == ReportFormat::Parquet && args.out.is_none() {
        return Err(UsageError("--format parquet needs --out FILE".into()).into());
    }
    if let Some(out) = &args.out {
        db.refuse_as_output(out, "--out")?;
    }
    let store = db.open_scoped(Access::ReadOnly, &args.scope, printer)?;
    let conn = store.connection();
    let Some(month) = billing::priced_month(
        conn,
        args.month,
        args.reconcile.threshold,
        book.as_ref(),
        |w| printer.warn(w),
    )?
    else {
        return Err(super::no_line_items(db));
    };
    if let MonthSelection::Month(m) = month
        && report::invoices_in_month(conn, &m.to_string())? == 0
    {
        printer.note(&format!("note: no invoice is dated in {month}"));
    }
    let (schema, batches) = report::run(conn, report)?;
    let kinds = report.kinds(&schema);
    let title = match (args.name, args.by) {
        (ReportName::Margin, MarginBy::Product) => format!("margin by product, {month}"),
        (name, _) => format!("{name}, {month}"),
    };
    let write = |out: &mut dyn Write| match args.format {
        ReportFormat::Table => write_result(Format::Table, &schema, &batches, &kinds, out),
        ReportFormat::Csv => {
            let format = Format::Csv {
                neutralised: !args.raw,
            };
            write_result(format, &schema, &batches, &kinds, out)
        }
        ReportFormat::Json => write_result(Format::Json, &schema, &batches, &kinds, out),
        ReportFormat::Html => html::write_report(&title, &schema, &batches, &kinds, out),
        ReportFormat::Parquet => unreachable!("parquet is written by DuckDB"),
    };
    match (&args.out, args.format) {
        (Some(path), ReportFormat::Parquet) => report::write_parquet(conn, report, path)?,
        (None, ReportFormat::Parquet) => unreachable!("parquet without --out was refused"),
        (Some(path), _) => atomic::write_file(path, write)?,
        (None, _) => {
            let mut out = printer.stdout();
            write(&mut out)?;
            out.flush()?;
        }
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
        let errors = report::error_findings(&batches)?;
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
