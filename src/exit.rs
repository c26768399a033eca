//! tally's documented exit codes.

use std::process::ExitCode;

/// How a tally command ended.
///
/// | code | meaning |
/// |---|---|
/// | 0 | success (also when stdout is closed early, e.g. `| head`) |
/// | 1 | a data or remote failure: a file or invoice rejected, a query or request failed |
/// | 2 | a usage error: bad flags or arguments (clap reports these itself) |
/// Ordered by severity: combining runs keeps the worst (`max`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    Success,
    Failure,
    Usage,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        match status {
            ExitStatus::Success => ExitCode::from(0),
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Usage => ExitCode::from(2),
        }
    }
}

/// A mistake in how tally was called that clap cannot see (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
