//! The month pack (`tally pack`): one self-contained, printable HTML page with the
//! month at a glance (headline, charts, findings, coverage, customers), and the
//! HTML rendering of reports (`tally report NAME --format html`). Pages come from
//! maud templates ([`html`]), charts from plotters' SVG backend; every figure is
//! read from the store's exact decimals by the queries of `queries/pack_*.sql`
//! and the reports'.

mod chart;
mod data;
mod page;

use std::path::Path;

use duckdb::Connection;

pub use data::{Headline, Pack, QUERIES, gather};

use crate::billing::{self, PriceBook};
use crate::month::{Month, MonthSelection};

/// The pack's page as HTML text.
pub fn render(pack: &Pack) -> anyhow::Result<String> {
    Ok(page::render(pack)?.into_string())
}

/// Gathers the pack of `month` (`None`: the latest month with line items) on
/// `conn`, with `book` when given (`warn` hears of the names it gives that are
/// never billed), and writes its page to `path` whole. Returns the pack, or `None`
/// when the database has no line items yet.
pub fn write(
    conn: &Connection,
    month: Option<Month>,
    book: Option<&PriceBook>,
    threshold_percent: u32,
    path: &Path,
    warn: impl Fn(&str),
) -> anyhow::Result<Option<Pack>> {
    let selection = month.map(MonthSelection::Month);
    let Some(MonthSelection::Month(month)) =
        billing::priced_month(conn, selection, threshold_percent, book, warn)?
    else {
        return Ok(None);
    };
    let pack = gather(conn, month, book.is_some())?;
    let text = render(&pack)?;
    crate::atomic::write_file(path, |out| Ok(out.write_all(text.as_bytes())?))?;
    Ok(Some(pack))
}
