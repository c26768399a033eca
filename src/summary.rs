//! What the reports need to know of an invoice's lines, computed once when the
//! invoice is stored (`store::summaries` writes it in the same transaction as the
//! lines): sums per invoice, per sub-account (and domain), per product, and each
//! line's checks (the provider's months and charge recomputed,
//! a credit, the same line twice, a value no real bill holds).
//!
//! All arithmetic is on integers counting 1/10⁴ (the stored scale) in `i128`:
//! exact, and no sum or product of valid lines overflows; the provider's months and
//! charge are `proration`'s.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDateTime;

use crate::parse::LineItem;
use crate::proration::{UNIT, billed_months_units, charge_units};

/// A stored value beyond which a line is implausible (`abs(value) > bound`, in units).
const MONTHS_BOUND: i128 = 120 * UNIT;
const USAGE_BOUND: i128 = 1_000_000 * UNIT;
const RATE_BOUND: i128 = 100_000 * UNIT;
const CHARGE_BOUND: i128 = 100_000_000 * UNIT;

/// Sums over one invoice's lines (amounts in 1/10⁴).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceSums {
    pub lines: i64,
    pub charge: i128,
    pub latest_start: NaiveDateTime,
    /// Σ and XOR of [`line_print`] over the lines: equal for two invoices with the
    /// same lines in any order.
    pub print_sum: i128,
    pub print_xor: u64,
}

/// Sums over one sub-account's lines of one domain (lowercased: how MailRoute
/// names match) on an invoice; a sub-account usually bills one domain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSums<'a> {
    /// The domain as written (the least, if it is written several ways).
    pub domain: &'a str,
    pub lines: i64,
    pub first_line: u32,
    pub charge: i128,
    /// Σ charge of Renewal lines not negative.
    pub renewal: i128,
    /// Σ charge of other lines not negative.
    pub partial: i128,
    /// Σ charge of negative lines.
    pub negative: i128,
    /// Σ current usage of Renewal lines.
    pub seats: i128,
}

/// Sums over one product's lines on an invoice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductSums {
    /// Distinct sub-accounts billed for it.
    pub accounts: i64,
    pub lines: i64,
    pub charge: i128,
    /// Σ charge of Renewal lines.
    pub renewal_charge: i128,
    /// Σ current usage of Renewal lines.
    pub seats: i128,
}

/// A line the checks have something to say of, with what was computed for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineCheck {
    /// Its index in the invoice's lines.
    pub index: usize,
    /// Billed months from the service dates.
    pub computed_months: i128,
    /// usage change × rate × months as billed, to the cent (None: a factor too large).
    pub expected_charge: Option<i128>,
    /// usage change × rate × computed months, to the cent.
    pub recomputed_charge: Option<i128>,
    /// The first line of the invoice with every field equal (but the line number).
    pub duplicate_of: Option<u32>,
    pub arithmetic_off: bool,
    pub months_off: bool,
    pub credit: bool,
    pub implausible: bool,
}

/// Everything the reports need of one invoice's lines (borrowing their text);
/// `None` sums for no lines. Sub-accounts and products in the order they first
/// appear.
#[derive(Debug, Clone, Default)]
pub struct Summary<'a> {
    pub invoice: Option<InvoiceSums>,
    /// Keyed by (account, lowercased domain).
    pub accounts: Vec<((&'a str, Cow<'a, str>), AccountSums<'a>)>,
    pub products: Vec<(&'a str, ProductSums)>,
    pub checks: Vec<LineCheck>,
}

#[cfg(test)]
impl<'a> Summary<'a> {
    /// The sums of one sub-account and lowercased domain.
    pub fn account(&self, account: &str, domain_key: &str) -> Option<&AccountSums<'a>> {
        self.accounts
            .iter()
            .find(|((a, d), _)| *a == account && d == domain_key)
            .map(|(_, sums)| sums)
    }

    /// The sums of one product.
    pub fn product(&self, product: &str) -> Option<&ProductSums> {
        self.products
            .iter()
            .find(|(p, _)| *p == product)
            .map(|(_, sums)| sums)
    }
}

/// A quick hash for the maps of one invoice (keys are the invoice's own fields,
/// not chosen by anyone to collide): FxHash's multiply-rotate over 8-byte words.
#[derive(Default)]
struct Quick(u64);

impl Hasher for Quick {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let mut last = [0u8; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(last) ^ bytes.len() as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Quick {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type QuickMap<K, V> = HashMap<K, V, BuildHasherDefault<Quick>>;

/// The index of each key's row in a vector of rows, so rows keep the order their
/// keys first appear in.
struct Rows<K, V> {
    index: QuickMap<K, usize>,
    rows: Vec<(K, V)>,
}

impl<K: std::hash::Hash + Eq + Clone, V> Rows<K, V> {
    fn new() -> Self {
        Rows {
            index: QuickMap::default(),
            rows: Vec::new(),
        }
    }

    /// The row of `key`, made with `make` if it has none yet.
    fn row(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let at = match self.index.entry(key) {
            Entry::Occupied(at) => *at.get(),
            Entry::Vacant(slot) => {
                let at = self.rows.len();
                self.rows.push((slot.key().clone(), make()));
                slot.insert(at);
                at
            }
        };
        &mut self.rows[at].1
    }
}

/// The first line of each print, and (for the rare prints two different lines
/// share) the first line of each line: finds a line seen before on the invoice.
#[derive(Default)]
struct Seen<'a> {
    by_print: QuickMap<u64, &'a LineItem>,
    collided: QuickMap<LineKey<'a>, u32>,
}

impl<'a> Seen<'a> {
    /// The line number of the first line equal to `item` (all but the line
    /// number), or `None` if this is the first.
    fn first_of(&mut self, item: &'a LineItem, print: u64) -> Option<u32> {
        match self.by_print.entry(print) {
            Entry::Vacant(slot) => {
                slot.insert(item);
                None
            }
            Entry::Occupied(first) if LineKey(first.get()) == LineKey(item) => {
                Some(first.get().line_no)
            }
            Entry::Occupied(_) => match self.collided.entry(LineKey(item)) {
                Entry::Occupied(first) => Some(*first.get()),
                Entry::Vacant(slot) => {
                    slot.insert(item.line_no);
                    None
                }
            },
        }
    }
}

/// Summarises one invoice's lines (in their file order).
pub fn summarize(items: &[LineItem]) -> Summary<'_> {
    let mut summary = Summary::default();
    let mut months_of: QuickMap<(NaiveDateTime, NaiveDateTime), i128> = QuickMap::default();
    let mut seen = Seen::default();
    seen.by_print.reserve(items.len());
    let mut billed: HashSet<(&str, &str), BuildHasherDefault<Quick>> = HashSet::default();
    let mut accounts: Rows<(&str, Cow<'_, str>), AccountSums<'_>> = Rows::new();
    let mut products: Rows<&str, ProductSums> = Rows::new();
    for (index, item) in items.iter().enumerate() {
        let [term, current, usage, months, rate, charge] = amounts(item);
        let renewal = item.line_type.as_str() == "Renewal";
        let print = line_print(item);
        let invoice = summary.invoice.get_or_insert(InvoiceSums {
            lines: 0,
            charge: 0,
            latest_start: item.service_start,
            print_sum: 0,
            print_xor: 0,
        });
        invoice.lines += 1;
        invoice.charge += charge;
        invoice.latest_start = invoice.latest_start.max(item.service_start);
        invoice.print_sum += i128::from(print);
        invoice.print_xor ^= print;

        // Lowercased only when it could change (it allocates).
        let domain_key =
            if item.domain.is_ascii() && !item.domain.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Borrowed(item.domain.as_str())
            } else {
                Cow::Owned(item.domain.to_lowercase())
            };
        let account = accounts.row((item.account_no.as_str(), domain_key), || AccountSums {
            domain: &item.domain,
            first_line: item.line_no,
            ..AccountSums::default()
        });
        if item.domain.as_str() < account.domain {
            account.domain = &item.domain;
        }
        account.lines += 1;
        account.first_line = account.first_line.min(item.line_no);
        account.charge += charge;
        match (charge < 0, renewal) {
            (true, _) => account.negative += charge,
            (false, true) => account.renewal += charge,
            (false, false) => account.partial += charge,
        }
        if renewal {
            account.seats += current;
        }

        let product = products.row(item.product.as_str(), ProductSums::default);
        if billed.insert((&item.product, &item.account_no)) {
            product.accounts += 1;
        }
        product.lines += 1;
        product.charge += charge;
        if renewal {
            product.renewal_charge += charge;
            product.seats += current;
        }

        let computed_months = *months_of
            .entry((item.service_start, item.service_end))
            .or_insert_with(|| billed_months_units(item.service_start, item.service_end));
        let expected_charge = charge_units(usage, rate, months);
        let credit = usage == 0 && charge < 0;
        let duplicate_of = seen.first_of(item, print);
        let check = LineCheck {
            index,
            computed_months,
            expected_charge,
            recomputed_charge: charge_units(usage, rate, computed_months),
            duplicate_of,
            arithmetic_off: expected_charge.is_some_and(|e| e != charge) && !credit,
            months_off: months != computed_months,
            credit,
            implausible: months.abs() > MONTHS_BOUND
                || usage.abs() > USAGE_BOUND
                || current.abs() > USAGE_BOUND
                || term.abs() > USAGE_BOUND
                || rate.abs() > RATE_BOUND
                || charge.abs() > CHARGE_BOUND,
        };
        let partial_period = months != UNIT;
        if partial_period
            || check.arithmetic_off
            || check.months_off
            || check.credit
            || check.duplicate_of.is_some()
            || check.implausible
        {
            summary.checks.push(check);
        }
    }
    summary.accounts = accounts.rows;
    summary.products = products.rows;
    summary
}

/// term committed usage, current usage, usage change, months, rate, charge in 1/10⁴.
fn amounts(item: &LineItem) -> [i128; 6] {
    [
        item.term_committed_usage,
        item.current_usage,
        item.usage_change,
        item.months,
        item.rate,
        item.charge,
    ]
    .map(|a| i128::from(a.to_scaled_i64()))
}

/// Every field of a line but its line number, compared exactly.
struct LineKey<'a>(&'a LineItem);

impl LineKey<'_> {
    #[allow(clippy::type_complexity)]
    fn fields(
        &self,
    ) -> (
        &str,
        &str,
        &str,
        &str,
        &str,
        NaiveDateTime,
        NaiveDateTime,
        [i64; 6],
    ) {
        let i = self.0;
        (
            &i.account_no,
            &i.reference_no,
            &i.domain,
            &i.product,
            i.line_type.as_str(),
            i.service_start,
            i.service_end,
            amounts(i).map(|a| a as i64),
        )
    }
}

impl PartialEq for LineKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.fields() == other.fields()
    }
}

impl Eq for LineKey<'_> {}

impl std::hash::Hash for LineKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.fields().hash(state);
    }
}

/// A line's print: FNV-1a (64 bit) over every field but the line number, each
/// field's bytes followed by a 0xFF separator (amounts as their integer count of
/// 1/10⁴, times as seconds and nanoseconds). Fixed, so prints stored in one run
/// compare with prints computed in another.
pub fn line_print(item: &LineItem) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes.iter().chain(&[0xFF]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
    };
    for text in [
        &item.account_no,
        &item.reference_no,
        &item.domain,
        &item.product,
    ] {
        feed(text.as_bytes());
    }
    feed(item.line_type.as_str().as_bytes());
    for at in [item.service_start, item.service_end] {
        let utc = at.and_utc();
        feed(&utc.timestamp().to_le_bytes());
        feed(&utc.timestamp_subsec_nanos().to_le_bytes());
    }
    for a in amounts(item) {
        feed(&(a as i64).to_le_bytes());
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::Amount;
    use crate::parse::{LineType, parse_service_date};

    fn line(line_no: u32, account: &str, product: &str, months: &str, charge: &str) -> LineItem {
        LineItem {
            line_no,
            account_no: account.to_owned(),
            reference_no: String::new(),
            domain: "Example.com".to_owned(),
            product: product.to_owned(),
            line_type: LineType::from_text(if months == "1" { "Renewal" } else { "Upgrade" }),
            service_start: parse_service_date("11/6/2017 7:54:44 PM").unwrap(),
            service_end: parse_service_date("11/30/2017 11:59:59 PM").unwrap(),
            term_committed_usage: Amount::parse("29").unwrap(),
            current_usage: Amount::parse("31").unwrap(),
            usage_change: Amount::parse("2").unwrap(),
            months: Amount::parse(months).unwrap(),
            rate: Amount::parse("7").unwrap(),
            charge: Amount::parse(charge).unwrap(),
        }
    }

    #[test]
    fn the_documented_upgrade_checks_out() {
        // API-NOTES: 2 × 7 × 0.81 = 11.34, months 0.81 from the service dates.
        let items = [line(1, "a", "p", "0.81", "11.34")];
        let s = summarize(&items);
        let c = &s.checks[0];
        assert_eq!(c.computed_months, 8_100);
        assert_eq!(c.expected_charge, Some(113_400));
        assert!(!c.arithmetic_off && !c.months_off && !c.credit && !c.implausible);
        assert_eq!(s.invoice.unwrap().charge, 113_400);
    }

    #[test]
    fn findings_and_sums_by_hand() {
        let items = [
            line(1, "a", "p", "0.81", "11.34"),
            line(2, "a", "p", "0.81", "11.34"), // the same line twice
            line(3, "b", "q", "0.80", "11.20"), // months off, arithmetic right
            line(4, "b", "q", "0.81", "11.35"), // a cent off
        ];
        let s = summarize(&items);
        let by_index: Vec<_> = s
            .checks
            .iter()
            .map(|c| (c.index, c.duplicate_of, c.months_off, c.arithmetic_off))
            .collect();
        assert_eq!(
            by_index,
            [
                (0, None, false, false),
                (1, Some(1), false, false),
                (2, None, true, false),
                (3, None, false, true)
            ]
        );
        let account = |a: &str| s.account(a, "example.com").unwrap();
        assert_eq!(account("a").lines, 2);
        assert_eq!(account("b").partial, 112_000 + 113_500);
        assert_eq!(account("b").first_line, 3);
        assert_eq!(account("a").domain, "Example.com");
        assert_eq!(
            (
                s.product("q").unwrap().charge,
                s.product("q").unwrap().accounts
            ),
            (225_500, 1)
        );
        assert_eq!(s.product("p").unwrap().lines, 2);
        let invoice = s.invoice.unwrap();
        assert_eq!((invoice.lines, invoice.charge), (4, 113_400 * 2 + 225_500));
        // Same lines, other order: same print.
        let mut reversed = items.clone();
        reversed.reverse();
        let again = summarize(&reversed).invoice.unwrap();
        assert_eq!(
            (again.print_sum, again.print_xor),
            (invoice.print_sum, invoice.print_xor)
        );
    }

    #[test]
    fn a_line_seen_before_is_found_even_when_prints_collide() {
        let (a, b) = (line(1, "a", "p", "1", "14"), line(2, "b", "p", "1", "14"));
        let (a_again, b_again) = (
            LineItem {
                line_no: 3,
                ..a.clone()
            },
            LineItem {
                line_no: 4,
                ..b.clone()
            },
        );
        let mut seen = Seen::default();
        // Every line given the same print: the lines themselves decide.
        assert_eq!(seen.first_of(&a, 42), None);
        assert_eq!(seen.first_of(&b, 42), None);
        assert_eq!(seen.first_of(&a_again, 42), Some(1));
        assert_eq!(seen.first_of(&b_again, 42), Some(2));
        // With their own prints, as summarize computes them.
        let items = [a.clone(), b.clone(), a_again.clone(), b_again.clone()];
        let duplicates: Vec<_> = summarize(&items)
            .checks
            .iter()
            .map(|c| (c.index, c.duplicate_of))
            .collect();
        assert_eq!(
            duplicates,
            [(0, None), (1, None), (2, Some(1)), (3, Some(2))]
        );
    }
}
