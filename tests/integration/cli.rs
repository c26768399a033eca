//! The command line fits the shell: completions and a man page, generated from the
//! same definitions as `--help`.

use crate::common::{Workdir, run};

#[test]
fn completions_generate_for_every_shell() {
    let w = Workdir::new();
    let cases = [
        ("bash", "complete -F _tally"),
        ("zsh", "#compdef tally"),
        ("fish", "complete -c tally"),
        ("powershell", "Register-ArgumentCompleter"),
    ];
    for (shell, marker) in cases {
        let r = w.tally(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {r:?}");
        assert!(
            r.stdout.contains(marker),
            "{shell}: {}",
            &r.stdout[..200.min(r.stdout.len())]
        );
        // Every subcommand and a global flag are in it.
        for word in [
            "sync",
            "load",
            "report",
            "export",
            "sql",
            "demo",
            "lock-timeout",
        ] {
            assert!(r.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let r = w.tally(&["completions", "tcsh"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("invalid value 'tcsh'"), "{}", r.stderr);
}

#[test]
fn the_man_page_generates() {
    let w = Workdir::new();
    let r = w.tally(&["man"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.starts_with(".ie \\n(.g .ds Aq \\(aq"),
        "{}",
        &r.stdout[..80]
    );
    assert!(r.stdout.contains(".TH tally 1"), "{}", &r.stdout[..300]);
    assert!(r.stdout.contains(".SH NAME"));
    assert!(r.stdout.contains("tally\\-sync"));
    assert!(r.stdout.contains("\\-\\-lock\\-timeout"));
}

#[test]
fn every_month_flag_takes_the_same_months() {
    let w = Workdir::new();
    w.write(
        "in/1.csv",
        crate::common::csv(&[crate::common::row("1", "Hosted Exchange", "7")]),
    );
    assert_eq!(w.tally(&["load", "in"]).code, 0);
    // 2017-7 is July 2017 for export as it is for sync and report.
    let r = w.tally(&[
        "export",
        "--out",
        "x",
        "--since",
        "2017-7",
        "--tables",
        "line_items",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = w.tally(&[
        "report",
        "customers",
        "--month",
        "2017-12",
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.lines().nth(1).unwrap().starts_with("2017-12,1,"),
        "{}",
        r.stdout
    );
    for args in [
        &["export", "--out", "x", "--since", "2017-13"][..],
        &["report", "customers", "--month", "17-12"][..],
        &["sync", "rackspace", "--since", "2017-00"][..],
        &["sandbox", "--ground-truth", "--as-of", "2020-13"][..],
        &["demo", "--as-of", "20-01"][..],
        &["pack", "--out", "p.html", "--month", "2019-13"][..],
        &[
            "export", "--format", "xero", "--month", "2019-0", "--out", "x",
        ][..],
    ] {
        let r = w.tally(args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(
            r.stderr.contains("expected a month as YYYY-MM"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn status_says_what_the_file_holds_and_check_fails_on_stale_data() {
    let w = Workdir::new();
    let data = w.sample_data();
    assert_eq!(w.tally(&["load", data.to_str().unwrap()]).code, 0);
    let r = w.tally(&["status", "--format", "csv", "--check"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "what,value,detail,problem\n\
         schema version,9,,false\n\
         billing months,2017-12 .. 2018-03,4 months with invoices,false\n\
         closed months,0,none,false\n\
         invoices,4,\"4 with lines (4 from files), 0 without a CSV, 0 missing (404), 0 not yet downloaded, 4 without an owner\",false\n\
         line items,37,charge 3979.6200,false\n\
         summaries,in step,\"37 lines, charge 3979.6200\",false\n\
         customers,0,,false\n\
         mailroute customers,0,,false\n"
    );
    // A sync that ended ok 40 days ago, then one that failed.
    {
        let conn = duckdb::Connection::open(w.db()).unwrap();
        conn.execute_batch(
            "INSERT INTO sync_runs (provider, base_url, is_sandbox, started_at, finished_at, outcome)
             VALUES ('rackspace', 'https://api.emailsrvr.com', false,
                     now()::TIMESTAMP - INTERVAL 40 DAY,
                     now()::TIMESTAMP - INTERVAL 40 DAY, 'ok');",
        )
        .unwrap();
    }
    let r = w.tally(&["status", "--check"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: rackspace last successful sync: 40 days ago: stale (older than 35 days)\n"
    );
    {
        let conn = duckdb::Connection::open(w.db()).unwrap();
        conn.execute_batch(
            "INSERT INTO sync_runs (provider, base_url, is_sandbox, started_at, outcome, message)
             VALUES ('rackspace', 'https://api.emailsrvr.com', false,
                     now()::TIMESTAMP, 'failed', 'GET /v1/customers/me: HTTP 500');",
        )
        .unwrap();
    }
    let r = w.tally(&["status", "--format", "json", "--check"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout
            .contains("\"what\": \"rackspace last run\", \"value\": \"failed\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .starts_with("error: rackspace last run: run 2 started "),
        "{}",
        r.stderr
    );
}

#[test]
fn memory_limit_sets_duckdbs_and_refuses_what_is_not_a_size() {
    let w = Workdir::new();
    let data = w.sample_data();
    assert_eq!(w.tally(&["load", data.to_str().unwrap()]).code, 0);
    let setting = "SELECT current_setting('memory_limit') AS limit";
    assert_eq!(w.query(setting), "limit\n2.0 GiB\n", "the default");
    let r = w.tally(&[
        "--memory-limit",
        "300MiB",
        "sql",
        "--format",
        "csv",
        setting,
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "limit\n300.0 MiB\n"));
    let mut cmd = w.command();
    cmd.env("TALLY_MEMORY_LIMIT", "1GiB")
        .args(["sql", "--format", "csv", setting]);
    assert_eq!(run(cmd).stdout, "limit\n1.0 GiB\n");
    for bad in ["abc", "0GB", "12", "-1GiB", "1.5 parsecs"] {
        let r = w.tally(&[&format!("--memory-limit={bad}"), "status"]);
        assert_eq!(r.code, 2, "{bad}: {r:?}");
        assert!(
            r.stderr.starts_with(&format!(
                "error: invalid value '{bad}' for '--memory-limit <SIZE>': expected a size such as 2GiB, 512MiB or 4GB, found '{bad}'\n"
            )),
            "{}",
            r.stderr
        );
    }
    // Refused before anything is opened: a load with a bad limit stores nothing.
    let fresh = Workdir::new();
    let r = fresh.tally(&["--memory-limit=lots", "load", data.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(!fresh.db().exists(), "no database was created");
}
