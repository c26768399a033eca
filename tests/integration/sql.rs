//! `tally sql`: each output format, exact decimals, and refusal to write.

use crate::common::{Workdir, csv, row};

fn loaded() -> Workdir {
    let w = Workdir::new();
    w.write(
        "1.csv",
        csv(&[
            row("10", "Hosted Exchange", "140"),
            row("11", "Outlook", "-0.05"),
        ]),
    );
    w.write(
        "2.csv",
        csv(&[row("10", "Hosted Exchange", "99999999999999.9999")]),
    );
    assert_eq!(w.tally(&["load", "1.csv", "2.csv"]).code, 0);
    w
}

const QUERY: &str = "SELECT product, count(*) AS lines, sum(charge) AS total, NULL AS nothing
                       FROM line_items GROUP BY ALL ORDER BY product";

#[test]
fn table() {
    let w = loaded();
    let run = w.tally(&["sql", QUERY]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "product          lines                     total  nothing\n\
         ---------------  -----  ------------------------  -------\n\
         Hosted Exchange      2  100,000,000,000,139.9999\n\
         Outlook              1                     -0.05\n\
         (2 rows)\n"
    );
}

#[test]
fn csv_format() {
    let w = loaded();
    let run = w.tally(&["sql", "--format", "csv", QUERY]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "product,lines,total,nothing\nHosted Exchange,2,100000000000139.9999,\nOutlook,1,-0.0500,\n"
    );
}

#[test]
fn json_format() {
    let w = loaded();
    let run = w.tally(&["sql", "--format", "json", QUERY]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "[\n  {\"product\": \"Hosted Exchange\", \"lines\": 2, \"total\": \"100000000000139.9999\", \"nothing\": null},\n  \
         {\"product\": \"Outlook\", \"lines\": 1, \"total\": \"-0.0500\", \"nothing\": null}\n]\n"
    );
    let empty = w.tally(&["sql", "--format", "json", "SELECT 1 AS x WHERE false"]);
    assert_eq!(empty.stdout, "[]\n");
}

#[test]
fn writes_are_refused_and_change_nothing() {
    let w = loaded();
    for statement in [
        "DELETE FROM line_items",
        "UPDATE line_items SET charge = 0",
        "INSERT INTO invoices (account_number, invoice_id) VALUES ('x', 'y')",
        "DROP TABLE line_items",
        "CREATE TABLE t (x INTEGER)",
    ] {
        let run = w.tally(&["sql", statement]);
        assert_eq!(run.code, 1, "{statement}: {run:?}");
        assert!(
            run.stderr
                .starts_with("error: tally sql is read-only: nothing was changed ("),
            "{statement}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "");
    }
    assert_eq!(
        w.query("SELECT count(*) AS n, sum(charge) AS s FROM line_items"),
        "n,s\n3,100000000000139.9499\n"
    );
}

#[test]
fn a_missing_database_is_not_created() {
    let w = Workdir::new();
    let run = w.tally(&["sql", "SELECT 1"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "error: no database at {}; create one with `tally load` (or `tally sync`), or pass --db\n",
            w.db().display()
        )
    );
    assert!(!w.db().exists());
}

#[test]
fn a_bad_query_says_why() {
    let w = loaded();
    let run = w.tally(&["sql", "SELECT nope FROM line_items"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("error: query failed: "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nope"), "{}", run.stderr);
}

#[test]
fn an_empty_query_is_a_usage_error() {
    let w = loaded();
    let run = w.tally(&["sql", "  "]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: the query is empty; give one SQL statement, e.g. \"SELECT count(*) FROM line_items\"\n"
    );
}

#[test]
fn of_several_statements_the_last_ones_rows_are_printed() {
    let w = loaded();
    let run = w.tally(&["sql", "--format", "csv", "SELECT 1 AS a; SELECT 2 AS b"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "b\n2\n");
}
