//! `tally sync [rackspace|mailroute]`: checked settings (`crate::settings`) → the
//! sync itself → the summary and the failures.

use std::io::Write;
use std::path::Path;

use crate::cli::{Cli, SyncArgs, SyncProvider};
use crate::printer::Printer;
use crate::settings::{
    API_KEY_ENV, LOGIN_ENV, MailrouteSettings, RackspaceSettings, SECRET_KEY_ENV, USER_KEY_ENV,
    mailroute_keys, rackspace_keys,
};
use crate::store::Access;
use crate::sync::mailroute::{Mailroute, MailrouteRun};
use crate::sync::rackspace::{Rackspace, RackspaceRun};
use crate::sync::{Failure, ProviderRun, Source};
use crate::{ExitStatus, UsageError};

/// `tally sync [PROVIDER]`: one provider, or every one with keys configured.
pub fn run(
    args: &SyncArgs,
    cli: &Cli,
    db: &super::Db,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let config = super::config(cli, printer)?;
    match &args.provider {
        Some(SyncProvider::Rackspace(a)) => {
            run_provider::<Rackspace>(&RackspaceSettings::new(Some(a), &config)?, db, printer)
        }
        Some(SyncProvider::Mailroute(a)) => {
            run_provider::<Mailroute>(&MailrouteSettings::new(Some(a), &config)?, db, printer)
        }
        None => {
            // Every provider with keys, each with its defaults; all checked first.
            let rackspace = rackspace_keys(&config)
                .map(|_| RackspaceSettings::new(None, &config))
                .transpose()?;
            let mailroute = mailroute_keys(&config)
                .map(|_| MailrouteSettings::new(None, &config))
                .transpose()?;
            if rackspace.is_none() && mailroute.is_none() {
                return Err(UsageError(format!(
                    "no provider has keys: set {USER_KEY_ENV}/{SECRET_KEY_ENV} (Rackspace) or \
                     {LOGIN_ENV}/{API_KEY_ENV} (MailRoute), or put them in tally.toml"
                ))
                .into());
            }
            let mut status = ExitStatus::Success;
            if let Some(settings) = &rackspace {
                status = status.max(run_provider::<Rackspace>(settings, db, printer)?);
            }
            if let Some(settings) = &mailroute {
                status = status.max(run_provider::<Mailroute>(settings, db, printer)?);
            }
            Ok(status)
        }
    }
}

/// One provider's sync: its client, the store, the run, its summary and failures.
fn run_provider<P: Source>(
    settings: &P::Options,
    db: &super::Db,
    printer: &Printer,
) -> anyhow::Result<ExitStatus>
where
    P::Run: Summary,
{
    let mut store = db.open(Access::ReadWrite, printer)?;
    let runtime = super::runtime()?;
    let run = runtime.block_on(P::sync(settings, &mut store, printer))?;
    summarize(&run, db.path(), printer)
}

/// How a provider's run reads at the end of `tally sync` (and `tally demo`): what
/// was synced (the heading), and its own lines between the heading and the requests.
pub trait Summary: ProviderRun {
    /// "MailRoute", "Rackspace account 1100000".
    fn what(&self) -> String;
    fn write_counts(&self, out: &mut dyn Write) -> std::io::Result<()>;
}

/// Prints the run's summary on stdout, then its failures; exit code 1 if any.
pub fn summarize(run: &impl Summary, db: &Path, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let meta = run.meta();
    let mut out = printer.stdout();
    writeln!(
        out,
        "synced {} into {} in {:.1} s (run {})",
        run.what(),
        db.display(),
        meta.elapsed.as_secs_f64(),
        meta.run_id
    )?;
    run.write_counts(&mut out)?;
    writeln!(
        out,
        "  requests   {} (retries {}, throttled {})",
        meta.stats.requests, meta.stats.retries, meta.stats.throttled
    )?;
    out.flush()?;
    Ok(finish(&meta.failures, printer))
}

impl Summary for MailrouteRun {
    fn what(&self) -> String {
        "MailRoute".to_owned()
    }

    fn write_counts(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(
            out,
            "  {}  {} resellers, {} customers, {} contacts, {} admins",
            if self.replaced {
                "stored   "
            } else {
                "NOT STORED (the last snapshot stays)"
            },
            self.resellers,
            self.customers,
            self.contacts,
            self.admins
        )
    }
}

impl Summary for RackspaceRun {
    fn what(&self) -> String {
        format!("Rackspace account {}", self.reseller)
    }

    fn write_counts(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let s = &self.stored;
        writeln!(
            out,
            "  customers  {} (contacts {})",
            self.counts.customers, self.counts.contacts
        )?;
        writeln!(
            out,
            "  this run   {} invoice headers; {} CSVs downloaded ({} lines, charge {}), {} missing (404)",
            self.counts.invoices,
            self.counts.csv_downloaded,
            self.counts.lines,
            crate::render::money(self.counts.sum_charge),
            self.counts.csv_missing
        )?;
        writeln!(
            out,
            "  stored     {} invoices of {}: {} with lines, {} without a CSV, {} missing (404), {} not yet downloaded",
            s.invoices,
            self.accounts.join(", "),
            s.loaded,
            s.not_available,
            s.missing,
            s.pending
        )
    }
}

/// Prints the failures; exit code 1 if there were any.
pub fn finish(failures: &[Failure], printer: &Printer) -> ExitStatus {
    if failures.is_empty() {
        return ExitStatus::Success;
    }
    for failure in failures {
        printer.error(&failure.to_string());
    }
    printer.error(&format!(
        "{} item{} could not be synced; run the same command again to retry {}",
        failures.len(),
        if failures.len() == 1 { "" } else { "s" },
        if failures.len() == 1 { "it" } else { "them" }
    ));
    ExitStatus::Failure
}
