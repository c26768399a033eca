//! HTTP clients for the providers: signing, paging streams, rate limiting, retries,
//! typed wire models and errors. Knows nothing of DuckDB.

pub mod base_url;
pub mod error;
pub mod http;
pub mod mailroute;
pub mod paging;
pub mod rackspace;
pub mod retry;
pub mod secret;
pub mod write;

pub use base_url::{BaseUrl, BaseUrlError};
pub use error::{ApiError, ApiErrorKind};
pub use write::{ProviderClient, WriteRequest};
