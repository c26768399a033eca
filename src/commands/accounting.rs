//! `tally export --format quickbooks|xero --month M --out DIR`: the month's
//! statements (a closed month's frozen bill) → `export::accounting` → the
//! platform's import files under DIR/<platform>/M/, recorded in the folder's
//! manifest (files an earlier run wrote for the month and this one did not are
//! removed; nothing else is).

use std::io::Write;
use std::path::Path;

use crate::billing;
use crate::cli::ExportArgs;
use crate::export::accounting::{self, Platform};
use crate::export::bucket::Target;
use crate::mirror::Manifest;
use crate::printer::Printer;
use crate::render::money;
use crate::settings::Settings;
use crate::store::Access;
use crate::{ExitStatus, UsageError};

pub fn run(
    platform: Platform,
    args: &ExportArgs,
    settings: &Settings,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let name = platform.name();
    let Some(month) = args.month else {
        return Err(UsageError(format!("--format {name} needs --month YYYY-MM")).into());
    };
    if args.partition.is_some()
        || args.since.is_some()
        || !args.tables.is_empty()
        || args.currency.is_some()
    {
        return Err(UsageError(format!(
            "--partition, --since, --tables and --currency do not apply to --format {name} (one month's statements; the currency is the price book's)"
        ))
        .into());
    }
    let db = &settings.db;
    // A bucket is opened first: a missing bucket or a refused credential fails
    // before anything.
    let target = Target::open(&args.out, &settings.config.export)?;
    let store = db.open_scoped(Access::ReadOnly, &args.scope, printer)?;
    // A closed month is exported from the price book its close froze.
    let command = format!("tally export --format {name}");
    let book = settings.month_price_book(&store, month, args.book.prices.as_deref(), &command)?;
    let conn = store.connection();
    billing::price_month(conn, month, &book, |w| printer.warn(w))?;
    let write = |root: &Path| {
        accounting::export_month(conn, platform, month, &book, root, |path| {
            Ok(db.refuse_as_output(path, "--out")?)
        })
    };
    let (exported, shown, removed) = match target {
        Target::Folder(dir) => {
            let exported = write(&dir)?;
            let removed: Vec<String> = exported.removed.iter().map(|e| e.path.clone()).collect();
            let shown = exported.dir.display().to_string();
            (exported, shown, removed)
        }
        Target::Bucket(bucket, staging) => {
            let month_text = month.to_string();
            let shown = bucket.url().show(&format!("{name}/{month}"));
            // Written whole into the staging folder, then uploaded together.
            let (exported, removed) = bucket.publish(
                staging.path(),
                |e| e.table == name && e.month.as_deref() == Some(month_text.as_str()),
                |uploads| {
                    let exported = write(staging.path())?;
                    let entries = Manifest::read(staging.path())?;
                    uploads.record(entries.entries());
                    for entry in entries.entries() {
                        uploads.upload(entry.path.clone());
                    }
                    Ok(exported)
                },
                |object, size| printer.info(&format!("{object}: uploaded ({size} bytes)")),
            )?;
            (exported, shown, removed)
        }
    };
    for path in &removed {
        printer.info(&format!("{path}: removed (no longer in the export)"));
    }
    let built = &exported.files;
    let mut out = printer.stdout();
    writeln!(
        out,
        "exported {month}'s statements for {name} into {shown}:"
    )?;
    for file in &built.files {
        let kind = if file.credit_notes {
            "credit note"
        } else {
            "invoice"
        };
        writeln!(
            out,
            "  {:<22} {:>4} {kind}{}",
            file.path.file_name().unwrap_or_default().to_string_lossy(),
            file.count,
            if file.count == 1 { "" } else { "s" }
        )?;
    }
    out.flush()?;
    if built.left_out.is_empty() {
        return Ok(ExitStatus::Success);
    }
    for (number, customer, total) in &built.left_out {
        printer.error(&format!(
            "{number} {customer}: total {} is a credit; QuickBooks Online imports no credit memos from CSV, so it was left out: enter it as a credit memo by hand",
            money(*total)
        ));
    }
    Ok(ExitStatus::Failure)
}
