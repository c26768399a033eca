//! The write side's record: every write tally sends is an `actions` row, recorded
//! `pending` before it is sent and finished with what came back; the object
//! written is read back and stored here (its row's `action_id` says which action
//! wrote it), and a deleted one stays, marked deleted.

use duckdb::{OptionalExt, params};

use super::invoice_lines::utc_now_text;
use super::{Store, StoreError};
use crate::provider::Provider;

/// What is about to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionStart {
    pub provider: Provider,
    /// `customer add`, `contact edit`, `login-token`, ...
    pub operation: &'static str,
    pub target: Option<String>,
    pub method: &'static str,
    pub url: String,
    /// The JSON body, secrets as `***`.
    pub request: Option<String>,
    /// What finds a created object again (reference number, name, e-mail).
    pub lookup_key: Option<String>,
    pub base_url: String,
    pub is_sandbox: bool,
}

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionOutcome {
    /// The provider accepted it.
    Ok,
    /// The provider answered with an error: nothing was applied.
    Refused,
    /// It was sent and no answer came: it may or may not have been applied.
    Unknown,
    /// It never reached the provider, or (for an unknown one settled later) was
    /// found not applied.
    Failed,
}

impl ActionOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionOutcome::Ok => "ok",
            ActionOutcome::Refused => "refused",
            ActionOutcome::Unknown => "unknown",
            ActionOutcome::Failed => "failed",
        }
    }
}

/// An earlier action whose outcome is not known (pending: the process died while
/// it was in flight; unknown: its answer was lost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsettledAction {
    pub action_id: i64,
    pub started_at: String,
    pub outcome: Unsettled,
}

/// Why an action's outcome is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsettled {
    /// Recorded, never finished: its process stopped while it was in flight.
    Pending,
    /// Sent, and no answer came.
    Unknown,
}

/// Which MailRoute table a write-back goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MrObject {
    Customer,
    Contact,
    Admin,
}

impl MrObject {
    fn table(self) -> &'static str {
        match self {
            MrObject::Customer => "mr_customers",
            MrObject::Contact => "mr_contacts",
            MrObject::Admin => "mr_admins",
        }
    }
}

impl Store {
    /// Records an action as `pending`, before anything is sent; returns its id.
    pub fn begin_action(&mut self, action: &ActionStart) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "INSERT INTO actions (started_at, provider, operation, target, method, url, request,
                     lookup_key, outcome, base_url, is_sandbox)
                 VALUES (?::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                 RETURNING action_id",
                params![
                    utc_now_text(),
                    action.provider.name(),
                    action.operation,
                    action.target,
                    action.method,
                    action.url,
                    action.request,
                    action.lookup_key,
                    action.base_url,
                    action.is_sandbox
                ],
                |r| r.get(0),
            )
            .map_err(StoreError::Query)
    }

    /// Finishes an action with what came back (or did not).
    pub fn finish_action(
        &mut self,
        action_id: i64,
        status: Option<u16>,
        outcome: ActionOutcome,
        message: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE actions SET finished_at = ?::TIMESTAMP, http_status = ?, outcome = ?,
                     message = ?
                 WHERE action_id = ?",
                params![
                    utc_now_text(),
                    status.map(i32::from),
                    outcome.as_str(),
                    message,
                    action_id
                ],
            )
            .map_err(StoreError::Query)?;
        Ok(())
    }

    /// Records the id of the object an applied action created or wrote.
    pub fn set_action_result(&mut self, action_id: i64, result_id: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE actions SET result_id = ?, target = coalesce(target, ?) WHERE action_id = ?",
                params![result_id, result_id, action_id],
            )
            .map_err(StoreError::Query)?;
        Ok(())
    }

    /// The latest action of this kind and lookup key whose outcome is not known.
    pub fn unsettled_action(
        &self,
        provider: Provider,
        operation: &str,
        lookup_key: &str,
    ) -> Result<Option<UnsettledAction>, StoreError> {
        self.conn
            .query_row(
                "SELECT action_id, strftime(started_at, '%Y-%m-%d %H:%M:%S'), outcome FROM actions
                  WHERE provider = ? AND operation = ? AND lookup_key = ?
                    AND outcome IN ('pending', 'unknown')
                  ORDER BY action_id DESC LIMIT 1",
                params![provider.name(), operation, lookup_key],
                |r| {
                    let outcome: String = r.get(2)?;
                    Ok(UnsettledAction {
                        action_id: r.get(0)?,
                        started_at: r.get(1)?,
                        outcome: if outcome == "pending" {
                            Unsettled::Pending
                        } else {
                            Unsettled::Unknown
                        },
                    })
                },
            )
            .optional()
            .map_err(StoreError::Query)
    }

    /// When an action of one of `operations` on `target` was last applied (UTC,
    /// `YYYY-MM-DD HH:MM:SS`).
    pub fn last_applied(
        &self,
        provider: Provider,
        operations: &[&str],
        target: &str,
    ) -> Result<Option<chrono::NaiveDateTime>, StoreError> {
        let list = operations
            .iter()
            .map(|o| format!("'{}'", o.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(", ");
        self.conn
            .query_row(
                &format!(
                    "SELECT strftime(max(coalesce(finished_at, started_at)), '%Y-%m-%d %H:%M:%S') FROM actions
                      WHERE provider = ? AND target = ? AND outcome = 'ok' AND operation IN ({list})"
                ),
                params![provider.name(), target],
                |r| r.get::<_, Option<String>>(0),
            )
            .map(|text| {
                text.and_then(|t| {
                    chrono::NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M:%S").ok()
                })
            })
            .map_err(StoreError::Query)
    }

    /// Marks a Rackspace customer deleted (it stays for past reports).
    pub fn mark_customer_deleted(
        &mut self,
        account: &str,
        action_id: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE customers SET deleted_at = coalesce(deleted_at, ?::TIMESTAMP), action_id = ?
                  WHERE account_number = ?",
                params![utc_now_text(), action_id, account],
            )
            .map_err(StoreError::Query)?;
        Ok(())
    }

    /// Marks a MailRoute object deleted (a customer's contacts and admins with it).
    pub fn mark_mr_deleted(
        &mut self,
        object: MrObject,
        id: i64,
        action_id: i64,
    ) -> Result<(), StoreError> {
        let now = utc_now_text();
        let tx = self.conn.transaction().map_err(StoreError::Query)?;
        tx.execute(
            &format!(
                "UPDATE {} SET deleted_at = coalesce(deleted_at, ?::TIMESTAMP), action_id = ? WHERE id = ?",
                object.table()
            ),
            params![now, action_id, id],
        )
        .map_err(StoreError::Query)?;
        if object == MrObject::Customer {
            for table in ["mr_contacts", "mr_admins"] {
                tx.execute(
                    &format!(
                        "UPDATE {table} SET deleted_at = coalesce(deleted_at, ?::TIMESTAMP), action_id = ?
                          WHERE customer_id = ?"
                    ),
                    params![now, action_id, id],
                )
                .map_err(StoreError::Query)?;
            }
        }
        tx.commit().map_err(StoreError::Query)
    }
}
