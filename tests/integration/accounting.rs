//! `tally export --format quickbooks|xero`: a month's statements as the platforms'
//! invoice imports, on the sandbox world under `tests/data/prices.toml`: every row's
//! quantity × rate is its amount to the cent, each invoice adds up to the
//! customer's sell in `report margin`, a negative statement is a Xero credit note
//! and is named (exit 1) for QuickBooks, a nameless sub-account is refused by name.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::common::Workdir;
use crate::common::synced;
use crate::report::rows;

const BOOK: &str = include_str!("../data/prices.toml");

/// The book with an [accounting] table of its own.
fn book(accounting: &str) -> String {
    format!("{BOOK}\n[accounting]\n{accounting}")
}

fn d(text: &str) -> Decimal {
    text.parse()
        .unwrap_or_else(|e| panic!("not a decimal: {text:?}: {e}"))
}

fn cents(quantity: Decimal, rate: Decimal) -> Decimal {
    (quantity * rate).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// `report margin`'s sell per account for the month.
fn sell(w: &Workdir) -> BTreeMap<String, Decimal> {
    let csv = w.query_report(&[
        "margin",
        "--month",
        "2019-12",
        "--format",
        "csv",
        "--prices",
        "book.toml",
    ]);
    rows(&csv)
        .into_iter()
        .map(|r| (r["account_no"].clone(), d(&r["sell"])))
        .collect()
}

/// `tally export --format FORMAT --month 2019-12 --out books --prices book.toml`.
fn export(w: &Workdir, format: &str) -> crate::common::Run {
    w.tally(&[
        "export",
        "--format",
        format,
        "--month",
        "2019-12",
        "--out",
        "books",
        "--prices",
        "book.toml",
    ])
}

fn read(w: &Workdir, path: &str) -> Vec<BTreeMap<String, String>> {
    rows(&std::fs::read_to_string(w.path().join(path)).unwrap())
}

#[test]
fn quickbooks_rows_recompute_to_the_cent_and_a_credit_is_named() {
    let (w, _sb) = synced(false);
    w.write("book.toml", book("terms = \"Net 15\"\ndue_days = 15\n"));
    let sell = sell(&w);
    let r = export(&w, "quickbooks");
    // 1300194's cancellation makes its statement negative: left out, named, exit 1.
    assert_eq!(r.code, 1, "{r:?}");
    let negative: Vec<(&String, &Decimal)> =
        sell.iter().filter(|(_, s)| s.is_sign_negative()).collect();
    assert_eq!(negative.len(), 1, "{sell:?}");
    assert_eq!(
        r.stderr,
        format!(
            "error: 2019-12-{} Northwind 2: total {} is a credit; QuickBooks Online imports no credit memos from CSV, so it was left out: enter it as a credit memo by hand\n",
            negative[0].0,
            negative[0].1.round_dp(2)
        )
    );
    let invoices = read(&w, "books/quickbooks/2019-12/invoices.csv");
    let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
    for row in &invoices {
        let (q, rate, amount) = (
            d(&row["ItemQuantity"]),
            d(&row["ItemRate"]),
            d(&row["ItemAmount"]),
        );
        assert_eq!(cents(q, rate), amount, "{row:?}");
        assert_eq!(amount.scale(), 2, "{row:?}");
        assert_eq!(row["InvoiceDate"], "12/31/2019");
        assert_eq!(row["DueDate"], "01/15/2020");
        assert_eq!(row["Terms"], "Net 15");
        let account = row["InvoiceNo"].trim_start_matches("2019-12-").to_owned();
        *totals.entry(account).or_default() += amount;
    }
    let expected: BTreeMap<String, Decimal> = sell
        .into_iter()
        .filter(|(_, s)| !s.is_sign_negative())
        .collect();
    assert_eq!(totals, expected);
    // Priced lines carry their seat-months at the price.
    assert!(
        invoices
            .iter()
            .any(|r| r["ItemRate"] == "9.00" && r["ItemQuantity"] != "1"),
        "no priced Hosted Exchange line"
    );
}

#[test]
fn xero_invoices_and_credit_notes_add_up_and_names_come_from_the_book() {
    let (w, _sb) = synced(false);
    w.write(
        "book.toml",
        book(
            "date_format = \"DD/MM/YYYY\"\naccount_code = \"4000\"\ntax_type = \"No VAT\"\n\
             [accounting.customers]\n\"1300008\" = \"=Harbor Dental LLC\"\n",
        ),
    );
    let sell = sell(&w);
    let r = export(&w, "xero");
    assert_eq!(r.code, 0, "{r:?}");
    let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
    for row in read(&w, "books/xero/2019-12/invoices-001.csv") {
        let account = row["*InvoiceNumber"]
            .trim_start_matches("2019-12-")
            .to_owned();
        *totals.entry(account.clone()).or_default() +=
            cents(d(&row["*Quantity"]), d(&row["*UnitAmount"]));
        assert_eq!(row["*InvoiceDate"], "31/12/2019");
        assert_eq!(row["*DueDate"], "30/01/2020");
        assert_eq!(
            (row["*AccountCode"].as_str(), row["*TaxType"].as_str()),
            ("4000", "No VAT")
        );
        assert_eq!(row["Currency"], "USD");
        if account == "1300008" {
            // The book's name, neutralised for spreadsheets.
            assert_eq!(row["*ContactName"], "'=Harbor Dental LLC");
        }
    }
    for row in read(&w, "books/xero/2019-12/credit-notes-001.csv") {
        let account = row["*CreditNoteNumber"]
            .trim_start_matches("2019-12-")
            .to_owned();
        // A credit note's total is positive: the statement's, negated.
        *totals.entry(account).or_default() -= cents(d(&row["*Quantity"]), d(&row["*UnitAmount"]));
    }
    assert_eq!(totals, sell);
    // Again: the same files, nothing removed; the manifest lists them.
    let again = export(&w, "xero");
    assert_eq!(again.code, 0, "{again:?}");
    let manifest = std::fs::read_to_string(w.path().join("books/.tally-manifest.json")).unwrap();
    assert!(
        manifest.contains("xero/2019-12/credit-notes-001.csv"),
        "{manifest}"
    );
}

#[test]
fn a_sub_account_without_a_name_is_refused_by_name_and_bad_settings_by_line() {
    let (w, _sb) = synced(true);
    w.write("book.toml", book(""));
    let r = export(&w, "xero");
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: sub-account 1999999 has no name to invoice under; name it under [accounting.customers] in book.toml (e.g. \"1999999\" = \"Customer Name\") or sync the customer list: nothing was written\n"
    );
    assert!(!w.path().join("books/xero").exists());
    w.write(
        "book.toml",
        book("[accounting.customers]\n\"1999999\" = \"Stranger Ltd\"\n"),
    );
    assert_eq!(export(&w, "xero").code, 0);

    w.write("book.toml", book("date_format = \"D/M/Y\"\n"));
    let r = export(&w, "xero");
    assert_eq!(r.code, 2, "{r:?}");
    let line = BOOK.lines().count() + 3;
    assert_eq!(
        r.stderr,
        format!(
            "error: book.toml: line {line}, key date_format: expected one of MM/DD/YYYY, DD/MM/YYYY, YYYY-MM-DD; found \"D/M/Y\"\n"
        )
    );
    let r = w.tally(&["export", "--format", "xero", "--out", "books"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.stderr, "error: --format xero needs --month YYYY-MM\n");
}

#[test]
fn bad_accounting_settings_and_flags_write_nothing() {
    let (w, _sb) = synced(false);
    w.write("book.toml", book("due_days = 400\n"));
    let r = export(&w, "quickbooks");
    assert_eq!(r.code, 2, "{r:?}");
    let line = BOOK.lines().count() + 3;
    assert_eq!(
        r.stderr,
        format!("error: book.toml: line {line}, key due_days: expected 0 to 365 days; found 400\n")
    );
    w.write("book.toml", book("terms = \"   \"\n"));
    let r = export(&w, "quickbooks");
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "error: book.toml: line {line}, key terms: expected 1 to 31 printable characters; found \"   \"\n"
        )
    );
    w.write("book.toml", book(""));
    let r = w.tally(&[
        "export",
        "--format",
        "xero",
        "--month",
        "2019-12",
        "--out",
        "books",
        "--prices",
        "book.toml",
        "--partition",
        "month",
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: --partition, --since, --tables and --currency do not apply to --format xero (one month's statements; the currency is the price book's)\n"
    );
    let r = w.tally(&[
        "export", "--format", "parquet", "--month", "2019-12", "--out", "books",
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: --month and --prices apply to --format quickbooks and xero only\n"
    );
    assert!(!w.path().join("books").exists());
}
