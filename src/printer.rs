//! The one place output goes: data to stdout, diagnostics and progress to stderr,
//! at the verbosity the user asked for.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How much to say on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
    Debug,
}

pub struct Printer {
    verbosity: Verbosity,
}

impl Printer {
    pub fn new(verbosity: Verbosity) -> Printer {
        Printer { verbosity }
    }

    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// Standard output, buffered: for data.
    pub fn stdout(&self) -> io::BufWriter<io::StdoutLock<'static>> {
        io::BufWriter::with_capacity(64 * 1024, io::stdout().lock())
    }

    /// An error line on stderr (always shown, also with -q). Control characters
    /// in it (from a hostile file name or value) are shown escaped.
    pub fn error(&self, message: &str) {
        let _ = writeln!(io::stderr().lock(), "error: {}", shown(message));
    }

    /// A warning line on stderr (always shown, also with -q: it is about safety or
    /// data, not progress).
    pub fn warn(&self, message: &str) {
        let _ = writeln!(io::stderr().lock(), "warning: {}", shown(message));
    }

    /// A detail on stderr, shown with -v.
    pub fn info(&self, message: &str) {
        if self.verbosity >= Verbosity::Verbose {
            let _ = writeln!(io::stderr().lock(), "{}", shown(message));
        }
    }

    /// A line of progress on stderr (not with -q).
    pub fn note(&self, message: &str) {
        if self.verbosity >= Verbosity::Normal {
            let _ = writeln!(io::stderr().lock(), "{}", shown(message));
        }
    }

    /// A count of work done: a bar on a terminal; otherwise a plain line at each
    /// quarter (not with -q).
    pub fn counter(&self, len: u64, what: &str) -> Counter {
        let plain = self.verbosity >= Verbosity::Normal && !io::stderr().is_terminal();
        Counter {
            bar: self.progress(len, what),
            plain,
            what: what.to_owned(),
            len,
            done: AtomicU64::new(0),
        }
    }

    /// A progress bar on stderr; hidden when stderr is not a terminal or with -q.
    pub fn progress(&self, len: u64, what: &str) -> ProgressBar {
        if self.verbosity == Verbosity::Quiet || !io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed}, eta {eta})",
        )
        .expect("valid template")
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(what.to_owned());
        bar
    }
}

/// See [`Printer::counter`].
pub struct Counter {
    bar: ProgressBar,
    plain: bool,
    what: String,
    len: u64,
    done: AtomicU64,
}

impl Counter {
    pub fn inc(&self) {
        self.bar.inc(1);
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.plain
            && self.len >= 8
            && done < self.len
            && done * 4 / self.len > (done - 1) * 4 / self.len
        {
            eprintln!("{}: {done}/{}", self.what, self.len);
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// True when the error is a write to a closed pipe (`tally sql ... | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe))
    })
}

/// A message for the terminal: each line with its control characters escaped.
fn shown(message: &str) -> String {
    message
        .split('\n')
        .map(crate::render::table::escaped)
        .collect::<Vec<_>>()
        .join("\n")
}
