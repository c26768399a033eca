//! `tally export`: checked settings, the files, a summary.

use std::io::Write;

use crate::cli::{ExportArgs, ExportFormat, Partition};
use crate::export::accounting::Platform;
use crate::export::focus;
use crate::export::{Format, Plan, export, sources};
use crate::printer::Printer;
use crate::settings::Settings;
use crate::store::Access;
use crate::{ExitStatus, UsageError};

pub fn run(
    args: &ExportArgs,
    settings: &Settings,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let platform = match args.format {
        ExportFormat::Quickbooks => Some(Platform::QuickBooks),
        ExportFormat::Xero => Some(Platform::Xero),
        _ => None,
    };
    if let Some(platform) = platform {
        return super::accounting::run(platform, args, settings, printer);
    }
    if args.month.is_some() || args.book.prices.is_some() {
        return Err(UsageError(
            "--month and --prices apply to --format quickbooks and xero only".into(),
        )
        .into());
    }
    let db = &settings.db;
    let all = sources();
    let focus_currency = match args.format {
        ExportFormat::Focus => Some(settings.currency(args.currency.as_deref())?),
        _ if args.currency.is_some() => {
            return Err(UsageError("--currency applies to --format focus only".into()).into());
        }
        _ => None,
    };
    let chosen = if args.format == ExportFormat::Focus {
        if !args.tables.is_empty() {
            return Err(UsageError(
                "--tables does not apply to --format focus (it writes the FOCUS dataset only)"
                    .into(),
            )
            .into());
        }
        vec![focus::source()]
    } else if args.tables.is_empty() {
        all
    } else {
        let mut chosen = Vec::new();
        for name in &args.tables {
            let Some(source) = all.iter().find(|s| s.name == *name) else {
                let known: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
                return Err(UsageError(format!(
                    "--tables: unknown table \"{name}\"; known: {}",
                    known.join(", ")
                ))
                .into());
            };
            chosen.push(source.clone());
        }
        chosen
    };
    let plan = Plan {
        out: args.out.clone(),
        format: match args.format {
            ExportFormat::Csv => Format::Csv,
            ExportFormat::Parquet | ExportFormat::Focus => Format::Parquet,
            ExportFormat::Quickbooks | ExportFormat::Xero => unreachable!("written above"),
        },
        partition_by_month: args.partition == Some(Partition::Month),
        since: args.since,
        sources: chosen,
        neutralised: !args.raw,
        focus_currency,
    };
    std::fs::create_dir_all(&plan.out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", plan.out.display()))?;
    let store = db.open_scoped(Access::ReadOnly, &args.scope, printer)?;
    let spinner = printer.progress(0, "export");
    let check = |path: &std::path::Path| Ok(db.refuse_as_output(path, "--out")?);
    let outcome = export(store.connection(), &plan, check, |w| {
        spinner.set_message(w.path.display().to_string());
        printer.info(&format!("{}: {} rows", w.path.display(), w.rows));
    })?;
    spinner.finish_and_clear();
    for path in &outcome.removed {
        printer.info(&format!(
            "{}: removed (no longer in the export)",
            path.display()
        ));
    }
    let written = outcome.written;
    let mut out = printer.stdout();
    writeln!(out, "exported into {}:", plan.out.display())?;
    for source in &plan.sources {
        let files: Vec<_> = written.iter().filter(|w| w.source == source.name).collect();
        let rows: u64 = files.iter().map(|w| w.rows).sum();
        writeln!(
            out,
            "  {:<20} {:>4} file{} {:>10} rows",
            source.name,
            files.len(),
            if files.len() == 1 { " " } else { "s" },
            rows
        )?;
    }
    if !outcome.removed.is_empty() {
        writeln!(
            out,
            "  removed {} file{} an earlier export wrote that this one no longer contains",
            outcome.removed.len(),
            if outcome.removed.len() == 1 { "" } else { "s" }
        )?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
