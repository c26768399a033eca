//! Report benchmark: a database of 5,000,000 generated line items (60 monthly
//! invoices of 2,000 sub-accounts, written straight into tally's schema with
//! DuckDB's own `range()`), then each report's time against a plain
//! `SELECT sum(charge) FROM line_items` in the same session. Bars: ≤ 3× for one
//! month, ≤ 10× for all months (the reports read the stored summaries; the
//! benchmark fills them as migration 7 does, and prints how long that took), and
//! beside each the time DuckDB takes to bind and plan the query alone, and the time
//! DuckDB's own Python client takes to run the same SQL in the same session (the
//! bar: tally at most 1.1x it, medians of interleaved runs).
//! Then the month pack of the latest month (`tally pack`), rendered and written:
//! the bar is under 1 s; then the FOCUS export beside the plain Parquet export of
//! `line_items` (medians of interleaved runs): the bar is 2x.
//!
//!     cargo bench --bench reports [-- --lines 5000000 --runs 5]

use std::path::Path;
use std::time::{Duration, Instant};

use tally::export::focus::Currency;
use tally::export::{Format, Plan, Source};
use tally::month::MonthSelection;
use tally::report::{self, REPORTS};
use tally::store::Store;

#[path = "support/database.rs"]
mod database;
use database::{generate, median};

/// The fastest of `runs` timings of `f`.
fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap()
}

/// DuckDB's own Python client (`support/duckdb_client.py`) on the benchmark's
/// database, in a virtualenv `scripts/duckdb-python.sh` installs at the version
/// tally bundles; queries go to it through files in `work`.
struct DuckdbClient {
    child: std::process::Child,
    answers: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
    work: std::path::PathBuf,
}

impl DuckdbClient {
    fn start(db: &Path, work: &Path) -> DuckdbClient {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let installed = std::process::Command::new("bash")
            .arg(root.join("scripts/duckdb-python.sh"))
            .status()
            .expect("run scripts/duckdb-python.sh");
        assert!(installed.success(), "scripts/duckdb-python.sh failed");
        let venv = std::env::var_os("TALLY_DUCKDB_VENV").map_or_else(
            || Path::new(&std::env::var_os("HOME").expect("HOME")).join(".cache/tally-duckdb-venv"),
            std::path::PathBuf::from,
        );
        let mut child = std::process::Command::new(venv.join("bin/python"))
            .arg(root.join("benches/support/duckdb_client.py"))
            .arg(db)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start DuckDB's Python client");
        let answers =
            std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
        DuckdbClient {
            child,
            answers,
            work: work.to_owned(),
        }
    }

    fn ask(&mut self, command: &str) -> String {
        use std::io::Write as _;
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{command}").unwrap();
        stdin.flush().unwrap();
        self.answers
            .next()
            .expect("the Python client answers")
            .unwrap()
    }

    fn setup(&mut self, sql: &str) {
        let path = self.work.join("client-setup.sql");
        std::fs::write(&path, sql).unwrap();
        assert_eq!(self.ask(&format!("setup {}", path.display())), "ok");
    }

    /// Runs `sql` once in the client: its own timing and the rows returned.
    fn run(&mut self, sql: &str) -> (Duration, usize) {
        let path = self.work.join("client-query.sql");
        std::fs::write(&path, sql).unwrap();
        let answer = self.ask(&format!("run {}", path.display()));
        let (seconds, rows) = answer.split_once(' ').expect("<seconds> <rows>");
        (
            Duration::from_secs_f64(seconds.parse().unwrap()),
            rows.parse().unwrap(),
        )
    }
}

/// A query whose time is DuckDB's execution alone (see its use in `main`).
const ENGINE_SQL: &str = "SELECT count(DISTINCT hash(account_no, domain, product)) AS keys, \
                          sum(charge * rate) AS weighted, max(length(domain || product)) AS longest \
                          FROM line_items";

/// Medians of `runs` interleaved runs of `sql` in tally (`ours`, answering its
/// rows) and in the Python client, and the rows (both must return the same).
/// Each goes first in every other run, and each runs the query once untimed right
/// before its timed run (the other client ran in between: its caches and idle
/// threads are the other's otherwise).
fn interleaved(
    runs: usize,
    client: &mut DuckdbClient,
    label: &str,
    sql: &str,
    mut ours: impl FnMut() -> usize,
) -> (Duration, Duration, usize) {
    let (mut our_times, mut their_times, mut rows) = (Vec::new(), Vec::new(), 0);
    for run in 0..runs.max(1) {
        let mut tally_run = || {
            ours();
            let start = Instant::now();
            let rows = ours();
            our_times.push(start.elapsed());
            rows
        };
        let (time, their_rows) = if run % 2 == 0 {
            rows = tally_run();
            client.run(sql)
        } else {
            let theirs = client.run(sql);
            rows = tally_run();
            theirs
        };
        assert_eq!(
            rows, their_rows,
            "{label}: both clients return the same rows"
        );
        their_times.push(time);
    }
    (median(&mut our_times), median(&mut their_times), rows)
}

fn main() {
    let (lines, runs) = database::args(5);
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-reports");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let db = work.join("reports.duckdb");
    let start = Instant::now();
    generate(&db, lines);
    eprintln!(
        "generated {lines} lines in {:.1} s",
        start.elapsed().as_secs_f64()
    );

    let store = Store::open_read_only(&db).unwrap();
    let conn = store.connection();
    let stored: i64 = conn
        .query_row("SELECT count(*) FROM line_items", [], |r| r.get(0))
        .unwrap();
    let baseline = best(runs, || {
        let _: String = conn
            .query_row("SELECT sum(charge)::VARCHAR FROM line_items", [], |r| {
                r.get(0)
            })
            .unwrap();
    });
    println!(
        "report benchmark: {stored} line items, best of {runs} runs, baseline SELECT sum(charge) FROM line_items: {:.1} ms",
        baseline.as_secs_f64() * 1000.0
    );
    // DuckDB's own Python client on the same file, in a session set up with the
    // same SQL, running each report's SQL as its users do: the bar for tally's
    // in-process run (medians of interleaved runs, the two alternating).
    let mut client = DuckdbClient::start(&db, &work);
    let version: String = conn
        .query_row("SELECT version()", [], |r| r.get(0))
        .unwrap();
    let client_version = client.ask("version");
    assert_eq!(
        version.trim_start_matches('v'),
        client_version,
        "the Python client runs another DuckDB"
    );
    println!(
        "  {:<11} {:<7} {:>8} {:>10} {:>7} {:>9} {:>7} {:>11} {:>7}",
        "report", "month", "rows", "time ms", "ratio", "plan ms", "ratio", "python ms", "ratio"
    );
    let mut worst = 0f64;
    for months in [None, Some(MonthSelection::All)] {
        let month = tally::billing::priced_month(conn, months, 25, None, |_| {})
            .unwrap()
            .unwrap();
        let has_mailroute: bool = conn
            .query_row("SELECT count(*) > 0 FROM mr_customers", [], |r| r.get(0))
            .unwrap();
        // The session as tally's: its memory limit and threads, its TEMP objects.
        let (memory_limit, threads): (String, i64) = conn
            .query_row(
                "SELECT current_setting('memory_limit'), current_setting('threads')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        client.setup(&format!(
            "SET memory_limit = '{memory_limit}'; SET threads = {threads};\n{}\n{}\n{}",
            report::STAGING,
            report::settings_sql(&month.sql_value(), 25, has_mailroute),
            tally::billing::empty_book_sql()
        ));
        for r in REPORTS {
            let (time, python, rows) =
                interleaved(runs, &mut client, r.name.as_str(), r.sql, || {
                    let (_, batches) = report::run(conn, r).unwrap();
                    batches.iter().map(|b| b.num_rows()).sum()
                });
            // DuckDB's binding and planning of the query alone (a prepared
            // statement, not run): the floor under the report's time.
            let plan = best(runs, || {
                conn.prepare(r.sql).unwrap();
            });
            let ratio = time.as_secs_f64() / python.as_secs_f64();
            worst = worst.max(ratio);
            println!(
                "  {:<11} {:<7} {:>8} {:>10.1} {:>6.1}x {:>9.1} {:>6.1}x {:>11.1} {:>6.2}x",
                r.name.as_str(),
                month.to_string(),
                rows,
                time.as_secs_f64() * 1000.0,
                time.as_secs_f64() / baseline.as_secs_f64(),
                plan.as_secs_f64() * 1000.0,
                plan.as_secs_f64() / baseline.as_secs_f64(),
                python.as_secs_f64() * 1000.0,
                ratio
            );
        }
    }
    println!(
        "  (bars: <= 3x the baseline for one month, <= 10x for all months; margin reads the price book, outside the bars;\n   \
         plan: DuckDB binding and planning the query, prepared but not run;\n   \
         python: DuckDB {client_version}'s Python client running the same SQL in the same session, medians of {runs} interleaved runs\n   (each timed run right after an untimed one of the same client);\n   \
         bar: tally <= 1.1x python for every report; the worst here {worst:.2}x)"
    );

    // The engine alone: a query whose work is all DuckDB's execution (a hash of
    // every line, an aggregate) and whose answer is one row, so neither client's
    // result path counts. Its ratio is the two builds of DuckDB (this one compiled
    // by the duckdb crate's build script, the Python wheel by DuckDB's own release
    // build), the floor under every report's.
    let (time, python, _) = interleaved(runs, &mut client, "engine", ENGINE_SQL, || {
        let (_, batches) = conn.query_arrow_unprepared(ENGINE_SQL).unwrap();
        batches.iter().map(|b| b.num_rows()).sum()
    });
    println!(
        "  engine alone (a hash of every line, one row back): tally {:.1} ms, python {:.1} ms, {:.2}x \
         (medians of {runs} interleaved runs: the two builds of DuckDB, the floor under the reports' ratios)",
        time.as_secs_f64() * 1000.0,
        python.as_secs_f64() * 1000.0,
        time.as_secs_f64() / python.as_secs_f64()
    );

    // The month pack of the latest month, rendered and written whole: its headline
    // cost must be the month's Σ charge, or the benchmark fails.
    let out = work.join("pack.html");
    let mut written = None;
    let time = best(runs, || {
        written = tally::pack::write(conn, None, None, 25, &out, |_| {}).unwrap();
    });
    let pack = written.expect("the database has line items");
    let expected: String = conn
        .query_row(
            "SELECT sum(charge)::VARCHAR FROM line_items JOIN invoices USING (invoice_id)
              WHERE strftime(invoice_date, '%Y-%m') = ?",
            [pack.month.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        pack.headline.cost,
        expected.parse::<rust_decimal::Decimal>().unwrap(),
        "the pack's headline cost is not the month's sum of charges"
    );
    println!(
        "  pack of {} ({} KiB of HTML, {} sub-accounts): {:.1} ms, {:.1}x the baseline (bar: under 1 s)",
        pack.month,
        std::fs::metadata(&out).unwrap().len() / 1024,
        pack.headline.sub_accounts,
        time.as_secs_f64() * 1000.0,
        time.as_secs_f64() / baseline.as_secs_f64()
    );

    // The FOCUS export beside the plain Parquet export of line_items (the bar: at
    // most 2x), unpartitioned, into fresh folders, interleaved `runs` times (the
    // machine's run-to-run spread is as large as the bar's margin); each must hold
    // every line. Medians compared.
    let export = |name: &str, sources: Vec<Source>, currency: Option<Currency>| {
        let out = work.join(name);
        let plan = Plan {
            out: out.clone(),
            format: Format::Parquet,
            partition_by_month: false,
            since: None,
            sources,
            neutralised: false,
            focus_currency: currency,
        };
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        let start = Instant::now();
        let outcome = tally::export::export(conn, &plan, |_| Ok(()), |_| {}, |_| {}).unwrap();
        let time = start.elapsed();
        let rows = outcome.written.iter().map(|w| w.rows).sum::<u64>();
        assert_eq!(rows, stored as u64, "{name}: rows written");
        time
    };
    let line_items: Vec<Source> = tally::export::sources()
        .into_iter()
        .filter(|s| s.name == "line_items")
        .collect();
    let (mut plains, mut focuses) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        plains.push(export("plain", line_items.clone(), None));
        focuses.push(export(
            "focus",
            vec![tally::export::focus::source()],
            Some(Currency::default()),
        ));
    }
    let median_of = |times: &mut Vec<Duration>| -> (Duration, String) {
        let each: Vec<String> = times
            .iter()
            .map(|t| format!("{:.2}", t.as_secs_f64()))
            .collect();
        (median(times), each.join(" "))
    };
    let (plain, plain_runs) = median_of(&mut plains);
    let (focus, focus_runs) = median_of(&mut focuses);
    let sum = |sql: &str| -> String { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let focus_file = work.join("focus/focus/data.parquet");
    assert_eq!(
        sum(&format!(
            "SELECT sum(BilledCost)::VARCHAR FROM read_parquet('{}')",
            focus_file.display()
        )),
        sum("SELECT sum(charge)::VARCHAR FROM line_items"),
        "FOCUS: Σ BilledCost is not Σ charge"
    );
    println!(
        "  export line_items as Parquet: {:.2} s; as FOCUS 1.2: {:.2} s, {:.2}x (bar: at most 2x; medians of {runs} interleaved runs: {plain_runs} s; {focus_runs} s)",
        plain.as_secs_f64(),
        focus.as_secs_f64(),
        focus.as_secs_f64() / plain.as_secs_f64()
    );
}
