//! `tally export --format focus`: the FOCUS 1.2 dataset of a sandbox world (with
//! anomalies) checked by the FinOps Foundation's own validator (focus-validator
//! 2.2.1, installed by `scripts/focus-validator.sh`), and read back exactly: Σ
//! BilledCost per InvoiceId is the invoice's Σ line charges, decimals are DECIMAL,
//! quantity × price = contracted cost on every priced row.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::Workdir;
use crate::common::synced;

/// What the provider's data supports (README "FOCUS 1.2"): sub-accounts, account
/// names, negotiated (reseller) prices, seat usage.
const CRITERIA: &str = "SUB_ACCOUNT_SUPPORTED,ACCOUNT_NAMING_SUPPORTED,NEGOTIATED_PRICING_SUPPORTED,USAGE_MEASUREMENT_SUPPORTED";

/// Rules the validator reports failed although they do not apply, each with the
/// composite rule that must pass in its place (README "FOCUS 1.2": InvoiceId-C-004-C
/// is one branch of InvoiceId-C-003-C, "null when the charge has no invoice",
/// checked without its condition; every row here has an invoice).
const NOT_APPLICABLE: [(&str, &str); 1] = [("InvoiceId-C-004-C", "InvoiceId-C-003-C")];

/// The validator's executable and the folder to run it from (its currency table is
/// opened relative to the parent of its package): `TALLY_FOCUS_VENV`, else
/// `~/.cache/tally-focus-venv`. Missing, the test fails under CI and is skipped,
/// saying so, elsewhere.
fn validator() -> Option<(PathBuf, PathBuf)> {
    let venv = std::env::var_os("TALLY_FOCUS_VENV").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/tally-focus-venv"),
        PathBuf::from,
    );
    let exe = venv.join("bin/focus-validator");
    if !exe.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} not found: run `bash scripts/focus-validator.sh` (CI does)",
            exe.display()
        );
        eprintln!("skipped: no focus-validator (run `bash scripts/focus-validator.sh`)");
        return None;
    }
    let out = crate::common::succeeded(Command::new(venv.join("bin/python")).args([
        "-c",
        "import os, focus_validator; print(os.path.dirname(os.path.dirname(focus_validator.__file__)))",
    ]));
    let dir = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    Some((exe, PathBuf::from(dir)))
}

/// The validator's verdict on `file`: (passed, failed rule ids, its output).
fn validate(file: &Path) -> Option<(usize, BTreeSet<String>, String)> {
    let (exe, dir) = validator()?;
    let out = Command::new(exe)
        .current_dir(dir)
        .arg("--data-file")
        .arg(file)
        .args(["--validate-version", "1.2.0.1", "--block-download"])
        .args(["--applicability-criteria", CRITERIA])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // It exits 0 even when rules fail: its result lines say.
    assert!(out.status.success(), "{text}");
    let totals = text
        .lines()
        .find(|l| l.starts_with("Total: "))
        .unwrap_or_else(|| panic!("no result line:\n{text}"));
    let number = |label: &str| -> usize {
        totals
            .split('|')
            .find_map(|part| part.trim().strip_prefix(label))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("{label} in {totals}"))
    };
    let failed: BTreeSet<String> = text
        .lines()
        .filter(|l| l.contains(": FAIL"))
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(|id| id.trim_end_matches(':').to_owned())
        .collect();
    assert_eq!(failed.len(), number("Fail:"), "{text}");
    Some((number("Pass:"), failed, text))
}

/// The validator's verdict on `file` has no failed rule that applies: at least 150
/// passed, every failure one of [`NOT_APPLICABLE`] with its composite passed. Its
/// output, or `None` when the validator is not installed (outside CI).
pub(crate) fn assert_no_failed_rule_applies(file: &Path) -> Option<String> {
    let (pass, failed, text) = validate(file)?;
    assert!(pass >= 150, "only {pass} rules passed:\n{text}");
    let allowed: BTreeSet<String> = NOT_APPLICABLE
        .iter()
        .map(|(r, _)| (*r).to_owned())
        .collect();
    assert!(failed.is_subset(&allowed), "failed: {failed:?}\n{text}");
    for (_, composite) in NOT_APPLICABLE {
        assert!(
            passed(&text, composite),
            "{composite} did not pass:\n{text}"
        );
    }
    Some(text)
}

pub(crate) fn passed(text: &str, rule: &str) -> bool {
    text.lines().any(|l| l.contains(&format!("{rule}: PASS")))
}

#[test]
fn the_focus_export_passes_the_finops_validator_and_keeps_every_cent() {
    let (w, _sb) = synced(true);
    let r = w.tally(&["export", "--format", "focus", "--out", "out"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("focus"), "{}", r.stdout);
    let file = w.path().join("out/focus/data.parquet");

    // Read back exactly, beside the database.
    let parquet = file.to_str().unwrap().replace('\'', "''");
    // Query results without their header line.
    let check = |sql: &str| {
        let text = crate::common::query_files(&sql.replace("{f}", &format!("'{parquet}'")));
        text.split_once('\n')
            .map_or(String::new(), |(_, rows)| rows.to_owned())
    };
    let stored = |sql: &str| {
        let text = w.query(sql);
        text.split_once('\n')
            .map_or(String::new(), |(_, rows)| rows.to_owned())
    };
    let lines = stored("SELECT count(*) FROM line_items");
    assert_eq!(check("SELECT count(*) FROM read_parquet({f})"), lines);
    // Σ BilledCost per InvoiceId = the invoice's Σ line charges (exact decimals).
    let focus_sums = check(
        "SELECT InvoiceId, sum(BilledCost)::VARCHAR FROM read_parquet({f}) GROUP BY ALL ORDER BY 1",
    );
    let stored_sums =
        stored("SELECT invoice_id, sum(charge)::VARCHAR FROM line_items GROUP BY ALL ORDER BY 1");
    assert_eq!(focus_sums, stored_sums);
    let types = check(
        "SELECT column_name || ' ' || replace(column_type, ',', ' ') FROM (DESCRIBE SELECT * FROM read_parquet({f}))
          WHERE column_name IN ('BilledCost', 'EffectiveCost', 'ContractedCost', 'ListCost',
                                'PricingQuantity', 'ContractedUnitPrice', 'ChargePeriodEnd')
          ORDER BY 1",
    );
    assert_eq!(
        types,
        "BilledCost DECIMAL(18 4)\nChargePeriodEnd TIMESTAMP\nContractedCost DECIMAL(38 12)\n\
         ContractedUnitPrice DECIMAL(18 4)\nEffectiveCost DECIMAL(18 4)\nListCost DECIMAL(38 12)\n\
         PricingQuantity DECIMAL(38 8)\n"
    );
    // Quantity × price = contracted cost exactly on every priced row; every other
    // column FOCUS or x_; no month column; credits carry no price.
    assert_eq!(
        check(
            "SELECT count(*) FROM read_parquet({f}) WHERE ContractedUnitPrice IS NOT NULL
               AND PricingQuantity * ContractedUnitPrice <> ContractedCost"
        ),
        "0\n"
    );
    assert_eq!(
        check(
            "SELECT count(*) FROM read_parquet({f}) WHERE ChargeCategory = 'Credit'
               AND (ContractedUnitPrice IS NOT NULL OR PricingQuantity IS NOT NULL
                    OR ConsumedQuantity IS NOT NULL OR BilledCost >= 0)"
        ),
        "0\n"
    );
    let categories = check(
        "SELECT ChargeCategory || ' ' || ChargeFrequency || ' ' || count(*) FROM read_parquet({f})
          GROUP BY ChargeCategory, ChargeFrequency ORDER BY 1",
    );
    assert!(categories.contains("Credit One-Time"), "{categories}");
    assert!(categories.contains("Usage Recurring"), "{categories}");
    assert!(categories.contains("Usage One-Time"), "{categories}");
    // The anomaly whose arithmetic fails is 1 unit at its charge.
    assert_eq!(
        check(
            "SELECT count(*) > 0 FROM read_parquet({f}) WHERE PricingUnit = 'Units' AND PricingQuantity = 1"
        ),
        "true\n"
    );
    assert_eq!(
        check(
            "SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet({f}))
              WHERE column_name = 'month' OR column_name LIKE '%\\_%' ESCAPE '\\' AND column_name NOT LIKE 'x\\_%' ESCAPE '\\'"
        ),
        "0\n"
    );

    // The FinOps Foundation's validator: no failed rule that applies.
    let Some(text) = assert_no_failed_rule_applies(&file) else {
        return;
    };
    for rule in [
        "BilledCost-C-000-M",
        "ContractedCost-C-000-M",
        "PricingQuantity-C-000-M",
        "ConsumedQuantity-C-000-C",
        "SubAccountId-C-000-C",
        "ChargePeriodEnd-C-000-M",
    ] {
        assert!(passed(&text, rule), "{rule} did not pass:\n{text}");
    }
}

#[test]
fn a_partitioned_focus_export_splits_by_month_and_checks_its_settings() {
    let (w, _sb) = synced(false);
    let r = w.tally(&[
        "export",
        "--format",
        "focus",
        "--out",
        "out",
        "--partition",
        "month",
        "--since",
        "2019-11",
        "--currency",
        "EUR",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let months: Vec<String> = std::fs::read_dir(w.path().join("out/focus"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(months, ["month=2019-11", "month=2019-12"]);
    let file = w.path().join("out/focus/month=2019-12/data.parquet");
    let back = crate::common::query_files(&format!(
        "SELECT DISTINCT BillingCurrency || ' ' || strftime(BillingPeriodStart, '%Y-%m-%dT%H:%M:%S') || ' '
                || strftime(BillingPeriodEnd, '%Y-%m-%dT%H:%M:%S') AS period FROM read_parquet('{}')",
        file.display()
    ));
    assert_eq!(
        back,
        "period\nEUR 2019-12-01T00:00:00 2020-01-01T00:00:00\n"
    );

    // The same data, the same bytes: rows are in invoice and line order.
    let again = w.tally(&[
        "export",
        "--format",
        "focus",
        "--out",
        "again",
        "--partition",
        "month",
        "--since",
        "2019-11",
        "--currency",
        "EUR",
    ]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(w.path().join("again/focus/month=2019-12/data.parquet")).unwrap()
    );
    let bad = w.tally(&[
        "export",
        "--format",
        "focus",
        "--out",
        "out",
        "--currency",
        "usd",
    ]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert_eq!(
        bad.stderr,
        "error: --currency: expected a currency as three capital letters (ISO 4217), e.g. USD or EUR; found \"usd\"\n"
    );
    let bad = w.tally(&[
        "export", "--format", "focus", "--out", "out", "--tables", "invoices",
    ]);
    assert_eq!(bad.code, 2, "{bad:?}");
    let bad = w.tally(&[
        "export",
        "--format",
        "csv",
        "--out",
        "out",
        "--currency",
        "USD",
    ]);
    assert_eq!(bad.code, 2, "{bad:?}");
}

#[test]
fn invoices_without_a_billing_account_are_refused_by_name() {
    let w = Workdir::new();
    let file = crate::common::csv(&[crate::common::row("1300001", "Rackspace Email", "2.99")]);
    w.write("in/7001.csv", file);
    assert_eq!(w.tally(&["load", "in"]).code, 0);
    let r = w.tally(&["export", "--format", "focus", "--out", "out"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: cannot export FOCUS: invoice 7001 has no billing account (loaded without --account, and no sync has named the reseller's own account); load it again with `tally load --account NUMBER`, or run `tally sync rackspace`\n"
    );
    assert!(!w.path().join("out/focus").exists());
    assert_eq!(w.tally(&["load", "--account", "1100000", "in"]).code, 0);
    // A bad currency in the config file is named by file and key; nothing written.
    w.write("tally.toml", "[billing]\ncurrency = \"dollars\"\n");
    let r = w.tally(&["export", "--format", "focus", "--out", "out"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: tally.toml: [billing] currency: expected a currency as three capital letters (ISO 4217), e.g. USD or EUR; found \"dollars\"\n"
    );
    assert!(!w.path().join("out/focus").exists());
    std::fs::remove_file(w.path().join("tally.toml")).unwrap();
    let r = w.tally(&["export", "--format", "focus", "--out", "out"]);
    assert_eq!(r.code, 0, "{r:?}");
}

/// Up to `focus::LOOKUP_LIMIT` keys each line looks its invoice and customer up in
/// maps; beyond, a join sorted back by row id. Both give the same rows in the same
/// order (the order the lines are stored), so a file is the same bytes either way.
#[test]
fn lookups_and_the_sorted_join_give_the_same_rows_in_stored_order() {
    let (w, _sb) = synced(true);
    let conn = duckdb::Connection::open(w.db()).unwrap();
    tally::report::prepare(&conn, Some(tally::month::MonthSelection::All), 25).unwrap();
    let currency = tally::export::focus::Currency::default();
    // Each row whole (as text), and its invoice and line number.
    let rows = |limit: u64| -> Vec<(String, String, i64)> {
        tally::export::focus::prepare_with(&conn, &currency, limit).unwrap();
        let sql = format!(
            "SELECT q::VARCHAR, InvoiceId, x_LineNumber FROM ({}) q",
            tally::export::focus::SQL.trim().trim_end_matches(';')
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    let looked_up = rows(u64::MAX);
    let joined = rows(0);
    assert_eq!(looked_up, joined);
    // Stored order: each invoice's lines together, in line order.
    let stored: Vec<(String, i64)> = conn
        .prepare("SELECT invoice_id, line_no FROM line_items")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let exported: Vec<(String, i64)> = looked_up
        .iter()
        .map(|(_, invoice, line)| (invoice.clone(), *line))
        .collect();
    assert_eq!(exported, stored);
    // The anomalies world bills sub-accounts the customer list does not know (no
    // key in the map): their name is their number, as with the join.
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert!(
        count(
            "SELECT count(*) FROM line_items l
              WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.account_number = l.account_no)"
        ) > 0
    );
    assert!(count("SELECT count(*) FROM customers WHERE name IS NOT NULL") > 0);
}
