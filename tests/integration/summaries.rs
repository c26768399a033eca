//! The summaries the reports read (per invoice, sub-account, product and domain,
//! and each line's checks) are stored with their lines: equal to a recomputation
//! from the lines whatever path stored them, and filled by the migration that adds
//! them to an older database. (Load, reload, sync and `kill -9` mid-load and
//! mid-sync check them too: `assert_summaries_in_step` in load.rs, sync.rs,
//! trust.rs and crash.rs.)

use crate::common::{Workdir, csv, row};

/// Every report over all months, as CSV (reconcile exits 1 on errors).
fn reports(w: &Workdir) -> String {
    [
        "customers",
        "products",
        "prorations",
        "reconcile",
        "months",
        "coverage",
    ]
    .iter()
    .map(|r| w.query_report(&[r, "--month", "all", "--format", "csv"]))
    .collect::<Vec<_>>()
    .join("\n")
}

#[test]
fn the_migration_fills_the_summaries_of_an_older_database() {
    let w = Workdir::new();
    let data = w.sample_data();
    // Lines every check has something to say of: a duplicate, a wrong charge, a
    // credit, an implausible rate, beside the sample's prorations.
    // And the edges of the arithmetic: half cents both ways, negative usage, a
    // credit without usage, a factor of 10^8 (not multiplied), a period across a
    // leap day, a domain written two ways.
    let edge = |usage: &str, months: &str, rate: &str, charge: &str, period: &str| {
        format!(
            "9,\"\",\"Edge.example\",\"Edge\",Upgrade,{period},1,1,{usage},{months},{rate},{charge}"
        )
    };
    let feb = "2/10/2020 12:00:00 PM,2/29/2020 11:59:59 PM";
    w.write(
        "data/777.csv",
        csv(&[
            row("1", "Outlook", "5.5"),
            row("1", "Outlook", "5.5"),
            row("2", "Outlook", "-3"),
            edge("1", "0.5", "0.0125", "0.01", feb),
            edge("-1", "0.5", "0.0125", "-0.01", feb),
            edge("3", "0.35", "1.0001", "1.05", feb),
            edge("0", "0.66", "7", "-4.62", feb),
            edge("100000000", "1", "1", "100000000", feb),
            edge("-2", "0.66", "7", "-9.24", feb),
            "9,\"\",\"edge.EXAMPLE\",\"Edge\",Renewal,3/1/2020 12:00:00 AM,3/31/2020 11:59:59 PM,1,1,1,1,2,2"
                .to_owned(),
        ]),
    );
    assert_eq!(w.tally(&["load", data.to_str().unwrap()]).code, 0);
    w.assert_summaries_in_step();
    let before = reports(&w);
    assert!(before.contains("duplicate_line"), "{before}");

    // The database as schema 6 left it: no summary tables.
    {
        let conn = duckdb::Connection::open(w.db()).unwrap();
        conn.execute_batch(
            "DROP TABLE invoice_sums; DROP TABLE account_sums; DROP TABLE product_sums;
             DROP TABLE line_checks; ALTER TABLE sync_runs DROP COLUMN pid;
             ALTER TABLE sync_runs DROP COLUMN last_write_at;
             ALTER TABLE customers DROP COLUMN reseller_account;
             ALTER TABLE contacts DROP COLUMN reseller_account;
             DELETE FROM schema_migrations WHERE version >= 7;",
        )
        .unwrap();
    }
    let status = w.tally(&["status", "--format", "csv"]);
    assert_eq!(status.code, 0, "{status:?}");
    assert!(
        status.stdout.contains("schema version,9,"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("summaries,in step,"),
        "{}",
        status.stdout
    );
    w.assert_summaries_in_step();
    assert_eq!(reports(&w), before);
}

#[test]
fn status_check_fails_when_the_summaries_are_out_of_step() {
    let w = Workdir::new();
    let data = w.sample_data();
    assert_eq!(w.tally(&["load", data.to_str().unwrap()]).code, 0);
    assert_eq!(w.tally(&["status", "--check"]).code, 0);
    // Only another program can do this (tally sql cannot write).
    {
        let conn = duckdb::Connection::open(w.db()).unwrap();
        conn.execute_batch("DELETE FROM line_items WHERE line_no = 1")
            .unwrap();
    }
    let r = w.tally(&["status", "--check", "--format", "csv"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("summaries,out of step,"), "{}", r.stdout);
}
