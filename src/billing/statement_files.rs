//! A month's statements as files: one per sub-account and an index, in the
//! statements folder's mirror (`<out>/<month>/`): statements tally wrote earlier
//! for accounts no longer billed are removed; nothing else is.

use std::path::{Path, PathBuf};

use duckdb::Connection;

use super::PriceBook;
use super::statement::{self, Statement};
use crate::ids::AccountNumber;
use crate::mirror::{Entry, Mirror};
use crate::month::Month;
use crate::render::html::{page, printable};
use crate::render::money;

/// The mirror's table of statements.
const TABLE: &str = "statements";

/// The manifest earlier versions kept in each month folder: a list of file names.
const LEGACY_MANIFEST: &str = ".tally-statements.json";

/// A statement file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One self-contained printable page per statement (inline CSS, no network).
    Html,
    Csv,
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// What [`write_month`] wrote.
pub struct Written {
    /// `<out>/<month>`.
    pub dir: PathBuf,
    pub statements: Vec<Statement>,
    /// Statements of accounts no longer billed, removed.
    pub removed: usize,
}

/// Writes the statements of `month` (on a session priced with `book`: see
/// `billing::priced_month`) for `accounts` (empty: every account billed) under
/// `out/<month>/`, with an index of every statement of the month. `check_target`
/// may refuse a path (the database file).
#[allow(clippy::too_many_arguments)]
pub fn write_month(
    conn: &Connection,
    month: Month,
    accounts: &[AccountNumber],
    book: &PriceBook,
    format: Format,
    raw: bool,
    out: &Path,
    check_target: impl Fn(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<Written> {
    let all = statement::statements(conn, month, accounts, &book.seller, &book.currency)?;
    if all.is_empty() {
        anyhow::bail!("nothing is billed in {month}: no statement to write");
    }
    let ext = format.extension();
    let month_text = month.to_string();
    let entry = |name: &str| Entry {
        path: format!("{month_text}/{name}"),
        table: TABLE.to_owned(),
        format: ext.to_owned(),
        month: Some(month_text.clone()),
        partitioned: false,
    };
    // The index lists every statement of the month, whichever were asked for.
    let others;
    let every: &[Statement] = if accounts.is_empty() {
        &all
    } else {
        others = statement::statements(conn, month, &[], &book.seller, &book.currency)?;
        &others
    };
    let mut files: Vec<(Entry, String)> = Vec::with_capacity(all.len() + 1);
    for s in &all {
        files.push((
            entry(&format!("{}.{ext}", s.account_no)),
            render(s, format, raw)?,
        ));
    }
    files.push((entry(&format!("index.{ext}")), index(every, format)?));
    let dir = out.join(&month_text);
    for (entry, _) in &files {
        check_target(&out.join(&entry.path))?;
    }
    let mut mirror = Mirror::open(out)?;
    let legacy = adopt_legacy_manifest(&mut mirror, &dir, month)?;
    mirror.record(files.iter().map(|(e, _)| e.clone()))?;
    for (entry, body) in &files {
        mirror.write_file(entry, body.as_bytes())?;
    }
    // Within the accounts asked for, the month's statements of this format are
    // then exactly these.
    let removed = mirror
        .finish(|e| {
            let account = e.path.rsplit('/').next().unwrap_or("").split('.').next();
            e.table == TABLE
                && e.format == ext
                && e.month.as_deref() == Some(month_text.as_str())
                && (accounts.is_empty() || accounts.iter().any(|a| Some(a.as_str()) == account))
        })?
        .len();
    if let Some(legacy) = legacy {
        std::fs::remove_file(&legacy)
            .map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", legacy.display()))?;
    }
    Ok(Written {
        dir,
        statements: all,
        removed,
    })
}

/// The month folder's manifest of an earlier version, its files taken into the
/// mirror's manifest (so they are still known as tally's); its path, to remove
/// once the mirror's manifest is written.
fn adopt_legacy_manifest(
    mirror: &mut Mirror,
    dir: &Path,
    month: Month,
) -> anyhow::Result<Option<PathBuf>> {
    let path = dir.join(LEGACY_MANIFEST);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
    };
    let names: Vec<String> = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!("{}: not a tally statements manifest ({e})", path.display())
    })?;
    // Only plain file names in this folder are ever tally's.
    let entries = names
        .into_iter()
        .filter(|n| !n.contains('/') && !n.contains('\\') && !n.starts_with('.'))
        .map(|name| Entry {
            path: format!("{month}/{name}"),
            table: TABLE.to_owned(),
            format: name.rsplit('.').next().unwrap_or("").to_owned(),
            month: Some(month.to_string()),
            partitioned: false,
        });
    mirror.adopt(entries)?;
    Ok(Some(path))
}

pub fn render(s: &Statement, format: Format, raw: bool) -> anyhow::Result<String> {
    Ok(match format {
        Format::Html => super::statement::html(s),
        Format::Csv => super::statement::csv(s, raw)?,
        Format::Json => super::statement::json(s)?,
    })
}

pub fn index(all: &[Statement], format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Html => {
            let month = all.first().map(|s| s.month.to_string()).unwrap_or_default();
            let ext = format.extension();
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
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["number", "account_no", "name", "total"])?;
            for s in all {
                let name = crate::render::neutralise::neutralise(s.name.as_deref().unwrap_or(""))
                    .into_owned();
                w.write_record([&s.number, &s.account_no, &name, &money(s.total)])?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        Format::Json => {
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
