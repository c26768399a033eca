//! `tally sql`: one read-only query, printed as a table, CSV or JSON.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::ExitStatus;
use crate::cli::SqlArgs;
use crate::printer::Printer;
use crate::render::write_result;
use crate::store::Store;

pub fn run(args: &SqlArgs, db: &Path, printer: &Printer) -> anyhow::Result<ExitStatus> {
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
            let message = e.to_string();
            if message.contains("read-only") {
                anyhow::bail!("tally sql is read-only: nothing was changed ({message})");
            }
            return Err(e).context("query failed");
        }
    };
    let mut out = printer.stdout();
    write_result(args.format, &schema, &batches, &mut out)?;
    out.flush().context("writing to stdout")?;
    Ok(ExitStatus::Success)
}
