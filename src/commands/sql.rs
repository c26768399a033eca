//! `tally sql`: one read-only query, printed as a table, CSV or JSON. The
//! connection can read the database and nothing else: no file is written or
//! read, no database attached, no extension installed or loaded, no setting
//! changed (see `store::Access::Query`).

use std::io::Write;

use anyhow::Context;

use crate::cli::SqlArgs;
use crate::printer::Printer;
use crate::render::write_result;
use crate::store::{Access, duckdb_message};
use crate::{ExitStatus, UsageError};

pub fn run(args: &SqlArgs, db: &super::Db, printer: &Printer) -> anyhow::Result<ExitStatus> {
    if args.query.trim().is_empty() {
        return Err(UsageError(
            "the query is empty; give one SQL statement, e.g. \"SELECT count(*) FROM line_items\""
                .into(),
        )
        .into());
    }
    let store = db.open_scoped(Access::Query, &args.scope, printer)?;
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
            if message.contains("read-only") || message.contains("read only") {
                anyhow::bail!("tally sql is read-only: nothing was changed ({message})");
            }
            if message.contains("disabled by configuration")
                || message.contains("disabled through configuration")
                || message.contains("configuration has been locked")
            {
                anyhow::bail!(
                    "tally sql reads only the database: no files, other databases, extensions or settings; nothing was changed ({message})"
                );
            }
            anyhow::bail!("query failed: {message}");
        }
    };
    let mut out = printer.stdout();
    let kinds = crate::render::kinds_by_type(&schema);
    write_result(args.format.into(), &schema, &batches, &kinds, &mut out)?;
    out.flush().context("writing to stdout")?;
    Ok(ExitStatus::Success)
}
