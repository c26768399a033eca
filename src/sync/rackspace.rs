//! `tally sync rackspace`: customers (and their address blocks on request),
//! contacts, invoice headers of the chosen accounts, then every line-item CSV not
//! stored yet, fetched concurrently within the rate limit (the phases overlap: the
//! requests never wait for the store) and stored as they arrive, those that arrived
//! together in one transaction. Killed at any moment and run again, it ends where one clean run
//! would: headers are upserts, an invoice's lines go in whole or not at all, and
//! what is stored is never fetched again (unless `--refresh`).

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use rust_decimal::Decimal;

use super::{Failure, ProviderRun, RunMeta, Source};
use crate::api::rackspace::wire;
use crate::api::rackspace::{Client, CsvDownload};
use crate::api::{ApiError, ProviderClient};
use crate::ids::{AccountNumber, InvoiceId};
use crate::parse::{LineItem, parse_line_items};
use crate::printer::{Counter, Printer};
use crate::provider::Provider;
use crate::rows::rackspace as to_row;
use crate::store::{
    ContactRow, CsvCounts, CsvOrigin, InvoiceCsv, InvoiceHeader, InvoiceWrite, Lineage, RunCounts,
    Store, Windows,
};

/// What to sync.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Whose invoices to pull; empty: the caller's own account (`me`).
    pub accounts: Vec<Account>,
    /// Each sub-account's own invoices too.
    pub all_customers: bool,
    /// Fetch each customer's address block (one request per customer).
    pub customer_details: bool,
    /// Fetch each customer's contacts (one request per customer and page).
    pub contacts: bool,
    /// Only invoices dated on or after this day (the first of a month).
    pub since: Option<NaiveDate>,
    /// Download CSVs again even when stored.
    pub refresh: bool,
    /// Requests in flight at once (the rate limit still applies).
    pub concurrency: usize,
}

/// An account chosen on the command line: the caller's own (`me`), or a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Account {
    Me,
    Number(AccountNumber),
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RackspaceRun {
    pub meta: RunMeta,
    /// The caller's own account, once the first request has answered.
    pub reseller: Option<AccountNumber>,
    pub accounts: Vec<AccountNumber>,
    pub counts: RunCounts,
    pub stored: CsvCounts,
}

/// Runs one sync. An error is returned only when nothing more can be done (the
/// keys were refused, the database failed); everything else that fails is in
/// [`RunMeta::failures`] and the rest is still synced.
pub async fn sync(
    client: &Arc<Client>,
    windows: &mut Windows<'_>,
    plan: &Plan,
    printer: &Printer,
) -> anyhow::Result<RackspaceRun> {
    super::recorded::<RackspaceRun, _>(&**client, windows, async |windows, record| {
        run(client, windows, plan, printer, record).await
    })
    .await
}

/// Rackspace Email & Apps, as a [`Source`].
pub struct Rackspace;

/// Everything a Rackspace sync needs, checked: the client's options and what to
/// fetch (`settings::RackspaceSettings` builds it from flags, environment and config).
pub struct Options {
    pub client: crate::api::rackspace::ClientOptions,
    pub plan: Plan,
}

impl Source for Rackspace {
    const PROVIDER: Provider = Provider::Rackspace;
    type Options = Options;
    type Run = RackspaceRun;

    async fn sync(
        settings: &Options,
        windows: &mut Windows<'_>,
        printer: &Printer,
    ) -> anyhow::Result<RackspaceRun> {
        let client = Client::new(settings.client.clone())?;
        sync(&client, windows, &settings.plan, printer).await
    }
}

impl ProviderRun for RackspaceRun {
    fn meta(&self) -> &RunMeta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut RunMeta {
        &mut self.meta
    }

    fn accounts(&self) -> String {
        let accounts: Vec<&str> = self.accounts.iter().map(|a| a.as_str()).collect();
        accounts.join(",")
    }

    fn counts(&self) -> RunCounts {
        self.counts.clone()
    }
}

async fn run(
    client: &Arc<Client>,
    windows: &mut Windows<'_>,
    plan: &Plan,
    printer: &Printer,
    record: &mut RackspaceRun,
) -> anyhow::Result<()> {
    // Who we are: the first request, so bad keys stop everything at once.
    let me = client.customer("me").await?;
    record.reseller = Some(me.account_number.clone());
    let mut rows = vec![to_row::customer(&me, true, true)];

    // The invoice lists of the chosen accounts are read while the customers and
    // contacts are (stored after them): at once, unless they include every
    // sub-account, which the customer list names.
    let read_lists = |accounts: &[AccountNumber]| {
        let client = Arc::clone(client);
        let accounts = accounts.to_vec();
        let since = plan.since;
        tokio::spawn(async move {
            let mut lists = Vec::with_capacity(accounts.len());
            for account in accounts {
                let headers = invoice_headers(&client, &account, since).await;
                lists.push((account, headers));
            }
            lists
        })
    };
    let mut header_lists =
        (!plan.all_customers).then(|| read_lists(&chosen_accounts(plan, &me, &[])));

    // Customers (sub-accounts).
    let (customers, listed_whole): (Vec<wire::Customer>, bool) =
        match client.customers().try_collect().await {
            Ok(list) => (list, true),
            Err(err) => {
                record.failed("customer list", err)?;
                (Vec::new(), false)
            }
        };
    printer.note(&format!("customers: {} listed", customers.len()));
    let accounts = chosen_accounts(plan, &me, &customers);
    if header_lists.is_none() {
        header_lists = Some(read_lists(&accounts));
    }
    record.accounts = accounts.clone();

    // Contacts, one list per account, each stored whole: fetched from here on, in
    // the background, stored once the customers are.
    let owners: Vec<AccountNumber> = if plan.contacts {
        std::iter::once(me.account_number.clone())
            .chain(customers.iter().map(|c| c.account_number.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let owner_count = owners.len() as u64;
    let mut contacts = plan.contacts.then(|| {
        let shared = Arc::clone(client);
        in_background(
            owners.into_iter().map(move |account| {
                let client = Arc::clone(&shared);
                async move {
                    let list: Result<Vec<wire::Contact>, ApiError> =
                        client.contacts(&account).try_collect().await;
                    (account, list)
                }
            }),
            plan.concurrency,
            owner_count as usize,
        )
    });

    if plan.customer_details {
        let bar = printer.counter(customers.len() as u64, "customer details");
        let mut details = futures::stream::iter(customers.iter().map(|c| {
            let client = Arc::clone(client);
            let account = c.account_number.clone();
            async move { (account.clone(), client.customer(&account).await) }
        }))
        .buffer_unordered(plan.concurrency);
        while let Some((account, result)) = details.next().await {
            bar.inc();
            match result {
                Ok(c) => rows.push(to_row::customer(&c, false, true)),
                Err(err) => record.failed(format!("customer {account}"), err)?,
            }
        }
        bar.finish();
    }
    for c in &customers {
        if !rows.iter().any(|r| r.account_number == c.account_number) {
            rows.push(to_row::customer(c, false, false));
        }
    }
    record.counts.customers = customers.len() as u64;
    let (run_id, counts) = (record.meta.run_id, record.counts.clone());
    tokio::task::block_in_place(|| {
        windows.write(|store| {
            store.upsert_customers(
                &rows,
                &me.account_number,
                Lineage::Run(run_id),
                listed_whole,
            )?;
            Ok(store.note_progress(run_id, &counts)?)
        })
    })?;

    // Contacts and invoices go on at once: the CSVs are downloaded as soon as the
    // invoice lists are stored, and what has arrived is stored together in the next
    // write window (contact lists in one transaction, invoices in another) while the
    // next requests run: the requests share the rate limit and never wait for the
    // store, and readers get the file between windows. What waits for a window is
    // bounded: past `MAX_WAITING_LINES` no more downloads are taken until it is
    // stored. The contacts bar comes first; the invoices' lines and bar follow it.
    let mut waiting = Waiting::default();
    let contacts_bar = plan
        .contacts
        .then(|| printer.counter(owner_count, "contacts"));
    let mut downloads = None;
    // The invoices' lines and bar, held while the contacts bar shows.
    let mut held_notes: Vec<String> = Vec::new();
    let mut to_download: Option<u64> = None;
    let mut csv_bar: Option<Counter> = None;
    let mut downloaded_before_bar = 0u64;
    loop {
        tokio::select! {
            arrived = next_ready(&mut contacts), if contacts.is_some() => match arrived {
                Some(arrived) => {
                    if let Some(bar) = &contacts_bar {
                        arrived.iter().for_each(|_| bar.inc());
                    }
                    waiting.contacts.extend(arrived);
                }
                None => {
                    contacts = None;
                    // Stored now, so the count below is what the file holds.
                    store_waiting(windows, record, printer, &mut waiting)?;
                    if let Some(bar) = &contacts_bar {
                        bar.finish();
                    }
                    printer.note(&format!("contacts: {} stored", record.counts.contacts));
                    for note in held_notes.drain(..) {
                        printer.note(&note);
                    }
                    // The downloads may have begun (or even ended) meanwhile.
                    if let Some(to_download) = to_download {
                        let bar = printer.counter(to_download, "invoice CSVs");
                        for _ in 0..downloaded_before_bar {
                            bar.inc();
                        }
                        csv_bar = Some(bar);
                    }
                }
            },
            lists = async { header_lists.as_mut().expect("enabled while some").await },
                if header_lists.is_some() =>
            {
                header_lists = None;
                let lists = lists?;
                let (to_fetch, notes) = tokio::task::block_in_place(|| {
                    windows.write(|store| {
                        let stored = store_headers(store, record, plan, lists)?;
                        store.note_progress(record.meta.run_id, &record.counts)?;
                        Ok(stored)
                    })
                })?;
                to_download = Some(to_fetch.len() as u64);
                if contacts.is_some() {
                    held_notes = notes;
                } else {
                    for note in notes {
                        printer.note(&note);
                    }
                    csv_bar = Some(printer.counter(to_fetch.len() as u64, "invoice CSVs"));
                }
                downloads = Some(start_downloads(client, to_fetch, plan.concurrency));
            }
            arrived = next_ready(&mut downloads), if downloads.is_some() => match arrived {
                Some(arrived) => {
                    let done = arrived.len() as u64;
                    waiting.downloads.extend(arrived);
                    match &csv_bar {
                        Some(bar) => (0..done).for_each(|_| bar.inc()),
                        None => downloaded_before_bar += done,
                    }
                }
                None => downloads = None,
            },
            // A window nobody has written to for a moment is closed: readers get in
            // while the sync fetches.
            () = tokio::time::sleep_until(windows.idle_deadline().into()),
                if windows.is_open()
                    && (contacts.is_some() || header_lists.is_some() || downloads.is_some()) =>
            {
                tokio::task::block_in_place(|| windows.close());
            }
            () = tokio::time::sleep_until(windows.next_due().into()), if !waiting.is_empty() => {
                store_waiting(windows, record, printer, &mut waiting)?;
            }
            else => break,
        }
    }
    if let Some(bar) = &csv_bar {
        bar.finish();
    }
    // The last window stays open for the run's record (`super::recorded`).
    tokio::task::block_in_place(|| {
        store_waiting(windows, record, printer, &mut waiting)?;
        record.stored = windows.write(|store| Ok(store.csv_counts(&accounts)?))?;
        anyhow::Ok(())
    })?;
    Ok(())
}

/// The accounts whose invoices to read (`--account`, else the caller's own; with
/// `--all-customers` every one of `customers` too), `me` (any case) as the
/// reseller's own number, each once.
fn chosen_accounts(
    plan: &Plan,
    me: &wire::Customer,
    customers: &[wire::Customer],
) -> Vec<AccountNumber> {
    let mut accounts: Vec<AccountNumber> = if plan.accounts.is_empty() {
        vec![me.account_number.clone()]
    } else {
        plan.accounts
            .iter()
            .map(|a| match a {
                Account::Me => me.account_number.clone(),
                Account::Number(n) => n.clone(),
            })
            .collect()
    };
    if plan.all_customers {
        accounts.extend(customers.iter().map(|c| c.account_number.clone()));
    }
    let mut seen = BTreeSet::new();
    accounts.retain(|a| seen.insert(a.clone()));
    accounts
}

/// The most line items downloaded and not yet stored: a download that would pass it
/// waits (holding its own lines) until a write window has stored enough. What waits
/// stays bounded in memory (about 40 MB, plus one invoice per request in flight),
/// and a window stays short (DuckDB stores about 250,000 lines a second with their
/// summaries).
const MAX_WAITING_LINES: usize = 200_000;

/// Downloads finished and not yet taken by the sync's loop: small (their lines are
/// bounded by [`MAX_WAITING_LINES`]), and enough that the downloads go on while a
/// write window holds the loop.
const ARRIVALS_WAITING: usize = 1024;

/// How often the run's record notes its progress (`tally status` during a sync):
/// an update of `sync_runs` is a transaction of its own, too dear for every batch
/// (2,000 contact lists arrive in hundreds of batches).
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// What has arrived and waits for the next write window.
#[derive(Default)]
struct Waiting {
    contacts: Vec<(AccountNumber, Result<Vec<wire::Contact>, ApiError>)>,
    downloads: Vec<Arrival>,
    /// When the run's progress was last noted.
    progress_noted: Option<std::time::Instant>,
}

impl Waiting {
    fn is_empty(&self) -> bool {
        self.contacts.is_empty() && self.downloads.is_empty()
    }
}

/// Stores what waits (when there is any) in a write window now: the contact lists
/// in one transaction, the invoices in another, and the run's progress. The loop
/// calls it when a window is due (`Windows::next_due`), and at the end.
fn store_waiting(
    windows: &mut Windows<'_>,
    record: &mut RackspaceRun,
    printer: &Printer,
    waiting: &mut Waiting,
) -> anyhow::Result<()> {
    if waiting.is_empty() {
        return Ok(());
    }
    let contacts = std::mem::take(&mut waiting.contacts);
    let downloads = std::mem::take(&mut waiting.downloads);
    let note = waiting
        .progress_noted
        .is_none_or(|at| at.elapsed() >= PROGRESS_EVERY);
    if note {
        waiting.progress_noted = Some(std::time::Instant::now());
    }
    tokio::task::block_in_place(|| {
        windows.write(|store| {
            if !contacts.is_empty() {
                store_contacts(store, record, contacts)?;
            }
            if !downloads.is_empty() {
                store_downloads(store, record, printer, downloads)?;
            }
            if note {
                store.note_progress(record.meta.run_id, &record.counts)?;
            }
            Ok(())
        })
    })
}

/// Stores the contact lists that have arrived, in one transaction (within a window); a list that
/// could not be read is a failure of the run.
fn store_contacts(
    store: &mut Store,
    record: &mut RackspaceRun,
    arrived: Vec<(AccountNumber, Result<Vec<wire::Contact>, ApiError>)>,
) -> anyhow::Result<()> {
    let mut group: Vec<(AccountNumber, Vec<ContactRow>)> = Vec::with_capacity(arrived.len());
    for (account, list) in arrived {
        match list {
            Ok(contacts) => group.push((account, contacts.iter().map(to_row::contact).collect())),
            Err(err) => record.failed(format!("contacts of {account}"), err)?,
        }
    }
    let lists: Vec<(&str, &[ContactRow])> = group
        .iter()
        .map(|(a, rows)| (a.as_str(), rows.as_slice()))
        .collect();
    let reseller = record
        .reseller
        .clone()
        .expect("contacts are read after the reseller's own account");
    store.replace_contacts_of(&lists, &reseller, Lineage::Run(record.meta.run_id))?;
    record.counts.contacts += lists.iter().map(|(_, rows)| rows.len() as u64).sum::<u64>();
    Ok(())
}

/// Stores each account's invoice headers and returns the CSVs to download, with a
/// line to show per account. An id listed under two accounts is one invoice: the
/// first list names its owner.
fn store_headers(
    store: &mut Store,
    record: &mut RackspaceRun,
    plan: &Plan,
    lists: Vec<(AccountNumber, Result<Vec<InvoiceHeader>, ApiError>)>,
) -> anyhow::Result<(Vec<Fetch>, Vec<String>)> {
    let mut listed: std::collections::HashSet<InvoiceId> = std::collections::HashSet::new();
    let mut to_fetch: Vec<Fetch> = Vec::new();
    let mut notes = Vec::new();
    for (account, headers) in lists {
        match headers {
            Ok(mut headers) => {
                headers.retain(|h| listed.insert(h.invoice_id.clone()));
                store.upsert_invoice_headers(&headers, record.meta.run_id)?;
                record.counts.invoices += headers.len() as u64;
                let ids = store.invoices_to_fetch(&account, plan.since, plan.refresh)?;
                notes.push(format!(
                    "invoices of {account}: {} listed, {} CSV{} to download",
                    headers.len(),
                    ids.len(),
                    if ids.len() == 1 { "" } else { "s" }
                ));
                to_fetch.extend(ids.into_iter().map(|invoice_id| Fetch {
                    account: account.clone(),
                    invoice_id,
                }));
            }
            Err(err) => record.failed(format!("invoice list of {account}"), err)?,
        }
    }
    Ok((to_fetch, notes))
}

/// The CSV downloads, in the background: each (and its parsing) a task of its
/// own, so transfers go on while the store writes.
fn start_downloads(
    client: &Arc<Client>,
    to_fetch: Vec<Fetch>,
    concurrency: usize,
) -> tokio::sync::mpsc::Receiver<Arrival> {
    let shared = Arc::clone(client);
    let budget = Arc::new(tokio::sync::Semaphore::new(MAX_WAITING_LINES));
    in_background(
        to_fetch.into_iter().map(move |key| {
            let client = Arc::clone(&shared);
            let budget = Arc::clone(&budget);
            let span =
                tracing::debug_span!("invoice", id = %key.invoice_id, account = %key.account);
            tokio::spawn(tracing::Instrument::instrument(
                async move {
                    let result = download(&client, &key).await;
                    let held = match &result {
                        Ok(Downloaded::Lines { items, .. }) => {
                            let lines = items.len().clamp(1, MAX_WAITING_LINES) as u32;
                            budget.acquire_many_owned(lines).await.ok()
                        }
                        _ => None,
                    };
                    (key, result, held)
                },
                span,
            ))
        }),
        concurrency,
        ARRIVALS_WAITING,
    )
}

/// Stores the invoices that have arrived, in one transaction (each whole or, after
/// a kill, absent); marks the ones without a CSV.
fn store_downloads(
    store: &mut Store,
    record: &mut RackspaceRun,
    printer: &Printer,
    arrived: Vec<Arrival>,
) -> anyhow::Result<()> {
    let mut writes: Vec<InvoiceWrite> = Vec::new();
    let mut written: Vec<(String, u64, Decimal)> = Vec::new();
    // Each download's share of the waiting lines, given back once they are stored.
    let mut held = Vec::new();
    for joined in arrived {
        let (key, result, share) = joined?;
        held.extend(share);
        let what = || format!("invoice {}/{}", key.account, key.invoice_id);
        match result {
            Ok(Downloaded::Lines { csv, items }) => {
                let sum: Decimal = items.iter().map(|l| l.charge.as_decimal()).sum();
                written.push((what(), items.len() as u64, sum));
                writes.push(InvoiceWrite {
                    invoice_id: key.invoice_id.clone(),
                    owner: Some(key.account.clone()),
                    csv: InvoiceCsv {
                        sha256: csv.sha256,
                        source: csv.url,
                        origin: CsvOrigin::Provider,
                        items,
                    },
                });
            }
            Ok(Downloaded::Missing { url }) => {
                store.mark_csv_missing(&key.invoice_id, &url)?;
                printer.info(&format!("{}: no CSV (404)", what()));
                record.counts.csv_missing += 1;
            }
            Err(DownloadError::Api(err)) => record.failed(what(), err)?,
            Err(DownloadError::Parse(why)) => {
                record.meta.failures.push(Failure { what: what(), why })
            }
        }
    }
    let refs: Vec<&InvoiceWrite> = writes.iter().collect();
    store.write_invoices(&refs)?;
    drop(held);
    for (what, lines, sum) in written {
        printer.info(&format!("{what}: {lines} lines"));
        record.counts.csv_downloaded += 1;
        record.counts.lines += lines;
        record.counts.sum_charge += sum;
    }
    Ok(())
}

/// [`ready`] on a receiver that is there (`None` when it is not).
async fn next_ready<T>(results: &mut Option<tokio::sync::mpsc::Receiver<T>>) -> Option<Vec<T>> {
    ready(results.as_mut()?).await
}

/// Runs `jobs`, `concurrency` at a time, on a task of their own and hands their
/// results over as they finish: a store write by the receiver never holds the
/// requests up while fewer than `waiting` results wait for it (the bound on what
/// is held in memory: parsed invoices wait a few at a time, contact lists all).
fn in_background<J>(
    jobs: impl IntoIterator<Item = J, IntoIter: Send + 'static>,
    concurrency: usize,
    waiting: usize,
) -> tokio::sync::mpsc::Receiver<J::Output>
where
    J: std::future::Future + Send + 'static,
    J::Output: Send + 'static,
{
    let (send, receive) = tokio::sync::mpsc::channel(waiting.max(1));
    let jobs = jobs.into_iter();
    tokio::spawn(async move {
        let mut results = futures::stream::iter(jobs).buffer_unordered(concurrency.max(1));
        while let Some(result) = results.next().await {
            if send.send(result).await.is_err() {
                break;
            }
        }
    });
    receive
}

/// The next result and every other one already waiting (`None`: all are done).
async fn ready<T>(results: &mut tokio::sync::mpsc::Receiver<T>) -> Option<Vec<T>> {
    let first = results.recv().await?;
    let mut arrived = vec![first];
    while let Ok(more) = results.try_recv() {
        arrived.push(more);
    }
    Some(arrived)
}

impl RackspaceRun {
    /// Notes a request that failed for good. Keys refused is the exception: nothing
    /// else will work either, so the run stops.
    fn failed(&mut self, what: impl Into<String>, err: ApiError) -> anyhow::Result<()> {
        if err.is_unauthorized() {
            return Err(err.into());
        }
        self.meta.failures.push(Failure {
            what: what.into(),
            why: err.to_string(),
        });
        Ok(())
    }
}

/// The account's invoice list (newest first), stopping at the first invoice
/// dated before `since`.
async fn invoice_headers(
    client: &Arc<Client>,
    account: &AccountNumber,
    since: Option<NaiveDate>,
) -> Result<Vec<InvoiceHeader>, ApiError> {
    let mut stream = std::pin::pin!(client.invoices(account));
    let mut headers = Vec::new();
    while let Some(invoice) = stream.try_next().await? {
        if since.is_some_and(|since| invoice.invoice_date.date() < since) {
            break;
        }
        headers.push(to_row::invoice_header(account, invoice));
    }
    Ok(headers)
}

/// An invoice CSV to download: whose list it was in, and its id.
#[derive(Debug, Clone)]
struct Fetch {
    account: AccountNumber,
    invoice_id: InvoiceId,
}

/// A download task's end: its invoice, what came of it and its lines' share of
/// [`MAX_WAITING_LINES`] (a task that panicked: the join error).
type Arrival = Result<
    (
        Fetch,
        Result<Downloaded, DownloadError>,
        Option<tokio::sync::OwnedSemaphorePermit>,
    ),
    tokio::task::JoinError,
>;

enum Downloaded {
    Lines {
        csv: CsvDownload,
        items: Vec<LineItem>,
    },
    Missing {
        url: String,
    },
}

enum DownloadError {
    Api(ApiError),
    Parse(String),
}

async fn download(client: &Client, key: &Fetch) -> Result<Downloaded, DownloadError> {
    match client
        .invoice_csv(&key.account, &key.invoice_id)
        .await
        .map_err(DownloadError::Api)?
    {
        None => Ok(Downloaded::Missing {
            url: format!(
                "{}/v2/customers/{}/invoices/{}",
                crate::api::base_url::display_url(client.base_url()),
                key.account,
                key.invoice_id
            ),
        }),
        Some(csv) => {
            let items = parse_line_items(&csv.url, &csv.body)
                .map_err(|e| DownloadError::Parse(e.to_string()))?;
            Ok(Downloaded::Lines { csv, items })
        }
    }
}
