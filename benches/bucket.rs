//! Benchmark: `tally export` to object storage against the same export to a local
//! folder. A database of 5,000,000 generated line items (the reports benchmark's),
//! then, interleaved, the partitioned Parquet export of every table and report to
//! a folder and to a bucket of a local S3 server (moto, from `scripts/s3-server.sh`;
//! the bucket's uploads run while the export writes). Prints both medians, the
//! ratio (bar: ≤ 1.3x) and the bytes exported.
//!
//!     bash scripts/s3-server.sh && cargo bench --bench bucket [-- --lines 5000000 --runs 3]

mod support;

#[path = "support/database.rs"]
mod database;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The moto server, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn size_of(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        total += if path.is_dir() {
            size_of(&path)
        } else {
            std::fs::metadata(&path).unwrap().len()
        };
    }
    total
}

fn main() {
    let (lines, runs) = database::args(3);
    let venv = std::env::var_os("TALLY_S3_VENV").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/tally-s3-venv"),
        PathBuf::from,
    );
    assert!(
        venv.join("bin/moto_server").is_file(),
        "no S3 server in {}: run `bash scripts/s3-server.sh`",
        venv.display()
    );
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-bucket");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let db = work.join("bucket.duckdb");
    let start = Instant::now();
    database::generate(&db, lines);
    eprintln!(
        "generated {lines} lines in {:.1} s",
        start.elapsed().as_secs_f64()
    );

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        Command::new(venv.join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(100));
    }
    let endpoint = format!("http://127.0.0.1:{port}");
    let made = Command::new(venv.join("bin/python"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/s3_tool.py"))
        .args(["create", "lake"])
        .env("S3_ENDPOINT", &endpoint)
        .status()
        .unwrap();
    assert!(made.success());

    let export = |out: &str| {
        let mut cmd = support::tally();
        cmd.arg("--db")
            .arg(&db)
            .args([
                "export",
                "--format",
                "parquet",
                "--partition",
                "month",
                "--out",
                out,
            ])
            .env("AWS_ACCESS_KEY_ID", "bench")
            .env("AWS_SECRET_ACCESS_KEY", "bench")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env_remove("AWS_SESSION_TOKEN");
        cmd
    };
    let local = work.join("local");
    let (mut to_folder, mut to_bucket) = (Vec::new(), Vec::new());
    // One of each first, not counted (the file's pages into the OS cache).
    for counted in std::iter::once(false).chain(std::iter::repeat_n(true, runs)) {
        let _ = std::fs::remove_dir_all(&local);
        let (status, took, _) = support::run_measured(&mut export(local.to_str().unwrap()));
        assert!(status.success());
        let (status, took_bucket, _) = support::run_measured(&mut export("s3://lake/bench"));
        assert!(status.success());
        if counted {
            to_folder.push(took);
            to_bucket.push(took_bucket);
        }
    }
    let (folder, bucket) = (
        database::median(&mut to_folder),
        database::median(&mut to_bucket),
    );
    println!(
        "export of {lines} lines, every table and report, Parquet by month ({:.0} MiB): \
         folder {:.2} s, bucket (local S3 server) {:.2} s: {:.2}x (bar 1.3x); medians of {runs}",
        support::mib(size_of(&local)),
        folder.as_secs_f64(),
        bucket.as_secs_f64(),
        bucket.as_secs_f64() / folder.as_secs_f64()
    );
}
