//! The record of each sync run (`sync_runs`), where each written row came from
//! (`Lineage`), and whether a file holds anything but sandbox data.

use duckdb::{Connection, params};

use super::invoice_lines::utc_now_text;
use super::{CsvOrigin, Store, StoreError};
use crate::provider::Provider;

/// What a sync run stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunCounts {
    pub customers: u64,
    pub contacts: u64,
    /// Invoice headers stored or refreshed.
    pub invoices: u64,
    pub csv_downloaded: u64,
    /// CsvAvailable but 404.
    pub csv_missing: u64,
    pub lines: u64,
    /// Σ charge of those lines.
    pub sum_charge: rust_decimal::Decimal,
}

/// The totals of one sync run, for its `sync_runs` row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunRecord {
    pub accounts: String,
    pub outcome: RunOutcome,
    pub requests: u64,
    pub retries: u64,
    pub throttled: u64,
    pub counts: RunCounts,
    pub failures: u64,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RunOutcome {
    #[default]
    Ok,
    Failed,
}

/// Where a written row came from: a sync run or an action (`actions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lineage {
    Run(i64),
    Action(i64),
}

impl Lineage {
    /// (run_id, action_id).
    pub(super) fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            Lineage::Run(id) => (Some(id), None),
            Lineage::Action(id) => (None, Some(id)),
        }
    }
}

/// Writes what run `run_id` has stored, and when it last wrote (`at`).
fn write_counts(
    conn: &Connection,
    run_id: i64,
    counts: &RunCounts,
    at: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE sync_runs SET last_write_at = ?::TIMESTAMP, customers = ?, contacts = ?,
             invoices = ?, csv_downloaded = ?, csv_missing = ?, lines = ?,
             sum_charge = ?::DECIMAL(38,4)
         WHERE run_id = ?",
        params![
            at,
            counts.customers as i64,
            counts.contacts as i64,
            counts.invoices as i64,
            counts.csv_downloaded as i64,
            counts.csv_missing as i64,
            counts.lines as i64,
            counts.sum_charge.to_string(),
            run_id
        ],
    )
    .map_err(StoreError::Query)?;
    Ok(())
}

impl Store {
    /// Starts a run record of this process. Runs still marked running belong to a
    /// process that died (the caller holds the [`super::SyncLock`]: one sync at a
    /// time): they become `interrupted`. `is_sandbox`: the base URL is the sandbox's
    /// (plain http on loopback).
    pub fn begin_run(
        &mut self,
        provider: Provider,
        base_url: &str,
        is_sandbox: bool,
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction().map_err(StoreError::Query)?;
        tx.execute(
            "UPDATE sync_runs SET outcome = 'interrupted' WHERE outcome = 'running'",
            [],
        )
        .map_err(StoreError::Query)?;
        let id: i64 = tx
            .query_row(
                "INSERT INTO sync_runs
                     (provider, base_url, is_sandbox, started_at, outcome, pid, last_write_at)
                 VALUES (?, ?, ?, ?::TIMESTAMP, 'running', ?, ?::TIMESTAMP) RETURNING run_id",
                params![
                    provider.name(),
                    base_url,
                    is_sandbox,
                    utc_now_text(),
                    i64::from(std::process::id()),
                    utc_now_text()
                ],
                |r| r.get(0),
            )
            .map_err(StoreError::Query)?;
        tx.commit().map_err(StoreError::Query)?;
        Ok(id)
    }

    /// Notes a write window of running run `run_id`: when, and what it has stored
    /// so far (what `tally status` shows of a sync in progress).
    pub fn note_progress(&mut self, run_id: i64, counts: &RunCounts) -> Result<(), StoreError> {
        write_counts(&self.conn, run_id, counts, &utc_now_text())
    }

    /// Closes run `run_id`'s record with what it did, in one transaction.
    pub fn finish_run(&mut self, run_id: i64, run: &RunRecord) -> Result<(), StoreError> {
        let outcome = match run.outcome {
            RunOutcome::Ok => "ok",
            RunOutcome::Failed => "failed",
        };
        let now = utc_now_text();
        let tx = self.conn.transaction().map_err(StoreError::Query)?;
        write_counts(&tx, run_id, &run.counts, &now)?;
        tx.execute(
            "UPDATE sync_runs SET finished_at = ?::TIMESTAMP, outcome = ?, accounts = ?,
                 requests = ?, retries = ?, throttled = ?, failures = ?, message = ?
             WHERE run_id = ?",
            params![
                now,
                outcome,
                run.accounts,
                run.requests as i64,
                run.retries as i64,
                run.throttled as i64,
                run.failures as i64,
                run.message,
                run_id
            ],
        )
        .map_err(StoreError::Query)?;
        tx.commit().map_err(StoreError::Query)
    }

    /// Why the file holds data that did not come from the sandbox (a run against
    /// a real provider, a loaded file, rows without a sandbox run), or `None` when
    /// everything in it came from the sandbox (or it is empty).
    pub fn real_data(&self) -> Result<Option<String>, StoreError> {
        let count = |sql: &str| -> Result<i64, StoreError> {
            self.conn
                .query_row(sql, [], |r| r.get(0))
                .map_err(StoreError::Query)
        };
        let real_runs = "SELECT run_id FROM sync_runs WHERE NOT coalesce(is_sandbox, false)";
        let checks = [
            (
                format!("SELECT count(*) FROM ({real_runs})"),
                "sync runs against a real provider",
            ),
            (
                format!(
                    "SELECT count(*) FROM invoices WHERE csv_origin = {}",
                    CsvOrigin::File.sql()
                ),
                "invoices loaded from files",
            ),
            (
                format!(
                    "SELECT count(*) FROM invoices WHERE run_id IS NULL OR run_id IN ({real_runs})"
                ),
                "invoices that no sandbox run brought",
            ),
            (
                "SELECT count(*) FROM actions WHERE NOT is_sandbox".to_owned(),
                "writes to a real provider",
            ),
            (
                format!(
                    "SELECT (SELECT count(*) FROM customers WHERE (run_id IS NULL AND action_id IS NULL) OR run_id IN ({real_runs}))
                          + (SELECT count(*) FROM mr_customers WHERE (run_id IS NULL AND action_id IS NULL) OR run_id IN ({real_runs}))"
                ),
                "customers that no sandbox run or action brought",
            ),
        ];
        for (sql, what) in checks {
            let n = count(&sql)?;
            if n > 0 {
                return Ok(Some(format!("{n} {what}")));
            }
        }
        Ok(None)
    }
}
