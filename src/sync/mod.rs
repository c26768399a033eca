//! What to fetch from a provider and in what order, incremental against the store;
//! concurrency within the rate limit, progress, and the run record. Output
//! formatting is the command's.

pub mod mailroute;
pub mod rackspace;

use std::time::{Duration, Instant};

use crate::api::ProviderClient;
use crate::api::http::TransportStats;
use crate::printer::Printer;
use crate::provider::Provider;
use crate::store::{RunCounts, RunOutcome, RunRecord, StoreError, Windows};

/// Requests in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// How long a sync's write window waits while readers hold the file before the
/// sync fails (`--write-wait`); the sync keeps fetching meanwhile.
pub const DEFAULT_WRITE_WAIT_SECS: u64 = 600;

/// A provider tally syncs from: its checked options and what one run of it did. A
/// new provider is a client under `api/` (an [`ProviderClient`]), a module here
/// implementing this, options resolved in `settings/providers.rs`, and what it prints in
/// `commands/sync.rs`; the run record, the store and the command's skeleton are
/// shared.
pub trait Source {
    /// Its name in `sync_runs.provider`.
    const PROVIDER: Provider;
    /// What one sync of it needs, checked.
    type Options;
    type Run: ProviderRun;

    /// Builds the client from `options` and runs one recorded sync (see [`recorded`]),
    /// storing what arrives in write windows of the file.
    fn sync(
        options: &Self::Options,
        windows: &mut Windows<'_>,
        printer: &Printer,
    ) -> impl std::future::Future<Output = anyhow::Result<Self::Run>>;
}

/// What every provider's run holds: its id, what could not be synced, the
/// transport's counters and how long it took.
#[derive(Debug, Clone, Default)]
pub struct RunMeta {
    pub run_id: i64,
    /// Items that could not be synced.
    pub failures: Vec<Failure>,
    pub stats: TransportStats,
    pub elapsed: Duration,
}

/// A provider's run record: the shared part, and its own counts.
pub trait ProviderRun: Default {
    fn meta(&self) -> &RunMeta;
    fn meta_mut(&mut self) -> &mut RunMeta;
    /// `sync_runs.accounts`.
    fn accounts(&self) -> String {
        String::new()
    }
    /// The counts for `sync_runs`.
    fn counts(&self) -> RunCounts;
}

/// Runs `body` as one recorded sync of `client`'s provider: a `sync_runs` row is opened
/// before (`running`) and closed after with what happened, whether `body` succeeded,
/// listed failures, or stopped with an error; each in a write window of its own.
/// `body` gets the windows and the run record to fill (its `run_id` already set, for
/// the rows' lineage).
pub async fn recorded<R: ProviderRun, C: ProviderClient>(
    client: &C,
    windows: &mut Windows<'_>,
    body: impl AsyncFnOnce(&mut Windows<'_>, &mut R) -> anyhow::Result<()>,
) -> anyhow::Result<R> {
    let started = Instant::now();
    let run_id = tokio::task::block_in_place(|| {
        let begun = windows.write(|store| {
            Ok(store.begin_run(C::PROVIDER, client.base_url(), client.is_sandbox())?)
        });
        // The fetching that follows leaves the file to readers.
        windows.close();
        begun
    })?;
    let mut run = R::default();
    run.meta_mut().run_id = run_id;
    let result = body(windows, &mut run).await;
    let stats = client.stats();
    let meta = run.meta_mut();
    meta.stats = stats;
    meta.elapsed = started.elapsed();
    let record = run_record(
        &result,
        &run.meta().failures,
        stats,
        run.accounts(),
        run.counts(),
    );
    // A run stopped because readers held the file past the wait is not recorded
    // (that would wait as long again); it shows as interrupted once this process
    // has ended.
    let locked_out = result.as_ref().is_err_and(|e| {
        matches!(
            e.downcast_ref::<StoreError>(),
            Some(StoreError::Locked { .. })
        )
    });
    if !locked_out {
        tokio::task::block_in_place(|| {
            let finished = windows.write(|store| Ok(store.finish_run(run_id, &record)?));
            windows.close();
            finished
        })?;
    }
    result.map(|()| run)
}

/// The `sync_runs` row of a run that ended with `result` (an error: the run
/// stopped) and `failures` (items not synced).
pub fn run_record(
    result: &anyhow::Result<()>,
    failures: &[Failure],
    stats: TransportStats,
    accounts: String,
    counts: RunCounts,
) -> RunRecord {
    let mut record = RunRecord {
        accounts,
        outcome: if result.is_ok() && failures.is_empty() {
            RunOutcome::Ok
        } else {
            RunOutcome::Failed
        },
        requests: stats.requests,
        retries: stats.retries,
        throttled: stats.throttled,
        counts,
        failures: failures.len() as u64,
        message: failures.first().map(ToString::to_string),
    };
    if let Err(err) = result {
        record.failures += 1;
        record.message = Some(format!("{err:#}"));
    }
    record
}

/// Something that could not be synced: what, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub what: String,
    pub why: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.what, self.why)
    }
}
