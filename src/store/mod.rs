//! The DuckDB file: opening it (waiting while another process holds it), its
//! schema (numbered migrations), and the writes that keep each invoice whole.
//! Knows nothing of HTTP.

mod actions;
mod csv_status;
mod customers;
mod error;
mod invoice_lines;
mod invoices;
mod line_batch;
mod mailroute;
mod migrations;
mod runs;
pub mod scope;
pub mod summaries;
mod sync_lock;
mod window;

#[cfg(test)]
mod grouping_tests;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use duckdb::{AccessMode, Config, Connection};

pub use actions::{ActionOutcome, ActionStart, MrObject, Unsettled, UnsettledAction};
pub use csv_status::{CsvOrigin, CsvStatus};
pub use customers::{ContactRow, CustomerDetails, CustomerRow};
pub use error::{StoreError, duckdb_message};
pub use invoice_lines::{InvoiceCsv, InvoiceWrite};
pub use invoices::{CsvCounts, InvoiceHeader};
pub use mailroute::{MrAdminRow, MrContactRow, MrCustomerRow, MrRow, MrSnapshot};
pub use migrations::{MIGRATIONS, Migration, latest_version};
pub use runs::{Lineage, RunCounts, RunOutcome, RunRecord};
pub use sync_lock::{SyncLock, SyncLockError};
pub use window::{AppendWindows, Windows};

/// How a command may use the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read and write; the schema is brought up to date.
    ReadWrite,
    /// Read only (reports, exports): every write statement fails. TEMP objects and
    /// `COPY ... TO` still work (reports and exports write their files that way).
    ReadOnly,
    /// What `tally sql` gets: read only, and no file system (no `COPY ... TO`, no
    /// `read_csv`, no `ATTACH`), no extensions, and settings locked.
    Query,
}

/// How much memory DuckDB may use for one tally command (its `memory_limit`):
/// beyond it, sorts and joins spill to `<db>.tmp/` beside the file. Checked text
/// such as `2GiB`, `512MiB` or `4GB`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryLimit(String);

impl MemoryLimit {
    /// What tally uses unless told otherwise: enough for the reports and exports of
    /// 20,000,000 lines on a small machine (README, Performance).
    pub const DEFAULT: &'static str = "2GiB";

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for MemoryLimit {
    fn default() -> Self {
        MemoryLimit(MemoryLimit::DEFAULT.to_owned())
    }
}

impl std::str::FromStr for MemoryLimit {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let digits = trimmed
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(digits);
        let units = ["KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB"];
        let positive = number.parse::<f64>().is_ok_and(|n| n > 0.0);
        match units.iter().find(|u| u.eq_ignore_ascii_case(unit.trim())) {
            Some(unit) if positive && !number.starts_with('.') => {
                Ok(MemoryLimit(format!("{number}{unit}")))
            }
            _ => Err(format!(
                "expected a size such as 2GiB, 512MiB or 4GB, found '{text}'"
            )),
        }
    }
}

impl std::fmt::Display for MemoryLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A file beside the database at `db`: its name with `suffix` added
/// (`tally.duckdb` + `.wal`, `.sync.lock`, `.readers`, `.bak-8`).
pub fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// How long to wait while another process holds the file, and whom to tell.
pub struct LockWait<'a> {
    pub timeout: Duration,
    /// The flag that sets `timeout` (`--lock-timeout`, `--write-wait`), for messages.
    pub flag: &'static str,
    /// Told once, when the wait has lasted [`QUIET_WAIT`], what holds the file.
    pub notify: &'a dyn Fn(&str),
}

/// A wait for the file shorter than this is not worth a word: a writer's window
/// (`Windows`) or a short report ends within it.
pub const QUIET_WAIT: Duration = Duration::from_secs(1);

/// How often a waiting open tries again: a reader gets in soon after a write
/// window closes.
const RETRY_EVERY: Duration = Duration::from_millis(20);

/// An open tally database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// What opening it did that the user should hear of (a backup, merged rows).
    notes: Vec<String>,
}

impl Store {
    /// Opens (creating it if needed) the database at `path` for writing and brings
    /// its schema up to date. Fails at once if another process holds it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, Access::ReadWrite, None)
    }

    /// Opens an existing database read-only: every write statement fails.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, Access::ReadOnly, None)
    }

    /// Opens the database with `access`, waiting as `wait` says while another
    /// process holds it. A read-only open of a file with an older schema first
    /// upgrades it (one short read-write open).
    pub fn open_with(
        path: &Path,
        access: Access,
        wait: Option<&LockWait<'_>>,
    ) -> Result<Store, StoreError> {
        Store::open_limited(path, access, wait, &MemoryLimit::default())
    }

    /// [`Store::open_with`], DuckDB using at most `memory` ([`MemoryLimit`]).
    pub fn open_limited(
        path: &Path,
        access: Access,
        wait: Option<&LockWait<'_>>,
        memory: &MemoryLimit,
    ) -> Result<Store, StoreError> {
        if access != Access::ReadWrite && !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_owned(),
            });
        }
        let mut conn = connect_waiting(path, access, wait, memory)?;
        let mut notes = Vec::new();
        match access {
            Access::ReadWrite => notes = migrations::apply(&mut conn, path)?,
            Access::ReadOnly | Access::Query => {
                let version = migrations::current_version(&conn).map_err(StoreError::Query)?;
                if version < latest_version() {
                    drop(conn);
                    notes = Store::open_limited(path, Access::ReadWrite, wait, memory)?.notes;
                    conn = connect_waiting(path, access, wait, memory)?;
                }
            }
        }
        Ok(Store {
            conn,
            path: path.to_owned(),
            notes,
        })
    }

    /// What opening the file did that the user should be told (a backup copy
    /// made before a schema upgrade, invoices merged by it).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Tunes the database for `tally load`'s writers, until [`Store::finish_appends`]:
    /// one DuckDB thread per connection, the writers being the parallelism (measured
    /// with one writer: 1,000,000 lines loaded in ~2.7 s with one DuckDB thread against
    /// ~3.4 s with two).
    pub fn tune_for_appends(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("SET threads = 1")
            .map_err(StoreError::Query)
    }

    /// Ends [`Store::tune_for_appends`]: the checkpoint DuckDB makes when the file
    /// closes works on every core again (measured: the last second of the load
    /// benchmark ran on one core; 4.2 – 4.4 s → 3.6 s).
    pub fn finish_appends(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("RESET threads")
            .map_err(StoreError::Query)
    }

    /// Another connection to the same open database, for another writer thread.
    pub fn try_clone(&self) -> Result<Store, StoreError> {
        let conn = self.conn.try_clone().map_err(StoreError::Query)?;
        Ok(Store {
            conn,
            path: self.path.clone(),
            notes: Vec::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying connection, for read queries (reports, `tally sql`).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// A decimal read back from DuckDB as text (`x::VARCHAR`): exact, every digit.
pub fn sql_decimal(text: String) -> duckdb::Result<rust_decimal::Decimal> {
    text.parse().map_err(|e| {
        duckdb::Error::FromSqlConversionFailure(0, duckdb::types::Type::Text, Box::new(e))
    })
}

fn connect(path: &Path, access: Access, memory: &MemoryLimit) -> Result<Connection, duckdb::Error> {
    let config = Config::default().with("memory_limit", memory.as_str())?;
    let config = match access {
        Access::ReadWrite => config,
        Access::ReadOnly => config.access_mode(AccessMode::ReadOnly)?,
        Access::Query => config
            .access_mode(AccessMode::ReadOnly)?
            .enable_external_access(false)?
            .enable_autoload_extension(false)?
            .with("autoinstall_known_extensions", "false")?
            .with("allow_community_extensions", "false")?
            .with("lock_configuration", "true")?,
    };
    Connection::open_with_flags(path, config)
}

/// What holds the file, from DuckDB's lock error ("Conflicting lock is held in
/// /usr/bin/duckdb (PID 42) by user root"); `None` for any other error.
fn lock_holder(error: &duckdb::Error) -> Option<String> {
    let message = duckdb_message(error);
    if !message.contains("Could not set lock on file") {
        return None;
    }
    let holder = message
        .split_once("Conflicting lock is held in ")
        .map(|(_, rest)| {
            rest.split(". See also")
                .next()
                .unwrap_or(rest)
                .trim_end_matches('.')
        })
        .map(|who| who.split(" by user ").next().unwrap_or(who).to_owned())
        .unwrap_or_else(|| "another process".to_owned());
    Some(holder)
}

/// Opens the connection; while another process holds the file, tries again every
/// 100 ms until `wait.timeout` has passed.
fn connect_waiting(
    path: &Path,
    access: Access,
    wait: Option<&LockWait<'_>>,
    memory: &MemoryLimit,
) -> Result<Connection, StoreError> {
    let started = Instant::now();
    let mut told = false;
    // A reader that waits is in the readers' queue, so the writer lets it in
    // before its next window (`window`).
    let mut queued = None;
    loop {
        let error = match connect(path, access, memory) {
            Ok(conn) => return Ok(conn),
            Err(error) => error,
        };
        if access != Access::ReadWrite && queued.is_none() {
            queued = window::join_queue(path);
        }
        let Some(holder) = lock_holder(&error) else {
            return Err(StoreError::Open {
                path: path.to_owned(),
                error,
            });
        };
        let timeout = wait.map_or(Duration::ZERO, |w| w.timeout);
        if started.elapsed() >= timeout {
            return Err(StoreError::Locked {
                path: path.to_owned(),
                holder,
                waited_secs: timeout.as_secs(),
                flag: wait.map_or("--lock-timeout", |w| w.flag),
            });
        }
        if let Some(wait) = wait
            && !told
            && started.elapsed() >= QUIET_WAIT.min(timeout / 2)
        {
            (wait.notify)(&format!(
                "waiting for {}: it is in use by {holder} (up to {} s; {})",
                path.display(),
                timeout.as_secs(),
                wait.flag
            ));
            told = true;
        }
        std::thread::sleep(RETRY_EVERY);
    }
}
