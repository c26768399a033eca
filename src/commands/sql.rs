//! `tally sql`: one read-only query, printed as a table, CSV or JSON.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::cli::SqlArgs;
use crate::printer::Printer;
use crate::render::write_result;
use crate::store::{Store, duckdb_message};
use crate::{ExitStatus, UsageError};

pub fn run(args: &SqlArgs, db: &Path, printer: &Printer) -> anyhow::Result<ExitStatus> {
    if args.query.trim().is_empty() {
        return Err(UsageError(
            "the query is empty; give one SQL statement, e.g. \"SELECT count(*) FROM line_items\""
                .into(),
        )
        .into());
    }
    let store = Store::open_read_only(db)?;
    let conn = store.connection();
    let result = conn.prepare(&args.query).and_then(|mut stmt| {
        let arrow = stmt.query_arrow([])?;
        let schema = arrow.get_schema();
        Ok((schema, arrow.collect::<Vec<_>>()))
    });
    let (schema, batches) = match result {
        Ok(r) => r,
        Err(e) => {
            let message = duckdb_message(&e);
            if message.contains("read-only") {
                anyhow::bail!("tally sql is read-only: nothing was changed ({message})");
            }
            anyhow::bail!("query failed: {message}");
        }
    };
    let mut out = printer.stdout();
    write_result(args.format, &schema, &batches, &mut out)?;
    out.flush().context("writing to stdout")?;
    Ok(ExitStatus::Success)
}
