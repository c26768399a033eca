//! The price book: what the reseller charges its customers (prices per product and
//! per customer, markups, fixed monthly fees), read from a TOML file and checked
//! whole before anything runs. Every number is an exact decimal; a bad one is
//! refused with the file, line and key.

use std::ops::Range;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::amount::Amount;
use crate::ids::{AccountNumber, Currency};
use crate::month::Month;

/// A checked price book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceBook {
    pub path: PathBuf,
    /// The file as read, and its SHA-256 (for a closed month's record).
    pub text: String,
    pub sha256: String,
    pub currency: String,
    /// Sell = cost × (100 + percent) / 100 where no price applies.
    pub markup_percent: Decimal,
    /// Printed on statements.
    pub seller: String,
    pub prices: Vec<Price>,
    pub markups: Vec<Markup>,
    pub fees: Vec<Fee>,
    /// How statements go to an accounting system (`[accounting]`).
    pub accounting: Accounting,
}

/// The `[accounting]` table: what QuickBooks Online and Xero invoice imports need
/// that the provider's data does not give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accounting {
    /// QuickBooks `Terms` (default `Net 30`).
    pub terms: String,
    /// Days from the invoice date to the due date (default 30).
    pub due_days: u32,
    /// How dates are written (default `MM/DD/YYYY`).
    pub date_format: DateFormat,
    /// Xero `AccountCode` (default `200`, Xero's Sales account).
    pub account_code: String,
    /// Xero `TaxType` (default `Tax Exempt`).
    pub tax_type: String,
    /// The customer's name in the accounting system, per sub-account (else the
    /// provider's customer name).
    pub customers: Vec<(AccountNumber, String)>,
}

impl Default for Accounting {
    fn default() -> Accounting {
        Accounting {
            terms: "Net 30".into(),
            due_days: 30,
            date_format: DateFormat::MonthDayYear,
            account_code: "200".into(),
            tax_type: "Tax Exempt".into(),
            customers: Vec::new(),
        }
    }
}

/// A date layout both platforms accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// `MM/DD/YYYY` (US).
    MonthDayYear,
    /// `DD/MM/YYYY`.
    DayMonthYear,
    /// `YYYY-MM-DD`.
    Iso,
}

impl DateFormat {
    pub const NAMES: [&str; 3] = ["MM/DD/YYYY", "DD/MM/YYYY", "YYYY-MM-DD"];

    pub fn format(self, date: chrono::NaiveDate) -> String {
        date.format(match self {
            DateFormat::MonthDayYear => "%m/%d/%Y",
            DateFormat::DayMonthYear => "%d/%m/%Y",
            DateFormat::Iso => "%Y-%m-%d",
        })
        .to_string()
    }
}

/// A sell price per seat-month for a product (for one customer, or for all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    pub product: String,
    pub account: Option<AccountNumber>,
    pub rate: Decimal,
    /// The first billing month it applies to (`None`: always).
    pub from: Option<Month>,
}

/// A customer's own markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markup {
    pub account: AccountNumber,
    pub percent: Decimal,
}

/// A fixed monthly line on a customer's statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fee {
    pub account: AccountNumber,
    pub description: String,
    pub amount: Decimal,
    pub from: Option<Month>,
    /// The last month it applies to, inclusive (`None`: open).
    pub until: Option<Month>,
}

/// Why a price book was refused: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}{message}", .path.display(), .place.as_ref().map(|p| format!("{p}: ")).unwrap_or_default())]
pub struct PriceBookError {
    pub path: PathBuf,
    /// "line L, key K" when known.
    pub place: Option<String>,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    currency: Option<Spanned<String>>,
    markup_percent: Option<Spanned<String>>,
    seller: Option<String>,
    #[serde(default)]
    price: Vec<Spanned<PriceIn>>,
    #[serde(default)]
    markup: Vec<Spanned<MarkupIn>>,
    #[serde(default)]
    fee: Vec<Spanned<FeeIn>>,
    accounting: Option<AccountingIn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountingIn {
    terms: Option<Spanned<String>>,
    due_days: Option<Spanned<i64>>,
    date_format: Option<Spanned<String>>,
    account_code: Option<Spanned<String>>,
    tax_type: Option<Spanned<String>>,
    #[serde(default)]
    customers: std::collections::BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceIn {
    product: String,
    account: Option<Spanned<String>>,
    rate: Spanned<String>,
    from: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkupIn {
    account: Spanned<String>,
    percent: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeeIn {
    account: Spanned<String>,
    description: String,
    amount: Spanned<String>,
    from: Option<Spanned<String>>,
    until: Option<Spanned<String>>,
}

/// Reads a price book's parts, each error placed by line and key.
struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Reader<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        self.text[..span.start.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    fn error(&self, span: &Range<usize>, key: &str, message: String) -> PriceBookError {
        PriceBookError {
            path: self.path.to_owned(),
            place: Some(format!("line {}, key {key}", self.line(span))),
            message,
        }
    }

    /// A plain decimal (`9.00`, `25`), not negative.
    fn amount(&self, value: &Spanned<String>, key: &str) -> Result<Decimal, PriceBookError> {
        let amount = Amount::parse(value.get_ref()).map_err(|_| {
            self.error(
                &value.span(),
                key,
                format!(
                    "expected a plain decimal such as 9.00; found \"{}\"",
                    value.get_ref()
                ),
            )
        })?;
        if amount.as_decimal().is_sign_negative() && !amount.as_decimal().is_zero() {
            return Err(self.error(
                &value.span(),
                key,
                format!("must not be negative; found {}", value.get_ref()),
            ));
        }
        Ok(amount.as_decimal())
    }

    fn account(&self, value: &Spanned<String>) -> Result<AccountNumber, PriceBookError> {
        AccountNumber::parse(value.get_ref())
            .map_err(|e| self.error(&value.span(), "account", e.to_string()))
    }

    fn month(
        &self,
        value: &Option<Spanned<String>>,
        key: &str,
    ) -> Result<Option<Month>, PriceBookError> {
        value
            .as_ref()
            .map(|v| {
                v.get_ref()
                    .parse::<Month>()
                    .map_err(|e| self.error(&v.span(), key, e.to_string()))
            })
            .transpose()
    }
}

impl Reader<'_> {
    /// A text setting: not blank, no control character, at most `max` characters.
    fn text(
        &self,
        value: &Option<Spanned<String>>,
        key: &str,
        max: usize,
        default: &str,
    ) -> Result<String, PriceBookError> {
        let Some(v) = value else {
            return Ok(default.to_owned());
        };
        let text = v.get_ref().trim();
        if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
            return Err(self.error(
                &v.span(),
                key,
                format!(
                    "expected 1 to {max} printable characters; found \"{}\"",
                    v.get_ref()
                ),
            ));
        }
        Ok(text.to_owned())
    }

    fn accounting(&self, a: &AccountingIn) -> Result<Accounting, PriceBookError> {
        let defaults = Accounting::default();
        let due_days = match &a.due_days {
            None => defaults.due_days,
            Some(d) => u32::try_from(*d.get_ref())
                .ok()
                .filter(|d| *d <= 365)
                .ok_or_else(|| {
                    self.error(
                        &d.span(),
                        "due_days",
                        format!("expected 0 to 365 days; found {}", d.get_ref()),
                    )
                })?,
        };
        let date_format = match &a.date_format {
            None => defaults.date_format,
            Some(f) => match f.get_ref().as_str() {
                "MM/DD/YYYY" => DateFormat::MonthDayYear,
                "DD/MM/YYYY" => DateFormat::DayMonthYear,
                "YYYY-MM-DD" => DateFormat::Iso,
                other => {
                    return Err(self.error(
                        &f.span(),
                        "date_format",
                        format!(
                            "expected one of {}; found \"{other}\"",
                            DateFormat::NAMES.join(", ")
                        ),
                    ));
                }
            },
        };
        let mut customers = Vec::new();
        for (account, name) in &a.customers {
            let account = self.account(account)?;
            let name = self.text(&Some(name.clone()), "customers", 100, "")?;
            customers.push((account, name));
        }
        Ok(Accounting {
            terms: self.text(&a.terms, "terms", 31, &defaults.terms)?,
            due_days,
            date_format,
            account_code: self.text(&a.account_code, "account_code", 10, &defaults.account_code)?,
            tax_type: self.text(&a.tax_type, "tax_type", 50, &defaults.tax_type)?,
            customers,
        })
    }
}

impl PriceBook {
    /// The customer name the accounting system knows `account` by: the
    /// `[accounting.customers]` entry, else `fallback` (the provider's name).
    pub fn customer_name(&self, account: &str, fallback: Option<&str>) -> Option<String> {
        self.accounting
            .customers
            .iter()
            .find(|(a, _)| a.as_str() == account)
            .map(|(_, name)| name.clone())
            .or_else(|| {
                fallback
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
            })
    }

    /// Reads and checks the price book at `path`.
    pub fn load(path: &Path) -> Result<PriceBook, PriceBookError> {
        let whole = |message: String| PriceBookError {
            path: path.to_owned(),
            place: None,
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| whole(format!("cannot read: {e}")))?;
        PriceBook::parse(path, &text)
    }

    /// Checks `text` as the price book of `path`.
    pub fn parse(path: &Path, text: &str) -> Result<PriceBook, PriceBookError> {
        let r = Reader { path, text };
        let file: File = toml::from_str(text).map_err(|e| {
            let place = e.span().map(|span| {
                let line = r.line(&span);
                let key = text
                    .lines()
                    .nth(line - 1)
                    .and_then(|l| l.split_once('='))
                    .map(|(k, _)| k.trim().to_owned())
                    .filter(|k| !k.is_empty() && !k.starts_with('['));
                match key {
                    Some(key) => format!("line {line}, key {key}"),
                    None => format!("line {line}"),
                }
            });
            PriceBookError {
                path: path.to_owned(),
                place,
                message: e.message().lines().next().unwrap_or("").trim().to_owned(),
            }
        })?;
        let currency = match &file.currency {
            None => Currency::default().to_string(),
            Some(c) => c
                .get_ref()
                .trim()
                .parse::<Currency>()
                .map_err(|e| r.error(&c.span(), "currency", e.to_string()))?
                .to_string(),
        };
        let markup_percent = match &file.markup_percent {
            None => Decimal::ZERO,
            Some(p) => r.amount(p, "markup_percent")?,
        };
        let mut prices: Vec<(Price, Range<usize>)> = Vec::new();
        for entry in &file.price {
            let p = entry.get_ref();
            let price = Price {
                product: p.product.clone(),
                account: p.account.as_ref().map(|a| r.account(a)).transpose()?,
                rate: r.amount(&p.rate, "rate")?,
                from: r.month(&p.from, "from")?,
            };
            if let Some((_, first)) = prices.iter().find(|(q, _)| {
                q.product == price.product && q.account == price.account && q.from == price.from
            }) {
                return Err(r.error(
                    &entry.span(),
                    "price",
                    format!(
                        "a second price for {}{} from {} (the first is on line {}); keep one",
                        price.product,
                        price
                            .account
                            .as_ref()
                            .map(|a| format!(" and account {a}"))
                            .unwrap_or_default(),
                        price.from.map_or("the start".to_owned(), |m| m.to_string()),
                        r.line(first)
                    ),
                ));
            }
            prices.push((price, entry.span()));
        }
        let mut markups: Vec<(Markup, Range<usize>)> = Vec::new();
        for entry in &file.markup {
            let m = entry.get_ref();
            let markup = Markup {
                account: r.account(&m.account)?,
                percent: r.amount(&m.percent, "percent")?,
            };
            if let Some((_, first)) = markups.iter().find(|(q, _)| q.account == markup.account) {
                return Err(r.error(
                    &entry.span(),
                    "markup",
                    format!(
                        "a second markup for account {} (the first is on line {}); keep one",
                        markup.account,
                        r.line(first)
                    ),
                ));
            }
            markups.push((markup, entry.span()));
        }
        let mut fees = Vec::new();
        for entry in &file.fee {
            let f = entry.get_ref();
            let fee = Fee {
                account: r.account(&f.account)?,
                description: f.description.clone(),
                amount: r.amount(&f.amount, "amount")?,
                from: r.month(&f.from, "from")?,
                until: r.month(&f.until, "until")?,
            };
            if let (Some(from), Some(until), Some(span)) = (fee.from, fee.until, &f.until)
                && until < from
            {
                return Err(r.error(
                    &span.span(),
                    "until",
                    format!("{until} is before from = {from}"),
                ));
            }
            fees.push(fee);
        }
        let accounting = match &file.accounting {
            None => Accounting::default(),
            Some(a) => r.accounting(a)?,
        };
        Ok(PriceBook {
            accounting,
            path: path.to_owned(),
            sha256: Sha256::digest(text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            text: text.to_owned(),
            currency,
            markup_percent,
            seller: file.seller.unwrap_or_default(),
            prices: prices.into_iter().map(|(p, _)| p).collect(),
            markups: markups.into_iter().map(|(m, _)| m).collect(),
            fees,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"currency = "USD"
markup_percent = "25"
seller = "Northwind IT, 1 Main St, Springfield"

[[price]]
product = "Hosted Exchange"
rate = "9.00"
from = "2019-01"

[[price]]
product = "Hosted Exchange"
account = "1300008"
rate = "8.50"

[[markup]]
account = "1300049"
percent = "10"

[[fee]]
account = "1300008"
description = "Managed backup"
amount = "49.00"
from = "2019-06"
until = "2020-05"
"#;

    fn parse(text: &str) -> Result<PriceBook, String> {
        PriceBook::parse(Path::new("prices.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn the_documented_example_reads_exactly() {
        let book = parse(EXAMPLE).unwrap();
        assert_eq!(book.currency, "USD");
        assert_eq!(book.markup_percent, Decimal::new(25, 0));
        assert_eq!(book.prices.len(), 2);
        assert_eq!(book.prices[1].rate, Decimal::new(850, 2));
        assert_eq!(book.prices[1].account.as_ref().unwrap().as_str(), "1300008");
        assert_eq!(book.prices[0].from, Some("2019-01".parse().unwrap()));
        assert_eq!(book.markups[0].percent, Decimal::new(10, 0));
        assert_eq!(book.fees[0].until, Some("2020-05".parse().unwrap()));
        assert_eq!(book.sha256.len(), 64);
    }

    #[test]
    fn bad_books_are_refused_by_line_and_key() {
        let cases = [
            (
                EXAMPLE.replace("rate = \"9.00\"", "rate = \"9,00\""),
                "prices.toml: line 7, key rate: expected a plain decimal such as 9.00; found \"9,00\"",
            ),
            (
                EXAMPLE.replace("rate = \"8.50\"", "rate = \"-8.50\""),
                "prices.toml: line 13, key rate: must not be negative; found -8.50",
            ),
            (
                EXAMPLE.replace("percent = \"10\"", "percent = \"-10\""),
                "prices.toml: line 17, key percent: must not be negative; found -10",
            ),
            (
                EXAMPLE.replace("until = \"2020-05\"", "until = \"2019-05\""),
                "prices.toml: line 24, key until: 2019-05 is before from = 2019-06",
            ),
            (
                EXAMPLE.replace("account = \"1300049\"", "account = \"13OOO49\""),
                "prices.toml: line 16, key account: expected an account number (digits only, e.g. 1100000); found \"13OOO49\"",
            ),
            (
                EXAMPLE.replace("from = \"2019-01\"", "from = \"2019-13\""),
                "prices.toml: line 8, key from: expected a month as YYYY-MM, e.g. 2024-01; found \"2019-13\"",
            ),
            (
                format!(
                    "{EXAMPLE}\n[[price]]\nproduct = \"Hosted Exchange\"\nrate = \"9.50\"\nfrom = \"2019-01\"\n"
                ),
                "prices.toml: line 26, key price: a second price for Hosted Exchange from 2019-01 (the first is on line 5); keep one",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(&text).unwrap_err(), expected);
        }
        let unknown = parse(&EXAMPLE.replace("seller =", "sellr =")).unwrap_err();
        assert!(
            unknown.starts_with("prices.toml: line 3, key sellr: unknown field `sellr`"),
            "{unknown}"
        );
    }
}
