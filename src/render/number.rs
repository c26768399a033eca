//! Numbers as people read them, from their exact stored form (never a float).
//!
//! - money: 2 places, 4 when the stored value has non-zero third or fourth
//!   places, more only when it has more (nothing is ever rounded away);
//! - quantities and rates: no trailing zeros (`142`, `0.81`);
//! - a decimal whose meaning is unknown (`tally sql`): at least 2 places, trailing
//!   zeros beyond them trimmed (`616.00`, `0.8333`);
//! - thousands separators only where a table or page shows the number
//!   ([`grouped`]); CSV, JSON and Parquet keep the stored text.

use rust_decimal::Decimal;

/// What a column holds, which decides how its values are shown in a table or page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Money: 2 places (4 when stored so), thousands separators.
    Money,
    /// Quantities, rates, counts: no trailing zeros, thousands separators.
    Quantity,
    /// A decimal of unknown meaning: at least 2 places, thousands separators.
    Decimal,
    /// An integer that may be an identifier or a year: as stored.
    Integer,
    /// Text, dates, identifiers: as stored, left-aligned.
    Text,
}

impl Kind {
    /// True for kinds shown right-aligned.
    pub fn is_numeric(self) -> bool {
        self != Kind::Text
    }

    /// `stored` (the exact text of the stored value) as this kind shows it in a
    /// table or page. Text that does not parse as a number is returned unchanged.
    pub fn show(self, stored: &str) -> String {
        match self {
            Kind::Text | Kind::Integer => stored.to_owned(),
            _ => stored
                .parse::<Decimal>()
                .map_or_else(|_| stored.to_owned(), |d| self.decimal(d)),
        }
    }

    /// `value` as this kind shows it in a table or page (thousands grouped).
    pub fn decimal(self, value: Decimal) -> String {
        match self {
            Kind::Money => grouped(&money(value)),
            Kind::Quantity => grouped(&quantity(value)),
            Kind::Decimal => grouped(&at_least_two(value)),
            Kind::Integer | Kind::Text => value.to_string(),
        }
    }
}

/// Money as people read it: `12.34`, `5.00`, `-1.2345`, `0.1250`; exact, no
/// separators (see [`grouped`]).
pub fn money(value: Decimal) -> String {
    let mut v = value.normalize();
    let places = match v.scale() {
        0..=2 => 2,
        3 | 4 => 4,
        more => more,
    };
    v.rescale(places);
    v.to_string()
}

/// A quantity or rate without trailing zeros: `142`, `0.81`, `-3`.
pub fn quantity(value: Decimal) -> String {
    value.normalize().to_string()
}

/// At least two places, trailing zeros beyond them trimmed: `616.00`, `0.8333`.
pub fn at_least_two(value: Decimal) -> String {
    let mut v = value.normalize();
    if v.scale() < 2 {
        v.rescale(2);
    }
    v.to_string()
}

/// `number` (as [`money`], [`quantity`] or [`at_least_two`] write it) with a comma
/// between each group of three integer digits: `-1234567.5` → `-1,234,567.5`.
pub fn grouped(number: &str) -> String {
    let (sign, rest) = match number.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", number),
    };
    let (int, frac) = match rest.find('.') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return number.to_owned();
    }
    let mut out = String::with_capacity(number.len() + int.len() / 3);
    out.push_str(sign);
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out.push_str(frac);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn money_has_two_places_or_four_when_stored_so() {
        assert_eq!(money(d("12.3400")), "12.34");
        assert_eq!(money(d("5")), "5.00");
        assert_eq!(money(d("-1.2345")), "-1.2345");
        assert_eq!(money(d("0.1250")), "0.1250");
        assert_eq!(money(d("0.001")), "0.0010");
        assert_eq!(money(d("1.123456")), "1.123456");
        assert_eq!(money(d("-0.0000")), "0.00");
    }

    #[test]
    fn quantities_lose_trailing_zeros() {
        assert_eq!(quantity(d("142.0000")), "142");
        assert_eq!(quantity(d("0.8100")), "0.81");
        assert_eq!(quantity(d("-3.5000")), "-3.5");
        assert_eq!(quantity(d("100")), "100");
        assert_eq!(at_least_two(d("616.0000")), "616.00");
        assert_eq!(at_least_two(d("0.83330")), "0.8333");
    }

    #[test]
    fn thousands_are_grouped_in_the_integer_part_only() {
        assert_eq!(grouped("1234567.1234"), "1,234,567.1234");
        assert_eq!(grouped("-1234.5"), "-1,234.5");
        assert_eq!(grouped("999.99"), "999.99");
        assert_eq!(grouped("-100"), "-100");
        assert_eq!(grouped("123456"), "123,456");
        assert_eq!(grouped("abc"), "abc");
        assert_eq!(Kind::Money.show("1234567.8900"), "1,234,567.89");
        assert_eq!(Kind::Quantity.show("1500.0000"), "1,500");
        assert_eq!(Kind::Decimal.show("1500.0000"), "1,500.00");
        assert_eq!(Kind::Integer.show("2019"), "2019");
        assert_eq!(Kind::Money.show("n/a"), "n/a");
    }
}
