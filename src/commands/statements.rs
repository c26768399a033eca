//! `tally statements --month M --out DIR`: the price book (a closed month's own, or
//! the given one) → `billing::statement_files`: files written whole, an index, and
//! the folder's manifest.

use std::io::Write;

use rust_decimal::Decimal;

use crate::billing;
use crate::billing::statement_files;
use crate::cli::StatementsArgs;
use crate::ids::AccountNumber;
use crate::printer::Printer;
use crate::render::money;
use crate::settings::Settings;
use crate::store::Access;
use crate::{ExitStatus, UsageError};

pub fn run(
    args: &StatementsArgs,
    settings: &Settings,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let accounts: Vec<AccountNumber> = args
        .accounts
        .iter()
        .map(|a| AccountNumber::parse(a))
        .collect::<Result<_, _>>()
        .map_err(|e| UsageError(format!("--account: {e}")))?;
    let month = args.month;
    let db = &settings.db;
    let store = db.open_scoped(Access::ReadOnly, &args.scope, printer)?;
    // A closed month's statements use the price book its close froze.
    let book = settings.month_price_book(
        &store,
        month,
        args.book.prices.as_deref(),
        "tally statements",
    )?;
    let conn = store.connection();
    billing::price_month(conn, month, &book, |w| printer.warn(w))?;
    let written = statement_files::write_month(
        conn,
        month,
        &accounts,
        &book,
        args.format,
        args.raw,
        &args.out,
        |path| Ok(db.refuse_as_output(path, "--out")?),
    )?;
    let (all, dir, removed) = (&written.statements, &written.dir, written.removed);
    let total: Decimal = all.iter().map(|s| s.total).sum();
    let mut out = printer.stdout();
    writeln!(
        out,
        "wrote {} statement{} for {month} into {} (total {} {}, excluding tax){}",
        all.len(),
        if all.len() == 1 { "" } else { "s" },
        dir.display(),
        money(total),
        book.currency,
        if removed > 0 {
            format!("; removed {removed} for accounts no longer billed")
        } else {
            String::new()
        }
    )?;
    out.flush()?;
    Ok(ExitStatus::Success)
}
