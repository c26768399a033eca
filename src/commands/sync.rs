//! `tally sync [rackspace|mailroute]`: checked settings (`crate::settings`) → the
//! sync itself → the summary and the failures.

use std::io::Write;
use std::path::Path;

use rust_decimal::Decimal;

use crate::api::mailroute;
use crate::api::rackspace::Client;
use crate::cli::{Cli, SyncArgs, SyncProvider};
use crate::config::Config;
use crate::printer::Printer;
use crate::settings::{
    API_KEY_ENV, LOGIN_ENV, MailrouteSettings, RackspaceSettings, SECRET_KEY_ENV, USER_KEY_ENV,
    mailroute_keys, rackspace_keys,
};
use crate::store::Access;
use crate::sync::Failure;
use crate::sync::rackspace::{RackspaceRun, sync};
use crate::{ExitStatus, UsageError};

/// `tally sync [PROVIDER]`: one provider, or every one with keys configured.
pub fn run(
    args: &SyncArgs,
    cli: &Cli,
    db: &super::Db,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let config = Config::load(cli.config.as_deref(), cli.profile.as_deref())?;
    for warning in &config.warnings {
        printer.warn(warning);
    }
    match &args.provider {
        Some(SyncProvider::Rackspace(a)) => {
            run_rackspace(&RackspaceSettings::new(Some(a), &config)?, db, printer)
        }
        Some(SyncProvider::Mailroute(a)) => {
            run_mailroute(&MailrouteSettings::new(Some(a), &config)?, db, printer)
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
                status = status.max(run_rackspace(settings, db, printer)?);
            }
            if let Some(settings) = &mailroute {
                status = status.max(run_mailroute(settings, db, printer)?);
            }
            Ok(status)
        }
    }
}

pub fn run_rackspace(
    settings: &RackspaceSettings,
    db: &super::Db,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let client = Client::new(settings.client.clone())?;
    let mut store = db.open(Access::ReadWrite, printer)?;
    let runtime = runtime()?;
    let report = runtime.block_on(sync(&client, &mut store, &settings.plan, printer))?;
    print_report(&report, db.path(), printer)?;
    Ok(finish(&report.failures, printer))
}

pub fn run_mailroute(
    settings: &MailrouteSettings,
    db: &super::Db,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let client = mailroute::Client::new(settings.client.clone())?;
    let mut store = db.open(Access::ReadWrite, printer)?;
    let runtime = runtime()?;
    let report = runtime.block_on(crate::sync::mailroute::sync(
        &client,
        &mut store,
        settings.concurrency,
        printer,
    ))?;
    print_mailroute_report(&report, db.path(), printer)?;
    Ok(finish(&report.failures, printer))
}

pub fn print_mailroute_report(
    report: &crate::sync::mailroute::MailrouteRun,
    db: &Path,
    printer: &Printer,
) -> anyhow::Result<()> {
    let mut out = printer.stdout();
    writeln!(
        out,
        "synced MailRoute into {} in {:.1} s (run {})",
        db.display(),
        report.elapsed.as_secs_f64(),
        report.run_id
    )?;
    writeln!(
        out,
        "  {}  {} resellers, {} customers, {} contacts, {} admins",
        if report.replaced {
            "stored   "
        } else {
            "NOT STORED (the last snapshot stays)"
        },
        report.resellers,
        report.customers,
        report.contacts,
        report.admins
    )?;
    writeln!(
        out,
        "  requests   {} (retries {}, throttled {})",
        report.stats.requests, report.stats.retries, report.stats.throttled
    )?;
    out.flush()?;
    Ok(())
}

/// The runtime of a sync: two workers (downloads go on while the store writes).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Money as stored, with at least two decimals.
pub fn money(value: Decimal) -> String {
    let mut v = value.normalize();
    if v.scale() < 2 {
        v.rescale(2);
    }
    v.to_string()
}

pub fn print_report(report: &RackspaceRun, db: &Path, printer: &Printer) -> anyhow::Result<()> {
    let mut out = printer.stdout();
    let s = &report.stored;
    writeln!(
        out,
        "synced Rackspace account {} into {} in {:.1} s (run {})",
        report.reseller,
        db.display(),
        report.elapsed.as_secs_f64(),
        report.run_id
    )?;
    writeln!(
        out,
        "  customers  {} (contacts {})",
        report.counts.customers, report.counts.contacts
    )?;
    writeln!(
        out,
        "  this run   {} invoice headers; {} CSVs downloaded ({} lines, charge {}), {} missing (404)",
        report.counts.invoices,
        report.counts.csv_downloaded,
        report.counts.lines,
        money(report.counts.sum_charge),
        report.counts.csv_missing
    )?;
    writeln!(
        out,
        "  stored     {} invoices of {}: {} with lines, {} without a CSV, {} missing (404), {} not yet downloaded",
        s.invoices,
        report.accounts.join(", "),
        s.loaded,
        s.not_available,
        s.missing,
        s.pending
    )?;
    writeln!(
        out,
        "  requests   {} (retries {}, throttled {})",
        report.stats.requests, report.stats.retries, report.stats.throttled
    )?;
    out.flush()?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_every_digit() {
        assert_eq!(money(Decimal::new(12_3400, 4)), "12.34");
        assert_eq!(money(Decimal::new(5, 0)), "5.00");
        assert_eq!(money(Decimal::new(-1_2345, 4)), "-1.2345");
    }
}
