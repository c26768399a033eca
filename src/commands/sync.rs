//! `tally sync rackspace`: settings from flags, environment and config file; the
//! sync itself; the summary and the failures.

use std::io::Write;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use clap::Parser;

use crate::api::http::TransportOptions;
use crate::api::mailroute;
use crate::api::rackspace::{
    Client, ClientOptions, Credentials, DEFAULT_BASE_URL, DEFAULT_REQUESTS_PER_MINUTE,
    DEFAULT_USER_AGENT,
};
use crate::api::secret::Secret;
use crate::cli::{Cli, HttpArgs, MailrouteArgs, RackspaceArgs, SyncArgs, SyncProvider};
use crate::config::Config;
use crate::printer::{Printer, Verbosity};
use crate::store::Store;
use crate::sync::Failure;
use crate::sync::rackspace::{Plan, Report, sync};
use crate::{ExitStatus, UsageError};

pub const USER_KEY_ENV: &str = "TALLY_RACKSPACE_USER_KEY";
pub const SECRET_KEY_ENV: &str = "TALLY_RACKSPACE_SECRET_KEY";
pub const LOGIN_ENV: &str = "TALLY_MAILROUTE_LOGIN";
pub const API_KEY_ENV: &str = "TALLY_MAILROUTE_API_KEY";

fn from_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `tally sync [PROVIDER]`: one provider, or every one with keys configured.
pub fn run(args: &SyncArgs, cli: &Cli, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let config = Config::load(cli.config.as_deref(), cli.profile.as_deref())?;
    match &args.provider {
        Some(SyncProvider::Rackspace(a)) => run_rackspace(a, &config, cli, printer),
        Some(SyncProvider::Mailroute(a)) => run_mailroute(a, &config, cli, printer),
        None => {
            let rackspace = rackspace_keys(&config).is_some();
            let mailroute = mailroute_keys(&config).is_some();
            if !rackspace && !mailroute {
                return Err(UsageError(format!(
                    "no provider has keys: set {USER_KEY_ENV}/{SECRET_KEY_ENV} (Rackspace) or \
                     {LOGIN_ENV}/{API_KEY_ENV} (MailRoute), or put them in tally.toml"
                ))
                .into());
            }
            // Each provider with its defaults, as `tally sync PROVIDER` would run.
            let defaults = |provider: &str| -> anyhow::Result<Option<SyncProvider>> {
                let parsed = Cli::try_parse_from(["tally", "sync", provider])?;
                Ok(match parsed.command {
                    crate::cli::Command::Sync(s) => s.provider,
                    _ => None,
                })
            };
            let mut status = ExitStatus::Success;
            if rackspace && let Some(SyncProvider::Rackspace(a)) = defaults("rackspace")? {
                status = status.max(run_rackspace(&a, &config, cli, printer)?);
            }
            if mailroute && let Some(SyncProvider::Mailroute(a)) = defaults("mailroute")? {
                status = status.max(run_mailroute(&a, &config, cli, printer)?);
            }
            Ok(status)
        }
    }
}

fn rackspace_keys(config: &Config) -> Option<Credentials> {
    let user_key = from_env(USER_KEY_ENV).or_else(|| config.rackspace.user_key.clone())?;
    let secret_key = from_env(SECRET_KEY_ENV)
        .map(Secret::new)
        .or_else(|| config.rackspace.secret_key.clone())?;
    Some(Credentials {
        user_key,
        secret_key,
    })
}

fn mailroute_keys(config: &Config) -> Option<mailroute::Credentials> {
    let login = from_env(LOGIN_ENV).or_else(|| config.mailroute.login.clone())?;
    let api_key = from_env(API_KEY_ENV)
        .map(Secret::new)
        .or_else(|| config.mailroute.api_key.clone())?;
    Some(mailroute::Credentials { login, api_key })
}

/// The transport settings both providers share, checked.
fn transport(
    http: &HttpArgs,
    config_rpm: Option<u32>,
    config_agent: Option<&String>,
    default_rpm: u32,
    printer: &Printer,
) -> anyhow::Result<TransportOptions> {
    let rpm = http
        .requests_per_minute
        .or(config_rpm)
        .unwrap_or(default_rpm);
    let rpm = NonZeroU32::new(rpm)
        .ok_or_else(|| UsageError("--requests-per-minute must be at least 1".into()))?;
    if !(1..=64).contains(&http.concurrency) {
        return Err(UsageError("--concurrency must be from 1 to 64".into()).into());
    }
    if http.timeout == 0 {
        return Err(UsageError("--timeout must be at least 1 second".into()).into());
    }
    let agent = http
        .user_agent
        .clone()
        .or_else(|| config_agent.cloned())
        .unwrap_or_else(|| DEFAULT_USER_AGENT.to_owned());
    let mut options = TransportOptions::new(agent, rpm);
    options.timeout = Duration::from_secs(http.timeout);
    options.retry.max_attempts = http.retries.saturating_add(1);
    options.trace = printer.verbosity() >= Verbosity::Debug;
    Ok(options)
}

pub fn run_rackspace(
    args: &RackspaceArgs,
    config: &Config,
    cli: &Cli,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let settings = &config.rackspace;
    let Some(credentials) = rackspace_keys(config) else {
        return Err(UsageError(format!(
            "no Rackspace API keys: set {USER_KEY_ENV} and {SECRET_KEY_ENV}, or user_key and \
             secret_key under [rackspace] in tally.toml (--config FILE)"
        ))
        .into());
    };
    let transport = transport(
        &args.http,
        settings.requests_per_minute,
        settings.user_agent.as_ref(),
        DEFAULT_REQUESTS_PER_MINUTE,
        printer,
    )?;
    let since = args.since.as_deref().map(parse_month).transpose()?;
    let options = ClientOptions {
        base_url: args
            .base_url
            .clone()
            .or_else(|| settings.base_url.clone())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
        credentials,
        transport,
    };
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
        concurrency: args.http.concurrency,
    };
    let client = Client::new(options)?;
    let mut store = Store::open(&cli.db)?;
    let runtime = runtime()?;
    let report = runtime.block_on(sync(&client, &mut store, &plan, printer))?;
    print_report(&report, &cli.db, printer)?;
    Ok(finish(&report.failures, printer))
}

pub fn run_mailroute(
    args: &MailrouteArgs,
    config: &Config,
    cli: &Cli,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let settings = &config.mailroute;
    let Some(credentials) = mailroute_keys(config) else {
        return Err(UsageError(format!(
            "no MailRoute API key: set {LOGIN_ENV} and {API_KEY_ENV}, or login and api_key \
             under [mailroute] in tally.toml (--config FILE)"
        ))
        .into());
    };
    let transport = transport(
        &args.http,
        settings.requests_per_minute,
        settings.user_agent.as_ref(),
        mailroute::DEFAULT_REQUESTS_PER_MINUTE,
        printer,
    )?;
    let options = mailroute::ClientOptions {
        base_url: args
            .base_url
            .clone()
            .or_else(|| settings.base_url.clone())
            .unwrap_or_else(|| mailroute::DEFAULT_BASE_URL.to_owned()),
        credentials,
        transport,
    };
    let client = mailroute::Client::new(options)?;
    let mut store = Store::open(&cli.db)?;
    let runtime = runtime()?;
    let report = runtime.block_on(crate::sync::mailroute::sync(
        &client,
        &mut store,
        args.http.concurrency,
        printer,
    ))?;
    print_mailroute_report(&report, &cli.db, printer)?;
    Ok(finish(&report.failures, printer))
}

pub fn print_mailroute_report(
    report: &crate::sync::mailroute::Report,
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

/// For the demo: a MailRoute client of the sandbox.
pub fn mailroute_sandbox_client(
    base_url: String,
    rpm: u32,
) -> anyhow::Result<Arc<mailroute::Client>> {
    let mut options = mailroute::ClientOptions::new(mailroute::Credentials {
        login: crate::sandbox::SANDBOX_LOGIN.to_owned(),
        api_key: Secret::new(crate::sandbox::SANDBOX_API_KEY),
    });
    options.base_url = base_url;
    options.transport.requests_per_minute = NonZeroU32::new(rpm).expect("non-zero");
    Ok(mailroute::Client::new(options)?)
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
