//! The MailRoute snapshot: every sync replaces all four `mr_` tables in one
//! transaction (a DELETE and the appends), so the file always holds one whole
//! snapshot. A customer, contact or admin that is no longer listed stays, marked
//! deleted (`deleted_at`, the first sync that missed it), so past reports keep its
//! name.

use chrono::NaiveDateTime;
use duckdb::params;

use super::invoice_write::utc_now_text;
use super::{Store, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MrSnapshot {
    pub resellers: Vec<(i64, String)>,
    pub customers: Vec<MrCustomerRow>,
    pub contacts: Vec<MrContactRow>,
    pub admins: Vec<MrAdminRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrCustomerRow {
    pub id: i64,
    pub name: String,
    pub reseller_id: Option<i64>,
    pub reported_user_count: Option<i64>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrContactRow {
    pub id: i64,
    pub customer_id: i64,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub is_billing: bool,
    pub is_technical: bool,
    pub is_emergency: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrAdminRow {
    pub id: i64,
    pub customer_id: i64,
    pub username: String,
    pub email: Option<String>,
    pub is_active: bool,
    pub date_joined: Option<NaiveDateTime>,
    pub last_login: Option<NaiveDateTime>,
}

/// A time as DuckDB reads it (`None`: NULL).
pub(super) fn ts(at: Option<NaiveDateTime>) -> Option<String> {
    at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

impl Store {
    /// Replaces the MailRoute snapshot with `snapshot`, whole, in one transaction;
    /// every row records the run it came from.
    pub fn replace_mailroute(
        &mut self,
        snapshot: &MrSnapshot,
        run_id: i64,
    ) -> Result<(), StoreError> {
        let now = utc_now_text();
        let tx = self.conn.transaction().map_err(StoreError::Query)?;
        tx.execute_batch(
            "CREATE OR REPLACE TEMP TABLE mr_customers_before AS SELECT * FROM mr_customers;
             CREATE OR REPLACE TEMP TABLE mr_contacts_before AS SELECT * FROM mr_contacts;
             CREATE OR REPLACE TEMP TABLE mr_admins_before AS SELECT * FROM mr_admins;
             DELETE FROM mr_admins; DELETE FROM mr_contacts; DELETE FROM mr_customers; DELETE FROM mr_resellers;",
        )
        .map_err(StoreError::Query)?;
        {
            let mut insert = tx
                .prepare("INSERT INTO mr_resellers VALUES (?, ?, ?::TIMESTAMP, ?)")
                .map_err(StoreError::Query)?;
            for (id, name) in &snapshot.resellers {
                insert
                    .execute(params![id, name, now, run_id])
                    .map_err(StoreError::Query)?;
            }
            let mut appender = tx.appender("mr_customers").map_err(StoreError::Query)?;
            for c in &snapshot.customers {
                appender
                    .append_row(params![
                        c.id,
                        c.name,
                        c.reseller_id,
                        c.reported_user_count,
                        ts(c.created_at),
                        ts(c.updated_at),
                        now,
                        run_id,
                        None::<String>,
                        None::<i64>
                    ])
                    .map_err(StoreError::Query)?;
            }
            appender.flush().map_err(StoreError::Query)?;
            let mut appender = tx.appender("mr_contacts").map_err(StoreError::Query)?;
            for k in &snapshot.contacts {
                appender
                    .append_row(params![
                        k.id,
                        k.customer_id,
                        k.email,
                        k.first_name,
                        k.last_name,
                        k.phone,
                        k.is_billing,
                        k.is_technical,
                        k.is_emergency,
                        now,
                        run_id,
                        None::<String>,
                        None::<i64>
                    ])
                    .map_err(StoreError::Query)?;
            }
            appender.flush().map_err(StoreError::Query)?;
            let mut appender = tx.appender("mr_admins").map_err(StoreError::Query)?;
            for a in &snapshot.admins {
                appender
                    .append_row(params![
                        a.id,
                        a.customer_id,
                        a.username,
                        a.email,
                        a.is_active,
                        ts(a.date_joined),
                        ts(a.last_login),
                        now,
                        run_id,
                        None::<String>,
                        None::<i64>
                    ])
                    .map_err(StoreError::Query)?;
            }
            appender.flush().map_err(StoreError::Query)?;
        }
        // What is no longer listed comes back, marked deleted.
        for table in ["mr_customers", "mr_contacts", "mr_admins"] {
            tx.execute(
                &format!(
                    "INSERT INTO {table}
                     SELECT * REPLACE (coalesce(deleted_at, ?::TIMESTAMP) AS deleted_at)
                       FROM {table}_before b
                      WHERE b.id NOT IN (SELECT id FROM {table});
                     "
                ),
                [&now],
            )
            .map_err(StoreError::Query)?;
            tx.execute_batch(&format!("DROP TABLE {table}_before"))
                .map_err(StoreError::Query)?;
        }
        tx.commit().map_err(StoreError::Query)
    }
}
