//! The store against a real DuckDB file: exact round trips, atomic replacement.

use crate::amount::amount_text;
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::amount::Amount;
use crate::ids::{AccountNumber, InvoiceId};
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

fn acct(text: &str) -> AccountNumber {
    AccountNumber::parse(text).unwrap()
}

fn inv(text: &str) -> InvoiceId {
    InvoiceId::parse(text).unwrap()
}

fn file_write(id: &str, owner: Option<&str>, items: Vec<LineItem>) -> InvoiceWrite {
    InvoiceWrite {
        invoice_id: inv(id),
        owner: owner.map(acct),
        csv: InvoiceCsv {
            sha256: "00".into(),
            source: "test".into(),
            origin: CsvOrigin::File,
            items,
        },
    }
}

fn write(store: &mut Store, id: &str, items: Vec<LineItem>) {
    store.write_invoice(&file_write(id, None, items)).unwrap();
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
    let expected: Vec<String> = MIGRATIONS.iter().map(|m| m.version.to_string()).collect();
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
    let w = |id: &str, charges: &[&str]| {
        file_write(
            id,
            None,
            charges
                .iter()
                .enumerate()
                .map(|(i, c)| item(i as u32 + 1, Amount::parse(c).unwrap()))
                .collect(),
        )
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
        account_number: acct("1100000"),
        invoice_id: inv(id),
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
        .upsert_invoice_headers(
            &[
                header("1", false, true),
                header("2", false, false),
                header("3", false, true),
            ],
            1,
        )
        .unwrap();
    assert_eq!(
        store.invoices_to_fetch("1100000", None, false).unwrap(),
        ["1", "3"]
    );
    store
        .write_invoice(&InvoiceWrite {
            invoice_id: inv("1"),
            owner: Some(acct("1100000")),
            csv: InvoiceCsv {
                sha256: "ab".into(),
                source: "url".into(),
                origin: CsvOrigin::Provider,
                items: vec![item(1, Amount::parse("1122.55").unwrap())],
            },
        })
        .unwrap();
    store.mark_csv_missing("3", "url3").unwrap();
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
        .upsert_invoice_headers(
            &[
                header("1", true, true),
                header("2", true, false),
                header("3", true, true),
            ],
            2,
        )
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
    let counts = store.csv_counts(&[acct("1100000")]).unwrap();
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
        .replace_contacts(
            "42",
            &[contact("1"), contact("2")],
            &acct("1100000"),
            Lineage::Run(1),
        )
        .unwrap();
    store
        .replace_contacts(
            "42",
            &[contact("2"), contact("3")],
            &acct("1100000"),
            Lineage::Run(1),
        )
        .unwrap();
    assert_eq!(
        column_text(
            &store,
            "SELECT contact_id FROM contacts WHERE deleted_at IS NULL ORDER BY 1"
        ),
        ["2", "3"]
    );
    // The contact no longer listed stays, marked deleted.
    assert_eq!(
        column_text(
            &store,
            "SELECT contact_id FROM contacts WHERE deleted_at IS NOT NULL"
        ),
        ["1"]
    );
    let first = store
        .begin_run(crate::provider::Provider::Rackspace, "http://x", true)
        .unwrap();
    let second = store
        .begin_run(crate::provider::Provider::Rackspace, "http://x", true)
        .unwrap();
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
        .upsert_invoice_headers(&[header("1", false, true), header("1", true, true)], 1)
        .unwrap();
    assert_eq!(
        column_text(&store, "SELECT invoice_id || ':' || is_paid FROM invoices"),
        ["1:true"]
    );
}

#[test]
fn an_invoice_is_its_id_whatever_path_brought_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
    let one = Amount::parse("1").unwrap();
    // Loaded without an owner, then the provider lists it under 1100000.
    write(&mut store, "1", vec![item(1, one), item(2, one)]);
    assert_eq!(
        store.invoices_to_fetch("1100000", None, false).unwrap(),
        Vec::<InvoiceId>::new()
    );
    store
        .upsert_invoice_headers(&[header("1", false, true)], 7)
        .unwrap();
    assert_eq!(
        column_text(
            &store,
            "SELECT invoice_id || ':' || account_number || ':' || csv_origin || ':' || run_id FROM invoices"
        ),
        ["1:1100000:file:7"]
    );
    // Lines from a file are downloaded once from the provider...
    assert_eq!(
        store.invoices_to_fetch("1100000", None, false).unwrap(),
        ["1"]
    );
    store
        .write_invoice(&InvoiceWrite {
            invoice_id: inv("1"),
            owner: Some(acct("1100000")),
            csv: InvoiceCsv {
                sha256: "cd".into(),
                source: "https://api/1".into(),
                origin: CsvOrigin::Provider,
                items: vec![item(1, one)],
            },
        })
        .unwrap();
    // ...and then not again.
    assert!(
        store
            .invoices_to_fetch("1100000", None, false)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        column_text(
            &store,
            "SELECT count(*) || ':' || sum(line_count) FROM invoices"
        ),
        ["1:1"]
    );
    assert_eq!(
        column_text(&store, "SELECT count(*)::VARCHAR FROM line_items"),
        ["1"]
    );
}

#[test]
fn a_file_for_an_invoice_another_account_owns_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
    let one = Amount::parse("1").unwrap();
    store
        .write_invoice(&file_write("9", Some("1100000"), vec![item(1, one)]))
        .unwrap();
    let err = store
        .write_invoice(&file_write(
            "9",
            Some("2200000"),
            vec![item(1, one), item(2, one)],
        ))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invoice 9 belongs to account 1100000, not 2200000: refused (load it with --account 1100000, or without --account)"
    );
    // Nothing changed; without --account (or with the owner) it replaces the lines.
    assert_eq!(
        column_text(&store, "SELECT count(*)::VARCHAR FROM line_items"),
        ["1"]
    );
    store
        .write_invoice(&file_write("9", None, vec![item(1, one), item(2, one)]))
        .unwrap();
    assert_eq!(
        column_text(
            &store,
            "SELECT account_number || ':' || line_count FROM invoices"
        ),
        ["1100000:2"]
    );
}

/// A version-3 database (the schema before one invoice per id) holding the same
/// invoice three ways: synced under `me`, synced under its number, and loaded.
/// A database at `path` as tally's schema `version` left it (no rows yet).
fn database_at(path: &std::path::Path, version: u32) -> duckdb::Connection {
    let conn = duckdb::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
             applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
    )
    .unwrap();
    for m in MIGRATIONS.iter().take_while(|m| m.version <= version) {
        conn.execute_batch(m.sql).unwrap();
        conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
            duckdb::params![m.version, m.name],
        )
        .unwrap();
    }
    conn
}

#[test]
fn migration_4_merges_duplicates_and_keeps_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.duckdb");
    {
        let conn = database_at(&path, 3);
        conn.execute_batch(
            "INSERT INTO customers (account_number, is_reseller, synced_at) VALUES ('1100000', true, '2020-01-01');
             INSERT INTO invoices (account_number, invoice_id, header_synced_at, csv_status, csv_source, line_count, csv_loaded_at)
             VALUES ('me', '5', '2020-01-02', 'loaded', 'http://127.0.0.1:1/v2/customers/me/invoices/5', 1, '2020-01-02'),
                    ('1100000', '5', '2020-01-01', 'loaded', 'http://127.0.0.1:1/v2/customers/1100000/invoices/5', 1, '2020-01-01'),
                    ('local', '5', NULL, 'loaded', '/tmp/5.csv', 1, '2020-01-03'),
                    ('local', '6', NULL, 'loaded', '/tmp/6.csv', 1, '2020-01-03');
             INSERT INTO line_items VALUES
               ('me', '5', 1, 'a', '', 'd', 'p', 'Renewal', '2020-01-01', '2020-01-31', 1, 1, 1, 1, 2, 2),
               ('1100000', '5', 1, 'a', '', 'd', 'p', 'Renewal', '2020-01-01', '2020-01-31', 1, 1, 1, 1, 3, 3),
               ('local', '5', 1, 'a', '', 'd', 'p', 'Renewal', '2020-01-01', '2020-01-31', 1, 1, 1, 1, 4, 4),
               ('local', '6', 1, 'a', '', 'd', 'p', 'Renewal', '2020-01-01', '2020-01-31', 1, 1, 1, 1, 5, 5);
             INSERT INTO sync_runs (provider, base_url, started_at, outcome)
             VALUES ('rackspace', 'https://api.emailsrvr.com', '2020-01-01', 'ok');",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let backup = dir.path().join("old.duckdb.bak-4");
    assert_eq!(
        store.notes(),
        [
            format!(
                "upgrading the database schema to version 4 (one_invoice_per_id); a copy of the file as it was is at {}",
                backup.display()
            ),
            "merged invoice 5: stored 3 times (under 1100000, me, local); kept the copy under 1100000"
                .to_owned()
        ]
    );
    assert!(backup.exists());
    // The synced row under the number is kept, with its lines; `local` is unknown.
    assert_eq!(
        column_text(
            &store,
            "SELECT invoice_id || ':' || coalesce(account_number, '?') || ':' || csv_origin FROM invoices ORDER BY 1"
        ),
        ["5:1100000:provider", "6:?:file"]
    );
    assert_eq!(
        column_text(
            &store,
            "SELECT invoice_id || ':' || charge FROM line_items ORDER BY 1"
        ),
        ["5:3.0000", "6:5.0000"]
    );
    assert_eq!(
        column_text(&store, "SELECT is_sandbox::VARCHAR FROM sync_runs"),
        ["false"]
    );
    drop(store);
    // The copy is the old database, whole.
    let old = duckdb::Connection::open(&backup).unwrap();
    let n: i64 = old
        .query_row("SELECT count(*) FROM invoices", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 4);
    // Opening again migrates nothing and copies nothing.
    drop(old);
    std::fs::remove_file(&backup).unwrap();
    assert!(Store::open(&path).unwrap().notes().is_empty());
    assert!(!backup.exists());
}

#[test]
fn a_new_database_makes_no_backup() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.duckdb")).unwrap();
    assert!(store.notes().is_empty());
    let backups = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".bak-")
        })
        .count();
    assert_eq!(backups, 0);
}

#[test]
fn the_query_connection_reads_the_database_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.duckdb");
    let mut store = Store::open(&path).unwrap();
    write(&mut store, "1", vec![item(1, Amount::parse("1").unwrap())]);
    drop(store);
    let store = Store::open_with(&path, Access::Query, None).unwrap();
    let conn = store.connection();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM line_items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    let target = dir.path().join("out.csv");
    for sql in [
        format!("COPY (SELECT 1) TO '{}' (FORMAT csv)", target.display()),
        format!("COPY (SELECT 1) TO '{}' (FORMAT csv)", path.display()),
        format!(
            "ATTACH '{}' AS other",
            dir.path().join("o.duckdb").display()
        ),
        "SELECT * FROM read_csv('/etc/passwd')".to_owned(),
        "INSTALL httpfs".to_owned(),
        "LOAD httpfs".to_owned(),
        "SET threads = 1".to_owned(),
        "SET enable_external_access = true".to_owned(),
        "DELETE FROM line_items".to_owned(),
        format!("EXPORT DATABASE '{}'", dir.path().join("exp").display()),
    ] {
        assert!(conn.execute_batch(&sql).is_err(), "{sql}");
    }
    assert!(!target.exists());
    assert!(!dir.path().join("exp").exists());
    drop(store);
    // The database is as it was.
    let store = Store::open_read_only(&path).unwrap();
    let n: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM line_items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

/// One group holding a known invoice (its lines replaced, its owner kept) and new
/// ones (headers appended together): every header and line as if written one by
/// one, and the summaries in step with the lines.
#[test]
fn a_group_of_known_and_new_invoices_stores_each_header_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
    let (one, two) = (Amount::parse("1").unwrap(), Amount::parse("2").unwrap());
    store
        .write_invoice(&file_write("7", Some("1100000"), vec![item(1, one)]))
        .unwrap();
    let known = file_write("7", None, vec![item(1, two), item(2, two)]);
    let (new_a, new_b) = (
        file_write("8", Some("1100000"), vec![item(1, one)]),
        file_write("9", None, vec![item(1, one), item(2, two), item(3, two)]),
    );
    store.write_invoices(&[&new_a, &known, &new_b]).unwrap();
    assert_eq!(
        column_text(
            &store,
            "SELECT invoice_id || ':' || coalesce(account_number, '-') || ':' || line_count
                    || ':' || csv_status || ':' || csv_origin FROM invoices ORDER BY 1"
        ),
        [
            "7:1100000:2:loaded:file",
            "8:1100000:1:loaded:file",
            "9:-:3:loaded:file"
        ]
    );
    assert_eq!(
        column_text(
            &store,
            "SELECT invoice_id || ':' || count(*) || ':' || sum(charge) FROM line_items
              GROUP BY invoice_id ORDER BY 1"
        ),
        ["7:2:4.0000", "8:1:1.0000", "9:3:5.0000"]
    );
    assert_eq!(
        crate::store::summaries::differences(store.connection()).unwrap(),
        Vec::<String>::new()
    );
    // A known invoice another account owns fails the whole group, naming it.
    let conflict = file_write("7", Some("2200000"), vec![item(1, one)]);
    let other = file_write("10", None, vec![item(1, one)]);
    let err = store.write_invoices(&[&other, &conflict]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invoice 7 belongs to account 1100000"),
        "{err}"
    );
    assert_eq!(
        column_text(&store, "SELECT count(*)::VARCHAR FROM invoices"),
        ["3"]
    );
}

/// A customer row as a reseller's list has it.
fn listed(account: &str, is_reseller: bool) -> CustomerRow {
    CustomerRow {
        account_number: acct(account),
        name: Some(format!("Customer {account}")),
        reference_number: None,
        is_reseller,
        details: None,
    }
}

#[test]
fn a_resellers_complete_list_marks_deleted_only_its_own_sub_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
    let (east, west) = (acct("1100000"), acct("1100001"));
    let mut sync = |reseller: &AccountNumber, subs: &[&str]| {
        let rows: Vec<CustomerRow> = std::iter::once(listed(reseller, true))
            .chain(subs.iter().map(|a| listed(a, false)))
            .collect();
        store
            .upsert_customers(&rows, reseller, Lineage::Run(1), true)
            .unwrap();
    };
    sync(&east, &["1300001", "1300002", "1300003"]);
    sync(&west, &["1400001", "1400002"]);
    // 1300003 moves from east to west; west lists it first.
    sync(&west, &["1400001", "1400002", "1300003"]);
    sync(&east, &["1300001", "1300002"]);
    // East lists 1300002 no more: deleted, and only that.
    sync(&east, &["1300001"]);
    sync(&west, &["1400001", "1400002", "1300003"]);
    let state = |store: &Store| {
        column_text(
            store,
            "SELECT account_number || ' ' || reseller_account || ' ' || is_reseller::VARCHAR
                    || CASE WHEN deleted_at IS NULL THEN '' ELSE ' deleted' END
               FROM customers ORDER BY account_number",
        )
    };
    assert_eq!(
        state(&store),
        [
            "1100000 1100000 true",
            "1100001 1100001 true",
            "1300001 1100000 false",
            "1300002 1100000 false deleted",
            "1300003 1100001 false",
            "1400001 1100001 false",
            "1400002 1100001 false",
        ]
    );
    // The other way round: east lists it after it moved back to east, before west
    // has synced; west's next list, without it, leaves it east's.
    store
        .upsert_customers(
            &[
                listed("1100000", true),
                listed("1300001", false),
                listed("1300003", false),
            ],
            &east,
            Lineage::Run(2),
            true,
        )
        .unwrap();
    store
        .upsert_customers(
            &[
                listed("1100001", true),
                listed("1400001", false),
                listed("1400002", false),
            ],
            &west,
            Lineage::Run(3),
            true,
        )
        .unwrap();
    assert_eq!(
        state(&store)[4],
        "1300003 1100000 false",
        "the moved sub-account is east's and listed"
    );
    // Contacts record the reseller whose list they came from.
    store
        .replace_contacts(
            "1400001",
            &[ContactRow {
                contact_id: "1".into(),
                name: None,
                email: None,
                phone: None,
                receives_alerts: false,
                receives_billing: true,
                receives_updates: false,
            }],
            &west,
            Lineage::Run(3),
        )
        .unwrap();
    assert_eq!(
        column_text(&store, "SELECT reseller_account FROM contacts"),
        ["1100001"]
    );
}

#[test]
fn migration_9_names_each_customers_reseller_and_keeps_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.duckdb");
    {
        let conn = database_at(&path, 8);
        // Two resellers (west synced last); 1300001 billed on east's invoice,
        // 1400001 on west's, 1300009 on no invoice; a contact of 1300001.
        conn.execute_batch(
            "INSERT INTO customers (account_number, is_reseller, synced_at) VALUES
               ('1100000', true, '2020-01-01'), ('1100001', true, '2020-01-02'),
               ('1300001', false, '2020-01-01'), ('1400001', false, '2020-01-02'),
               ('1300009', false, '2020-01-01');
             INSERT INTO contacts (account_number, contact_id, receives_alerts, receives_billing,
                                   receives_updates, synced_at)
             VALUES ('1300001', '1', true, true, false, '2020-01-01');
             INSERT INTO invoices (account_number, invoice_id, invoice_date, csv_status, line_count)
             VALUES ('1100000', '5', '2020-01-07', 'loaded', 1), ('1100001', '6', '2020-01-07', 'loaded', 1);
             INSERT INTO invoice_sums VALUES ('5', 1, 3, '2020-01-01', 0, 0), ('6', 1, 4, '2020-01-01', 0, 0);
             INSERT INTO account_sums VALUES
               ('5', '1300001', 'd', 'd', 1, 1, 3, 3, 0, 0, 1),
               ('6', '1400001', 'd', 'd', 1, 1, 4, 4, 0, 0, 1);",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let backup = dir.path().join("old.duckdb.bak-9");
    assert_eq!(
        store.notes(),
        [format!(
            "upgrading the database schema to version 9 (reseller_accounts); a copy of the file as it was is at {}",
            backup.display()
        )]
    );
    assert!(backup.exists());
    assert_eq!(
        column_text(
            &store,
            "SELECT account_number || ' ' || reseller_account FROM customers ORDER BY 1"
        ),
        [
            "1100000 1100000",
            "1100001 1100001",
            "1300001 1100000",
            "1300009 1100001",
            "1400001 1100001"
        ]
    );
    assert_eq!(
        column_text(&store, "SELECT reseller_account FROM contacts"),
        ["1100000"]
    );
}
