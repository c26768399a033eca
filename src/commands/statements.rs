//! `tally statements --month M --out DIR`: the price book (a closed month's own, or
//! the given one) → `billing::statement` → files written whole, an index, and the
//! month folder's manifest (statements tally wrote earlier for accounts no longer
//! billed are removed; nothing else is).

use std::io::Write;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::billing;
use crate::billing::statement::{self, Statement};
use crate::cli::{Cli, StatementFormat, StatementsArgs};
use crate::ids::AccountNumber;
use crate::month::MonthSelection;
use crate::printer::Printer;
use crate::render::html::{page, printable};
use crate::render::money;
use crate::report;
use crate::store::Access;
use crate::{ExitStatus, UsageError, atomic};

/// The files tally wrote into a month's statement folder.
const MANIFEST: &str = ".tally-statements.json";

pub fn run(
    args: &StatementsArgs,
    cli: &Cli,
    db: &super::Db,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let accounts: Vec<String> = args
        .accounts
        .iter()
        .map(|a| AccountNumber::parse(a).map(|n| n.as_str().to_owned()))
        .collect::<Result<_, _>>()
        .map_err(|e| UsageError(format!("--account: {e}")))?;
    let month = args.month;
    let store = db.open(Access::ReadOnly, printer)?;
    // A closed month's statements use the price book its close froze.
    let book = super::month_price_book(
        &store,
        month,
        args.prices.as_deref(),
        cli,
        "tally statements",
    )?;
    let conn = store.connection();
    report::prepare(
        conn,
        Some(MonthSelection::Month(month)),
        report::DEFAULT_THRESHOLD_PERCENT,
    )?;
    billing::load(conn, &book)?;
    billing::warn_unused(conn, &book, |w| printer.warn(w))?;
    let all = statement::statements(conn, month, &accounts, &book.seller, &book.currency)?;
    if all.is_empty() {
        anyhow::bail!("nothing is billed in {month}: no statement to write");
    }
    let dir = args.out.join(month.to_string());
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let ext = match args.format {
        StatementFormat::Html => "html",
        StatementFormat::Csv => "csv",
        StatementFormat::Json => "json",
    };
    let mut written: Vec<String> = Vec::new();
    for s in &all {
        let name = format!("{}.{ext}", s.account_no);
        let body = render(s, args.format, args.raw)?;
        write(db, &dir.join(&name), &body)?;
        written.push(name);
    }
    // The index lists every statement of the month, whichever were asked for.
    let every = if accounts.is_empty() {
        all.clone()
    } else {
        statement::statements(conn, month, &[], &book.seller, &book.currency)?
    };
    let index = format!("index.{ext}");
    write(
        db,
        &dir.join(&index),
        &render_index(&every, args.format, ext)?,
    )?;
    written.push(index);
    // Statements tally wrote earlier that this run does not contain (an account no
    // longer billed), within the accounts asked for.
    let earlier = read_manifest(&dir)?;
    let mut removed = 0;
    for name in &earlier {
        let account = name.split('.').next().unwrap_or("");
        let in_scope = accounts.is_empty() || accounts.iter().any(|a| a == account);
        if in_scope
            && name.ends_with(&format!(".{ext}"))
            && !written.contains(name)
            && name != &format!("index.{ext}")
        {
            match std::fs::remove_file(dir.join(name)) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => anyhow::bail!("cannot remove {}: {e}", dir.join(name).display()),
            }
        } else if !written.contains(name) {
            written.push(name.clone());
        }
    }
    written.sort();
    written.dedup();
    write(
        db,
        &dir.join(MANIFEST),
        &format!("{}\n", serde_json::to_string_pretty(&written)?),
    )?;
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

fn render(s: &Statement, format: StatementFormat, raw: bool) -> anyhow::Result<String> {
    Ok(match format {
        StatementFormat::Html => statement::html(s),
        StatementFormat::Csv => statement::csv(s, raw)?,
        StatementFormat::Json => statement::json(s)?,
    })
}

fn render_index(all: &[Statement], format: StatementFormat, ext: &str) -> anyhow::Result<String> {
    Ok(match format {
        StatementFormat::Html => {
            let month = all.first().map(|s| s.month.to_string()).unwrap_or_default();
            let body = maud::html! {
                h1 { "Statements " (month) }
                table {
                    thead { tr { th { "Statement" } th { "Account" } th { "Name" } th.num { "Total" } } }
                    tbody {
                        @for s in all {
                            tr {
                                td { a href={ (s.account_no) "." (ext) } { (s.number) } }
                                td { (s.account_no) }
                                td { (printable(s.name.as_deref().unwrap_or(""))) }
                                td.num { (money(s.total)) }
                            }
                        }
                    }
                }
            };
            page(&format!("Statements {month}"), body).into_string()
        }
        StatementFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["number", "account_no", "name", "total"])?;
            for s in all {
                let name = crate::render::neutralise::neutralise(s.name.as_deref().unwrap_or(""))
                    .into_owned();
                w.write_record([&s.number, &s.account_no, &name, &money(s.total)])?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        StatementFormat::Json => {
            let rows: Vec<serde_json::Value> = all
                .iter()
                .map(|s| {
                    serde_json::json!({"number": s.number, "account_no": s.account_no,
                        "name": s.name, "total": money(s.total)})
                })
                .collect();
            format!("{}\n", serde_json::to_string_pretty(&rows)?)
        }
    })
}

fn write(db: &super::Db, path: &Path, body: &str) -> anyhow::Result<()> {
    db.refuse_as_output(path, "--out")?;
    atomic::write_file(path, |out| Ok(out.write_all(body.as_bytes())?))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e:#}", path.display()))
}

fn read_manifest(dir: &Path) -> anyhow::Result<Vec<String>> {
    let path: PathBuf = dir.join(MANIFEST);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let names: Vec<String> = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!("{}: not a tally statements manifest ({e})", path.display())
            })?;
            // Only plain file names in this folder are ever tally's.
            Ok(names
                .into_iter()
                .filter(|n| !n.contains('/') && !n.contains('\\') && !n.starts_with('.'))
                .collect())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
    }
}
