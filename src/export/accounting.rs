//! `tally export --format quickbooks|xero --month M`: a month's statements (the
//! re-billing sell lines and fees; a closed month's frozen bill) as the invoice
//! import CSV of QuickBooks Online or Xero: one invoice per sub-account, numbered
//! like its statement, one row per statement line.
//!
//! Both platforms recompute quantity × rate, so every row holds
//! `round(quantity × rate, 2) = amount` exactly: a priced line is its seat-months
//! (usage change × months) at the price, when that product is not a half cent away
//! from rounding either way; any other line (markup lines, fees, credits without
//! seats) is quantity 1 at rate = amount, its seats and months in the description.
//! A statement whose total is negative is never a negative invoice: Xero takes it
//! as a credit note (a file of its own); QuickBooks Online imports no credit memos,
//! so it is left out and named (the command then exits 1).

use std::path::{Path, PathBuf};

use rust_decimal::{Decimal, RoundingStrategy};

use duckdb::Connection;

use crate::billing::PriceBook;
use crate::billing::statement::{self, Statement, StatementLine};
use crate::mirror::{Entry, Mirror};
use crate::month::Month;
use crate::render::neutralise;
use crate::render::number::{money, quantity};

/// Xero's limit of invoices per import file.
pub const XERO_INVOICES_PER_FILE: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    QuickBooks,
    Xero,
}

impl Platform {
    /// The folder under `--out` (and the manifest's table name).
    pub fn name(self) -> &'static str {
        match self {
            Platform::QuickBooks => "quickbooks",
            Platform::Xero => "xero",
        }
    }
}

pub const QUICKBOOKS_HEADER: [&str; 11] = [
    "InvoiceNo",
    "Customer",
    "InvoiceDate",
    "DueDate",
    "Terms",
    "Item(Product/Service)",
    "ItemDescription",
    "ItemQuantity",
    "ItemRate",
    "ItemAmount",
    "ServiceDate",
];

pub const XERO_INVOICE_HEADER: [&str; 13] = [
    "*ContactName",
    "EmailAddress",
    "*InvoiceNumber",
    "Reference",
    "*InvoiceDate",
    "*DueDate",
    "InventoryItemCode",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "*AccountCode",
    "*TaxType",
    "Currency",
];

/// Xero's credit-note template: the invoice's, with the credit note's number and
/// date in place of the invoice's, and no due date.
pub const XERO_CREDIT_NOTE_HEADER: [&str; 12] = [
    "*ContactName",
    "EmailAddress",
    "*CreditNoteNumber",
    "Reference",
    "*CreditNoteDate",
    "InventoryItemCode",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "*AccountCode",
    "*TaxType",
    "Currency",
];

/// One row of an invoice: what is sold, how many at what rate, for how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// QuickBooks' product/service: the product, or the fee's description.
    pub item: String,
    pub description: String,
    pub quantity: Decimal,
    pub rate: Decimal,
    pub amount: Decimal,
    pub service_date: chrono::NaiveDate,
}

/// What a platform recomputes: quantity × rate to cents, half away from zero.
pub fn recomputed(quantity: Decimal, rate: Decimal) -> Option<Decimal> {
    quantity
        .checked_mul(rate)
        .map(|p| p.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// True when `quantity × rate` is exactly `amount` after rounding to cents, and
/// not a half cent (where platforms that round half to even would differ).
fn holds(quantity: Decimal, rate: Decimal, amount: Decimal) -> bool {
    let Some(product) = quantity.checked_mul(rate) else {
        return false;
    };
    let cents = product * Decimal::ONE_HUNDRED;
    let half_cent = (cents - cents.trunc()).abs() == Decimal::new(5, 1);
    !half_cent && recomputed(quantity, rate) == Some(amount)
}

/// The rows of a statement's invoice, in the statement's order (lines by product,
/// then fees).
pub fn rows(s: &Statement) -> Vec<Row> {
    let mut rows = Vec::new();
    for group in &s.groups {
        for line in &group.lines {
            rows.push(line_row(&group.product, line, s.month));
        }
    }
    for fee in &s.fees {
        rows.push(Row {
            item: fee.description.clone(),
            description: format!("{} ({})", fee.description, s.month),
            quantity: Decimal::ONE,
            rate: fee.amount,
            amount: fee.amount,
            service_date: s.month.first_day(),
        });
    }
    rows
}

fn line_row(product: &str, line: &StatementLine, month: Month) -> Row {
    let period = format!("{} to {}", line.period_start, line.period_end);
    let service_date = chrono::NaiveDate::parse_from_str(&line.period_start, "%Y-%m-%d")
        .unwrap_or_else(|_| month.first_day());
    let seat_months = line.usage_change * line.months;
    if line.priced && !line.usage_change.is_zero() && holds(seat_months, line.rate, line.amount) {
        return Row {
            item: product.to_owned(),
            description: format!(
                "{product} {}, {period}: {}",
                line.kind.to_lowercase(),
                seats_and_months(line)
            ),
            quantity: seat_months.normalize(),
            rate: line.rate.normalize(),
            amount: line.amount,
            service_date,
        };
    }
    Row {
        item: product.to_owned(),
        description: format!(
            "{product} {}, {period}: {} seats x {} months{}",
            line.kind.to_lowercase(),
            quantity(line.usage_change),
            quantity(line.months),
            if line.priced {
                ""
            } else {
                " (provider's charge with markup)"
            }
        ),
        quantity: Decimal::ONE,
        rate: line.amount,
        amount: line.amount,
        service_date,
    }
}

/// "11 seats x 1 month", "-3 seats x 0.11 months".
fn seats_and_months(line: &StatementLine) -> String {
    let plural = |n: Decimal, one: &str, many: &str| {
        format!(
            "{} {}",
            quantity(n),
            if n.abs() == Decimal::ONE { one } else { many }
        )
    };
    format!(
        "{} x {}",
        plural(line.usage_change, "seat", "seats"),
        plural(line.months, "month", "months")
    )
}

/// A statement ready for an import: its customer's name and e-mail, its rows.
#[derive(Debug, Clone)]
pub struct Invoice<'a> {
    pub statement: &'a Statement,
    pub customer: String,
    pub email: Option<String>,
    pub rows: Vec<Row>,
}

/// One import file: where it goes, its bytes, and the invoices (or credit notes)
/// it holds.
#[derive(Debug, Clone)]
pub struct File {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub count: usize,
    pub credit_notes: bool,
}

/// The files an accounting export writes, and the statements it could not.
#[derive(Debug, Clone, Default)]
pub struct Files {
    pub files: Vec<File>,
    /// (statement number, customer, total) left out: negative totals QuickBooks
    /// cannot import as a credit memo.
    pub left_out: Vec<(String, String, Decimal)>,
}

/// The invoice date of month M's statements: the month's last day; the due date
/// `due_days` later.
pub fn invoice_date(month: Month) -> chrono::NaiveDate {
    month.first_day() + chrono::Months::new(1) - chrono::Days::new(1)
}

/// Each file's rows as CSV text (formula cells neutralised by the one rule).
fn csv_text(header: &[&str], records: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header)?;
    for record in records {
        out.write_record(
            record
                .iter()
                .map(|cell| neutralise::neutralise(cell).into_owned()),
        )?;
    }
    Ok(out.into_inner()?)
}

/// `invoices` as `platform`'s import files under `dir` (the month's folder), and
/// what was left out. Only builds them: the caller records and writes them.
pub fn files(
    platform: Platform,
    invoices: &[Invoice<'_>],
    book: &PriceBook,
    month: Month,
    dir: &Path,
) -> anyhow::Result<Files> {
    let settings = &book.accounting;
    let date = invoice_date(month);
    let due = date + chrono::Days::new(u64::from(settings.due_days));
    let fmt = |d: chrono::NaiveDate| settings.date_format.format(d);
    let mut written = Files::default();
    let (credits, debits): (Vec<&Invoice<'_>>, Vec<&Invoice<'_>>) = invoices
        .iter()
        .partition(|i| i.statement.total.is_sign_negative() && !i.statement.total.is_zero());
    let files = &mut written.files;
    match platform {
        Platform::QuickBooks => {
            let mut records = Vec::new();
            for invoice in &debits {
                for row in &invoice.rows {
                    records.push(vec![
                        invoice.statement.number.clone(),
                        invoice.customer.clone(),
                        fmt(date),
                        fmt(due),
                        settings.terms.clone(),
                        row.item.clone(),
                        row.description.clone(),
                        quantity(row.quantity),
                        money(row.rate),
                        money(row.amount),
                        fmt(row.service_date),
                    ]);
                }
            }
            files.push(File {
                path: dir.join("invoices.csv"),
                bytes: csv_text(&QUICKBOOKS_HEADER, &records)?,
                count: debits.len(),
                credit_notes: false,
            });
            for invoice in credits {
                written.left_out.push((
                    invoice.statement.number.clone(),
                    invoice.customer.clone(),
                    invoice.statement.total,
                ));
            }
        }
        Platform::Xero => {
            let reference = |i: &Invoice<'_>| {
                i.statement
                    .reference
                    .clone()
                    .unwrap_or_else(|| i.statement.account_no.clone())
            };
            // A credit note carries the statement with its signs turned, so its
            // total is positive as Xero expects; it has no due date.
            let kinds: [(bool, &Vec<&Invoice<'_>>, &[&str], &str); 2] = [
                (false, &debits, &XERO_INVOICE_HEADER, "invoices"),
                (true, &credits, &XERO_CREDIT_NOTE_HEADER, "credit-notes"),
            ];
            for (credit, group, header, stem) in kinds {
                for (n, chunk) in group.chunks(XERO_INVOICES_PER_FILE).enumerate() {
                    let mut records = Vec::new();
                    for invoice in chunk {
                        for row in &invoice.rows {
                            let (q, rate) = match (credit, row.quantity == Decimal::ONE) {
                                (false, _) => (row.quantity, row.rate),
                                (true, true) => (row.quantity, -row.rate),
                                (true, false) => (-row.quantity, row.rate),
                            };
                            let mut record = vec![
                                invoice.customer.clone(),
                                invoice.email.clone().unwrap_or_default(),
                                invoice.statement.number.clone(),
                                reference(invoice),
                                fmt(date),
                            ];
                            if !credit {
                                record.push(fmt(due));
                            }
                            record.extend([
                                String::new(),
                                row.description.clone(),
                                quantity(q),
                                money(rate),
                                settings.account_code.clone(),
                                settings.tax_type.clone(),
                                invoice.statement.currency.clone(),
                            ]);
                            records.push(record);
                        }
                    }
                    files.push(File {
                        path: dir.join(format!("{stem}-{:03}.csv", n + 1)),
                        bytes: csv_text(header, &records)?,
                        count: chunk.len(),
                        credit_notes: credit,
                    });
                }
            }
        }
    }
    Ok(written)
}

/// What [`export_month`] wrote.
pub struct Exported {
    /// `root/<platform>/<month>`.
    pub dir: PathBuf,
    pub files: Files,
    /// Files an earlier run wrote for the month that this one no longer contains,
    /// removed.
    pub removed: Vec<Entry>,
}

/// The month's statements (on a session priced with `book`: see
/// `billing::priced_month`) as `platform`'s import files under
/// `root/<platform>/<month>/`, in the folder's mirror: the month's files of this
/// platform are then exactly these. `check_target` may refuse a path (the
/// database file). Nothing is written when a customer has no name to invoice
/// under.
pub fn export_month(
    conn: &Connection,
    platform: Platform,
    month: Month,
    book: &PriceBook,
    root: &Path,
    check_target: impl Fn(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<Exported> {
    let name = platform.name();
    let statements = statement::statements(conn, month, &[], &book.seller, &book.currency)?;
    if statements.is_empty() {
        anyhow::bail!("nothing is billed in {month}: no statement to export");
    }
    let emails = statement::billing_emails(conn)?;
    let mut invoices = Vec::new();
    let mut nameless = Vec::new();
    for s in &statements {
        match book.customer_name(&s.account_no, s.name.as_deref()) {
            Some(customer) => invoices.push(Invoice {
                statement: s,
                customer,
                email: emails.get(&s.account_no).cloned(),
                rows: rows(s),
            }),
            None => nameless.push(s.account_no.clone()),
        }
    }
    if !nameless.is_empty() {
        anyhow::bail!(
            "sub-account{} {} {} no name to invoice under; name {} under [accounting.customers] in {} (e.g. \"{}\" = \"Customer Name\") or sync the customer list: nothing was written",
            if nameless.len() == 1 { "" } else { "s" },
            nameless.join(", "),
            if nameless.len() == 1 { "has" } else { "have" },
            if nameless.len() == 1 { "it" } else { "them" },
            book.path.display(),
            nameless[0]
        );
    }
    let dir = root.join(name).join(month.to_string());
    let built = files(platform, &invoices, book, month, &dir)?;
    for file in &built.files {
        check_target(&file.path)?;
    }
    let mut mirror = Mirror::open(root)?;
    let entries: Vec<Entry> = built
        .files
        .iter()
        .map(|f| Entry {
            path: crate::mirror::relative(root, &f.path),
            table: name.to_owned(),
            format: "csv".to_owned(),
            month: Some(month.to_string()),
            partitioned: true,
        })
        .collect();
    mirror.record(entries.iter().cloned())?;
    for (file, entry) in built.files.iter().zip(&entries) {
        mirror.write_file(entry, &file.bytes)?;
    }
    let month_text = month.to_string();
    let removed =
        mirror.finish(|e| e.table == name && e.month.as_deref() == Some(month_text.as_str()))?;
    Ok(Exported {
        dir,
        files: built,
        removed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn a_product_a_half_cent_from_rounding_is_not_trusted() {
        assert!(holds(d("3.6"), d("16.5"), d("59.40")));
        assert!(holds(d("1.8"), d("2.99"), d("5.38")));
        // 0.5 × 0.01 = 0.005: half away gives 0.01, half to even 0.00.
        assert!(!holds(d("0.5"), d("0.01"), d("0.01")));
        assert!(!holds(d("2"), d("3"), d("5.99")));
        assert_eq!(recomputed(d("-4"), d("2.99")), Some(d("-11.96")));
    }

    #[test]
    fn xero_takes_at_most_500_invoices_a_file() {
        let month: Month = "2019-12".parse().unwrap();
        let statements: Vec<Statement> = (0..1001)
            .map(|i| Statement {
                number: format!("2019-12-{i}"),
                month,
                account_no: format!("{}", 1_300_000 + i),
                name: Some(format!("Customer {i}")),
                reference: None,
                seller: String::new(),
                currency: "USD".into(),
                groups: Vec::new(),
                fees: vec![crate::billing::statement::FeeLine {
                    description: "Support".into(),
                    amount: d("10"),
                }],
                total: d("10"),
            })
            .collect();
        let invoices: Vec<Invoice<'_>> = statements
            .iter()
            .map(|s| Invoice {
                statement: s,
                customer: s.name.clone().unwrap(),
                email: None,
                rows: rows(s),
            })
            .collect();
        let book = PriceBook::parse(Path::new("prices.toml"), "").unwrap();
        let built = files(Platform::Xero, &invoices, &book, month, Path::new("x")).unwrap();
        let counts: Vec<(String, usize)> = built
            .files
            .iter()
            .map(|f| {
                (
                    f.path.file_name().unwrap().to_string_lossy().into_owned(),
                    f.count,
                )
            })
            .collect();
        assert_eq!(
            counts,
            [
                ("invoices-001.csv".to_owned(), 500),
                ("invoices-002.csv".to_owned(), 500),
                ("invoices-003.csv".to_owned(), 1)
            ]
        );
        let last = String::from_utf8(built.files[2].bytes.clone()).unwrap();
        assert_eq!(last.lines().count(), 2, "{last}");
        assert!(last.contains("Customer 1000,,2019-12-1000,1301000,12/31/2019,01/30/2020,,Support (2019-12),1,10.00,200,Tax Exempt,USD"), "{last}");
    }

    #[test]
    fn invoices_are_dated_on_the_months_last_day() {
        assert_eq!(
            invoice_date("2019-12".parse().unwrap()).to_string(),
            "2019-12-31"
        );
        assert_eq!(
            invoice_date("2020-02".parse().unwrap()).to_string(),
            "2020-02-29"
        );
    }
}
