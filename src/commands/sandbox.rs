//! `tally sandbox`: the built-in API emulator in the foreground until Ctrl-C.

use std::io::Write;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use crate::cli::SandboxArgs;
use crate::commands::runtime;
use crate::month::Month;
use crate::printer::Printer;
use crate::sandbox::{
    FaultSpec, SANDBOX_USER_KEY, SandboxOptions, World, WorldOptions, WorldSize, start,
};
use crate::settings::{API_KEY_ENV, LOGIN_ENV, SECRET_KEY_ENV, USER_KEY_ENV};
use crate::{ExitStatus, UsageError};

pub fn run(args: &SandboxArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let options = options(args)?;
    if args.ground_truth {
        let mut out = printer.stdout();
        let world = World::generate(options.world);
        out.write_all(world.ground_truth().as_bytes())?;
        if options.world.anomalies {
            out.write_all(b"\n")?;
            out.write_all(world.anomalies_csv().as_bytes())?;
        }
        out.flush()?;
        return Ok(ExitStatus::Success);
    }
    let runtime = runtime()?;
    runtime.block_on(async {
        let addr = SocketAddr::new(args.bind, args.port);
        let sandbox = start(options.clone(), addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
        let url = sandbox.url();
        let mut out = printer.stdout();
        writeln!(out, "tally sandbox listening on {url}")?;
        writeln!(
            out,
            "  world: {}, seed {}, {} customers, {} monthly invoices ({} to {}); faults: {}; latency {} ms; rate limit: {}",
            args.world,
            options.world.seed,
            options.world.customers,
            options.world.months,
            options.world.first(),
            options.world.last(),
            options.faults,
            options.latency.as_millis(),
            options
                .requests_per_minute
                .map_or("none".to_owned(), |r| format!("{r}/min"))
        )?;
        if options.user_key == SANDBOX_USER_KEY {
            writeln!(out, "  try: {USER_KEY_ENV}=sandbox-user-key {SECRET_KEY_ENV}=sandbox-secret-key tally sync rackspace --base-url {url}")?;
        } else {
            writeln!(out, "  keys: the {USER_KEY_ENV}/{SECRET_KEY_ENV} of this environment")?;
        }
        if options.mailroute_login == crate::sandbox::SANDBOX_LOGIN {
            writeln!(out, "  MailRoute: {LOGIN_ENV}=sandbox-login {API_KEY_ENV}=sandbox-api-key tally sync mailroute --base-url {url}/api/v1/")?;
        }
        writeln!(out, "  ground truth: {url}/_sandbox/ground-truth; counters: {url}/_sandbox/stats")?;
        if options.world.anomalies {
            writeln!(out, "  anomalies injected: {url}/_sandbox/anomalies")?;
        }
        out.flush()?;
        drop(out);
        tokio::signal::ctrl_c().await?;
        let stats = sandbox.stats();
        sandbox.shutdown().await;
        printer.note(&format!(
            "stopped after {} requests ({} throttled, {} refused for the signature, {} CSVs served)",
            stats.requests, stats.throttled, stats.unauthorized, stats.csv_served
        ));
        Ok(ExitStatus::Success)
    })
}

fn options(args: &SandboxArgs) -> anyhow::Result<SandboxOptions> {
    let faults =
        FaultSpec::parse(&args.faults).map_err(|e| UsageError(format!("--faults: {e}")))?;
    let size: WorldSize = args
        .world
        .parse()
        .map_err(|e| UsageError(format!("--world: {e}")))?;
    let world = WorldOptions::of(size);
    let (customers, months) = (
        args.customers.unwrap_or(world.customers),
        args.months.unwrap_or(world.months),
    );
    if customers == 0 || months == 0 || months > 600 {
        return Err(
            UsageError("--customers must be at least 1 and --months from 1 to 600".into()).into(),
        );
    }
    let mut options = SandboxOptions {
        world: WorldOptions {
            seed: args.seed,
            customers,
            anomalies: args.anomalies,
            altered: args.alter_past_invoice,
            reseller_account: args.reseller_account,
            ..world.dated(args.as_of.unwrap_or_else(Month::current), months)
        },
        requests_per_minute: match args.requests_per_minute {
            None => None,
            Some(n) => Some(NonZeroU32::new(n).ok_or_else(|| {
                UsageError(
                    "--requests-per-minute must be at least 1 (leave it out for no limit)".into(),
                )
            })?),
        },
        faults,
        latency: Duration::from_millis(args.latency_ms),
        reseller_name: args.reseller_name.clone(),
        ..SandboxOptions::default()
    };
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if let (Some(user), Some(secret)) = (env(USER_KEY_ENV), env(SECRET_KEY_ENV)) {
        options.user_key = user;
        options.secret_key = secret;
    }
    if let (Some(login), Some(key)) = (env(LOGIN_ENV), env(API_KEY_ENV)) {
        options.mailroute_login = login;
        options.mailroute_api_key = key;
    }
    Ok(options)
}
