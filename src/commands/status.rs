//! `tally status`: what the database holds, per provider its last run and how old
//! the last successful sync is; `--check` exits 1 when data is stale or the last run
//! failed (for cron and monitoring).

use std::io::Write;

use arrow::array::{Array, AsArray};

use crate::ExitStatus;
use crate::cli::StatusArgs;
use crate::printer::Printer;
use crate::render::write_result;
use crate::report;
use crate::store::Access;

pub fn run(args: &StatusArgs, db: &super::Db, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let store = db.open(Access::ReadOnly, printer)?;
    let (schema, batches) = report::status(store.connection())?;
    let mut out = printer.stdout();
    let kinds = crate::render::kinds_by_type(&schema);
    write_result(args.format.into(), &schema, &batches, &kinds, &mut out)?;
    out.flush()?;
    if !args.check {
        return Ok(ExitStatus::Success);
    }
    // The rows whose `problem` (last column) is true, by their `what`.
    let mut problems = Vec::new();
    for batch in &batches {
        let what = batch.column(0).as_string::<i32>();
        let detail = batch.column(2).as_string::<i32>();
        let problem = batch.column(3).as_boolean();
        for i in 0..batch.num_rows() {
            if problem.is_valid(i) && problem.value(i) {
                let detail = if detail.is_valid(i) {
                    detail.value(i)
                } else {
                    ""
                };
                problems.push(format!("{}: {detail}", what.value(i)));
            }
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
