//! Exact decimal amounts (money and quantities) as tally stores them: `DECIMAL(18,4)`.
//!
//! Every number in a line-item CSV or an invoice header becomes an [`Amount`]: a
//! `rust_decimal::Decimal` checked to fit the store's columns exactly, so nothing is
//! rounded on the way in and nothing ever passes through `f64`.

use std::fmt;

use rust_decimal::Decimal;

/// Digits after the decimal point that the store keeps (`DECIMAL(18,4)`).
pub const SCALE: u32 = 4;
/// Total digits the store keeps; 18 keeps DuckDB's decimals in 64 bits.
pub const PRECISION: u32 = 18;
/// The SQL type of every money and quantity column.
pub const SQL_TYPE: &str = "DECIMAL(18,4)";

const MAX_INTEGER_DIGITS: u32 = PRECISION - SCALE;

/// A decimal that fits `DECIMAL(18,4)` exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(Decimal);

/// Why a text is not an [`Amount`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("expected a decimal number, found {0:?}")]
    NotANumber(String),
    #[error("{found:?} has {places} decimal places; tally keeps at most {SCALE}")]
    TooManyDecimals { found: String, places: u32 },
    #[error(
        "{found:?} has {digits} digits before the decimal point; tally keeps at most {MAX_INTEGER_DIGITS}"
    )]
    TooLarge { found: String, digits: u32 },
}

impl Amount {
    pub const ZERO: Amount = Amount(Decimal::ZERO);

    /// Parses `-12.34`, `+5`, `0.81`, `.5`: an optional sign, digits, an optional
    /// fraction. Surrounding spaces are ignored; anything else (`1O.00`, `1e3`,
    /// `1,000`, `$5`, an empty field) is an error. Trailing zeros past the fourth
    /// decimal place are accepted because they change nothing.
    pub fn parse(text: &str) -> Result<Amount, AmountError> {
        let trimmed = text.trim_matches(' ');
        let not_a_number = || AmountError::NotANumber(text.to_owned());
        let (negative, unsigned) = match trimmed.as_bytes().first() {
            Some(b'-') => (true, &trimmed[1..]),
            Some(b'+') => (false, &trimmed[1..]),
            _ => (false, trimmed),
        };
        let (int_part, frac_part) = match unsigned.split_once('.') {
            Some((i, f)) => (i, f),
            None => (unsigned, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.len() + frac_part.len() == 0 || !all_digits(int_part) || !all_digits(frac_part)
        {
            return Err(not_a_number());
        }
        let frac_part = frac_part.trim_end_matches('0');
        let places = frac_part.len() as u32;
        if places > SCALE {
            return Err(AmountError::TooManyDecimals {
                found: text.to_owned(),
                places,
            });
        }
        let int_part = int_part.trim_start_matches('0');
        let digits = int_part.len() as u32;
        if digits > MAX_INTEGER_DIGITS {
            return Err(AmountError::TooLarge {
                found: text.to_owned(),
                digits,
            });
        }
        // At most 18 digits in all: fits an i64 without overflow.
        let mut mantissa: i64 = 0;
        for b in int_part.bytes().chain(frac_part.bytes()) {
            mantissa = mantissa * 10 + i64::from(b - b'0');
        }
        if negative {
            mantissa = -mantissa;
        }
        Ok(Amount(Decimal::new(mantissa, places)))
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// The value as DuckDB stores it: an integer count of 1/10⁴ units.
    pub fn to_scaled_i64(self) -> i64 {
        let mantissa = i64::try_from(self.0.mantissa()).expect("checked to fit 18 digits");
        mantissa * 10_i64.pow(SCALE - self.0.scale())
    }

    /// The inverse of [`Amount::to_scaled_i64`].
    pub fn from_scaled_i64(scaled: i64) -> Amount {
        Amount(Decimal::new(scaled, SCALE).normalize())
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Any text [`Amount::parse`] accepts, with 0 to 4 decimal places, for property tests.
#[cfg(test)]
pub(crate) fn amount_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    (
        any::<bool>(),
        0i64..100_000_000_000_000,
        0u32..10_000,
        0usize..5,
    )
        .prop_map(|(neg, int, frac, places)| {
            let frac = format!("{frac:04}");
            let sign = if neg { "-" } else { "" };
            if places == 0 {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{}", &frac[..places])
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn ok(text: &str) -> String {
        Amount::parse(text).unwrap().to_string()
    }

    #[test]
    fn accepts_plain_numbers() {
        assert_eq!(ok("0"), "0");
        assert_eq!(ok("546"), "546");
        assert_eq!(ok("0.81"), "0.81");
        assert_eq!(ok("11.34"), "11.34");
        assert_eq!(ok("-12.5"), "-12.5");
        assert_eq!(ok("+3"), "3");
        assert_eq!(ok(".5"), "0.5");
        assert_eq!(ok(" 7 "), "7");
        assert_eq!(ok("1.50000"), "1.5");
        assert_eq!(ok("00012.3400"), "12.34");
        assert_eq!(ok("99999999999999.9999"), "99999999999999.9999");
        assert_eq!(ok("-99999999999999.9999"), "-99999999999999.9999");
    }

    #[test]
    fn rejects_what_is_not_a_plain_decimal() {
        for bad in [
            "", " ", "1O.00", "1e3", "1,000", "$5", "-", "+", ".", "1.2.3", "--1", "1 2", "(5)",
        ] {
            assert_eq!(
                Amount::parse(bad),
                Err(AmountError::NotANumber(bad.to_owned())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rejects_what_the_column_cannot_hold_exactly() {
        assert_eq!(
            Amount::parse("0.12345").unwrap_err().to_string(),
            "\"0.12345\" has 5 decimal places; tally keeps at most 4"
        );
        assert_eq!(
            Amount::parse("123456789012345").unwrap_err().to_string(),
            "\"123456789012345\" has 15 digits before the decimal point; tally keeps at most 14"
        );
    }

    #[test]
    fn scaled_round_trip() {
        let a = Amount::parse("-11.34").unwrap();
        assert_eq!(a.to_scaled_i64(), -113_400);
        assert_eq!(Amount::from_scaled_i64(-113_400), a);
    }

    proptest! {
        #[test]
        fn parse_agrees_with_rust_decimal(int in 0i64..100_000_000_000_000, frac in 0u32..10_000, neg: bool) {
            let text = format!("{}{}.{:04}", if neg { "-" } else { "" }, int, frac);
            let parsed = Amount::parse(&text).unwrap();
            prop_assert_eq!(parsed.as_decimal(), Decimal::from_str(&text).unwrap());
            prop_assert_eq!(Amount::from_scaled_i64(parsed.to_scaled_i64()), parsed);
        }
    }
}
