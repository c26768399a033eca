//! Query results (Arrow record batches from DuckDB) as an aligned table, CSV or
//! JSON. Values are formatted from their exact stored form: a `DECIMAL(38,4)` sum
//! prints every one of its digits, never through a float.

pub mod html;
pub mod neutralise;
pub mod number;
pub mod table;

use std::io::{self, Write};

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};

pub use number::{Kind, money, quantity};
pub use table::Table;

/// How a result is written (a styled page: [`html`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal (control characters shown escaped).
    Table,
    /// RFC 4180 CSV with a header row; `neutralised`: text cells a spreadsheet
    /// would execute get a leading `'` ([`neutralise`]).
    Csv { neutralised: bool },
    /// A JSON array of objects; decimals as strings.
    Json,
}

/// Writes `batches` (all of `schema`) in `format`; `kinds` (one per column) say
/// how a table shows each column's numbers.
pub fn write_result(
    format: Format,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    kinds: &[Kind],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        Format::Table => write_table(schema, batches, kinds, out),
        Format::Csv { neutralised } => write_csv(schema, batches, neutralised, out),
        Format::Json => write_json(schema, batches, out),
    }
}

/// What each column holds when nothing more is known than its type (`tally sql`,
/// `tally status`): decimals at least 2 places, integers and floats as stored.
pub fn kinds_by_type(schema: &SchemaRef) -> Vec<Kind> {
    schema
        .fields()
        .iter()
        .map(|f| kind_by_type(f.data_type()))
        .collect()
}

pub fn kind_by_type(data_type: &DataType) -> Kind {
    match data_type {
        DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => Kind::Decimal,
        t if t.is_numeric() => Kind::Integer,
        _ => Kind::Text,
    }
}

/// Each row of `batches` as people read it: numbers by their column's kind,
/// NULL as an empty cell.
pub fn shown_rows(batches: &[RecordBatch], kinds: &[Kind]) -> anyhow::Result<Vec<Vec<String>>> {
    let mut rows = Vec::new();
    for batch in batches {
        for row in cells(batch)? {
            rows.push(
                row.into_iter()
                    .zip(kinds)
                    .map(|(c, kind)| c.map_or_else(String::new, |c| kind.show(&c)))
                    .collect(),
            );
        }
    }
    Ok(rows)
}

fn options() -> FormatOptions<'static> {
    FormatOptions::default().with_null("NULL")
}

/// NULL, also in a column of type NULL (which has no validity bitmap).
fn is_null(column: &dyn Array, row: usize) -> bool {
    column.data_type() == &DataType::Null || column.is_null(row)
}

/// Each cell of a batch as text (`None` for NULL), column by column.
fn cells(batch: &RecordBatch) -> anyhow::Result<Vec<Vec<Option<String>>>> {
    let opts = options();
    let mut rows = vec![Vec::with_capacity(batch.num_columns()); batch.num_rows()];
    for column in batch.columns() {
        let formatter = ArrayFormatter::try_new(column.as_ref(), &opts)?;
        for (r, row) in rows.iter_mut().enumerate() {
            row.push(if is_null(column.as_ref(), r) {
                None
            } else {
                Some(formatter.value(r).to_string())
            });
        }
    }
    Ok(rows)
}

fn write_table(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    kinds: &[Kind],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut table = Table::new(
        schema
            .fields()
            .iter()
            .zip(kinds)
            .map(|(f, kind)| (f.name().clone(), kind.is_numeric()))
            .collect(),
    );
    for row in shown_rows(batches, kinds)? {
        table.push(row);
    }
    table.write(out)?;
    let n = table.len();
    writeln!(out, "({n} row{})", if n == 1 { "" } else { "s" })?;
    Ok(())
}

fn write_csv(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    neutralised: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(schema.fields().iter().map(|f| f.name().as_str()))?;
    let text: Vec<bool> = schema
        .fields()
        .iter()
        .map(|f| {
            neutralised
                && matches!(
                    f.data_type(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                )
        })
        .collect();
    for batch in batches {
        for row in cells(batch)? {
            writer.write_record(row.iter().zip(&text).map(|(c, &text)| {
                let cell = c.as_deref().unwrap_or("");
                if text {
                    neutralise::neutralise(cell).into_owned()
                } else {
                    cell.to_owned()
                }
            }))?;
        }
    }
    writer.flush()?;
    Ok(())
}

fn write_json(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let names: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| serde_json::to_string(f.name()))
        .collect::<Result<_, _>>()?;
    let opts = options();
    out.write_all(b"[")?;
    let mut first = true;
    for batch in batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts))
            .collect::<Result<Vec<_>, _>>()?;
        for r in 0..batch.num_rows() {
            out.write_all(if first { b"\n  {" } else { b",\n  {" })?;
            first = false;
            for (c, column) in batch.columns().iter().enumerate() {
                if c > 0 {
                    out.write_all(b", ")?;
                }
                write!(out, "{}: ", names[c])?;
                json_value(column.as_ref(), r, &formatters[c], out)?;
            }
            out.write_all(b"}")?;
        }
    }
    out.write_all(if first { b"]\n" } else { b"\n]\n" })?;
    Ok(())
}

/// Integers and booleans as JSON literals; decimals, floats' edge cases, dates and
/// everything else as strings of their exact text.
fn json_value(
    column: &dyn Array,
    row: usize,
    formatter: &ArrayFormatter<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    if is_null(column, row) {
        return out.write_all(b"null");
    }
    let text = formatter.value(row).to_string();
    match column.data_type() {
        DataType::Boolean => write!(out, "{}", column.as_boolean().value(row)),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => out.write_all(text.as_bytes()),
        DataType::Float16 | DataType::Float32 | DataType::Float64
            if text.parse::<f64>().is_ok_and(f64::is_finite) =>
        {
            out.write_all(text.as_bytes())
        }
        _ => out.write_all(
            serde_json::to_string(&text)
                .map_err(io::Error::other)?
                .as_bytes(),
        ),
    }
}
