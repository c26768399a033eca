//! One sync at a time per database file. With write windows ([`super::Windows`])
//! a sync no longer holds the file, so DuckDB's own lock cannot keep a second sync
//! (a cron job overlapping the last one) from running beside it; this lock does. It
//! is an advisory lock on `<db>.sync.lock`, held for the whole sync and released by
//! the operating system when the process ends, however it ends; the file holds the
//! holder's process id, for the messages and `tally status`.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{LockWait, QUIET_WAIT, RETRY_EVERY};

/// The lock of a running sync, released when dropped.
#[derive(Debug)]
pub struct SyncLock {
    _file: File,
}

/// Why a sync could not start.
#[derive(Debug, thiserror::Error)]
pub enum SyncLockError {
    #[error("a sync of {db} is already running (PID {pid}); waited {waited_secs} s ({flag})")]
    Running {
        db: PathBuf,
        pid: String,
        waited_secs: u64,
        flag: &'static str,
    },
    #[error("cannot use the sync lock {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// The lock file, beside the database.
const LOCK: &str = ".sync.lock";

impl SyncLock {
    /// Takes the lock of the database at `db`, waiting as `wait` says while another
    /// sync holds it, as a command waits for the database file itself.
    pub fn acquire(db: &Path, wait: &LockWait<'_>) -> Result<SyncLock, SyncLockError> {
        let path = super::beside(db, LOCK);
        let io = |error| SyncLockError::Io {
            path: path.clone(),
            error,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io)?;
        let started = Instant::now();
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let pid = holder_pid(&mut file);
                    if started.elapsed() >= wait.timeout {
                        return Err(SyncLockError::Running {
                            db: db.to_owned(),
                            pid,
                            waited_secs: wait.timeout.as_secs(),
                            flag: wait.flag,
                        });
                    }
                    if !told && started.elapsed() >= QUIET_WAIT.min(wait.timeout / 2) {
                        (wait.notify)(&format!(
                            "waiting for the sync of {} by PID {pid} to end (up to {} s; {})",
                            db.display(),
                            wait.timeout.as_secs(),
                            wait.flag
                        ));
                        told = true;
                    }
                    std::thread::sleep(RETRY_EVERY);
                }
                Err(TryLockError::Error(error)) => return Err(io(error)),
            }
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(SyncLock { _file: file })
    }

    /// The process id of the sync holding the lock of the database at `db`, or
    /// `None` when no sync runs.
    pub fn holder(db: &Path) -> Option<String> {
        let mut file = File::open(super::beside(db, LOCK)).ok()?;
        match file.try_lock_shared() {
            Ok(()) => None,
            Err(TryLockError::WouldBlock) => Some(holder_pid(&mut file)),
            Err(TryLockError::Error(_)) => None,
        }
    }
}

/// The process id the lock file names ("unknown" when it names none yet).
fn holder_pid(file: &mut File) -> String {
    let mut text = String::new();
    let read = file.rewind().and_then(|()| file.read_to_string(&mut text));
    match read.ok().map(|_| text.trim()) {
        Some(pid) if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) => pid.to_owned(),
        _ => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_second_sync_waits_then_says_who_holds_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.duckdb");
        assert_eq!(SyncLock::holder(&db), None);
        let quiet = |_: &str| {};
        let at_once = LockWait {
            timeout: Duration::ZERO,
            flag: "--lock-timeout",
            notify: &quiet,
        };
        let first = SyncLock::acquire(&db, &at_once).unwrap();
        let pid = std::process::id().to_string();
        assert_eq!(SyncLock::holder(&db), Some(pid.clone()));
        let told = std::sync::Mutex::new(Vec::new());
        let tell = |m: &str| told.lock().unwrap().push(m.to_owned());
        let wait = LockWait {
            timeout: Duration::from_millis(250),
            flag: "--lock-timeout",
            notify: &tell,
        };
        let err = SyncLock::acquire(&db, &wait).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "a sync of {} is already running (PID {pid}); waited 0 s (--lock-timeout)",
                db.display()
            )
        );
        assert_eq!(told.lock().unwrap().len(), 1);
        drop(first);
        assert_eq!(SyncLock::holder(&db), None);
        let _again = SyncLock::acquire(&db, &at_once).unwrap();
    }
}
