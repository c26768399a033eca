//! The one place output goes: data to stdout, diagnostics and progress to stderr,
//! at the verbosity the user asked for.

use std::io::{self, IsTerminal, Write};

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

    /// Standard output, buffered: for data.
    pub fn stdout(&self) -> io::BufWriter<io::StdoutLock<'static>> {
        io::BufWriter::with_capacity(64 * 1024, io::stdout().lock())
    }

    /// An error line on stderr (always shown, also with -q).
    pub fn error(&self, message: &str) {
        let _ = writeln!(io::stderr().lock(), "error: {message}");
    }

    /// A detail on stderr, shown with -v.
    pub fn info(&self, message: &str) {
        if self.verbosity >= Verbosity::Verbose {
            let _ = writeln!(io::stderr().lock(), "{message}");
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

/// True when the error is a write to a closed pipe (`tally sql ... | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe))
    })
}
