//! `tally sync rackspace`: settings from flags, environment and config file; the
//! sync itself; the summary and the failures.

use std::io::Write;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::api::rackspace::{
    Client, ClientOptions, Credentials, DEFAULT_BASE_URL, DEFAULT_REQUESTS_PER_MINUTE,
};
use crate::api::secret::Secret;
use crate::cli::{Cli, RackspaceArgs};
use crate::config::Config;
use crate::printer::{Printer, Verbosity};
use crate::store::Store;
use crate::sync::rackspace::{Plan, Report, sync};
use crate::{ExitStatus, UsageError};

pub const USER_KEY_ENV: &str = "TALLY_RACKSPACE_USER_KEY";
pub const SECRET_KEY_ENV: &str = "TALLY_RACKSPACE_SECRET_KEY";

pub fn run_rackspace(
    args: &RackspaceArgs,
    cli: &Cli,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let config = Config::load(cli.config.as_deref(), cli.profile.as_deref())?;
    let settings = &config.rackspace;
    let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let user_key = from_env(USER_KEY_ENV).or_else(|| settings.user_key.clone());
    let secret_key = from_env(SECRET_KEY_ENV)
        .map(Secret::new)
        .or_else(|| settings.secret_key.clone());
    let (Some(user_key), Some(secret_key)) = (user_key, secret_key) else {
        return Err(UsageError(format!(
            "no Rackspace API keys: set {USER_KEY_ENV} and {SECRET_KEY_ENV}, or user_key and \
             secret_key under [rackspace] in tally.toml (--config FILE)"
        ))
        .into());
    };
    let rpm = args
        .requests_per_minute
        .or(settings.requests_per_minute)
        .unwrap_or(DEFAULT_REQUESTS_PER_MINUTE);
    let rpm = NonZeroU32::new(rpm)
        .ok_or_else(|| UsageError("--requests-per-minute must be at least 1".into()))?;
    if !(1..=64).contains(&args.concurrency) {
        return Err(UsageError("--concurrency must be from 1 to 64".into()).into());
    }
    if args.timeout == 0 {
        return Err(UsageError("--timeout must be at least 1 second".into()).into());
    }
    let since = args.since.as_deref().map(parse_month).transpose()?;
    let mut options = ClientOptions::new(Credentials {
        user_key,
        secret_key,
    });
    options.base_url = args
        .base_url
        .clone()
        .or_else(|| settings.base_url.clone())
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    if let Some(agent) = args
        .user_agent
        .clone()
        .or_else(|| settings.user_agent.clone())
    {
        options.transport.user_agent = agent;
    }
    options.transport.requests_per_minute = rpm;
    options.transport.timeout = Duration::from_secs(args.timeout);
    options.transport.retry.max_attempts = args.retries.saturating_add(1);
    options.transport.trace = printer.verbosity() >= Verbosity::Debug;
    let plan = Plan {
        accounts: if args.accounts.is_empty() {
            settings.accounts.clone().unwrap_or_default()
        } else {
            args.accounts.clone()
        },
        all_customers: args.all_customers,
        customer_details: args.customer_details,
        contacts: !args.no_contacts,
        since,
        refresh: args.refresh,
        concurrency: args.concurrency,
    };
    let client = Client::new(options)?;
    let mut store = Store::open(&cli.db)?;
    let runtime = runtime()?;
    let report = runtime.block_on(sync(&client, &mut store, &plan, printer))?;
    print_report(&report, &cli.db, printer)?;
    Ok(finish(&report, printer))
}

/// The runtime of a sync: two workers (downloads go on while the store writes).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// `YYYY-MM` → the first day of that month.
fn parse_month(text: &str) -> anyhow::Result<NaiveDate> {
    let parsed = text
        .split_once('-')
        .filter(|(y, m)| y.len() == 4 && (1..=2).contains(&m.len()))
        .and_then(|(y, m)| NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1));
    parsed.ok_or_else(|| {
        UsageError(format!(
            "--since: expected a month as YYYY-MM, e.g. 2024-01; found \"{text}\""
        ))
        .into()
    })
}

/// Money as stored, with at least two decimals.
pub fn money(value: Decimal) -> String {
    let mut v = value.normalize();
    if v.scale() < 2 {
        v.rescale(2);
    }
    v.to_string()
}

pub fn print_report(report: &Report, db: &Path, printer: &Printer) -> anyhow::Result<()> {
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
pub fn finish(report: &Report, printer: &Printer) -> ExitStatus {
    if report.failures.is_empty() {
        return ExitStatus::Success;
    }
    for failure in &report.failures {
        printer.error(&failure.to_string());
    }
    printer.error(&format!(
        "{} item{} could not be synced; run the same command again to retry {}",
        report.failures.len(),
        if report.failures.len() == 1 { "" } else { "s" },
        if report.failures.len() == 1 {
            "it"
        } else {
            "them"
        }
    ));
    ExitStatus::Failure
}

/// For the demo: a client of the sandbox.
pub fn sandbox_client(base_url: String, rpm: u32) -> anyhow::Result<Arc<Client>> {
    let mut options = ClientOptions::new(Credentials {
        user_key: crate::sandbox::SANDBOX_USER_KEY.to_owned(),
        secret_key: Secret::new(crate::sandbox::SANDBOX_SECRET_KEY),
    });
    options.base_url = base_url;
    options.transport.requests_per_minute = NonZeroU32::new(rpm).expect("non-zero");
    Ok(Client::new(options)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        assert_eq!(
            parse_month("2024-01").unwrap(),
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
        );
        assert_eq!(
            parse_month("2017-7").unwrap(),
            NaiveDate::from_ymd_opt(2017, 7, 1).unwrap()
        );
        for bad in ["2024", "2024-13", "24-01", "2024-01-01", "x"] {
            assert_eq!(
                parse_month(bad).unwrap_err().to_string(),
                format!("--since: expected a month as YYYY-MM, e.g. 2024-01; found \"{bad}\"")
            );
        }
    }

    #[test]
    fn money_keeps_every_digit() {
        assert_eq!(money(Decimal::new(12_3400, 4)), "12.34");
        assert_eq!(money(Decimal::new(5, 0)), "5.00");
        assert_eq!(money(Decimal::new(-1_2345, 4)), "-1.2345");
    }
}
