//! The providers' settings: flags, the environment and `tally.toml` become the
//! sync's and the clients' checked options (keys, base URL, rate, accounts).

use std::num::NonZeroU32;
use std::time::Duration;

use super::{API_KEY_ENV, LOGIN_ENV, SECRET_KEY_ENV, USER_KEY_ENV};
use crate::UsageError;
use crate::api::http::{DEFAULT_MAX_BODY_MIB, DEFAULT_TIMEOUT_SECS};
use crate::api::http::{DEFAULT_USER_AGENT, TransportOptions};
use crate::api::retry::{DEFAULT_RETRIES, DEFAULT_RETRY_DELAY_MS};
use crate::api::secret::Secret;
use crate::api::{BaseUrl, mailroute, rackspace};
use crate::cli::{HttpArgs, MailrouteArgs, RackspaceArgs};
use crate::config::Config;
use crate::ids::AccountNumber;
use crate::sync::DEFAULT_CONCURRENCY;
use crate::sync::rackspace::{Account, Plan};

fn from_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The Rackspace keys from the environment, else the config file.
pub fn rackspace_keys(config: &Config) -> Option<rackspace::Credentials> {
    let user_key = from_env(USER_KEY_ENV).or_else(|| config.rackspace.user_key.clone())?;
    let secret_key = from_env(SECRET_KEY_ENV)
        .map(Secret::new)
        .or_else(|| config.rackspace.secret_key.clone())?;
    Some(rackspace::Credentials {
        user_key,
        secret_key,
    })
}

/// The MailRoute keys from the environment, else the config file.
pub fn mailroute_keys(config: &Config) -> Option<mailroute::Credentials> {
    let login = from_env(LOGIN_ENV).or_else(|| config.mailroute.login.clone())?;
    let api_key = from_env(API_KEY_ENV)
        .map(Secret::new)
        .or_else(|| config.mailroute.api_key.clone())?;
    Some(mailroute::Credentials { login, api_key })
}

/// How requests are made, checked; `None`: every flag at its default.
fn transport(
    http: Option<&HttpArgs>,
    config_rpm: Option<u32>,
    config_agent: Option<&String>,
    default_rpm: u32,
) -> Result<(TransportOptions, usize), UsageError> {
    let rpm = http
        .and_then(|h| h.requests_per_minute)
        .or(config_rpm)
        .unwrap_or(default_rpm);
    let rpm = NonZeroU32::new(rpm)
        .ok_or_else(|| UsageError("--requests-per-minute must be at least 1".into()))?;
    let concurrency = http.map_or(DEFAULT_CONCURRENCY, |h| h.concurrency);
    if !(1..=64).contains(&concurrency) {
        return Err(UsageError("--concurrency must be from 1 to 64".into()));
    }
    let timeout = http.map_or(DEFAULT_TIMEOUT_SECS, |h| h.timeout);
    if timeout == 0 {
        return Err(UsageError("--timeout must be at least 1 second".into()));
    }
    let max_body = http.map_or(DEFAULT_MAX_BODY_MIB, |h| h.max_body_size);
    if max_body == 0 {
        return Err(UsageError(
            "--max-body-size must be at least 1 (MiB)".into(),
        ));
    }
    let agent = http
        .and_then(|h| h.user_agent.clone())
        .or_else(|| config_agent.cloned())
        .unwrap_or_else(|| DEFAULT_USER_AGENT.to_owned());
    let mut options = TransportOptions::new(agent, rpm);
    options.timeout = Duration::from_secs(timeout);
    options.retry.max_attempts = http
        .map_or(DEFAULT_RETRIES, |h| h.retries)
        .saturating_add(1);
    options.retry.base_delay = Duration::from_millis(
        http.map_or(DEFAULT_RETRY_DELAY_MS, |h| h.retry_delay_ms)
            .max(1),
    );
    options.max_body_bytes =
        usize::try_from(max_body.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
    Ok((options, concurrency))
}

/// The base URL from the flag, else the config file, else the provider's default;
/// checked (https, or plain http only on loopback; no user:password) before any
/// key goes near it.
fn base_url(
    flag: Option<&String>,
    config: &Config,
    from_config: Option<&String>,
    default: &str,
) -> Result<BaseUrl, UsageError> {
    match (flag, from_config) {
        (Some(url), _) => BaseUrl::parse(url).map_err(|e| UsageError(format!("--base-url: {e}"))),
        (None, Some(url)) => BaseUrl::parse(url)
            .map_err(|e| UsageError(format!("{}: base_url: {e}", config.file_name()))),
        (None, None) => BaseUrl::parse(default).map_err(|e| UsageError(e.to_string())),
    }
}

/// Rackspace accounts to pull: digits, or `me` (any case).
fn accounts(given: &[String]) -> Result<Vec<Account>, UsageError> {
    given
        .iter()
        .map(|a| {
            let a = a.trim();
            if a.eq_ignore_ascii_case("me") {
                return Ok(Account::Me);
            }
            AccountNumber::parse(a)
                .map(Account::Number)
                .map_err(|e| UsageError(format!("--account: {e}, or `me`")))
        })
        .collect()
}

/// Everything `tally sync rackspace` needs, checked: the sync's own options, built
/// here from the flags, the environment and the config file.
pub type RackspaceSettings = crate::sync::rackspace::Options;

impl RackspaceSettings {
    /// From the flags (`None`: `tally sync` alone, every flag at its default), the
    /// environment and the config file.
    pub fn new(args: Option<&RackspaceArgs>, config: &Config) -> Result<Self, UsageError> {
        let file = &config.rackspace;
        let Some(credentials) = rackspace_keys(config) else {
            return Err(UsageError(format!(
                "no Rackspace API keys: set {USER_KEY_ENV} and {SECRET_KEY_ENV}, or user_key and \
                 secret_key under [rackspace] in tally.toml (--config FILE)"
            )));
        };
        let (transport, concurrency) = transport(
            args.map(|a| &a.http),
            file.requests_per_minute,
            file.user_agent.as_ref(),
            rackspace::DEFAULT_REQUESTS_PER_MINUTE,
        )?;
        let base_url = base_url(
            args.and_then(|a| a.base_url.as_ref()),
            config,
            file.base_url.as_ref(),
            rackspace::DEFAULT_BASE_URL,
        )?;
        let given = args.map_or(&[][..], |a| &a.accounts);
        let accounts = accounts(if given.is_empty() {
            file.accounts.as_deref().unwrap_or_default()
        } else {
            given
        })?;
        Ok(Self {
            client: rackspace::ClientOptions {
                base_url: base_url.to_string(),
                credentials,
                transport,
            },
            plan: Plan {
                accounts,
                all_customers: args.is_some_and(|a| a.all_customers),
                customer_details: args.is_some_and(|a| a.customer_details),
                contacts: !args.is_some_and(|a| a.no_contacts),
                since: args
                    .and_then(|a| a.since)
                    .map(crate::month::Month::first_day),
                refresh: args.is_some_and(|a| a.refresh),
                concurrency,
            },
        })
    }
}

/// Everything `tally sync mailroute` needs, checked: the sync's own options, built
/// here from the flags, the environment and the config file.
pub type MailrouteSettings = crate::sync::mailroute::Options;

impl MailrouteSettings {
    /// From the flags (`None`: every flag at its default), the environment and the
    /// config file.
    pub fn new(args: Option<&MailrouteArgs>, config: &Config) -> Result<Self, UsageError> {
        let file = &config.mailroute;
        let Some(credentials) = mailroute_keys(config) else {
            return Err(UsageError(format!(
                "no MailRoute API key: set {LOGIN_ENV} and {API_KEY_ENV}, or login and api_key \
                 under [mailroute] in tally.toml (--config FILE)"
            )));
        };
        let (transport, concurrency) = transport(
            args.map(|a| &a.http),
            file.requests_per_minute,
            file.user_agent.as_ref(),
            mailroute::DEFAULT_REQUESTS_PER_MINUTE,
        )?;
        let base_url = base_url(
            args.and_then(|a| a.base_url.as_ref()),
            config,
            file.base_url.as_ref(),
            mailroute::DEFAULT_BASE_URL,
        )?;
        Ok(Self {
            client: mailroute::ClientOptions {
                base_url: base_url.to_string(),
                credentials,
                transport,
            },
            concurrency,
        })
    }
}
