//! `tally load`: checked settings → the load pipeline (`crate::load`) → a summary.

use rust_decimal::Decimal;
use std::io::Write;

use crate::cli::LoadArgs;
use crate::ids::{AccountNumber, InvoiceId};
use crate::load::{LoadPlan, Progress, load};
use crate::printer::Printer;
use crate::render::Table;
use crate::{ExitStatus, UsageError};

pub fn run(args: &LoadArgs, db: &super::Db, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let owner = args
        .account
        .as_deref()
        .map(AccountNumber::parse)
        .transpose()
        .map_err(|e| UsageError(format!("--account: {e}")))?;
    let invoice_id = args
        .invoice_id
        .as_deref()
        .map(InvoiceId::parse)
        .transpose()
        .map_err(|e| UsageError(format!("--invoice-id: {e}")))?;
    if args.max_file_size == 0 {
        return Err(UsageError("--max-file-size must be at least 1 (MiB)".into()).into());
    }
    let plan = LoadPlan::new(&args.paths, invoice_id, owner, args.max_file_size)
        .map_err(|e| UsageError(e.to_string()))?;
    for problem in &plan.rejected {
        printer.error(&problem.to_string());
    }
    let windows = db.append_windows(printer)?;
    let path = windows.path().to_owned();

    let bar = printer.progress(plan.files.len() as u64, "loading");
    let (mut loaded, mut lines, mut charge, mut failed) =
        (0usize, 0usize, Decimal::ZERO, plan.rejected.len());
    let mut stored: Vec<(usize, Vec<String>)> = Vec::new();
    // The bar counts files read and checked; the last groups are stored after.
    let loaded_all = load(windows, &plan, |progress| match progress {
        Progress::Read => {
            bar.inc(1);
            if bar.position() == plan.files.len() as u64 {
                bar.set_message("read; storing the last invoices");
                // Drawn even though no file is counted any more.
                bar.enable_steady_tick(std::time::Duration::from_millis(200));
            }
        }
        Progress::Waiting(message) => bar.suspend(|| printer.note(&message)),
        Progress::Done(index, file, Ok(done)) => {
            printer.info(&format!(
                "{}: invoice {} ({} lines, charge {})",
                file.path.display(),
                done.invoice_id,
                done.lines,
                done.charge
            ));
            loaded += 1;
            lines += done.lines;
            charge += done.charge;
            stored.push((
                index,
                vec![
                    done.invoice_id.to_string(),
                    file.path.display().to_string(),
                    done.lines.to_string(),
                    done.charge.to_string(),
                ],
            ));
        }
        Progress::Done(_, _, Err(error)) => {
            bar.suspend(|| printer.error(&format!("{:#}", anyhow::Error::from(error))));
            failed += 1;
        }
    });
    bar.finish_and_clear();
    stored.sort_by_key(|(index, _)| *index);
    let mut table = Table::new(vec![
        ("invoice".into(), false),
        ("file".into(), false),
        ("lines".into(), true),
        ("charge".into(), true),
    ]);
    for (_, row) in stored {
        table.push(row);
    }
    let mut out = printer.stdout();
    if !table.is_empty() {
        table.write(&mut out)?;
    }
    let owner = plan
        .owner
        .as_ref()
        .map_or("owner unknown".to_owned(), |a| format!("account {a}"));
    writeln!(
        out,
        "loaded {loaded} file{} into {} ({owner}): {lines} lines, charge {charge}; rejected {failed}",
        if loaded == 1 { "" } else { "s" },
        path.display(),
    )?;
    out.flush()?;
    // What was stored before the file could not be had back stays, and is listed.
    loaded_all?;
    Ok(if failed > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
