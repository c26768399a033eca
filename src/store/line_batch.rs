//! One invoice's line items in the shape of `line_items`, for DuckDB's appender to
//! take in bulk: filled straight into its vectors ([`fill_lines`], how `line_items`
//! is written), or as an Arrow record batch ([`line_batch`], the checked lines of
//! `line_checks`). Decimals go in as scaled integers (`DECIMAL(18,4)`), never
//! through floating point.

use std::sync::{Arc, LazyLock};

use arrow::array::{
    ArrayRef, Decimal128Builder, Int32Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDateTime;

use crate::amount::{Amount, PRECISION, SCALE};
use crate::parse::LineItem;

const TEXT_COLUMNS: [&str; 6] = [
    "invoice_id",
    "account_no",
    "reference_no",
    "domain",
    "product",
    "type",
];
const AMOUNT_COLUMNS: [&str; 6] = [
    "term_committed_usage",
    "current_usage",
    "usage_change",
    "months",
    "rate",
    "charge",
];

/// The Arrow schema of `line_items`, column for column.
static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |name: &str| Field::new(name, DataType::Utf8, false);
    let time = |name: &str| {
        Field::new(
            name,
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        )
    };
    let amount = |name: &str| {
        Field::new(
            name,
            DataType::Decimal128(PRECISION as u8, SCALE as i8),
            false,
        )
    };
    let mut fields = vec![text(TEXT_COLUMNS[0])];
    fields.push(Field::new("line_no", DataType::Int32, false));
    fields.extend(TEXT_COLUMNS[1..].iter().map(|n| text(n)));
    fields.push(time("service_start"));
    fields.push(time("service_end"));
    fields.extend(AMOUNT_COLUMNS.iter().map(|n| amount(n)));
    Arc::new(Schema::new(fields))
});

/// A line number as stored (`INTEGER`).
pub(super) fn line_no(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Fills one chunk of `line_items` rows (the appender's columns, in the table's
/// order) with `items`, all of invoice `invoice_id`. Writing the vectors directly
/// skips building an Arrow batch and converting it (17 % of `tally load`'s CPU on
/// 60 invoices of 20,000 lines).
pub(super) fn fill_lines(
    columns: &mut duckdb::Columns<'_>,
    invoice_id: &str,
    items: &[LineItem],
) -> duckdb::Result<()> {
    let amount = |f: fn(&LineItem) -> Amount| items.iter().map(move |i| f(i).to_scaled_i64());
    let time = |f: fn(&LineItem) -> NaiveDateTime| {
        items.iter().map(move |i| f(i).and_utc().timestamp_micros())
    };
    columns.strs(0, items.iter().map(|_| invoice_id))?;
    columns.i32s(1, items.iter().map(|i| line_no(i.line_no)))?;
    columns.strs(2, items.iter().map(|i| i.account_no.as_str()))?;
    columns.strs(3, items.iter().map(|i| i.reference_no.as_str()))?;
    columns.strs(4, items.iter().map(|i| i.domain.as_str()))?;
    columns.strs(5, items.iter().map(|i| i.product.as_str()))?;
    columns.strs(6, items.iter().map(|i| i.line_type.as_str()))?;
    columns.i64s(7, time(|i| i.service_start))?;
    columns.i64s(8, time(|i| i.service_end))?;
    columns.i64s(9, amount(|i| i.term_committed_usage))?;
    columns.i64s(10, amount(|i| i.current_usage))?;
    columns.i64s(11, amount(|i| i.usage_change))?;
    columns.i64s(12, amount(|i| i.months))?;
    columns.i64s(13, amount(|i| i.rate))?;
    columns.i64s(14, amount(|i| i.charge))
}

pub(super) fn line_batch(
    invoice_id: &str,
    items: &[LineItem],
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let n = items.len();
    let text = |f: &dyn Fn(&LineItem) -> &str| -> ArrayRef {
        let mut b = StringBuilder::with_capacity(n, n * 16);
        for item in items {
            b.append_value(f(item));
        }
        Arc::new(b.finish())
    };
    let constant = |value: &str| -> ArrayRef {
        let mut b = StringBuilder::with_capacity(n, n * value.len());
        for _ in 0..n {
            b.append_value(value);
        }
        Arc::new(b.finish())
    };
    let time = |f: &dyn Fn(&LineItem) -> NaiveDateTime| -> ArrayRef {
        let mut b = TimestampMicrosecondBuilder::with_capacity(n);
        for item in items {
            b.append_value(f(item).and_utc().timestamp_micros());
        }
        Arc::new(b.finish())
    };
    let amount = |f: &dyn Fn(&LineItem) -> Amount| -> Result<ArrayRef, arrow::error::ArrowError> {
        let mut b = Decimal128Builder::with_capacity(n)
            .with_precision_and_scale(PRECISION as u8, SCALE as i8)?;
        for item in items {
            b.append_value(i128::from(f(item).to_scaled_i64()));
        }
        Ok(Arc::new(b.finish()))
    };
    let mut line_nos = Int32Builder::with_capacity(n);
    for item in items {
        line_nos.append_value(line_no(item.line_no));
    }
    let columns: Vec<ArrayRef> = vec![
        constant(invoice_id),
        Arc::new(line_nos.finish()),
        text(&|i| &i.account_no),
        text(&|i| &i.reference_no),
        text(&|i| &i.domain),
        text(&|i| &i.product),
        text(&|i| i.line_type.as_str()),
        time(&|i| i.service_start),
        time(&|i| i.service_end),
        amount(&|i| i.term_committed_usage)?,
        amount(&|i| i.current_usage)?,
        amount(&|i| i.usage_change)?,
        amount(&|i| i.months)?,
        amount(&|i| i.rate)?,
        amount(&|i| i.charge)?,
    ];
    RecordBatch::try_new(SCHEMA.clone(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{LineType, parse_service_date};
    use crate::store::Store;

    /// `n` lines with the worst text a real file holds: non-ASCII names, an
    /// internationalised domain, quotes, empty and long cells, negative amounts.
    fn lines(n: u32) -> Vec<LineItem> {
        (1..=n)
            .map(|i| LineItem {
                line_no: i,
                account_no: format!("{}", 100_000 + i % 2_000),
                reference_no: if i % 3 == 0 {
                    String::new()
                } else {
                    format!("PO \"{i}\"")
                },
                domain: if i % 2 == 0 {
                    "bücher-straße.example".into()
                } else {
                    format!("d{i}.example.com")
                },
                product: if i % 5 == 0 {
                    "Hosted Exchange – Größe ✓ 日本語".repeat(3)
                } else {
                    "Rackspace Email".into()
                },
                line_type: LineType::from_text(if i % 4 == 0 { "Upgrade" } else { "Renewal" }),
                service_start: parse_service_date("11/6/2017 7:54:44 PM").unwrap(),
                service_end: parse_service_date("11/30/2017 11:59:59 PM").unwrap(),
                term_committed_usage: Amount::parse(&format!("{}", i % 97)).unwrap(),
                current_usage: Amount::parse(&format!("{}.5", i % 89)).unwrap(),
                usage_change: Amount::parse(&format!("-{}", i % 7)).unwrap(),
                months: Amount::parse("0.81").unwrap(),
                rate: Amount::parse("2.9899").unwrap(),
                charge: Amount::parse(&format!("-{}.{:04}", i, i % 10_000)).unwrap(),
            })
            .collect()
    }

    /// A store with `line_items` as the migrations leave it, and an empty copy of
    /// it for the Arrow path.
    fn database() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.duckdb")).unwrap();
        store
            .connection()
            .execute_batch("CREATE TABLE by_arrow AS FROM line_items LIMIT 0")
            .unwrap();
        (dir, store)
    }

    #[test]
    fn lines_filled_into_vectors_equal_the_arrow_batch_of_them() {
        // 5,000 lines: two full chunks of 2,048 and a partial one.
        let items = lines(5_000);
        let (_dir, store) = database();
        let conn = store.connection();
        let mut appender = conn.appender("line_items").unwrap();
        appender
            .append_columns(items.len(), |columns, first| {
                fill_lines(columns, "INV-ü-1", &items[first..first + columns.len()])
            })
            .unwrap();
        appender.flush().unwrap();
        drop(appender);
        let mut by_arrow = conn.appender("by_arrow").unwrap();
        by_arrow
            .append_record_batch(line_batch("INV-ü-1", &items).unwrap())
            .unwrap();
        by_arrow.flush().unwrap();
        drop(by_arrow);
        let differ: i64 = conn
            .query_row(
                "SELECT count(*) FROM ((FROM line_items EXCEPT ALL FROM by_arrow) \
                 UNION ALL (FROM by_arrow EXCEPT ALL FROM line_items))",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(differ, 0);
        // And against the items themselves, by hand: the count, the cents, the text.
        let (n, charge, product, domain): (i64, String, String, String) = conn
            .query_row(
                "SELECT count(*), sum(charge)::VARCHAR, max_by(product, line_no), \
                 max_by(domain, line_no) FROM line_items WHERE invoice_id = 'INV-ü-1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(n, 5_000);
        let expected: rust_decimal::Decimal = items.iter().map(|i| i.charge.as_decimal()).sum();
        assert_eq!(charge, expected.to_string());
        assert_eq!(product, "Hosted Exchange – Größe ✓ 日本語".repeat(3));
        assert_eq!(domain, "bücher-straße.example");
    }

    #[test]
    fn a_fill_that_does_not_match_the_table_is_refused() {
        let (_dir, store) = database();
        let conn = store.connection();
        let mut appender = conn.appender("line_items").unwrap();
        let refused = |fill: &dyn Fn(&mut duckdb::Columns<'_>) -> duckdb::Result<()>| {
            let mut appender = conn.appender("line_items").unwrap();
            appender
                .append_columns(3, |columns, _| fill(columns))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            refused(&|c| c.strs(0, ["a", "b", "c"])),
            "column 1 not filled"
        );
        assert_eq!(
            refused(&|c| c.i64s(1, [1, 2, 3])),
            "column 1 holds Int32 values, given Int64"
        );
        assert_eq!(
            refused(&|c| c.strs(0, ["a", "b"])),
            "column 0: 3 values expected for the chunk, 2 given"
        );
        assert_eq!(
            refused(&|c| c.strs(0, ["a", "b", "c", "d"])),
            "column 0: 3 values expected for the chunk, more given"
        );
        assert_eq!(
            refused(&|c| {
                c.strs(0, ["a", "b", "c"])?;
                c.strs(0, ["a", "b", "c"])
            }),
            "column 0 filled twice"
        );
        assert_eq!(
            refused(&|c| c.i64s(15, [1, 2, 3])),
            "no column 15: the table has 15"
        );
        // Nothing of the refused fills was stored.
        appender.flush().unwrap();
        drop(appender);
        let n: i64 = conn
            .query_row("SELECT count(*) FROM line_items", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }
}
