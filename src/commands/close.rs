//! `tally close M` and `tally reopen M --reason TEXT`: checked settings (the price
//! book, the month's state, its reconcile errors) → `crate::billing` → a summary.

use std::io::Write;

use crate::billing;
use crate::cli::{CloseArgs, ReopenArgs};
use crate::printer::Printer;
use crate::render::money;
use crate::report::{self, ReportName};
use crate::settings::Settings;
use crate::store::Access;
use crate::{ExitStatus, UsageError};

pub fn close(
    args: &CloseArgs,
    settings: &Settings,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let db = &settings.db;
    let book = settings
        .price_book(args.book.prices.as_deref())?
        .ok_or_else(|| super::no_price_book("tally close"))?;
    let month = args.month;
    let mut store = db.open(Access::ReadWrite, printer)?;
    if let Some(r) = billing::latest(&store, month)?
        && r.reopened_at.is_none()
    {
        anyhow::bail!(
            "{month} is closed already (revision {}, {}); `tally reopen {month} --reason TEXT` first",
            r.revision,
            r.closed_at
        );
    }
    let conn = store.connection();
    billing::price_month(conn, month, &book, |w| printer.warn(w))?;
    if report::invoices_in_month(conn, &month.to_string())? == 0 {
        anyhow::bail!("no invoice is dated in {month}: nothing to close");
    }
    let (_, findings) = report::run(conn, ReportName::Reconcile.report())?;
    let errors = report::error_lines(&findings)?;
    if !errors.is_empty() && !args.force {
        for line in errors.iter().take(10) {
            printer.error(line);
        }
        if errors.len() > 10 {
            printer.error(&format!("… and {} more", errors.len() - 10));
        }
        anyhow::bail!(
            "{month} has {} reconcile error finding{} (above); fix {} or close with --force",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            if errors.len() == 1 { "it" } else { "them" }
        );
    }
    let closed = billing::close(&mut store, month, &book, args.force)?;
    let mut out = printer.stdout();
    writeln!(
        out,
        "closed {month} (revision {}): {} lines, cost {}, sell {} (with {} fee line{}); price book {} ({})",
        closed.revision,
        closed.lines,
        money(closed.cost),
        money(closed.sell),
        closed.fees,
        if closed.fees == 1 { "" } else { "s" },
        book.path.display(),
        &book.sha256[..12]
    )?;
    out.flush()?;
    Ok(ExitStatus::Success)
}

pub fn reopen(args: &ReopenArgs, db: &super::Db, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let reason = args.reason.trim();
    if reason.is_empty() {
        return Err(UsageError("--reason must say why the month is reopened".into()).into());
    }
    let month = args.month;
    let mut store = db.open(Access::ReadWrite, printer)?;
    let Some(r) = billing::latest(&store, month)?.filter(|r| r.reopened_at.is_none()) else {
        anyhow::bail!("{month} is not closed");
    };
    billing::reopen(&mut store, month, r.revision, reason)?;
    let mut out = printer.stdout();
    writeln!(
        out,
        "reopened {month} (revision {} stays on record); a new close will be revision {}",
        r.revision,
        r.revision + 1
    )?;
    out.flush()?;
    Ok(ExitStatus::Success)
}
