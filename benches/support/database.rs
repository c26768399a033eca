//! The benchmarks' database of generated line items (reports, bucket): written
//! straight into tally's schema with DuckDB's own `range()`.

use std::path::Path;
use std::time::{Duration, Instant};

use tally::report;
use tally::store::Store;

/// The median of `times` (sorted in place): what both benchmarks compare.
pub fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// `--lines N` (default 5,000,000) and `--runs N` (default `runs`) from the
/// command line (cargo bench adds `--bench`, ignored).
pub fn args(runs: usize) -> (u64, usize) {
    let (mut lines, mut runs) = (5_000_000u64, runs);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lines" => lines = args.next().and_then(|v| v.parse().ok()).expect("--lines N"),
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            _ => {} // cargo bench passes --bench
        }
    }
    (lines, runs)
}

/// 60 months × 2,000 accounts, each with its one domain and ~42 distinct lines a
/// month (no line twice); each line a renewal or (1 in 10) an upgrade from the
/// 16th of the month before, months and charge as the provider computes them.
pub fn generate(path: &Path, lines: u64) {
    let mut store = Store::open(path).unwrap();
    let conn = store.connection();
    let per_month = lines / 60;
    // The staging macros give upgrades the provider's months and charge.
    conn.execute_batch(report::STAGING).unwrap();
    conn.execute_batch(&format!(
        "INSERT INTO customers (account_number, name, is_reseller, synced_at)
           SELECT (1300000 + i)::VARCHAR, 'Customer ' || i, false, now()::TIMESTAMP FROM range(2000) t(i);
         INSERT INTO contacts (account_number, contact_id, name, receives_alerts, receives_billing,
                               receives_updates, synced_at)
           SELECT (1300000 + i)::VARCHAR, i::VARCHAR, 'Contact ' || i, true, i % 7 <> 0, false,
                  now()::TIMESTAMP FROM range(2000) t(i);
         INSERT INTO invoices (account_number, invoice_id, invoice_date, invoice_type, total_due,
                               is_paid, csv_available, csv_status, line_count)
           SELECT '1100000', (9000000 + m)::VARCHAR, TIMESTAMP '2016-01-07' + to_months(m::INTEGER),
                  'Billing', NULL, true, true, 'loaded', {per_month}
             FROM range(60) t(m);
         INSERT INTO line_items
           SELECT (9000000 + m)::VARCHAR, (n + 1)::INTEGER,
                  (1300000 + n % 2000)::VARCHAR, '', 'd' || n % 2000 || '.example',
                  ['Rackspace Email', 'Hosted Exchange', 'Office 365 Business Essentials',
                   'Office 365 Business Premium', 'Rackspace Email Archiving'][1 + (n // 2000) % 5],
                  CASE WHEN n % 10 = 9 THEN 'Upgrade' ELSE 'Renewal' END,
                  CASE WHEN n % 10 = 9 THEN TIMESTAMP '2016-01-16' + to_months(m::INTEGER) - INTERVAL 1 MONTH
                       ELSE TIMESTAMP '2016-01-01' + to_months(m::INTEGER) END,
                  CASE WHEN n % 10 = 9 THEN TIMESTAMP '2016-02-01' + to_months(m::INTEGER) - INTERVAL 1 MONTH - INTERVAL 1 SECOND
                       ELSE TIMESTAMP '2016-02-01' + to_months(m::INTEGER) - INTERVAL 1 SECOND END,
                  (1 + n // 2000)::DECIMAL(18,4), (1 + n // 2000)::DECIMAL(18,4),
                  (1 + n // 2000)::DECIMAL(18,4),
                  0::DECIMAL(18,4), 7::DECIMAL(18,4), 0::DECIMAL(18,4)
             FROM range(60) a(m), range({per_month}) b(n)
            ORDER BY m, n;
         UPDATE line_items SET months = billed_months(service_start, service_end);
         UPDATE line_items SET charge = line_charge(usage_change, rate, months);
         UPDATE invoices i SET total_due = s.total
           FROM (SELECT invoice_id, sum(charge) AS total FROM line_items GROUP BY ALL) s
          WHERE s.invoice_id = i.invoice_id;
         CHECKPOINT;"
    ))
    .unwrap();
    // The summaries, as migration 7 fills them for a database of this size.
    let start = Instant::now();
    store.rebuild_summaries().unwrap();
    store.connection().execute_batch("CHECKPOINT").unwrap();
    eprintln!(
        "summarised {lines} lines in {:.1} s (what migration 7 takes on such a file)",
        start.elapsed().as_secs_f64()
    );
}
