//! `tally export`: checked settings, the files, a summary.

use std::io::Write;
use std::path::Path;

use crate::cli::{ExportArgs, ExportFormat, Partition};
use crate::export::accounting::Platform;
use crate::export::bucket::Target;
use crate::export::focus;
use crate::export::{Format, Plan, Written, covers, export, sources};
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
    // A bucket is opened first: a missing bucket or a refused credential fails
    // before anything is exported.
    let target = Target::open(&args.out, &settings.config.export)?;
    let plan = Plan {
        out: match &target {
            Target::Folder(dir) => dir.clone(),
            Target::Bucket(_, staging) => staging.path().to_owned(),
        },
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
    if let Target::Folder(dir) = &target {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    }
    let store = db.open_scoped(Access::ReadOnly, &args.scope, printer)?;
    let spinner = printer.progress(0, "export");
    let (shown, outcome) = match target {
        Target::Folder(dir) => {
            let check = |path: &Path| Ok(db.refuse_as_output(path, "--out")?);
            let outcome = export(
                store.connection(),
                &plan,
                check,
                |_| {},
                |w| {
                    spinner.set_message(w.path.display().to_string());
                    printer.info(&format!("{}: {} rows", w.path.display(), w.rows));
                },
            )?;
            let removed = outcome
                .removed
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            (dir.display().to_string(), (outcome.written, removed))
        }
        Target::Bucket(bucket, staging) => {
            let url = bucket.url().clone();
            let (outcome, removed) = bucket.publish(
                staging.path(),
                |e| covers(&plan, e),
                |uploads| {
                    export(
                        store.connection(),
                        &plan,
                        |_| Ok(()),
                        |entries| uploads.record(entries),
                        |w| {
                            spinner.set_message(w.path.display().to_string());
                            uploads.upload(crate::mirror::relative(staging.path(), &w.path));
                        },
                    )
                },
                |object, size| printer.info(&format!("{object}: uploaded ({size} bytes)")),
            )?;
            (url.to_string(), (outcome.written, removed))
        }
    };
    spinner.finish_and_clear();
    let (written, removed): (Vec<Written>, Vec<String>) = outcome;
    for path in &removed {
        printer.info(&format!("{path}: removed (no longer in the export)"));
    }
    let mut out = printer.stdout();
    writeln!(out, "exported into {shown}:")?;
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
    if !removed.is_empty() {
        writeln!(
            out,
            "  removed {} file{} an earlier export wrote that this one no longer contains",
            removed.len(),
            if removed.len() == 1 { "" } else { "s" }
        )?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
