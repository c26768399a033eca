//! Command-line definitions (clap). No logic here: commands turn these into
//! checked settings before any work starts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::month::{Month, MonthSelection};
use crate::printer::Verbosity;
use crate::report::ReportName;

/// tally: your hosted-email billing data in one DuckDB file, exact to the cent.
///
/// Pulls Rackspace Email & Apps customers, contacts, invoices and their line items
/// (or loads line-item CSV files) and MailRoute customers, contacts and admins into
/// an embedded DuckDB database with exact decimals; reports, reconciles, exports,
/// and answers SQL over them. `tally demo` shows it all against the built-in sandbox.
///
/// Exit codes: 0 success, 1 a data or remote failure (a rejected file, a failed
/// query), 2 a usage error.
#[derive(Debug, Parser)]
#[command(name = "tally", version, propagate_version = true)]
#[command(after_help = "Examples:\n  \
    tally demo\n  \
    tally sync rackspace --since 2024-01\n  \
    tally load data/\n  \
    tally sql \"SELECT product, sum(charge) FROM line_items GROUP BY ALL\"\n  \
    tally --db books.duckdb load --account 1234567 invoices/")]
pub struct Cli {
    /// The DuckDB database file [default: tally.duckdb; for `tally demo`,
    /// tally-demo.duckdb].
    #[arg(long, global = true, env = "TALLY_DB", value_name = "FILE")]
    pub db: Option<PathBuf>,

    /// Seconds to wait while another process (another tally, the duckdb CLI) holds
    /// the database file, before giving up with exit code 1.
    #[arg(long, global = true, default_value_t = 60, value_name = "SECS")]
    pub lock_timeout: u64,

    /// The most memory DuckDB may use for this command (e.g. 512MiB, 4GB); beyond
    /// it, large sorts and joins spill to a folder beside the database
    /// (<db>.tmp/). Peak memory stays within it plus ~256 MiB of tally's own.
    #[arg(long, global = true, env = "TALLY_MEMORY_LIMIT", value_name = "SIZE",
          default_value = crate::store::MemoryLimit::DEFAULT)]
    pub memory_limit: crate::store::MemoryLimit,

    /// The config file (keys, base URL, rate limit; named profiles). Default:
    /// ./tally.toml when it exists.
    #[arg(long, global = true, env = "TALLY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The profile of the config file to use ([profiles.NAME.rackspace]).
    #[arg(long, global = true, env = "TALLY_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Say more on stderr (-v: each invoice as it is stored; -vv: each HTTP request).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Say nothing on stderr but errors; no progress bars.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The database file when neither --db nor TALLY_DB names one.
pub const DEFAULT_DB: &str = "tally.duckdb";

impl Cli {
    /// The database file: --db (or TALLY_DB), else `tally.duckdb`.
    pub fn db_path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB))
    }

    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, _) => Verbosity::Debug,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Demo(DemoArgs),
    Sync(SyncArgs),
    Load(LoadArgs),
    Report(ReportArgs),
    Export(ExportArgs),
    Sql(SqlArgs),
    Status(StatusArgs),
    Statements(StatementsArgs),
    Pack(PackArgs),
    Close(CloseArgs),
    Reopen(ReopenArgs),
    Rackspace(RackspaceActArgs),
    Mailroute(MailrouteActArgs),
    Sandbox(SandboxArgs),
    Completions(CompletionsArgs),
    Man(ManArgs),
}

/// Show what the database holds: each provider's last run and the age of its last
/// successful sync, the billing months covered, invoices by CSV status, line items
/// and their Σ charge, and whether the summaries the reports read hold every line.
///
/// With --check, exit code 1 when a provider's last run did not end ok, its last
/// successful sync is older than 35 days, a write's outcome is unknown, or the
/// summaries are out of step with the lines (each problem on stderr): for cron and
/// monitoring.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally status\n  \
    tally status --format json\n  \
    tally -q status --check || mail -s 'tally needs a look' billing@example.com < /dev/null")]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// Exit 1 when data is stale or the last run failed.
    #[arg(long)]
    pub check: bool,

    #[command(flatten)]
    pub scope: ResellerArg,
}

/// `--reseller`: one reseller account's part of a file synced with several.
#[derive(Debug, Args, Clone, Default)]
pub struct ResellerArg {
    /// Only this Rackspace reseller account's invoices and customers (a file synced
    /// with two profiles holds two; `tally status` lists them) [default: all].
    #[arg(long, value_name = "ACCOUNT")]
    pub reseller: Option<String>,
}

/// Write the month pack: one self-contained, printable HTML page with the month at a glance.
///
/// The page holds the headline (provider cost and its change from the month before;
/// with a price book also sell, margin and margin %; sub-accounts billed, seats,
/// invoices, findings by severity), four charts with their numbers in tables (cost
/// per month over the last 24 months, cost by product, the 10 sub-accounts that
/// moved most, seats per product), the reconcile findings, coverage mismatches when
/// MailRoute is synced, and the month's customers. It makes no network request
/// (inline CSS and SVG, system fonts): open it, print it to PDF, or attach it.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally pack --out pack.html                      # the latest month\n  \
    tally pack --month 2019-12 --out 2019-12.html --prices prices.toml\n  \
    chromium --headless --print-to-pdf=2019-12.pdf 2019-12.html")]
pub struct PackArgs {
    /// The billing month (YYYY-MM) [default: the latest month with line items].
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<Month>,

    /// The HTML file to write (whole or not at all).
    #[arg(long, value_name = "FILE.html")]
    pub out: PathBuf,

    #[command(flatten)]
    pub book: PriceBookArg,

    #[command(flatten)]
    pub reconcile: ThresholdArg,

    #[command(flatten)]
    pub scope: ResellerArg,
}

/// Write one statement per billed sub-account for a month, and an index.
///
/// Each statement (DIR/M/<account>.<ext>) holds the seller, the customer's name,
/// account and reference number, the month, a number stable across re-runs
/// (M-<account>, with -r<N> from a month's second close on), the lines grouped by
/// product (type, service period, seats, months, rate, amount), the fees and the
/// total (excluding tax). A closed month's statements show its frozen bill. Files are
/// written whole; a re-run writes identical bytes for identical data and removes the
/// statements it wrote earlier for accounts no longer billed that month.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally statements --month 2019-12 --out statements/\n  \
    tally statements --month 2019-12 --out statements/ --format json --account 1300008")]
pub struct StatementsArgs {
    /// The billing month (YYYY-MM).
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Month,

    /// The folder (statements go into DIR/YYYY-MM/).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// File format.
    #[arg(long, value_enum, default_value_t = StatementFormat::Html)]
    pub format: StatementFormat,

    /// Only these sub-accounts (repeatable).
    #[arg(long = "account", value_name = "ACCT")]
    pub accounts: Vec<String>,

    #[command(flatten)]
    pub book: PriceBookArg,

    /// CSV: write text cells exactly as stored.
    #[arg(long)]
    pub raw: bool,

    #[command(flatten)]
    pub scope: ResellerArg,
}

pub use crate::billing::statement_files::Format as StatementFormat;

/// Close a billing month: freeze its bill under the price book.
///
/// Every provider line's cost and sell, every fee, and the price book's text and hash
/// are stored in one transaction, as the month's next revision. From then on `report
/// margin` reads the frozen bill, so neither a price change nor later provider data
/// rewrites a month already sent to customers; a later change to the month's provider
/// data is still stored, and `report reconcile` reports it (`closed_month_changed`).
/// A month with reconcile errors is refused unless --force.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally close 2019-12\n  \
    tally close 2019-12 --prices prices.toml --force\n  \
    tally reopen 2019-12 --reason \"credit note for 1300008\"")]
pub struct CloseArgs {
    /// The billing month (YYYY-MM).
    #[arg(value_name = "YYYY-MM")]
    pub month: Month,

    #[command(flatten)]
    pub book: PriceBookArg,

    /// Close even though reconcile reports errors for the month.
    #[arg(long)]
    pub force: bool,
}

/// Reopen a closed billing month (the reason is stored with the time); a new close
/// freezes it again as the next revision.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally reopen 2019-12 --reason \"provider credited invoice 9053122\"")]
pub struct ReopenArgs {
    /// The billing month (YYYY-MM).
    #[arg(value_name = "YYYY-MM")]
    pub month: Month,

    /// Why it is reopened (required; stored).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
}

/// Print a shell completion script for tally.
///
/// Generated from the same definitions as `--help`, so it always matches this
/// version's commands and flags.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally completions bash > ~/.local/share/bash-completion/completions/tally\n  \
    tally completions zsh > \"${fpath[1]}/_tally\"\n  \
    tally completions fish > ~/.config/fish/completions/tally.fish\n  \
    tally completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

/// Print tally's man page (roff), generated from the same definitions as `--help`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally man > /usr/local/share/man/man1/tally.1\n  \
    tally man | man -l -")]
pub struct ManArgs {}

/// Print a report: customers, products, prorations, reconcile, coverage, months or margin.
///
/// The billing month is the invoice date's month (for files loaded without a date,
/// the month of the latest service start). Money is exact as stored, never rounded
/// through a float. `reconcile` exits with code 1 when any finding is an error, so a
/// cron job can alert.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally report customers\n  \
    tally report reconcile --month 2019-12 --threshold 50\n  \
    tally report products --month all --format csv --out products.csv\n  \
    tally report prorations --format parquet --out prorations.parquet\n  \
    tally report margin --month 2019-12 --prices prices.toml\n  \
    tally report margin --month all --by product --format csv")]
pub struct ReportArgs {
    /// The report.
    #[arg(value_enum)]
    pub name: ReportName,

    /// The billing month (YYYY-MM), or `all` [default: the latest month with line items].
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<MonthSelection>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,

    /// Write to this file (whole or not at all) instead of stdout; parquet needs it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    pub reconcile: ThresholdArg,

    /// CSV: write text cells exactly as stored (no leading ' before = + - @ tab CR).
    #[arg(long)]
    pub raw: bool,

    #[command(flatten)]
    pub book: PriceBookArg,

    /// margin: one row per sub-account (default) or per product (fees as `Fees`).
    #[arg(long, value_enum, default_value_t = MarginBy::Account)]
    pub by: MarginBy,

    #[command(flatten)]
    pub scope: ResellerArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MarginBy {
    Account,
    Product,
}

/// Write tables and reports as CSV or Parquet files, for accounting or a data lake.
///
/// One folder per table under --out: invoices, line_items, customers, contacts,
/// mr_customers, mr_contacts, mr_admins, and report_customers, report_products,
/// report_prorations, report_reconcile, report_coverage, report_months (over all
/// months). With --partition month the month-based ones are
/// split hive-style into month=YYYY-MM/ folders. Each file is written under a
/// temporary name and renamed: a crash never leaves half a file, and a re-run
/// replaces files, never adds to them. Parquet keeps DECIMAL types; in CSV, text
/// starting with = + - @ tab or CR gets a leading ' so no spreadsheet executes it.
///
/// --format focus writes the line items as a FinOps FOCUS 1.2 cost-and-usage dataset
/// in Parquet under DIR/focus/ (README "FOCUS 1.2" maps each column), for FinOps and
/// data-lake tools. --format quickbooks|xero --month M writes the month's statements
/// (the price book's sell lines and fees) as the platform's invoice-import CSV under
/// DIR/quickbooks/M/ or DIR/xero/M/, one invoice per sub-account; names, terms,
/// dates, account code and tax type come from the price book's [accounting] table.
///
/// --out s3://BUCKET/PREFIX (also gs://, az://) writes the same layout into object
/// storage: each file uploaded whole as soon as it is written (one PUT, or a
/// multipart upload completed at the end), the prefix's .tally-manifest.json
/// mirroring the database as a folder's does. Credentials come from the store's own
/// chain (for S3: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
/// AWS_REGION, instance roles); AWS_ENDPOINT_URL or [export] endpoint in tally.toml
/// for an S3-compatible store.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally export --out exports/\n  \
    tally export --out s3://lake/tally --format parquet --partition month\n  \
    tally export --out finops/ --format focus --partition month --currency USD\n  \
    tally export --out books/ --format xero --month 2019-12\n  \
    tally export --out /data/tally --format parquet --partition month --since 2024-01\n  \
    tally export --out monthly/ --tables line_items,report_customers --format csv\n\n\
A monthly cron job (sync, then export the month just closed):\n  \
    0 6 2 * * cd /srv/tally && tally -q sync rackspace && tally -q export --out /data/tally --format parquet --partition month --since $(date -d 'last month' +\\%Y-\\%m)")]
pub struct ExportArgs {
    /// The folder to write into (created if needed), or s3://BUCKET/PREFIX,
    /// gs://BUCKET/PREFIX, az://CONTAINER/PREFIX, file://DIR.
    #[arg(long, value_name = "DIR|URL")]
    pub out: PathBuf,

    /// File format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,

    /// Split month-based tables into month=YYYY-MM/ folders.
    #[arg(long, value_enum, value_name = "BY")]
    pub partition: Option<Partition>,

    /// Only months from this one on (YYYY-MM), for month-based tables.
    #[arg(long, value_name = "YYYY-MM")]
    pub since: Option<Month>,

    /// Which tables, comma-separated [default: all].
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub tables: Vec<String>,

    /// CSV: write text cells exactly as stored (no leading ' before = + - @ tab CR).
    #[arg(long)]
    pub raw: bool,

    /// focus: the currency the provider bills in (ISO 4217) [default: [billing]
    /// currency in tally.toml, else USD].
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,

    /// quickbooks, xero: the billing month whose statements to write.
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<Month>,

    #[command(flatten)]
    pub book: PriceBookArg,

    #[command(flatten)]
    pub scope: ResellerArg,
}

/// The report names, with each report's description as its help.
impl ValueEnum for ReportName {
    fn value_variants<'a>() -> &'a [Self] {
        &ReportName::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()).help(self.report().about))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Every table and report as CSV (text a spreadsheet would run neutralised).
    Csv,
    /// Every table and report as Parquet (exact DECIMAL types).
    Parquet,
    /// The line items as a FOCUS 1.2 cost-and-usage dataset (Parquet, DIR/focus/).
    Focus,
    /// A month's statements as a QuickBooks Online invoice import (needs --month).
    Quickbooks,
    /// A month's statements as Xero sales-invoice and credit-note imports (needs --month).
    Xero,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Partition {
    Month,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned columns for a terminal; numbers right-aligned.
    Table,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// A JSON array of objects; decimals as strings.
    Json,
    /// Apache Parquet with DECIMAL logical types (needs --out).
    Parquet,
    /// One self-contained, printable HTML page holding the table.
    Html,
}

/// Start the built-in sandbox, sync it into the database, show the latest month.
///
/// The sandbox emulates the Rackspace and MailRoute APIs on a loopback port over a
/// generated reseller (dozens of sub-accounts, four years of monthly invoices); it
/// stops when the demo ends. The data goes into a database of its own,
/// tally-demo.duckdb (or --db / TALLY_DB), under the sandbox's account 1100000, so
/// `tally --db tally-demo.duckdb sql` can look at it afterwards. The demo refuses a
/// database that holds anything but sandbox data. Running it again gives the same data.
/// It ends by writing the month pack of the latest month beside the database
/// (tally-demo.html).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally demo\n  \
    tally --db other-demo.duckdb demo --seed 7\n  \
    tally demo --as-of 2020-01      # the world of 2016-2019")]
pub struct DemoArgs {
    /// The sandbox world's seed (the same seed, the same invoices).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Date the world as of this month: its last invoice is the month before
    /// [default: this month].
    #[arg(long, value_name = "YYYY-MM")]
    pub as_of: Option<Month>,
}

/// Pull data from a provider into the database (no provider: every configured one).
#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub provider: Option<SyncProvider>,

    /// Seconds the sync waits, each time it stores what has arrived, while readers
    /// (a report, an export, the duckdb CLI) hold the database file, before it
    /// fails saying what held it. It keeps fetching meanwhile; readers get the
    /// file between its short write windows.
    #[arg(long, global = true, value_name = "SECS",
          default_value_t = crate::sync::DEFAULT_WRITE_WAIT_SECS)]
    pub write_wait: u64,
}

#[derive(Debug, Subcommand)]
pub enum SyncProvider {
    Rackspace(RackspaceArgs),
    Mailroute(MailrouteArgs),
}

/// Sync MailRoute resellers, customers, customer contacts and admins.
///
/// Keys come from TALLY_MAILROUTE_LOGIN and TALLY_MAILROUTE_API_KEY or the config
/// file ([mailroute] login, api_key). Each run replaces the stored MailRoute
/// snapshot whole (objects deleted at MailRoute stay, marked deleted); if any list
/// fails, the last snapshot stays and the exit code is 1.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    export TALLY_MAILROUTE_LOGIN=... TALLY_MAILROUTE_API_KEY=...\n  \
    tally sync mailroute\n  \
    tally sync                       # every provider the environment or tally.toml has keys for\n  \
    tally sync mailroute --base-url http://127.0.0.1:8765/api/v1/   # against `tally sandbox`")]
pub struct MailrouteArgs {
    /// The API's base URL with its prefix [default: https://admin.mailroute.net/api/v1/,
    /// or the config file's].
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    #[command(flatten)]
    pub http: HttpArgs,
}

/// Sync customers, contacts, invoices and invoice line items from Rackspace.
///
/// Keys come from TALLY_RACKSPACE_USER_KEY and TALLY_RACKSPACE_SECRET_KEY or the
/// config file. Incremental: invoice headers are refreshed every run (IsPaid
/// changes), a CSV already stored is never downloaded again (unless --refresh).
/// Safe to interrupt and run again. Exit code 1 if anything could not be synced;
/// each failure is listed, and the next run retries it.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    export TALLY_RACKSPACE_USER_KEY=... TALLY_RACKSPACE_SECRET_KEY=...\n  \
    tally sync rackspace\n  \
    tally sync rackspace --since 2024-01 --requests-per-minute 60\n  \
    tally --profile west sync rackspace --account 1100000 --customer-details\n  \
    tally sync rackspace --base-url http://127.0.0.1:8765   # against `tally sandbox`")]
pub struct RackspaceArgs {
    #[command(flatten)]
    pub http: HttpArgs,

    /// The API's base URL [default: https://api.emailsrvr.com, or the config file's].
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// Whose invoices to pull (repeatable). Default: the config's accounts, else
    /// the keys' own account (the reseller's invoices list every sub-account).
    #[arg(long = "account", value_name = "ACCT")]
    pub accounts: Vec<String>,

    /// Also pull each sub-account's own invoices.
    #[arg(long)]
    pub all_customers: bool,

    /// Fetch each customer's address block (one request per customer).
    #[arg(long)]
    pub customer_details: bool,

    /// Skip contacts (they cost one request per customer).
    #[arg(long)]
    pub no_contacts: bool,

    /// Only invoices from this month on (YYYY-MM).
    #[arg(long, value_name = "YYYY-MM")]
    pub since: Option<Month>,

    /// Download CSVs again even if stored (and retry the ones that were missing).
    #[arg(long)]
    pub refresh: bool,
}

/// How requests are made (both providers).
#[derive(Debug, Clone, Args)]
pub struct HttpArgs {
    /// The client's rate limit [default: 120, or the config file's]
    #[arg(long, value_name = "N")]
    pub requests_per_minute: Option<u32>,

    /// Requests in flight at once (the rate limit still applies).
    #[arg(long, default_value_t = crate::sync::DEFAULT_CONCURRENCY, value_name = "N")]
    pub concurrency: usize,

    /// How many times a failed request is repeated (with exponential backoff) before
    /// its item is reported as not synced.
    #[arg(long, default_value_t = crate::api::retry::DEFAULT_RETRIES, value_name = "N")]
    pub retries: u32,

    /// Milliseconds before the first retry; the wait doubles with each repeat (with
    /// jitter, up to 60 s) unless the server's Retry-After asks for longer.
    #[arg(long, default_value_t = crate::api::retry::DEFAULT_RETRY_DELAY_MS, value_name = "MS")]
    pub retry_delay_ms: u64,

    /// Seconds one request may take, body included, before it is retried.
    #[arg(long, default_value_t = crate::api::http::DEFAULT_TIMEOUT_SECS, value_name = "SECS")]
    pub timeout: u64,

    /// The User-Agent sent (and signed) [default: tally/VERSION, or the config file's].
    #[arg(long, value_name = "TEXT")]
    pub user_agent: Option<String>,

    /// A response body larger than this many MiB is refused (the largest real invoice
    /// CSV is a few MiB).
    #[arg(long, default_value_t = crate::api::http::DEFAULT_MAX_BODY_MIB, value_name = "MIB")]
    pub max_body_size: u64,
}

/// Run the built-in API sandbox on loopback (for trying tally and for tests).
///
/// It serves the Rackspace and MailRoute endpoints tally reads over a generated
/// reseller world, and the documented writes (`tally rackspace ...`, `tally
/// mailroute ...`) with the providers' rules; checks signatures (keys:
/// sandbox-user-key / sandbox-secret-key, or TALLY_RACKSPACE_USER_KEY/SECRET_KEY
/// when set), can enforce a rate limit and inject faults into reads. Stop it with
/// Ctrl-C.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally sandbox --port 8765\n  \
    tally sandbox --world large --ground-truth > truth.csv\n  \
    tally sandbox --faults heavy --latency-ms 20 --requests-per-minute 600\n  \
    tally sandbox --faults 500=0.1,drop=0.05,slow=0.02,slow-ms=5000\n  \
    tally sandbox --ground-truth > truth.csv\n  \
    tally sandbox --port 8766 --seed 2 --reseller-account 1100001 --reseller-name West\n\n\
Faults (KIND=PROBABILITY, comma-separated): 500, throttle, throttle-text (a plain-text\n\
403), throttle-header (only x-error-message), drop, truncate, slow, slow-ms=N;\n\
`heavy` is 500=0.08,throttle=0.08,drop=0.04,truncate=0.05,slow=0.03.")]
pub struct SandboxArgs {
    /// The loopback port (0: any free port).
    #[arg(long, default_value_t = 8765)]
    pub port: u16,

    /// Listen on this address instead of 127.0.0.1 (the sandbox has no real security).
    #[arg(long, default_value = "127.0.0.1", value_name = "IP")]
    pub bind: std::net::IpAddr,

    /// The world: `small` (40 sub-accounts, 48 months, clean) or `large` (2,000
    /// sub-accounts, 30 months of several thousand lines each, as messy as a big
    /// reseller's data: lines billed twice, non-ASCII product and customer names,
    /// internationalised domains, formula-like reference numbers, credits larger
    /// than a customer's month, months with prorations on most lines).
    #[arg(long, default_value = "small", value_name = "SIZE", value_parser = ["small", "large"])]
    pub world: String,

    /// The world's seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// How many sub-accounts the world has [default: the world's].
    #[arg(long, value_name = "N")]
    pub customers: Option<usize>,

    /// How many months of invoices, the last one the month before --as-of
    /// [default: the world's].
    #[arg(long, value_name = "N")]
    pub months: Option<u32>,

    /// Date the world as of this month: its last invoice is the month before
    /// [default: this month]. The same month, seed and sizes give the same world.
    #[arg(long, value_name = "YYYY-MM")]
    pub as_of: Option<Month>,

    /// Faults to inject (see below); default none.
    #[arg(long, default_value = "none", value_name = "SPEC")]
    pub faults: String,

    /// Milliseconds added to every response.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,

    /// The server's request limit, answered with 403 "Exceeded request limits"
    /// (default: none).
    #[arg(long, value_name = "N")]
    pub requests_per_minute: Option<u32>,

    /// The reseller's own account number, 1100000 to 1100009: each numbers its
    /// sub-accounts and invoices apart, so two sandboxes (two reseller accounts, as
    /// two profiles) can be synced into one file.
    #[arg(long, default_value_t = 1_100_000, value_name = "NUMBER",
          value_parser = clap::value_parser!(u32).range(1_100_000..=1_100_009))]
    pub reseller_account: u32,

    /// The reseller's own account name.
    #[arg(long, default_value = "Sandbox Reseller", value_name = "NAME")]
    pub reseller_name: String,

    /// Inject one of each reconcile finding kind into the newest invoice with a CSV
    /// (total mismatch, mis-prorated line, wrong arithmetic, duplicate line, unknown
    /// account) and a customer with no billing contact.
    #[arg(long)]
    pub anomalies: bool,

    /// Change a past invoice after the fact: a −10.00 credit on the newest invoice with
    /// a CSV, its TotalDue following (to try `tally close` and `closed_month_changed`).
    #[arg(long)]
    pub alter_past_invoice: bool,

    /// Print the ground truth (per invoice: lines, Σ charge, TotalDue, CSV or not;
    /// then the injected anomalies, if any) and exit.
    #[arg(long)]
    pub ground_truth: bool,
}

/// Load invoice line-item CSV files (as Rackspace issues them) into the database.
///
/// Each file is one invoice: its id is the file name without `.csv` (or
/// --invoice-id), its owner the --account (or unknown). An invoice is stored once
/// by its id, whichever way it came in: loading an id already stored replaces its
/// lines and keeps its header and owner (a file for an invoice another account
/// owns is refused), and a later sync that lists it downloads the provider's CSV
/// once in place of the loaded lines. A folder loads every `*.csv` in it (not
/// recursively); only regular files are read. A file with any error is rejected
/// whole (an invoice already stored under its id is left as it was) while the
/// other files still load. Exit code 1 if any file was rejected.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally load data/\n  \
    tally load --account 1234567 ~/Downloads/invoice-2017-12.csv --invoice-id 123123\n  \
    tally --db books.duckdb load invoices/*.csv")]
pub struct LoadArgs {
    /// CSV files or folders of CSV files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The account that owns these invoices (digits); without it the owner stays
    /// unknown until a sync lists the invoice.
    #[arg(long, value_name = "ACCT")]
    pub account: Option<String>,

    /// The invoice id, when loading a single file whose name is not its id
    /// (1 to 64 characters, no path separator or control character).
    #[arg(long, value_name = "ID")]
    pub invoice_id: Option<String>,

    /// A file larger than this many MiB is refused.
    #[arg(long, default_value_t = crate::load::DEFAULT_MAX_FILE_MIB, value_name = "MIB")]
    pub max_file_size: u64,
}

/// Run one read-only SQL query against the database and print the result.
///
/// Tables: invoices, line_items, customers, contacts, sync_runs (see README).
/// Decimals print exactly as stored.
/// The connection is read-only: INSERT, UPDATE, DELETE, CREATE... fail and change
/// nothing.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally sql \"SELECT account_no, sum(charge) AS total FROM line_items GROUP BY ALL ORDER BY total DESC\"\n  \
    tally sql --format csv \"SELECT * FROM line_items\" > lines.csv\n  \
    tally sql --format json \"SELECT invoice_id, line_count FROM invoices\"")]
pub struct SqlArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// The SQL query (it may start with a `--` comment).
    #[arg(value_name = "QUERY", allow_hyphen_values = true)]
    pub query: String,

    #[command(flatten)]
    pub scope: ResellerArg,
}

impl From<OutputFormat> for crate::render::Format {
    /// `tally sql` output: CSV is the machine interface, written raw.
    fn from(format: OutputFormat) -> crate::render::Format {
        match format {
            OutputFormat::Table => crate::render::Format::Table,
            OutputFormat::Csv => crate::render::Format::Csv { neutralised: false },
            OutputFormat::Json => crate::render::Format::Json,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for a terminal; numbers right-aligned.
    Table,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// A JSON array of objects; decimals as strings so no digit is lost.
    Json,
}

/// Act on Rackspace accounts: customers, login tokens and contacts (the provider's
/// documented write operations).
///
/// Every write is checked before it is sent (with the provider's own messages),
/// recorded in the `actions` table, never sent twice by accident (a write whose
/// answer is lost is reported as "outcome unknown", and running the same create
/// again looks the object up first), and the object written is read back and
/// stored. Keys and base URL as for `tally sync rackspace`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally rackspace customer add --name \"Acme Plumbing\" --reference-number PO-2001\n  \
    tally rackspace customer edit 1300042 --phone 1-555-555-0199\n  \
    tally rackspace customer disable 1300042\n  \
    tally rackspace login-token 1300042 --user admin\n  \
    TALLY_ANSWER=... tally rackspace contact add 1300042 --name \"Pat Lee\" --email pat@acme.example \\\n      \
    --phone 1-555-555-0100 --security-question \"First pet?\" --security-answer-env TALLY_ANSWER --receives-billing\n  \
    tally rackspace contact edit 1300042 101 --receives-billing true --dry-run")]
pub struct RackspaceActArgs {
    #[command(subcommand)]
    pub what: RackspaceWhat,
}

#[derive(Debug, Subcommand)]
pub enum RackspaceWhat {
    /// Add, edit, enable, disable or delete a sub-account.
    Customer(RsCustomerArgs),
    /// Create a login token for the Control Panel (printed once, never stored).
    #[command(after_help = "Examples:\n  \
    tally rackspace login-token 1300042 --user admin \n  \
    tally rackspace login-token me --user auditor --virtual --format json")]
    LoginToken(LoginTokenArgs),
    /// Add, edit or delete a contact of an account.
    Contact(RsContactArgs),
}

#[derive(Debug, Args)]
pub struct RsCustomerArgs {
    #[command(subcommand)]
    pub op: RsCustomerOp,
}

#[derive(Debug, Subcommand)]
pub enum RsCustomerOp {
    /// Add a sub-account (a name is required: 1 to 100 characters, no leading or
    /// trailing space; a reference number at most 20 characters).
    #[command(after_help = "Examples:\n  \
    tally rackspace customer add --name \"Acme Plumbing\" --reference-number PO-2001 \n  \
    tally rackspace customer add --name \"Acme Plumbing\" --dry-run")]
    Add(CustomerAddArgs),
    /// Change a sub-account's fields (only those given; the rest stay as they are).
    #[command(after_help = "Examples:\n  \
    tally rackspace customer edit 1300042 --phone 1-555-555-0199 \n  \
    tally rackspace customer edit 1300042 --name \"Acme Plumbing & Heating\" --dry-run")]
    Edit(CustomerEditArgs),
    /// Enable the account and all its services (once per 5 minutes per account).
    #[command(after_help = "Examples:\n  \
    tally rackspace customer enable 1300042")]
    Enable(AccountArgs),
    /// Disable the account and all its services (once per 5 minutes per account).
    #[command(after_help = "Examples:\n  \
    tally rackspace customer disable 1300042 \n  \
    tally rackspace customer disable 1300042 --dry-run --format json")]
    Disable(AccountArgs),
    /// Delete the account and its services (asks on a terminal; --yes otherwise).
    #[command(after_help = "Examples:\n  \
    tally rackspace customer delete 1300042 \n  \
    tally rackspace customer delete 1300042 --yes")]
    Delete(DeleteAccountArgs),
}

/// What every write command takes.
#[derive(Debug, Clone, Args)]
pub struct ActArgs {
    /// Print the method, URL and JSON body that would be sent (secrets as ***) and
    /// send no write (the reads the command needs still happen).
    #[arg(long)]
    pub dry_run: bool,

    /// Output format of the result.
    #[arg(long, value_enum, default_value_t = ActFormat::Table)]
    pub format: ActFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActFormat {
    /// One field per line.
    Table,
    /// One JSON object.
    Json,
}

/// A Rackspace customer's fields.
#[derive(Debug, Clone, Args)]
pub struct CustomerFields {
    /// The customer's display name.
    #[arg(long)]
    pub name: Option<String>,
    /// Your reference for the account (at most 20 characters).
    #[arg(long, value_name = "R")]
    pub reference_number: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub address_line1: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub address_line2: Option<String>,
    #[arg(long)]
    pub city: Option<String>,
    #[arg(long)]
    pub state: Option<String>,
    #[arg(long)]
    pub zip: Option<String>,
    #[arg(long)]
    pub country: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
}

#[derive(Debug, Args)]
pub struct CustomerAddArgs {
    #[command(flatten)]
    pub fields: CustomerFields,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct CustomerEditArgs {
    /// The sub-account's number.
    pub account: String,
    #[command(flatten)]
    pub fields: CustomerFields,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct AccountArgs {
    /// The sub-account's number.
    pub account: String,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct DeleteAccountArgs {
    /// The sub-account's number.
    pub account: String,
    /// Delete without asking (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct LoginTokenArgs {
    /// The account (a sub-account's number, or `me`).
    pub account: String,
    /// The user name the token is for.
    #[arg(long, value_name = "NAME")]
    pub user: String,
    /// A virtual user (gets the administrator's privileges); otherwise the user must
    /// be an existing admin.
    #[arg(long = "virtual")]
    pub is_virtual: bool,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct RsContactArgs {
    #[command(subcommand)]
    pub op: RsContactOp,
}

#[derive(Debug, Subcommand)]
pub enum RsContactOp {
    /// Add a contact (every field is required; the security answer is read from
    /// the environment variable named by --security-answer-env, never the command line).
    #[command(after_help = "Examples:\n  \
    TALLY_ANSWER=... tally rackspace contact add 1300042 --name \"Pat Lee\" --email pat@acme.example \\\n      \
    --phone 1-555-555-0100 --security-question \"First pet?\" --security-answer-env TALLY_ANSWER --receives-billing")]
    Add(ContactAddArgs),
    /// Change a contact's fields (only those given; its security question and answer
    /// are sent back as read, never shown).
    #[command(after_help = "Examples:\n  \
    tally rackspace contact edit 1300042 101 --receives-billing true \n  \
    tally rackspace contact edit 1300042 101 --email billing@acme.example --dry-run")]
    Edit(ContactEditArgs),
    /// Delete a contact (never the last billing contact; asks on a terminal).
    #[command(after_help = "Examples:\n  \
    tally rackspace contact delete 1300042 101 --yes")]
    Delete(ContactDeleteArgs),
}

#[derive(Debug, Args)]
pub struct ContactAddArgs {
    /// The account (a sub-account's number, or `me`).
    pub account: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long, value_name = "Q")]
    pub security_question: Option<String>,
    /// The environment variable holding the security answer.
    #[arg(long, value_name = "VAR")]
    pub security_answer_env: Option<String>,
    #[arg(long)]
    pub receives_alerts: bool,
    #[arg(long)]
    pub receives_billing: bool,
    #[arg(long)]
    pub receives_updates: bool,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct ContactEditArgs {
    /// The account (a sub-account's number, or `me`).
    pub account: String,
    /// The contact's id.
    pub id: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub receives_alerts: Option<bool>,
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub receives_billing: Option<bool>,
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub receives_updates: Option<bool>,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct ContactDeleteArgs {
    /// The account (a sub-account's number, or `me`).
    pub account: String,
    /// The contact's id.
    pub id: String,
    /// Delete without asking (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub act: ActArgs,
}

/// Act on MailRoute: create, update and delete customers, customer contacts and
/// customer admins (the provider's documented write operations).
///
/// Every write is checked before it is sent, recorded in the `actions` table,
/// never sent twice by accident, and the object written is read back and stored.
/// Keys and base URL as for `tally sync mailroute`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tally mailroute customer create --name acme.example --reseller 371\n  \
    tally mailroute contact create --customer 3001 --email billing@acme.example --billing\n  \
    tally mailroute contact update 100001 --billing true --phone 555-0100\n  \
    tally mailroute admin create --customer 3001 --email it@acme.example --send-welcome\n  \
    tally mailroute admin delete --customer 3001 1000001 --yes")]
pub struct MailrouteActArgs {
    #[command(subcommand)]
    pub what: MailrouteWhat,
}

// Parsed once per run: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum MailrouteWhat {
    /// Create, rename or delete a customer.
    Customer(MrCustomerArgs),
    /// Create, update or delete a customer contact.
    Contact(MrContactArgs),
    /// Create or delete a customer admin.
    Admin(MrAdminArgs),
}

#[derive(Debug, Args)]
pub struct MrCustomerArgs {
    #[command(subcommand)]
    pub op: MrCustomerOp,
}

#[derive(Debug, Subcommand)]
pub enum MrCustomerOp {
    /// Create a customer under a reseller.
    #[command(after_help = "Examples:\n  \
    tally mailroute customer create --name acme.example --reseller 371")]
    Create(MrCustomerCreateArgs),
    /// Rename a customer.
    #[command(after_help = "Examples:\n  \
    tally mailroute customer update 3001 --name acme-plumbing.example")]
    Update(MrCustomerUpdateArgs),
    /// Delete a customer (asks on a terminal; --yes otherwise).
    #[command(after_help = "Examples:\n  \
    tally mailroute customer delete 3001 --yes")]
    Delete(MrDeleteArgs),
}

#[derive(Debug, Args)]
pub struct MrCustomerCreateArgs {
    #[arg(long)]
    pub name: String,
    /// The reseller's id.
    #[arg(long, value_name = "ID")]
    pub reseller: i64,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct MrCustomerUpdateArgs {
    /// The customer's id.
    pub id: i64,
    #[arg(long)]
    pub name: String,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct MrDeleteArgs {
    /// The object's id.
    pub id: i64,
    /// Delete without asking (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct MrContactArgs {
    #[command(subcommand)]
    pub op: MrContactOp,
}

#[derive(Debug, Subcommand)]
pub enum MrContactOp {
    /// Create a contact of a customer.
    #[command(after_help = "Examples:\n  \
    tally mailroute contact create --customer 3001 --email billing@acme.example --billing")]
    Create(MrContactCreateArgs),
    /// Change a contact's fields (only those given; the rest are sent back as read).
    #[command(after_help = "Examples:\n  \
    tally mailroute contact update 100001 --billing true --phone 555-0100")]
    Update(MrContactUpdateArgs),
    /// Delete a contact (asks on a terminal; --yes otherwise).
    #[command(after_help = "Examples:\n  \
    tally mailroute contact delete 100001 --yes")]
    Delete(MrDeleteArgs),
}

/// A MailRoute contact's text fields.
#[derive(Debug, Clone, Args)]
pub struct MrContactFields {
    #[arg(long)]
    pub first_name: Option<String>,
    #[arg(long)]
    pub last_name: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub address2: Option<String>,
    #[arg(long)]
    pub city: Option<String>,
    #[arg(long)]
    pub state: Option<String>,
    #[arg(long)]
    pub zipcode: Option<String>,
    #[arg(long)]
    pub country: Option<String>,
}

#[derive(Debug, Args)]
pub struct MrContactCreateArgs {
    /// The customer's id.
    #[arg(long, value_name = "ID")]
    pub customer: i64,
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub fields: MrContactFields,
    /// A billing contact.
    #[arg(long)]
    pub billing: bool,
    /// A technical contact.
    #[arg(long)]
    pub technical: bool,
    /// An emergency contact.
    #[arg(long)]
    pub emergency: bool,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct MrContactUpdateArgs {
    /// The contact's id.
    pub id: i64,
    #[arg(long)]
    pub email: Option<String>,
    #[command(flatten)]
    pub fields: MrContactFields,
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub billing: Option<bool>,
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub technical: Option<bool>,
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub emergency: Option<bool>,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct MrAdminArgs {
    #[command(subcommand)]
    pub op: MrAdminOp,
}

#[derive(Debug, Subcommand)]
pub enum MrAdminOp {
    /// Create an admin of a customer (its username is the e-mail: at most 30
    /// characters of letters, digits and @ . + - _).
    #[command(after_help = "Examples:\n  \
    tally mailroute admin create --customer 3001 --email it@acme.example --send-welcome")]
    Create(MrAdminCreateArgs),
    /// Delete an admin of a customer (asks on a terminal; --yes otherwise).
    #[command(after_help = "Examples:\n  \
    tally mailroute admin delete --customer 3001 1000001 --yes")]
    Delete(MrAdminDeleteArgs),
}

#[derive(Debug, Args)]
pub struct MrAdminCreateArgs {
    /// The customer's id.
    #[arg(long, value_name = "ID")]
    pub customer: i64,
    #[arg(long)]
    pub email: String,
    /// Send the new admin a welcome e-mail.
    #[arg(long)]
    pub send_welcome: bool,
    #[command(flatten)]
    pub act: ActArgs,
}

#[derive(Debug, Args)]
pub struct MrAdminDeleteArgs {
    /// The customer's id.
    #[arg(long, value_name = "ID")]
    pub customer: i64,
    /// The admin's id.
    pub admin_id: i64,
    /// Delete without asking (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub act: ActArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// An example line as a shell splits it, for the quoting help texts use (double
    /// quotes, `VAR=value` before the command); a redirect, pipe or comment ends it.
    fn words(line: &str) -> Vec<String> {
        let (mut out, mut word, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
        for c in line.chars() {
            match c {
                '"' => {
                    quoted = !quoted;
                    any = true;
                }
                ' ' if !quoted => {
                    if any {
                        out.push(std::mem::take(&mut word));
                    }
                    any = false;
                }
                '>' | '|' if !quoted => break,
                '#' if !quoted && !any => break,
                c => {
                    word.push(c);
                    any = true;
                }
            }
        }
        if any {
            out.push(word);
        }
        out.into_iter()
            .skip_while(|w| w.contains('=') && !w.starts_with('-'))
            .collect()
    }

    /// The examples of every command's `--help` (lines starting `tally`, with their
    /// `\` continuations).
    fn examples(cmd: &clap::Command, out: &mut Vec<String>) {
        if let Some(help) = cmd.get_after_help() {
            let text = help.to_string().replace("\\\n", " ");
            out.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| {
                        l.starts_with("tally ")
                            || l.contains("= tally ")
                            || l.contains("... tally ")
                    })
                    .map(|l| l.to_owned()),
            );
        }
        for sub in cmd.get_subcommands() {
            examples(sub, out);
        }
    }

    #[test]
    fn every_example_in_help_parses() {
        let mut found = Vec::new();
        examples(&Cli::command(), &mut found);
        assert!(found.len() > 40, "{found:?}");
        for example in &found {
            let args = words(example);
            if let Err(e) = Cli::try_parse_from(&args) {
                panic!("{example}: {e}");
            }
        }
    }
}

/// `--prices FILE`, on every command that prices.
#[derive(Debug, Clone, Default, Args)]
pub struct PriceBookArg {
    /// The price book [default: a closed month's own when the command reads one,
    /// else [billing] prices in tally.toml, else ./prices.toml if present; none:
    /// cost only].
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
}

/// `--threshold PERCENT`, on every command that runs reconcile.
#[derive(Debug, Clone, Copy, Args)]
pub struct ThresholdArg {
    /// A customer's month-over-month change above this percent is a reconcile
    /// finding (0 to 1000000).
    #[arg(long, default_value_t = crate::report::DEFAULT_THRESHOLD_PERCENT, value_name = "PERCENT",
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub threshold: u32,
}
