//! `tally pack`: the month pack of one billing month as one HTML page.

use crate::cli::PackArgs;
use crate::printer::Printer;
use crate::settings::Settings;
use crate::store::Access;
use crate::{ExitStatus, pack};

pub fn run(args: &PackArgs, settings: &Settings, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let db = &settings.db;
    let book = settings.price_book(args.book.prices.as_deref())?;
    db.refuse_as_output(&args.out, "--out")?;
    let store = db.open_scoped(Access::ReadOnly, &args.scope, printer)?;
    let conn = store.connection();
    let Some(written) = pack::write(
        conn,
        args.month,
        book.as_ref(),
        args.reconcile.threshold,
        &args.out,
        |w| printer.warn(w),
    )?
    else {
        return Err(super::no_line_items(db));
    };
    let h = &written.headline;
    if h.invoices == 0 {
        printer.note(&format!("note: no invoice is dated in {}", written.month));
    }
    printer.note(&format!(
        "month pack {} written to {} ({} error, {} warning, {} info finding(s))",
        written.month,
        args.out.display(),
        h.errors,
        h.warnings,
        h.infos
    ));
    Ok(ExitStatus::Success)
}
