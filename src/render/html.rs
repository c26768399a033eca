//! Self-contained, printable HTML pages (maud templates: every text from the data
//! is escaped): the page frame and stylesheet shared by `report --format html` and
//! the month pack, and a result as a styled table. A page makes no request: inline
//! CSS, system fonts, no scripts, no external URL.

use std::io::Write;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use maud::{DOCTYPE, Markup, html};

use crate::render::{Kind, shown_rows};

/// The stylesheet of every page: screen and print (A4 and Letter both fit the
/// printable width; a chart or headline never splits over a page break).
pub const STYLE: &str = r#"
:root { color-scheme: light; --ink: #1d2733; --muted: #5b6775; --rule: #d5dbe1;
  --band: #f3f5f7; --bad: #b42318; --warn: #9a6700; --good: #1a7f37; --accent: #2457a6; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  color: var(--ink); background: #fff; margin: 0 auto; padding: 24px; max-width: 1100px;
  font-size: 14px; line-height: 1.4; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid var(--rule); padding-bottom: 4px; }
p.sub { color: var(--muted); margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
th.num { white-space: normal; }
td:first-child { white-space: nowrap; }
caption { caption-side: bottom; text-align: left; color: var(--muted); font-size: 12px; padding-top: 4px; }
tr.error td:first-child { color: var(--bad); font-weight: 600; }
tr.warning td:first-child { color: var(--warn); }
.headline { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; margin: 12px 0; }
.tile { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 12px; break-inside: avoid; }
.tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.tile .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile .note { font-size: 12px; color: var(--muted); }
.headline a { color: inherit; text-decoration: none; }
.headline a .tile:hover { border-color: var(--accent); }
.errors .value, .bad { color: var(--bad); }
.up, .down { font-weight: 600; }
figure { margin: 12px 0 20px; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 12px; }
nav a { color: var(--accent); margin-right: 12px; }
.muted { color: var(--muted); }
.statement-head { display: flex; justify-content: space-between; gap: 2em; margin-bottom: 12px; }
tr.sub td { font-weight: 600; border-bottom: 2px solid var(--muted); }
tr.total td { font-size: 1.15em; font-weight: 700; border-top: 2px solid var(--ink); }
@media print {
  @page { margin: 12mm; }
  body { padding: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr { break-inside: avoid; }
  nav { display: none; }
}
"#;

/// A whole page: doctype, charset, title, stylesheet, and `body`.
pub fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (maud::PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
}

/// Text from the data as a page shows it: control characters (which no page
/// should carry, and an escape sequence could hide in) as U+FFFD.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        text.chars()
            .map(|c| {
                if c.is_control() && c != '\n' && c != '\t' {
                    '\u{fffd}'
                } else {
                    c
                }
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// A table of `rows` under `header`, numbers right-aligned by their kind.
/// `row_class` may name a CSS class per row (findings: their severity).
pub fn table(
    header: &[&str],
    kinds: &[Kind],
    rows: &[Vec<String>],
    row_class: impl Fn(&[String]) -> Option<String>,
) -> Markup {
    let n = rows.len();
    html! {
        table {
            caption { (n) " row" @if n != 1 { "s" } }
            thead { tr {
                @for (name, kind) in header.iter().zip(kinds) {
                    th class=[kind.is_numeric().then_some("num")] scope="col" { (printable(name)) }
                }
            } }
            tbody {
                @for row in rows {
                    tr class=[row_class(row)] {
                        @for (cell, kind) in row.iter().zip(kinds) {
                            td class=[kind.is_numeric().then_some("num")] { (printable(cell)) }
                        }
                    }
                }
            }
        }
    }
}

/// A query result as a table, numbers shown by `kinds`.
pub fn result_table(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    kinds: &[Kind],
) -> anyhow::Result<Markup> {
    let header: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let rows = shown_rows(batches, kinds)?;
    let severity = header.first() == Some(&"severity");
    Ok(table(&header, kinds, &rows, |row| {
        severity.then(|| row[0].clone())
    }))
}

/// `tally report NAME --format html`: the report as one styled page.
pub fn write_report(
    title: &str,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    kinds: &[Kind],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let body = html! {
        h1 { "tally: " (title) }
        (result_table(schema, batches, kinds)?)
    };
    out.write_all(
        page(&format!("tally: {title}"), body)
            .into_string()
            .as_bytes(),
    )?;
    Ok(())
}
