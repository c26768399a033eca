//! One sync at a time per database file. With write windows ([`super::Windows`])
//! a sync no longer holds the file, so DuckDB's own lock cannot keep a second sync
//! (a cron job overlapping the last one) from running beside it; this lock does. It
//! is an advisory lock on `<db>.sync.lock`, held for the whole sync and released by
//! the operating system when the process ends, however it ends; the file holds the
//! holder's process id, for the messages and `tally status`.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The lock of a running sync, released when dropped.
#[derive(Debug)]
pub struct SyncLock {
    _file: File,
}

/// Why a sync could not start.
#[derive(Debug, thiserror::Error)]
pub enum SyncLockError {
    #[error(
        "a sync of {db} is already running (PID {pid}); waited {waited_secs} s (--lock-timeout)"
    )]
    Running {
        db: PathBuf,
        pid: String,
        waited_secs: u64,
    },
    #[error("cannot use the sync lock {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// The lock file of the database at `db`.
pub fn lock_path(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.sync.lock", db.display()))
}

impl SyncLock {
    /// Takes the lock of the database at `db`, waiting up to `wait` while another
    /// sync holds it (`notify` hears it once).
    pub fn acquire(
        db: &Path,
        wait: Duration,
        notify: &dyn Fn(&str),
    ) -> Result<SyncLock, SyncLockError> {
        let path = lock_path(db);
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
                    if started.elapsed() >= wait {
                        return Err(SyncLockError::Running {
                            db: db.to_owned(),
                            pid,
                            waited_secs: wait.as_secs(),
                        });
                    }
                    if !told {
                        notify(&format!(
                            "waiting for the sync of {} by PID {pid} to end (up to {} s; --lock-timeout)",
                            db.display(),
                            wait.as_secs()
                        ));
                        told = true;
                    }
                    std::thread::sleep(Duration::from_millis(100));
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
        let mut file = File::open(lock_path(db)).ok()?;
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
    use super::*;

    #[test]
    fn a_second_sync_waits_then_says_who_holds_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.duckdb");
        assert_eq!(SyncLock::holder(&db), None);
        let first = SyncLock::acquire(&db, Duration::ZERO, &|_| {}).unwrap();
        let pid = std::process::id().to_string();
        assert_eq!(SyncLock::holder(&db), Some(pid.clone()));
        let told = std::sync::Mutex::new(Vec::new());
        let err = SyncLock::acquire(&db, Duration::from_millis(250), &|m| {
            told.lock().unwrap().push(m.to_owned())
        })
        .unwrap_err();
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
        let _again = SyncLock::acquire(&db, Duration::ZERO, &|_| {}).unwrap();
    }
}
