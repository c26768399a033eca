//! One Rackspace invoice line-item CSV → typed [`LineItem`] rows.

use std::fmt;

use chrono::NaiveDateTime;

use super::error::{Column, ParseError, ParseErrorKind};
use super::header::HEADER;
use super::lexer::{Field, LexError, Lexer};
use super::service_date::parse_service_date;
use crate::amount::Amount;

/// The `Type` column. Values tally has not seen are kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LineType {
    Renewal,
    Upgrade,
    Other(String),
}

impl LineType {
    pub fn from_text(text: &str) -> LineType {
        match text {
            "Renewal" => LineType::Renewal,
            "Upgrade" => LineType::Upgrade,
            other => LineType::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            LineType::Renewal => "Renewal",
            LineType::Upgrade => "Upgrade",
            LineType::Other(text) => text,
        }
    }
}

impl fmt::Display for LineType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of an invoice's line-item CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    /// 1-based position among the file's rows (the header is not counted).
    pub line_no: u32,
    /// The row's `Account No`: the sub-account billed, not the invoice owner.
    pub account_no: String,
    pub reference_no: String,
    pub domain: String,
    pub product: String,
    pub line_type: LineType,
    pub service_start: NaiveDateTime,
    pub service_end: NaiveDateTime,
    pub term_committed_usage: Amount,
    pub current_usage: Amount,
    pub usage_change: Amount,
    /// Billed months, as the provider rounded them (two places).
    pub months: Amount,
    pub rate: Amount,
    pub charge: Amount,
}

/// Parses a whole line-item CSV. `source_name` (a path or URL) only labels errors.
///
/// Accepts a UTF-8 BOM, CRLF or LF, quoted fields with commas, doubled quotes and
/// line breaks, blank lines, and a missing final newline. A header-only file is an
/// invoice with no lines.
pub fn parse_line_items(source_name: &str, bytes: &[u8]) -> Result<Vec<LineItem>, ParseError> {
    let error = |line, column, kind| ParseError {
        source_name: source_name.to_owned(),
        line,
        column,
        kind,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = Column::Byte(e.valid_up_to() - line_start + 1);
        error(
            line,
            Some(column),
            ParseErrorKind::InvalidUtf8 {
                byte: bytes[e.valid_up_to()],
            },
        )
    })?;

    let mut lexer = Lexer::new(text);
    let mut fields: Vec<Field<'_>> = Vec::with_capacity(HEADER.len());
    let lex_error = |e| match e {
        LexError::UnterminatedQuote { line, field } => {
            error(line, Some(column(field)), ParseErrorKind::UnterminatedQuote)
        }
        LexError::TextAfterQuote { line, field, found } => error(
            line,
            Some(column(field)),
            ParseErrorKind::TextAfterQuote { found },
        ),
    };

    let Some(header_line) = lexer.next_record(&mut fields).map_err(lex_error)? else {
        return Err(error(1, None, ParseErrorKind::Empty));
    };
    check_header(&fields).map_err(|(number, kind)| {
        error(
            header_line,
            Some(Column::Field { number, name: None }),
            kind,
        )
    })?;

    // Lines are ~100 – 200 bytes: room for most files' lines without regrowing.
    let mut items = Vec::with_capacity(text.len() / 128);
    let mut dates = [LastDate::default(), LastDate::default()];
    while let Some(line) = lexer.next_record(&mut fields).map_err(lex_error)? {
        if fields.len() != HEADER.len() {
            let kind = ParseErrorKind::FieldCount {
                expected: HEADER.len(),
                found: fields.len(),
            };
            return Err(error(line, None, kind));
        }
        let line_no = u32::try_from(items.len() + 1).expect("fewer than 4 billion lines");
        let item = parse_row(line_no, &fields, &mut dates)
            .map_err(|(index, kind)| error(fields[index].line, Some(column(index + 1)), kind))?;
        items.push(item);
    }
    Ok(items)
}

fn column(number: usize) -> Column {
    Column::Field {
        number,
        name: HEADER.get(number - 1).copied(),
    }
}

fn check_header(fields: &[Field<'_>]) -> Result<(), (usize, ParseErrorKind)> {
    for (i, expected) in HEADER.iter().enumerate() {
        match fields.get(i) {
            None => return Err((i + 1, ParseErrorKind::HeaderMissing { expected })),
            Some(f) if f.text != *expected => {
                // A short header whose next name appears here lost a column.
                let dropped = fields.len() < HEADER.len()
                    && HEADER.get(i + 1).is_some_and(|next| f.text == *next);
                let kind = if dropped {
                    ParseErrorKind::HeaderMissing { expected }
                } else {
                    ParseErrorKind::HeaderRenamed {
                        expected,
                        found: f.text.to_string(),
                    }
                };
                return Err((i + 1, kind));
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = fields.get(HEADER.len()) {
        let kind = ParseErrorKind::HeaderExtra {
            found: extra.text.to_string(),
        };
        return Err((HEADER.len() + 1, kind));
    }
    Ok(())
}

/// The last service date parsed in one column, as written and as read: an
/// invoice's lines mostly share their dates (parsing them was 5 % of a load's CPU).
#[derive(Default)]
struct LastDate {
    text: String,
    at: Option<NaiveDateTime>,
}

impl LastDate {
    /// `text` as a date: the last one's value if it is written the same.
    fn parse(&mut self, text: &str) -> Option<NaiveDateTime> {
        if self.at.is_none() || self.text != text {
            self.at = parse_service_date(text);
            self.text.clear();
            self.text.push_str(text);
        }
        self.at
    }
}

/// Parses one 13-field row (the service dates through the last ones read); an error
/// carries the 0-based index of the bad field.
fn parse_row(
    line_no: u32,
    f: &[Field<'_>],
    dates: &mut [LastDate; 2],
) -> Result<LineItem, (usize, ParseErrorKind)> {
    let amount = |i: usize| Amount::parse(&f[i].text).map_err(|e| (i, ParseErrorKind::Amount(e)));
    let [start, end] = dates;
    let date = |last: &mut LastDate, i: usize| {
        last.parse(&f[i].text).ok_or_else(|| {
            (
                i,
                ParseErrorKind::Date {
                    found: f[i].text.to_string(),
                },
            )
        })
    };
    Ok(LineItem {
        line_no,
        account_no: f[0].text.to_string(),
        reference_no: f[1].text.to_string(),
        domain: f[2].text.to_string(),
        product: f[3].text.to_string(),
        line_type: LineType::from_text(&f[4].text),
        service_start: date(start, 5)?,
        service_end: date(end, 6)?,
        term_committed_usage: amount(7)?,
        current_usage: amount(8)?,
        usage_change: amount(9)?,
        months: amount(10)?,
        rate: amount(11)?,
        charge: amount(12)?,
    })
}
