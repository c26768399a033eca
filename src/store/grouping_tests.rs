//! Storing a set of invoices gives the same tables however they are grouped into
//! transactions and in whatever order the groups come: random invoices (lines
//! billed twice, lines flagged by several checks at once, invoices with no flagged
//! line, header-only invoices, the same line on two invoices, non-ASCII text)
//! written one by one and under a random grouping give identical `invoices`,
//! `line_items` and summary tables, and the summaries equal the same figures
//! computed by plain SQL over `line_items` (the provider's arithmetic from
//! `queries/macros.sql`, not from `summary.rs`).

use chrono::NaiveDateTime;
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::amount::Amount;
use crate::ids::{AccountNumber, InvoiceId};
use crate::parse::{LineItem, LineType, parse_service_date};
use crate::proration::{billed_months, charge};

const ACCOUNTS: [&str; 4] = ["1300001", "1300018", "1300035", "1300052"];
const PRODUCTS: [(&str, &str); 4] = [
    ("Hosted Exchange", "7"),
    ("Büro Mail", "3.25"),
    ("Exchange – 50 GB", "9.5"),
    ("Rackspace Email", "2.99"),
];
const DOMAINS: [&str; 4] = [
    "bücher.example",
    "Bücher.Example",
    "MyDomain.com",
    "mydomain.com",
];

fn date(text: &str) -> NaiveDateTime {
    parse_service_date(text).unwrap()
}

fn amount(value: Decimal) -> Amount {
    Amount::parse(&value.normalize().to_string()).unwrap()
}

/// A line of one of six kinds (each a different mix of what the checks find), for
/// an account, product, domain and seat count, numbered later.
#[derive(Debug, Clone, Copy)]
struct Template {
    account: usize,
    product: usize,
    domain: usize,
    kind: u8,
    seats: i64,
}

impl Template {
    fn line(self, line_no: u32) -> LineItem {
        let (product, rate) = PRODUCTS[self.product];
        let rate: Decimal = rate.parse().unwrap();
        let seats = Decimal::from(self.seats);
        let (month_start, month_end) = (
            date("11/1/2017 12:00:00 AM"),
            date("11/30/2017 11:59:59 PM"),
        );
        let upgrade_start = date("11/6/2017 7:54:44 PM");
        let whole = |kind: &str, start, months: Decimal, charged: Decimal| LineItem {
            line_no,
            account_no: ACCOUNTS[self.account].to_owned(),
            reference_no: if self.account == 3 {
                "=HYPERLINK(\"x\")".into()
            } else {
                String::new()
            },
            domain: DOMAINS[self.domain].to_owned(),
            product: product.to_owned(),
            line_type: LineType::from_text(kind),
            service_start: start,
            service_end: month_end,
            term_committed_usage: amount(seats),
            current_usage: amount(seats),
            usage_change: amount(seats),
            months: amount(months),
            rate: amount(rate),
            charge: amount(charged),
        };
        match self.kind {
            // A whole month, nothing to say.
            0 => whole("Renewal", month_start, Decimal::ONE, seats * rate),
            // A prorated upgrade, right.
            1 => {
                let months = billed_months(upgrade_start, month_end);
                whole(
                    "Upgrade",
                    upgrade_start,
                    months,
                    charge(seats, rate, months),
                )
            }
            // Months the dates do not give, the charge following them.
            2 => {
                let months = billed_months(upgrade_start, month_end) + Decimal::new(5, 2);
                whole(
                    "Upgrade",
                    upgrade_start,
                    months,
                    charge(seats, rate, months),
                )
            }
            // A cent off.
            3 => whole(
                "Renewal",
                month_start,
                Decimal::ONE,
                seats * rate + Decimal::new(1, 2),
            ),
            // A credit larger than the month.
            4 => LineItem {
                usage_change: Amount::ZERO,
                ..whole(
                    "Credit",
                    month_start,
                    Decimal::ONE,
                    Decimal::new(-25_000, 2),
                )
            },
            // Implausible, a partial period and months off all at once.
            _ => whole(
                "Upgrade",
                upgrade_start,
                Decimal::new(5, 1),
                Decimal::from(200_000_000),
            ),
        }
    }
}

fn template() -> impl Strategy<Value = Template> {
    (0..4usize, 0..4usize, 0..4usize, 0..6u8, 1..40i64).prop_map(
        |(account, product, domain, kind, seats)| Template {
            account,
            product,
            domain,
            kind,
            seats,
        },
    )
}

/// Invoices whose lines are drawn from a small pool of lines, so lines repeat on an
/// invoice and across invoices; some have no lines at all.
fn invoices() -> impl Strategy<Value = Vec<Vec<LineItem>>> {
    prop::collection::vec(template(), 1..8).prop_flat_map(|pool| {
        let picks = prop::collection::vec(0..pool.len(), 0..12);
        prop::collection::vec(picks, 1..7).prop_map(move |invoices| {
            invoices
                .into_iter()
                .map(|picks| {
                    picks
                        .into_iter()
                        .enumerate()
                        .map(|(i, p)| pool[p].line(i as u32 + 1))
                        .collect()
                })
                .collect()
        })
    })
}

fn writes(invoices: &[Vec<LineItem>]) -> Vec<InvoiceWrite> {
    invoices
        .iter()
        .enumerate()
        .map(|(i, items)| InvoiceWrite {
            invoice_id: InvoiceId::parse(&format!("{}", 700_000 + i)).unwrap(),
            owner: (i % 2 == 0).then(|| AccountNumber::parse("1100000").unwrap()),
            csv: InvoiceCsv {
                sha256: format!("{i:064x}"),
                source: format!("invoice-{i}.csv"),
                origin: CsvOrigin::Provider,
                items: items.clone(),
            },
        })
        .collect()
}

/// Every stored table, in a fixed order, without the times rows were written.
fn tables(store: &Store) -> Vec<String> {
    let mut queries = vec![
        "SELECT * EXCLUDE (csv_loaded_at) FROM invoices".to_owned(),
        "SELECT * FROM line_items".to_owned(),
    ];
    queries.extend(summaries::TABLES.map(|t| format!("SELECT * FROM {t}")));
    queries
        .iter()
        .map(|q| {
            let mut stmt = store
                .connection()
                .prepare(&format!("SELECT t::VARCHAR FROM ({q}) t ORDER BY ALL"))
                .unwrap();
            let rows: Vec<String> = stmt
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            format!("{q}:\n{}", rows.join("\n"))
        })
        .collect()
}

/// The summaries by plain SQL over `line_items`, each compared both ways with the
/// stored table (EXCEPT ALL): returns the queries whose two sides differ.
fn summaries_against_sql(store: &Store) -> Vec<String> {
    let conn = store.connection();
    conn.execute_batch(include_str!("../../queries/macros.sql"))
        .unwrap();
    let pairs = [
        (
            "SELECT invoice_id, count(*), sum(charge), max(service_start) FROM line_items GROUP BY ALL",
            "SELECT invoice_id, lines, charge, latest_start FROM invoice_sums",
        ),
        (
            "SELECT invoice_id, account_no, lower(domain), min(domain), count(*), min(line_no),
                    sum(charge),
                    coalesce(sum(charge) FILTER (charge >= 0 AND type = 'Renewal'), 0),
                    coalesce(sum(charge) FILTER (charge >= 0 AND type <> 'Renewal'), 0),
                    coalesce(sum(charge) FILTER (charge < 0), 0),
                    coalesce(sum(current_usage) FILTER (type = 'Renewal'), 0)
               FROM line_items GROUP BY invoice_id, account_no, lower(domain)",
            "SELECT invoice_id, account_no, domain_key, domain, lines, first_line, charge,
                    renewal, partial, negative, seats FROM account_sums",
        ),
        (
            "SELECT invoice_id, product, count(DISTINCT account_no), count(*), sum(charge),
                    coalesce(sum(charge) FILTER (type = 'Renewal'), 0),
                    coalesce(sum(current_usage) FILTER (type = 'Renewal'), 0)
               FROM line_items GROUP BY ALL",
            "SELECT invoice_id, product, accounts, lines, charge, renewal_charge, seats
               FROM product_sums",
        ),
        (
            "WITH computed AS (
                 SELECT *, billed_months(service_start, service_end) AS computed_months,
                        line_charge(usage_change, rate, months) AS expected_charge,
                        min(line_no) OVER (PARTITION BY invoice_id, account_no, reference_no,
                            domain, product, type, service_start, service_end,
                            term_committed_usage, current_usage, usage_change, months, rate,
                            charge) AS first_equal,
                        usage_change = 0 AND charge < 0 AS credit
                   FROM line_items),
             checked AS (
                 SELECT * EXCLUDE (first_equal, credit, computed_months, expected_charge),
                        computed_months, expected_charge,
                        line_charge(usage_change, rate, computed_months) AS recomputed_charge,
                        CASE WHEN first_equal < line_no THEN first_equal END AS duplicate_of,
                        coalesce(expected_charge <> charge, false) AND NOT credit AS arithmetic_off,
                        months <> computed_months AS months_off,
                        credit,
                        abs(months) > 120 OR abs(usage_change) > 1000000
                            OR abs(current_usage) > 1000000
                            OR abs(term_committed_usage) > 1000000 OR abs(rate) > 100000
                            OR abs(charge) > 100000000 AS implausible
                   FROM computed)
             SELECT * FROM checked
              WHERE months <> 1 OR arithmetic_off OR months_off OR credit
                 OR duplicate_of IS NOT NULL OR implausible",
            "SELECT * FROM line_checks",
        ),
    ];
    let mut differing = Vec::new();
    for (by_sql, stored) in pairs {
        for (a, b) in [(by_sql, stored), (stored, by_sql)] {
            let n: i64 = conn
                .query_row(
                    &format!("SELECT count(*) FROM (({a}) EXCEPT ALL ({b}))"),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            if n > 0 {
                differing.push(format!("{n} row(s) of\n{a}\nnot in\n{b}"));
            }
        }
    }
    differing
}

/// A random grouping: the writes in a random order, cut into consecutive groups.
fn grouping(n: usize) -> impl Strategy<Value = (Vec<usize>, Vec<bool>)> {
    (
        Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
        prop::collection::vec(any::<bool>(), n),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn any_grouping_stores_the_same_tables_and_the_summaries_equal_plain_sql(
        (generated, (order, cuts)) in invoices().prop_flat_map(|inv| {
            let n = inv.len();
            (Just(inv), grouping(n))
        })
    ) {
        let all = writes(&generated);
        let dir = tempfile::tempdir().unwrap();

        let mut one_by_one = Store::open(&dir.path().join("one.duckdb")).unwrap();
        for w in &all {
            one_by_one.write_invoice(w).unwrap();
        }

        let mut grouped = Store::open(&dir.path().join("grouped.duckdb")).unwrap();
        let mut group: Vec<&InvoiceWrite> = Vec::new();
        for (k, &i) in order.iter().enumerate() {
            group.push(&all[i]);
            if cuts[k] || k + 1 == order.len() {
                grouped.write_invoices(&group).unwrap();
                group.clear();
            }
        }

        let mut together = Store::open(&dir.path().join("together.duckdb")).unwrap();
        together.write_invoices(&all.iter().collect::<Vec<_>>()).unwrap();

        let expected = tables(&one_by_one);
        prop_assert_eq!(tables(&grouped), expected.clone());
        prop_assert_eq!(tables(&together), expected);
        let differing = summaries_against_sql(&one_by_one);
        prop_assert!(differing.is_empty(), "{}", differing.join("\n\n"));
        prop_assert!(summaries::differences(grouped.connection()).unwrap().is_empty());
    }
}

/// The grouping bug of issue 24: a group whose first invoice's flagged lines all
/// repeat an earlier line (so `duplicate_of` has no NULL in its batch) followed by
/// one with a prorated line (`duplicate_of` NULL) was refused with "Column
/// 'duplicate_of' is declared as non-nullable but contains null values".
#[test]
fn a_group_whose_first_invoice_only_repeats_lines_stores_the_next_ones_nulls() {
    let renewal = Template {
        account: 0,
        product: 1,
        domain: 0,
        kind: 0,
        seats: 3,
    };
    let upgrade = Template { kind: 1, ..renewal };
    let invoices = vec![
        vec![renewal.line(1), renewal.line(2)],
        vec![upgrade.line(1), renewal.line(2)],
    ];
    let all = writes(&invoices);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.duckdb")).unwrap();
    store.write_invoices(&[&all[0], &all[1]]).unwrap();
    let checks: Vec<String> = store
        .connection()
        .prepare(
            "SELECT invoice_id || ':' || line_no || ':' || coalesce(duplicate_of::VARCHAR, '-')
               FROM line_checks ORDER BY ALL",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(checks, ["700000:2:1", "700001:1:-"]);
    assert!(summaries_against_sql(&store).is_empty());
}
