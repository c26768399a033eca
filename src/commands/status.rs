//! `tally status`: what the database holds, per provider its last run and how old
//! the last successful sync is; `--check` exits 1 when data is stale or the last run
//! failed (for cron and monitoring).

use std::io::Write;

use arrow::array::Array;

use crate::ExitStatus;
use crate::cli::StatusArgs;
use crate::printer::Printer;
use crate::render::write_result;
use crate::report;
use crate::store::{Access, SyncLock};

pub fn run(args: &StatusArgs, db: &super::Db, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let store = db.open_scoped(Access::ReadOnly, &args.scope, printer)?;
    let syncing = SyncLock::holder(db.path());
    let (schema, batches) = report::status(store.connection(), syncing.as_deref())?;
    drop(store);
    let mut out = printer.stdout();
    let kinds = crate::render::kinds_by_type(&schema);
    write_result(args.format.into(), &schema, &batches, &kinds, &mut out)?;
    out.flush()?;
    if !args.check {
        return Ok(ExitStatus::Success);
    }
    // The rows whose `problem` is true, by their `what`.
    let mut problems = Vec::new();
    for b in &batches {
        let (what, detail) = (
            report::text_column(b, "what")?,
            report::text_column(b, "detail")?,
        );
        let problem = report::flag_column(b, "problem")?;
        for i in (0..b.num_rows()).filter(|&i| problem.is_valid(i) && problem.value(i)) {
            problems.push(format!(
                "{}: {}",
                report::text(what, i),
                report::text(detail, i)
            ));
        }
    }
    for p in &problems {
        printer.error(p);
    }
    Ok(if problems.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
