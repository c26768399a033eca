//! `kill -9` at any moment, then a re-run, gives exactly the result of one clean run.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::common::{Workdir, csv, row};

// Enough lines that each of the load's two workers commits more than one group
// (a group holds over a row group and a half: 184,320 lines), so the kills land
// between commits.
const FILES: usize = 48;
const LINES: usize = 10_000;

fn write_invoices(w: &Workdir) {
    for f in 0..FILES {
        let rows: Vec<String> = (0..LINES)
            .map(|i| {
                row(
                    &format!("{}", 1000 + i % 97),
                    "Hosted Exchange",
                    &format!("{}.{:02}", f, i % 100),
                )
            })
            .collect();
        w.write(&format!("in/{}.csv", 9000 + f), csv(&rows));
    }
}

const SUMMARY: &str =
    "SELECT count(*) AS lines, sum(charge) AS total, count(DISTINCT invoice_id) AS invoices,
                              (SELECT count(*) FROM invoices) AS headers FROM line_items";

/// Every stored invoice is whole: its header's line_count equals its stored lines,
/// which equal the lines in its file, and no line lacks a header.
fn assert_whole(w: &Workdir) {
    assert_eq!(
        w.query(&format!(
            "SELECT count(*) AS broken FROM invoices i
              WHERE line_count <> {LINES}
                 OR line_count <> (SELECT count(*) FROM line_items l
                                    WHERE l.invoice_id = i.invoice_id)"
        )),
        "broken\n0\n"
    );
    assert_eq!(
        w.query(
            "SELECT count(*) AS orphans FROM line_items l ANTI JOIN invoices i USING (invoice_id)"
        ),
        "orphans\n0\n"
    );
}

#[test]
fn kill_9_mid_load_then_rerun_equals_a_clean_run() {
    let clean = Workdir::new();
    write_invoices(&clean);
    assert_eq!(clean.tally(&["load", "in"]).code, 0);
    let expected = clean.query(SUMMARY);
    // Σ over files f and lines i of f + (i % 100) / 100, in cents, by hand.
    let cents: usize = (0..FILES)
        .map(|f| (0..LINES).map(|i| f * 100 + i % 100).sum::<usize>())
        .sum();
    assert_eq!(
        expected,
        format!(
            "lines,total,invoices,headers\n{},{}.{:02}00,{FILES},{FILES}\n",
            FILES * LINES,
            cents / 100,
            cents % 100
        )
    );

    let mut interrupted = 0;
    for kill_after in [1, 5, 12] {
        let w = Workdir::new();
        write_invoices(&w);
        let mut child = w
            .command()
            .args(["-v", "load", "in"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for the k-th committed invoice, then kill without warning.
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = 0;
        for line in stderr.lines() {
            if line.unwrap().contains(": invoice ") {
                seen += 1;
                if seen == kill_after {
                    break;
                }
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert!(seen >= 1, "tally committed nothing before the kill");

        assert_whole(&w);
        w.assert_summaries_in_step();
        if w.query("SELECT count(*) AS n FROM invoices") != format!("n\n{FILES}\n") {
            interrupted += 1;
        }
        let rerun = w.tally(&["load", "in"]);
        assert_eq!(rerun.code, 0, "{rerun:?}");
        assert_eq!(
            w.query(SUMMARY),
            expected,
            "killed after {kill_after} invoices"
        );
        assert_whole(&w);
        w.assert_summaries_in_step();
    }
    assert!(
        interrupted > 0,
        "every kill came after the load had finished: the test proved nothing"
    );
}
