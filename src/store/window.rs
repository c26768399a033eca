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
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::{Access, LockWait, MemoryLimit, Store, StoreError};

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

/// The readers' queue file of the database at `db`, created if need be.
fn queue_file(db: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(super::beside(db, QUEUE))
}

/// Joins the readers' queue of the database at `db` (best effort: a folder the
/// reader may not write to has no queue, and the reader just retries).
pub(super) fn join_queue(db: &Path) -> Option<Queued> {
    let file = queue_file(db).ok()?;
    file.try_lock_shared().ok()?;
    Some(Queued { _file: file })
}

/// Whether a reader waits in the queue of the database at `db`.
fn readers_waiting(db: &Path) -> bool {
    let Ok(file) = queue_file(db) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => false,
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(_)) => false,
    }
}

/// Opens the file read-write for a window: lets the readers' queue in first (up to
/// [`WINDOW_GAP`]), then opens it, waiting as `wait` says while readers hold it.
fn open_window(
    path: &Path,
    memory: &MemoryLimit,
    wait: &LockWait<'_>,
) -> Result<Store, StoreError> {
    let queue_since = Instant::now();
    while readers_waiting(path) && queue_since.elapsed() < WINDOW_GAP {
        std::thread::sleep(Duration::from_millis(10));
    }
    let store = Store::open_limited(path, Access::ReadWrite, Some(wait), memory)?;
    tracing::trace!(
        waited_ms = queue_since.elapsed().as_millis() as u64,
        "write window opened"
    );
    Ok(store)
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
            let store = {
                let notify = |message: &str| (self.notify)(message);
                let wait = LockWait {
                    timeout: self.wait,
                    flag: self.wait_flag,
                    notify: &notify,
                };
                open_window(&self.path, &self.memory, &wait)?
            };
            self.opened += 1;
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

/// The windows of writers on several threads at once: `tally load`'s workers, each
/// committing groups of invoices on a connection of its own. The file stays open
/// while nobody waits for it (closing it between groups would cost every load a
/// checkpoint per group). Before each commit a writer looks at the readers' queue;
/// while anyone is in it, the file is closed once the commits under way have ended,
/// the queue let in, and the file opened again. So a reader waits for at most the
/// commits under way and the reading of the next group.
pub struct AppendWindows {
    path: PathBuf,
    memory: MemoryLimit,
    /// How long opening the file again waits while readers hold it.
    wait: Duration,
    wait_flag: &'static str,
    /// Held shared by each commit, exclusively to close the file and open it again.
    gate: RwLock<()>,
    /// The open file; `None` once it could not be opened again (the writers stop).
    store: Mutex<Option<Store>>,
}

impl AppendWindows {
    /// Windows on the file `store` has open read-write, tuned for appends
    /// ([`Store::tune_for_appends`]); opening it again after readers waits up to
    /// `wait` (set by `wait_flag`).
    pub fn new(
        store: Store,
        memory: MemoryLimit,
        wait: Duration,
        wait_flag: &'static str,
    ) -> Result<AppendWindows, StoreError> {
        store.tune_for_appends()?;
        Ok(AppendWindows {
            path: store.path().to_owned(),
            memory,
            wait,
            wait_flag,
            gate: RwLock::new(()),
            store: Mutex::new(Some(store)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` (one commit) on a connection of its own to the open file, after
    /// letting in the readers that wait. `notify` hears what holds the file while
    /// opening it again waits. `Ok(None)`: the file could not be opened again after
    /// readers (another writer has that error); nothing was run.
    pub fn append<R>(
        &self,
        notify: &dyn Fn(&str),
        f: impl FnOnce(&mut Store) -> R,
    ) -> Result<Option<R>, StoreError> {
        self.let_readers_in(notify)?;
        let _committing = self.gate.read().unwrap_or_else(PoisonError::into_inner);
        let connection = self
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(Store::try_clone)
            .transpose()?;
        Ok(connection.map(|mut store| f(&mut store)))
    }

    /// If readers wait: closes the file once no commit is under way, lets the
    /// readers' queue in, and opens the file again (unless another writer did so
    /// meanwhile). Writers call it between files too, so a reader need not wait for
    /// a whole group to be read.
    pub fn let_readers_in(&self, notify: &dyn Fn(&str)) -> Result<(), StoreError> {
        if !readers_waiting(&self.path) {
            return Ok(());
        }
        let _closing = self.gate.write().unwrap_or_else(PoisonError::into_inner);
        let mut slot = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(store) = slot.take_if(|_| readers_waiting(&self.path)) else {
            return Ok(());
        };
        let closing = Instant::now();
        let finished = store.finish_appends();
        drop(store);
        tracing::trace!(
            closed_ms = closing.elapsed().as_millis() as u64,
            "append window closed for readers"
        );
        finished?;
        let wait = LockWait {
            timeout: self.wait,
            flag: self.wait_flag,
            notify,
        };
        let store = open_window(&self.path, &self.memory, &wait)?;
        store.tune_for_appends()?;
        *slot = Some(store);
        Ok(())
    }

    /// Ends the windows: the file closed, DuckDB's threads given back first for the
    /// checkpoint closing it makes ([`Store::finish_appends`]).
    pub fn finish(self) -> Result<(), StoreError> {
        let store = self
            .store
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        store.map_or(Ok(()), |store| store.finish_appends())
    }
}
