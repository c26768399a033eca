//! A database a team shares: a sync writes in short windows, so readers (a person's
//! report, an analyst's SQL, monitoring's `status --check`, the month pack) get in
//! while it runs, and a long reader only makes the sync wait, never fail.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tally::sandbox::{BackgroundSandbox, SandboxOptions};

use crate::common::{Run, Workdir, run, sandbox};

/// A child process killed when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A sandbox answering every request after `latency`.
fn slow_sandbox(latency: Duration) -> BackgroundSandbox {
    sandbox(SandboxOptions {
        latency,
        ..SandboxOptions::default()
    })
}

/// `tally sync rackspace` against `sb` with contacts and customer details, two
/// requests at a time; `refresh`: every CSV downloaded again.
fn sync_command(w: &Workdir, sb: &BackgroundSandbox, refresh: bool) -> Command {
    let mut cmd = w.keyed();
    cmd.args(["sync", "rackspace", "--base-url"])
        .arg(sb.sandbox().url())
        .args([
            "--requests-per-minute",
            "60000",
            "--concurrency",
            "2",
            "--customer-details",
        ]);
    if refresh {
        cmd.arg("--refresh");
    }
    cmd
}

/// `cmd` with its output dropped (a child the test does not read).
fn quiet(mut cmd: Command) -> Command {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    cmd
}

/// What a sync stores, without the columns that say when or by which run: equal
/// for two databases that hold the same data.
fn synced_tables(w: &Workdir) -> String {
    [
        "SELECT account_number, name, reference_number, is_reseller, deleted_at IS NULL AS listed,
                address_line1, city, country, email
           FROM customers ORDER BY ALL",
        "SELECT account_number, contact_id, name, email, phone, receives_billing
           FROM contacts ORDER BY ALL",
        "SELECT invoice_id, account_number, invoice_date, total_due, is_paid, csv_status, line_count
           FROM invoices ORDER BY ALL",
        "SELECT invoice_id, account_no, product, service_start, charge, count(*) AS n
           FROM line_items GROUP BY ALL ORDER BY ALL",
        "SELECT invoice_id, lines, charge FROM invoice_sums ORDER BY ALL",
    ]
    .iter()
    .map(|sql| w.query(sql))
    .collect::<Vec<_>>()
    .join("\n")
}

/// The readers a team runs, each with `--lock-timeout 5`.
fn readers(w: &Workdir) -> Vec<(&'static str, Command)> {
    let reader = |args: &[&str]| {
        let mut cmd = w.command();
        cmd.args(["--lock-timeout", "5"]).args(args);
        cmd
    };
    let pack = w.path().join("pack.html");
    vec![
        ("report customers", reader(&["report", "customers"])),
        (
            "sql",
            reader(&["sql", "SELECT count(*), sum(charge) FROM line_items"]),
        ),
        ("status --check", reader(&["status", "--check"])),
        ("pack", reader(&["pack", "--out", pack.to_str().unwrap()])),
    ]
}

/// How long each reader takes on its own (the slowest of three runs), with the
/// file free.
fn alone(w: &Workdir) -> Vec<Duration> {
    let mut slowest = vec![Duration::ZERO; readers(w).len()];
    for _ in 0..3 {
        for (i, (name, cmd)) in readers(w).into_iter().enumerate() {
            let started = Instant::now();
            let r = run(cmd);
            assert_eq!(r.code, 0, "{name}: {r:?}");
            slowest[i] = slowest[i].max(started.elapsed());
        }
    }
    slowest
}

#[test]
fn readers_get_in_while_a_sync_runs_and_wait_at_most_a_window() {
    let sb = slow_sandbox(Duration::from_millis(400));
    let w = Workdir::new();
    // The nightly case: a database synced before, synced again (every CSV again).
    let first = run(sync_command(&w, &sb, false));
    assert_eq!(first.code, 0, "{first:?}");
    let baseline = alone(&w);

    let started = Instant::now();
    let mut sync = Child(quiet(sync_command(&w, &sb, true)).spawn().unwrap());
    let waits: Arc<Mutex<Vec<(String, Duration, Run)>>> = Arc::default();
    let mut rounds = 0;
    while sync.0.try_wait().unwrap().is_none() {
        let round = Instant::now();
        let handles: Vec<_> = readers(&w)
            .into_iter()
            .enumerate()
            .map(|(i, (name, cmd))| {
                let waits = Arc::clone(&waits);
                let alone = baseline[i];
                std::thread::spawn(move || {
                    let began = Instant::now();
                    let r = run(cmd);
                    let waited = began.elapsed().saturating_sub(alone);
                    waits.lock().unwrap().push((name.to_owned(), waited, r));
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        rounds += 1;
        std::thread::sleep(Duration::from_secs(1).saturating_sub(round.elapsed()));
    }
    let status = sync.0.wait().unwrap();
    let took = started.elapsed();
    assert!(status.success(), "the sync failed: {status:?}");
    assert!(took >= Duration::from_secs(15), "the sync took {took:?}");
    assert!(rounds >= 10, "{rounds} rounds of readers");

    let waits = waits.lock().unwrap();
    for (name, _, r) in waits.iter() {
        assert_eq!(r.code, 0, "{name} failed during the sync: {r:?}");
    }
    let (name, longest, _) = waits.iter().max_by_key(|(_, d, _)| *d).unwrap();
    eprintln!(
        "sync {took:?}; {} reader runs in {rounds} rounds; longest wait {longest:?} ({name})",
        waits.len()
    );
    assert!(
        *longest <= Duration::from_secs(2),
        "{name} waited {longest:?} for the file"
    );

    // The same two syncs with nobody reading (of the same world, without the
    // latency) store the same tables.
    let fast = sandbox(SandboxOptions::default());
    let quiet = Workdir::new();
    assert_eq!(run(sync_command(&quiet, &fast, false)).code, 0);
    assert_eq!(run(sync_command(&quiet, &fast, true)).code, 0);
    assert_eq!(synced_tables(&w), synced_tables(&quiet));
    w.assert_summaries_in_step();
}

#[test]
fn a_long_reader_makes_the_sync_wait_not_fail() {
    let sb = slow_sandbox(Duration::from_millis(50));
    let w = Workdir::new();
    let first = run(sync_command(&w, &sb, false));
    assert_eq!(first.code, 0, "{first:?}");

    let cmd = sync_command(&w, &sb, true);
    let sync = std::thread::spawn(move || {
        let started = Instant::now();
        (run(cmd), started.elapsed())
    });
    // A person's long export: the file held read-only for 20 s, from 1 s in.
    std::thread::sleep(Duration::from_secs(1));
    let held = Instant::now();
    {
        let _reader = tally::store::Store::open_read_only(&w.db()).unwrap();
        std::thread::sleep(Duration::from_secs(20));
    }
    let held_for = held.elapsed();
    let (r, took) = sync.join().unwrap();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("(up to 600 s; --write-wait)"),
        "the sync did not say it waited: {}",
        r.stderr
    );
    assert!(took > held_for, "the sync took {took:?}");

    let fast = sandbox(SandboxOptions::default());
    let quiet = Workdir::new();
    assert_eq!(run(sync_command(&quiet, &fast, false)).code, 0);
    assert_eq!(run(sync_command(&quiet, &fast, true)).code, 0);
    assert_eq!(synced_tables(&w), synced_tables(&quiet));
}

#[test]
fn a_second_sync_waits_for_the_first_and_status_knows_a_running_one() {
    let sb = slow_sandbox(Duration::from_millis(100));
    let w = Workdir::new();
    let first = run(sync_command(&w, &sb, false));
    assert_eq!(first.code, 0, "{first:?}");

    let sync = Child(quiet(sync_command(&w, &sb, true)).spawn().unwrap());
    let pid = sync.0.id();
    std::thread::sleep(Duration::from_secs(2));
    // Monitoring during the sync: healthy, and it says who syncs.
    let status = w.tally(&[
        "--lock-timeout",
        "5",
        "status",
        "--check",
        "--format",
        "csv",
    ]);
    assert_eq!(status.code, 0, "{status:?}");
    let running = status
        .stdout
        .lines()
        .find(|l| l.starts_with("rackspace last run,"))
        .unwrap();
    assert!(
        running.starts_with("rackspace last run,running,\"run 2 started ")
            && running.contains(&format!("; PID {pid}, last wrote "))
            && running.ends_with(",false"),
        "{running}"
    );
    // A second sync (cron overlapping the last one) gives up after its wait.
    let mut second = sync_command(&w, &sb, false);
    second.args(["--lock-timeout", "1"]);
    let r = run(second);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "waiting for the sync of {db} by PID {pid} to end (up to 1 s; --lock-timeout)\n\
             error: a sync of {db} is already running (PID {pid}); waited 1 s (--lock-timeout)\n",
            db = w.db().display()
        )
    );
    // Killed: its run was interrupted, which `status --check` reports.
    drop(sync);
    let status = w.tally(&["status", "--check", "--format", "csv"]);
    assert_eq!(status.code, 1, "{status:?}");
    let interrupted = status
        .stdout
        .lines()
        .find(|l| l.starts_with("rackspace last run,"))
        .unwrap();
    assert!(
        interrupted.starts_with("rackspace last run,interrupted,")
            && interrupted.contains(", its process is gone; stored so far: ")
            && interrupted.ends_with(",true"),
        "{interrupted}"
    );
    // The next sync takes over and ends ok.
    assert_eq!(run(sync_command(&w, &sb, false)).code, 0);
    let status = w.tally(&["status", "--check"]);
    assert_eq!(status.code, 0, "{status:?}");
}

/// `r` failed because a reader held the file past its wait of 1 s (set by `flag`),
/// and said so last.
fn assert_locked_out(w: &Workdir, r: &Run, flag: &str) {
    assert_eq!(r.code, 1, "{r:?}");
    let last = r.stderr.lines().last().unwrap();
    assert!(
        last.starts_with(&format!(
            "error: database {} is in use by ",
            w.db().display()
        )) && last.ends_with(&format!("; gave up after waiting 1 s ({flag})")),
        "{}",
        r.stderr
    );
}

#[test]
fn a_sync_locked_out_past_its_write_wait_fails_saying_so_and_waits_once() {
    let sb = slow_sandbox(Duration::from_millis(100));
    let w = Workdir::new();
    let first = run(sync_command(&w, &sb, false));
    assert_eq!(first.code, 0, "{first:?}");
    let runs_before = w.query("SELECT count(*) FROM sync_runs");

    let mut cmd = sync_command(&w, &sb, true);
    cmd.args(["--write-wait", "1"]);
    let sync = std::thread::spawn(move || {
        let r = run(cmd);
        (r, Instant::now())
    });
    // A reader holds the file from 1.5 s in, for 6 s: longer than the sync waits.
    std::thread::sleep(Duration::from_millis(1500));
    let released = {
        let _reader = tally::store::Store::open_read_only(&w.db()).unwrap();
        std::thread::sleep(Duration::from_secs(6));
        Instant::now()
    };
    let (r, ended) = sync.join().unwrap();
    assert_locked_out(&w, &r, "--write-wait");
    // It gave up once: it did not wait again to record the run.
    assert!(ended < released, "the sync ended after the reader let go");

    // Its run was begun and not finished: interrupted, its process gone.
    assert_eq!(runs_before, "count_star()\n1\n");
    assert_eq!(
        w.query("SELECT count(*) FROM sync_runs"),
        "count_star()\n2\n"
    );
    let status = w.tally(&["status", "--check", "--format", "csv"]);
    assert_eq!(status.code, 1, "{status:?}");
    assert!(
        status
            .stdout
            .contains("rackspace last run,interrupted,\"run 2 started "),
        "{}",
        status.stdout
    );
    // What it stored is whole.
    w.assert_summaries_in_step();
}

#[test]
fn a_run_left_running_by_an_older_tally_is_interrupted() {
    let w = Workdir::new();
    assert_eq!(
        w.tally(&["load", w.sample_data().to_str().unwrap()]).code,
        0
    );
    {
        let conn = duckdb::Connection::open(w.db()).unwrap();
        conn.execute_batch(
            "INSERT INTO sync_runs (provider, base_url, started_at, outcome)
             VALUES ('rackspace', 'https://api.emailsrvr.com', now()::TIMESTAMP, 'running')",
        )
        .unwrap();
    }
    let status = w.tally(&["status", "--check", "--format", "csv"]);
    assert_eq!(status.code, 1, "{status:?}");
    assert!(
        status
            .stdout
            .contains("rackspace last run,interrupted,run 1 started "),
        "{}",
        status.stdout
    );
}

#[test]
fn a_bad_write_wait_is_a_usage_error_before_anything_runs() {
    let w = Workdir::new();
    let r = run({
        let mut cmd = w.keyed();
        cmd.args(["sync", "--write-wait", "soon", "rackspace"]);
        cmd
    });
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.starts_with(
            "error: invalid value 'soon' for '--write-wait <SECS>': invalid digit found in string\n"
        ),
        "{}",
        r.stderr
    );
    assert!(!w.db().exists());
    assert!(!tally::store::beside(&w.db(), ".sync.lock").exists());
}

/// What a load stores, without when.
fn loaded_tables(w: &Workdir) -> String {
    [
        "SELECT invoice_id, count(*), sum(charge), count(DISTINCT (account_no, charge)),
                min(service_start), max(service_start)
           FROM line_items GROUP BY ALL ORDER BY ALL",
        "SELECT invoice_id, lines, charge FROM invoice_sums ORDER BY ALL",
        "SELECT invoice_id, count(*), sum(lines), sum(charge), sum(seats)
           FROM account_sums GROUP BY ALL ORDER BY ALL",
    ]
    .iter()
    .map(|sql| w.query(sql))
    .collect::<Vec<_>>()
    .join("\n")
}

#[test]
fn readers_get_in_between_a_loads_groups() {
    // The large shape: invoices of 20,000 lines over 2,000 sub-accounts.
    const FILES: usize = 60;
    const LINES: usize = 20_000;
    let w = Workdir::new();
    let csv = crate::common::large_invoices(&w, FILES, LINES);
    // The file exists (an earlier load), as when a team shares it.
    assert_eq!(
        w.tally(&["load", w.sample_data().to_str().unwrap()]).code,
        0
    );
    let count = || {
        let mut cmd = w.command();
        cmd.args([
            "--lock-timeout",
            "5",
            "sql",
            "--format",
            "csv",
            "SELECT count(*) FROM line_items WHERE invoice_id LIKE '90000%'",
        ]);
        cmd
    };

    let alone = (0..3)
        .map(|_| {
            let began = Instant::now();
            assert_eq!(run(count()).code, 0);
            began.elapsed()
        })
        .max()
        .unwrap();

    let started = Instant::now();
    let mut load = Child(
        quiet({
            let mut cmd = w.command();
            cmd.arg("load").arg(&csv);
            cmd
        })
        .spawn()
        .unwrap(),
    );
    let mut seen = Vec::new();
    while load.0.try_wait().unwrap().is_none() {
        let began = Instant::now();
        let r = run(count());
        seen.push((began.elapsed().saturating_sub(alone), r));
        std::thread::sleep(Duration::from_millis(200));
    }
    let status = load.0.wait().unwrap();
    let took = started.elapsed();
    assert!(status.success(), "the load failed: {status:?}");

    for (_, r) in &seen {
        assert_eq!(r.code, 0, "a reader failed during the load: {r:?}");
    }
    let counts: Vec<usize> = seen
        .iter()
        .map(|(_, r)| r.stdout.lines().nth(1).unwrap().parse().unwrap())
        .collect();
    let longest = seen.iter().map(|(d, _)| *d).max().unwrap();
    let times: Vec<_> = seen.iter().map(|(d, _)| d.as_millis()).collect();
    eprintln!(
        "load {took:?}; {} readers saw {counts:?} lines, waiting {times:?} ms",
        seen.len()
    );
    // Readers got in while the load ran, between its groups, and saw whole ones.
    assert!(
        counts.iter().any(|&n| n > 0 && n < FILES * LINES),
        "no reader got in mid-load: {counts:?}"
    );
    assert!(
        counts.iter().all(|n| n % LINES == 0),
        "a reader saw part of an invoice: {counts:?}"
    );
    // A reader waits for the group commits under way (~1 s each, measured alone)
    // and the closing of the file, or for the load's last commit and checkpoint.
    assert!(
        longest <= Duration::from_secs(3),
        "a reader waited {longest:?}"
    );

    // The same as a load with nobody reading.
    let alone = Workdir::new();
    let alone_csv = crate::common::large_invoices(&alone, FILES, LINES);
    assert_eq!(
        alone
            .tally(&["load", alone.sample_data().to_str().unwrap()])
            .code,
        0
    );
    assert_eq!(alone.tally(&["load", alone_csv.to_str().unwrap()]).code, 0);
    assert_eq!(loaded_tables(&w), loaded_tables(&alone));
    w.assert_summaries_in_step();
}

#[test]
fn a_load_locked_out_by_a_reader_fails_saying_so_and_keeps_what_it_stored() {
    let w = Workdir::new();
    let csv = crate::common::large_invoices(&w, 12, 60_000);
    let mut child = w
        .command()
        .args(["-v", "--lock-timeout", "1", "load"])
        .arg(&csv)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The load's stderr, read as it comes: the reader comes once the first group of
    // invoices is stored (`-v` names each), so the load is under way with files to go.
    let (stored_one, first_stored) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let reading = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if line.contains(": invoice ") {
                let _ = stored_one.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    first_stored
        .recv_timeout(Duration::from_secs(60))
        .expect("the load stored nothing");
    // A reader that waits its turn, then holds the file for 6 s: longer than the
    // load waits to have it back.
    let notify = |_: &str| {};
    let wait = tally::store::LockWait {
        timeout: Duration::from_secs(30),
        flag: "--lock-timeout",
        notify: &notify,
    };
    let reader =
        tally::store::Store::open_with(&w.db(), tally::store::Access::ReadOnly, Some(&wait))
            .unwrap();
    std::thread::sleep(Duration::from_secs(6));
    drop(reader);
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    let code = child.wait().unwrap().code().unwrap();
    let r = Run {
        code,
        stdout,
        stderr: reading.join().unwrap(),
    };
    assert_locked_out(&w, &r, "--lock-timeout");
    // What it stored before is whole, and listed.
    let stored: usize = r
        .stdout
        .lines()
        .last()
        .unwrap()
        .strip_prefix("loaded ")
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(stored < 12, "{}", r.stdout);
    assert_eq!(
        w.query("SELECT count(*) FROM invoices"),
        format!("count_star()\n{stored}\n")
    );
    w.assert_summaries_in_step();
    // Run again, it completes.
    assert_eq!(w.tally(&["load", csv.to_str().unwrap()]).code, 0);
    assert_eq!(
        w.query("SELECT count(*) FROM line_items"),
        "count_star()\n720000\n"
    );
}
