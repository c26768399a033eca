//! The built-in emulator of the providers' APIs, for tests and `tally demo`. It
//! shares only the wire formats with `api/`, never its code.
//!
//! Built so far: the deterministic world (customers, contacts and monthly invoices
//! with their line-item CSVs and ground truth). The HTTP server comes next.

mod rng;
pub mod world;

pub use world::{World, WorldOptions};
