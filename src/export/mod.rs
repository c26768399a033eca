//! `tally export`: tables and reports as CSV or Parquet files, one folder per
//! table, optionally partitioned hive-style (`month=YYYY-MM/`). Each file is written
//! under a temporary name and renamed, so a crash never leaves half a file and a
//! re-run replaces files rather than adding to them. Parquet keeps DECIMAL logical
//! types; in CSV, text a spreadsheet would execute is neutralised.

use std::path::{Path, PathBuf};

use duckdb::Connection;

use crate::atomic;
use crate::report::{self, REPORTS};
use crate::store::duckdb_message;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

/// A table or report that can be exported: its name and the query giving its rows.
/// `by_month`: the query has a `month` column ('YYYY-MM') to partition and filter on.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub sql: String,
    pub by_month: bool,
}

/// Every exportable name, in order: the tables, then `report_<name>` for each report.
pub fn sources() -> Vec<Source> {
    let mut all = vec![
        Source {
            name: "invoices".into(),
            sql: "SELECT billing_month AS month, * EXCLUDE (billing_month) FROM stg_invoices \
                  ORDER BY account_number, invoice_id"
                .into(),
            by_month: true,
        },
        Source {
            name: "line_items".into(),
            sql: "SELECT billing_month AS month, * EXCLUDE (billing_month, customer_name, customer_reference) \
                  FROM stg_lines ORDER BY account_number, invoice_id, line_no"
                .into(),
            by_month: true,
        },
        Source {
            name: "customers".into(),
            sql: "SELECT * FROM customers ORDER BY account_number".into(),
            by_month: false,
        },
        Source {
            name: "contacts".into(),
            sql: "SELECT * FROM contacts ORDER BY account_number, contact_id".into(),
            by_month: false,
        },
    ];
    for table in ["mr_customers", "mr_contacts", "mr_admins"] {
        all.push(Source {
            name: table.into(),
            sql: format!("SELECT * FROM {table} ORDER BY id"),
            by_month: false,
        });
    }
    all.extend(REPORTS.iter().map(|r| Source {
        name: format!("report_{}", r.name),
        sql: format!("SELECT * FROM (\n{}\n)", r.sql.trim().trim_end_matches(';')),
        by_month: true,
    }));
    all
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub out: PathBuf,
    pub format: Format,
    pub partition_by_month: bool,
    /// Only rows of this month ('YYYY-MM') and later, for month-based sources.
    pub since: Option<String>,
    pub sources: Vec<Source>,
}

/// One file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub source: String,
    pub path: PathBuf,
    pub rows: u64,
}

/// The partition folder name of a month value (NULL: Hive's default partition).
fn partition_dir(month: Option<&str>) -> String {
    format!("month={}", month.unwrap_or("__HIVE_DEFAULT_PARTITION__"))
}

/// The files a source becomes: (file path, the query of its rows).
fn files(
    plan: &Plan,
    source: &Source,
    conn: &Connection,
) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let dir = plan.out.join(&source.name);
    let file = format!("data.{}", plan.format.extension());
    let since = match (&plan.since, source.by_month) {
        (Some(since), true) => format!(" WHERE month >= '{since}'"),
        _ => String::new(),
    };
    let filtered = format!("SELECT * FROM ({}){since}", source.sql);
    if !(plan.partition_by_month && source.by_month) {
        return Ok(vec![(dir.join(file), filtered)]);
    }
    let months: Vec<Option<String>> = conn
        .prepare(&format!(
            "SELECT DISTINCT month FROM ({filtered}) ORDER BY 1"
        ))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(months
        .into_iter()
        .map(|m| {
            let condition = match &m {
                Some(m) => format!("month = '{m}'"),
                None => "month IS NULL".to_owned(),
            };
            (
                dir.join(partition_dir(m.as_deref())).join(&file),
                // The partition column lives in the folder name, not in the file.
                format!("SELECT * EXCLUDE (month) FROM ({filtered}) WHERE {condition}"),
            )
        })
        .collect())
}

/// `query` with every text column neutralised for spreadsheets: a cell starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.
fn neutralised(conn: &Connection, query: &str) -> anyhow::Result<String> {
    let columns: Vec<(String, String)> = conn
        .prepare(&format!("DESCRIBE {query}"))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let list: Vec<String> = columns
        .iter()
        .map(|(name, ty)| {
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            if ty == "VARCHAR" {
                format!(
                    "CASE WHEN regexp_matches({quoted}, '^[=+\\-@\\t\\r]') THEN '''' || {quoted} ELSE {quoted} END AS {quoted}"
                )
            } else {
                quoted
            }
        })
        .collect();
    Ok(format!("SELECT {} FROM ({query})", list.join(", ")))
}

/// Writes every file of the plan; `each` is told of each file as it is done.
pub fn export(
    conn: &Connection,
    plan: &Plan,
    mut each: impl FnMut(&Written),
) -> anyhow::Result<Vec<Written>> {
    report::prepare(conn, &report::Months::All, 25)?;
    let mut written = Vec::new();
    for source in &plan.sources {
        for (path, query) in files(plan, source, conn)? {
            let rows = write_one(conn, plan.format, &path, &query)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e:#}", path.display()))?;
            let w = Written {
                source: source.name.clone(),
                path,
                rows,
            };
            each(&w);
            written.push(w);
        }
    }
    Ok(written)
}

fn write_one(conn: &Connection, format: Format, path: &Path, query: &str) -> anyhow::Result<u64> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let (query, options) = match format {
        Format::Csv => (neutralised(conn, query)?, "FORMAT csv, HEADER true"),
        Format::Parquet => (query.to_owned(), "FORMAT parquet"),
    };
    let temp = atomic::temp_path(path);
    let sql = format!(
        "COPY ({query}) TO '{}' ({options})",
        temp.to_string_lossy().replace('\'', "''")
    );
    let rows = match conn.execute(&sql, []) {
        Ok(rows) => rows as u64,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            anyhow::bail!("{}", duckdb_message(&e));
        }
    };
    atomic::commit(&temp, path)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_cells_are_neutralised() {
        let conn = Connection::open_in_memory().unwrap();
        let query = "SELECT * FROM (VALUES ('=HYPERLINK(\"x\")', 1), ('+1', 2), ('-2+3', 3), ('@SUM(A1)', 4), \
                     (chr(9) || 'tab', 5), (chr(13) || 'cr', 6), ('plain', 7), ('a=b', 8), (NULL, 9)) t(cell, n)";
        let sql = neutralised(&conn, query).unwrap();
        let cells: Vec<Option<String>> = conn
            .prepare(&format!("SELECT cell FROM ({sql}) ORDER BY n"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected = [
            "'=HYPERLINK(\"x\")",
            "'+1",
            "'-2+3",
            "'@SUM(A1)",
            "'\ttab",
            "'\rcr",
            "plain",
            "a=b",
        ];
        for (got, want) in cells.iter().zip(expected) {
            assert_eq!(got.as_deref(), Some(want));
        }
        assert_eq!(cells[8], None);
    }

    #[test]
    fn partition_folders() {
        assert_eq!(partition_dir(Some("2019-12")), "month=2019-12");
        assert_eq!(partition_dir(None), "month=__HIVE_DEFAULT_PARTITION__");
    }
}
