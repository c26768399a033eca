//! What the benchmarks share: running `tally` as a child and sampling its peak memory.

use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Runs `cmd` (stdout discarded) to its end; returns (status, wall time, peak RSS bytes).
/// VmHWM is the kernel's high-water mark of resident memory; it is sampled until exit.
pub fn run_measured(cmd: &mut Command) -> (ExitStatus, Duration, u64) {
    let start = Instant::now();
    let mut child = cmd.stdout(Stdio::null()).spawn().expect("run tally");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (status, start.elapsed(), peak_kib * 1024)
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// `tally` with nothing from the environment that tally reads (database, config
/// file, profile, memory limit, provider keys): every benchmark's run of the binary
/// starts here, as every test's starts at `Workdir::bare_command`.
pub fn tally() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tally"));
    for name in tally::settings::ENV_VARS {
        cmd.env_remove(name);
    }
    cmd
}
