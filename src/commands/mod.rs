//! One file per subcommand, each with one `run` entry; dispatched from one match.

mod accounting;
mod act;
mod close;
mod completions;
mod demo;
mod export;
mod load;
mod pack;
mod report;
mod sandbox;
mod sql;
mod statements;
mod status;
mod sync;

use crate::ExitStatus;
use crate::cli::{Cli, Command};
use crate::printer::Printer;
use crate::settings::{Db, Settings, no_price_book};

/// The runtime of the commands that speak HTTP (sync, the writes, the sandbox,
/// the demo): two workers, so downloads go on while the store writes.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// The error of a command that needs line items in a database that has none.
pub fn no_line_items(db: &Db) -> anyhow::Error {
    anyhow::anyhow!(
        "{} has no line items yet; run `tally sync rackspace`, `tally load` or `tally demo` first",
        db.path().display()
    )
}

/// Runs the command. Every command that works on the data gets the settings
/// resolved once (the config file read once, its warnings said); the sandbox and
/// the shell helpers need none.
pub fn dispatch(cli: Cli, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let settings = || Settings::resolve(&cli, printer);
    match &cli.command {
        Command::Demo(args) => demo::run(args, &settings()?, printer),
        Command::Sync(args) => sync::run(args, &settings()?, printer),
        Command::Load(args) => load::run(args, &settings()?.db, printer),
        Command::Export(args) => export::run(args, &settings()?, printer),
        Command::Report(args) => report::run(args, &settings()?, printer),
        Command::Sql(args) => sql::run(args, &settings()?.db, printer),
        Command::Status(args) => status::run(args, &settings()?.db, printer),
        Command::Statements(args) => statements::run(args, &settings()?, printer),
        Command::Pack(args) => pack::run(args, &settings()?, printer),
        Command::Close(args) => close::close(args, &settings()?, printer),
        Command::Reopen(args) => close::reopen(args, &settings()?.db, printer),
        Command::Rackspace(args) => act::rackspace(args, &settings()?, printer),
        Command::Mailroute(args) => act::mailroute(args, &settings()?, printer),
        Command::Sandbox(args) => sandbox::run(args, printer),
        Command::Completions(args) => completions::completions(args, printer),
        Command::Man(_) => completions::man(printer),
    }
}
