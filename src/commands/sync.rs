//! `tally sync [rackspace|mailroute]`: checked settings (`crate::settings`) → the
//! sync itself → what it did and its failures.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::cli::{SyncArgs, SyncProvider};
use crate::printer::Printer;
use crate::settings::{
    API_KEY_ENV, LOGIN_ENV, MailrouteSettings, RackspaceSettings, SECRET_KEY_ENV, Settings,
    USER_KEY_ENV, mailroute_keys, rackspace_keys,
};
use crate::store::Windows;
use crate::sync::mailroute::{Mailroute, MailrouteRun};
use crate::sync::rackspace::{Rackspace, RackspaceRun};
use crate::sync::{Failure, ProviderRun, Source};
use crate::{ExitStatus, UsageError};

/// `tally sync [PROVIDER]`: one provider, or every one with keys configured. Every
/// setting is checked first; then the sync takes the database's sync lock (one sync
/// at a time) and stores what arrives in short write windows.
pub fn run(args: &SyncArgs, settings: &Settings, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let config = &settings.config;
    let (rackspace, mailroute) = match &args.provider {
        Some(SyncProvider::Rackspace(a)) => (Some(RackspaceSettings::new(Some(a), config)?), None),
        Some(SyncProvider::Mailroute(a)) => (None, Some(MailrouteSettings::new(Some(a), config)?)),
        None => {
            // Every provider with keys, each with its defaults.
            let rackspace = rackspace_keys(config)
                .map(|_| RackspaceSettings::new(None, config))
                .transpose()?;
            let mailroute = mailroute_keys(config)
                .map(|_| MailrouteSettings::new(None, config))
                .transpose()?;
            if rackspace.is_none() && mailroute.is_none() {
                return Err(UsageError(format!(
                    "no provider has keys: set {USER_KEY_ENV}/{SECRET_KEY_ENV} (Rackspace) or \
                     {LOGIN_ENV}/{API_KEY_ENV} (MailRoute), or put them in tally.toml"
                ))
                .into());
            }
            (rackspace, mailroute)
        }
    };
    let db = &settings.db;
    let _one_sync = db.sync_lock(printer)?;
    let mut windows = db.windows(
        Duration::from_secs(args.write_wait),
        "--write-wait",
        printer,
    );
    let mut status = ExitStatus::Success;
    if let Some(options) = &rackspace {
        status = status.max(run_provider::<Rackspace>(options, &mut windows, printer)?);
    }
    if let Some(options) = &mailroute {
        status = status.max(run_provider::<Mailroute>(options, &mut windows, printer)?);
    }
    Ok(status)
}

/// One provider's sync: its client, the run, what it did and its failures.
fn run_provider<P: Source>(
    options: &P::Options,
    windows: &mut Windows<'_>,
    printer: &Printer,
) -> anyhow::Result<ExitStatus>
where
    P::Run: PrintedRun,
{
    let runtime = super::runtime()?;
    let run = runtime.block_on(P::sync(options, windows, printer))?;
    print_run(&run, windows.path(), printer)
}

/// How a provider's run reads at the end of `tally sync` (and `tally demo`): what
/// was synced (the heading), and its own lines between the heading and the requests.
pub trait PrintedRun: ProviderRun {
    /// "MailRoute", "Rackspace account 1100000".
    fn what(&self) -> String;
    fn write_counts(&self, out: &mut dyn Write) -> std::io::Result<()>;
}

/// Prints what the run did on stdout, then its failures; exit code 1 if any.
pub fn print_run(
    run: &impl PrintedRun,
    db: &Path,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
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

impl PrintedRun for MailrouteRun {
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

impl PrintedRun for RackspaceRun {
    fn what(&self) -> String {
        match &self.reseller {
            Some(account) => format!("Rackspace account {account}"),
            None => "Rackspace".to_owned(),
        }
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
            self.accounts
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", "),
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
