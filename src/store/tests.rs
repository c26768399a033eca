//! The store against a real DuckDB file: exact round trips, atomic replacement.

use crate::amount::amount_text;
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::amount::Amount;
use crate::parse::{LineItem, LineType, parse_service_date};

fn item(line_no: u32, charge: Amount) -> LineItem {
    let start = parse_service_date("12/1/2017 12:00:00 AM").unwrap();
    let end = parse_service_date("12/31/2017 11:59:59 PM").unwrap();
    LineItem {
        line_no,
        account_no: "1371592".into(),
        reference_no: String::new(),
        domain: "MyDomain.com".into(),
        product: "Hosted Exchange".into(),
        line_type: LineType::Renewal,
        service_start: start,
        service_end: end,
        term_committed_usage: charge,
        current_usage: charge,
        usage_change: charge,
        months: charge,
        rate: charge,
        charge,
    }
}

fn write(store: &mut Store, id: &str, items: Vec<LineItem>) {
    store
        .write_invoice(&InvoiceWrite {
            key: InvoiceKey {
                account_number: "local".into(),
                invoice_id: id.into(),
            },
            csv: InvoiceCsv {
                sha256: "00".into(),
                source: "test".into(),
                items,
            },
        })
        .unwrap();
}

fn column_text(store: &Store, sql: &str) -> Vec<String> {
    let mut stmt = store.connection().prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// text → Decimal → DuckDB → text is the identity for any value DECIMAL(18,4)
    /// admits, in every amount column; Σ stored = Σ written, to the last digit.
    #[test]
    fn amounts_round_trip_through_duckdb(texts in prop::collection::vec(amount_text(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
        let amounts: Vec<Amount> = texts.iter().map(|t| Amount::parse(t).unwrap()).collect();
        let items = amounts.iter().enumerate().map(|(i, a)| item(i as u32 + 1, *a)).collect();
        write(&mut store, "1", items);
        for column in ["term_committed_usage", "current_usage", "usage_change", "months", "rate", "charge"] {
            let back = column_text(&store, &format!("SELECT {column}::VARCHAR FROM line_items ORDER BY line_no"));
            for (text, stored) in texts.iter().zip(&back) {
                prop_assert_eq!(Amount::parse(stored).unwrap(), Amount::parse(text).unwrap(), "{} {}", column, text);
            }
        }
        let sum = column_text(&store, "SELECT sum(charge)::VARCHAR FROM line_items");
        let expected: Decimal = amounts.iter().map(|a| a.as_decimal()).sum();
        prop_assert_eq!(sum[0].parse::<Decimal>().unwrap(), expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// CSV text → parser → DuckDB: Σ stored charges = Σ of the charges written in the file.
    #[test]
    fn stored_charges_sum_to_the_file(charges in prop::collection::vec(amount_text(), 0..60)) {
        let mut text = format!("{}\r\n", crate::parse::HEADER_LINE);
        for c in &charges {
            text.push_str(&format!(
                "1371592,\"\",\"a, b.com\",\"Hosted Exchange\",Renewal,12/1/2017 12:00:00 AM,12/31/2017 11:59:59 PM,1,1,1,1,{c},{c}\r\n"
            ));
        }
        let items = crate::parse::parse_line_items("p.csv", text.as_bytes()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
        write(&mut store, "1", items);
        let stored = column_text(&store, "SELECT coalesce(sum(charge), 0)::VARCHAR FROM line_items");
        let by_hand: Decimal = charges.iter().map(|c| c.parse::<Decimal>().unwrap()).sum();
        prop_assert_eq!(stored[0].parse::<Decimal>().unwrap(), by_hand);
        let count = column_text(&store, "SELECT count(*)::VARCHAR FROM line_items");
        prop_assert_eq!(count[0].clone(), charges.len().to_string());
    }
}

#[test]
fn extremes_survive_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
    let texts = [
        "99999999999999.9999",
        "-99999999999999.9999",
        "0.0001",
        "-0.0001",
        "0",
    ];
    let items = texts
        .iter()
        .enumerate()
        .map(|(i, t)| item(i as u32 + 1, Amount::parse(t).unwrap()))
        .collect();
    write(&mut store, "1", items);
    assert_eq!(
        column_text(
            &store,
            "SELECT charge::VARCHAR FROM line_items ORDER BY line_no"
        ),
        [
            "99999999999999.9999",
            "-99999999999999.9999",
            "0.0001",
            "-0.0001",
            "0.0000"
        ]
    );
}

#[test]
fn rewriting_an_invoice_replaces_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
    let one = Amount::parse("1").unwrap();
    write(
        &mut store,
        "1",
        vec![item(1, one), item(2, one), item(3, one)],
    );
    write(&mut store, "2", vec![item(1, one)]);
    write(&mut store, "1", vec![item(1, one)]);
    assert_eq!(
        column_text(
            &store,
            "SELECT invoice_id || ':' || count(*) FROM line_items GROUP BY invoice_id ORDER BY 1"
        ),
        ["1:1", "2:1"]
    );
    assert_eq!(
        column_text(
            &store,
            "SELECT line_count::VARCHAR FROM invoices ORDER BY invoice_id"
        ),
        ["1", "1"]
    );
}

#[test]
fn migrations_apply_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.duckdb");
    drop(Store::open(&path).unwrap());
    let store = Store::open(&path).unwrap();
    let versions = column_text(
        &store,
        "SELECT version::VARCHAR FROM schema_migrations ORDER BY 1",
    );
    let expected: Vec<String> = MIGRATIONS.iter().map(|m| m.0.to_string()).collect();
    assert_eq!(versions, expected);
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "hello, this is not DuckDB\n".repeat(200)).unwrap();
    let err = Store::open(&path).err().unwrap();
    assert!(
        err.to_string().starts_with("cannot open database "),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "hello, this is not DuckDB\n".repeat(200)
    );
}

#[test]
fn a_group_with_a_repeated_key_keeps_the_later_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
    let w = |id: &str, charges: &[&str]| InvoiceWrite {
        key: InvoiceKey {
            account_number: "local".into(),
            invoice_id: id.into(),
        },
        csv: InvoiceCsv {
            sha256: "00".into(),
            source: "test".into(),
            items: charges
                .iter()
                .enumerate()
                .map(|(i, c)| item(i as u32 + 1, Amount::parse(c).unwrap()))
                .collect(),
        },
    };
    let (a1, b, a2) = (w("a", &["1", "2", "3"]), w("b", &["5"]), w("a", &["7"]));
    store.write_invoices(&[&a1, &b, &a2]).unwrap();
    assert_eq!(
        column_text(
            &store,
            "SELECT invoice_id || ':' || line_no || ':' || charge FROM line_items ORDER BY 1"
        ),
        ["a:1:7.0000", "b:1:5.0000"]
    );
    assert_eq!(
        column_text(
            &store,
            "SELECT invoice_id || ':' || line_count FROM invoices ORDER BY 1"
        ),
        ["a:1", "b:1"]
    );
}

fn header(id: &str, paid: bool, csv_available: bool) -> InvoiceHeader {
    InvoiceHeader {
        key: InvoiceKey {
            account_number: "1100000".into(),
            invoice_id: id.into(),
        },
        invoice_date: parse_service_date("12/7/2017 12:00:00 AM").unwrap(),
        invoice_type: Some("Billing".into()),
        total_due: Amount::parse("1122.55").unwrap(),
        is_paid: paid,
        csv_available,
    }
}

#[test]
fn headers_are_upserted_without_losing_lines_or_status() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
    store
        .upsert_invoice_headers(&[
            header("1", false, true),
            header("2", false, false),
            header("3", false, true),
        ])
        .unwrap();
    assert_eq!(
        store.invoices_to_fetch("1100000", None, false).unwrap(),
        ["1", "3"]
    );
    let key = |id: &str| InvoiceKey {
        account_number: "1100000".into(),
        invoice_id: id.into(),
    };
    store
        .write_invoice(&InvoiceWrite {
            key: key("1"),
            csv: InvoiceCsv {
                sha256: "ab".into(),
                source: "url".into(),
                items: vec![item(1, Amount::parse("1122.55").unwrap())],
            },
        })
        .unwrap();
    store.mark_csv_missing(&key("3"), "url3").unwrap();
    assert!(
        store
            .invoices_to_fetch("1100000", None, false)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.invoices_to_fetch("1100000", None, true).unwrap(),
        ["1", "3"]
    );
    // IsPaid changes; the lines and the statuses stay.
    store
        .upsert_invoice_headers(&[
            header("1", true, true),
            header("2", true, false),
            header("3", true, true),
        ])
        .unwrap();
    assert_eq!(
        column_text(
            &store,
            "SELECT invoice_id || ':' || is_paid || ':' || csv_status || ':' || line_count::VARCHAR || ':' || total_due::VARCHAR
               FROM invoices WHERE line_count IS NOT NULL ORDER BY 1"
        ),
        ["1:true:loaded:1:1122.5500"]
    );
    assert_eq!(
        column_text(
            &store,
            "SELECT invoice_id || ':' || is_paid || ':' || csv_status FROM invoices WHERE line_count IS NULL ORDER BY 1"
        ),
        ["2:true:not_available", "3:true:missing"]
    );
    let counts = store.csv_counts(&["1100000".into()]).unwrap();
    assert_eq!(
        counts,
        CsvCounts {
            invoices: 3,
            loaded: 1,
            not_available: 1,
            missing: 1,
            pending: 0
        }
    );
}

#[test]
fn contacts_are_replaced_and_runs_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
    let contact = |id: &str| ContactRow {
        contact_id: id.into(),
        name: Some(format!("Contact {id}")),
        email: None,
        phone: None,
        receives_alerts: true,
        receives_billing: id == "1",
        receives_updates: false,
    };
    store
        .replace_contacts("42", &[contact("1"), contact("2")])
        .unwrap();
    store
        .replace_contacts("42", &[contact("2"), contact("3")])
        .unwrap();
    assert_eq!(
        column_text(&store, "SELECT contact_id FROM contacts ORDER BY 1"),
        ["2", "3"]
    );
    let first = store.begin_run("rackspace", "http://x").unwrap();
    let second = store.begin_run("rackspace", "http://x").unwrap();
    store
        .finish_run(
            second,
            &RunRecord {
                counts: RunCounts {
                    sum_charge: "0.0001".parse().unwrap(),
                    ..RunCounts::default()
                },
                ..RunRecord::default()
            },
        )
        .unwrap();
    assert_eq!(
        column_text(
            &store,
            "SELECT run_id::VARCHAR || ':' || outcome || ':' || coalesce(sum_charge::VARCHAR, '-') FROM sync_runs ORDER BY run_id"
        ),
        [
            format!("{first}:interrupted:-"),
            format!("{second}:ok:0.0001")
        ]
    );
}

#[test]
fn a_repeated_header_keeps_the_later_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
    store
        .upsert_invoice_headers(&[header("1", false, true), header("1", true, true)])
        .unwrap();
    assert_eq!(
        column_text(&store, "SELECT invoice_id || ':' || is_paid FROM invoices"),
        ["1:true"]
    );
}
