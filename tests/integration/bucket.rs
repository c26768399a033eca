//! Exports straight to object storage, against a real S3 server on loopback:
//! moto in server mode (`scripts/s3-server.sh` installs it in a virtualenv), its
//! buckets made and read back with boto3 and pyarrow.dataset (`tests/data/s3_tool.py`).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::common::{Run, Workdir, run, synced};

/// The virtualenv `scripts/s3-server.sh` made: `TALLY_S3_VENV`, else
/// `~/.cache/tally-s3-venv`. Missing, the tests fail under CI and are skipped,
/// saying so, elsewhere.
fn venv() -> Option<PathBuf> {
    let venv = std::env::var_os("TALLY_S3_VENV").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/tally-s3-venv"),
        PathBuf::from,
    );
    if !venv.join("bin/moto_server").is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} has no moto_server: run `bash scripts/s3-server.sh` (CI does)",
            venv.display()
        );
        eprintln!("skipped: no S3 server (run `bash scripts/s3-server.sh`)");
        return None;
    }
    Some(venv)
}

/// A moto S3 server on a free loopback port, stopped when dropped.
struct S3 {
    child: Child,
    venv: PathBuf,
    port: u16,
    /// The keys requests are signed with.
    keys: (String, String),
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3 {
    /// Starts the server; `auth`: it checks signatures against its own IAM users
    /// (after the first 3 requests, which make the user the tests sign with).
    fn start(auth: bool) -> Option<S3> {
        let venv = venv()?;
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new(venv.join("bin/moto_server"));
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if auth {
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", "3");
        }
        let child = cmd.spawn().unwrap();
        let mut s3 = S3 {
            child,
            venv,
            port,
            keys: ("test".into(), "test".into()),
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the S3 server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        if auth {
            let out = s3.tool(&["user"]);
            let (id, secret) = out.trim().split_once(' ').unwrap();
            s3.keys = (id.to_owned(), secret.to_owned());
        }
        s3.tool(&["create", "lake"]);
        Some(s3)
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs `tests/data/s3_tool.py ARGS`; its stdout.
    fn tool(&self, args: &[&str]) -> String {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/s3_tool.py");
        let out = Command::new(self.venv.join("bin/python"))
            .arg(script)
            .args(args)
            .env("S3_ENDPOINT", self.endpoint())
            .env("AWS_ACCESS_KEY_ID", &self.keys.0)
            .env("AWS_SECRET_ACCESS_KEY", &self.keys.1)
            .output()
            .unwrap();
        assert!(out.status.success(), "s3_tool {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// `tally` in `w` with this server's endpoint and `keys` (id, secret), and
    /// nothing else of the environment's AWS settings.
    fn tally(&self, w: &Workdir, keys: (&str, &str), args: &[&str]) -> Command {
        let mut cmd = w.command();
        for name in [
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_DEFAULT_REGION",
            "AWS_ENDPOINT",
        ] {
            cmd.env_remove(name);
        }
        cmd.env("AWS_ACCESS_KEY_ID", keys.0)
            .env("AWS_SECRET_ACCESS_KEY", keys.1)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", self.endpoint())
            .args(args);
        cmd
    }

    fn export(&self, w: &Workdir, args: &[&str]) -> Run {
        run(self.tally(w, (&self.keys.0, &self.keys.1), args))
    }

    /// Each object under `prefix`: key → (size, sha256).
    fn objects(&self, prefix: &str) -> BTreeMap<String, (u64, String)> {
        self.tool(&["list", "lake", prefix])
            .lines()
            .map(|line| {
                let f: Vec<&str> = line.split(' ').collect();
                (f[0].to_owned(), (f[1].parse().unwrap(), f[2].to_owned()))
            })
            .collect()
    }

    /// How many objects are under `prefix` now (one unsigned request).
    fn count(&self, prefix: &str) -> usize {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "GET /lake?list-type=2&prefix={prefix} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
        )
        .unwrap();
        let mut body = String::new();
        stream.read_to_string(&mut body).unwrap();
        body.matches("<Key>").count()
    }
}

/// Each file under `root` (but the manifest): its path relative to `root` → (size,
/// sha256).
fn files(root: &Path) -> BTreeMap<String, (u64, String)> {
    let mut found = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().unwrap() != ".tally-manifest.json" {
                let bytes = std::fs::read(&path).unwrap();
                let name = tally::mirror::relative(root, &path);
                let hash: String = Sha256::digest(&bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                found.insert(name, (bytes.len() as u64, hash));
            }
        }
    }
    found
}

/// `objects` with the prefix taken off their keys, without the manifest.
fn under(
    prefix: &str,
    objects: BTreeMap<String, (u64, String)>,
) -> BTreeMap<String, (u64, String)> {
    objects
        .into_iter()
        .filter(|(k, _)| !k.ends_with(".tally-manifest.json"))
        .map(|(k, v)| (k[prefix.len() + 1..].to_owned(), v))
        .collect()
}

#[test]
fn a_partitioned_export_lands_as_the_local_one_and_reads_back_to_the_cent() {
    let Some(s3) = S3::start(false) else { return };
    let (w, _sb) = synced(false);
    let flags = ["--format", "parquet", "--partition", "month"];
    let local = w.tally(&[&["export", "--out", "local"][..], &flags].concat());
    assert_eq!(local.code, 0, "{local:?}");
    let r = s3.export(
        &w,
        &[&["export", "--out", "s3://lake/tally/2019"][..], &flags].concat(),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .starts_with("exported into s3://lake/tally/2019:\n"),
        "{}",
        r.stdout
    );
    // The same objects, byte for byte, as the files of the local export.
    let expected = files(&w.path().join("local"));
    assert!(expected.len() > 100, "{} files", expected.len());
    assert_eq!(under("tally/2019", s3.objects("tally/2019")), expected);
    // Nothing was left in the staging folder.
    let stray: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("tally-export-"))
        .filter(|e| {
            std::fs::read_dir(e.path())
                .map(|mut d| d.next().is_none())
                .unwrap_or(false)
        })
        .collect();
    assert!(stray.is_empty(), "{stray:?}");

    // Read back by pyarrow.dataset over S3 with hive partitioning: Σ charge per
    // month is `tally report months`'s, exactly.
    let months = w.tally(&["report", "months", "--month", "all", "--format", "csv"]);
    let by_report: Vec<String> = months
        .stdout
        .lines()
        .filter(|l| l.contains(",month,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{},{}", f[0], f[f.len() - 1])
        })
        .collect();
    let by_pyarrow: Vec<String> = s3
        .tool(&["months", "lake", "tally/2019"])
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(by_pyarrow, by_report);
}

#[test]
fn a_re_export_removes_what_moved_and_keeps_what_tally_did_not_write() {
    let Some(s3) = S3::start(false) else { return };
    let w = Workdir::new();
    let invoice = |month: u32| {
        crate::common::csv(&[crate::common::row("1", "Outlook", "5.5")])
            .replace("12/1/2017", &format!("{month}/1/2017"))
            .replace("12/31/2017", &format!("{month}/28/2017"))
    };
    let path = w.write("7001.csv", invoice(10));
    assert_eq!(w.tally(&["load", path.to_str().unwrap()]).code, 0);
    s3.tool(&["put", "lake", "tally/line_items/notes.txt", "kept"]);
    let flags = ["export", "--out", "s3://lake/tally", "--format", "csv"];
    let flags = [
        &flags[..],
        &["--partition", "month", "--tables", "line_items"],
    ]
    .concat();
    assert_eq!(s3.export(&w, &flags).code, 0);
    let keys = |s3: &S3| s3.objects("tally").into_keys().collect::<Vec<_>>();
    assert_eq!(
        keys(&s3),
        [
            "tally/.tally-manifest.json",
            "tally/line_items/month=2017-10/data.csv",
            "tally/line_items/notes.txt"
        ]
    );
    // The invoice's lines move to November: October's object goes, the foreign one stays.
    std::fs::write(&path, invoice(11)).unwrap();
    assert_eq!(w.tally(&["load", path.to_str().unwrap()]).code, 0);
    let r = s3.export(&w, &[&flags[..], &["-v"]].concat());
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains(
            "s3://lake/tally/line_items/month=2017-10/data.csv: removed (no longer in the export)"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(
        keys(&s3),
        [
            "tally/.tally-manifest.json",
            "tally/line_items/month=2017-11/data.csv",
            "tally/line_items/notes.txt"
        ]
    );
}

#[test]
fn a_killed_export_leaves_every_object_whole() {
    let Some(s3) = S3::start(false) else { return };
    let (w, _sb) = synced(false);
    let flags = ["--format", "csv", "--partition", "month"];
    assert_eq!(
        w.tally(&[&["export", "--out", "local"][..], &flags].concat())
            .code,
        0
    );
    let expected = files(&w.path().join("local"));
    let mut child = s3
        .tally(
            &w,
            (&s3.keys.0, &s3.keys.1),
            &[&["export", "--out", "s3://lake/k"][..], &flags].concat(),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once some objects are there, well before all are.
    let started = Instant::now();
    while s3.count("k/") < 40 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let landed = under("k", s3.objects("k"));
    assert!(
        !landed.is_empty() && landed.len() < expected.len(),
        "{} of {} objects landed",
        landed.len(),
        expected.len()
    );
    // Each is the whole file, as the local export wrote it.
    for (key, object) in &landed {
        assert_eq!(Some(object), expected.get(key), "{key}");
    }
    // The manifest already lists them (a re-run knows what tally wrote).
    let manifest = s3.tool(&["list", "lake", "k/.tally-manifest.json"]);
    assert_eq!(manifest.lines().count(), 1, "no manifest: {manifest}");
    // Run again, it completes.
    let r = s3.export(
        &w,
        &[&["export", "--out", "s3://lake/k"][..], &flags].concat(),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(under("k", s3.objects("k")), expected);
}

#[test]
fn a_refused_credential_and_a_missing_bucket_say_so_before_exporting() {
    let Some(s3) = S3::start(true) else { return };
    let (w, _sb) = synced(false);
    let args = ["export", "--out", "s3://lake/tally", "--format", "csv"];
    let r = run(s3.tally(&w, (&s3.keys.0, "not-the-secret"), &args));
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: s3://lake/tally/.tally-manifest.json: the store refused the credentials \
         (SignatureDoesNotMatch: The request signature we calculated does not match the signature \
         you provided. Check your key and signing method.); check them (for S3: AWS_ACCESS_KEY_ID, \
         AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION)\n"
    );
    assert!(!r.stderr.contains("not-the-secret"), "{}", r.stderr);
    assert!(!r.stderr.contains(&s3.keys.1), "{}", r.stderr);
    // Refused before anything was exported: the bucket holds nothing.
    assert!(s3.objects("").is_empty(), "{:?}", s3.objects(""));
    let r = s3.export(
        &w,
        &[
            "export",
            "--out",
            "s3://no-such-bucket/x",
            "--format",
            "csv",
        ],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: s3://no-such-bucket/x/.tally-manifest.json: the bucket no-such-bucket does not exist (or these credentials cannot see it)\n"
    );
    // With the right keys it goes through.
    let r = s3.export(&w, &args);
    assert_eq!(r.code, 0, "{r:?}");
    // Nothing was written by the refused runs.
    assert!(s3.objects("x").is_empty());
}

#[test]
fn a_store_that_cannot_be_reached_is_retried_then_named() {
    let w = Workdir::new();
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = w.command();
    cmd.env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{closed}"))
        .env("AWS_ACCESS_KEY_ID", "id")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_REGION", "us-east-1")
        .args(["export", "--out", "s3://lake/x"]);
    let started = Instant::now();
    let r = run(cmd);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: s3://lake/x/.tally-manifest.json: Connection refused (os error 111) (after 7 retries)\n"
    );
    assert!(
        started.elapsed() > Duration::from_millis(500),
        "not retried"
    );
    assert!(!w.db().exists(), "the database was touched");
}

#[test]
fn plain_http_only_to_loopback_and_unknown_schemes_are_usage_errors() {
    let w = Workdir::new();
    let mut cmd = w.command();
    cmd.env("AWS_ENDPOINT_URL", "http://minio.example:9000")
        .args(["export", "--out", "s3://lake/x"]);
    let r = run(cmd);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: the object-store endpoint: http://minio.example:9000: plain http:// is allowed only to a loopback address (the sandbox); use https:// so that keys never travel in clear text\n"
    );
    let r = w.tally(&["export", "--out", "ftp://lake/x"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: --out ftp://lake/x: ftp:// is not a store tally writes to (s3://, gs://, az://, file://, or a folder)\n"
    );
}

#[test]
fn every_format_goes_to_a_bucket_as_to_a_folder() {
    let Some(s3) = S3::start(false) else { return };
    let (w, _sb) = synced(false);
    w.write(
        "book.toml",
        format!(
            "{}\n[accounting]\ndate_format = \"DD/MM/YYYY\"\naccount_code = \"4000\"\n\
             tax_type = \"No VAT\"\n[accounting.customers]\n\"1300008\" = \"Harbor Dental LLC\"\n",
            include_str!("../data/prices.toml")
        ),
    );
    let exports: [&[&str]; 4] = [
        &["--format", "csv"],
        &["--format", "focus"],
        &[
            "--format",
            "xero",
            "--month",
            "2019-12",
            "--prices",
            "book.toml",
        ],
        &[
            "--format",
            "quickbooks",
            "--month",
            "2019-12",
            "--prices",
            "book.toml",
        ],
    ];
    for flags in exports {
        // QuickBooks names a credit it leaves out (exit 1), to a folder as to a bucket.
        let local = w.tally(&[&["export", "--out", "local"][..], flags].concat());
        let remote = s3.export(
            &w,
            &[&["export", "--out", "s3://lake/all"][..], flags].concat(),
        );
        assert_eq!(local.code, remote.code, "{flags:?}: {local:?} {remote:?}");
        assert!(remote.code <= 1, "{flags:?}: {remote:?}");
        assert_eq!(
            remote.stdout,
            local.stdout.replace("into local", "into s3://lake/all"),
            "{flags:?}"
        );
    }
    let expected = files(&w.path().join("local"));
    assert!(expected.keys().any(|k| k.starts_with("xero/2019-12/")));
    assert!(
        expected
            .keys()
            .any(|k| k.starts_with("quickbooks/2019-12/"))
    );
    assert!(expected.keys().any(|k| k.starts_with("focus/")));
    assert_eq!(under("all", s3.objects("all")), expected);
}

#[test]
fn an_object_larger_than_a_part_goes_up_in_parts_and_lands_whole() {
    let Some(s3) = S3::start(false) else { return };
    let w = Workdir::new();
    let csv = crate::common::large_invoices(&w, 4, 25_000);
    assert_eq!(w.tally(&["load", csv.to_str().unwrap()]).code, 0);
    let flags = ["--format", "csv", "--tables", "line_items"];
    assert_eq!(
        w.tally(&[&["export", "--out", "local"][..], &flags].concat())
            .code,
        0
    );
    let expected = files(&w.path().join("local"));
    let (size, _) = &expected["line_items/data.csv"];
    assert!(*size > 8 * 1024 * 1024, "{size} bytes: not over a part");
    let r = s3.export(
        &w,
        &[&["export", "--out", "s3://lake/big"][..], &flags].concat(),
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(under("big", s3.objects("big")), expected);
}
