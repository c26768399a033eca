//! The large, messy world (`tally sandbox --world large`: 2,000 sub-accounts,
//! several thousand lines an invoice, lines billed twice, non-ASCII product and
//! customer names, internationalised domains, formula-like reference numbers,
//! credits larger than a month, months with prorations on most lines) through the
//! whole command surface: synced at `--concurrency 1` and `8` with faults on and
//! loaded from files into a third database, the three databases' tables identical
//! and equal to the ground truth; then every report, every export format, the
//! pack, statements and a close.

use std::time::Instant;

use tally::sandbox::world::line_items_csv;
use tally::sandbox::{FaultSpec, SandboxOptions, WorldOptions};

use crate::common::sandbox;
use crate::common::{Workdir, query_files};
use crate::focus::{assert_no_failed_rule_applies, passed};
use crate::sync::{snapshot, stored, sync, truth};

/// What every path must store the same: lines, summaries, and the CSV facts of
/// every invoice with lines (a loaded file knows no date or total).
fn stored_tables(w: &Workdir) -> Vec<String> {
    let mut queries = vec![
        "SELECT invoice_id, account_number, csv_status, csv_sha256, line_count FROM invoices
          WHERE csv_status = 'loaded' ORDER BY ALL"
            .to_owned(),
        "SELECT * FROM line_items ORDER BY ALL".to_owned(),
    ];
    queries
        .extend(tally::store::summaries::TABLES.map(|t| format!("SELECT * FROM {t} ORDER BY ALL")));
    queries.iter().map(|q| w.query(q)).collect()
}

fn one_value(w: &Workdir, sql: &str) -> String {
    let out = w.query(sql);
    out.lines().nth(1).unwrap_or_default().to_owned()
}

#[test]
fn the_large_world_stores_the_same_by_every_path_and_runs_every_command() {
    let sb = sandbox(SandboxOptions {
        world: WorldOptions::large(),
        faults: FaultSpec::parse("500=0.03,throttle=0.03,drop=0.01,truncate=0.03").unwrap(),
        ..SandboxOptions::default()
    });
    let (one, eight, loaded) = (Workdir::new(), Workdir::new(), Workdir::new());
    let mut timings = Vec::new();
    for (w, concurrency) in [(&one, "1"), (&eight, "8")] {
        let started = Instant::now();
        let r = sync(
            w,
            &sb,
            &["--concurrency", concurrency, "--retry-delay-ms", "10"],
        );
        assert_eq!(r.code, 0, "--concurrency {concurrency}: {r:?}");
        timings.push(format!(
            "sync --concurrency {concurrency}: {:.1} s",
            started.elapsed().as_secs_f64()
        ));
        assert_eq!(stored(w), truth(&sb), "--concurrency {concurrency}");
    }
    let faults = sb.sandbox().stats().faults;
    assert!(faults.values().sum::<u64>() > 0, "no fault injected");

    // The same CSVs as files, loaded into a third database.
    let world = sb.sandbox().world();
    let served: Vec<_> = world.invoices.iter().filter(|i| i.csv_served).collect();
    for inv in &served {
        loaded.write(
            &format!("csv/{}.csv", inv.invoice_id),
            line_items_csv(&inv.lines),
        );
    }
    let started = Instant::now();
    let r = loaded.tally(&["load", "--account", &world.reseller_account, "csv"]);
    assert_eq!(r.code, 0, "{r:?}");
    timings.push(format!("load: {:.1} s", started.elapsed().as_secs_f64()));
    eprintln!("{}", timings.join("; "));

    let expected = stored_tables(&one);
    assert_eq!(stored_tables(&eight), expected, "sync --concurrency 8");
    assert_eq!(stored_tables(&loaded), expected, "load");
    assert_eq!(snapshot(&eight), snapshot(&one));
    for w in [&one, &eight, &loaded] {
        w.assert_summaries_in_step();
    }
    let lines: usize = served.iter().map(|i| i.lines.len()).sum();
    assert_eq!(
        one_value(&one, "SELECT count(*) FROM line_items"),
        lines.to_string()
    );
    // The mess arrived as it was sent.
    let idn_lines = one_value(
        &one,
        "SELECT count(*) FROM line_items WHERE domain = 'büchersöhne.example'",
    );
    assert_ne!(idn_lines, "0");
    let duplicates: usize = one_value(
        &one,
        "SELECT count(*) FROM line_checks WHERE duplicate_of IS NOT NULL",
    )
    .parse()
    .unwrap();
    let twice: usize = served
        .iter()
        .map(|i| {
            i.lines
                .windows(2)
                .filter(|p| {
                    p[1] == tally::parse::LineItem {
                        line_no: p[1].line_no,
                        ..p[0].clone()
                    }
                })
                .count()
        })
        .sum();
    assert!(twice > 0 && duplicates >= twice, "{duplicates} < {twice}");

    let mut mr = one.keyed();
    mr.args(["sync", "mailroute", "--base-url"])
        .arg(sb.sandbox().mailroute_url())
        .args(["--requests-per-minute", "60000", "--retry-delay-ms", "10"]);
    let r = crate::common::run(mr);
    assert_eq!(r.code, 0, "{r:?}");

    let month = one_value(
        &one,
        "SELECT strftime(max(invoice_date), '%Y-%m') FROM invoices WHERE csv_status = 'loaded'",
    );
    every_command(&one, &month);
}

/// Every report, export, the pack, statements and a close on `w` (the large world
/// synced), each exiting as it should; FOCUS passes the validator.
fn every_command(w: &Workdir, month: &str) {
    let mut codes = Vec::new();
    let mut expect = |args: &[&str], ok: &[i32]| {
        let started = Instant::now();
        let r = w.tally(args);
        codes.push(format!(
            "{}: {} ({:.1} s)",
            args.join(" "),
            r.code,
            started.elapsed().as_secs_f64()
        ));
        assert!(ok.contains(&r.code), "{args:?}: {r:?}");
        r
    };
    // The price book of the billing tests, where `report margin` and the pack find it.
    w.write("prices.toml", include_str!("../data/prices.toml"));
    for report in [
        "customers",
        "products",
        "prorations",
        "months",
        "coverage",
        "margin",
    ] {
        expect(&["report", report], &[0]);
        expect(
            &["report", report, "--month", month, "--format", "csv"],
            &[0],
        );
    }
    // Findings (lines billed twice, the 404) make reconcile exit 1.
    let r = expect(&["report", "reconcile", "--format", "csv"], &[1]);
    assert!(r.stdout.contains("duplicate_line"), "{}", r.stdout);
    expect(&["report", "reconcile", "--month", month], &[0, 1]);
    expect(&["status"], &[0]);
    expect(&["status", "--check"], &[0, 1]);

    // CSV exports neutralise the formula-like reference numbers.
    expect(&["export", "--out", "csv"], &[0]);
    let items = std::fs::read_to_string(w.path().join("csv/line_items/data.csv")).unwrap();
    assert!(items.contains("'=1+2"), "formula not neutralised");
    assert!(!items.contains(",=1+2"), "formula written as is");
    assert!(items.contains("Büro Mail") && items.contains("büchersöhne.example"));
    expect(
        &[
            "export",
            "--out",
            "parquet",
            "--format",
            "parquet",
            "--partition",
            "month",
        ],
        &[0],
    );
    let parquet = w.path().join("parquet/line_items");
    let sum_files = query_files(&format!(
        "SELECT sum(charge)::VARCHAR AS s FROM read_parquet('{}/**/*.parquet')",
        parquet.display()
    ));
    assert_eq!(
        sum_files,
        w.query("SELECT sum(charge)::VARCHAR AS s FROM line_items")
    );
    focus(w, &mut expect);
    // Xero takes credit notes; QuickBooks Online imports none from CSV, so the
    // customers whose month is a credit (the large credits) are left out, each named,
    // and the export exits 1 for them.
    let mut quickbooks = None;
    for (format, code) in [("xero", 0), ("quickbooks", 1)] {
        let args = [
            "export", "--format", format, "--month", month, "--out", "books",
        ];
        quickbooks = Some(expect(&args, &[code]));
    }
    let quickbooks = quickbooks.unwrap();
    assert!(
        quickbooks.stderr.lines().all(|l| l.ends_with(
            "is a credit; QuickBooks Online imports no credit memos from CSV, so it was left out: enter it as a credit memo by hand"
        )),
        "{}",
        quickbooks.stderr
    );
    expect(&["pack", "--month", month, "--out", "pack.html"], &[0]);
    let page = std::fs::read_to_string(w.path().join("pack.html")).unwrap();
    assert!(
        page.contains("Büro Mail"),
        "the pack names the products as sold"
    );
    expect(&["statements", "--month", month, "--out", "st"], &[0]);
    let statements = std::fs::read_dir(w.path().join(format!("st/{month}")))
        .unwrap()
        .count();
    assert!(statements > 1_000, "{statements} statements");
    // A month with findings closes only when told to.
    let refused = expect(&["close", month], &[1]);
    assert!(refused.stderr.contains("--force"), "{refused:?}");
    expect(&["close", month, "--force"], &[0]);
    eprintln!("{}", codes.join("\n"));
}

/// The FOCUS export of the large world: every provider text column ASCII, the exact
/// text in the `x_` columns, and no failed validator rule that applies.
fn focus(w: &Workdir, expect: &mut impl FnMut(&[&str], &[i32]) -> crate::common::Run) {
    expect(&["export", "--format", "focus", "--out", "focus"], &[0]);
    let file = w.path().join("focus/focus/data.parquet");
    let f = format!("read_parquet('{}')", file.display());
    let not_ascii = query_files(&format!(
        "SELECT count(*) AS n FROM {f}
          WHERE strlen(ServiceName) <> length(ServiceName)
             OR strlen(ChargeDescription) <> length(ChargeDescription)
             OR strlen(SkuId) <> length(SkuId)
             OR strlen(SubAccountName) <> length(SubAccountName)
             OR strlen(BillingAccountName) <> length(BillingAccountName)"
    ));
    assert_eq!(not_ascii, "n\n0\n");
    let pairs = query_files(&format!(
        "SELECT DISTINCT x_ProductName, ServiceName FROM {f}
          WHERE x_ProductName IN ('Büro Mail', 'Exchange – 50 GB') ORDER BY ALL"
    ));
    assert_eq!(
        pairs,
        "x_ProductName,ServiceName\nBüro Mail,Buro Mail\nExchange – 50 GB,Exchange - 50 GB\n"
    );
    let idn = query_files(&format!(
        "SELECT DISTINCT x_Domain, ChargeDescription FROM {f}
          WHERE x_Domain = 'büchersöhne.example' AND x_LineType = 'Renewal' ORDER BY ALL LIMIT 1"
    ));
    assert!(
        idn.contains("xn--bchershne-"),
        "the domain in its IDNA form: {idn}"
    );
    let Some(text) = assert_no_failed_rule_applies(&file) else {
        return;
    };
    for rule in ["ServiceName-C-002-M", "ChargeDescription-C-002-M"] {
        assert!(passed(&text, rule), "{rule} did not pass:\n{text}");
    }
}
