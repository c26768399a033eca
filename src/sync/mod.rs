//! What to fetch from a provider and in what order, incremental against the store;
//! concurrency within the rate limit, progress, and the run record. Output
//! formatting is the command's.

pub mod rackspace;

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
