//! One integration test binary: drives the real `tally` binary against real
//! DuckDB files in a per-test temporary directory.

mod accounting;
mod act;
mod billing;
mod bucket;
mod cli;
mod common;
mod crash;
mod docs;
mod export;
mod focus;
mod large;
mod load;
mod mailroute;
mod pack;
mod report;
mod resellers;
mod shapes;
mod sharing;
mod sql;
mod summaries;
mod sync;
mod trust;
