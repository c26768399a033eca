//! A reseller's generated history: sub-accounts arriving and leaving, their
//! contacts, and one invoice a month whose line items (renewals, prorated upgrades,
//! downgrades and cancellations as negative lines) obey the provider's arithmetic
//! exactly. The first 18 months' invoices have no CSV (`CsvAvailable: false`, as
//! the provider's before July 2017); one later invoice claims a CSV but 404s, as
//! the real API sometimes does. [`WorldOptions::as_of`] dates a world so that its
//! last invoice is the month before a given one (the command line: today's month).
//!
//! Two sizes ([`WorldSize`]): the small clean world of most tests, and a large messy
//! one as a big reseller's data is ([`WorldOptions::large`]): about 2,000
//! sub-accounts, invoices of several thousand lines, lines the provider bills
//! twice, non-ASCII product and customer names, internationalised domains
//! (`bücher.example`), reference numbers that look like spreadsheet formulas,
//! credits larger than a customer's month, and months with prorations on most
//! lines. Every line still obeys the provider's arithmetic but the credits
//! (usage change 0, a negative charge), and each TotalDue is its lines' sum.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rust_decimal::Decimal;

use super::rng::Rng;
use crate::amount::Amount;
use crate::parse::{HEADER_LINE, LineItem, LineType};
use crate::proration::{billed_months, charge};

/// The products sold, with their monthly rate per seat.
const PRODUCTS: [(&str, &str); 5] = [
    ("Rackspace Email", "2.99"),
    ("Rackspace Email Archiving", "3.5"),
    ("Hosted Exchange", "7"),
    ("Office 365 Business Essentials", "7"),
    ("Office 365 Business Premium", "14"),
];

/// Every product: the clean world sells the first five, the messy world all (the
/// last four named as a European or Asian reseller's catalogue writes them).
const ALL_PRODUCTS: [(&str, &str); 9] = [
    PRODUCTS[0],
    PRODUCTS[1],
    PRODUCTS[2],
    PRODUCTS[3],
    PRODUCTS[4],
    ("Büro Mail", "3.25"),
    ("Exchange – 50 GB", "9.5"),
    ("Archivierung für E-Mail", "1.75"),
    ("メール Plus", "4.2"),
];

/// Customer names of the messy world (every seventh customer's, in turn).
const MESSY_NAMES: [&str; 6] = [
    "Bücher & Söhne",
    "Café Zürich",
    "Łódź Dental",
    "Ñandú Viajes",
    "Øresund Shipping",
    "Straßenbau Köln",
];

/// Reference numbers of the messy world that a spreadsheet would take for a formula.
const FORMULA_REFERENCES: [&str; 5] = [
    "=1+2",
    "=HYPERLINK(\"x\")",
    "+15550100",
    "-PO-17",
    "@SUM(A1)",
];

/// How many months from the world's first have no line-item CSV (the fixed world:
/// January 2016 to June 2017, as the provider's invoices before July 2017).
const MONTHS_WITHOUT_CSV: u32 = 18;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorldOptions {
    pub seed: u64,
    /// How many sub-accounts ever exist.
    pub customers: usize,
    /// The first billing month, and how many months of invoices.
    pub first_month: (i32, u32),
    pub months: u32,
    /// Inject one of each reconcile finding kind (see [`Anomaly`]).
    pub anomalies: bool,
    /// A past invoice changed after the fact: the newest invoice with a CSV gets a
    /// credit line of −10.00 (Hosted Exchange, its first sub-account) and its TotalDue
    /// follows (what `closed_month_changed` must notice).
    pub altered: bool,
    /// Real data's mess (the large world's): see the module's doc.
    pub messy: bool,
    /// The reseller's own account number, [`RESELLER_ACCOUNTS`]: each numbers its
    /// sub-accounts and invoices apart, so worlds of two reseller accounts can be
    /// synced into one file without sharing an account or an invoice id.
    pub reseller_account: u32,
}

/// The reseller account numbers a world may have: 1100000 (the default) to 1100009.
pub const RESELLER_ACCOUNTS: std::ops::RangeInclusive<u32> = 1_100_000..=1_100_009;

/// The two worlds: small and clean (the default), or large and messy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WorldSize {
    #[default]
    Small,
    Large,
}

impl std::str::FromStr for WorldSize {
    type Err = String;

    fn from_str(text: &str) -> Result<WorldSize, String> {
        match text {
            "small" => Ok(WorldSize::Small),
            "large" => Ok(WorldSize::Large),
            other => Err(format!("expected small or large, found {other:?}")),
        }
    }
}

impl WorldOptions {
    /// The default world dated so that its last invoice is the month before
    /// `month` (the sandbox as of that month): `months` invoices ending there.
    pub fn as_of(month: crate::month::Month, months: u32) -> WorldOptions {
        WorldOptions::default().dated(month, months)
    }

    /// The world of `size`, at the fixed date of the tests.
    pub fn of(size: WorldSize) -> WorldOptions {
        match size {
            WorldSize::Small => WorldOptions::default(),
            WorldSize::Large => WorldOptions::large(),
        }
    }

    /// The large, messy world: 2,000 sub-accounts over 30 months from January 2016
    /// (the last 12 with line-item CSVs, one of which 404s), several thousand lines
    /// an invoice.
    pub fn large() -> WorldOptions {
        WorldOptions {
            customers: 2_000,
            months: 30,
            messy: true,
            ..WorldOptions::default()
        }
    }

    /// These options with `months` invoices, the last the month before `month`.
    pub fn dated(self, month: crate::month::Month, months: u32) -> WorldOptions {
        let first = month.first_day() - chrono::Months::new(months);
        WorldOptions {
            first_month: (first.year(), first.month()),
            months,
            ..self
        }
    }

    /// How far this world's numbers are from the default reseller's (0 to 9).
    fn numbering(&self) -> u64 {
        u64::from(
            self.reseller_account
                .saturating_sub(*RESELLER_ACCOUNTS.start()),
        )
    }

    /// The products sold, with their monthly rate per seat.
    fn products(&self) -> &'static [(&'static str, &'static str)] {
        if self.messy { &ALL_PRODUCTS } else { &PRODUCTS }
    }

    /// The month of the first invoice, as `YYYY-MM`.
    pub fn first(&self) -> String {
        let (year, month) = self.first_month;
        format!("{year:04}-{month:02}")
    }

    /// The month of the last invoice, as `YYYY-MM`.
    pub fn last(&self) -> String {
        let (year, month) = add_months(self.first_month, self.months.saturating_sub(1));
        format!("{year:04}-{month:02}")
    }

    /// The first month whose invoice has a line-item CSV.
    fn first_csv_month(&self) -> (i32, u32) {
        add_months(self.first_month, MONTHS_WITHOUT_CSV)
    }
}

/// The fixed world of the tests: January 2016 to December 2019 (as of 2020-01).
impl Default for WorldOptions {
    fn default() -> WorldOptions {
        WorldOptions {
            seed: 1,
            customers: 40,
            first_month: (2016, 1),
            months: 48,
            anomalies: false,
            altered: false,
            messy: false,
            reseller_account: *RESELLER_ACCOUNTS.start(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub account_number: String,
    pub name: String,
    pub reference_number: Option<String>,
    pub domain: String,
    pub contacts: Vec<Contact>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: String,
    pub name: String,
    pub email: String,
    pub receives_billing: bool,
    /// What the API sends and tally must never keep.
    pub security_answer: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub invoice_id: String,
    pub invoice_date: NaiveDateTime,
    pub total_due: Amount,
    pub is_paid: bool,
    pub csv_available: bool,
    /// The lines; served as CSV only when `csv_served`.
    pub lines: Vec<LineItem>,
    /// False for invoices before July 2017 and for the one that 404s.
    pub csv_served: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct World {
    pub reseller_account: String,
    pub customers: Vec<Customer>,
    /// Newest first, as the API lists them.
    pub invoices: Vec<Invoice>,
    /// What was injected on purpose (empty unless `WorldOptions::anomalies`).
    pub anomalies: Vec<Anomaly>,
}

/// A deliberate error in the world, as `tally report reconcile` should find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    /// The reconcile finding: total_mismatch, proration_months, line_arithmetic,
    /// duplicate_line, unknown_account, no_billing_contact.
    pub finding: &'static str,
    pub invoice_id: Option<String>,
    pub account_no: String,
    pub line_no: Option<u32>,
}

/// The account billed on a line that no customer list knows.
pub const UNKNOWN_ACCOUNT: &str = "1999999";

/// Seats per (customer, product) while a customer is active.
struct Subscription {
    customer: usize,
    product: usize,
    seats: i64,
}

fn month_start(year: i32, month: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, 1)
        .expect("valid month")
        .and_time(NaiveTime::MIN)
}

fn add_months((year, month): (i32, u32), n: u32) -> (i32, u32) {
    let index = year * 12 + month as i32 - 1 + n as i32;
    (index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
}

fn month_end(year: i32, month: u32) -> NaiveDateTime {
    let (ny, nm) = add_months((year, month), 1);
    month_start(ny, nm) - chrono::Duration::seconds(1)
}

fn amount(value: Decimal) -> Amount {
    Amount::parse(&value.normalize().to_string()).expect("generated amounts fit DECIMAL(18,4)")
}

/// One invoice's lines as they are written, numbered in order.
struct InvoiceLines<'a> {
    customers: &'a [Customer],
    products: &'static [(&'static str, &'static str)],
    lines: Vec<LineItem>,
}

/// One line to write: who, what, when, how many.
struct Line {
    customer: usize,
    product: usize,
    kind: LineType,
    start: NaiveDateTime,
    end: NaiveDateTime,
    term: i64,
    current: i64,
    change: i64,
    months: Decimal,
}

impl InvoiceLines<'_> {
    /// Adds a line, its charge computed as the provider computes it.
    fn push(&mut self, line: Line) {
        let (product, rate) = self.products[line.product];
        let rate: Decimal = rate.parse().expect("rate");
        let customer = &self.customers[line.customer];
        self.lines.push(LineItem {
            line_no: self.lines.len() as u32 + 1,
            account_no: customer.account_number.clone(),
            reference_no: customer.reference_number.clone().unwrap_or_default(),
            domain: customer.domain.clone(),
            product: product.to_owned(),
            line_type: line.kind,
            service_start: line.start,
            service_end: line.end,
            term_committed_usage: amount(Decimal::from(line.term)),
            current_usage: amount(Decimal::from(line.current)),
            usage_change: amount(Decimal::from(line.change)),
            months: amount(line.months),
            rate: amount(rate),
            charge: amount(charge(Decimal::from(line.change), rate, line.months)),
        });
    }
}

/// The generator's state while it walks the months. The random draws happen in
/// one fixed order (spans, then per month: changes, new subscriptions, the
/// invoice), so a seed always gives the same world.
struct Generator {
    rng: Rng,
    options: WorldOptions,
    /// Per customer, the months it is active: [start, end).
    spans: Vec<(u32, u32)>,
    subscriptions: Vec<Subscription>,
    /// One invoice's CSV answers 404; chosen once.
    missing_chosen: bool,
}

impl Generator {
    /// Each customer is active over a span of months; some arrive late, some leave.
    fn spans(rng: &mut Rng, options: &WorldOptions) -> Vec<(u32, u32)> {
        (0..options.customers)
            .map(|_| {
                let start = if rng.chance(60) {
                    0
                } else {
                    rng.below(u64::from(options.months)) as u32
                };
                let end = if rng.chance(80) {
                    options.months
                } else {
                    start + 1 + rng.below(u64::from(options.months - start)) as u32
                };
                (start, end.min(options.months))
            })
            .collect()
    }

    /// Seat changes during the month before `m`, billed prorated on this invoice.
    fn prorated_changes(&mut self, m: u32, lines: &mut InvoiceLines<'_>) {
        if m == 0 {
            return;
        }
        let (prev_year, prev_month) = add_months(self.options.first_month, m - 1);
        // The messy world reorganises twice a year: most subscriptions change seats
        // twice that month, so prorated lines outnumber the renewals.
        let (percent, rounds) = if self.options.messy && m % 6 == 3 {
            (85, 2)
        } else {
            (15, 1)
        };
        for _ in 0..rounds {
            self.change_seats(m, percent, (prev_year, prev_month), lines);
        }
    }

    /// One round of seat changes during the month before `m`: each subscription
    /// active then changes with probability `percent`, billed prorated.
    fn change_seats(
        &mut self,
        m: u32,
        percent: u64,
        (prev_year, prev_month): (i32, u32),
        lines: &mut InvoiceLines<'_>,
    ) {
        for s in self.subscriptions.iter_mut() {
            let active_last_month = self.spans[s.customer].0 < m && m <= self.spans[s.customer].1;
            if !(active_last_month && self.rng.chance(percent)) {
                continue;
            }
            let rng = &mut self.rng;
            let day = 1 + rng.below(27) as u32;
            let at = NaiveDate::from_ymd_opt(prev_year, prev_month, day)
                .expect("day")
                .and_hms_opt(
                    rng.below(24) as u32,
                    rng.below(60) as u32,
                    rng.below(60) as u32,
                )
                .expect("time");
            let end = month_end(prev_year, prev_month);
            let before = s.seats;
            let change = if rng.chance(70) {
                1 + rng.below(5) as i64
            } else if before > 1 {
                -(1 + rng.below((before - 1) as u64) as i64) // keeps at least one seat
            } else {
                0
            };
            if change == 0 {
                continue;
            }
            s.seats += change;
            let kind = if change > 0 {
                LineType::Upgrade
            } else {
                LineType::Other("Downgrade".into())
            };
            lines.push(Line {
                customer: s.customer,
                product: s.product,
                kind,
                start: at,
                end,
                term: before,
                current: s.seats,
                change,
                months: billed_months(at, end),
            });
        }
    }

    /// Customers who left in the month before `m`: a credit for the unused part.
    fn cancellations(&mut self, m: u32, lines: &mut InvoiceLines<'_>) {
        let (prev_year, prev_month) = add_months(self.options.first_month, m.saturating_sub(1));
        for s in self.subscriptions.iter_mut() {
            if m > 0 && self.spans[s.customer].1 == m && s.seats > 0 {
                let at = month_start(prev_year, prev_month) + chrono::Duration::days(14);
                let end = month_end(prev_year, prev_month);
                let seats = s.seats;
                s.seats = 0;
                lines.push(Line {
                    customer: s.customer,
                    product: s.product,
                    kind: LineType::Other("Cancellation".into()),
                    start: at,
                    end,
                    term: seats,
                    current: 0,
                    change: -seats,
                    months: billed_months(at, end),
                });
            }
        }
    }

    /// New customers subscribe from month `m` on, to one or two products.
    fn new_subscriptions(&mut self, m: u32) {
        let most = if self.options.messy { 4 } else { 2 };
        for (c, span) in self.spans.iter().enumerate() {
            if span.0 == m {
                let products = 1 + self.rng.below(most) as usize;
                for k in 0..products {
                    let product = (c + k * 2) % self.options.products().len();
                    self.subscriptions.push(Subscription {
                        customer: c,
                        product,
                        seats: 1 + self.rng.below(40) as i64,
                    });
                }
            }
        }
    }

    /// Every active subscription renews for month `m`, whole.
    fn renewals(&self, m: u32, lines: &mut InvoiceLines<'_>) {
        let (year, month) = add_months(self.options.first_month, m);
        let (start, end) = (month_start(year, month), month_end(year, month));
        for s in &self.subscriptions {
            if self.spans[s.customer].0 <= m && m < self.spans[s.customer].1 && s.seats > 0 {
                lines.push(Line {
                    customer: s.customer,
                    product: s.product,
                    kind: LineType::Renewal,
                    start,
                    end,
                    term: s.seats,
                    current: s.seats,
                    change: s.seats,
                    months: Decimal::ONE,
                });
            }
        }
    }

    /// A credit larger than the customer's whole month for about one customer in a
    /// hundred: usage change 0, one month, a negative charge of two to four times
    /// the customer's renewals on this invoice.
    fn credit_some(&mut self, lines: &mut Vec<LineItem>) {
        // Per customer, in the order they first renew: Σ renewals, the first renewal.
        let mut month: Vec<(Decimal, LineItem)> = Vec::new();
        let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for l in lines.iter().filter(|l| l.line_type == LineType::Renewal) {
            match at.get(&l.account_no) {
                Some(&i) => month[i].0 += l.charge.as_decimal(),
                None => {
                    at.insert(l.account_no.clone(), month.len());
                    month.push((l.charge.as_decimal(), l.clone()));
                }
            }
        }
        for (sum, renewal) in month {
            if self.rng.below(100) != 0 {
                continue;
            }
            let times = Decimal::from(2 + self.rng.below(3));
            lines.push(LineItem {
                line_no: lines.len() as u32 + 1,
                line_type: LineType::Other("Credit".into()),
                usage_change: Amount::ZERO,
                months: Amount::parse("1").expect("an amount"),
                charge: amount(-(sum * times).round_dp(2)),
                ..renewal
            });
        }
    }

    /// About one line in two hundred billed twice (the copy right after it), then
    /// every line numbered again in order.
    fn bill_some_twice(&mut self, lines: Vec<LineItem>) -> Vec<LineItem> {
        let mut out = Vec::with_capacity(lines.len() + lines.len() / 100);
        for line in lines {
            let twice = self.rng.below(200) == 0;
            if twice {
                out.push(line.clone());
            }
            out.push(line);
        }
        for (i, line) in out.iter_mut().enumerate() {
            line.line_no = i as u32 + 1;
        }
        out
    }

    /// Month `m`'s invoice: its lines, total, id, date, and whether a CSV is served.
    fn invoice(&mut self, m: u32, customers: &[Customer]) -> Invoice {
        let mut lines = InvoiceLines {
            customers,
            products: self.options.products(),
            lines: Vec::new(),
        };
        self.prorated_changes(m, &mut lines);
        self.cancellations(m, &mut lines);
        self.new_subscriptions(m);
        self.renewals(m, &mut lines);
        let mut lines = lines.lines;
        if self.options.messy {
            self.credit_some(&mut lines);
            lines = self.bill_some_twice(lines);
        }
        let (year, month) = add_months(self.options.first_month, m);
        let total: Decimal = lines.iter().map(|l| l.charge.as_decimal()).sum();
        let first_csv_month = self.options.first_csv_month();
        let csv_available = (year, month) >= first_csv_month;
        // One invoice 404s: drawn month by month, the last one if none was.
        let missing = csv_available
            && !self.missing_chosen
            && (year, month) > first_csv_month
            && (self.rng.chance(20) || m + 1 == self.options.months);
        self.missing_chosen |= missing;
        Invoice {
            invoice_id: (9_000_000
                + 1_000_000 * self.options.numbering()
                + u64::from(m) * 1_117
                + self.rng.below(1_000))
            .to_string(),
            invoice_date: month_start(year, month) + chrono::Duration::days(6),
            total_due: amount(total),
            is_paid: m + 2 < self.options.months,
            csv_available,
            lines,
            csv_served: csv_available && !missing,
        }
    }
}

impl World {
    /// The world of `options`: customers, then month by month the invoices (newest
    /// first, as the provider lists them), then the anomalies if asked for.
    pub fn generate(options: WorldOptions) -> World {
        let mut rng = Rng::new(options.seed);
        let customers: Vec<Customer> = (0..options.customers)
            .map(|i| make_customer(&mut rng, i, &options))
            .collect();
        let spans = Generator::spans(&mut rng, &options);
        let mut generator = Generator {
            rng,
            options,
            spans,
            subscriptions: Vec::new(),
            missing_chosen: false,
        };
        let mut invoices: Vec<Invoice> = (0..options.months)
            .map(|m| generator.invoice(m, &customers))
            .collect();
        invoices.reverse();
        let mut world = World {
            reseller_account: options.reseller_account.to_string(),
            customers,
            invoices,
            anomalies: Vec::new(),
        };
        if options.anomalies {
            world.inject_anomalies();
        }
        if options.altered {
            world.alter_newest_invoice();
        }
        world
    }

    /// A credit of −10.00 added to the newest invoice with a CSV, its total following.
    fn alter_newest_invoice(&mut self) {
        let Some(inv) = self.invoices.iter_mut().find(|i| i.csv_served) else {
            return;
        };
        let Some(first) = inv.lines.first().cloned() else {
            return;
        };
        let credit = Amount::parse("-10.00").expect("an amount");
        inv.lines.push(LineItem {
            line_no: inv.lines.len() as u32 + 1,
            line_type: LineType::Other("Credit".into()),
            term_committed_usage: Amount::ZERO,
            current_usage: Amount::ZERO,
            usage_change: Amount::ZERO,
            months: Amount::parse("1").expect("an amount"),
            charge: credit,
            ..first
        });
        inv.total_due = amount(inv.total_due.as_decimal() + credit.as_decimal());
    }

    /// One of each reconcile finding kind, on the newest invoice with a CSV (so the
    /// default month of a report shows them all).
    fn inject_anomalies(&mut self) {
        let reseller = self.reseller_account.clone();
        let Some(inv) = self.invoices.iter_mut().find(|i| i.csv_served) else {
            return;
        };
        let mut found = Vec::new();
        let mut note = |finding, account: &str, line_no: Option<u32>| {
            found.push(Anomaly {
                finding,
                invoice_id: Some(inv.invoice_id.clone()),
                account_no: account.to_owned(),
                line_no,
            });
        };
        let renewals: Vec<usize> = (0..inv.lines.len())
            .filter(|&i| inv.lines[i].line_type == LineType::Renewal)
            .collect();
        // A charge that is not usage change × rate × months.
        let wrong = &mut inv.lines[renewals[0]];
        wrong.charge = amount(wrong.charge.as_decimal() + Decimal::new(50, 2));
        note(
            "line_arithmetic",
            &wrong.account_no.clone(),
            Some(wrong.line_no),
        );
        // Months that the service dates do not give (the charge follows the months).
        if let Some(upgrade) = inv
            .lines
            .iter_mut()
            .find(|l| l.line_type == LineType::Upgrade)
        {
            let months = upgrade.months.as_decimal() + Decimal::new(5, 2);
            upgrade.months = amount(months);
            upgrade.charge = amount(charge(
                upgrade.usage_change.as_decimal(),
                upgrade.rate.as_decimal(),
                months,
            ));
            note(
                "proration_months",
                &upgrade.account_no.clone(),
                Some(upgrade.line_no),
            );
        }
        // The same line twice.
        let mut copy = inv.lines[renewals[1]].clone();
        copy.line_no = inv.lines.len() as u32 + 1;
        note(
            "duplicate_line",
            &copy.account_no.clone(),
            Some(copy.line_no),
        );
        inv.lines.push(copy);
        // An account no customer list knows.
        let mut stranger = inv.lines[renewals[2]].clone();
        stranger.line_no = inv.lines.len() as u32 + 1;
        stranger.account_no = UNKNOWN_ACCOUNT.to_owned();
        stranger.domain = "stranger.example".to_owned();
        note("unknown_account", UNKNOWN_ACCOUNT, Some(stranger.line_no));
        inv.lines.push(stranger);
        // TotalDue one dollar more than Σ lines as they now are.
        let sum: Decimal = inv.lines.iter().map(|l| l.charge.as_decimal()).sum();
        inv.total_due = amount(sum + Decimal::ONE);
        note("total_mismatch", &reseller, None);
        // A customer whose only billing contact stops receiving bills.
        if let Some(c) = self
            .customers
            .iter_mut()
            .find(|c| c.contacts.iter().any(|k| k.receives_billing))
        {
            for k in &mut c.contacts {
                k.receives_billing = false;
            }
            found.push(Anomaly {
                finding: "no_billing_contact",
                invoice_id: None,
                account_no: c.account_number.clone(),
                line_no: None,
            });
        }
        self.anomalies = found;
    }

    /// The injected anomalies as CSV: finding, invoice_id, account_no, line_no.
    pub fn anomalies_csv(&self) -> String {
        let mut out = String::from("finding,invoice_id,account_no,line_no\n");
        for a in &self.anomalies {
            let _ = writeln!(
                out,
                "{},{},{},{}",
                a.finding,
                a.invoice_id.as_deref().unwrap_or(""),
                a.account_no,
                a.line_no.map(|n| n.to_string()).unwrap_or_default()
            );
        }
        out
    }

    /// Per invoice: id, line count, Σ charge, TotalDue, whether a CSV is served.
    pub fn ground_truth(&self) -> String {
        let mut out = String::from("invoice_id,invoice_date,lines,sum_charge,total_due,csv\n");
        for inv in &self.invoices {
            let sum: Decimal = inv.lines.iter().map(|l| l.charge.as_decimal()).sum();
            let csv = if inv.csv_served {
                "yes"
            } else if inv.csv_available {
                "404"
            } else {
                "no"
            };
            let lines = if inv.csv_served { inv.lines.len() } else { 0 };
            let _ = writeln!(
                out,
                "{},{},{lines},{sum},{},{csv}",
                inv.invoice_id,
                inv.invoice_date.date(),
                inv.total_due
            );
        }
        out
    }
}

/// Customer `i`: its name, account number, domain (the name's letters and digits,
/// lowercased: an internationalised domain for a non-ASCII name), reference number
/// and contacts. A messy world gives every seventh customer a non-ASCII name and
/// every eleventh a reference number that looks like a formula.
fn make_customer(rng: &mut Rng, i: usize, options: &WorldOptions) -> Customer {
    let messy = options.messy;
    const NAMES: [&str; 8] = [
        "Harbor Dental",
        "Smith, Jones & Partners",
        "Blue Fin Cafe",
        "Northwind",
        "Acme Plumbing",
        "Cedar Law",
        "Orbit Labs",
        "Maple Clinic",
    ];
    let base = if messy && i % 7 == 3 {
        MESSY_NAMES[(i / 7) % MESSY_NAMES.len()]
    } else {
        NAMES[i % NAMES.len()]
    };
    let name = if i < NAMES.len() {
        base.to_owned()
    } else {
        format!("{base} {}", i / NAMES.len() + 1)
    };
    let slug: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let contacts = (0..rng.below(3))
        .map(|k| Contact {
            id: format!("{}", 100 * i + k as usize + 1),
            name: format!("Contact {k} of {name}"),
            email: format!("c{k}@{slug}.example"),
            receives_billing: k == 0,
            security_answer: format!("answer-{i}-{k}"),
        })
        .collect();
    Customer {
        account_number: (1_300_000 + 100_000 * options.numbering() + 17 * i as u64 + rng.below(17))
            .to_string(),
        name,
        reference_number: match rng.chance(30).then(|| format!("PO-{}", 1000 + i)) {
            _ if messy && i % 11 == 5 => {
                Some(FORMULA_REFERENCES[(i / 11) % FORMULA_REFERENCES.len()].to_owned())
            }
            reference => reference,
        },
        domain: format!("{slug}.example"),
        contacts,
    }
}

/// The line items as the API serves them: the documented header, quoted text
/// fields, `M/D/YYYY h:mm:ss AM|PM` dates, CRLF line ends.
pub fn line_items_csv(lines: &[LineItem]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let date = |d: NaiveDateTime| {
        let h = d.hour12();
        format!(
            "{}/{}/{} {}:{:02}:{:02} {}",
            d.month(),
            d.day(),
            d.year(),
            h.1,
            d.minute(),
            d.second(),
            if h.0 { "PM" } else { "AM" }
        )
    };
    let mut out = format!("{HEADER_LINE}\r\n");
    for l in lines {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            l.account_no,
            quote(&l.reference_no),
            quote(&l.domain),
            quote(&l.product),
            l.line_type,
            date(l.service_start),
            date(l.service_end),
            l.term_committed_usage,
            l.current_usage,
            l.usage_change,
            l.months,
            l.rate,
            l.charge
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::parse::parse_line_items;

    #[test]
    fn the_same_seed_gives_the_same_world() {
        let a = World::generate(WorldOptions::default());
        assert_eq!(a, World::generate(WorldOptions::default()));
        assert_ne!(
            a,
            World::generate(WorldOptions {
                seed: 2,
                ..WorldOptions::default()
            })
        );
    }

    #[test]
    fn a_world_as_of_a_month_ends_the_month_before_and_keeps_its_first_months_without_csv() {
        assert_eq!(
            WorldOptions::as_of("2020-01".parse().unwrap(), 48),
            WorldOptions::default()
        );
        let options = WorldOptions::as_of("2026-12".parse().unwrap(), 48);
        assert_eq!(options.first_month, (2022, 12));
        assert_eq!(
            (options.first(), options.last()),
            ("2022-12".into(), "2026-11".into())
        );
        let w = World::generate(options);
        let newest = w.invoices.iter().map(|i| i.invoice_date).max().unwrap();
        assert_eq!((newest.year(), newest.month()), (2026, 11));
        let without_csv = w.invoices.iter().filter(|i| !i.csv_available).count();
        assert_eq!(without_csv, 18);
        let first_with = w.invoices.iter().filter(|i| i.csv_available);
        let first_with = first_with.map(|i| i.invoice_date).min().unwrap();
        assert_eq!((first_with.year(), first_with.month()), (2024, 6));
    }

    #[test]
    fn csv_availability_spans_july_2017() {
        let w = World::generate(WorldOptions::default());
        for inv in &w.invoices {
            let before = (inv.invoice_date.year(), inv.invoice_date.month()) < (2017, 7);
            assert_eq!(inv.csv_available, !before, "{}", inv.invoice_id);
        }
        assert_eq!(
            w.invoices
                .iter()
                .filter(|i| i.csv_available && !i.csv_served)
                .count(),
            1,
            "exactly one 404"
        );
        assert!(
            w.invoices
                .windows(2)
                .all(|p| p[0].invoice_date > p[1].invoice_date),
            "newest first"
        );
    }

    #[test]
    fn every_line_obeys_the_arithmetic_and_totals_add_up() {
        let w = World::generate(WorldOptions::default());
        let mut kinds = std::collections::BTreeSet::new();
        for inv in &w.invoices {
            let sum: Decimal = inv.lines.iter().map(|l| l.charge.as_decimal()).sum();
            assert_eq!(sum, inv.total_due.as_decimal());
            for l in &inv.lines {
                let months = billed_months(l.service_start, l.service_end);
                assert_eq!(months, l.months.as_decimal());
                assert_eq!(
                    charge(l.usage_change.as_decimal(), l.rate.as_decimal(), months),
                    l.charge.as_decimal()
                );
                kinds.insert(l.line_type.as_str().to_owned());
            }
        }
        assert_eq!(
            kinds.into_iter().collect::<Vec<_>>(),
            ["Cancellation", "Downgrade", "Renewal", "Upgrade"]
        );
    }

    #[test]
    fn served_csvs_parse_back_to_the_same_lines() {
        let w = World::generate(WorldOptions::default());
        for inv in w.invoices.iter().filter(|i| i.csv_served) {
            let parsed =
                parse_line_items(&inv.invoice_id, line_items_csv(&inv.lines).as_bytes()).unwrap();
            assert_eq!(parsed, inv.lines);
        }
    }

    #[test]
    fn the_large_world_is_as_messy_as_a_big_resellers_data() {
        let w = World::generate(WorldOptions::large());
        assert_eq!(w.customers.len(), 2_000);
        let served: Vec<&Invoice> = w.invoices.iter().filter(|i| i.csv_served).collect();
        assert_eq!(served.len(), 11, "12 months with CSVs, one 404");
        let smallest = served.iter().map(|i| i.lines.len()).min().unwrap();
        assert!(
            smallest >= 3_000,
            "several thousand lines an invoice: {smallest}"
        );
        let (mut twice, mut credits, mut kinds) = (0, 0, std::collections::BTreeSet::new());
        let mut mostly_prorated = 0;
        for inv in &served {
            let sum: Decimal = inv.lines.iter().map(|l| l.charge.as_decimal()).sum();
            assert_eq!(sum, inv.total_due.as_decimal(), "{}", inv.invoice_id);
            let mut month: HashMap<&str, Decimal> = HashMap::new();
            for l in &inv.lines {
                if l.line_type == LineType::Renewal {
                    *month.entry(&l.account_no).or_default() += l.charge.as_decimal();
                }
            }
            for (i, l) in inv.lines.iter().enumerate() {
                assert_eq!(l.line_no as usize, i + 1);
                kinds.insert(l.line_type.as_str().to_owned());
                if l.line_type.as_str() == "Credit" {
                    credits += 1;
                    assert!(l.usage_change.as_decimal().is_zero());
                    assert!(-l.charge.as_decimal() > month[l.account_no.as_str()]);
                    continue;
                }
                let months = billed_months(l.service_start, l.service_end);
                assert_eq!(months, l.months.as_decimal());
                let expected = charge(l.usage_change.as_decimal(), l.rate.as_decimal(), months);
                assert_eq!(expected, l.charge.as_decimal());
                if i > 0
                    && inv.lines[i - 1]
                        == (LineItem {
                            line_no: l.line_no - 1,
                            ..l.clone()
                        })
                {
                    twice += 1;
                }
            }
            let partial = inv
                .lines
                .iter()
                .filter(|l| l.months.as_decimal() != Decimal::ONE);
            if partial.count() * 2 > inv.lines.len() {
                mostly_prorated += 1;
            }
            let parsed =
                parse_line_items(&inv.invoice_id, line_items_csv(&inv.lines).as_bytes()).unwrap();
            assert_eq!(parsed, inv.lines);
        }
        assert!(twice >= 20, "lines billed twice: {twice}");
        assert!(credits >= 20, "credits: {credits}");
        assert!(
            mostly_prorated >= 1,
            "a month with prorations on most lines"
        );
        assert_eq!(
            kinds.into_iter().collect::<Vec<_>>(),
            ["Cancellation", "Credit", "Downgrade", "Renewal", "Upgrade"]
        );
        let products: std::collections::BTreeSet<&str> = served
            .iter()
            .flat_map(|i| i.lines.iter().map(|l| l.product.as_str()))
            .collect();
        for p in &ALL_PRODUCTS[PRODUCTS.len()..] {
            assert!(products.contains(p.0), "{p:?} sold");
        }
        assert!(
            w.customers
                .iter()
                .any(|c| c.domain == "büchersöhne.example")
        );
        assert!(
            w.customers
                .iter()
                .any(|c| c.reference_number.as_deref() == Some("=1+2"))
        );
    }
}
