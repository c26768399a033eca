//! `tally export`: checked settings, the files, a summary.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::{ExportArgs, ExportFormat, Partition};
use crate::export::accounting::Platform;
use crate::export::bucket::{self, Bucket, Destination, Staging};
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
    let destination = bucket::destination(&args.out)?;
    let mut plan = Plan {
        out: match &destination {
            Destination::Folder(dir) => dir.clone(),
            Destination::Bucket(_) => PathBuf::new(),
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
    let (shown, outcome) = match destination {
        Destination::Folder(_) => {
            std::fs::create_dir_all(&plan.out)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", plan.out.display()))?;
            let store = db.open_scoped(Access::ReadOnly, &args.scope, printer)?;
            let spinner = printer.progress(0, "export");
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
            spinner.finish_and_clear();
            let removed = outcome
                .removed
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            (plan.out.display().to_string(), (outcome.written, removed))
        }
        Destination::Bucket(url) => {
            // The bucket first: a missing bucket or a refused credential fails
            // before anything is exported.
            let bucket = Bucket::open(&url, &settings.config.export)?;
            let store = db.open_scoped(Access::ReadOnly, &args.scope, printer)?;
            let staging = Staging::new()?;
            plan.out = staging.path().to_owned();
            let spinner = printer.progress(0, "export");
            let root = staging.path().to_owned();
            let (outcome, published) = bucket.publish(
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
                            uploads.upload(crate::mirror::relative(&root, &w.path));
                        },
                    )
                },
                |key, size| printer.info(&format!("{url}/{key}: uploaded ({size} bytes)")),
            )?;
            spinner.finish_and_clear();
            let written = outcome
                .written
                .into_iter()
                .map(|w| Written {
                    path: PathBuf::from(format!(
                        "{url}/{}",
                        crate::mirror::relative(&root, &w.path)
                    )),
                    ..w
                })
                .collect();
            let removed = published
                .removed
                .iter()
                .map(|key| format!("{url}/{key}"))
                .collect();
            (url.to_string(), (written, removed))
        }
    };
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
