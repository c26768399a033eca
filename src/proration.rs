//! The provider's proration arithmetic (API-NOTES, "Invoices and line items"):
//! a partial period bills `Months = (Service End − Service Start + 1 s) / seconds in
//! that calendar month`, rounded to 2 places, and `Charge = Usage Change × Rate ×
//! Months`, rounded to the cent. All in exact integers counting 1/10⁴ (the stored
//! scale): no float anywhere. This is the arithmetic of `queries/macros.sql`; a test
//! runs both over every stored line (`assert_summaries_in_step`).

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

/// Seconds in the calendar month that contains `at`.
pub fn seconds_in_month(at: NaiveDateTime) -> i64 {
    let first = NaiveDate::from_ymd_opt(at.year(), at.month(), 1).expect("valid month start");
    let next = if at.month() == 12 {
        NaiveDate::from_ymd_opt(at.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(at.year(), at.month() + 1, 1)
    }
    .expect("valid month start");
    (next - first).num_seconds()
}

/// One unit of a stored amount: amounts below count 1/10⁴ (`DECIMAL(·,4)`).
pub const UNIT: i128 = 10_000;

/// A factor of 10⁸ or more is not multiplied (as `line_charge` in queries/macros.sql).
pub const FACTOR_LIMIT: i128 = 100_000_000 * UNIT;

/// n ÷ d rounded half away from zero (d ≠ 0), as `div_half_away` in macros.sql.
pub fn div_half_away(n: i128, d: i128) -> i128 {
    n.signum() * d.signum() * ((2 * n.abs() + d.abs()) / (2 * d.abs()))
}

/// The billed months of a service period, exactly as the provider rounds them:
/// (end − start + 1 s) ÷ seconds in the start's month, to 2 places, half away from
/// 0; in 1/10⁴ (as `billed_months` in macros.sql).
pub fn billed_months_units(start: NaiveDateTime, end: NaiveDateTime) -> i128 {
    let seconds = i128::from((end - start).num_seconds()) + 1;
    div_half_away(seconds * 100, i128::from(seconds_in_month(start))) * 100
}

/// usage change × rate × months (each in 1/10⁴), to the cent, half away from zero,
/// in 1/10⁴: exact for every stored value (the product of three factors under 10⁸
/// fits an i128). None when a factor is 10⁸ or more (as `line_charge` in macros.sql).
pub fn charge_units(usage: i128, rate: i128, months: i128) -> Option<i128> {
    if usage.abs() >= FACTOR_LIMIT || rate.abs() >= FACTOR_LIMIT || months.abs() >= FACTOR_LIMIT {
        return None;
    }
    // The product counts 1/10¹²; to the cent is 1/10², i.e. ÷ 10¹⁰, then × 10².
    Some(div_half_away(usage * rate * months, 10_000_000_000) * 100)
}

/// [`billed_months_units`] as a decimal with 2 places.
pub fn billed_months(start: NaiveDateTime, end: NaiveDateTime) -> Decimal {
    Decimal::from_i128_with_scale(billed_months_units(start, end) / 100, 2)
}

/// [`charge_units`] of decimals with at most 4 places and factors under 10⁸ (what
/// the sandbox and the benchmarks generate), as a decimal with 2 places.
pub fn charge(usage_change: Decimal, rate: Decimal, months: Decimal) -> Decimal {
    let units = |d: Decimal| {
        let scaled = d * Decimal::from(UNIT as i64);
        assert!(scaled.fract().is_zero(), "{d} has more than 4 places");
        scaled.mantissa() / 10_i128.pow(scaled.scale())
    };
    let cents =
        charge_units(units(usage_change), units(rate), units(months)).expect("factors under 10^8");
    Decimal::from_i128_with_scale(cents / 100, 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_service_date;

    fn at(text: &str) -> NaiveDateTime {
        parse_service_date(text).unwrap()
    }

    #[test]
    fn the_documented_upgrade() {
        // 11/6/2017 7:54:44 PM → 11/30/2017 11:59:59 PM: 24.1703 days / 30 = 0.8057 → 0.81.
        let months = billed_months(at("11/6/2017 7:54:44 PM"), at("11/30/2017 11:59:59 PM"));
        assert_eq!(months.to_string(), "0.81");
        assert_eq!(
            charge(Decimal::from(2), Decimal::from(7), months).to_string(),
            "11.34"
        );
    }

    #[test]
    fn a_whole_month_is_one() {
        assert_eq!(
            billed_months(at("12/1/2017 12:00:00 AM"), at("12/31/2017 11:59:59 PM")),
            Decimal::ONE
        );
        assert_eq!(
            billed_months(at("2/1/2020 12:00:00 AM"), at("2/29/2020 11:59:59 PM")),
            Decimal::ONE
        );
    }

    #[test]
    fn month_lengths() {
        assert_eq!(seconds_in_month(at("2/10/2019 1:00:00 PM")), 28 * 86_400);
        assert_eq!(seconds_in_month(at("2/10/2020 1:00:00 PM")), 29 * 86_400);
        assert_eq!(seconds_in_month(at("12/31/2017 11:59:59 PM")), 31 * 86_400);
    }

    #[test]
    fn the_sample_invoices_obey_it() {
        for name in ["123123", "126004", "127219"] {
            let path = format!("{}/data/{name}.csv", env!("CARGO_MANIFEST_DIR"));
            let items =
                crate::parse::parse_line_items(&path, &std::fs::read(&path).unwrap()).unwrap();
            for i in items {
                let months = billed_months(i.service_start, i.service_end);
                assert_eq!(months, i.months.as_decimal(), "{name} line {}", i.line_no);
                let expected = charge(i.usage_change.as_decimal(), i.rate.as_decimal(), months);
                assert_eq!(expected, i.charge.as_decimal(), "{name} line {}", i.line_no);
            }
        }
    }

    #[test]
    fn halves_round_away_from_zero_and_huge_factors_are_not_multiplied() {
        assert_eq!(div_half_away(5, 2), 3);
        assert_eq!(div_half_away(-5, 2), -3);
        assert_eq!(div_half_away(5, -2), -3);
        assert_eq!(charge_units(10_000, 50, 10_000), Some(100)); // 1 × 0.005 × 1 → 0.01
        assert_eq!(charge_units(-10_000, 50, 10_000), Some(-100));
        assert_eq!(charge_units(10_000, 49, 10_000), Some(0)); // 0.0049 → 0.00
        assert_eq!(charge_units(FACTOR_LIMIT, 1, 1), None);
        // The largest factors multiplied fit: (10⁸ − 10⁻⁴)³ in 1/10¹² is under 10³⁷.
        let big = FACTOR_LIMIT - 1;
        assert!(charge_units(big, big, big).is_some());
    }
}
