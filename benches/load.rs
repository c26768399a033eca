//! Benchmark: `tally load` against DuckDB's own `read_csv` on the same files.
//!
//!     cargo bench --bench load                      # 1,000,000 lines, 2,000 per file
//!     cargo bench --bench load -- --lines 200000    # a quicker look
//!     cargo bench --bench load -- --lines 1200000 --per-file 20000 --accounts 2000
//!                                                   # a few large invoices
//!
//! Generates invoice-sized line-item CSVs, then in the same run times `tally load`
//! (the release binary, a fresh database) and DuckDB's `read_csv` (same library,
//! same explicit types, into the same `line_items` table of a fresh database), and
//! prints both times, the ratio, and tally's peak memory for half the files and all
//! of them (it must not grow with the number of files). A third reference, DuckDB
//! storing the same lines and the reports' summaries set-at-a-time in one
//! transaction (`time_duckdb_with_summaries`), shows what those summaries cost
//! DuckDB itself.

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
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

/// Writes `files` invoices of `per_file` lines over `accounts` sub-accounts into
/// `dir`; returns their paths.
fn generate(dir: &Path, files: usize, per_file: usize, accounts: u64) -> Vec<PathBuf> {
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
            let account = 1_300_000 + rng.below(accounts);
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
        support::tally()
            .arg("--db")
            .arg(db)
            .args(["-q", "load"])
            .args(paths),
    );
    assert!(status.success(), "tally load failed: {status}");
    (elapsed, peak)
}

/// The `read_csv` insert both DuckDB references run: every file, tally's types.
fn read_csv_insert(dir: &Path) -> String {
    let amount = tally::amount::SQL_TYPE;
    format!(
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
    )
}

/// DuckDB alone: `read_csv` over the same files, the same explicit types, into the
/// same `line_items` table (created by tally's own migrations) of a fresh database.
fn time_duckdb(db: &Path, dir: &Path) -> (Duration, i64) {
    let _ = std::fs::remove_file(db);
    let _ = std::fs::remove_file(db.with_extension("duckdb.wal"));
    drop(tally::store::Store::open(db).unwrap());
    let conn = duckdb::Connection::open(db).unwrap();
    let sql = read_csv_insert(dir);
    let start = Instant::now();
    conn.execute_batch(&sql).unwrap();
    let elapsed = start.elapsed();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM line_items", [], |r| r.get(0))
        .unwrap();
    (elapsed, n)
}

/// DuckDB alone, doing what part of `tally load` is set-at-a-time: the same
/// `read_csv` into `line_items`, then the summaries the reports read (migration 7's
/// tables: per invoice, per invoice × sub-account × domain, per invoice × product,
/// and the lines the checks flag) grouped from those lines, all in one transaction
/// (as tally stores an invoice's lines and summaries). A reference for what storing
/// the summaries costs DuckDB itself: no SHA-256, no line numbers, no strict errors.
fn time_duckdb_with_summaries(db: &Path, dir: &Path) -> Duration {
    let _ = std::fs::remove_file(db);
    let _ = std::fs::remove_file(db.with_extension("duckdb.wal"));
    drop(tally::store::Store::open(db).unwrap());
    let conn = duckdb::Connection::open(db).unwrap();
    conn.execute_batch(include_str!("../queries/macros.sql"))
        .unwrap();
    let fields = "account_no, reference_no, domain, product, type, service_start, service_end, \
                  term_committed_usage, current_usage, usage_change, months, rate, charge";
    let summaries = format!(
        "INSERT INTO invoice_sums
           SELECT invoice_id, count(*), sum(charge), max(service_start),
                  sum(hash({fields})::HUGEINT), bit_xor(hash({fields}))
             FROM line_items GROUP BY invoice_id;
         INSERT INTO account_sums
           SELECT invoice_id, account_no, lower(domain), min(domain), count(*), min(line_no),
                  sum(charge),
                  coalesce(sum(charge) FILTER (WHERE type = 'Renewal' AND charge >= 0), 0),
                  coalesce(sum(charge) FILTER (WHERE type <> 'Renewal' AND charge >= 0), 0),
                  coalesce(sum(charge) FILTER (WHERE charge < 0), 0),
                  coalesce(sum(current_usage) FILTER (WHERE type = 'Renewal'), 0)
             FROM line_items GROUP BY invoice_id, account_no, lower(domain);
         INSERT INTO product_sums
           SELECT invoice_id, product, count(DISTINCT account_no), count(*), sum(charge),
                  coalesce(sum(charge) FILTER (WHERE type = 'Renewal'), 0),
                  coalesce(sum(current_usage) FILTER (WHERE type = 'Renewal'), 0)
             FROM line_items GROUP BY invoice_id, product;
         INSERT INTO line_checks
           SELECT invoice_id, line_no, {fields}, computed,
                  line_charge(usage_change, rate, months), line_charge(usage_change, rate, computed),
                  NULL, charge <> line_charge(usage_change, rate, months), months <> computed,
                  usage_change = 0 AND charge < 0, false
             FROM (SELECT *, billed_months(service_start, service_end) AS computed FROM line_items)
            WHERE months <> 1 OR months <> computed
               OR charge <> line_charge(usage_change, rate, months)
               OR (usage_change = 0 AND charge < 0);"
    );
    let start = Instant::now();
    conn.execute_batch("BEGIN").unwrap();
    conn.execute_batch(&read_csv_insert(dir)).unwrap();
    conn.execute_batch(&summaries).unwrap();
    conn.execute_batch("COMMIT").unwrap();
    start.elapsed()
}

/// A table's rows and Σ charge (a fixed table name of this file, never input):
/// tally and DuckDB must agree on `line_items`, and on `account_sums` for the
/// summaries' reference to be a fair one.
fn count_and_sum(db: &Path, table: &str) -> (i64, String) {
    let conn = duckdb::Connection::open(db).unwrap();
    conn.query_row(
        &format!("SELECT count(*), sum(charge)::VARCHAR FROM {table}"),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

fn main() {
    let mut lines = 1_000_000usize;
    let mut per_file = 2_000usize;
    let mut runs = 3usize;
    let mut accounts = 5_000u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lines" => lines = args.next().and_then(|v| v.parse().ok()).expect("--lines N"),
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--accounts" => {
                accounts = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--accounts N")
            }
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
        "generating {files} files of {per_file} lines over {accounts} sub-accounts in {}",
        csv_dir.display()
    );
    let paths = generate(&csv_dir, files, per_file, accounts);
    let bytes: u64 = paths
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();

    let half = &paths[..files / 2];
    let (_, half_peak) = time_tally(&work.join("half.duckdb"), half);
    // tally and DuckDB interleaved, run after run (the baseline itself moves between
    // runs on a small machine); the medians and the median of the ratios.
    let (mut tally_times, mut duck_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let (mut summed_times, mut summed_ratios) = (Vec::new(), Vec::new());
    // tally ÷ DuckDB with the summaries, run by run: the bar.
    let mut summed_tally = Vec::new();
    let mut full_peak = 0;
    let (mut tally_n, mut tally_sum) = (0, String::new());
    for _ in 0..runs.max(1) {
        let (tally_time, peak) = time_tally(&work.join("tally.duckdb"), &paths);
        full_peak = full_peak.max(peak);
        (tally_n, tally_sum) = count_and_sum(&work.join("tally.duckdb"), "line_items");
        let (duck_time, duck_n) = time_duckdb(&work.join("duckdb.duckdb"), &csv_dir);
        let (_, duck_sum) = count_and_sum(&work.join("duckdb.duckdb"), "line_items");
        assert_eq!(tally_n, duck_n, "both loaded every line");
        assert_eq!(tally_sum, duck_sum, "both hold the same Σ charge");
        let summed_time = time_duckdb_with_summaries(&work.join("summed.duckdb"), &csv_dir);
        assert_eq!(
            count_and_sum(&work.join("tally.duckdb"), "account_sums"),
            count_and_sum(&work.join("summed.duckdb"), "account_sums"),
            "tally and DuckDB hold the same sub-account summaries"
        );
        summed_ratios.push(summed_time.as_secs_f64() / duck_time.as_secs_f64());
        summed_tally.push(tally_time.as_secs_f64() / summed_time.as_secs_f64());
        summed_times.push(summed_time.as_secs_f64());
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
    let (all_summed, all_summed_ratios, all_summed_tally) = (
        runs_text(&summed_times, " s"),
        runs_text(&summed_ratios, "x"),
        runs_text(&summed_tally, "x"),
    );
    let (tally_time, duck_time, ratio) = (
        median(&mut tally_times),
        median(&mut duck_times),
        median(&mut ratios),
    );
    let (summed_time, summed_ratio) = (median(&mut summed_times), median(&mut summed_ratios));

    use support::mib;
    println!(
        "load benchmark: {tally_n} lines in {files} files of {per_file} over {accounts} sub-accounts ({:.0} MiB of CSV)",
        mib(bytes)
    );
    println!("  tally load          {tally_time:>8.2} s   median of {all_tally}");
    println!("  duckdb read_csv     {duck_time:>8.2} s   median of {all_duck}");
    println!("  ratio tally/duckdb  {ratio:>8.2}x   median of {all_ratios}");
    println!(
        "  duckdb read_csv + the same summaries, one transaction {summed_time:.2} s, \
         {summed_ratio:.2}x read_csv   median of {all_summed}; {all_summed_ratios}"
    );
    println!(
        "  tally / (duckdb + summaries)  {:.2}x   median of {all_summed_tally} (bar <= 1.0x: DuckDB doing the same work)",
        median(&mut summed_tally)
    );
    println!(
        "  tally peak memory   {:>8.1} MiB for {} files, {:.1} MiB for {files} files",
        mib(half_peak),
        half.len(),
        mib(full_peak)
    );
    println!("  sum(charge) both    {tally_sum}");
}
