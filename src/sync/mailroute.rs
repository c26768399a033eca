//! `tally sync mailroute`: resellers, customers, and each customer's contacts and
//! admins, fetched concurrently within the rate limit, then stored as one snapshot
//! replacing the last (one transaction). If any list fails, nothing is replaced: a
//! partial snapshot would make objects seem deleted.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};

use super::{Failure, ProviderRun, RunMeta, Source};
use crate::api::mailroute::Client;
use crate::api::mailroute::wire::{self, Admin, Contact};
use crate::api::{ApiError, ProviderClient};
use crate::printer::Printer;
use crate::provider::Provider;
use crate::rows::mailroute as to_row;
use crate::store::{MrSnapshot, RunCounts, Windows};

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct MailrouteRun {
    pub meta: RunMeta,
    pub resellers: u64,
    pub customers: u64,
    pub contacts: u64,
    pub admins: u64,
    /// False when a failure kept the last snapshot in place.
    pub replaced: bool,
}

/// Runs one sync. Bad keys end it at once (an error); other failures are listed in
/// the run record and leave the stored snapshot as it was.
pub async fn sync(
    client: &Arc<Client>,
    windows: &mut Windows<'_>,
    concurrency: usize,
    printer: &Printer,
) -> anyhow::Result<MailrouteRun> {
    super::recorded::<MailrouteRun, _>(&**client, windows, async |windows, record| {
        run(client, windows, concurrency, printer, record).await
    })
    .await
}

/// MailRoute, as a [`Source`].
pub struct Mailroute;

/// Everything a MailRoute sync needs, checked: the client's options and how many
/// customers' lists are fetched at once (`settings::MailrouteSettings` builds it).
pub struct Options {
    pub client: crate::api::mailroute::ClientOptions,
    pub concurrency: usize,
}

impl Source for Mailroute {
    const PROVIDER: Provider = Provider::Mailroute;
    type Options = Options;
    type Run = MailrouteRun;

    async fn sync(
        settings: &Options,
        windows: &mut Windows<'_>,
        printer: &Printer,
    ) -> anyhow::Result<MailrouteRun> {
        let client = Client::new(settings.client.clone())?;
        sync(&client, windows, settings.concurrency, printer).await
    }
}

impl ProviderRun for MailrouteRun {
    fn meta(&self) -> &RunMeta {
        &self.meta
    }

    fn meta_mut(&mut self) -> &mut RunMeta {
        &mut self.meta
    }

    fn counts(&self) -> RunCounts {
        RunCounts {
            customers: self.customers,
            contacts: self.contacts,
            ..RunCounts::default()
        }
    }
}

async fn run(
    client: &Arc<Client>,
    windows: &mut Windows<'_>,
    concurrency: usize,
    printer: &Printer,
    record: &mut MailrouteRun,
) -> anyhow::Result<()> {
    let mut snapshot = MrSnapshot::default();
    // The first request: bad keys stop everything here.
    let resellers: Vec<wire::Reseller> = client.resellers().try_collect().await.map_err(fatal)?;
    snapshot.resellers = resellers.iter().map(|r| (r.id, r.name.clone())).collect();
    let customers: Vec<wire::Customer> = match client.customers(None).try_collect().await {
        Ok(list) => list,
        Err(err) => {
            record.meta.failures.push(failure("customer list", err)?);
            return Ok(());
        }
    };
    printer.note(&format!("mailroute customers: {} listed", customers.len()));
    let bar = printer.counter(customers.len() as u64, "mailroute contacts and admins");
    let ids: Vec<i64> = customers.iter().map(|c| c.id).collect();
    let mut details = futures::stream::iter(ids.into_iter().map(|id| {
        let client = Arc::clone(client);
        async move {
            let contacts: Result<Vec<Contact>, ApiError> = client.contacts(id).try_collect().await;
            let admins: Result<Vec<Admin>, ApiError> = client.admins(id).try_collect().await;
            (id, contacts, admins)
        }
    }))
    .buffer_unordered(concurrency);
    while let Some((id, contacts, admins)) = details.next().await {
        bar.inc();
        match contacts {
            Ok(list) => snapshot
                .contacts
                .extend(list.into_iter().map(|k| to_row::contact(k, id))),
            Err(err) => record
                .meta
                .failures
                .push(failure(&format!("contacts of customer {id}"), err)?),
        }
        match admins {
            Ok(list) => snapshot
                .admins
                .extend(list.into_iter().map(|a| to_row::admin(a, id))),
            Err(err) => record
                .meta
                .failures
                .push(failure(&format!("admins of customer {id}"), err)?),
        }
    }
    bar.finish();
    snapshot.customers = customers.into_iter().map(to_row::customer).collect();
    refuse_repeated_ids(&snapshot, client.base_url())?;
    record.resellers = snapshot.resellers.len() as u64;
    record.customers = snapshot.customers.len() as u64;
    record.contacts = snapshot.contacts.len() as u64;
    record.admins = snapshot.admins.len() as u64;
    // The window stays open for the run's record (`super::recorded`).
    if record.meta.failures.is_empty() {
        let run_id = record.meta.run_id;
        tokio::task::block_in_place(|| {
            windows.write(|store| Ok(store.replace_mailroute(&snapshot, run_id)?))
        })?;
        record.replaced = true;
    }
    Ok(())
}

/// Keys refused: the run stops.
/// The first id that occurs twice in `ids`, if any.
fn first_repeated(ids: impl Iterator<Item = i64>) -> Option<i64> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().find(|id| !seen.insert(*id))
}

/// A snapshot that names one object twice (MailRoute's ids are its keys) is refused
/// as a whole, saying which list and id, before anything is stored.
fn refuse_repeated_ids(snapshot: &MrSnapshot, base_url: &str) -> anyhow::Result<()> {
    let lists = [
        (
            "customer",
            "customer/",
            first_repeated(snapshot.customers.iter().map(|c| c.id)),
        ),
        (
            "contact",
            "contact_customer/",
            first_repeated(snapshot.contacts.iter().map(|k| k.id)),
        ),
        (
            "admin",
            "admins/customer/ID/",
            first_repeated(snapshot.admins.iter().map(|a| a.id)),
        ),
    ];
    for (what, path, repeated) in lists {
        if let Some(id) = repeated {
            anyhow::bail!(
                "MailRoute listed {what} {id} twice ({base_url}{path}); its ids are unique, so the lists are not trustworthy: nothing was stored"
            );
        }
    }
    Ok(())
}

fn fatal(err: ApiError) -> anyhow::Error {
    anyhow::Error::from(err)
}

/// A failed list, or the end of the run if the keys were refused.
fn failure(what: &str, err: ApiError) -> anyhow::Result<Failure> {
    if err.is_unauthorized() {
        return Err(fatal(err));
    }
    Ok(Failure {
        what: what.to_owned(),
        why: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::mailroute::wire::Customer;

    #[test]
    fn a_snapshot_naming_an_id_twice_is_refused_by_list_and_id() {
        let customer = |id| {
            to_row::customer(Customer {
                id,
                name: format!("c{id}.example"),
                reported_user_count: None,
                reseller: None,
                created_at: None,
                updated_at: None,
            })
        };
        let mut snapshot = MrSnapshot {
            customers: vec![customer(1000), customer(2000), customer(1001)],
            ..MrSnapshot::default()
        };
        assert!(refuse_repeated_ids(&snapshot, "https://admin.mailroute.net/api/v1/").is_ok());
        snapshot.customers.push(customer(2000));
        assert_eq!(
            refuse_repeated_ids(&snapshot, "https://admin.mailroute.net/api/v1/")
                .unwrap_err()
                .to_string(),
            "MailRoute listed customer 2000 twice (https://admin.mailroute.net/api/v1/customer/); its ids are unique, so the lists are not trustworthy: nothing was stored"
        );
    }
}
