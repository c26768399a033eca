//! One file per subcommand, each with one `run` entry; dispatched from one match.

mod accounting;
mod act;
mod close;
mod completions;
mod demo;
mod export;
mod load;
mod pack;
mod report;
mod sandbox;
mod sql;
mod statements;
mod status;
mod sync;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::ExitStatus;
use crate::cli::{Cli, Command};
use crate::printer::Printer;
use crate::store::{Access, LockWait, MemoryLimit, Store};

/// The database a command works on, and how long to wait for it.
#[derive(Debug, Clone)]
pub struct Db {
    pub path: PathBuf,
    pub lock_timeout: Duration,
    pub memory_limit: MemoryLimit,
}

impl Db {
    /// Opens the file with `access`, saying on stderr what holds it while waiting
    /// for it, and what opening it did (a backup before a schema upgrade, merged
    /// invoices).
    pub fn open(&self, access: Access, printer: &Printer) -> anyhow::Result<Store> {
        let notify = |message: &str| printer.note(message);
        let wait = LockWait {
            timeout: self.lock_timeout,
            notify: &notify,
        };
        let store = Store::open_limited(&self.path, access, Some(&wait), &self.memory_limit)?;
        for note in store.notes() {
            printer.note(note);
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Refuses `out` as a file to write when it is the database file or its WAL:
    /// an output path must never overwrite the data.
    pub fn refuse_as_output(&self, out: &Path, flag: &str) -> Result<(), crate::UsageError> {
        let wal = PathBuf::from(format!("{}.wal", self.path.display()));
        let target = canonical(out);
        for own in [&self.path, &wal] {
            if target == canonical(own) {
                return Err(crate::UsageError(format!(
                    "{flag} {} is the database file{}; refused (choose another path)",
                    out.display(),
                    if own == &wal {
                        "'s write-ahead log"
                    } else {
                        ""
                    }
                )));
            }
        }
        Ok(())
    }
}

/// The runtime of the commands that speak HTTP (sync, the writes, the sandbox,
/// the demo): two workers, so downloads go on while the store writes.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// The config file (`--config`, `--profile`), its warnings said on stderr.
pub fn config(cli: &Cli, printer: &Printer) -> anyhow::Result<crate::config::Config> {
    let config = crate::config::Config::load(cli.config.as_deref(), cli.profile.as_deref())?;
    for warning in &config.warnings {
        printer.warn(warning);
    }
    Ok(config)
}

/// The price book: `--prices`, else `[billing] prices` in the config file, else
/// `./prices.toml`; `None` when there is none. Checked whole (a bad one is a usage
/// error naming file, line and key).
pub fn price_book(
    flag: Option<&Path>,
    cli: &crate::cli::Cli,
) -> anyhow::Result<Option<crate::billing::PriceBook>> {
    let config = crate::config::Config::load(cli.config.as_deref(), cli.profile.as_deref())?;
    crate::billing::locate(flag, config.billing.prices.as_deref())
        .map(|path| {
            crate::billing::PriceBook::load(&path)
                .map_err(|e| crate::UsageError(e.to_string()).into())
        })
        .transpose()
}

/// The price book of month `month`'s statements: the one its close froze while it
/// is closed, else `flag` or the configured one; none is a usage error naming
/// `command`.
pub fn month_price_book(
    store: &crate::store::Store,
    month: crate::month::Month,
    flag: Option<&Path>,
    cli: &crate::cli::Cli,
    command: &str,
) -> anyhow::Result<crate::billing::PriceBook> {
    let frozen = crate::billing::latest(store, month)?.filter(|r| r.reopened_at.is_none());
    match frozen {
        Some(revision) => Ok(revision.price_book()?),
        None => price_book(flag, cli)?.ok_or_else(|| no_price_book(command)),
    }
}

/// The error of a command that needs line items in a database that has none.
pub fn no_line_items(db: &Db) -> anyhow::Error {
    anyhow::anyhow!(
        "{} has no line items yet; run `tally sync rackspace`, `tally load` or `tally demo` first",
        db.path().display()
    )
}

/// The usage error of a command that cannot run without a price book.
pub fn no_price_book(command: &str) -> anyhow::Error {
    crate::UsageError(format!(
        "{command} needs a price book: give --prices FILE, set prices under [billing] in tally.toml, or write ./prices.toml (README: Re-billing)"
    ))
    .into()
}

/// `path` with links and `..` resolved as far as it exists (its folder, when the
/// file itself does not exist yet).
fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (std::fs::canonicalize(parent), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_owned(),
    }
}

pub fn dispatch(cli: Cli, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let db = Db {
        path: cli.db_path(),
        lock_timeout: Duration::from_secs(cli.lock_timeout),
        memory_limit: cli.memory_limit.clone(),
    };
    match &cli.command {
        Command::Demo(args) => demo::run(args, &cli, printer),
        Command::Sync(args) => sync::run(args, &cli, &db, printer),
        Command::Load(args) => load::run(args, &db, printer),
        Command::Export(args) => export::run(args, &cli, &db, printer),
        Command::Report(args) => report::run(args, &cli, &db, printer),
        Command::Sql(args) => sql::run(args, &db, printer),
        Command::Status(args) => status::run(args, &db, printer),
        Command::Statements(args) => statements::run(args, &cli, &db, printer),
        Command::Pack(args) => pack::run(args, &cli, &db, printer),
        Command::Close(args) => close::close(args, &cli, &db, printer),
        Command::Reopen(args) => close::reopen(args, &db, printer),
        Command::Rackspace(args) => act::rackspace(args, &cli, &db, printer),
        Command::Mailroute(args) => act::mailroute(args, &cli, &db, printer),
        Command::Sandbox(args) => sandbox::run(args, printer),
        Command::Completions(args) => completions::completions(args, printer),
        Command::Man(_) => completions::man(printer),
    }
}
