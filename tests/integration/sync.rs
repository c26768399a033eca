//! `tally sync rackspace` against the sandbox (in this process, on loopback): the
//! result equals the sandbox's ground truth, per invoice, to the cent; a second run
//! downloads nothing; faults and `kill -9` change nothing in the end; bad keys stop
//! with a clear message; secrets go nowhere.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use tally::sandbox::{BackgroundSandbox, FaultSpec, SandboxOptions, WorldOptions};

use crate::common::{Run, SECRET_KEY, USER_KEY, Workdir, run, sandbox};

pub(crate) fn sync_command(w: &Workdir, sandbox: &BackgroundSandbox, extra: &[&str]) -> Command {
    sync_command_at(w, sandbox, "60000", extra)
}

fn sync_command_at(
    w: &Workdir,
    sandbox: &BackgroundSandbox,
    requests_per_minute: &str,
    extra: &[&str],
) -> Command {
    let mut cmd = w.keyed();
    cmd.args(["sync", "rackspace", "--base-url"])
        .arg(sandbox.sandbox().url())
        .args(["--requests-per-minute", requests_per_minute])
        .args(extra);
    cmd
}

pub(crate) fn sync(w: &Workdir, sandbox: &BackgroundSandbox, extra: &[&str]) -> Run {
    run(sync_command(w, sandbox, extra))
}

/// Per invoice: (date, lines stored, Σ stored charge, TotalDue, csv_status).
pub(crate) type Invoices = BTreeMap<String, (String, u64, Decimal, Decimal, String)>;

pub(crate) fn stored(w: &Workdir) -> Invoices {
    let csv = w.query(
        "SELECT i.invoice_id, strftime(i.invoice_date, '%Y-%m-%d'),
                count(l.line_no), coalesce(sum(l.charge), 0), i.total_due, coalesce(i.csv_status, 'pending')
           FROM invoices i LEFT JOIN line_items l USING (invoice_id)
          WHERE i.account_number = '1100000'
          GROUP BY ALL ORDER BY 1",
    );
    csv.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (
                f[0].to_owned(),
                (
                    f[1].to_owned(),
                    f[2].parse().unwrap(),
                    f[3].parse().unwrap(),
                    f[4].parse().unwrap(),
                    f[5].to_owned(),
                ),
            )
        })
        .collect()
}

/// The sandbox's ground truth in the same shape: what a complete sync must store.
pub(crate) fn truth(sandbox: &BackgroundSandbox) -> Invoices {
    let text = sandbox.sandbox().world().ground_truth();
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let served = f[5] == "yes";
            let status = match f[5] {
                "yes" => "loaded",
                "404" => "missing",
                _ => "not_available",
            };
            let sum: Decimal = f[3].parse().unwrap();
            (
                f[0].to_owned(),
                (
                    f[1].to_owned(),
                    f[2].parse().unwrap(),
                    if served { sum } else { Decimal::ZERO },
                    f[4].parse().unwrap(),
                    status.to_owned(),
                ),
            )
        })
        .collect()
}

/// Everything a sync stores, without the times it was stored at.
pub(crate) fn snapshot(w: &Workdir) -> String {
    [
        "SELECT account_number, invoice_id, invoice_date, invoice_type, total_due, is_paid, csv_available,
                csv_status, csv_sha256, line_count FROM invoices ORDER BY ALL",
        "SELECT * FROM line_items ORDER BY invoice_id, line_no",
        "SELECT account_number, name, reference_number, is_reseller, address_line1, city, email
           FROM customers ORDER BY ALL",
        "SELECT * EXCLUDE (synced_at, run_id) FROM contacts ORDER BY ALL",
    ]
    .iter()
    .map(|q| w.query(q))
    .collect::<Vec<_>>()
    .join("\n")
}

#[test]
fn a_full_sync_equals_the_ground_truth_and_a_second_downloads_nothing() {
    let sb = sandbox(SandboxOptions::default());
    let w = Workdir::new();
    let first = sync(&w, &sb, &["--customer-details"]);
    assert_eq!(first.code, 0, "{first:?}");
    let truth = truth(&sb);
    assert_eq!(stored(&w), truth);
    // The documented shape of the world: 48 months from January 2016, CSVs from July
    // 2017 (30 months), one of which 404s.
    let count = |status: &str| truth.values().filter(|t| t.4 == status).count();
    let served = count("loaded");
    assert_eq!(
        (served, count("missing"), count("not_available")),
        (29, 1, 18)
    );
    let stats = sb.sandbox().stats();
    assert_eq!(stats.csv_served as usize, served);
    assert_eq!(stats.throttled, 0);
    // Σ lines = TotalDue for every invoice with lines (the world's own invariant).
    assert_eq!(
        w.query(
            "SELECT count(*) AS off FROM invoices i WHERE csv_status = 'loaded'
               AND total_due <> (SELECT sum(charge) FROM line_items l
                                  WHERE l.invoice_id = i.invoice_id)"
        ),
        "off\n0\n"
    );
    assert!(
        first.stdout.contains(&format!("{served} CSVs downloaded")),
        "{}",
        first.stdout
    );
    let customers = w.query("SELECT count(*) AS n, count(city) AS with_address FROM customers");
    assert_eq!(customers, "n,with_address\n41,41\n");

    let before = snapshot(&w);
    let second = sync(&w, &sb, &[]);
    assert_eq!(second.code, 0, "{second:?}");
    assert_eq!(
        sb.sandbox().stats().csv_served as usize,
        served,
        "no CSV again"
    );
    assert!(
        second.stdout.contains("0 CSVs downloaded"),
        "{}",
        second.stdout
    );
    assert_eq!(snapshot(&w), before);
    assert_eq!(
        w.query("SELECT run_id, outcome, csv_downloaded, csv_missing, failures FROM sync_runs ORDER BY run_id"),
        format!("run_id,outcome,csv_downloaded,csv_missing,failures\n1,ok,{served},1,0\n2,ok,0,0,0\n")
    );
    // --refresh downloads them all again and changes nothing.
    let refresh = sync(&w, &sb, &["--refresh"]);
    assert_eq!(refresh.code, 0, "{refresh:?}");
    assert_eq!(sb.sandbox().stats().csv_served as usize, 2 * served);
    assert_eq!(snapshot(&w), before);
    w.assert_summaries_in_step();
}

#[test]
fn since_limits_the_invoices() {
    let sb = sandbox(SandboxOptions::default());
    let w = Workdir::new();
    let r = sync(&w, &sb, &["--since", "2019-06", "--no-contacts"]);
    assert_eq!(r.code, 0, "{r:?}");
    // The world runs January 2016 to December 2019: June to December 2019 is 7 months.
    assert_eq!(
        w.query("SELECT count(*) AS n, min(invoice_date)::DATE AS first FROM invoices"),
        "n,first\n7,2019-06-07\n"
    );
    assert_eq!(w.query("SELECT count(*) AS n FROM contacts"), "n\n0\n");
    let bad = sync(&w, &sb, &["--since", "June"]);
    assert_eq!(bad.code, 2);
    assert_eq!(
        bad.stderr,
        "error: invalid value 'June' for '--since <YYYY-MM>': expected a month as YYYY-MM, e.g. 2024-01; found \"June\"\n\nFor more information, try '--help'.\n"
    );
}

#[test]
fn heavy_faults_end_in_the_same_result() {
    let clean_sb = sandbox(SandboxOptions::default());
    let clean = Workdir::new();
    assert_eq!(sync(&clean, &clean_sb, &[]).code, 0);

    let faulty_sb = sandbox(SandboxOptions {
        faults: FaultSpec::parse("heavy,slow-ms=1500").unwrap(),
        ..SandboxOptions::default()
    });
    let w = Workdir::new();
    let r = sync(
        &w,
        &faulty_sb,
        &[
            "--timeout",
            "1",
            "--concurrency",
            "8",
            "--retry-delay-ms",
            "20",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let faults = faulty_sb.sandbox().stats().faults;
    for kind in ["500", "throttle", "drop", "truncate", "slow"] {
        assert!(
            faults.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} fault: {faults:?}"
        );
    }
    assert_eq!(snapshot(&w), snapshot(&clean));
    assert_eq!(stored(&w), truth(&faulty_sb));
    let retries: u64 = w
        .query("SELECT retries FROM sync_runs")
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        retries >= faults.values().sum::<u64>(),
        "{retries} retries for {faults:?}"
    );
}

#[test]
fn kill_9_mid_sync_then_rerun_equals_a_clean_run() {
    kill_9_mid_sync_then_rerun_in(WorldOptions::default());
}

/// The same on a world with repeated lines, non-ASCII text and big credits (the
/// large world's mess on 200 sub-accounts over the small world's 48 months):
/// invoices whose lines repeat arrive and are stored together.
#[test]
fn kill_9_mid_sync_of_a_messy_world_then_rerun_equals_a_clean_run() {
    let world = WorldOptions {
        customers: 200,
        months: 48,
        ..WorldOptions::large()
    };
    let repeated = tally::sandbox::World::generate(world)
        .invoices
        .iter()
        .filter(|i| i.csv_served)
        .filter(|i| {
            i.lines.windows(2).any(|p| {
                p[1] == tally::parse::LineItem {
                    line_no: p[1].line_no,
                    ..p[0].clone()
                }
            })
        })
        .count();
    assert!(
        repeated >= 3,
        "{repeated} invoices with a line billed twice"
    );
    kill_9_mid_sync_then_rerun_in(world);
}

fn kill_9_mid_sync_then_rerun_in(world: WorldOptions) {
    let clean_sb = sandbox(SandboxOptions {
        world,
        ..SandboxOptions::default()
    });
    let clean = Workdir::new();
    assert_eq!(sync(&clean, &clean_sb, &[]).code, 0);
    let total = clean_sb.sandbox().stats().csv_served;

    let sb = sandbox(SandboxOptions {
        world,
        latency: Duration::from_millis(25),
        ..SandboxOptions::default()
    });
    let w = Workdir::new();
    for kill_after in [3, 17] {
        let mut child = sync_command(&w, &sb, &["--concurrency", "2"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let base = sb.sandbox().stats().csv_served;
        while sb.sandbox().stats().csv_served < base + kill_after {
            assert!(started.elapsed() < Duration::from_secs(60), "sync too slow");
            assert!(
                child.try_wait().unwrap().is_none(),
                "sync ended before the kill"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert!(
            sb.sandbox().stats().csv_served < total,
            "the kill came too late"
        );
    }
    let r = sync(&w, &sb, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(snapshot(&w), snapshot(&clean));
    w.assert_summaries_in_step();
    assert_eq!(
        w.query("SELECT outcome, count(*) AS n FROM sync_runs GROUP BY ALL ORDER BY ALL"),
        "outcome,n\ninterrupted,2\nok,1\n"
    );
}

#[test]
fn wrong_keys_stop_at_once_with_a_clear_message() {
    let sb = sandbox(SandboxOptions::default());
    let w = Workdir::new();
    let r = run({
        let mut cmd = sync_command(&w, &sb, &[]);
        cmd.env("TALLY_RACKSPACE_SECRET_KEY", "not-the-key");
        cmd
    });
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "error: GET {}/v1/customers/me: HTTP 403: signature rejected: check TALLY_RACKSPACE_USER_KEY/SECRET_KEY and the clock (server said: Authentication failed)\n",
            sb.sandbox().url()
        )
    );
    assert_eq!(sb.sandbox().stats().unauthorized, 1, "not retried");
    assert_eq!(
        w.query("SELECT outcome, requests, failures FROM sync_runs"),
        "outcome,requests,failures\nfailed,1,1\n"
    );

    let none = run({
        let mut cmd = sync_command(&w, &sb, &[]);
        cmd.env_remove("TALLY_RACKSPACE_USER_KEY");
        cmd
    });
    assert_eq!(none.code, 2);
    assert_eq!(
        none.stderr,
        "error: no Rackspace API keys: set TALLY_RACKSPACE_USER_KEY and TALLY_RACKSPACE_SECRET_KEY, or user_key and secret_key under [rackspace] in tally.toml (--config FILE)\n"
    );
}

#[test]
fn an_unreachable_server_is_a_failure_that_says_where() {
    let w = Workdir::new();
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = run({
        let mut cmd = w.keyed();
        cmd.args(["sync", "rackspace", "--base-url"])
            .arg(format!("http://127.0.0.1:{port}"))
            .args(["--retries", "2"]);
        cmd
    });
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.starts_with(&format!(
            "error: GET http://127.0.0.1:{port}/v1/customers/me: could not connect: "
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.ends_with("(gave up after 3 attempts)\n"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("pw@"));
}

#[test]
fn secrets_and_security_answers_go_nowhere() {
    let sb = sandbox(SandboxOptions::default());
    let w = Workdir::new();
    let r = sync(&w, &sb, &["-vv", "--customer-details"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("GET "),
        "-vv traces requests: {}",
        r.stderr
    );
    let answers: Vec<String> = sb
        .sandbox()
        .world()
        .customers
        .iter()
        .flat_map(|c| c.contacts.iter().map(|k| k.security_answer.clone()))
        .chain(["reseller-secret-answer".to_owned()])
        .collect();
    assert!(answers.len() > 10);
    let everything = format!(
        "{}{}{}",
        r.stdout,
        r.stderr,
        w.query("SELECT * FROM contacts")
            + &w.query("SELECT * FROM customers")
            + &w.query("SELECT * FROM sync_runs")
    );
    for secret in answers
        .iter()
        .map(String::as_str)
        .chain([SECRET_KEY, "first pet"])
    {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
    // Nor in the file's bytes.
    let bytes = std::fs::read(w.db()).unwrap();
    let haystack = String::from_utf8_lossy(&bytes);
    for secret in answers.iter().map(String::as_str).chain([SECRET_KEY]) {
        assert!(!haystack.contains(secret), "{secret} in the database file");
    }
    // Bad keys at -vv: the secret is not in the error either.
    let bad = run({
        let mut cmd = sync_command(&w, &sb, &["-vv"]);
        cmd.env("TALLY_RACKSPACE_USER_KEY", "wrong-user");
        cmd
    });
    assert_eq!(bad.code, 1);
    assert!(!format!("{}{}", bad.stdout, bad.stderr).contains(SECRET_KEY));
}

#[test]
fn config_file_profiles() {
    let sb = sandbox(SandboxOptions::default());
    let w = Workdir::new();
    w.write(
        "tally.toml",
        format!(
            "[rackspace]\nuser_key = \"nobody\"\nsecret_key = \"nothing\"\n\n\
             [profiles.main.rackspace]\nuser_key = \"{USER_KEY}\"\nsecret_key = \"{SECRET_KEY}\"\n\
             base_url = \"{}\"\nrequests_per_minute = 60000\naccounts = [\"1100000\"]\n",
            sb.sandbox().url()
        ),
    );
    // No key in the environment: the profile's own.
    let mut cmd = w.command();
    cmd.args(["--profile", "main", "sync", "rackspace", "--no-contacts"]);
    let r = run(cmd);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(stored(&w), truth(&sb));
}

#[test]
fn demo_syncs_the_sandbox_and_shows_the_latest_month() {
    let w = Workdir::new();
    let r = w.tally(&["demo"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("synced Rackspace account 1100000"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("(= TotalDue)"), "{}", r.stdout);
    assert!(r.stdout.contains("Try next:"), "{}", r.stdout);
    // The world ends last month, and its pack is written beside the database.
    let last_month = tally::month::Month::current().previous();
    let page = w.db().with_extension("html");
    assert!(
        r.stdout.contains(&format!(
            "Month pack of {last_month} (open it in a browser, print it to PDF): {}",
            page.display()
        )),
        "{}",
        r.stdout
    );
    let pack = std::fs::read_to_string(page).unwrap();
    assert!(pack.contains(&format!("<h1>Month pack {last_month}</h1>")));
    // Again: the same data, nothing downloaded.
    let again = w.tally(&["demo"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.contains("0 CSVs downloaded"),
        "{}",
        again.stdout
    );
}

#[test]
fn all_customers_asks_for_each_sub_accounts_own_invoices() {
    let sb = sandbox(SandboxOptions::default());
    let w = Workdir::new();
    let r = sync(&w, &sb, &["--all-customers", "--no-contacts"]);
    assert_eq!(r.code, 0, "{r:?}");
    // The sandbox bills everything through the reseller: the sub-accounts' own lists are empty.
    assert_eq!(stored(&w), truth(&sb));
    assert_eq!(
        w.query("SELECT len(string_split(accounts, ',')) AS accounts, invoices FROM sync_runs"),
        format!(
            "accounts,invoices\n41,{}\n",
            sb.sandbox().world().invoices.len()
        )
    );
}

#[test]
fn the_sandbox_command_prints_its_ground_truth_and_refuses_bad_faults() {
    let w = Workdir::new();
    let r = w.tally(&[
        "sandbox",
        "--ground-truth",
        "--seed",
        "3",
        "--as-of",
        "2020-01",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let world = tally::sandbox::World::generate(tally::sandbox::WorldOptions {
        seed: 3,
        ..Default::default()
    });
    assert_eq!(r.stdout, world.ground_truth());
    let bad = w.tally(&["sandbox", "--faults", "500=2"]);
    assert_eq!(bad.code, 2);
    assert_eq!(
        bad.stderr,
        "error: --faults: fault 500: expected a probability from 0 to 1, found \"2\"\n"
    );
    // The large world's ground truth is the large world's; a size it has not is refused.
    let large = w.tally(&[
        "sandbox",
        "--world",
        "large",
        "--ground-truth",
        "--as-of",
        "2018-07",
    ]);
    assert_eq!(large.code, 0, "{large:?}");
    assert_eq!(
        large.stdout,
        tally::sandbox::World::generate(WorldOptions::large()).ground_truth()
    );
    let bad = w.tally(&["sandbox", "--world", "huge"]);
    assert_eq!(bad.code, 2);
    assert_eq!(
        bad.stderr,
        "error: invalid value 'huge' for '--world <SIZE>'\n  [possible values: small, large]\n\nFor more information, try '--help'.\n"
    );
    let bad = w.tally(&["sandbox", "--world", "large", "--months", "0"]);
    assert_eq!(
        (bad.code, bad.stderr.as_str()),
        (
            2,
            "error: --customers must be at least 1 and --months from 1 to 600\n"
        )
    );
}

#[test]
fn lists_longer_than_the_servers_page_cap_arrive_whole() {
    // 130 monthly invoices: the client asks for 250 a page, the sandbox sends 100.
    let sb = sandbox(SandboxOptions {
        world: tally::sandbox::WorldOptions {
            months: 130,
            ..Default::default()
        },
        ..SandboxOptions::default()
    });
    let w = Workdir::new();
    let r = sync(&w, &sb, &["--no-contacts"]);
    assert_eq!(r.code, 0, "{r:?}");
    let stored = stored(&w);
    assert_eq!(stored.len(), 130);
    assert_eq!(stored, truth(&sb));
}

#[test]
fn a_broken_csv_is_refused_whole_and_fetched_again_next_time() {
    let truth_sb = sandbox(SandboxOptions::default());
    let newest = truth_sb
        .sandbox()
        .world()
        .invoices
        .iter()
        .find(|i| i.csv_served)
        .unwrap();
    let (id, lines) = (newest.invoice_id.clone(), newest.lines.len());
    let broken = sandbox(SandboxOptions {
        corrupt_csv: vec![id.clone()],
        ..SandboxOptions::default()
    });
    let w = Workdir::new();
    let r = sync(&w, &broken, &["--no-contacts"]);
    assert_eq!(r.code, 1, "{r:?}");
    let errors: String = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        errors,
        format!(
            "error: invoice 1100000/{id}: {url}/v2/customers/1100000/invoices/{id}: line {line}: expected 13 fields, found 3\n\
             error: 1 item could not be synced; run the same command again to retry it\n",
            url = broken.sandbox().url(),
            line = lines + 2
        )
    );
    // Nothing of it stored; the header waits for the next run.
    assert_eq!(
        w.query(&format!(
            "SELECT coalesce(csv_status, 'pending') AS status, line_count,
                    (SELECT count(*) FROM line_items WHERE invoice_id = '{id}') AS lines
               FROM invoices WHERE invoice_id = '{id}'"
        )),
        "status,line_count,lines\npending,,0\n"
    );
    assert_eq!(
        w.query("SELECT outcome, failures FROM sync_runs"),
        "outcome,failures\nfailed,1\n"
    );
    // The provider fixes its CSV: the next run fetches just that one.
    let r = sync(&w, &truth_sb, &["--no-contacts"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("1 CSVs downloaded"), "{}", r.stdout);
    assert_eq!(stored(&w), truth(&truth_sb));
}

#[test]
fn bad_settings_are_usage_errors_that_say_which() {
    let sb = sandbox(SandboxOptions::default());
    let w = Workdir::new();
    let mut zero = w.keyed();
    zero.args(["sync", "rackspace", "--requests-per-minute", "0"]);
    let r = run(zero);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (2, "error: --requests-per-minute must be at least 1\n")
    );
    for (flags, message) in [
        (
            &["--concurrency", "0"][..],
            "error: --concurrency must be from 1 to 64\n",
        ),
        (
            &["--timeout", "0"][..],
            "error: --timeout must be at least 1 second\n",
        ),
    ] {
        let r = sync(&w, &sb, flags);
        assert_eq!((r.code, r.stderr.as_str()), (2, message), "{flags:?}");
    }
    assert!(!w.db().exists(), "nothing was created");
    w.write("bad.toml", "[rackspace]\nrequests_per_minute = \"fast\"\n");
    let r = sync(&w, &sb, &["--config", "bad.toml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with(
            "error: bad.toml: line 2, column 23, key requests_per_minute: invalid type: string \"…\""
        ),
        "{}",
        r.stderr
    );
}

/// Contacts and downloads overlap, but the progress a person (or a log) reads keeps
/// its order: the customers, the contacts' counter and total, each account's
/// invoices, then the CSVs' counter, whichever finished first, at any rate limit.
#[test]
fn progress_keeps_its_order_while_the_phases_overlap() {
    let sb = sandbox(SandboxOptions::default());
    for rpm in ["60000", "6000"] {
        let w = Workdir::new();
        let r = run(sync_command_at(&w, &sb, rpm, &[]));
        assert_eq!(r.code, 0, "{r:?}");
        let lines: Vec<&str> = r.stderr.lines().collect();
        let position = |prefix: &str, contains: &str| {
            lines
                .iter()
                .position(|l| l.starts_with(prefix) && l.contains(contains))
                .unwrap_or_else(|| {
                    panic!(
                        "no line {prefix:?}..{contains:?} at {rpm}/min:\n{}",
                        r.stderr
                    )
                })
        };
        let order = [
            position("customers: ", " listed"),
            position("contacts: ", "/"),
            position("contacts: ", " stored"),
            position("invoices of ", " CSVs to download"),
            position("invoice CSVs: ", "/"),
        ];
        assert!(
            order.windows(2).all(|p| p[0] < p[1]),
            "{order:?}:\n{}",
            r.stderr
        );
        let to_download: u64 = lines[order[3]]
            .split(", ")
            .nth(1)
            .and_then(|part| part.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        let counted = lines
            .iter()
            .filter(|l| l.starts_with("invoice CSVs: "))
            .count();
        assert_eq!(
            counted, 3,
            "a line at each quarter of {to_download}:\n{}",
            r.stderr
        );
        let stored =
            w.query("SELECT count(*) AS n FROM invoices WHERE csv_status IN ('loaded', 'missing')");
        assert_eq!(stored, format!("n\n{to_download}\n"));
    }
}
