//! A per-test work directory and a way to run `tally` in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tally::sandbox::{BackgroundSandbox, SandboxOptions, WorldOptions};

pub const HEADER: &str = "Account No,Reference No,Domain,Product,Type,Service Start,Service End,Term Committed Usage,Current Usage,Usage Change,Months,Rate,Charge";

/// The keys the test sandboxes check and the test commands send (not the sandbox's
/// defaults, so every test proves the configured keys are the ones used).
pub const USER_KEY: &str = "test-user-key";
pub const SECRET_KEY: &str = "Sup3r-Secret/Key+42";
pub const LOGIN: &str = "test-login";
pub const API_KEY: &str = "Test-ApiKey/xyz+5";

/// A sandbox started in this process on a loopback port, checking the test keys.
pub fn sandbox(options: SandboxOptions) -> BackgroundSandbox {
    BackgroundSandbox::start(SandboxOptions {
        user_key: USER_KEY.into(),
        secret_key: SECRET_KEY.into(),
        mailroute_login: LOGIN.into(),
        mailroute_api_key: API_KEY.into(),
        ..options
    })
    .unwrap()
}

/// The sandbox's small world (with its anomalies if asked), synced from both
/// providers into a fresh work directory (Rackspace with customer details).
pub fn synced(anomalies: bool) -> (Workdir, BackgroundSandbox) {
    let sb = sandbox(SandboxOptions {
        world: WorldOptions {
            anomalies,
            ..WorldOptions::default()
        },
        ..SandboxOptions::default()
    });
    let w = Workdir::new();
    let mut cmd = w.keyed();
    cmd.args(["-q", "sync", "rackspace", "--base-url"])
        .arg(sb.sandbox().url())
        .args(["--requests-per-minute", "60000", "--customer-details"]);
    let r = run(cmd);
    assert_eq!(r.code, 0, "{r:?}");
    let mut cmd = w.keyed();
    cmd.args(["-q", "sync", "mailroute", "--base-url"])
        .arg(sb.sandbox().mailroute_url())
        .args(["--requests-per-minute", "60000"]);
    let r = run(cmd);
    assert_eq!(r.code, 0, "{r:?}");
    (w, sb)
}

/// A temporary directory holding one test's database and files.
pub struct Workdir {
    dir: tempfile::TempDir,
}

/// What one run of `tally` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("tally.duckdb")
    }

    /// Writes `contents` to `name` (folders created) and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Copies the repository's data/ folder here and returns its path.
    pub fn sample_data(&self) -> PathBuf {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let dst = self.path().join("data");
        std::fs::create_dir_all(&dst).unwrap();
        for entry in std::fs::read_dir(src).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "csv") {
                std::fs::copy(&p, dst.join(p.file_name().unwrap())).unwrap();
            }
        }
        dst
    }

    /// Runs `tally --db <this db> ARGS` in this directory.
    pub fn tally(&self, args: &[&str]) -> Run {
        let mut cmd = self.command();
        cmd.args(args);
        run(cmd)
    }

    /// `tally` in this directory with nothing from the test's own environment that
    /// tally reads (database, config file, profile, memory limit, provider keys) and
    /// no `--db`: every run of the binary starts here.
    pub fn bare_command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tally"));
        cmd.current_dir(self.path());
        for name in tally::settings::ENV_VARS {
            cmd.env_remove(name);
        }
        cmd
    }

    /// [`Workdir::bare_command`] with `--db <this db>`: add the environment and
    /// arguments a test needs.
    pub fn command(&self) -> Command {
        let mut cmd = self.bare_command();
        cmd.arg("--db").arg(self.db());
        cmd
    }

    /// [`Workdir::command`] with both providers' test keys ([`sandbox`]'s).
    pub fn keyed(&self) -> Command {
        let mut cmd = self.command();
        cmd.env("TALLY_RACKSPACE_USER_KEY", USER_KEY)
            .env("TALLY_RACKSPACE_SECRET_KEY", SECRET_KEY)
            .env("TALLY_MAILROUTE_LOGIN", LOGIN)
            .env("TALLY_MAILROUTE_API_KEY", API_KEY);
        cmd
    }

    /// A `tally.toml` here pointing both providers at `sb`, 60,000 requests a minute.
    pub fn configure(&self, sb: &BackgroundSandbox) {
        self.write(
            "tally.toml",
            format!(
                "[rackspace]\nbase_url = \"{}\"\nrequests_per_minute = 60000\n\n[mailroute]\nbase_url = \"{}\"\nrequests_per_minute = 60000\n",
                sb.sandbox().url(),
                sb.sandbox().mailroute_url()
            ),
        );
    }

    /// A query's CSV output (header included), for exact comparisons.
    pub fn query(&self, sql: &str) -> String {
        let run = self.tally(&["sql", "--format", "csv", sql]);
        assert_eq!(run.code, 0, "{run:?}");
        run.stdout
    }
}

/// A query over files (Parquet, CSV) in an in-memory DuckDB of the test process,
/// as CSV the way `tally sql --format csv` prints it (which cannot read files).
pub fn query_files(sql: &str) -> String {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let arrow = stmt.query_arrow([]).unwrap();
    let schema = arrow.get_schema();
    let batches: Vec<_> = arrow.collect();
    let mut out = Vec::new();
    tally::render::write_result(
        tally::render::Format::Csv { neutralised: false },
        &schema,
        &batches,
        &tally::render::kinds_by_type(&schema),
        &mut out,
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

impl Workdir {
    /// A report's output (exit code 0 or 1), for exact comparisons.
    pub fn query_report(&self, args: &[&str]) -> String {
        let mut all = vec!["report"];
        all.extend_from_slice(args);
        let run = self.tally(&all);
        assert!(run.code == 0 || run.code == 1, "{run:?}");
        run.stdout
    }
}

pub fn run(mut cmd: Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// A CSV line-item row with the given account, product and charge (all else fixed).
pub fn row(account: &str, product: &str, charge: &str) -> String {
    format!(
        "{account},\"\",\"d{account}.com\",\"{product}\",Renewal,12/1/2017 12:00:00 AM,12/31/2017 11:59:59 PM,1,1,1,1,{charge},{charge}"
    )
}

/// A whole CSV file with these rows.
pub fn csv(rows: &[String]) -> String {
    let mut s = format!("{HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// Opens `page` in headless Chromium (offline, a profile of its own in `profile`)
/// with `args`, and returns what it printed; a failure fails the test. The browser
/// is `TALLY_CHROMIUM`, else `chromium` or `chromium-browser` on PATH. Missing, the
/// test fails under CI (`scripts/test` installs Debian's `chromium`) and is skipped,
/// saying so, elsewhere (`None`).
pub fn chromium(profile: &Path, args: &[&str], page: &Path) -> Option<Output> {
    let found = std::env::var_os("TALLY_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
                .find(|candidate| candidate.is_file())
        });
    let Some(binary) = found else {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium not found on PATH: the browser tests need it (`scripts/test` installs Debian's `chromium`)"
        );
        eprintln!("skipped: no Chromium on PATH (set TALLY_CHROMIUM or install `chromium`)");
        return None;
    };
    let mut out = Command::new(binary);
    out.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .arg(format!("file://{}", page.display()));
    Some(succeeded(&mut out))
}

/// Runs `cmd` to its end; a failure (or a failure to start) fails the test with
/// what it printed on stderr.
pub fn succeeded(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Workdir {
    /// The stored summaries equal a recomputation from the stored lines: by the
    /// summaries' own definition (`store::summaries::differences`), and by hand:
    /// per invoice, per invoice × account × domain and per invoice × product,
    /// count, Σ charge (and sub-accounts, first line) of the lines; every line with months ≠ 1
    /// in `line_checks`, and each checked line
    /// equal to its stored line.
    pub fn assert_summaries_in_step(&self) {
        let store = tally::store::Store::open_read_only(&self.db()).unwrap();
        let conn = store.connection();
        let differences = tally::store::summaries::differences(conn).unwrap();
        assert!(differences.is_empty(), "{differences:?}");
        // The checks computed in Rust agree with the SQL arithmetic of macros.sql.
        conn.execute_batch(tally::report::STAGING).unwrap();
        for sql in [
            "SELECT count(*) FROM line_checks
              WHERE computed_months <> billed_months(service_start, service_end)
                 OR expected_charge IS DISTINCT FROM line_charge(usage_change, rate, months)
                 OR recomputed_charge IS DISTINCT FROM line_charge(usage_change, rate, computed_months)
                 OR arithmetic_off <> coalesce(charge <> expected_charge AND NOT credit, false)",
            "SELECT count(*) FROM (
                 SELECT invoice_id, line_no FROM line_items
                  WHERE months <> 1 OR months <> billed_months(service_start, service_end)
                     OR charge <> line_charge(usage_change, rate, months)
                     OR (usage_change = 0 AND charge < 0)
                 EXCEPT SELECT invoice_id, line_no FROM line_checks)",
        ] {
            let n: i64 = conn.query_row(sql, [], |r| r.get(0)).unwrap();
            assert_eq!(n, 0, "{sql}");
        }
        drop(store);
        let by_hand = [
            "SELECT invoice_id, count(*) AS lines, sum(charge) AS charge FROM line_items GROUP BY ALL
             EXCEPT ALL SELECT invoice_id, lines, charge FROM invoice_sums",
            "SELECT invoice_id, lines, charge FROM invoice_sums
             EXCEPT ALL SELECT invoice_id, count(*), sum(charge) FROM line_items GROUP BY ALL",
            "SELECT invoice_id, account_no, lower(domain), count(*), sum(charge), min(line_no)
               FROM line_items GROUP BY ALL
             EXCEPT ALL SELECT invoice_id, account_no, domain_key, lines, charge, first_line FROM account_sums",
            "SELECT invoice_id, account_no, domain_key, lines, charge, first_line FROM account_sums
             EXCEPT ALL SELECT invoice_id, account_no, lower(domain), count(*), sum(charge), min(line_no)
               FROM line_items GROUP BY ALL",
            "SELECT invoice_id, product, count(DISTINCT account_no), count(*), sum(charge)
               FROM line_items GROUP BY ALL
             EXCEPT ALL SELECT invoice_id, product, accounts, lines, charge FROM product_sums",
            "SELECT invoice_id, product, accounts, lines, charge FROM product_sums
             EXCEPT ALL SELECT invoice_id, product, count(DISTINCT account_no), count(*), sum(charge)
               FROM line_items GROUP BY ALL",
            "SELECT invoice_id, line_no FROM line_items WHERE months <> 1
             EXCEPT SELECT invoice_id, line_no FROM line_checks",
            "SELECT * EXCLUDE (computed_months, expected_charge, recomputed_charge, duplicate_of,
                               arithmetic_off, months_off, credit, implausible)
               FROM line_checks EXCEPT ALL SELECT * FROM line_items",
        ];
        for sql in by_hand {
            assert_eq!(
                self.query(&format!("SELECT count(*) AS n FROM ({sql})")),
                "n\n0\n",
                "{sql}"
            );
        }
    }
}

/// Writes `files` invoices (ids 9000000, 9000001, ...) of `lines` lines each over
/// 2,000 sub-accounts into the folder `csv` of `w`; returns it.
pub fn large_invoices(w: &Workdir, files: usize, lines: usize) -> std::path::PathBuf {
    use std::fmt::Write as _;
    let dir = w.path().join("csv");
    std::fs::create_dir_all(&dir).unwrap();
    for f in 0..files {
        let mut text = String::from(HEADER);
        text.push('\n');
        let month = 1 + f % 12;
        for i in 0..lines {
            let account = 100_000 + (i * 7 + f) % 2_000;
            let seats = 1 + i % 9;
            let cents = seats * 299;
            writeln!(
                text,
                "{account},REF{account},d{account}.example.com,Rackspace Email,Mailbox,\
                 {month}/1/2025 12:00:00 AM,{month}/28/2025 11:59:59 PM,0,{seats},0,1,2.99,{}.{:02}",
                cents / 100,
                cents % 100
            )
            .unwrap();
        }
        std::fs::write(dir.join(format!("{}.csv", 9_000_000 + f)), text).unwrap();
    }
    dir
}
