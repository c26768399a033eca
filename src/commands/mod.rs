//! One file per subcommand, each with one `run` entry; dispatched from one match.

mod demo;
mod export;
mod load;
mod report;
mod sandbox;
mod sql;
mod sync;

use crate::ExitStatus;
use crate::cli::{Cli, Command};
use crate::printer::Printer;

pub fn dispatch(cli: Cli, printer: &Printer) -> anyhow::Result<ExitStatus> {
    match &cli.command {
        Command::Demo(args) => demo::run(args, &cli, printer),
        Command::Sync(args) => sync::run(args, &cli, printer),
        Command::Load(args) => load::run(args, &cli.db, printer),
        Command::Export(args) => export::run(args, &cli.db, printer),
        Command::Report(args) => report::run(args, &cli.db, printer),
        Command::Sql(args) => sql::run(args, &cli.db, printer),
        Command::Sandbox(args) => sandbox::run(args, printer),
    }
}
