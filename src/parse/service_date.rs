//! Service dates as the line-item CSV writes them: `M/D/YYYY h:mm:ss AM|PM`.
//!
//! US order, no zero padding on month, day and hour, a 12-hour clock (12 AM is
//! midnight, 12 PM is noon), no zone. Anything else is refused.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Parses `11/6/2017 7:54:44 PM`. Returns `None` for anything that is not exactly
/// that shape or not a real date and time.
pub fn parse_service_date(text: &str) -> Option<NaiveDateTime> {
    let (date, rest) = text.split_once(' ')?;
    let (time, meridiem) = rest.split_once(' ')?;

    let mut date_parts = date.split('/');
    let month = number(date_parts.next()?, 1..=2)?;
    let day = number(date_parts.next()?, 1..=2)?;
    let year = number(date_parts.next()?, 4..=4)?;
    if date_parts.next().is_some() {
        return None;
    }

    let mut time_parts = time.split(':');
    let hour12 = number(time_parts.next()?, 1..=2)?;
    let minute = number(time_parts.next()?, 2..=2)?;
    let second = number(time_parts.next()?, 2..=2)?;
    if time_parts.next().is_some() || !(1..=12).contains(&hour12) {
        return None;
    }
    let hour = match meridiem {
        "AM" => hour12 % 12,
        "PM" => hour12 % 12 + 12,
        _ => return None,
    };

    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let time = NaiveTime::from_hms_opt(hour, minute, second)?;
    Some(NaiveDateTime::new(date, time))
}

fn number(text: &str, digits: std::ops::RangeInclusive<usize>) -> Option<u32> {
    if !digits.contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> String {
        parse_service_date(text)
            .unwrap()
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    #[test]
    fn twelve_hour_clock() {
        assert_eq!(at("12/1/2017 12:00:00 AM"), "2017-12-01 00:00:00");
        assert_eq!(at("12/31/2017 11:59:59 PM"), "2017-12-31 23:59:59");
        assert_eq!(at("11/6/2017 7:54:44 PM"), "2017-11-06 19:54:44");
        assert_eq!(at("1/2/2018 12:30:00 PM"), "2018-01-02 12:30:00");
        assert_eq!(at("01/02/2018 1:05:09 AM"), "2018-01-02 01:05:09");
        assert_eq!(at("2/29/2020 11:00:00 AM"), "2020-02-29 11:00:00");
    }

    #[test]
    fn refuses_anything_else() {
        for bad in [
            "13/45/2018 1:00:00 AM",
            "2/29/2019 1:00:00 AM",
            "12/1/2017 13:00:00 PM",
            "12/1/2017 0:00:00 AM",
            "12/1/2017 12:00:00",
            "12/1/2017 12:00 AM",
            "12/1/2017 12:00:60 AM",
            "12/1/17 12:00:00 AM",
            "2017-12-01 00:00:00",
            "12/1/2017 12:00:00 am",
            "12/1/2017  12:00:00 AM",
            "",
        ] {
            assert_eq!(parse_service_date(bad), None, "{bad:?}");
        }
    }
}
