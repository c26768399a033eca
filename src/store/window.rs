//! Write windows: a long writer (a sync, the demo, a write command waiting on its
//! provider) holds the file only while it writes. DuckDB lets one process write or several read, never both at once, so a
//! writer that kept the file open for the whole of a half-hour sync would lock every
//! reader out for half an hour. Instead each batch is stored in a short window (the
//! file opened read-write, the batch written in its own transactions, the file
//! closed), and readers (`report`, `sql`, `status`, ...) get in between:
//!
//! - a reader that finds the file held joins the readers' queue (a shared lock on
//!   `<db>.readers`) until it has opened the file;
//! - before each write the writer looks at the queue: while anyone is in it, the
//!   window is closed and the queue let in (up to [`WINDOW_GAP`]); the next window
//!   opens the file again, waiting while readers hold it up to the writer's own
//!   wait (`--write-wait` for a sync) and saying what holds it;
//! - a window nobody waits for stays open while writes follow one another, and is
//!   closed once the writer has written nothing for [`LINGER`] (it is fetching);
//! - after a window closed, what arrives waits [`MIN_GAP`] and is stored together.
//!
//! So a reader waits for at most the write under way (or [`LINGER`]), and a writer
//! nobody reads beside pays for no opening and closing it did not need.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Access, LockWait, MemoryLimit, Store};

/// The most a writer waits for the readers' queue to empty before a window.
pub const WINDOW_GAP: Duration = Duration::from_secs(2);

/// The least time from the end of one write window to the start of the next: what
/// arrives meanwhile waits and is stored together.
pub const MIN_GAP: Duration = Duration::from_secs(1);

/// How long a window stays open with nothing written before the writer closes it.
pub const LINGER: Duration = Duration::from_millis(200);

/// The readers' queue, beside the database.
const QUEUE: &str = ".readers";

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
        .open(super::beside(db, QUEUE))
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
        .open(super::beside(db, QUEUE))
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
    /// The open window's store.
    store: Option<Store>,
    last_write: Option<Instant>,
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
            store: None,
            last_write: None,
            last_closed: None,
            opened: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// When what waits may be stored: at once while a window is open, else
    /// [`MIN_GAP`] after the last one closed.
    pub fn next_due(&self) -> Instant {
        match (&self.store, self.last_closed) {
            (Some(_), _) | (None, None) => Instant::now(),
            (None, Some(closed)) => closed + MIN_GAP,
        }
    }

    /// Whether a window is open.
    pub fn is_open(&self) -> bool {
        self.store.is_some()
    }

    /// When an open window has been idle for [`LINGER`]: the writer closes it then
    /// ([`Windows::close`]), so a writer busy fetching never holds the file.
    pub fn idle_deadline(&self) -> Instant {
        self.last_write.unwrap_or_else(Instant::now) + LINGER
    }

    /// Runs `f` in a write window: the open one, unless a reader waits for it
    /// (then it is closed, the queue let in, and a new one opened), else a new one:
    /// the file opened read-write (created and its schema brought up to date if need
    /// be; waiting while readers hold it). The window stays open for the writes that
    /// follow at once; the writer closes it when it goes idle
    /// ([`Windows::idle_deadline`]) or before a long wait ([`Windows::close`]).
    /// `f` makes its own transactions: each one whole or, after a kill, absent.
    pub fn write<R>(
        &mut self,
        f: impl FnOnce(&mut Store) -> anyhow::Result<R>,
    ) -> anyhow::Result<R> {
        let result = f(self.open()?);
        self.last_write = Some(Instant::now());
        result
    }

    /// The open window's store, a window opened for it if need be (as
    /// [`Windows::write`] does): for a writer that records a little at a time
    /// between requests and closes the window before each ([`Windows::close`]).
    pub fn open(&mut self) -> anyhow::Result<&mut Store> {
        if self.store.is_some() && readers_waiting(&self.path) {
            self.close();
        }
        if self.store.is_none() {
            let queue_since = Instant::now();
            while readers_waiting(&self.path) && queue_since.elapsed() < WINDOW_GAP {
                std::thread::sleep(Duration::from_millis(10));
            }
            let store = {
                let notify = |message: &str| (self.notify)(message);
                let wait = LockWait {
                    timeout: self.wait,
                    flag: self.wait_flag,
                    notify: &notify,
                };
                Store::open_limited(&self.path, Access::ReadWrite, Some(&wait), &self.memory)?
            };
            self.opened += 1;
            tracing::trace!(
                window = self.opened,
                waited_ms = queue_since.elapsed().as_millis() as u64,
                "write window opened"
            );
            for note in store.notes() {
                (self.notify)(note);
            }
            self.store = Some(store);
        }
        Ok(self.store.as_mut().expect("opened above"))
    }

    /// The store of the window [`Windows::open`] opened; panics when none is open.
    pub fn opened_store(&mut self) -> &mut Store {
        self.store.as_mut().expect("a write window is open")
    }

    /// Ends the window, if one is open: the file is closed, for readers.
    pub fn close(&mut self) {
        if let Some(store) = self.store.take() {
            let closing = Instant::now();
            drop(store);
            tracing::trace!(
                window = self.opened,
                closed_ms = closing.elapsed().as_millis() as u64,
                "write window closed"
            );
            self.last_closed = Some(Instant::now());
        }
    }
}
