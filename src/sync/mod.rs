//! What to fetch from a provider and in what order, incremental against the store;
//! concurrency within the rate limit, progress, and the run record. Output
//! formatting is the command's.

pub mod mailroute;
pub mod rackspace;

use crate::api::http::TransportStats;
use crate::store::{RunCounts, RunOutcome, RunRecord};

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
