//! What the month pack shows, gathered from `queries/` on one read-only connection
//! (after `report::prepare` for the month, and `billing::load` when priced). Money
//! comes back as exact decimals from DuckDB's DECIMAL columns; the few ratios
//! (change %, margin %) are done here in `Decimal`, never in SQL or a float.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Decimal128Type, Int64Type};
use arrow::record_batch::RecordBatch;
use duckdb::Connection;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::month::Month;
use crate::render::{Kind, shown_rows};
use crate::report::{self, ReportName};

const PACK_MONTHS: &str = include_str!("../../queries/pack_months.sql");
const PACK_SELL: &str = include_str!("../../queries/pack_sell.sql");
const PACK_PRODUCTS: &str = include_str!("../../queries/pack_products.sql");
const PACK_MOVERS: &str = include_str!("../../queries/pack_movers.sql");

/// Every query file of the pack, by name (for the test that runs each one).
pub const QUERIES: [(&str, &str); 4] = [
    ("pack_months", PACK_MONTHS),
    ("pack_sell", PACK_SELL),
    ("pack_products", PACK_PRODUCTS),
    ("pack_movers", PACK_MOVERS),
];

/// The month pack of one billing month.
#[derive(Debug, Clone)]
pub struct Pack {
    pub month: Month,
    /// True when a price book was loaded: sell, margin and margin % are shown.
    pub priced: bool,
    pub headline: Headline,
    /// Up to 24 months ending with `month` (months with line items).
    pub trend: Vec<MonthPoint>,
    /// Month × product over the same months.
    pub products: Vec<ProductMonth>,
    /// The 10 sub-accounts whose total moved most from the month before.
    pub movers: Vec<Mover>,
    /// `report reconcile` for the month (errors first).
    pub findings: ShownTable,
    /// `report coverage` rows whose status is not `ok`, when MailRoute is synced.
    pub coverage: Option<ShownTable>,
    /// `report customers` for the month.
    pub customers: ShownTable,
    /// The reseller accounts whose invoices these are, with their names (one with
    /// `--reseller`; none before a sync has named one).
    pub resellers: Vec<(String, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    pub cost: Decimal,
    /// The month before's cost, when it has line items.
    pub previous_cost: Option<Decimal>,
    pub sell: Option<Decimal>,
    pub sub_accounts: i64,
    pub seats: Decimal,
    /// Invoices dated in the month (with or without line items).
    pub invoices: i64,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Headline {
    /// cost − the month before's.
    pub fn change(&self) -> Option<Decimal> {
        self.previous_cost.map(|p| self.cost - p)
    }

    /// The change as a percent of the month before's cost, 1 place (half away
    /// from zero); `None` without a month before or when it cost 0.
    pub fn change_percent(&self) -> Option<Decimal> {
        let previous = self.previous_cost.filter(|p| !p.is_zero())?;
        percent(self.cost - previous, previous.abs(), 1)
    }

    pub fn margin(&self) -> Option<Decimal> {
        self.sell.map(|s| s - self.cost)
    }

    /// margin ÷ sell × 100 to 2 places, half away from zero (as `report margin`).
    pub fn margin_percent(&self) -> Option<Decimal> {
        let sell = self.sell.filter(|s| !s.is_zero())?;
        percent(sell - self.cost, sell, 2)
    }
}

/// `part ÷ whole × 100` to `places`, half away from zero; `None` if it overflows.
fn percent(part: Decimal, whole: Decimal, places: u32) -> Option<Decimal> {
    let ratio = part.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(whole)?;
    Some(ratio.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthPoint {
    pub month: String,
    pub cost: Decimal,
    pub sell: Option<Decimal>,
    pub sub_accounts: i64,
    pub seats: Decimal,
    pub lines: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductMonth {
    pub month: String,
    pub product: String,
    pub cost: Decimal,
    pub seats: Decimal,
    pub customers: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mover {
    pub account_no: String,
    pub name: Option<String>,
    pub previous_total: Decimal,
    pub total: Decimal,
    pub change: Decimal,
}

/// A report's rows as people read them (numbers by their column's kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownTable {
    pub header: Vec<String>,
    pub kinds: Vec<Kind>,
    pub rows: Vec<Vec<String>>,
}

/// Gathers the pack of `month` from `conn`, on which `report::prepare` has run for
/// that month (and `billing::load` when `priced`).
pub fn gather(conn: &Connection, month: Month, priced: bool) -> anyhow::Result<Pack> {
    let mut trend = Vec::new();
    for_each_row(&query(conn, "pack_months", PACK_MONTHS)?, |r| {
        trend.push(MonthPoint {
            month: r.text("month")?.unwrap_or_default(),
            cost: r.decimal("cost")?,
            sell: None,
            sub_accounts: r.int("sub_accounts")?,
            seats: r.decimal("seats")?,
            lines: r.int("lines")?,
        });
        Ok(())
    })?;
    if priced {
        for_each_row(&query(conn, "pack_sell", PACK_SELL)?, |r| {
            let month = r.text("month")?.unwrap_or_default();
            let sell = r.decimal("sell")?;
            if let Some(point) = trend.iter_mut().find(|p| p.month == month) {
                point.sell = Some(sell);
            }
            Ok(())
        })?;
    }
    let mut products = Vec::new();
    for_each_row(&query(conn, "pack_products", PACK_PRODUCTS)?, |r| {
        products.push(ProductMonth {
            month: r.text("month")?.unwrap_or_default(),
            product: r.text("product")?.unwrap_or_default(),
            cost: r.decimal("cost")?,
            seats: r.decimal("seats")?,
            customers: r.int("customers")?,
        });
        Ok(())
    })?;
    let mut movers = Vec::new();
    for_each_row(&query(conn, "pack_movers", PACK_MOVERS)?, |r| {
        movers.push(Mover {
            account_no: r.text("account_no")?.unwrap_or_default(),
            name: r.text("name")?,
            previous_total: r.decimal("previous_total")?,
            total: r.decimal("total")?,
            change: r.decimal("change")?,
        });
        Ok(())
    })?;

    let findings = shown(conn, ReportName::Reconcile)?;
    let count = |severity: &str| findings.rows.iter().filter(|r| r[0] == severity).count();
    let (errors, warnings, infos) = (count("error"), count("warning"), count("info"));
    // Coverage means something once MailRoute is synced: some row names a MailRoute
    // customer (before that, every billed domain is `missing_in_mailroute`).
    let mut coverage = shown(conn, ReportName::Coverage)?;
    let column = |name: &str| coverage.header.iter().position(|h| h == name);
    let (mailroute_id, status) = (column("mailroute_id"), column("status"));
    let synced = mailroute_id.is_some_and(|i| coverage.rows.iter().any(|r| !r[i].is_empty()));
    coverage
        .rows
        .retain(|row| status.is_none_or(|i| row[i] != "ok"));
    let coverage = synced.then_some(coverage);
    let customers = shown(conn, ReportName::Customers)?;

    let this = month.to_string();
    let previous = month.previous().to_string();
    let point = trend.iter().find(|p| p.month == this);
    let headline = Headline {
        cost: point.map_or(Decimal::ZERO, |p| p.cost),
        previous_cost: trend.iter().find(|p| p.month == previous).map(|p| p.cost),
        sell: if priced {
            Some(point.and_then(|p| p.sell).unwrap_or(Decimal::ZERO))
        } else {
            None
        },
        sub_accounts: point.map_or(0, |p| p.sub_accounts),
        seats: point.map_or(Decimal::ZERO, |p| p.seats),
        invoices: report::invoices_in_month(conn, &this)?,
        errors,
        warnings,
        infos,
    };
    Ok(Pack {
        month,
        priced,
        headline,
        trend,
        products,
        movers,
        findings,
        coverage,
        customers,
        resellers: crate::store::scope::resellers(conn)?,
    })
}

/// A report of the prepared month as shown rows.
fn shown(conn: &Connection, name: ReportName) -> anyhow::Result<ShownTable> {
    let report = name.report();
    let (schema, batches) = report::run(conn, report)?;
    let kinds = report.kinds(&schema);
    Ok(ShownTable {
        header: schema.fields().iter().map(|f| f.name().clone()).collect(),
        rows: shown_rows(&batches, &kinds)?,
        kinds,
    })
}

fn query(conn: &Connection, name: &str, sql: &str) -> anyhow::Result<Vec<RecordBatch>> {
    Ok(report::run_sql(conn, name, sql)?.1)
}

/// One row of a query result, its columns read by name.
struct Row<'a> {
    batch: &'a RecordBatch,
    index: usize,
}

fn for_each_row(
    batches: &[RecordBatch],
    mut f: impl FnMut(&Row<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    for batch in batches {
        for index in 0..batch.num_rows() {
            f(&Row { batch, index })?;
        }
    }
    Ok(())
}

impl Row<'_> {
    fn column(&self, name: &str) -> anyhow::Result<&dyn Array> {
        self.batch
            .column_by_name(name)
            .map(|c| c.as_ref())
            .ok_or_else(|| anyhow::anyhow!("the pack's query has no column {name}"))
    }

    fn text(&self, name: &str) -> anyhow::Result<Option<String>> {
        let column = self.column(name)?;
        let strings = column
            .as_string_opt::<i32>()
            .ok_or_else(|| anyhow::anyhow!("column {name} is not text"))?;
        Ok(strings
            .is_valid(self.index)
            .then(|| strings.value(self.index).to_owned()))
    }

    /// An exact DECIMAL (NULL as 0: the pack's sums are never NULL).
    fn decimal(&self, name: &str) -> anyhow::Result<Decimal> {
        let column = self.column(name)?;
        let DataType::Decimal128(_, scale) = column.data_type() else {
            anyhow::bail!(
                "column {name} is {} (expected a DECIMAL)",
                column.data_type()
            );
        };
        if column.is_null(self.index) {
            return Ok(Decimal::ZERO);
        }
        let units = column.as_primitive::<Decimal128Type>().value(self.index);
        Decimal::try_from_i128_with_scale(units, u32::try_from(*scale)?).map_err(|_| {
            anyhow::anyhow!("column {name}: {units}e-{scale} is too large to show exactly")
        })
    }

    fn int(&self, name: &str) -> anyhow::Result<i64> {
        let column = self.column(name)?;
        let ints = column
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| anyhow::anyhow!("column {name} is not BIGINT"))?;
        Ok(if ints.is_valid(self.index) {
            ints.value(self.index)
        } else {
            0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn headline(cost: &str, previous: Option<&str>, sell: Option<&str>) -> Headline {
        Headline {
            cost: d(cost),
            previous_cost: previous.map(d),
            sell: sell.map(d),
            sub_accounts: 0,
            seats: Decimal::ZERO,
            invoices: 0,
            errors: 0,
            warnings: 0,
            infos: 0,
        }
    }

    #[test]
    fn change_and_margin_percent_round_half_away_from_zero() {
        let h = headline("110.05", Some("100"), Some("132.06"));
        assert_eq!(h.change(), Some(d("10.05")));
        assert_eq!(h.change_percent(), Some(d("10.1")));
        assert_eq!(h.margin(), Some(d("22.01")));
        // 22.01 / 132.06 = 16.6666…%
        assert_eq!(h.margin_percent(), Some(d("16.67")));
        let down = headline("89.95", Some("100"), None);
        assert_eq!(down.change_percent(), Some(d("-10.1")));
        assert_eq!(down.margin_percent(), None);
        assert_eq!(headline("5", Some("0"), Some("0")).change_percent(), None);
        assert_eq!(headline("5", Some("0"), Some("0")).margin_percent(), None);
        assert_eq!(headline("5", None, None).change(), None);
    }
}
