//! Customers and their contacts as Rackspace lists them (MailRoute's are in
//! `mailroute`): upserted, a complete list marking the sub-accounts it no longer
//! names deleted, each account's contacts replaced whole. Each call is one
//! transaction.

use duckdb::params;

use super::invoice_lines::utc_now_text;
use super::runs::Lineage;
use super::{Store, StoreError};
use crate::ids::AccountNumber;

/// A customer as listed, with the address block when it was fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRow {
    pub account_number: AccountNumber,
    pub name: Option<String>,
    pub reference_number: Option<String>,
    pub is_reseller: bool,
    pub details: Option<CustomerDetails>,
}

/// A customer's address block (Rackspace's own shape).
pub type CustomerDetails = crate::api::rackspace::wire::Address;

/// A contact, without its security question and answer (there is nowhere to put them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub contact_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub receives_alerts: bool,
    pub receives_billing: bool,
    pub receives_updates: bool,
}

/// Replaces a customer's address block (within `tx`).
fn write_details(
    tx: &duckdb::Transaction<'_>,
    account: &str,
    d: &CustomerDetails,
    now: &str,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE customers SET address_line1 = ?, address_line2 = ?, city = ?, state = ?,
             zip = ?, country = ?, phone = ?, email = ?, details_synced_at = ?::TIMESTAMP
         WHERE account_number = ?",
    )
    .and_then(|mut update| {
        update.execute(params![
            d.address_line1,
            d.address_line2,
            d.city,
            d.state,
            d.zip,
            d.country,
            d.phone,
            d.email,
            now,
            account
        ])
    })
    .map_err(StoreError::Query)?;
    Ok(())
}

impl Store {
    /// Inserts or refreshes customers listed by the reseller account `reseller`
    /// (a sub-account belongs to the reseller that listed it last; a reseller's own
    /// row to itself, and stays a reseller). The address block is replaced only
    /// when the row carries one, so a sync without `--customer-details` keeps the
    /// last one. With `complete` (the reseller's whole customer list was read), a
    /// sub-account of that reseller not among `rows` is marked deleted (it stays,
    /// so past reports keep its name); a listed one is never deleted, and another
    /// reseller's sub-accounts are not touched.
    pub fn upsert_customers(
        &mut self,
        rows: &[CustomerRow],
        reseller: &AccountNumber,
        lineage: Lineage,
        complete: bool,
    ) -> Result<(), StoreError> {
        let now = utc_now_text();
        let (run_id, action_id) = lineage.ids();
        let tx = self.conn.transaction().map_err(StoreError::Query)?;
        if complete {
            tx.execute(
                "UPDATE customers SET deleted_at = coalesce(deleted_at, ?::TIMESTAMP)
                  WHERE NOT is_reseller AND reseller_account = ?",
                params![now, reseller],
            )
            .map_err(StoreError::Query)?;
        }
        {
            let mut basic = tx
                .prepare(
                    "INSERT INTO customers (account_number, name, reference_number, is_reseller,
                         reseller_account, synced_at, run_id, action_id)
                     VALUES (?, ?, ?, ?, ?, ?::TIMESTAMP, ?, ?)
                     ON CONFLICT (account_number) DO UPDATE SET
                         name = excluded.name,
                         reference_number = excluded.reference_number,
                         is_reseller = customers.is_reseller OR excluded.is_reseller,
                         reseller_account = CASE WHEN customers.is_reseller OR excluded.is_reseller
                                                 THEN customers.account_number
                                                 ELSE excluded.reseller_account END,
                         synced_at = excluded.synced_at,
                         run_id = excluded.run_id,
                         action_id = excluded.action_id,
                         deleted_at = NULL",
                )
                .map_err(StoreError::Query)?;

            for row in rows {
                basic
                    .execute(params![
                        row.account_number,
                        row.name,
                        row.reference_number,
                        row.is_reseller,
                        if row.is_reseller {
                            &row.account_number
                        } else {
                            reseller
                        },
                        now,
                        run_id,
                        action_id
                    ])
                    .map_err(StoreError::Query)?;
                if let Some(d) = &row.details {
                    write_details(&tx, &row.account_number, d, &now)?;
                }
            }
        }
        tx.commit().map_err(StoreError::Query)
    }

    /// Replaces an account's contacts with `rows` as the reseller account
    /// `reseller` lists them (from a sync run, or read back after an action); one
    /// no longer listed stays, marked deleted.
    pub fn replace_contacts(
        &mut self,
        account: &str,
        rows: &[ContactRow],
        reseller: &AccountNumber,
        lineage: Lineage,
    ) -> Result<(), StoreError> {
        self.replace_contacts_of(&[(account, rows)], reseller, lineage)
    }

    /// [`Store::replace_contacts`] for several accounts, all in one transaction (a
    /// sync stores the lists that have arrived together).
    pub fn replace_contacts_of(
        &mut self,
        lists: &[(&str, &[ContactRow])],
        reseller: &AccountNumber,
        lineage: Lineage,
    ) -> Result<(), StoreError> {
        let now = utc_now_text();
        let (run_id, action_id) = lineage.ids();
        let tx = self.conn.transaction().map_err(StoreError::Query)?;
        {
            let mut gone = tx
                .prepare(
                    "UPDATE contacts SET deleted_at = coalesce(deleted_at, ?::TIMESTAMP) WHERE account_number = ?",
                )
                .map_err(StoreError::Query)?;
            let mut delete = tx
                .prepare("DELETE FROM contacts WHERE account_number = ? AND contact_id = ?")
                .map_err(StoreError::Query)?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO contacts (account_number, contact_id, name, email, phone,
                         receives_alerts, receives_billing, receives_updates, synced_at, run_id,
                         action_id, reseller_account)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::TIMESTAMP, ?, ?, ?)",
                )
                .map_err(StoreError::Query)?;
            for (account, rows) in lists {
                gone.execute(params![now, account])
                    .map_err(StoreError::Query)?;
                for c in *rows {
                    delete
                        .execute(params![account, c.contact_id])
                        .map_err(StoreError::Query)?;
                    insert
                        .execute(params![
                            account,
                            c.contact_id,
                            c.name,
                            c.email,
                            c.phone,
                            c.receives_alerts,
                            c.receives_billing,
                            c.receives_updates,
                            now,
                            run_id,
                            action_id,
                            reseller
                        ])
                        .map_err(StoreError::Query)?;
                }
            }
        }
        tx.commit().map_err(StoreError::Query)
    }
}
