//! Report benchmark: a database of 5,000,000 generated line items (60 monthly
//! invoices of 2,000 sub-accounts, written straight into tally's schema with
//! DuckDB's own `range()`), then each report's time against a plain
//! `SELECT sum(charge) FROM line_items` in the same session. Bars: ≤ 3× for one
//! month, ≤ 10× for all months (the reports read the stored summaries; the
//! benchmark fills them as migration 7 does, and prints how long that took), and
//! beside each the time DuckDB takes to bind and plan the query alone.
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
use database::generate;

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
    println!(
        "  {:<11} {:<7} {:>8} {:>10} {:>7} {:>9} {:>7}",
        "report", "month", "rows", "time ms", "ratio", "plan ms", "ratio"
    );
    for months in [None, Some(MonthSelection::All)] {
        let month = tally::billing::priced_month(conn, months, 25, None, |_| {})
            .unwrap()
            .unwrap();
        for r in REPORTS {
            let mut rows = 0;
            let time = best(runs, || {
                let (_, batches) = report::run(conn, r).unwrap();
                rows = batches.iter().map(|b| b.num_rows()).sum::<usize>();
            });
            // DuckDB's binding and planning of the query alone (a prepared
            // statement, not run): the floor under the report's time.
            let plan = best(runs, || {
                conn.prepare(r.sql).unwrap();
            });
            println!(
                "  {:<11} {:<7} {:>8} {:>10.1} {:>6.1}x {:>9.1} {:>6.1}x",
                r.name.as_str(),
                month.to_string(),
                rows,
                time.as_secs_f64() * 1000.0,
                time.as_secs_f64() / baseline.as_secs_f64(),
                plan.as_secs_f64() * 1000.0,
                plan.as_secs_f64() / baseline.as_secs_f64()
            );
        }
    }
    println!(
        "  (bars: <= 3x the baseline for one month, <= 10x for all months; margin reads the price book, outside the bars;\n   \
         plan: DuckDB binding and planning the query, prepared but not run)"
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
    let median = |times: &mut Vec<Duration>| -> (Duration, String) {
        let each: Vec<String> = times
            .iter()
            .map(|t| format!("{:.2}", t.as_secs_f64()))
            .collect();
        times.sort();
        (times[times.len() / 2], each.join(" "))
    };
    let (plain, plain_runs) = median(&mut plains);
    let (focus, focus_runs) = median(&mut focuses);
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
