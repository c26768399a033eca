//! Write windows: a long writer (a sync, a load) holds the file only while it
//! writes. DuckDB lets one process write or several read, never both at once, so a
//! writer that kept the file open for the whole of a half-hour sync would lock every
//! reader out for half an hour. Instead each batch is stored in a short window (the
//! file opened read-write, the batch written in its own transactions, the file
//! closed), and readers (`report`, `sql`, `status`, ...) get in between:
//!
//! - a reader that finds the file held joins the readers' queue (a shared lock on
//!   `<db>.readers`) until it has opened the file;
//! - before each window the writer lets the queue in: it waits while anyone is in
//!   it (up to [`WINDOW_GAP`]), then opens the file, waiting while readers hold it
//!   up to its own wait (`--write-wait` for a sync) and saying what holds it;
//! - windows are at least [`MIN_GAP`] apart, so what arrives meanwhile is stored
//!   together.
//!
//! So a reader waits for at most the one window under way, and a writer nobody
//! reads beside loses nothing but the opening and closing of the file.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Access, LockWait, MemoryLimit, Store};

/// The most a writer waits for the readers' queue to empty before a window.
pub const WINDOW_GAP: Duration = Duration::from_secs(2);

/// The least time from the end of one write window to the start of the next.
pub const MIN_GAP: Duration = Duration::from_millis(250);

/// The readers' queue of the database at `db`.
fn queue_path(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.readers", db.display()))
}

/// A reader's place in the queue, left when dropped.
pub(super) struct Queued {
    _file: File,
}

/// Joins the readers' queue of the database at `db` (best effort: a folder the
/// reader may not write to has no queue, and the reader just retries).
pub(super) fn join_queue(db: &Path) -> Option<Queued> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(queue_path(db))
        .ok()?;
    file.try_lock_shared().ok()?;
    Some(Queued { _file: file })
}

/// Whether a reader waits in the queue of the database at `db`.
fn readers_waiting(db: &Path) -> bool {
    let Ok(file) = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(queue_path(db))
    else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => false,
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(_)) => false,
    }
}

/// What a writer that works in windows needs to open the file each time.
pub struct Windows<'a> {
    path: PathBuf,
    memory: MemoryLimit,
    /// How long one window waits for readers to let go of the file.
    wait: Duration,
    /// The flag that sets `wait`, for the message of a window that waited too long.
    wait_flag: &'static str,
    notify: Box<dyn Fn(&str) + 'a>,
    last_closed: Option<Instant>,
    opened: u64,
}

impl<'a> Windows<'a> {
    /// Windows on the file at `path`, each waiting up to `wait` (set by `wait_flag`)
    /// for readers; `notify` hears what holds the file while a window waits, and
    /// what opening it did (a schema upgrade's backup).
    pub fn new(
        path: &Path,
        memory: MemoryLimit,
        wait: Duration,
        wait_flag: &'static str,
        notify: impl Fn(&str) + 'a,
    ) -> Windows<'a> {
        Windows {
            path: path.to_owned(),
            memory,
            wait,
            wait_flag,
            notify: Box::new(notify),
            last_closed: None,
            opened: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// When the next window may open: [`MIN_GAP`] after the last one closed.
    pub fn next_due(&self) -> Instant {
        self.last_closed
            .map_or_else(Instant::now, |closed| closed + MIN_GAP)
    }

    /// How many windows have been opened.
    pub fn opened(&self) -> u64 {
        self.opened
    }

    /// One window: opens the file read-write (creating it and bringing its schema
    /// up to date if need be; waiting while readers hold it), runs `f`, and closes
    /// the file, whatever `f` returned. `f` makes its own transactions: each one
    /// whole or, after a kill, absent.
    pub fn write<R>(
        &mut self,
        f: impl FnOnce(&mut Store) -> anyhow::Result<R>,
    ) -> anyhow::Result<R> {
        let queue_since = Instant::now();
        while readers_waiting(&self.path) && queue_since.elapsed() < WINDOW_GAP {
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut store = {
            let notify = |message: &str| (self.notify)(message);
            let wait = LockWait {
                timeout: self.wait,
                flag: self.wait_flag,
                notify: &notify,
            };
            Store::open_limited(&self.path, Access::ReadWrite, Some(&wait), &self.memory)?
        };
        self.opened += 1;
        for note in store.notes() {
            (self.notify)(note);
        }
        let result = f(&mut store);
        drop(store);
        self.last_closed = Some(Instant::now());
        result
    }
}
