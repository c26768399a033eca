//! The built-in emulator of the providers' APIs, for tests, benchmarks and
//! `tally demo`: a deterministic world (customers, contacts, monthly invoices with
//! their line-item CSVs and ground truth) served on loopback by an axum server that
//! checks signatures, enforces a rate limit and injects faults on request. It shares
//! only the wire formats with `api/`, never its code.

pub mod accounts;
pub mod faults;
pub mod mailroute;
mod mailroute_world;
pub mod rackspace;
mod respond;
mod rng;
pub mod server;
mod state;
pub mod world;

pub use accounts::RsAccounts;
pub use faults::FaultSpec;
pub use mailroute_world::MrWorld;
pub use server::{BackgroundSandbox, RunningSandbox, SandboxOptions, SandboxStats, start};
pub use state::{SANDBOX_API_KEY, SANDBOX_LOGIN, SANDBOX_SECRET_KEY, SANDBOX_USER_KEY};
pub use world::{World, WorldOptions, WorldSize};
