//! Settings apart from arguments: the global flags, the environment and
//! `tally.toml` become one checked [`Settings`] value, resolved once per run before
//! any work starts, and each command's own flags become the checked inputs of the
//! library (`providers`: the syncs' and clients' options; `writes`: the write
//! operations' fields). A flag left out takes its default from one constant, which
//! the flag's own `default_value` uses too: no command re-parses a command line to
//! learn a default, and no command reads the config file itself.

mod providers;
mod writes;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use providers::{MailrouteSettings, RackspaceSettings, mailroute_keys, rackspace_keys};
pub use writes::new_contact;

use crate::UsageError;
use crate::billing::PriceBook;
use crate::cli::{Cli, ResellerArg};
use crate::config::Config;
use crate::export::focus::Currency;
use crate::ids::AccountNumber;
use crate::month::Month;
use crate::printer::Printer;
use crate::store::scope::{self, ScopeError};
use crate::store::{Access, AppendWindows, LockWait, MemoryLimit, Store, SyncLock, Windows};

pub const USER_KEY_ENV: &str = "TALLY_RACKSPACE_USER_KEY";
pub const SECRET_KEY_ENV: &str = "TALLY_RACKSPACE_SECRET_KEY";
pub const LOGIN_ENV: &str = "TALLY_MAILROUTE_LOGIN";
pub const API_KEY_ENV: &str = "TALLY_MAILROUTE_API_KEY";
/// Every environment variable tally reads (the first four through clap's `env`
/// attributes in `cli.rs`): what a test or benchmark clears before it runs tally.
pub const ENV_VARS: [&str; 8] = [
    "TALLY_DB",
    "TALLY_CONFIG",
    "TALLY_PROFILE",
    "TALLY_MEMORY_LIMIT",
    USER_KEY_ENV,
    SECRET_KEY_ENV,
    LOGIN_ENV,
    API_KEY_ENV,
];

/// What every command that works on the data shares: the database, whether the
/// file was named (`--db`, `TALLY_DB`) or is the default, and the config file.
#[derive(Debug)]
pub struct Settings {
    pub db: Db,
    /// `--db`/`TALLY_DB` was given (the demo never uses the default file).
    pub db_named: bool,
    pub config: Config,
}

impl Settings {
    /// The global flags and the config file (`--config`, `--profile`, else
    /// `./tally.toml` when there is one), read once; its warnings said on stderr.
    pub fn resolve(cli: &Cli, printer: &Printer) -> anyhow::Result<Self> {
        let config = Config::load(cli.config.as_deref(), cli.profile.as_deref())?;
        for warning in &config.warnings {
            printer.warn(warning);
        }
        Ok(Self {
            db: Db {
                path: cli.db_path(),
                lock_timeout: Duration::from_secs(cli.lock_timeout),
                memory_limit: cli.memory_limit.clone(),
            },
            db_named: cli.db.is_some(),
            config,
        })
    }

    /// The price book: `--prices` (`flag`), else `[billing] prices` in the config
    /// file, else `./prices.toml`; `None` when there is none. Checked whole (a bad
    /// one is a usage error naming file, line and key).
    pub fn price_book(&self, flag: Option<&Path>) -> anyhow::Result<Option<PriceBook>> {
        crate::billing::locate(flag, self.config.billing.prices.as_deref())
            .map(|path| PriceBook::load(&path).map_err(|e| UsageError(e.to_string()).into()))
            .transpose()
    }

    /// The price book of month `month`'s statements: the one its close froze while
    /// it is closed, else `flag` or the configured one; none is a usage error
    /// naming `command`.
    pub fn month_price_book(
        &self,
        store: &Store,
        month: Month,
        flag: Option<&Path>,
        command: &str,
    ) -> anyhow::Result<PriceBook> {
        let frozen = crate::billing::latest(store, month)?.filter(|r| r.reopened_at.is_none());
        match frozen {
            Some(revision) => Ok(revision.price_book()?),
            None => self.price_book(flag)?.ok_or_else(|| no_price_book(command)),
        }
    }

    /// The FOCUS billing currency: `--currency` (`flag`), else `[billing] currency`,
    /// else USD.
    pub fn currency(&self, flag: Option<&str>) -> Result<Currency, UsageError> {
        if let Some(code) = flag {
            return code
                .parse()
                .map_err(|e| UsageError(format!("--currency: {e}")));
        }
        match &self.config.billing.currency {
            Some(code) => code.parse().map_err(|e| {
                UsageError(format!(
                    "{}: [billing] currency: {e}",
                    self.config.file_name()
                ))
            }),
            None => Ok(Currency::default()),
        }
    }
}

/// The usage error of a command that cannot run without a price book.
pub fn no_price_book(command: &str) -> anyhow::Error {
    UsageError(format!(
        "{command} needs a price book: give --prices FILE, set prices under [billing] in tally.toml, or write ./prices.toml (docs/src/reference/price-book.md)"
    ))
    .into()
}

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
        let wait = self.lock_wait(&notify);
        let store = Store::open_limited(&self.path, access, Some(&wait), &self.memory_limit)?;
        for note in store.notes() {
            printer.note(note);
        }
        Ok(store)
    }

    /// The database's sync lock (one sync at a time), waiting for another sync as
    /// for the file itself.
    pub fn sync_lock(&self, printer: &Printer) -> anyhow::Result<SyncLock> {
        let notify = |message: &str| printer.note(message);
        Ok(SyncLock::acquire(&self.path, &self.lock_wait(&notify))?)
    }

    /// [`Db::open`] read-only (`access`), scoped to one reseller account's part of
    /// the file when `reseller` (`--reseller`) names one (`store::scope`).
    pub fn open_scoped(
        &self,
        access: Access,
        reseller: &ResellerArg,
        printer: &Printer,
    ) -> anyhow::Result<Store> {
        let store = self.open(access, printer)?;
        if let Some(text) = &reseller.reseller {
            let account =
                AccountNumber::parse(text).map_err(|e| UsageError(format!("--reseller: {e}")))?;
            match scope::to_reseller(&store, &account) {
                Ok(()) => {}
                Err(error @ ScopeError::Unknown { .. }) => {
                    return Err(UsageError(error.to_string()).into());
                }
                Err(ScopeError::Store(error)) => return Err(error.into()),
            }
        }
        Ok(store)
    }

    /// Write windows on the file, each waiting up to `wait` (set by `flag`) while
    /// readers hold it, and saying so on stderr.
    pub fn windows<'a>(
        &self,
        wait: Duration,
        flag: &'static str,
        printer: &'a Printer,
    ) -> Windows<'a> {
        let notify = |message: &str| printer.note(message);
        Windows::new(&self.path, self.memory_limit.clone(), wait, flag, notify)
    }

    /// `tally load`'s windows: the file opened read-write now (as [`Db::open`]), and
    /// opened again after readers within `--lock-timeout`.
    pub fn append_windows(&self, printer: &Printer) -> anyhow::Result<AppendWindows> {
        let store = self.open(Access::ReadWrite, printer)?;
        Ok(AppendWindows::new(
            store,
            self.memory_limit.clone(),
            self.lock_timeout,
            "--lock-timeout",
        )?)
    }

    /// `--lock-timeout`'s wait, telling `notify` what holds the file.
    fn lock_wait<'a>(&self, notify: &'a dyn Fn(&str)) -> LockWait<'a> {
        LockWait {
            timeout: self.lock_timeout,
            flag: "--lock-timeout",
            notify,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Refuses `out` as a file to write when it is the database file or its WAL:
    /// an output path must never overwrite the data.
    pub fn refuse_as_output(&self, out: &Path, flag: &str) -> Result<(), UsageError> {
        let wal = crate::store::beside(&self.path, ".wal");
        let target = canonical(out);
        for own in [&self.path, &wal] {
            if target == canonical(own) {
                return Err(UsageError(format!(
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
