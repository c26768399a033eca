//! The one error a line-item CSV can produce: what was wrong, and exactly where.

use std::fmt;

use super::header::HEADER_LINE;
use crate::amount::AmountError;

/// Where in a line the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// A CSV field: its 1-based number and, when it has one, its header name.
    Field {
        number: usize,
        name: Option<&'static str>,
    },
    /// A 1-based byte position within the line (for bytes that are not text).
    Byte(usize),
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Column::Field {
                number,
                name: Some(name),
            } => write!(f, "column {number} ({name})"),
            Column::Field { number, name: None } => write!(f, "column {number}"),
            Column::Byte(n) => write!(f, "byte {n}"),
        }
    }
}

/// A line-item CSV that tally refuses, naming the source, line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The file path or URL the text came from.
    pub source_name: String,
    /// 1-based physical line.
    pub line: usize,
    pub column: Option<Column>,
    pub kind: ParseErrorKind,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: line {}", self.source_name, self.line)?;
        if let Some(column) = &self.column {
            write!(f, ", {column}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    #[error("the file is empty; expected the header row {HEADER_LINE:?}")]
    Empty,
    #[error("invalid UTF-8: found byte 0x{byte:02X}; the file must be UTF-8 text")]
    InvalidUtf8 { byte: u8 },
    #[error("a quoted field opens here and is never closed (the closing '\"' is missing)")]
    UnterminatedQuote,
    #[error("expected ',' or the end of the line after a closing quote, found {found:?}")]
    TextAfterQuote { found: char },
    #[error("header: expected column {expected:?}, found {found:?}")]
    HeaderRenamed {
        expected: &'static str,
        found: String,
    },
    #[error("header: missing column {expected:?} (expected {HEADER_LINE:?})")]
    HeaderMissing { expected: &'static str },
    #[error("header: unexpected extra column {found:?} (expected {HEADER_LINE:?})")]
    HeaderExtra { found: String },
    #[error("expected {expected} fields, found {found}")]
    FieldCount { expected: usize, found: usize },
    #[error("{0}")]
    Amount(AmountError),
    #[error("expected a date like \"12/1/2017 12:00:00 AM\", found {found:?}")]
    Date { found: String },
}
