//! The trust issue, end to end with the real binary: one invoice in one place,
//! keys only to their host, `tally sql` changes nothing, exports mirror the
//! database, the demo keeps to its own file, odd values never break a report,
//! bad input gets a clear error, a busy database is waited for.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tally::sandbox::world::line_items_csv;
use tally::sandbox::{BackgroundSandbox, SandboxOptions};

use crate::common::{HEADER, Run, SECRET_KEY, Workdir, csv, row, run};

fn sandbox() -> BackgroundSandbox {
    crate::common::sandbox(SandboxOptions::default())
}

/// `tally --db W/tally.duckdb ARGS` with both providers' test keys.
fn with_keys(w: &Workdir, args: &[&str]) -> Run {
    let mut cmd = w.keyed();
    cmd.args(args);
    run(cmd)
}

fn sync_rackspace(w: &Workdir, sb: &BackgroundSandbox, extra: &[&str]) -> Run {
    let url = sb.sandbox().url();
    let mut args = vec![
        "-q",
        "sync",
        "rackspace",
        "--base-url",
        &url,
        "--requests-per-minute",
        "60000",
        "--no-contacts",
    ];
    args.extend_from_slice(extra);
    with_keys(w, &args)
}

// ---- 1. An invoice exists once, whatever path brought it in ----

#[test]
fn me_then_the_number_then_a_file_is_still_one_invoice() {
    let sb = sandbox();
    let w = Workdir::new();
    let r = sync_rackspace(&w, &sb, &["--account", "ME"]);
    assert_eq!(r.code, 0, "{r:?}");
    let once = w.query("SELECT count(*) AS n, sum(line_count) AS lines FROM invoices");
    let r = sync_rackspace(&w, &sb, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("0 CSVs downloaded"), "{}", r.stdout);
    assert_eq!(
        w.query("SELECT count(*) AS n, sum(line_count) AS lines FROM invoices"),
        once
    );
    assert_eq!(
        w.query("SELECT DISTINCT account_number FROM invoices"),
        "account_number\n1100000\n"
    );

    // The newest invoice's CSV, as a local file: it replaces the lines, the
    // header and the owner stay.
    let world = sb.sandbox().world();
    let newest = world
        .invoices
        .iter()
        .filter(|i| i.csv_served)
        .max_by_key(|i| i.invoice_date)
        .unwrap();
    let file = w.write(
        &format!("{}.csv", newest.invoice_id),
        line_items_csv(&newest.lines),
    );
    let r = w.tally(&["load", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        w.query("SELECT count(*) AS n, sum(line_count) AS lines FROM invoices"),
        once
    );
    assert_eq!(
        w.query(&format!(
            "SELECT account_number, total_due IS NOT NULL AS header, csv_origin FROM invoices WHERE invoice_id = '{}'",
            newest.invoice_id
        )),
        "account_number,header,csv_origin\n1100000,true,file\n"
    );
    // Under another owner: refused, naming both; nothing changed.
    let r = w.tally(&["load", "--account", "2200000", file.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "error: {}: invoice {} belongs to account 1100000, not 2200000: refused (load it with --account 1100000, or without --account)\n",
            file.display(),
            newest.invoice_id
        )
    );
    // Reports count the money once: Σ lines per month equals the ground truth.
    let months = w.query_report(&["months", "--format", "csv"]);
    assert!(!months.is_empty());
    let r = w.tally(&["report", "reconcile", "--month", "all", "--format", "csv"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stdout.contains("duplicate_invoice"), "{}", r.stdout);
    // Synced, synced again, then a file over a synced invoice: the summaries the
    // reports read are those of the lines stored.
    w.assert_summaries_in_step();
}

#[test]
fn a_sync_adopts_a_loaded_invoice_and_downloads_it_once() {
    let sb = sandbox();
    let w = Workdir::new();
    let world = sb.sandbox().world();
    let with_csv: Vec<_> = world.invoices.iter().filter(|i| i.csv_served).collect();
    let first = with_csv[0];
    let file = w.write(
        &format!("{}.csv", first.invoice_id),
        line_items_csv(&first.lines),
    );
    assert_eq!(w.tally(&["load", file.to_str().unwrap()]).code, 0);
    assert_eq!(
        w.query("SELECT coalesce(account_number, 'unknown') AS owner, csv_origin FROM invoices"),
        "owner,csv_origin\nunknown,file\n"
    );
    let r = sync_rackspace(&w, &sb, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains(&format!("{} CSVs downloaded", with_csv.len())),
        "{}",
        r.stdout
    );
    assert_eq!(
        w.query(&format!(
            "SELECT account_number, csv_origin, run_id IS NOT NULL AS from_a_run FROM invoices WHERE invoice_id = '{}'",
            first.invoice_id
        )),
        "account_number,csv_origin,from_a_run\n1100000,provider,true\n"
    );
    assert_eq!(
        w.query("SELECT count(*) - count(DISTINCT invoice_id) AS doubled FROM invoices"),
        "doubled\n0\n"
    );
    let again = sync_rackspace(&w, &sb, &[]);
    assert!(
        again.stdout.contains("0 CSVs downloaded"),
        "{}",
        again.stdout
    );
    w.assert_summaries_in_step();
}

#[test]
fn all_customers_lists_an_id_once() {
    let sb = sandbox();
    let w = Workdir::new();
    let r = sync_rackspace(&w, &sb, &["--all-customers", "--account", "me"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        w.query("SELECT count(*) - count(DISTINCT invoice_id) AS doubled, count(DISTINCT account_number) AS owners FROM invoices"),
        "doubled,owners\n0,1\n"
    );
}

#[test]
fn the_same_file_under_two_ids_is_a_duplicate_invoice() {
    let w = Workdir::new();
    let lines = [
        row("1371592", "Hosted Exchange", "10.00"),
        row("1386010", "Archiving", "3.50"),
    ];
    let text = csv(&lines);
    w.write("a/5001.csv", &text);
    w.write("b/5002.csv", text.replace('\n', "\r\n"));
    // Same lines, another order: still the same set.
    w.write("c/5003.csv", csv(&[lines[1].clone(), lines[0].clone()]));
    // One cent apart: not a duplicate.
    w.write(
        "d/5004.csv",
        csv(&[lines[0].clone(), row("1386010", "Archiving", "3.51")]),
    );
    for dir in ["a", "b", "c", "d"] {
        assert_eq!(w.tally(&["load", dir]).code, 0);
    }
    let r = w.tally(&["report", "reconcile", "--month", "all", "--format", "csv"]);
    assert_eq!(r.code, 1, "{r:?}");
    let found: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("duplicate_invoice"))
        .collect();
    assert_eq!(
        found,
        [
            "error,duplicate_invoice,2017-12,5002,,,same 2 line(s) as invoice 5001",
            "error,duplicate_invoice,2017-12,5003,,,same 2 line(s) as invoice 5001",
            "error,duplicate_invoice,2017-12,5003,,,same 2 line(s) as invoice 5002",
        ]
    );
}

// ---- 2. Keys never leave the host they were given for ----

/// A one-shot HTTP server on `ip`: answers every request with `response` and
/// counts the requests (and remembers whether any carried a key header).
struct Mock {
    url: String,
    hits: Arc<AtomicUsize>,
    saw_key: Arc<AtomicUsize>,
}

fn mock(ip: &str, response: impl Fn(u16) -> String + Send + 'static) -> Mock {
    let listener = TcpListener::bind((ip, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (hits, saw_key) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (h, k) = (Arc::clone(&hits), Arc::clone(&saw_key));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = vec![0u8; 16 * 1024];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
            h.fetch_add(1, Ordering::SeqCst);
            if request.contains("x-api-signature") || request.contains("authorization") {
                k.fetch_add(1, Ordering::SeqCst);
            }
            let _ = stream.write_all(response(port).as_bytes());
        }
    });
    Mock {
        url: format!("http://{ip}:{port}"),
        hits,
        saw_key,
    }
}

fn http(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn a_redirect_is_refused_and_the_key_stays_home() {
    let thief = mock("127.0.0.2", |_| http("200 OK", "", "{}"));
    let location = format!("{}/steal", thief.url);
    let server = mock("127.0.0.1", move |_| {
        http("302 Found", &format!("Location: {location}\r\n"), "")
    });
    let w = Workdir::new();
    let r = with_keys(
        &w,
        &[
            "sync",
            "rackspace",
            "--base-url",
            &server.url,
            "--retries",
            "0",
        ],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "HTTP 302: the server redirects to {}/steal; refused (tally sends its keys only to the configured base URL)",
            thief.url
        )),
        "{}",
        r.stderr
    );
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
    assert_eq!(
        thief.hits.load(Ordering::SeqCst),
        0,
        "no request to the other host"
    );
    assert!(!r.stderr.contains(SECRET_KEY) && !r.stdout.contains(SECRET_KEY));
}

#[test]
fn a_mailroute_next_link_to_another_host_is_not_followed() {
    let thief = mock("127.0.0.2", |_| {
        http(
            "200 OK",
            "",
            r#"{"meta":{"next":null,"total_count":1},"objects":[]}"#,
        )
    });
    let foreign = format!("{}/api/v1/reseller/?offset=1", thief.url);
    let server = mock("127.0.0.1", move |_| {
        http(
            "200 OK",
            "",
            &format!(
                r#"{{"meta":{{"limit":1,"offset":0,"total_count":2,"next":"{foreign}"}},"objects":[{{"id":1,"name":"R","resource_uri":"/api/v1/reseller/1/"}}]}}"#
            ),
        )
    });
    let w = Workdir::new();
    let base = format!("{}/api/v1/", server.url);
    let r = with_keys(
        &w,
        &["sync", "mailroute", "--base-url", &base, "--retries", "0"],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "the server's next link points to {}/api/v1/reseller/?offset=1, not the configured base URL's host; not followed (keys go only to that host)",
            thief.url
        )),
        "{}",
        r.stderr
    );
    assert_eq!(thief.hits.load(Ordering::SeqCst), 0);
    assert_eq!(thief.saw_key.load(Ordering::SeqCst), 0);
    assert!(server.saw_key.load(Ordering::SeqCst) > 0);
}

#[test]
fn base_urls_in_clear_text_or_with_credentials_are_usage_errors() {
    let w = Workdir::new();
    let r = with_keys(
        &w,
        &[
            "sync",
            "rackspace",
            "--base-url",
            "http://api.emailsrvr.com",
        ],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: --base-url: http://api.emailsrvr.com: plain http:// is allowed only to a loopback address (the sandbox); use https:// so that keys never travel in clear text\n"
    );
    let r = with_keys(
        &w,
        &[
            "sync",
            "mailroute",
            "--base-url",
            "https://me:pa55word@admin.mailroute.net/api/v1/",
        ],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: --base-url: https://admin.mailroute.net/api/v1/: a base URL must not carry a user name or password (user:password@); keys come from the environment or tally.toml\n"
    );
    let r = with_keys(&w, &["sync", "rackspace", "--base-url", "not a url"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: --base-url: expected an http(s) URL such as https://api.emailsrvr.com; found \"not a url\"\n"
    );
    assert!(!w.db().exists(), "nothing ran");
}

#[cfg(unix)]
#[test]
fn a_config_file_others_can_read_is_warned_about_and_bad_toml_hides_values() {
    use std::os::unix::fs::PermissionsExt;
    let w = Workdir::new();
    let config = w.write(
        "tally.toml",
        "[rackspace]\nuser_key = \"u\"\nsecret_key = \"t0p-s3cret\"\nbase_url = \"http://10.1.2.3\"\n",
    );
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = w.tally(&["sync", "rackspace"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "warning: tally.toml holds a secret key and can be read by other users (mode 644); run `chmod 600 tally.toml`\n\
             error: tally.toml: base_url: http://10.1.2.3: plain http:// is allowed only to a loopback address (the sandbox); use https:// so that keys never travel in clear text\n"
        )
    );
    w.write("tally.toml", "[rackspace]\nsecret_key = t0p-s3cret\n");
    let r = w.tally(&["sync", "rackspace"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .starts_with("error: tally.toml: line 2, column 14, key secret_key: "),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("t0p-s3cret"), "{}", r.stderr);
}

// ---- 3. `tally sql` and reports cannot change anything ----

#[test]
fn tally_sql_cannot_write_any_file() {
    let w = Workdir::new();
    let data = w.sample_data();
    assert_eq!(w.tally(&["load", data.to_str().unwrap()]).code, 0);
    let before = w.query("SELECT count(*) AS n, sum(charge) AS s FROM line_items");
    let db = w.db();
    for sql in [
        format!("COPY (SELECT 1) TO '{}' (FORMAT csv)", db.display()),
        format!("COPY line_items TO '{}/leak.csv'", w.path().display()),
        format!("EXPORT DATABASE '{}/dump'", w.path().display()),
        format!("ATTACH '{}/other.duckdb' AS o", w.path().display()),
        "INSTALL httpfs".to_owned(),
        "SET threads = 1".to_owned(),
        "SELECT * FROM read_csv('/etc/passwd')".to_owned(),
    ] {
        let r = w.tally(&["sql", &sql]);
        assert_eq!(r.code, 1, "{sql}: {r:?}");
        assert!(
            r.stderr.starts_with("error: tally sql reads only the database: no files, other databases, extensions or settings; nothing was changed ("),
            "{sql}: {}",
            r.stderr
        );
    }
    assert!(!w.path().join("leak.csv").exists());
    assert!(!w.path().join("dump").exists());
    assert!(!w.path().join("other.duckdb").exists());
    assert_eq!(
        w.query("SELECT count(*) AS n, sum(charge) AS s FROM line_items"),
        before
    );
}

#[test]
fn report_and_export_refuse_to_write_over_the_database() {
    let w = Workdir::new();
    let data = w.sample_data();
    assert_eq!(w.tally(&["load", data.to_str().unwrap()]).code, 0);
    let db = w.db();
    let wal = format!("{}.wal", db.display());
    let r = w.tally(&[
        "report",
        "customers",
        "--format",
        "csv",
        "--out",
        db.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "error: --out {} is the database file; refused (choose another path)\n",
            db.display()
        )
    );
    let r = w.tally(&["report", "customers", "--format", "csv", "--out", &wal]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("is the database file's write-ahead log; refused"),
        "{}",
        r.stderr
    );
    // A database that sits where an export file would go.
    let odd = w.path().join("exp/invoices/data.csv");
    std::fs::create_dir_all(odd.parent().unwrap()).unwrap();
    std::fs::copy(&db, &odd).unwrap();
    let mut cmd = w.bare_command();
    cmd.args([
        "--db",
        odd.to_str().unwrap(),
        "export",
        "--out",
        "exp",
        "--tables",
        "invoices",
    ]);
    let r = run(cmd);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("is the database file; refused"),
        "{}",
        r.stderr
    );
    assert_eq!(w.query("SELECT count(*) AS n FROM invoices"), "n\n4\n");
}

// ---- 4. Exports mirror the database ----

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_re_export_removes_what_moved_and_keeps_what_it_did_not_write() {
    let w = Workdir::new();
    // One undated invoice: its billing month is that of its latest service start.
    w.write(
        "in/9001.csv",
        csv(&[row("1371592", "Hosted Exchange", "10.00")]),
    );
    assert_eq!(w.tally(&["load", "in"]).code, 0);
    let export = |extra: &[&str]| {
        let mut args = vec!["export", "--out", "exp", "--tables", "line_items,invoices"];
        args.extend_from_slice(extra);
        let r = w.tally(&args);
        assert_eq!(r.code, 0, "{r:?}");
        r
    };
    export(&["--partition", "month"]);
    // Files tally did not write stay, whatever happens.
    w.write("exp/line_items/month=2017-12/notes.txt", "mine");
    w.write("exp/README.md", "mine too");
    assert_eq!(
        files_under(&w.path().join("exp")),
        [
            ".tally-manifest.json",
            "README.md",
            "invoices/month=2017-12/data.csv",
            "line_items/month=2017-12/data.csv",
            "line_items/month=2017-12/notes.txt",
        ]
    );
    // The invoice's rows move to January 2018.
    w.write(
        "in/9001.csv",
        csv(&[row("1371592", "Hosted Exchange", "10.00")
            .replace("12/1/2017", "1/1/2018")
            .replace("12/31/2017", "1/31/2018")]),
    );
    assert_eq!(w.tally(&["load", "in"]).code, 0);
    let r = export(&["--partition", "month"]);
    assert!(
        r.stdout.contains("removed 2 files an earlier export wrote"),
        "{}",
        r.stdout
    );
    assert_eq!(
        files_under(&w.path().join("exp")),
        [
            ".tally-manifest.json",
            "README.md",
            "invoices/month=2018-01/data.csv",
            "line_items/month=2017-12/notes.txt",
            "line_items/month=2018-01/data.csv",
        ]
    );
    // Partitioned → not: the partitions go; Parquet beside CSV: the CSV stays.
    export(&[]);
    export(&["--format", "parquet", "--partition", "month"]);
    assert_eq!(
        files_under(&w.path().join("exp")),
        [
            ".tally-manifest.json",
            "README.md",
            "invoices/data.csv",
            "invoices/month=2018-01/data.parquet",
            "line_items/data.csv",
            "line_items/month=2017-12/notes.txt",
            "line_items/month=2018-01/data.parquet",
        ]
    );
}

#[test]
fn with_since_earlier_months_stay() {
    let w = Workdir::new();
    w.write("in/1.csv", csv(&[row("1", "P", "1.00")]));
    w.write(
        "in/2.csv",
        csv(&[row("2", "P", "2.00")
            .replace("12/1/2017", "1/1/2018")
            .replace("12/31/2017", "1/31/2018")]),
    );
    assert_eq!(w.tally(&["load", "in"]).code, 0);
    let r = w.tally(&[
        "export",
        "--out",
        "exp",
        "--tables",
        "line_items",
        "--partition",
        "month",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    // January's invoice goes away; a monthly job exports from January on.
    std::fs::remove_file(w.path().join("in/2.csv")).unwrap();
    w.write("in2/2.csv", csv(&[row("2", "P", "2.00")]));
    assert_eq!(w.tally(&["load", "in2"]).code, 0);
    let r = w.tally(&[
        "export",
        "--out",
        "exp",
        "--tables",
        "line_items",
        "--partition",
        "month",
        "--since",
        "2018-01",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        files_under(&w.path().join("exp")),
        [".tally-manifest.json", "line_items/month=2017-12/data.csv"]
    );
}

// ---- 5. The demo never touches real data ----

#[test]
fn the_demo_uses_its_own_file_and_refuses_real_data() {
    let w = Workdir::new();
    let mut cmd = w.bare_command();
    cmd.args(["-q", "demo"]);
    let r = run(cmd);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(w.path().join("tally-demo.duckdb").exists());
    assert!(!w.path().join("tally.duckdb").exists());
    let demo = w.path().join("tally-demo.duckdb");
    let mut q = w.bare_command();
    q.args([
        "--db",
        demo.to_str().unwrap(),
        "sql",
        "--format",
        "csv",
        "SELECT provider, is_sandbox, base_url LIKE 'http://127.0.0.1:%' AS loopback FROM sync_runs ORDER BY run_id;
         ",
    ]);
    let r = run(q);
    assert_eq!(
        r.stdout, "provider,is_sandbox,loopback\nrackspace,true,true\nmailroute,true,true\n",
        "{r:?}"
    );

    // A database with a loaded file is real data.
    let data = w.sample_data();
    assert_eq!(w.tally(&["load", data.to_str().unwrap()]).code, 0);
    let before = w.query("SELECT count(*) AS n FROM invoices");
    let r = w.tally(&["demo"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "error: {} holds real data (4 invoices loaded from files); the demo writes sandbox data only into a database of its own: run `tally demo` without --db (it uses tally-demo.duckdb), or name a new file with --db\n",
            w.db().display()
        )
    );
    assert_eq!(w.query("SELECT count(*) AS n FROM invoices"), before);
}

#[test]
fn every_synced_row_names_its_run() {
    let sb = sandbox();
    let w = Workdir::new();
    assert_eq!(sync_rackspace(&w, &sb, &[]).code, 0);
    assert_eq!(
        w.query(
            "SELECT (SELECT count(*) FROM invoices WHERE run_id IS NULL) AS invoices,
                    (SELECT count(*) FROM customers WHERE run_id IS NULL) AS customers,
                    (SELECT count(*) FROM sync_runs WHERE NOT is_sandbox) AS real_runs"
        ),
        "invoices,customers,real_runs\n0,0,0\n"
    );
}

// ---- 6. One odd stored value never breaks a report ----

/// A line: usage change, months, rate and charge as given (all else fixed).
fn line(usage: &str, months: &str, rate: &str, charge: &str) -> String {
    format!(
        "1371592,\"\",\"d.com\",\"Hosted Exchange\",Upgrade,12/1/2017 12:00:00 AM,12/31/2017 11:59:59 PM,1,1,{usage},{months},{rate},{charge}"
    )
}

#[test]
fn months_of_10000_and_the_parsers_limits_are_flagged_not_fatal() {
    let w = Workdir::new();
    let max = "99999999999999.9999";
    w.write(
        "in/7001.csv",
        csv(&[
            line("1", "10000", "1", "10000"),
            line(max, max, max, max),
            line("-99999999999999.9999", "0.0001", max, "-0.01"),
        ]),
    );
    assert_eq!(w.tally(&["load", "in"]).code, 0);
    for name in ["customers", "products", "prorations", "coverage", "months"] {
        let r = w.tally(&["report", name, "--month", "all", "--format", "csv"]);
        assert_eq!(r.code, 0, "{name}: {r:?}");
    }
    let r = w.tally(&[
        "report",
        "reconcile",
        "--month",
        "all",
        "--format",
        "csv",
        "--threshold",
        "1000000",
    ]);
    assert_eq!(r.code, 1, "{r:?}");
    let implausible: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("implausible_value"))
        .collect();
    assert!(
        implausible.contains(
            &"warning,implausible_value,2017-12,7001,1371592,1,months 10000 is outside the plausible range (|months| <= 120)"
        ),
        "{}",
        r.stdout
    );
    assert!(
        implausible
            .iter()
            .any(|l| l.contains(",2,charge 99999999999999.9999 is outside")),
        "{}",
        r.stdout
    );
    // Line 1 is arithmetically right (1 × 1 × 10000); line 2 cannot be computed,
    // line 3 is -99999999999999.9999 × 99999999999999.9999 × 0.0001: neither errs.
    assert!(!r.stdout.contains("line_arithmetic"), "{}", r.stdout);
    let r = w.tally(&["export", "--out", "exp"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = w.tally(&["report", "reconcile", "--threshold", "10000000"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains(
            "invalid value '10000000' for '--threshold <PERCENT>': 10000000 is not in 0..=1000000"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn the_arithmetic_uses_the_months_as_stored() {
    let w = Workdir::new();
    w.write(
        "in/7002.csv",
        csv(&[
            // 2 × 7 × 0.815 = 11.41 (narrowed to 0.82 it would be 11.48).
            line("2", "0.815", "7", "11.41"),
            // 3 × 5.5 × 0.8155 = 13.45575 → 13.46.
            line("3", "0.8155", "5.5", "13.46"),
            // The narrowed-months answer is wrong here.
            line("2", "0.815", "7", "11.48"),
        ]),
    );
    assert_eq!(w.tally(&["load", "in"]).code, 0);
    let r = w.tally(&["report", "reconcile", "--month", "all", "--format", "csv"]);
    let arithmetic: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("line_arithmetic"))
        .collect();
    assert_eq!(
        arithmetic,
        ["error,line_arithmetic,2017-12,7002,1371592,3,charge 11.48 <> 2 x 7 x 0.815 = 11.41"]
    );
}

// ---- 8. Bad input gets a clear error, not a hang or a panic ----

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_is_refused_at_once() {
    let w = Workdir::new();
    let fifo = w.path().join("pipe.csv");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    let r = w.tally(&["load", fifo.to_str().unwrap(), "/dev/zero"]);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "error: {}: not a regular file (a FIFO, a device or a socket); refused\n\
             error: /dev/zero: not a regular file (a FIFO, a device or a socket); refused\n",
            fifo.display()
        )
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_with_the_limit() {
    let w = Workdir::new();
    let mut text = format!("{HEADER}\n");
    while text.len() < 1_100_000 {
        text.push_str(&row("1371592", "Hosted Exchange", "1.00"));
        text.push('\n');
    }
    let big = w.write("big/8001.csv", &text);
    let r = w.tally(&["load", "--max-file-size", "1", "big"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: big/8001.csv: larger than the limit of 1 MiB (--max-file-size); refused\n"
    );
    assert!(big.exists());
    assert_eq!(w.query("SELECT count(*) AS n FROM invoices"), "n\n0\n");
    assert_eq!(w.tally(&["load", "big"]).code, 0);
}

#[test]
fn accounts_and_invoice_ids_are_checked_before_anything_runs() {
    let w = Workdir::new();
    let f = w.write("x.csv", csv(&[row("1", "P", "1.00")]));
    let file = f.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["load", "--account", "local", file],
            "error: --account: expected an account number (digits only, e.g. 1100000); found \"local\"\n",
        ),
        (
            &["load", "--invoice-id", "../etc", file],
            "error: --invoice-id: invoice id \"../etc\" holds a path separator or a control character; give one with --invoice-id\n",
        ),
        (
            &["load", "--invoice-id", " ", file],
            "error: --invoice-id: an invoice id must not be empty\n",
        ),
        (
            &["load", "--invoice-id", &"7".repeat(65), file],
            "error: --invoice-id: invoice id \"77777777777777777777…\" is longer than 64 characters\n",
        ),
        (
            &["sync", "rackspace", "--account", "1100000; rm"],
            "error: --account: expected an account number (digits only, e.g. 1100000); found \"1100000; rm\", or `me`\n",
        ),
    ];
    for (args, expected) in cases {
        let r = with_keys(&w, args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert_eq!(r.stderr, expected, "{args:?}");
    }
    assert!(!w.db().exists(), "nothing ran");
    // A file name that is no invoice id.
    w.write("ids/bad\u{1b}[2J.csv", csv(&[row("1", "P", "1.00")]));
    let r = w.tally(&["load", "ids"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("holds a path separator or a control character"),
        "{}",
        r.stderr
    );
}

#[test]
fn hostile_text_is_escaped_on_the_terminal_and_neutralised_in_csv() {
    let w = Workdir::new();
    w.write(
        "in/6001.csv",
        format!(
            "{HEADER}\n1371592,\"\",\"evil\u{1b}]0;pwned\u{7}.com\",\"=HYPERLINK(\"\"http://x\"\")\",Renewal,12/1/2017 12:00:00 AM,12/31/2017 11:59:59 PM,1,1,1,1,-12.50,-12.50\n"
        ),
    );
    assert_eq!(w.tally(&["load", "in"]).code, 0);
    let r = w.tally(&["sql", "SELECT domain FROM line_items"]);
    assert_eq!(
        r.stdout,
        "domain\n------------------------\nevil\\x1b]0;pwned\\x07.com\n(1 row)\n"
    );
    let people = w.query_report(&["products", "--format", "csv"]);
    assert!(people.contains("'=HYPERLINK(\"\"http://x\"\")"), "{people}");
    assert!(people.contains(",-12.5000,"), "{people}");
    let raw = w.query_report(&["products", "--format", "csv", "--raw"]);
    assert!(raw.contains("\"=HYPERLINK(\"\"http://x\"\")\""), "{raw}");
    let machine = w.query("SELECT product FROM line_items");
    assert_eq!(machine, "product\n\"=HYPERLINK(\"\"http://x\"\")\"\n");
    assert_eq!(
        w.tally(&["export", "--out", "e", "--tables", "line_items"])
            .code,
        0
    );
    let exported = std::fs::read_to_string(w.path().join("e/line_items/data.csv")).unwrap();
    assert!(exported.contains("'=HYPERLINK"), "{exported}");
    assert!(exported.contains("-12.5"), "{exported}");
    assert_eq!(
        w.tally(&["export", "--out", "raw", "--tables", "line_items", "--raw"])
            .code,
        0
    );
    let raw = std::fs::read_to_string(w.path().join("raw/line_items/data.csv")).unwrap();
    assert!(!raw.contains("'=HYPERLINK"), "{raw}");
}

// ---- 9. A busy database is waited for ----

#[test]
fn a_busy_database_is_waited_for_then_given_up_on() {
    let w = Workdir::new();
    let data = w.sample_data();
    assert_eq!(w.tally(&["load", data.to_str().unwrap()]).code, 0);
    // This process holds the file, as the duckdb CLI would.
    let holder = duckdb::Connection::open(w.db()).unwrap();
    let started = Instant::now();
    let r = w.tally(&["--lock-timeout", "1", "load", data.to_str().unwrap()]);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(r.code, 1, "{r:?}");
    let pid = std::process::id();
    assert!(
        r.stderr.contains(&format!("(PID {pid})"))
            && r.stderr.starts_with(&format!(
                "waiting for {}: it is in use by ",
                w.db().display()
            )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .ends_with("; gave up after waiting 1 s (--lock-timeout)\n"),
        "{}",
        r.stderr
    );
    let r = w.tally(&["--lock-timeout", "0", "report", "customers"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("is in use by"), "{}", r.stderr);

    // Released while a load waits: the load goes through.
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        drop(holder);
    });
    let r = w.tally(&["--lock-timeout", "30", "load", data.to_str().unwrap()]);
    release.join().unwrap();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("waiting for"), "{}", r.stderr);
}
