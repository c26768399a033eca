//! `tally report` on databases synced from the sandbox: every query runs in every
//! format, the sums agree to the cent, injected anomalies are all found (and nothing
//! else at error severity), Parquet keeps exact decimals, and the output of each
//! report on a fixed world is a snapshot.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::common::{Workdir, synced};

const REPORTS: [&str; 6] = [
    "customers",
    "products",
    "prorations",
    "reconcile",
    "coverage",
    "months",
];

/// A CSV report as rows of column → value.
pub(crate) fn rows(csv: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

fn report(w: &Workdir, args: &[&str]) -> (i32, String) {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let r = w.tally(&all);
    assert!(r.code == 0 || r.code == 1, "{r:?}");
    (r.code, r.stdout)
}

fn sum_by(rows: &[BTreeMap<String, String>], key: &str, value: &str) -> BTreeMap<String, Decimal> {
    let mut sums = BTreeMap::new();
    for row in rows {
        *sums.entry(row[key].clone()).or_insert(Decimal::ZERO) +=
            row[value].parse::<Decimal>().unwrap();
    }
    sums
}

#[test]
fn every_report_runs_in_every_format_and_the_sums_agree() {
    let (w, _sb) = synced(false);
    for name in REPORTS {
        // The same rows in every format: CSV's data lines, the table's footer, the
        // JSON array, the Parquet file read back.
        let (code, csv) = report(&w, &[name, "--format", "csv"]);
        assert_eq!(code, 0, "{name} csv");
        let n = rows(&csv).len();
        let (code, table) = report(&w, &[name, "--format", "table"]);
        assert_eq!(code, 0, "{name} table");
        assert!(
            table.ends_with(&format!("({n} row{})\n", if n == 1 { "" } else { "s" })),
            "{name}: {table}"
        );
        let (code, json) = report(&w, &[name, "--format", "json"]);
        assert_eq!(code, 0, "{name} json");
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), n, "{name} json");
        let (code, html) = report(&w, &[name, "--format", "html"]);
        assert_eq!(code, 0, "{name} html");
        let page = scraper::Html::parse_document(&html);
        let body_rows = scraper::Selector::parse("table tbody tr").unwrap();
        assert_eq!(page.select(&body_rows).count(), n, "{name} html");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{name} html"
        );
        let file = w.path().join(format!("{name}.parquet"));
        let r = w.tally(&[
            "report",
            name,
            "--format",
            "parquet",
            "--out",
            file.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{r:?}");
        let conn = duckdb::Connection::open_in_memory().unwrap();
        let back: i64 = conn
            .query_row(
                "SELECT count(*) FROM read_parquet(?)",
                [file.to_str().unwrap()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(back as usize, n, "{name} parquet");
    }
    // Σ customers = Σ products = Σ line items, per month, to the cent.
    let (_, customers) = report(&w, &["customers", "--month", "all", "--format", "csv"]);
    let (_, products) = report(&w, &["products", "--month", "all", "--format", "csv"]);
    let lines = w.query(
        "SELECT strftime(i.invoice_date, '%Y-%m') AS month, sum(l.charge) AS total
           FROM line_items l JOIN invoices i USING (invoice_id) GROUP BY ALL",
    );
    let by_customer = sum_by(&rows(&customers), "month", "total");
    let by_product = sum_by(&rows(&products), "month", "charge");
    let by_line = sum_by(&rows(&lines), "month", "total");
    assert_eq!(by_line.len(), 29, "29 months with line items");
    assert_eq!(by_customer, by_line);
    assert_eq!(by_product, by_line);
    // The parts of a customer's month add up to its total.
    for row in rows(&customers) {
        let part = |k: &str| row[k].parse::<Decimal>().unwrap();
        assert_eq!(
            part("renewal") + part("partial") + part("negative"),
            part("total"),
            "{row:?}"
        );
    }
    // A clean world has no error finding.
    let (code, findings) = report(&w, &["reconcile", "--month", "all", "--format", "csv"]);
    assert_eq!(code, 0);
    assert!(
        rows(&findings).iter().all(|f| f["severity"] != "error"),
        "{findings}"
    );
}

#[test]
fn reconcile_finds_every_injected_anomaly_and_no_other_error() {
    let (w, sb) = synced(true);
    let (code, out) = report(&w, &["reconcile", "--format", "csv"]);
    assert_eq!(code, 1, "errors → exit code 1");
    let findings = rows(&out);
    let injected = &sb.sandbox().world().anomalies;
    assert_eq!(injected.len(), 6);
    for a in injected {
        let line = a.line_no.map(|n| n.to_string()).unwrap_or_default();
        assert!(
            findings.iter().any(|f| f["finding"] == a.finding
                && f["account_no"] == a.account_no
                && f["line_no"] == line
                && f["invoice_id"] == a.invoice_id.clone().unwrap_or_default()),
            "{a:?} not reported:\n{out}"
        );
    }
    let errors: Vec<&str> = findings
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["finding"].as_str())
        .collect();
    assert_eq!(
        errors,
        [
            "duplicate_line",
            "line_arithmetic",
            "proration_months",
            "total_mismatch"
        ]
    );
    let r = w.tally(&["report", "reconcile"]);
    assert_eq!(r.stderr, "error: reconcile (2019-12): 4 error findings\n");
}

#[test]
fn parquet_keeps_exact_decimals() {
    let (w, _sb) = synced(false);
    let file = w.path().join("products.parquet");
    let r = w.tally(&[
        "report",
        "products",
        "--month",
        "all",
        "--format",
        "parquet",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let path = file.to_str().unwrap();
    assert_eq!(
        crate::common::query_files(&format!(
            "SELECT DISTINCT typeof(charge) AS charge, typeof(average_rate) AS rate FROM read_parquet('{path}')"
        )),
        "charge,rate\n\"DECIMAL(38,4)\",\"DECIMAL(38,4)\"\n"
    );
    let (_, csv) = report(&w, &["products", "--month", "all", "--format", "csv"]);
    let back = crate::common::query_files(&format!("SELECT * FROM read_parquet('{path}')"));
    assert_eq!(back, csv);
}

#[test]
fn bad_months_and_empty_databases_say_what_is_wrong() {
    let w = Workdir::new();
    w.write(
        "in/1.csv",
        crate::common::csv(&[crate::common::row("1", "Hosted Exchange", "7")]),
    );
    assert_eq!(w.tally(&["load", "in"]).code, 0);
    let r = w.tally(&["report", "customers", "--month", "2019-13"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: invalid value '2019-13' for '--month <YYYY-MM>': expected a month as YYYY-MM (e.g. 2019-12) or `all`; found \"2019-13\"\n\nFor more information, try '--help'.\n"
    );
    // A local file has no invoice date: its month is that of its latest service start.
    let (code, out) = report(&w, &["customers", "--format", "csv"]);
    assert_eq!(code, 0);
    assert_eq!(rows(&out)[0]["month"], "2017-12");
    let p = w.tally(&["report", "months", "--format", "parquet"]);
    assert_eq!(
        (p.code, p.stderr.as_str()),
        (2, "error: --format parquet needs --out FILE\n")
    );
    let empty = Workdir::new();
    w.write("empty/header.csv", crate::common::csv(&[]));
    assert_eq!(
        empty
            .tally(&["load", w.path().join("empty").to_str().unwrap()])
            .code,
        0
    );
    let r = empty.tally(&["report", "customers"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("has no line items yet"), "{}", r.stderr);
}

#[test]
fn snapshots_of_each_report_on_a_fixed_world() {
    let (w, _sb) = synced(true);
    for name in REPORTS {
        let (_, out) = report(&w, &[name, "--month", "2019-12"]);
        insta::assert_snapshot!(format!("report_{name}"), out);
    }
}
