//! Sync benchmark: `tally sync rackspace` against the sandbox with added latency and
//! a server-side rate limit R, the client's limit also set to R. Prints the wall
//! time against the floor (requests ÷ R), the share of the allowed rate reached,
//! the throttled responses (target: none), and peak memory for a small and a large
//! world (target: flat as invoices grow).
//!
//!     cargo bench --bench sync [-- --rpm 1200 --latency-ms 20 --months 60,480]

mod support;

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use tally::sandbox::{BackgroundSandbox, SandboxOptions, WorldOptions};

struct Args {
    rpm: u32,
    latency_ms: u64,
    months: Vec<u32>,
    customers: usize,
}

fn args() -> Args {
    let mut parsed = Args {
        rpm: 1200,
        latency_ms: 20,
        months: vec![60, 480],
        customers: 40,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("a value after the flag");
        match arg.as_str() {
            "--rpm" => parsed.rpm = value().parse().expect("--rpm N"),
            "--latency-ms" => parsed.latency_ms = value().parse().expect("--latency-ms N"),
            "--customers" => parsed.customers = value().parse().expect("--customers N"),
            "--months" => {
                parsed.months = value()
                    .split(',')
                    .map(|m| m.parse().expect("--months A,B"))
                    .collect()
            }
            _ => {} // cargo bench passes --bench
        }
    }
    parsed
}

fn main() {
    let args = args();
    let work = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-sync");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    println!(
        "sync benchmark: server limit R = {}/min, client limit R, latency {} ms, {} customers",
        args.rpm, args.latency_ms, args.customers
    );
    println!(
        "  {:>7} {:>6} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9} {:>8}",
        "months",
        "CSVs",
        "requests",
        "floor s",
        "wall s",
        "rate",
        "throttled",
        "peak MiB",
        "start s",
        "window s",
        "in window",
        "to end s",
        "to end"
    );
    for &months in &args.months {
        let sandbox = BackgroundSandbox::start(SandboxOptions {
            world: WorldOptions {
                customers: args.customers,
                months,
                ..WorldOptions::default()
            },
            requests_per_minute: Some(NonZeroU32::new(args.rpm).expect("--rpm > 0")),
            latency: Duration::from_millis(args.latency_ms),
            ..SandboxOptions::default()
        })
        .unwrap();
        let db = work.join(format!("months-{months}.duckdb"));
        let spawned = Instant::now();
        let (status, wall, peak) = support::run_measured(
            support::tally()
                .env("TALLY_RACKSPACE_USER_KEY", tally::sandbox::SANDBOX_USER_KEY)
                .env(
                    "TALLY_RACKSPACE_SECRET_KEY",
                    tally::sandbox::SANDBOX_SECRET_KEY,
                )
                .arg("--db")
                .arg(&db)
                .args(["-q", "sync", "rackspace", "--base-url"])
                .arg(sandbox.sandbox().url())
                .args(["--requests-per-minute", &args.rpm.to_string()]),
        );
        assert!(status.success(), "tally sync failed: {status}");
        let stats = sandbox.sandbox().stats();
        // The first request is free (the limiter starts full), the rest are spaced 1/R.
        let floor = (stats.requests.saturating_sub(1)) as f64 * 60.0 / f64::from(args.rpm);
        let rate = stats.requests as f64 * 60.0 / wall.as_secs_f64() / f64::from(args.rpm);
        // Start-up: from spawning tally to its first request. Window: from the first
        // request to the last one the server received; the floor is the least that
        // window can be at R, so floor ÷ window is the share of R while transferring.
        let (first, last) = sandbox
            .sandbox()
            .request_window()
            .expect("requests arrived");
        let start = first.duration_since(spawned).as_secs_f64();
        let window = last.duration_since(first).as_secs_f64();
        // To end: from the first request to the process's exit, after its last
        // commit (the measure, a little more: the run's record and exit).
        let to_end = wall.as_secs_f64() - start;
        println!(
            "  {:>7} {:>6} {:>9} {:>9.1} {:>9.1} {:>6.1}% {:>9} {:>9.1} {:>9.2} {:>9.2} {:>7.1}% {:>9.2} {:>7.1}%",
            months,
            stats.csv_served,
            stats.requests,
            floor,
            wall.as_secs_f64(),
            rate * 100.0,
            stats.throttled,
            support::mib(peak),
            start,
            window,
            floor / window * 100.0,
            to_end,
            floor / to_end * 100.0
        );
    }
    println!(
        "  (rate: requests per minute reached over the whole run, as a share of R; target >= 90%, 0 throttled)"
    );
    println!(
        "  (start: spawn to first request; in window: floor / (first to last request received); to end: floor / (first request to exit, after the last commit); targets >= 95% at 480 months, >= 85% at 60)"
    );
}
