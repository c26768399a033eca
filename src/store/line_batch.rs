//! One invoice's line items as an Arrow record batch shaped like `line_items`,
//! so DuckDB's appender takes them in bulk. Decimals go in as scaled integers
//! (`Decimal128(18,4)`), never through floating point.

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
