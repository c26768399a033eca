//! Scaling: `tally load`, each report (the latest month and `--month all`) and the
//! full export (every table and report as Parquet, unpartitioned and partitioned by
//! month) at 1,000,000, 5,000,000 and 20,000,000 lines: 2,000 sub-accounts, one
//! invoice a month of ~83,000 lines, the history growing in months (12, 60, 240).
//! Each step is the real binary with `--memory-limit`; it prints wall time, time per
//! line, and peak RSS against the limit plus 256 MiB, then how the time per line
//! grew from the smallest size to the largest (the bar: at most 1.5x).
//!
//!     cargo bench --bench scale [-- --sizes 1000000,5000000,20000000 --memory-limit 2GiB --export-runs 3]
//!
//! The two exports run interleaved `--export-runs` times; their medians are compared.
//!
//! It fails when a load does not store every line with the generator's Σ charge.

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rust_decimal::Decimal;
use support::{mib, run_measured};

const HEADER: &str = "Account No,Reference No,Domain,Product,Type,Service Start,Service End,Term Committed Usage,Current Usage,Usage Change,Months,Rate,Charge";
const PRODUCTS: [(&str, &str); 5] = [
    ("Rackspace Email", "2.99"),
    ("Hosted Exchange", "7"),
    ("Office 365 Business Essentials", "7"),
    ("Office 365 Business Premium", "14"),
    ("Rackspace Email Archiving", "3.5"),
];
const LINES_PER_MONTH: u64 = 83_334;
const ACCOUNTS: u64 = 2_000;

fn args() -> (Vec<u64>, String, usize) {
    let (mut sizes, mut limit) = (vec![1_000_000, 5_000_000, 20_000_000], "2GiB".to_owned());
    let mut export_runs = 3;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--sizes" => {
                sizes = args
                    .next()
                    .expect("--sizes N,N")
                    .split(',')
                    .map(|n| n.parse().expect("--sizes N,N"))
                    .collect()
            }
            "--memory-limit" => limit = args.next().expect("--memory-limit SIZE"),
            "--export-runs" => {
                export_runs = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--export-runs N")
            }
            _ => {} // cargo bench passes --bench
        }
    }
    (sizes, limit, export_runs)
}

/// "M/D/YYYY h:mm:ss AM", the provider's service-date format.
fn date(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> String {
    let h12 = if h.is_multiple_of(12) { 12 } else { h % 12 };
    let ampm = if h < 12 { "AM" } else { "PM" };
    format!("{m}/{d}/{y} {h12}:{min:02}:{s:02} {ampm}")
}

/// Writes `lines` lines as one CSV per month (from January 2006); returns Σ charge.
fn generate(dir: &Path, lines: u64) -> Decimal {
    std::fs::create_dir_all(dir).unwrap();
    let months = lines.div_ceil(LINES_PER_MONTH);
    let mut total = Decimal::ZERO;
    for m in 0..months {
        let per_month = (lines - m * LINES_PER_MONTH).min(LINES_PER_MONTH);
        let (y, mo) = (2006 + (m / 12) as i32, (m % 12) as u32 + 1);
        let last = chrono::NaiveDate::from_ymd_opt(y, mo, 1)
            .unwrap()
            .checked_add_months(chrono::Months::new(1))
            .unwrap()
            .pred_opt()
            .unwrap();
        let (full_start, mid_start, end) = (
            date(y, mo, 1, 0, 0, 0),
            date(y, mo, 16, 0, 0, 0),
            date(y, mo, last.day0() + 1, 23, 59, 59),
        );
        let upgrade_months = tally::proration::billed_months(
            tally::parse::parse_service_date(&mid_start).unwrap(),
            tally::parse::parse_service_date(&end).unwrap(),
        );
        let file = std::fs::File::create(dir.join(format!("{}.csv", 9_000_000 + m))).unwrap();
        let mut out = std::io::BufWriter::new(file);
        writeln!(out, "{HEADER}").unwrap();
        for n in 0..per_month {
            let (product, rate) = PRODUCTS[((n / ACCOUNTS) % 5) as usize];
            let rate: Decimal = rate.parse().unwrap();
            let usage = Decimal::from(1 + n / ACCOUNTS);
            let upgrade = n % 10 == 9;
            let (kind, start, months) = if upgrade {
                ("Upgrade", &mid_start, upgrade_months)
            } else {
                ("Renewal", &full_start, Decimal::ONE)
            };
            let charge = tally::proration::charge(usage, rate, months);
            total += charge;
            let account = 1_300_000 + n % ACCOUNTS;
            writeln!(
                out,
                "{account},,d{}.example,{product},{kind},{start},{end},{usage},{usage},{usage},{months},{rate},{charge}",
                n % ACCOUNTS
            )
            .unwrap();
        }
        out.flush().unwrap();
    }
    total
}

use chrono::Datelike as _;

/// Runs one step (its exit code must be one of `ok`): wall time and peak RSS.
fn measure(name: &str, cmd: &mut Command, ok: &[i32]) -> (Duration, u64) {
    let (status, time, peak) = run_measured(cmd);
    assert!(
        status.code().is_some_and(|c| ok.contains(&c)),
        "{name}: {status}"
    );
    (time, peak)
}

struct Step {
    name: String,
    size: u64,
    time: Duration,
    peak: u64,
}

fn tally(db: &Path, limit: &str, args: &[&str]) -> Command {
    let mut cmd = support::tally();
    cmd.env_remove("TALLY_MEMORY_LIMIT")
        .args(["--quiet", "--db"])
        .arg(db)
        .args(["--memory-limit", limit])
        .args(args);
    cmd
}

fn main() {
    let (sizes, limit, export_runs) = args();
    let limit_bytes = {
        let digits = limit.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let unit = &limit[digits.len()..];
        let scale: f64 = match unit.to_ascii_lowercase().as_str() {
            "kib" => 1024.0,
            "mib" => 1024.0 * 1024.0,
            "gib" => 1024.0 * 1024.0 * 1024.0,
            "kb" => 1e3,
            "mb" => 1e6,
            "gb" => 1e9,
            other => panic!("--memory-limit unit {other}"),
        };
        (digits.parse::<f64>().unwrap() * scale) as u64
    };
    let bound = limit_bytes + 256 * 1024 * 1024;
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-scale");
    let mut steps: Vec<Step> = Vec::new();
    println!(
        "scale benchmark: memory limit {limit} (peak RSS bound {:.0} MiB)",
        mib(bound)
    );
    println!(
        "  {:<22} {:>10} {:>10} {:>9} {:>10}",
        "step", "lines", "time s", "µs/line", "peak MiB"
    );
    for &size in &sizes {
        let dir = work.join(size.to_string());
        let _ = std::fs::remove_dir_all(&dir);
        let csv = dir.join("csv");
        let total = generate(&csv, size);
        let db: PathBuf = dir.join("scale.duckdb");
        let mut record = |name: &str, measured: (Duration, u64), note: &str| {
            let (time, peak) = measured;
            println!(
                "  {:<22} {:>10} {:>10.2} {:>9.3} {:>10.0}{}{note}",
                name,
                size,
                time.as_secs_f64(),
                time.as_secs_f64() * 1e6 / size as f64,
                mib(peak),
                if peak > bound { "  OVER the bound" } else { "" }
            );
            steps.push(Step {
                name: name.to_owned(),
                size,
                time,
                peak,
            });
        };
        record(
            "load",
            measure(
                "load",
                &mut tally(&db, &limit, &["load", csv.to_str().unwrap()]),
                &[0],
            ),
            "",
        );
        // Every line stored, with the generator's Σ charge, or the benchmark fails.
        let stored = support::tally()
            .args(["--db"])
            .arg(&db)
            .args([
                "sql",
                "--format",
                "csv",
                "SELECT count(*) || ' ' || sum(charge) FROM line_items",
            ])
            .output()
            .unwrap();
        let stored = String::from_utf8(stored.stdout).unwrap();
        let (count, sum) = stored.lines().nth(1).unwrap().split_once(' ').unwrap();
        assert_eq!(count.parse::<u64>().unwrap(), size, "lines stored");
        assert_eq!(sum.parse::<Decimal>().unwrap(), total, "Σ charge stored");
        for report in ["customers", "products", "prorations", "reconcile", "months"] {
            for all in [false, true] {
                let mut args = vec!["report", report, "--format", "csv"];
                if all {
                    args.extend(["--month", "all"]);
                }
                let name = format!("{report} {}", if all { "all" } else { "month" });
                // reconcile exits 1 when it finds errors.
                record(
                    &name,
                    measure(&name, &mut tally(&db, &limit, &args), &[0, 1]),
                    "",
                );
            }
        }
        // The two exports, interleaved `export_runs` times into fresh folders (this
        // machine's run-to-run spread is as large as the bar's margin): the median
        // time of each, the highest peak.
        let exports = [("export", false), ("export --partition", true)];
        let mut times: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
        let mut peaks = [0u64; 2];
        for _ in 0..export_runs.max(1) {
            for (k, (name, partition)) in exports.iter().enumerate() {
                let out = dir.join(if *partition { "partitioned" } else { "plain" });
                let _ = std::fs::remove_dir_all(&out);
                let mut args = vec![
                    "export",
                    "--format",
                    "parquet",
                    "--out",
                    out.to_str().unwrap(),
                ];
                if *partition {
                    args.extend(["--partition", "month"]);
                }
                let (time, peak) = measure(name, &mut tally(&db, &limit, &args), &[0]);
                times[k].push(time);
                peaks[k] = peaks[k].max(peak);
            }
        }
        for (k, (name, _)) in exports.iter().enumerate() {
            let runs: Vec<String> = times[k]
                .iter()
                .map(|t| format!("{:.2}", t.as_secs_f64()))
                .collect();
            times[k].sort();
            let median = times[k][times[k].len() / 2];
            record(
                name,
                (median, peaks[k]),
                &format!("  median of {} s", runs.join(" ")),
            );
        }
        // The generated files are not needed once loaded.
        let _ = std::fs::remove_dir_all(&csv);
    }
    let (Some(&first), Some(&last)) = (sizes.first(), sizes.last()) else {
        return;
    };
    if first == last {
        return;
    }
    println!("  time per line at {last} lines ÷ at {first} (the bar: at most 1.5x):");
    let per_line = |name: &str, size: u64| {
        steps
            .iter()
            .find(|s| s.name == name && s.size == size)
            .map(|s| s.time.as_secs_f64() / size as f64)
            .unwrap()
    };
    let mut names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    names.dedup();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let growth = per_line(name, last) / per_line(name, first);
        println!(
            "    {:<22} {:>6.2}x{}",
            name,
            growth,
            if growth > 1.5 { "  over the bar" } else { "" }
        );
    }
    let over: Vec<String> = steps
        .iter()
        .filter(|s| s.peak > bound)
        .map(|s| format!("{} at {}: {:.0} MiB", s.name, s.size, mib(s.peak)))
        .collect();
    println!(
        "  peak RSS over the memory limit + 256 MiB: {}",
        if over.is_empty() {
            "none".to_owned()
        } else {
            over.join(", ")
        }
    );
    let partitioned: Vec<String> = sizes
        .iter()
        .map(|&s| {
            let t = |n: &str| {
                steps
                    .iter()
                    .find(|x| x.name == n && x.size == s)
                    .unwrap()
                    .time
                    .as_secs_f64()
            };
            format!("{s}: {:.2}x", t("export --partition") / t("export"))
        })
        .collect();
    println!(
        "  partitioned export ÷ unpartitioned (the bar: at most 1.5x): {}",
        partitioned.join(", ")
    );
}
