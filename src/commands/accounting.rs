//! `tally export --format quickbooks|xero --month M --out DIR`: the month's
//! statements (a closed month's frozen bill) → `export::accounting` → the
//! platform's import files under DIR/<platform>/M/, recorded in the folder's
//! manifest (files an earlier run wrote for the month and this one did not are
//! removed; nothing else is).

use std::io::Write;

use crate::billing::{self, statement};
use crate::cli::{Cli, ExportArgs};
use crate::export::accounting::{self, Invoice, Platform};
use crate::export::manifest;
use crate::month::MonthSelection;
use crate::printer::Printer;
use crate::render::money;
use crate::report;
use crate::store::Access;
use crate::{ExitStatus, UsageError, atomic};

pub fn run(
    platform: Platform,
    args: &ExportArgs,
    cli: &Cli,
    db: &super::Db,
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
    let store = db.open(Access::ReadOnly, printer)?;
    // A closed month is exported from the price book its close froze.
    let command = format!("tally export --format {name}");
    let book = super::month_price_book(&store, month, args.prices.as_deref(), cli, &command)?;
    let conn = store.connection();
    report::prepare(
        conn,
        Some(MonthSelection::Month(month)),
        report::DEFAULT_THRESHOLD_PERCENT,
    )?;
    billing::load(conn, &book)?;
    billing::warn_unused(conn, &book, |w| printer.warn(w))?;
    let statements = statement::statements(conn, month, &[], &book.seller, &book.currency)?;
    if statements.is_empty() {
        anyhow::bail!("nothing is billed in {month}: no statement to export");
    }
    let emails = statement::billing_emails(conn)?;
    let mut invoices = Vec::new();
    let mut nameless = Vec::new();
    for s in &statements {
        match book.customer_name(&s.account_no, s.name.as_deref()) {
            Some(customer) => invoices.push(Invoice {
                statement: s,
                customer,
                email: emails.get(&s.account_no).cloned(),
                rows: accounting::rows(s),
            }),
            None => nameless.push(s.account_no.clone()),
        }
    }
    if !nameless.is_empty() {
        anyhow::bail!(
            "sub-account{} {} {} no name to invoice under; name {} under [accounting.customers] in {} (e.g. \"{}\" = \"Customer Name\") or sync the customer list: nothing was written",
            if nameless.len() == 1 { "" } else { "s" },
            nameless.join(", "),
            if nameless.len() == 1 { "has" } else { "have" },
            if nameless.len() == 1 { "it" } else { "them" },
            book.path.display(),
            nameless[0]
        );
    }
    let root = &args.out;
    let dir = root.join(name).join(month.to_string());
    let built = accounting::files(platform, &invoices, &book, month, &dir)?;
    for file in &built.files {
        db.refuse_as_output(&file.path, "--out")?;
    }
    // Recorded before any is written, so a run killed half way still knows them;
    // the month's files of this platform are then exactly these.
    let mut recorded = manifest::Manifest::read(root)?;
    let new_paths: Vec<String> = built
        .files
        .iter()
        .map(|f| manifest::relative(root, &f.path))
        .collect();
    let stale: Vec<manifest::Entry> = recorded
        .entries()
        .iter()
        .filter(|e| e.table == name && e.month.as_deref() == Some(&month.to_string()))
        .filter(|e| !new_paths.contains(&e.path))
        .cloned()
        .collect();
    recorded.add(new_paths.iter().map(|path| manifest::Entry {
        path: path.clone(),
        table: name.to_owned(),
        format: "csv".to_owned(),
        month: Some(month.to_string()),
        partitioned: true,
    }));
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    recorded.write(root)?;
    for file in &built.files {
        atomic::write_file(&file.path, |out| Ok(out.write_all(&file.bytes)?))?;
    }
    for entry in &stale {
        if recorded.remove_file(root, entry)?.is_some() {
            printer.info(&format!(
                "{}: removed (no longer in the export)",
                entry.path
            ));
        }
    }
    recorded.write(root)?;
    let mut out = printer.stdout();
    writeln!(
        out,
        "exported {month}'s statements for {name} into {}:",
        dir.display()
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
