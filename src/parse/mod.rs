//! Rackspace invoice line-item CSV → typed rows with exact decimals and dates,
//! and errors that name the file, line and column.

mod error;
mod header;
mod lexer;
mod line_item;
mod service_date;

#[cfg(test)]
mod tests;

pub use error::{Column, ParseError, ParseErrorKind};
pub use header::{HEADER, HEADER_LINE};
pub use line_item::{LineItem, LineType, parse_line_items};
pub use service_date::parse_service_date;
