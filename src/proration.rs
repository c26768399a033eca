//! The provider's proration arithmetic (API-NOTES, "Invoices and line items"):
//! a partial period bills `Months = (Service End − Service Start + 1 s) / seconds in
//! that calendar month`, rounded to 2 places, and `Charge = Usage Change × Rate ×
//! Months`, rounded to the cent. All in exact decimals: no float anywhere.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rust_decimal::{Decimal, RoundingStrategy};

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

/// The billed months of a service period, exactly as the provider rounds them:
/// (end − start + 1 s) ÷ seconds in the start's month, to 2 places, half away from 0.
pub fn billed_months(start: NaiveDateTime, end: NaiveDateTime) -> Decimal {
    let seconds = (end - start).num_seconds() + 1;
    (Decimal::from(seconds) / Decimal::from(seconds_in_month(start)))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// `usage_change × rate × months`, rounded to the cent, half away from zero.
pub fn charge(usage_change: Decimal, rate: Decimal, months: Decimal) -> Decimal {
    (usage_change * rate * months).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
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
}
