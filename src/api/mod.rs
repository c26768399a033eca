//! HTTP clients for the providers: signing, paging, rate limiting, retries, typed
//! wire models and errors. Knows nothing of DuckDB.
//!
//! Built so far: the retry policy, the paging loop guard, the Rackspace signature and
//! wire models. The HTTP transport, the sandbox and `tally sync` build on these.

pub mod paging;
pub mod rackspace;
pub mod retry;
pub mod secret;
