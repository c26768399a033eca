//! `tally export`: checked settings, the files, a summary.

use std::io::Write;
use std::path::Path;

use crate::cli::{ExportArgs, ExportFormat, Partition};
use crate::export::{Format, Plan, export, sources};
use crate::printer::Printer;
use crate::report::Months;
use crate::store::Store;
use crate::{ExitStatus, UsageError};

pub fn run(args: &ExportArgs, db: &Path, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let all = sources();
    let chosen = if args.tables.is_empty() {
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
    let since = match args.since.as_deref() {
        None => None,
        Some(text) => match Months::parse(text) {
            Some(Months::One(m)) => Some(m),
            _ => {
                return Err(UsageError(format!(
                    "--since: expected a month as YYYY-MM, e.g. 2024-01; found \"{text}\""
                ))
                .into());
            }
        },
    };
    let plan = Plan {
        out: args.out.clone(),
        format: match args.format {
            ExportFormat::Csv => Format::Csv,
            ExportFormat::Parquet => Format::Parquet,
        },
        partition_by_month: args.partition == Some(Partition::Month),
        since,
        sources: chosen,
    };
    std::fs::create_dir_all(&plan.out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", plan.out.display()))?;
    let store = Store::open_read_only(db)?;
    let spinner = printer.progress(0, "export");
    let written = export(store.connection(), &plan, |w| {
        spinner.set_message(w.path.display().to_string());
        printer.info(&format!("{}: {} rows", w.path.display(), w.rows));
    })?;
    spinner.finish_and_clear();
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
    out.flush()?;
    Ok(ExitStatus::Success)
}
