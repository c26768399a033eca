//! `tally completions SHELL` and `tally man`: generated from the clap definitions,
//! so they always match this version.

use std::io::Write;

use clap::CommandFactory;

use crate::ExitStatus;
use crate::cli::{Cli, CompletionsArgs, Shell};
use crate::printer::Printer;

pub fn completions(args: &CompletionsArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut command = Cli::command();
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut out = printer.stdout();
    clap_complete::generate(shell, &mut command, "tally", &mut out);
    out.flush()?;
    Ok(ExitStatus::Success)
}

pub fn man(printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut out = printer.stdout();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()?;
    Ok(ExitStatus::Success)
}
