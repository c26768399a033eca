//! One file per subcommand, each with one `run` entry; dispatched from one match.

mod load;
mod sql;

use crate::ExitStatus;
use crate::cli::{Cli, Command};
use crate::printer::Printer;

pub fn dispatch(cli: Cli, printer: &Printer) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Load(args) => load::run(&args, &cli.db, printer),
        Command::Sql(args) => sql::run(&args, &cli.db, printer),
    }
}
