//! The MailRoute snapshot: every sync replaces all four `mr_` tables in one
//! transaction (a DELETE and the appends), so the file always holds one whole
//! snapshot. A customer, contact or admin that is no longer listed stays, marked
//! deleted (`deleted_at`, the first sync that missed it), so past reports keep its
//! name.

use chrono::NaiveDateTime;
use duckdb::params;
use duckdb::types::Value;

use super::invoice_lines::utc_now_text;
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
fn ts(at: Option<NaiveDateTime>) -> Value {
    at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).into()
}

/// A row of one of the `mr_` tables: its table, and its own columns with their
/// values in the table's order (what follows them, `synced_at, run_id,
/// deleted_at, action_id`, is where it came from). Written by a sync's snapshot
/// and by an action's read-back alike.
pub trait MrRow {
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    fn values(&self) -> Vec<Value>;
}

impl MrRow for MrCustomerRow {
    const TABLE: &'static str = "mr_customers";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "reseller_id",
        "reported_user_count",
        "created_at",
        "updated_at",
    ];
    fn values(&self) -> Vec<Value> {
        vec![
            self.id.into(),
            self.name.clone().into(),
            self.reseller_id.into(),
            self.reported_user_count.into(),
            ts(self.created_at),
            ts(self.updated_at),
        ]
    }
}

impl MrRow for MrContactRow {
    const TABLE: &'static str = "mr_contacts";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "customer_id",
        "email",
        "first_name",
        "last_name",
        "phone",
        "is_billing",
        "is_technical",
        "is_emergency",
    ];
    fn values(&self) -> Vec<Value> {
        vec![
            self.id.into(),
            self.customer_id.into(),
            self.email.clone().into(),
            self.first_name.clone().into(),
            self.last_name.clone().into(),
            self.phone.clone().into(),
            self.is_billing.into(),
            self.is_technical.into(),
            self.is_emergency.into(),
        ]
    }
}

impl MrRow for MrAdminRow {
    const TABLE: &'static str = "mr_admins";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "customer_id",
        "username",
        "email",
        "is_active",
        "date_joined",
        "last_login",
    ];
    fn values(&self) -> Vec<Value> {
        vec![
            self.id.into(),
            self.customer_id.into(),
            self.username.clone().into(),
            self.email.clone().into(),
            self.is_active.into(),
            ts(self.date_joined),
            ts(self.last_login),
        ]
    }
}

/// Appends a sync's `rows` to their table (within `tx`), each recording run `run_id`.
fn append<R: MrRow>(
    tx: &duckdb::Transaction<'_>,
    rows: &[R],
    now: &str,
    run_id: i64,
) -> Result<(), StoreError> {
    let mut appender = tx.appender(R::TABLE).map_err(StoreError::Query)?;
    for row in rows {
        let mut values = row.values();
        values.extend([
            now.to_owned().into(),
            run_id.into(),
            Value::Null,
            Value::Null,
        ]);
        appender
            .append_row(duckdb::appender_params_from_iter(values))
            .map_err(StoreError::Query)?;
    }
    appender.flush().map_err(StoreError::Query)
}

impl Store {
    /// Stores a MailRoute row as read back after action `action_id`.
    pub fn write_mr_row<R: MrRow>(&mut self, row: &R, action_id: i64) -> Result<(), StoreError> {
        let placeholders = vec!["?"; R::COLUMNS.len()].join(", ");
        let mut values = row.values();
        values.extend([utc_now_text().into(), action_id.into()]);
        self.conn
            .execute(
                &format!(
                    "INSERT OR REPLACE INTO {} ({}, synced_at, action_id)
                     VALUES ({placeholders}, ?::TIMESTAMP, ?)",
                    R::TABLE,
                    R::COLUMNS.join(", ")
                ),
                duckdb::params_from_iter(values),
            )
            .map_err(StoreError::Query)?;
        Ok(())
    }

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
            append(&tx, &snapshot.customers, &now, run_id)?;
            append(&tx, &snapshot.contacts, &now, run_id)?;
            append(&tx, &snapshot.admins, &now, run_id)?;
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
