//! The words the store writes about an invoice's CSV, in one place: its status
//! (`invoices.csv_status`) and where its lines came from (`invoices.csv_origin`).
//! The queries in `queries/` read the same words.

/// `invoices.csv_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvStatus {
    /// Lines are stored.
    Loaded,
    /// The provider has no CSV (`CsvAvailable: false`).
    NotAvailable,
    /// The provider said it had one, then answered 404.
    Missing,
}

impl CsvStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CsvStatus::Loaded => "loaded",
            CsvStatus::NotAvailable => "not_available",
            CsvStatus::Missing => "missing",
        }
    }

    /// As a quoted SQL literal, for the store's own statements.
    pub fn sql(self) -> String {
        format!("'{}'", self.as_str())
    }
}

/// Where an invoice's lines came from (`invoices.csv_origin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvOrigin {
    /// Downloaded from the provider by `tally sync`.
    Provider,
    /// A local file given to `tally load` (a later sync downloads the provider's
    /// CSV once and replaces these lines).
    File,
}

impl CsvOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            CsvOrigin::Provider => "provider",
            CsvOrigin::File => "file",
        }
    }

    /// As a quoted SQL literal, for the store's own statements.
    pub fn sql(self) -> String {
        format!("'{}'", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words match the CHECK constraints of the schema.
    #[test]
    fn the_schema_accepts_every_word() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("t.duckdb")).unwrap();
        for (i, status) in [
            CsvStatus::Loaded,
            CsvStatus::NotAvailable,
            CsvStatus::Missing,
        ]
        .into_iter()
        .enumerate()
        {
            let origin = [CsvOrigin::Provider, CsvOrigin::File][i % 2];
            store
                .connection()
                .execute(
                    "INSERT INTO invoices (invoice_id, csv_status, csv_origin) VALUES (?, ?, ?)",
                    duckdb::params![i.to_string(), status.as_str(), origin.as_str()],
                )
                .unwrap();
        }
        assert!(
            store
                .connection()
                .execute(
                    "INSERT INTO invoices (invoice_id, csv_status) VALUES ('x', 'other')",
                    []
                )
                .is_err()
        );
    }
}
