//! Benchmark: `tally load` against DuckDB's own `read_csv` on the same files.
//!
//!     cargo bench --bench load                      # 1,000,000 lines, 2,000 per file
//!     cargo bench --bench load -- --lines 200000    # a quicker look
//!
//! Generates invoice-sized line-item CSVs, then in the same run times `tally load`
//! (the release binary, a fresh database) and DuckDB's `read_csv` (same library,
//! same explicit types, into the same `line_items` table of a fresh database), and
//! prints both times, the ratio, and tally's peak memory for half the files and all
//! of them (it must not grow with the number of files).

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use rust_decimal::prelude::RoundingStrategy;

const HEADER: &str = "Account No,Reference No,Domain,Product,Type,Service Start,Service End,Term Committed Usage,Current Usage,Usage Change,Months,Rate,Charge";

const PRODUCTS: [(&str, &str); 6] = [
    ("Rackspace Email", "2.99"),
    ("Rackspace Email Archiving", "3.50"),
    ("Hosted Exchange", "7"),
    ("Office 365 Business Essentials", "7"),
    ("Office 365 Business Premium", "14"),
    ("Hosted Exchange Extra Storage", "0"),
];

/// A small deterministic generator (xorshift64*), so every run sees the same files.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn service_date(y: u32, m: u32, d: u32, h: u32, min: u32, s: u32) -> String {
    let h12 = if h.is_multiple_of(12) { 12 } else { h % 12 };
    let ampm = if h < 12 { "AM" } else { "PM" };
    format!("{m}/{d}/{y} {h12}:{min:02}:{s:02} {ampm}")
}

fn days_in(y: u32, m: u32) -> u32 {
    match m {
        2 if y.is_multiple_of(4) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Writes `files` invoices of `per_file` lines into `dir`; returns their paths.
fn generate(dir: &Path, files: usize, per_file: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut paths = Vec::with_capacity(files);
    for f in 0..files {
        let (year, month) = (2018 + (f / 12) as u32, 1 + (f % 12) as u32);
        let (py, pm) = if month == 1 {
            (year - 1, 12)
        } else {
            (year, month - 1)
        };
        let mut text = String::with_capacity(per_file * 150);
        text.push_str(HEADER);
        text.push('\n');
        for _ in 0..per_file {
            let account = 1_300_000 + rng.below(5000);
            let (product, rate) = PRODUCTS[rng.below(PRODUCTS.len() as u64) as usize];
            let seats = 1 + rng.below(60);
            let domain = if account.is_multiple_of(17) {
                format!("\"Customer {account}, Inc.\"")
            } else {
                format!("\"customer{account}.example.com\"")
            };
            let reference = if account.is_multiple_of(5) {
                format!("PO-{account}")
            } else {
                String::new()
            };
            let rate_d: Decimal = rate.parse().unwrap();
            let (kind, start, end, change, months) = if rng.below(10) == 0 {
                // A mid-month upgrade last month, prorated by the second.
                let day = 1 + rng.below(days_in(py, pm) as u64) as u32;
                let (h, mi, s) = (
                    rng.below(24) as u32,
                    rng.below(60) as u32,
                    rng.below(60) as u32,
                );
                let start = service_date(py, pm, day, h, mi, s);
                let end = service_date(py, pm, days_in(py, pm), 23, 59, 59);
                let secs = (days_in(py, pm) - day) * 86400 + (86400 - (h * 3600 + mi * 60 + s));
                let months = (Decimal::from(secs) / Decimal::from(days_in(py, pm) * 86400))
                    .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                ("Upgrade", start, end, 1 + rng.below(5), months)
            } else {
                let start = service_date(year, month, 1, 0, 0, 0);
                let end = service_date(year, month, days_in(year, month), 23, 59, 59);
                ("Renewal", start, end, seats, Decimal::ONE)
            };
            let charge = (Decimal::from(change) * rate_d * months)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            let current = seats + if kind == "Upgrade" { change } else { 0 };
            writeln!(
                text,
                "{account},\"{reference}\",{domain},\"{product}\",{kind},{start},{end},{seats},{current},{change},{months},{rate},{charge}"
            )
            .unwrap();
        }
        let path = dir.join(format!("{}.csv", 5_000_000 + f));
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    paths
}

/// Runs `tally load` on `paths` into a fresh `db`; returns (wall time, peak RSS bytes).
fn time_tally(db: &Path, paths: &[PathBuf]) -> (Duration, u64) {
    let _ = std::fs::remove_file(db);
    let _ = std::fs::remove_file(db.with_extension("duckdb.wal"));
    let (status, elapsed, peak) = support::run_measured(
        Command::new(env!("CARGO_BIN_EXE_tally"))
            .arg("--db")
            .arg(db)
            .args(["-q", "load"])
            .args(paths),
    );
    assert!(status.success(), "tally load failed: {status}");
    (elapsed, peak)
}

/// DuckDB alone: `read_csv` over the same files, the same explicit types, into the
/// same `line_items` table (created by tally's own migrations) of a fresh database.
fn time_duckdb(db: &Path, dir: &Path) -> (Duration, i64) {
    let _ = std::fs::remove_file(db);
    let _ = std::fs::remove_file(db.with_extension("duckdb.wal"));
    drop(tally::store::Store::open(db).unwrap());
    let conn = duckdb::Connection::open(db).unwrap();
    let amount = tally::amount::SQL_TYPE;
    let sql = format!(
        "INSERT INTO line_items
         SELECT parse_filename(filename, true), 0,
                \"Account No\", \"Reference No\", \"Domain\", \"Product\", \"Type\",
                \"Service Start\", \"Service End\", \"Term Committed Usage\", \"Current Usage\",
                \"Usage Change\", \"Months\", \"Rate\", \"Charge\"
           FROM read_csv('{}/*.csv', header = true, filename = true, quote = '\"', allow_quoted_nulls = false,
                timestampformat = '%m/%d/%Y %I:%M:%S %p',
                columns = {{'Account No': 'VARCHAR', 'Reference No': 'VARCHAR',
                  'Domain': 'VARCHAR', 'Product': 'VARCHAR', 'Type': 'VARCHAR',
                  'Service Start': 'TIMESTAMP', 'Service End': 'TIMESTAMP',
                  'Term Committed Usage': '{amount}', 'Current Usage': '{amount}',
                  'Usage Change': '{amount}', 'Months': '{amount}', 'Rate': '{amount}',
                  'Charge': '{amount}'}})",
        dir.display()
    );
    let start = Instant::now();
    conn.execute_batch(&sql).unwrap();
    let elapsed = start.elapsed();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM line_items", [], |r| r.get(0))
        .unwrap();
    (elapsed, n)
}

fn count_and_sum(db: &Path) -> (i64, String) {
    let conn = duckdb::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT count(*), sum(charge)::VARCHAR FROM line_items",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

fn main() {
    let mut lines = 1_000_000usize;
    let mut per_file = 2_000usize;
    let mut runs = 3usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lines" => lines = args.next().and_then(|v| v.parse().ok()).expect("--lines N"),
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--per-file" => {
                per_file = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--per-file N")
            }
            _ => {} // cargo bench passes --bench
        }
    }
    let files = lines.div_ceil(per_file);
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-load");
    let _ = std::fs::remove_dir_all(&work);
    let csv_dir = work.join("csv");
    eprintln!(
        "generating {files} files of {per_file} lines in {}",
        csv_dir.display()
    );
    let paths = generate(&csv_dir, files, per_file);
    let bytes: u64 = paths
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();

    let half = &paths[..files / 2];
    let (_, half_peak) = time_tally(&work.join("half.duckdb"), half);
    // tally and DuckDB interleaved, run after run (the baseline itself moves between
    // runs on a small machine); the medians and the median of the ratios.
    let (mut tally_times, mut duck_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut full_peak = 0;
    let (mut tally_n, mut tally_sum) = (0, String::new());
    for _ in 0..runs.max(1) {
        let (tally_time, peak) = time_tally(&work.join("tally.duckdb"), &paths);
        full_peak = full_peak.max(peak);
        (tally_n, tally_sum) = count_and_sum(&work.join("tally.duckdb"));
        let (duck_time, duck_n) = time_duckdb(&work.join("duckdb.duckdb"), &csv_dir);
        let (_, duck_sum) = count_and_sum(&work.join("duckdb.duckdb"));
        assert_eq!(tally_n, duck_n, "both loaded every line");
        assert_eq!(tally_sum, duck_sum, "both hold the same Σ charge");
        ratios.push(tally_time.as_secs_f64() / duck_time.as_secs_f64());
        tally_times.push(tally_time.as_secs_f64());
        duck_times.push(duck_time.as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let runs_text = |v: &[f64], unit: &str| {
        v.iter()
            .map(|x| format!("{x:.2}{unit}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (all_tally, all_duck, all_ratios) = (
        runs_text(&tally_times, " s"),
        runs_text(&duck_times, " s"),
        runs_text(&ratios, "x"),
    );
    let (tally_time, duck_time, ratio) = (
        median(&mut tally_times),
        median(&mut duck_times),
        median(&mut ratios),
    );

    use support::mib;
    println!(
        "load benchmark: {tally_n} lines in {files} files of {per_file} ({:.0} MiB of CSV)",
        mib(bytes)
    );
    println!("  tally load          {tally_time:>8.2} s   median of {all_tally}");
    println!("  duckdb read_csv     {duck_time:>8.2} s   median of {all_duck}");
    println!("  ratio tally/duckdb  {ratio:>8.2}x   median of {all_ratios} (bar <= 1.2x)");
    println!(
        "  tally peak memory   {:>8.1} MiB for {} files, {:.1} MiB for {files} files",
        mib(half_peak),
        half.len(),
        mib(full_peak)
    );
    println!("  sum(charge) both    {tally_sum}");
}
