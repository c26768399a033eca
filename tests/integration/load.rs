//! `tally load`: good files, reloads, bad files beside good ones.

use crate::common::{HEADER, Workdir, csv, row};

/// Σ of the last field (Charge, never quoted) of every data row, computed apart from tally.
fn charge_sum_by_hand(path: &std::path::Path) -> rust_decimal::Decimal {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.rsplit(',')
                .next()
                .unwrap()
                .trim()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum()
}

#[test]
fn loads_the_sample_data_exactly() {
    let w = Workdir::new();
    let data = w.sample_data();
    let run = w.tally(&["load", data.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("loaded 4 files into"), "{}", run.stdout);
    assert!(
        run.stdout
            .ends_with("(owner unknown): 37 lines, charge 3979.62; rejected 0\n"),
        "{}",
        run.stdout
    );

    // Per invoice: line count and Σ charge equal a hand computation over the file.
    let stored = w.query(
        "SELECT i.invoice_id, i.line_count, count(l.line_no) AS n, sum(l.charge) AS total
           FROM invoices i JOIN line_items l USING (invoice_id)
          GROUP BY ALL ORDER BY invoice_id",
    );
    let mut expected = String::from("invoice_id,line_count,n,total\n");
    for id in ["123123", "124882", "126004", "127219"] {
        let path = data.join(format!("{id}.csv"));
        let lines = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .count();
        let total = charge_sum_by_hand(&path);
        expected.push_str(&format!("{id},{lines},{lines},{total:.4}\n"));
    }
    assert_eq!(stored, expected);

    // The documented upgrade row, every column as stored.
    assert_eq!(
        w.query("SELECT * FROM line_items WHERE invoice_id = '123123' AND line_no = 6"),
        "invoice_id,line_no,account_no,reference_no,domain,product,type,service_start,service_end,term_committed_usage,current_usage,usage_change,months,rate,charge\n\
         123123,6,1386010,,MyOtherDomain,Office 365 Business Essentials,Upgrade,2017-11-06T19:54:44,2017-11-30T23:59:59,29.0000,31.0000,2.0000,0.8100,7.0000,11.3400\n"
    );
    // Lineage: the CSV's hash and source are kept.
    let sha = w.query("SELECT csv_status, length(csv_sha256), csv_source LIKE '%123123.csv' FROM invoices WHERE invoice_id = '123123'");
    assert_eq!(
        sha,
        "csv_status,length(csv_sha256),(csv_source ~~ '%123123.csv')\nloaded,64,true\n"
    );
}

#[test]
fn reloading_replaces_and_never_duplicates() {
    let w = Workdir::new();
    let data = w.sample_data();
    let first = w.tally(&["load", data.to_str().unwrap()]);
    assert_eq!(first.code, 0, "{first:?}");
    let before = w.query("SELECT invoice_id, line_no, charge FROM line_items ORDER BY ALL");
    let again = w.tally(&["load", data.to_str().unwrap()]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(
        w.query("SELECT invoice_id, line_no, charge FROM line_items ORDER BY ALL"),
        before
    );
    assert_eq!(w.query("SELECT count(*) AS n FROM invoices"), "n\n4\n");

    // A changed file replaces the invoice's lines.
    w.write("data/123123.csv", csv(&[row("1", "Outlook", "5.5")]));
    let changed = w.tally(&["load", data.join("123123.csv").to_str().unwrap()]);
    assert_eq!(changed.code, 0, "{changed:?}");
    assert_eq!(
        w.query(
            "SELECT count(*) AS n, sum(charge) AS s FROM line_items WHERE invoice_id = '123123'"
        ),
        "n,s\n1,5.5000\n"
    );
    // The summaries the reports read followed every load and reload.
    w.assert_summaries_in_step();
}

#[test]
fn a_bad_file_is_rejected_whole_while_the_others_load() {
    let w = Workdir::new();
    w.write(
        "in/100.csv",
        csv(&[row("1", "A", "1.10"), row("2", "B", "2.20")]),
    );
    w.write(
        "in/200.csv",
        csv(&[row("1", "A", "3.00"), row("2", "B", "1O.00")]),
    );
    w.write("in/300.csv", csv(&[row("3", "C", "-4.25")]));
    let run = w.tally(&["load", "in"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr,
        "error: in/200.csv: line 3, column 12 (Rate): expected a decimal number, found \"1O.00\"\n"
    );
    assert!(
        run.stdout
            .ends_with("(owner unknown): 3 lines, charge -0.95; rejected 1\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        w.query("SELECT invoice_id, count(*) AS n, sum(charge) AS s FROM line_items GROUP BY ALL ORDER BY ALL"),
        "invoice_id,n,s\n100,2,3.3000\n300,1,-4.2500\n"
    );
    assert_eq!(
        w.query("SELECT count(*) AS n FROM invoices WHERE invoice_id = '200'"),
        "n\n0\n"
    );
}

#[test]
fn a_bad_reload_leaves_the_stored_invoice_untouched() {
    let w = Workdir::new();
    let path = w.write("500.csv", csv(&[row("1", "A", "7"), row("2", "B", "8")]));
    assert_eq!(w.tally(&["load", "500.csv"]).code, 0);
    let before = w.query("SELECT * EXCLUDE (csv_loaded_at) FROM invoices");
    std::fs::write(
        &path,
        csv(&[
            row("1", "A", "7"),
            row("2", "B", "8").replace("12/31/2017", "13/45/2018"),
        ]),
    )
    .unwrap();
    let run = w.tally(&["load", "500.csv"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: 500.csv: line 3, column 7 (Service End): expected a date like \"12/1/2017 12:00:00 AM\", found \"13/45/2018 11:59:59 PM\"\n"
    );
    assert_eq!(
        w.query("SELECT * EXCLUDE (csv_loaded_at) FROM invoices"),
        before
    );
    assert_eq!(
        w.query("SELECT line_no, charge FROM line_items ORDER BY 1"),
        "line_no,charge\n1,7.0000\n2,8.0000\n"
    );
}

#[test]
fn every_kind_of_bad_file_is_named_on_stderr() {
    let w = Workdir::new();
    w.write("in/empty.csv", "");
    w.write("in/renamed.csv", HEADER.replace("Charge", "Amount"));
    w.write("in/short.csv", format!("{}\n1,2,3\n", HEADER));
    w.write("in/quote.csv", format!("{HEADER}\n1,\"open,2\n"));
    w.write(
        "in/latin1.csv",
        [HEADER.as_bytes(), b"\n1,\"\",\"caf\xE9\""].concat(),
    );
    w.write("in/good.csv", csv(&[row("9", "Z", "1")]));
    let run = w.tally(&["load", "in", "missing.csv"]);
    assert_eq!(run.code, 1, "{run:?}");
    let mut lines: Vec<&str> = run.stderr.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        vec![
            format!(
                "error: in/empty.csv: line 1: the file is empty; expected the header row {HEADER:?}"
            )
            .as_str(),
            "error: in/latin1.csv: line 2, byte 10: invalid UTF-8: found byte 0xE9; the file must be UTF-8 text",
            "error: in/quote.csv: line 2, column 2 (Reference No): a quoted field opens here and is never closed (the closing '\"' is missing)",
            "error: in/renamed.csv: line 1, column 13: header: expected column \"Charge\", found \"Amount\"",
            "error: in/short.csv: line 2: expected 13 fields, found 3",
            "error: missing.csv: no such file or folder",
        ]
    );
    assert!(
        run.stdout
            .ends_with("(owner unknown): 1 lines, charge 1; rejected 6\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        w.query("SELECT invoice_id FROM invoices"),
        "invoice_id\ngood\n"
    );
}

#[test]
fn header_only_file_is_an_invoice_with_no_lines() {
    let w = Workdir::new();
    w.write("777.csv", format!("{HEADER}\r\n"));
    let run = w.tally(&["load", "--account", "1100000", "777.csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        w.query("SELECT account_number, invoice_id, line_count, csv_status FROM invoices"),
        "account_number,invoice_id,line_count,csv_status\n1100000,777,0,loaded\n"
    );
}

#[test]
fn invoice_id_flag() {
    let w = Workdir::new();
    w.write("December.csv", csv(&[row("1", "A", "2")]));
    w.write("January.csv", csv(&[row("1", "A", "2")]));
    let run = w.tally(&["load", "--invoice-id", "123", "December.csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        w.query("SELECT invoice_id FROM line_items"),
        "invoice_id\n123\n"
    );
    let run = w.tally(&["load", "--invoice-id", "123", "December.csv", "January.csv"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        "error: --invoice-id 123 names one invoice, but 2 files were given\n"
    );
}

#[test]
fn two_files_claiming_one_invoice_id() {
    let w = Workdir::new();
    w.write("a/55.csv", csv(&[row("1", "A", "2")]));
    w.write("b/55.csv", csv(&[row("1", "A", "3")]));
    let run = w.tally(&["load", "a", "b"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr,
        "error: b/55.csv: invoice id 55 already comes from a/55.csv; load one of them separately with --invoice-id\n"
    );
    assert_eq!(
        w.query("SELECT sum(charge) AS s FROM line_items"),
        "s\n2.0000\n"
    );
}

#[test]
fn a_database_that_cannot_be_created_says_where() {
    let w = Workdir::new();
    w.write("1.csv", csv(&[row("1", "A", "2")]));
    let db = w.path().join("no/such/dir/t.duckdb");
    let mut cmd = w.bare_command();
    cmd.arg("--db").arg(&db).args(["load", "1.csv"]);
    let run = crate::common::run(cmd);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "error: cannot open database {0}: IO Error: Cannot open file \"{0}\": No such file or directory\n",
            db.display()
        )
    );
}
