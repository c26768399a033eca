//! `tally export`: partitioned Parquet and CSV that read back to the same exact
//! decimals, re-runs that replace rather than add, and CSV cells no spreadsheet
//! will execute.

use std::path::Path;

use crate::common::{Workdir, csv, row};

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

fn loaded() -> Workdir {
    let w = Workdir::new();
    let data = w.sample_data();
    let r = w.tally(&["load", data.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    w
}

#[test]
fn partitioned_parquet_reads_back_exactly_and_reruns_replace() {
    let w = loaded();
    let out = w.path().join("lake");
    let args = [
        "export",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "parquet",
        "--partition",
        "month",
    ];
    let r = w.tally(&args);
    assert_eq!(r.code, 0, "{r:?}");
    let first = files_under(&out);
    assert!(
        first.contains(&"line_items/month=2017-12/data.parquet".to_owned()),
        "{first:?}"
    );
    assert!(
        first.contains(&"customers/data.parquet".to_owned()),
        "{first:?}"
    );
    assert!(first.iter().all(|f| !f.contains(".tmp-")), "{first:?}");
    let glob = format!("{}/line_items/*/*.parquet", out.display());
    let back = crate::common::query_files(&format!(
        "SELECT month, count(*) AS n, sum(charge) AS total, typeof(sum(charge)) AS t, typeof(any_value(rate)) AS r
           FROM read_parquet('{glob}', hive_partitioning = true) GROUP BY ALL ORDER BY ALL"
    ));
    let source = w.query(
        "SELECT billing_month AS month, count(*) AS n, sum(charge) AS total, typeof(sum(charge)) AS t, typeof(any_value(rate)) AS r
           FROM (SELECT strftime(max(service_start) OVER (PARTITION BY invoice_id), '%Y-%m') AS billing_month, *
                   FROM line_items) GROUP BY ALL ORDER BY ALL",
    );
    assert_eq!(back, source);
    assert!(back.contains("\"DECIMAL(18,4)\""), "{back}");
    // Again: the same files, not twice as many rows.
    let r = w.tally(&args);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(files_under(&out), first);
    assert_eq!(
        crate::common::query_files(&format!(
            "SELECT month, count(*) AS n, sum(charge) AS total, typeof(sum(charge)) AS t, typeof(any_value(rate)) AS r
               FROM read_parquet('{glob}', hive_partitioning = true) GROUP BY ALL ORDER BY ALL"
        )),
        back
    );
}

#[test]
fn csv_cells_are_neutralised_and_decimals_exact() {
    let w = Workdir::new();
    let hostile = [
        row("1", "=HYPERLINK(\"\"http://evil\"\")", "1.10"),
        row("2", "+SUM(A1:A9)", "-2.0001"),
        row("3", "@cmd", "3"),
        row("4", "-2+3", "4"),
        row("5", "Hosted Exchange", "99999999999999.9999"),
    ];
    w.write("in/77.csv", csv(&hostile));
    assert_eq!(w.tally(&["load", "in"]).code, 0);
    let out = w.path().join("books");
    let r = w.tally(&[
        "export",
        "--out",
        out.to_str().unwrap(),
        "--tables",
        "line_items",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        files_under(&out),
        [".tally-manifest.json", "line_items/data.csv"]
    );
    let text = std::fs::read_to_string(out.join("line_items/data.csv")).unwrap();
    assert_eq!(text.lines().count(), 6, "{text}");
    for cell in [
        "'=HYPERLINK(\"\"http://evil\"\")",
        "'+SUM(A1:A9)",
        "'@cmd",
        "'-2+3",
    ] {
        assert!(text.contains(cell), "{cell} not neutralised in:\n{text}");
    }
    assert!(
        text.contains(",-2.0001\n") || text.contains(",-2.0001\r\n"),
        "{text}"
    );
    assert!(text.contains("99999999999999.9999"), "{text}");
    // Read back with DuckDB: the same exact values (by hand: 1.10 - 2.0001 + 3 + 4
    // + 99999999999999.9999 = 100000000000006.0998).
    let path = out.join("line_items/data.csv");
    let back = crate::common::query_files(&format!(
        "SELECT sum(charge::DECIMAL(18,4)) AS total, min(charge::DECIMAL(18,4)) AS low
           FROM read_csv('{}', header = true, all_varchar = true)",
        path.display()
    ));
    assert_eq!(
        back,
        w.query("SELECT sum(charge) AS total, min(charge) AS low FROM line_items")
    );
    assert_eq!(back, "total,low\n100000000000006.0998,-2.0001\n");
}

#[test]
fn unknown_tables_and_bad_months_are_refused() {
    let w = loaded();
    let r = w.tally(&["export", "--out", "x", "--tables", "lines"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("error: --tables: unknown table \"lines\"; known: invoices, line_items,"),
        "{}",
        r.stderr
    );
    let r = w.tally(&["export", "--out", "x", "--since", "all"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: invalid value 'all' for '--since <YYYY-MM>': expected a month as YYYY-MM, e.g. 2024-01; found \"all\"\n\nFor more information, try '--help'.\n"
    );
    let out = w.path().join("recent");
    let r = w.tally(&[
        "export",
        "--out",
        out.to_str().unwrap(),
        "--since",
        "2018-01",
        "--tables",
        "line_items,customers",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let text = std::fs::read_to_string(out.join("line_items/data.csv")).unwrap();
    assert!(
        text.lines()
            .skip(1)
            .all(|l| l.starts_with("2018-") || l.starts_with("2019-")),
        "{text}"
    );
}
