//! The pipeline `tally load` runs: local line-item CSV files → parser → store, one
//! invoice per file. Two worker threads, each on its own DuckDB connection, take the
//! plan's files in turn, read and parse them, and commit groups of whole invoices
//! in write windows that let readers in between groups (`store::AppendWindows`);
//! the caller hears of each file as it is done. Prints nothing.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::ids::{AccountNumber, IdError, InvoiceId};
use crate::parse::{ParseError, parse_line_items};
use crate::store::{AppendWindows, CsvOrigin, InvoiceCsv, InvoiceWrite, Store, StoreError};

/// The default of `--max-file-size`, in MiB: the largest real invoice CSV is a few
/// MiB (thousands of lines of ~200 bytes), so this fits it many times over.
pub const DEFAULT_MAX_FILE_MIB: u64 = 256;

/// One file to load, with the invoice it becomes.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub invoice_id: InvoiceId,
}

/// The files of a `tally load` run, checked before any is read.
#[derive(Debug)]
pub struct LoadPlan {
    /// The owner of every invoice loaded (`None`: unknown).
    pub owner: Option<AccountNumber>,
    pub files: Vec<PlannedFile>,
    /// Paths refused before reading anything, with why.
    pub rejected: Vec<LoadError>,
    /// Larger files are refused.
    pub max_file_bytes: u64,
}

/// Why a file was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: no such file or folder", .0.display())]
    NotFound(PathBuf),
    #[error("{}: not a regular file (a FIFO, a device or a socket); refused", .0.display())]
    NotRegular(PathBuf),
    #[error("{}: no .csv files in this folder", .0.display())]
    EmptyFolder(PathBuf),
    #[error("{}: cannot list the folder: {error}", .path.display())]
    Folder {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: {error}", .path.display())]
    Id { path: PathBuf, error: IdError },
    #[error(
        "{}: invoice id {id} already comes from {}; load one of them separately with --invoice-id",
        .path.display(),
        .first.display()
    )]
    SameId {
        path: PathBuf,
        id: InvoiceId,
        first: PathBuf,
    },
    #[error("{}: cannot read: {error}", .path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "{}: larger than the limit of {limit_mib} MiB (--max-file-size); refused",
        .path.display()
    )]
    TooLarge { path: PathBuf, limit_mib: u64 },
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("{}: {error}", .path.display())]
    Store { path: PathBuf, error: StoreError },
}

/// Usage errors found while planning: the command line itself is wrong.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("--invoice-id {id} names one invoice, but {given} files were given")]
    OneIdManyFiles { id: InvoiceId, given: usize },
}

impl LoadPlan {
    /// Expands folders (their `*.csv`, not recursively, sorted), takes each
    /// invoice id from `invoice_id` or the file name, and refuses what can be
    /// refused without reading: missing paths, non-regular files, bad or repeated ids.
    pub fn new(
        paths: &[PathBuf],
        invoice_id: Option<InvoiceId>,
        owner: Option<AccountNumber>,
        max_file_mib: u64,
    ) -> Result<LoadPlan, PlanError> {
        let mut rejected = Vec::new();
        let mut found = Vec::new();
        for path in paths {
            match std::fs::metadata(path) {
                Err(_) => rejected.push(LoadError::NotFound(path.clone())),
                Ok(meta) if meta.is_dir() => match csv_files_in(path) {
                    Ok(files) if files.is_empty() => {
                        rejected.push(LoadError::EmptyFolder(path.clone()));
                    }
                    Ok(mut files) => {
                        files.sort();
                        found.extend(files);
                    }
                    Err(error) => rejected.push(LoadError::Folder {
                        path: path.clone(),
                        error,
                    }),
                },
                Ok(meta) if meta.is_file() => found.push(path.clone()),
                Ok(_) => rejected.push(LoadError::NotRegular(path.clone())),
            }
        }
        if let Some(id) = &invoice_id {
            let given = found.len() + rejected.len();
            if given != 1 {
                return Err(PlanError::OneIdManyFiles {
                    id: id.clone(),
                    given,
                });
            }
        }
        let mut seen: HashMap<InvoiceId, PathBuf> = HashMap::new();
        let mut files = Vec::new();
        for path in found {
            let id = match &invoice_id {
                Some(id) => Ok(id.clone()),
                None => InvoiceId::parse(
                    &path
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                ),
            };
            match id {
                Err(error) => rejected.push(LoadError::Id { path, error }),
                Ok(id) => {
                    if let Some(first) = seen.get(&id) {
                        rejected.push(LoadError::SameId {
                            path,
                            id,
                            first: first.clone(),
                        });
                    } else {
                        seen.insert(id.clone(), path.clone());
                        files.push(PlannedFile {
                            path,
                            invoice_id: id,
                        });
                    }
                }
            }
        }
        Ok(LoadPlan {
            owner,
            files,
            rejected,
            max_file_bytes: max_file_mib.saturating_mul(1024 * 1024),
        })
    }
}

fn csv_files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if is_csv && path.is_file() {
            files.push(path);
        }
    }
    Ok(files)
}

/// Reads (at most the limit), hashes and parses one file into the write that stores it.
fn prepare(plan: &LoadPlan, file: &PlannedFile) -> Result<InvoiceWrite, LoadError> {
    let read_error = |error| LoadError::Read {
        path: file.path.clone(),
        error,
    };
    let handle = std::fs::File::open(&file.path).map_err(read_error)?;
    if !handle.metadata().map_err(read_error)?.is_file() {
        return Err(LoadError::NotRegular(file.path.clone()));
    }
    let mut bytes = Vec::new();
    handle
        .take(plan.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > plan.max_file_bytes {
        return Err(LoadError::TooLarge {
            path: file.path.clone(),
            limit_mib: plan.max_file_bytes / (1024 * 1024),
        });
    }
    let sha256 = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let name = file.path.display().to_string();
    let items = parse_line_items(&name, &bytes)?;
    let source = std::fs::canonicalize(&file.path).unwrap_or_else(|_| file.path.clone());
    Ok(InvoiceWrite {
        invoice_id: file.invoice_id.clone(),
        owner: plan.owner.clone(),
        csv: InvoiceCsv {
            sha256,
            source: source.display().to_string(),
            origin: CsvOrigin::File,
            items,
        },
    })
}

/// DuckDB's row group. A transaction that appends at least this many rows to a
/// table writes them straight to the database file, compressed, and its commit only
/// links them in; fewer go through the write-ahead log and are written again by the
/// next checkpoint (measured: 1,000,000 lines in 7.8 s in groups of 20,000 lines,
/// 4.4 s in groups of a row group or more).
const ROW_GROUP: usize = 122_880;

/// A group never holds more lines than this (memory), however its rows fall.
const MAX_GROUP_LINES: usize = 4 * ROW_GROUP;

/// Whether `rows` appended to a table in one transaction leave row groups no
/// checkpoint writes again. Fewer than a row group fill the table's open one. More
/// leave full row groups and a last, partly filled one, which DuckDB's vacuum
/// merges with its neighbours at every checkpoint (three into two) unless it holds
/// more than half a row group (measured on the load benchmark: 4.5 – 4.7 s with
/// such merges, 4.1 – 4.4 s without).
fn settled(rows: usize) -> bool {
    rows < ROW_GROUP || rows.is_multiple_of(ROW_GROUP) || rows % ROW_GROUP > ROW_GROUP / 2
}

/// Whether a group of parsed invoices is ready to commit: enough lines to go straight
/// to the file as row groups that stay as written, in `line_items` and in the largest
/// summary table (`accounts`: an upper bound of its rows).
fn group_is_ready(lines: usize, accounts: usize) -> bool {
    (lines > ROW_GROUP + ROW_GROUP / 2 && settled(lines) && settled(accounts))
        || lines >= MAX_GROUP_LINES
}

/// An upper bound of the rows an invoice adds to `account_sums` (one per
/// sub-account and domain; domains as written, so at least as many as lowercased).
fn account_rows(items: &[crate::parse::LineItem]) -> usize {
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    items
        .iter()
        .filter(|i| seen.insert((i.account_no.as_str(), i.domain.as_str())))
        .count()
}

/// Worker threads, each reading, parsing and storing files on its own DuckDB
/// connection: two keep both cores busy (measured: three were slower, 3.9 – 4.4 s
/// against 3.5 – 3.9 s, and held more memory).
const WORKERS: usize = 2;

/// A file stored: its invoice, lines and Σ charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub invoice_id: InvoiceId,
    pub lines: usize,
    pub charge: Decimal,
}

/// Stores a group of invoices in one transaction; if that fails, each on its own,
/// so one invoice the database refuses does not take the others with it.
fn store_group(
    store: &mut Store,
    group: &[(usize, &PlannedFile, InvoiceWrite)],
) -> Vec<Result<(), StoreError>> {
    let writes: Vec<&InvoiceWrite> = group.iter().map(|(_, _, w)| w).collect();
    match store.write_invoices(&writes) {
        Ok(()) => group.iter().map(|_| Ok(())).collect(),
        Err(_) if group.len() > 1 => writes.into_iter().map(|w| store.write_invoice(w)).collect(),
        Err(e) => vec![Err(e)],
    }
}

/// What the load tells its caller, as it happens.
pub enum Progress<'a> {
    /// A file was read and parsed (or refused); a group is committed only once it
    /// holds ~184,000 lines, so this is what moves a progress bar.
    Read,
    /// What became of a file once its group was committed (in the order they finish,
    /// with its index in the plan).
    Done(usize, &'a PlannedFile, Result<Stored, LoadError>),
    /// Opening the file again after readers waits: what holds it.
    Waiting(String),
}

/// What a worker tells the caller: progress, or the error that stopped it.
enum Event<'a> {
    Progress(Progress<'a>),
    Failed(StoreError),
}

/// One worker: takes the next file of the plan, reads and parses it, and commits
/// what it parsed in groups of whole invoices, reporting each file's outcome. Stops
/// when the plan is done or the file cannot be had back from readers.
fn work<'a>(
    windows: &AppendWindows,
    plan: &'a LoadPlan,
    next: &AtomicUsize,
    done: &Sender<Event<'a>>,
) {
    let tell = |progress| {
        let _ = done.send(Event::Progress(progress));
    };
    let notify = |message: &str| tell(Progress::Waiting(message.to_owned()));
    let mut group: Vec<(usize, &PlannedFile, InvoiceWrite)> = Vec::new();
    let (mut group_lines, mut group_accounts) = (0, 0);
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let file = plan.files.get(index);
        if let Some(file) = file {
            let prepared = prepare(plan, file);
            tell(Progress::Read);
            if let Err(error) = windows.let_readers_in(&notify) {
                let _ = done.send(Event::Failed(error));
                return;
            }
            match prepared {
                Ok(write) => {
                    group_lines += write.csv.items.len();
                    group_accounts += account_rows(&write.csv.items);
                    group.push((index, file, write));
                }
                Err(error) => tell(Progress::Done(index, file, Err(error))),
            }
        }
        if group_is_ready(group_lines, group_accounts) || (file.is_none() && !group.is_empty()) {
            let outcomes = match windows.append(&notify, |store| store_group(store, &group)) {
                Ok(Some(outcomes)) => outcomes,
                Ok(None) => return,
                Err(error) => {
                    let _ = done.send(Event::Failed(error));
                    return;
                }
            };
            for ((index, file, write), outcome) in group.drain(..).zip(outcomes) {
                let outcome = outcome
                    .map(|()| Stored {
                        charge: write.csv.items.iter().map(|i| i.charge.as_decimal()).sum(),
                        lines: write.csv.items.len(),
                        invoice_id: write.invoice_id,
                    })
                    .map_err(|error| LoadError::Store {
                        path: file.path.clone(),
                        error,
                    });
                tell(Progress::Done(index, file, outcome));
            }
            (group_lines, group_accounts) = (0, 0);
        }
        if file.is_none() {
            return;
        }
    }
}

/// Loads every file of the plan through `windows` (which let readers in between
/// groups), telling `hear` of each file read, each file stored or refused, and
/// each wait for the file. Fails when the file cannot be had back from readers
/// within the windows' wait: the invoices stored until then stay, whole.
pub fn load<'a>(
    windows: AppendWindows,
    plan: &'a LoadPlan,
    mut hear: impl FnMut(Progress<'a>),
) -> Result<(), StoreError> {
    let next = AtomicUsize::new(0);
    let mut failed = None;
    std::thread::scope(|scope| {
        let (done_tx, done_rx) = std::sync::mpsc::channel::<Event<'_>>();
        for _ in 0..WORKERS {
            let (windows, next, done_tx) = (&windows, &next, done_tx.clone());
            scope.spawn(move || work(windows, plan, next, &done_tx));
        }
        drop(done_tx);
        for event in done_rx {
            match event {
                Event::Progress(progress) => hear(progress),
                Event::Failed(error) => {
                    failed.get_or_insert(error);
                }
            }
        }
    });
    let finished = windows.finish();
    failed.map_or(finished, Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_commits_when_its_last_row_groups_stay_as_written() {
        // Below a row group and a half: not yet, whatever the sub-accounts.
        assert!(!group_is_ready(ROW_GROUP + ROW_GROUP / 2, 0));
        // Lines leave a last row group over half full; sub-accounts fill less than
        // a row group (they go through the log): ready.
        assert!(group_is_ready(200_000, 100_000));
        // Sub-accounts leave a last row group of 40,000 rows: one more file first.
        assert!(!group_is_ready(200_000, 162_880));
        assert!(group_is_ready(240_000, 190_000));
        // Lines past two row groups leave a short last one: wait for the next window.
        assert!(!group_is_ready(250_000, 0));
        assert!(group_is_ready(2 * ROW_GROUP, 0));
        // Never more than the memory bound.
        assert!(group_is_ready(MAX_GROUP_LINES, 2 * ROW_GROUP + 1));
    }
}
