//! `tally export --format quickbooks|xero --month M --out DIR`: the month's
//! statements (a closed month's frozen bill) → `export::accounting` → the
//! platform's import files under DIR/<platform>/M/, recorded in the folder's
//! manifest (files an earlier run wrote for the month and this one did not are
//! removed; nothing else is).

use std::collections::BTreeMap;
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
use crate::{ExitStatus, UsageError};

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
    report::prepare(conn, Some(MonthSelection::Month(month)), 25)?;
    billing::load(conn, &book)?;
    billing::warn_unused(conn, &book, |w| printer.warn(w))?;
    let statements = statement::statements(conn, month, &[], &book.seller, &book.currency)?;
    if statements.is_empty() {
        anyhow::bail!("nothing is billed in {month}: no statement to export");
    }
    // Each customer's billing e-mail (Xero's EmailAddress), when the contacts say.
    let emails: BTreeMap<String, String> = conn
        .prepare(
            "SELECT account_number, min(email) FROM contacts
              WHERE receives_billing AND email IS NOT NULL AND trim(email) <> ''
              GROUP BY account_number",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
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
    db.refuse_as_output(&dir, "--out")?;
    let mut recorded = manifest::Manifest::read(root)?;
    let written = accounting::write(platform, &invoices, &book, month, &dir)?;
    // The month's files of this platform now are exactly those just written.
    let new_paths: Vec<String> = written
        .files
        .iter()
        .map(|(p, _)| manifest::relative(root, p))
        .collect();
    let stale: Vec<String> = recorded
        .entries()
        .iter()
        .filter(|e| e.table == name && e.month.as_deref() == Some(&month.to_string()))
        .filter(|e| !new_paths.contains(&e.path))
        .map(|e| e.path.clone())
        .collect();
    recorded.add(new_paths.iter().map(|path| manifest::Entry {
        path: path.clone(),
        table: name.to_owned(),
        format: "csv".to_owned(),
        month: Some(month.to_string()),
        partitioned: true,
    }));
    for path in &stale {
        match std::fs::remove_file(root.join(path)) {
            Ok(()) => printer.info(&format!("{path}: removed (no longer in the export)")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => anyhow::bail!("cannot remove the stale file {path}: {e}"),
        }
        recorded.remove(path);
    }
    recorded.write(root)?;
    let mut out = printer.stdout();
    writeln!(
        out,
        "exported {month}'s statements for {name} into {}:",
        dir.display()
    )?;
    for (path, count) in &written.files {
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned());
        let kind = if file
            .as_deref()
            .is_some_and(|f| f.starts_with("credit-notes"))
        {
            "credit note"
        } else {
            "invoice"
        };
        writeln!(
            out,
            "  {:<22} {count:>4} {kind}{}",
            file.unwrap_or_default(),
            if *count == 1 { "" } else { "s" }
        )?;
    }
    out.flush()?;
    if written.left_out.is_empty() {
        return Ok(ExitStatus::Success);
    }
    for (number, customer, total) in &written.left_out {
        printer.error(&format!(
            "{number} {customer}: total {} is a credit; QuickBooks Online imports no credit memos from CSV, so it was left out: enter it as a credit memo by hand",
            money(*total)
        ));
    }
    Ok(ExitStatus::Failure)
}
