//! Re-billing: the price book's rules, each pinned with cents computed by hand.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::{Decimal, RoundingStrategy};
use tally::sandbox::{SandboxOptions, WorldOptions};

use crate::common::{HEADER, Workdir, sandbox};

const PRICES: &str = r#"currency = "USD"
markup_percent = "25"
seller = "Northwind IT, 1 Main St, Springfield"

[[price]]
product = "Hosted Exchange"
rate = "9.00"
from = "2017-01"

[[price]]
product = "Hosted Exchange"
account = "1300008"
rate = "8.50"

[[price]]
product = "Rackspace Email Archiving"
rate = "4.00"
from = "2018-01"

[[markup]]
account = "1300049"
percent = "10"

[[fee]]
account = "1300008"
description = "Managed backup"
amount = "49.00"
from = "2017-12"
until = "2018-05"

[[fee]]
account = "1300099"
description = "Support plan"
amount = "10.00"
"#;

/// One line: account, product, type, start, end, term, current, change, months, rate, charge.
fn line(fields: [&str; 11]) -> String {
    let [
        account,
        product,
        kind,
        start,
        end,
        term,
        current,
        change,
        months,
        rate,
        charge,
    ] = fields;
    format!(
        "{account},\"\",\"d{account}.example\",\"{product}\",{kind},{start},{end},{term},{current},{change},{months},{rate},{charge}"
    )
}

const DEC_START: &str = "12/1/2017 12:00:00 AM";
const DEC_END: &str = "12/31/2017 11:59:59 PM";

fn month_of_lines(w: &Workdir) {
    let rows = [
        // 1: priced by the account's own price: 10 × 8.50 × 1 = 85.00.
        line([
            "1300008",
            "Hosted Exchange",
            "Renewal",
            DEC_START,
            DEC_END,
            "10",
            "10",
            "10",
            "1",
            "7",
            "70.00",
        ]),
        // 2: a proration under that price: 2 × 8.50 × 0.81 = 13.77 (the provider's 2 × 7 × 0.81 = 11.34 holds).
        line([
            "1300008",
            "Hosted Exchange",
            "Upgrade",
            "11/6/2017 7:54:44 PM",
            "11/30/2017 11:59:59 PM",
            "29",
            "31",
            "2",
            "0.81",
            "7",
            "11.34",
        ]),
        // 3: a credit with no usage change: under the default markup, -5.00 × 1.25 = -6.25.
        line([
            "1300008",
            "Hosted Exchange",
            "Credit",
            DEC_START,
            DEC_END,
            "0",
            "0",
            "0",
            "1",
            "7",
            "-5.00",
        ]),
        // 4: no price: 8.97 × 1.25 = 11.2125 → 11.21.
        line([
            "1300008",
            "Rackspace Email",
            "Renewal",
            DEC_START,
            DEC_END,
            "3",
            "3",
            "3",
            "1",
            "2.99",
            "8.97",
        ]),
        // 5: the product's price (from 2017-01): 4 × 9.00 × 1 = 36.00.
        line([
            "1300049",
            "Hosted Exchange",
            "Renewal",
            DEC_START,
            DEC_END,
            "4",
            "4",
            "4",
            "1",
            "7",
            "28.00",
        ]),
        // 6: the Archiving price starts in 2018-01: the account's markup, 3.50 × 1.10 = 3.85.
        line([
            "1300049",
            "Rackspace Email Archiving",
            "Renewal",
            DEC_START,
            DEC_END,
            "1",
            "1",
            "1",
            "1",
            "3.5",
            "3.50",
        ]),
        // 7: priced product, but the provider's arithmetic does not hold (1 × 7 × 0.5 = 3.50,
        //    charged 3.60): the markup, 3.60 × 1.10 = 3.96.
        line([
            "1300049",
            "Hosted Exchange",
            "Upgrade",
            "12/16/2017 12:00:00 AM",
            DEC_END,
            "4",
            "5",
            "1",
            "0.5",
            "7",
            "3.60",
        ]),
        // 8 and 9: exactly half a cent: 0.02 × 1.25 = 0.025 → 0.03, and -0.025 → -0.03.
        line([
            "1300050",
            "Rackspace Email Archiving",
            "Renewal",
            DEC_START,
            DEC_END,
            "1",
            "1",
            "1",
            "1",
            "0.02",
            "0.02",
        ]),
        line([
            "1300050",
            "Rackspace Email Archiving",
            "Credit",
            DEC_START,
            DEC_END,
            "0",
            "0",
            "0",
            "1",
            "0.02",
            "-0.02",
        ]),
    ];
    let mut text = format!("{HEADER}\n");
    for r in &rows {
        text.push_str(r);
        text.push('\n');
    }
    w.write("in/7100.csv", text);
    assert_eq!(w.tally(&["load", "in"]).code, 0);
}

#[test]
fn margin_follows_every_rule_to_the_cent() {
    let w = Workdir::new();
    month_of_lines(&w);
    w.write("prices.toml", PRICES);
    let r = w.tally(&["report", "margin", "--month", "2017-12", "--format", "csv"]);
    assert_eq!(r.code, 0, "{r:?}");
    // 1300008: cost 70 + 11.34 − 5 + 8.97 = 85.31; sell 85.00 + 13.77 − 6.25 + 11.21 + 49.00
    // (fee) = 152.73; margin 67.42 = 44.1432…% → 44.14.
    // 1300049: cost 28 + 3.50 + 3.60 = 35.10; sell 36.00 + 3.85 + 3.96 = 43.81; margin
    // 8.71 = 19.8813…% → 19.88.
    // 1300050: 0.02 − 0.02 = 0 at cost, 0.03 − 0.03 = 0 sold: no percent.
    // 1300099: a fee and no lines: cost 0, sell 10.00, 100.00%.
    assert_eq!(
        r.stdout,
        "month,account_no,name,lines,cost,sell,margin,margin_percent\n\
         2017-12,1300008,,4,85.3100,152.7300,67.4200,44.14\n\
         2017-12,1300049,,3,35.1000,43.8100,8.7100,19.88\n\
         2017-12,1300050,,2,0.0000,0.0000,0.0000,\n\
         2017-12,1300099,,0,0.0000,10.0000,10.0000,100.00\n"
    );
    // By product: Hosted Exchange is lines 1, 2, 3, 5 and 7: cost 70 + 11.34 − 5 + 28 +
    // 3.60 = 107.94, sell 85.00 + 13.77 − 6.25 + 36.00 + 3.96 = 132.48, margin 24.54 =
    // 18.523…% → 18.52; the fees (49 + 10) are the product `Fees`.
    let r = w.tally(&[
        "report", "margin", "--month", "2017-12", "--by", "product", "--format", "csv",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "month,product,lines,cost,sell,margin,margin_percent\n\
         2017-12,Fees,0,0.0000,59.0000,59.0000,100.00\n\
         2017-12,Hosted Exchange,5,107.9400,132.4800,24.5400,18.52\n\
         2017-12,Rackspace Email,1,8.9700,11.2100,2.2400,19.98\n\
         2017-12,Rackspace Email Archiving,3,3.5000,3.8500,0.3500,9.09\n"
    );
}

#[test]
fn margin_needs_a_good_price_book() {
    let w = Workdir::new();
    month_of_lines(&w);
    let r = w.tally(&["report", "margin"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: report margin needs a price book: give --prices FILE, set prices under [billing] in tally.toml, or write ./prices.toml (docs/src/reference/price-book.md)\n"
    );
    w.write(
        "p.toml",
        PRICES.replace("rate = \"8.50\"", "rate = \"8.5O\""),
    );
    let r = w.tally(&["report", "margin", "--prices", "p.toml"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: p.toml: line 13, key rate: expected a plain decimal such as 9.00; found \"8.5O\"\n"
    );
    // From tally.toml; a product the data never bills is a warning.
    w.write(
        "book.toml",
        format!("{PRICES}\n[[price]]\nproduct = \"Hosted Exchnage\"\nrate = \"1\"\n"),
    );
    w.write("tally.toml", "[billing]\nprices = \"book.toml\"\n");
    let r = w.tally(&["report", "margin", "--format", "csv"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stderr,
        "warning: book.toml: account 1300099 is never billed in this database\n\
         warning: book.toml: product \"Hosted Exchnage\" is never billed in this database\n"
    );
}

#[test]
fn reconcile_flags_a_customer_sold_below_cost_only_with_a_price_book() {
    let w = Workdir::new();
    month_of_lines(&w);
    let findings = |w: &Workdir| -> Vec<String> {
        w.query_report(&["reconcile", "--month", "2017-12", "--format", "csv"])
            .lines()
            .filter(|l| l.contains("below_cost"))
            .map(str::to_owned)
            .collect()
    };
    assert!(findings(&w).is_empty(), "no price book, no finding");
    // 1300049's Hosted Exchange at 1.00: 4 × 1.00 + 3.85 + 3.96 = 11.81 against cost 35.10.
    w.write(
        "prices.toml",
        PRICES.replace("rate = \"9.00\"", "rate = \"1.00\""),
    );
    assert_eq!(
        findings(&w),
        ["warning,below_cost,2017-12,,1300049,,\"sells for 11.81, below its cost 35.10\""]
    );
}

/// The margin of 2017-12 for one account, as CSV fields after the name.
fn margin_of(w: &Workdir, account: &str) -> String {
    let out = w.query_report(&["margin", "--month", "2017-12", "--format", "csv"]);
    out.lines()
        .find(|l| l.starts_with(&format!("2017-12,{account},")))
        .unwrap_or_else(|| panic!("{account} in {out}"))
        .to_owned()
}

#[test]
fn a_closed_month_keeps_its_bill_and_says_when_its_data_changed() {
    let w = Workdir::new();
    month_of_lines(&w);
    // No price book: refused, saying how to give one.
    let r = w.tally(&["close", "2017-12"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: tally close needs a price book: give --prices FILE, set prices under [billing] in tally.toml, or write ./prices.toml (docs/src/reference/price-book.md)\n"
    );
    w.write("prices.toml", PRICES);
    // The month has reconcile errors (line 7's arithmetic, the prorations): refused.
    let r = w.tally(&["close", "2017-12"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(
            "error: line_arithmetic 2017-12 7100 1300049: charge 3.60 <> 1 x 7 x 0.5 = 3.50\n"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.ends_with("; fix them or close with --force\n"),
        "{}",
        r.stderr
    );
    assert_eq!(
        w.query("SELECT count(*) AS closes FROM closed_months"),
        "closes\n0\n",
        "a refused close stores nothing"
    );
    let r = w.tally(&["close", "2016-01", "--force"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        "warning: prices.toml: account 1300099 is never billed in this database\n\
         error: no invoice is dated in 2016-01: nothing to close\n"
    );
    // Cost 85.31 + 35.10 + 0 = 120.41; sell 152.73 + 43.81 + 0 + 10.00 = 206.54.
    let r = w.tally(&["close", "2017-12", "--force"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.starts_with("closed 2017-12 (revision 1): 9 lines, cost 120.41, sell 206.54 (with 2 fee lines); price book prices.toml ("),
        "{}",
        r.stdout
    );
    let frozen = margin_of(&w, "1300008");
    assert_eq!(frozen, "2017-12,1300008,,4,85.3100,152.7300,67.4200,44.14");
    // A price change does not rewrite the closed month.
    w.write(
        "prices.toml",
        PRICES.replace("rate = \"8.50\"", "rate = \"1.00\""),
    );
    assert_eq!(margin_of(&w, "1300008"), frozen);
    // New provider data for the month is stored, and reconcile says so.
    let mut changed = std::fs::read_to_string(w.path().join("in/7100.csv")).unwrap();
    changed = changed.replace(",3,3,3,1,2.99,8.97", ",4,4,4,1,2.99,11.96");
    w.write("in/7100.csv", changed);
    assert_eq!(w.tally(&["load", "in"]).code, 0);
    let findings = w.query_report(&["reconcile", "--month", "2017-12", "--format", "csv"]);
    assert!(
        findings.contains("error,closed_month_changed,2017-12,7100,,,closed revision 1: lines changed (9 -> 9 lines)\n"),
        "{findings}"
    );
    assert_eq!(margin_of(&w, "1300008"), frozen);
    // Closed twice: refused; reopened (with a reason): live again; closed again: revision 2.
    let r = w.tally(&["close", "2017-12", "--force"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .starts_with("error: 2017-12 is closed already (revision 1, "),
        "{}",
        r.stderr
    );
    let r = w.tally(&["reopen", "2017-12"]);
    assert_eq!(r.code, 2, "{r:?}");
    let r = w.tally(&["reopen", "2017-12", "--reason", "  "]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: --reason must say why the month is reopened\n"
    );
    let r = w.tally(&[
        "reopen",
        "2017-12",
        "--reason",
        "Rackspace Email seats corrected",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "reopened 2017-12 (revision 1 stays on record); a new close will be revision 2\n"
    );
    // Live again: the new line and the new price apply.
    assert_ne!(margin_of(&w, "1300008"), frozen);
    let r = w.tally(&["close", "2017-12", "--force"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.starts_with("closed 2017-12 (revision 2): "),
        "{}",
        r.stdout
    );
    let status = w.tally(&["status", "--format", "csv"]);
    assert!(
        status
            .stdout
            .contains("closed months,1,2017-12 (r2),false\n"),
        "{}",
        status.stdout
    );
    let findings = w.query_report(&["reconcile", "--month", "2017-12", "--format", "csv"]);
    assert!(!findings.contains("closed_month_changed"), "{findings}");
    assert_eq!(
        w.query("SELECT revision, reopen_reason, length(price_book_text) > 0 AS book FROM closed_months ORDER BY revision"),
        "revision,reopen_reason,book\n1,Rackspace Email seats corrected,true\n2,,true\n"
    );
}

#[test]
fn statements_add_up_are_stable_and_mirror_the_billed_accounts() {
    let w = Workdir::new();
    month_of_lines(&w);
    w.write("prices.toml", PRICES);
    let r = w.tally(&[
        "statements",
        "--month",
        "2017-12",
        "--out",
        "st",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    // Σ totals = Σ margin's sell: 152.73 + 43.81 + 0.00 + 10.00 = 206.54.
    assert_eq!(
        r.stdout,
        "wrote 4 statements for 2017-12 into st/2017-12 (total 206.54 USD, excluding tax)\n"
    );
    let one: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(w.path().join("st/2017-12/1300008.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(one["number"], "2017-12-1300008");
    assert_eq!(one["total"], "152.73");
    assert_eq!(one["seller"], "Northwind IT, 1 Main St, Springfield");
    assert_eq!(one["fees"][0]["amount"], "49.00");
    let hosted = &one["products"][0];
    assert_eq!(hosted["product"], "Hosted Exchange");
    // 85.00 + 13.77 − 6.25; the priced lines show the price, the credit the marked-up rate.
    assert_eq!(hosted["subtotal"], "92.52");
    let rates: Vec<&str> = hosted["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rate"].as_str().unwrap())
        .collect();
    assert_eq!(rates, ["8.50", "8.50", "8.75"]);
    let index = std::fs::read_to_string(w.path().join("st/2017-12/index.json")).unwrap();
    let totals: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(&index)
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}={}",
                s["account_no"].as_str().unwrap(),
                s["total"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        totals,
        [
            "1300008=152.73",
            "1300049=43.81",
            "1300050=0.00",
            "1300099=10.00"
        ]
    );

    // HTML: one page, its total on it; a re-run writes identical bytes.
    assert_eq!(
        w.tally(&["statements", "--month", "2017-12", "--out", "st"])
            .code,
        0
    );
    let page = std::fs::read(w.path().join("st/2017-12/1300008.html")).unwrap();
    let text = String::from_utf8(page.clone()).unwrap();
    assert!(
        text.contains("<td class=\"num\" id=\"total\">152.73</td>"),
        "{text}"
    );
    assert!(!text.contains("http"), "no network");
    assert_eq!(
        w.tally(&["statements", "--month", "2017-12", "--out", "st"])
            .code,
        0
    );
    assert_eq!(
        std::fs::read(w.path().join("st/2017-12/1300008.html")).unwrap(),
        page
    );

    // 1300099's fee ends: its statement goes, files tally did not write stay.
    w.write("st/2017-12/notes.txt", "mine");
    w.write(
        "prices.toml",
        PRICES.replace(
            "description = \"Support plan\"\namount = \"10.00\"",
            "description = \"Support plan\"\namount = \"10.00\"\nuntil = \"2017-11\"",
        ),
    );
    let r = w.tally(&["statements", "--month", "2017-12", "--out", "st"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .ends_with("; removed 1 for accounts no longer billed\n"),
        "{}",
        r.stdout
    );
    assert!(!w.path().join("st/2017-12/1300099.html").exists());
    assert!(
        w.path().join("st/2017-12/1300099.json").exists(),
        "another format's file stays"
    );
    assert!(w.path().join("st/2017-12/notes.txt").exists());

    // A second close carries its revision in the number.
    assert_eq!(w.tally(&["close", "2017-12", "--force"]).code, 0);
    assert_eq!(
        w.tally(&["reopen", "2017-12", "--reason", "fee ended"])
            .code,
        0
    );
    assert_eq!(w.tally(&["close", "2017-12", "--force"]).code, 0);
    assert_eq!(
        w.tally(&[
            "statements",
            "--month",
            "2017-12",
            "--out",
            "st",
            "--format",
            "json"
        ])
        .code,
        0
    );
    let one: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(w.path().join("st/2017-12/1300008.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(one["number"], "2017-12-1300008-r2");
}

/// The sell of one provider line under tests/data/prices.toml, computed here apart
/// from tally's SQL: the price rule where it applies, else the 25 % markup, to cents
/// half away from zero.
fn sell_by_hand(
    month: &str,
    product: &str,
    usage: Decimal,
    months: Decimal,
    rate: Decimal,
    charge: Decimal,
) -> Decimal {
    let cents = |d: Decimal| d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let price = match product {
        "Hosted Exchange" => Some(Decimal::new(900, 2)),
        "Office 365 Business Premium" if month >= "2019-01" => Some(Decimal::new(1650, 2)),
        _ => None,
    };
    match price {
        Some(p) if !usage.is_zero() && cents(usage * rate * months) == charge => {
            cents(usage * p * months)
        }
        _ => cents(charge * Decimal::new(125, 2)),
    }
}

#[test]
fn on_the_sandbox_world_statements_margin_and_a_hand_count_agree_and_a_close_holds() {
    let sb = sandbox(SandboxOptions::default());
    let w = Workdir::new();
    let sync = |w: &Workdir, url: String| {
        let mut cmd = w.keyed();
        cmd.args([
            "-q",
            "sync",
            "rackspace",
            "--no-contacts",
            "--requests-per-minute",
            "60000",
            "--base-url",
        ])
        .arg(url);
        crate::common::run(cmd)
    };
    assert_eq!(sync(&w, sb.sandbox().url()).code, 0);
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/prices.toml"),
        w.path().join("prices.toml"),
    )
    .unwrap();

    // Σ sell per month: margin against a hand count over every stored line, plus fees.
    let margin = w.query_report(&["margin", "--month", "all", "--format", "csv"]);
    let mut by_margin: BTreeMap<String, Decimal> = BTreeMap::new();
    for line in margin.lines().skip(1) {
        let f: Vec<&str> = line.rsplitn(4, ',').collect(); // pct, margin, sell, rest
        let month = line[..7].to_owned();
        *by_margin.entry(month).or_default() += f[2].parse::<Decimal>().unwrap();
    }
    let lines = w.query(
        "SELECT strftime(i.invoice_date, '%Y-%m') AS month, l.product, l.usage_change, l.months, l.rate, l.charge
           FROM line_items l JOIN invoices i USING (invoice_id)",
    );
    let mut by_hand: BTreeMap<String, Decimal> = BTreeMap::new();
    for line in lines.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let d = |i: usize| f[i].parse::<Decimal>().unwrap();
        *by_hand.entry(f[0].to_owned()).or_default() +=
            sell_by_hand(f[0], f[1], d(2), d(3), d(4), d(5));
    }
    let months_with_invoices =
        w.query("SELECT DISTINCT strftime(invoice_date, '%Y-%m') AS m FROM invoices");
    for m in months_with_invoices
        .lines()
        .skip(1)
        .filter(|m| *m >= "2019-01")
    {
        *by_hand.entry(m.to_owned()).or_default() += Decimal::new(4900, 2);
    }
    by_hand.retain(|_, v| !v.is_zero());
    by_margin.retain(|_, v| !v.is_zero());
    assert_eq!(by_margin, by_hand);

    // Σ statements = Σ margin's sell, for a month under each price era.
    for month in ["2018-06", "2019-12"] {
        let r = w.tally(&[
            "statements",
            "--month",
            month,
            "--out",
            "st",
            "--format",
            "json",
        ]);
        assert_eq!(r.code, 0, "{r:?}");
        let index: Vec<serde_json::Value> = serde_json::from_str(
            &std::fs::read_to_string(w.path().join(format!("st/{month}/index.json"))).unwrap(),
        )
        .unwrap();
        let total: Decimal = index
            .iter()
            .map(|s| s["total"].as_str().unwrap().parse::<Decimal>().unwrap())
            .sum();
        assert_eq!(total, by_margin[month], "{month}");
    }

    // Close the newest month; the provider then changes it (a credit, TotalDue follows).
    let r = w.tally(&["close", "2019-12"]);
    assert_eq!(r.code, 0, "{r:?}");
    let before = w.query_report(&["margin", "--month", "2019-12", "--format", "csv"]);
    let altered = sandbox(SandboxOptions {
        world: WorldOptions {
            altered: true,
            ..WorldOptions::default()
        },
        ..SandboxOptions::default()
    });
    assert_eq!(sync(&w, altered.sandbox().url()).code, 0);
    let findings = w.query_report(&["reconcile", "--month", "2019-12", "--format", "csv"]);
    let changed: Vec<&str> = findings
        .lines()
        .filter(|l| l.contains("closed_month_changed"))
        .collect();
    assert_eq!(changed.len(), 1, "{findings}");
    assert!(
        changed[0].contains(",closed revision 1: TotalDue 6412.56 -> 6402.56"),
        "{}",
        changed[0]
    );
    assert_eq!(
        w.query_report(&["margin", "--month", "2019-12", "--format", "csv"]),
        before
    );
}

/// The page as Chromium renders it (its DOM after load), headless, offline.
fn rendered(page: &Path, profile: &Path) -> Option<String> {
    let out = crate::common::chromium(profile, &["--dump-dom"], page)?;
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn a_statement_opens_in_chromium_with_the_json_total() {
    let w = Workdir::new();
    month_of_lines(&w);
    w.write("prices.toml", PRICES);
    for format in ["html", "json"] {
        let r = w.tally(&[
            "statements",
            "--month",
            "2017-12",
            "--out",
            "st",
            "--format",
            format,
        ]);
        assert_eq!(r.code, 0, "{r:?}");
    }
    let Some(dom) = rendered(
        &w.path().join("st/2017-12/1300008.html"),
        &w.path().join("chromium"),
    ) else {
        return;
    };
    let total = dom
        .split("id=\"total\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no total in the rendered page:\n{dom}"));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(w.path().join("st/2017-12/1300008.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(total, json["total"].as_str().unwrap());
    assert_eq!(total, "152.73");
    assert!(dom.contains("<h1>Statement 2017-12-1300008</h1>"), "{dom}");
}

#[test]
fn statements_for_some_accounts_leave_the_others_and_index_them_all() {
    let w = Workdir::new();
    month_of_lines(&w);
    w.write("prices.toml", PRICES);
    assert_eq!(
        w.tally(&[
            "statements",
            "--month",
            "2017-12",
            "--out",
            "st",
            "--format",
            "csv"
        ])
        .code,
        0
    );
    let r = w.tally(&[
        "statements",
        "--month",
        "2017-12",
        "--out",
        "st",
        "--format",
        "csv",
        "--account",
        "1300049",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "wrote 1 statement for 2017-12 into st/2017-12 (total 43.81 USD, excluding tax)\n"
    );
    for account in ["1300008", "1300049", "1300050", "1300099"] {
        assert!(
            w.path().join(format!("st/2017-12/{account}.csv")).exists(),
            "{account}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(w.path().join("st/2017-12/index.csv")).unwrap(),
        "number,account_no,name,total\n\
         2017-12-1300008,1300008,,152.73\n\
         2017-12-1300049,1300049,,43.81\n\
         2017-12-1300050,1300050,,0.00\n\
         2017-12-1300099,1300099,,10.00\n"
    );
    let one = std::fs::read_to_string(w.path().join("st/2017-12/1300049.csv")).unwrap();
    assert!(
        one.ends_with("2017-12-1300049,2017-12,1300049,Total,excluding tax,,,,,,43.81\n"),
        "{one}"
    );
    let r = w.tally(&[
        "statements",
        "--month",
        "2017-12",
        "--out",
        "st",
        "--account",
        "13OO049",
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: --account: expected an account number (digits only, e.g. 1100000); found \"13OO049\"\n"
    );
}

/// A month folder written by an earlier version lists its statements in
/// `.tally-statements.json`: they are taken into the folder's manifest (one no
/// longer billed is removed, a file tally did not write stays) and the old list
/// goes; a list that is not one is refused by name, and nothing is written.
#[test]
fn statements_take_over_the_manifest_of_an_earlier_version() {
    let w = Workdir::new();
    month_of_lines(&w);
    w.write("prices.toml", PRICES);
    w.write("st/2017-12/1309999.html", "an account billed before");
    w.write("st/2017-12/notes.txt", "mine");
    w.write(
        "st/2017-12/.tally-statements.json",
        r#"["1309999.html", "1300008.html", "index.html", "../escape.html"]"#,
    );
    w.write("st/escape.html", "not in the month folder");
    let r = w.tally(&["statements", "--month", "2017-12", "--out", "st"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .ends_with("; removed 1 for accounts no longer billed\n"),
        "{}",
        r.stdout
    );
    assert!(!w.path().join("st/2017-12/1309999.html").exists());
    assert!(!w.path().join("st/2017-12/.tally-statements.json").exists());
    assert!(w.path().join("st/2017-12/notes.txt").exists());
    assert!(
        w.path().join("st/escape.html").exists(),
        "never a path outside the folder"
    );
    let manifest = std::fs::read_to_string(w.path().join("st/.tally-manifest.json")).unwrap();
    assert!(manifest.contains("\"2017-12/1300008.html\""), "{manifest}");
    assert!(!manifest.contains("1309999"), "{manifest}");

    let w = Workdir::new();
    month_of_lines(&w);
    w.write("prices.toml", PRICES);
    w.write("st/2017-12/.tally-statements.json", "{not a list");
    let r = w.tally(&["statements", "--month", "2017-12", "--out", "st"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.ends_with(
            "error: st/2017-12/.tally-statements.json: not a tally statements manifest (invalid type: map, expected a sequence at line 1 column 0)\n"
        ),
        "{}",
        r.stderr
    );
    let written: Vec<_> = std::fs::read_dir(w.path().join("st/2017-12"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, [".tally-statements.json"], "nothing written");
    assert!(!w.path().join("st/.tally-manifest.json").exists());
}

/// A database as schema 6 left it, from one at the latest schema: the closed prints as
/// `line_hash` made them, no summary tables; then `edit` runs on it.
fn as_schema_6(w: &Workdir, edit: &str) {
    let conn = duckdb::Connection::open(w.db()).unwrap();
    conn.execute_batch(tally::report::STAGING).unwrap();
    conn.execute_batch(&format!(
        "UPDATE closed_invoices c SET lines_print =
             (SELECT coalesce(sum(line_hash(l)::HUGEINT), 0) FROM line_items l
               WHERE l.invoice_id = c.invoice_id);
         {edit};
         DROP TABLE invoice_sums; DROP TABLE account_sums; DROP TABLE product_sums;
         DROP TABLE line_checks; ALTER TABLE sync_runs DROP COLUMN pid;
             ALTER TABLE sync_runs DROP COLUMN last_write_at;
             ALTER TABLE customers DROP COLUMN reseller_account;
             ALTER TABLE contacts DROP COLUMN reseller_account;
             DELETE FROM schema_migrations WHERE version >= 7;"
    ))
    .unwrap();
}

#[test]
fn the_summaries_migration_keeps_a_closed_month_as_it_was_closed() {
    let w = Workdir::new();
    month_of_lines(&w);
    w.write("prices.toml", PRICES);
    assert_eq!(w.tally(&["close", "2017-12", "--force"]).code, 0);
    let changed = |w: &Workdir| {
        w.query_report(&["reconcile", "--month", "2017-12", "--format", "csv"])
            .lines()
            .filter(|l| l.contains("closed_month_changed"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert!(changed(&w).is_empty());
    // Upgraded with the lines as they were at the close: still unchanged.
    as_schema_6(&w, "SELECT 1");
    assert!(changed(&w).is_empty(), "{:?}", changed(&w));
    w.assert_summaries_in_step();
    // Upgraded after a line changed under schema 6: the change is still found.
    as_schema_6(
        &w,
        "UPDATE line_items SET charge = charge + 1 WHERE invoice_id = '7100' AND line_no = 1",
    );
    assert_eq!(
        changed(&w),
        [
            "error,closed_month_changed,2017-12,7100,,,closed revision 1: lines changed (9 -> 9 lines)"
        ]
    );
    w.assert_summaries_in_step();
}
