//! A billing month, the one way tally takes one: `YYYY-MM` (or `YYYY-M`) on every
//! flag, shown as `YYYY-MM`, and passed to SQL as a bound value.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a month as YYYY-MM, e.g. 2024-01; found \"{0}\"")]
pub struct MonthError(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a month as YYYY-MM (e.g. 2019-12) or `all`; found \"{0}\"")]
pub struct MonthSelectionError(String);

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1000..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The month today falls in (UTC).
    pub fn current() -> Month {
        Month::of(chrono::Utc::now().date_naive())
    }

    /// The month before.
    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a checked month")
    }
}

impl FromStr for Month {
    type Err = MonthError;
    fn from_str(text: &str) -> Result<Month, MonthError> {
        let bad = || MonthError(text.chars().take(40).collect());
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if y.len() != 4 || !(1..=2).contains(&m.len()) || !digits(y) || !digits(m) {
            return Err(bad());
        }
        Month::new(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?).ok_or_else(bad)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One month, or the whole history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthSelection {
    Month(Month),
    All,
}

impl MonthSelection {
    /// The value the report queries read (`report_month()`): `YYYY-MM` or `all`.
    pub fn sql_value(self) -> String {
        match self {
            MonthSelection::Month(m) => m.to_string(),
            MonthSelection::All => "all".to_owned(),
        }
    }
}

impl FromStr for MonthSelection {
    type Err = MonthSelectionError;
    fn from_str(text: &str) -> Result<MonthSelection, MonthSelectionError> {
        if text.trim() == "all" {
            return Ok(MonthSelection::All);
        }
        text.parse()
            .map(MonthSelection::Month)
            .map_err(|_| MonthSelectionError(text.chars().take(40).collect()))
    }
}

impl fmt::Display for MonthSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql_value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_one_way_everywhere() {
        assert_eq!("2024-01".parse::<Month>().unwrap().to_string(), "2024-01");
        assert_eq!("2017-7".parse::<Month>().unwrap().to_string(), "2017-07");
        assert_eq!(
            "2017-7".parse::<Month>().unwrap().first_day(),
            NaiveDate::from_ymd_opt(2017, 7, 1).unwrap()
        );
        for bad in [
            "2024",
            "2024-13",
            "2024-0",
            "24-01",
            "2024-01-01",
            "x",
            "2019-1'",
            "+202-01",
            "all",
        ] {
            assert_eq!(
                bad.parse::<Month>().unwrap_err().to_string(),
                format!("expected a month as YYYY-MM, e.g. 2024-01; found \"{bad}\"")
            );
        }
        assert!("2019-12".parse::<Month>().unwrap() < "2020-01".parse::<Month>().unwrap());
    }

    #[test]
    fn a_selection_is_a_month_or_all() {
        assert_eq!(
            "all".parse::<MonthSelection>().unwrap(),
            MonthSelection::All
        );
        assert_eq!(
            "2019-12".parse::<MonthSelection>().unwrap().sql_value(),
            "2019-12"
        );
        assert_eq!(
            "2019-13".parse::<MonthSelection>().unwrap_err().to_string(),
            "expected a month as YYYY-MM (e.g. 2019-12) or `all`; found \"2019-13\""
        );
    }
}
