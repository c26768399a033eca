//! `tally demo`: the sandbox in-process, a sync of it into the database, and a
//! short picture of the latest month with what to try next.

use std::io::Write;
use std::net::SocketAddr;

use crate::ExitStatus;
use crate::api::secret::Secret;
use crate::api::{mailroute, rackspace};
use crate::cli::DemoArgs;
use crate::commands::runtime;
use crate::commands::sync::print_run;
use crate::month::Month;
use crate::printer::Printer;
use crate::render::money;
use crate::render::table::Table;
use crate::report;
use crate::sandbox::{SandboxOptions, WorldOptions, start};
use crate::settings::Settings;
use crate::store::{Access, Store};
use crate::sync::rackspace::{Plan, sync};

/// The demo's client rate: the sandbox has no limit here, the demo should be quick.
const DEMO_REQUESTS_PER_MINUTE: u32 = 6_000;

/// The demo's database when neither --db nor TALLY_DB names one: never the real
/// `tally.duckdb`.
pub const DEMO_DB: &str = "tally-demo.duckdb";

pub fn run(args: &DemoArgs, settings: &Settings, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut db = settings.db.clone();
    if !settings.db_named {
        db.path = std::path::PathBuf::from(DEMO_DB);
    }
    let _one_sync = db.sync_lock(printer)?;
    if let Some(why) = db.open(Access::ReadWrite, printer)?.real_data()? {
        anyhow::bail!(
            "{} holds real data ({why}); the demo writes sandbox data only into a database of its own: run `tally demo` without --db (it uses {DEMO_DB}), or name a new file with --db",
            db.path().display()
        );
    }
    // Synced in write windows as `tally sync` is: the file can be read meanwhile.
    let mut windows = db.windows(db.lock_timeout, "--lock-timeout", printer);
    let runtime = runtime()?;
    let (run, mr_run) = runtime.block_on(async {
        let options = SandboxOptions {
            world: WorldOptions {
                seed: args.seed,
                ..WorldOptions::as_of(args.as_of.unwrap_or_else(Month::current), 48)
            },
            ..SandboxOptions::default()
        };
        let sandbox = start(options, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        printer.note(&format!(
            "sandbox running on {} (stops with the demo)",
            sandbox.url()
        ));
        let client = rackspace::Client::new(
            rackspace::ClientOptions::new(rackspace::Credentials {
                user_key: crate::sandbox::SANDBOX_USER_KEY.to_owned(),
                secret_key: Secret::new(crate::sandbox::SANDBOX_SECRET_KEY),
            })
            .at(sandbox.url(), DEMO_REQUESTS_PER_MINUTE),
        )?;
        let plan = Plan {
            accounts: Vec::new(),
            all_customers: false,
            customer_details: true,
            contacts: true,
            since: None,
            refresh: false,
            concurrency: 4,
        };
        let run = sync(&client, &mut windows, &plan, printer).await;
        let mr_client = mailroute::Client::new(
            mailroute::ClientOptions::new(mailroute::Credentials {
                login: crate::sandbox::SANDBOX_LOGIN.to_owned(),
                api_key: Secret::new(crate::sandbox::SANDBOX_API_KEY),
            })
            .at(sandbox.mailroute_url(), DEMO_REQUESTS_PER_MINUTE),
        )?;
        let mr_run = crate::sync::mailroute::sync(&mr_client, &mut windows, 4, printer).await;
        sandbox.shutdown().await;
        Ok::<_, anyhow::Error>((run?, mr_run?))
    })?;
    let status = print_run(&run, db.path(), printer)?.max(print_run(&mr_run, db.path(), printer)?);
    let store = db.open(Access::ReadOnly, printer)?;
    if let Some(reseller) = &run.reseller {
        latest_month(&store, reseller, printer)?;
    }
    let pack_path = db.path().with_extension("html");
    let pack = crate::pack::write(
        store.connection(),
        None,
        None,
        crate::report::DEFAULT_THRESHOLD_PERCENT,
        &pack_path,
        |w| printer.warn(w),
    )?;
    let mut out = printer.stdout();
    let pack_month = pack.as_ref().map(|p| p.month);
    if let Some(pack) = pack {
        writeln!(
            out,
            "\nMonth pack of {} (open it in a browser, print it to PDF): {}",
            pack.month,
            pack_path.display()
        )?;
    }
    let db = db.path().display();
    writeln!(out, "\nTry next:")?;
    writeln!(
        out,
        "  tally --db {db} sql \"SELECT invoice_date::DATE AS month, total_due, line_count, csv_status FROM invoices ORDER BY invoice_date DESC LIMIT 12\""
    )?;
    writeln!(
        out,
        "  tally --db {db} sql \"SELECT product, sum(charge) AS charge FROM line_items GROUP BY ALL ORDER BY charge DESC\""
    )?;
    writeln!(
        out,
        "  tally --db {db} report reconcile         # findings; exit code 1 on any error"
    )?;
    writeln!(
        out,
        "  tally --db {db} report coverage          # billed seats beside MailRoute's user counts"
    )?;
    if let Some(month) = &pack_month {
        let year_before = Month::of(month.first_day() - chrono::Months::new(12));
        writeln!(
            out,
            "  tally --db {db} pack --month {year_before} --out pack.html   # another month's pack"
        )?;
    }
    writeln!(
        out,
        "  tally --db {db} export --out finops --format focus     # FOCUS 1.2 for FinOps tools"
    )?;
    writeln!(
        out,
        "  tally --db {db} export --out exports --format parquet --partition month"
    )?;
    writeln!(
        out,
        "  tally --db {db} sql --format csv \"SELECT * FROM sync_runs\""
    )?;
    writeln!(
        out,
        "  tally sandbox --faults heavy    # then: tally sync rackspace --base-url http://127.0.0.1:8765"
    )?;
    writeln!(
        out,
        "  duckdb {db}                      # the file is an ordinary DuckDB database"
    )?;
    out.flush()?;
    Ok(status)
}

/// The newest invoice with lines: its total against Σ lines, and its largest
/// sub-accounts.
fn latest_month(store: &Store, reseller: &str, printer: &Printer) -> anyhow::Result<()> {
    let conn = store.connection();
    let Some(latest) = report::latest_invoice(conn, reseller)? else {
        return Ok(());
    };
    let mut out = printer.stdout();
    let total_due = latest.total_due.map_or("NULL".to_owned(), money);
    writeln!(
        out,
        "\nLatest invoice {} ({}): TotalDue {total_due}, {} lines for {} sub-accounts, Σ charge {} {}",
        latest.invoice_id,
        latest.invoice_date,
        latest.lines,
        latest.sub_accounts,
        money(latest.sum_charge),
        if latest.total_due == Some(latest.sum_charge) {
            "(= TotalDue)"
        } else {
            "(≠ TotalDue!)"
        }
    )?;
    let mut table = Table::new(vec![
        ("sub-account".into(), false),
        ("name".into(), false),
        ("lines".into(), true),
        ("charge".into(), true),
    ]);
    for share in report::largest_accounts(conn, &latest.invoice_id, 5)? {
        table.push(vec![
            share.account_no,
            share.name.unwrap_or_default(),
            share.lines.to_string(),
            crate::render::Kind::Money.decimal(share.charge),
        ]);
    }
    writeln!(out, "Largest sub-accounts on it:")?;
    table.write(&mut out)?;
    out.flush()?;
    Ok(())
}
