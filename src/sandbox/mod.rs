//! The built-in emulator of the providers' APIs, for tests, benchmarks and
//! `tally demo`: a deterministic world (customers, contacts, monthly invoices with
//! their line-item CSVs and ground truth) served on loopback by an axum server that
//! checks signatures, enforces a rate limit and injects faults on request. It shares
//! only the wire formats with `api/`, never its code.

pub mod accounts;
pub mod faults;
pub mod mailroute;
pub mod rackspace;
mod rng;
pub mod server;
pub mod world;

pub use accounts::RsAccounts;
pub use faults::FaultSpec;
pub use mailroute::{MrWorld, SANDBOX_API_KEY, SANDBOX_LOGIN};
pub use rackspace::{SANDBOX_SECRET_KEY, SANDBOX_USER_KEY};
pub use server::{BackgroundSandbox, RunningSandbox, SandboxOptions, SandboxStats, start};
pub use world::{World, WorldOptions, WorldSize};
