//! Checked identifiers: an account number and an invoice id are checked once,
//! where they come in (a flag, a file name), and trusted from then on.

use std::fmt;

/// A provider account number: digits only (Rackspace's are, e.g. `1100000`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountNumber(String);

/// Why a text is not an [`AccountNumber`] or an [`InvoiceId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("expected an account number (digits only, e.g. 1100000); found \"{0}\"")]
    Account(String),
    #[error("an invoice id must not be empty")]
    EmptyInvoice,
    #[error("invoice id \"{0}…\" is longer than {MAX_INVOICE_ID} characters")]
    LongInvoice(String),
    #[error(
        "invoice id {0:?} holds a path separator or a control character; give one with --invoice-id"
    )]
    BadInvoice(String),
    #[error(
        "expected a currency as three capital letters (ISO 4217), e.g. USD or EUR; found \"{0}\""
    )]
    Currency(String),
}

/// A currency code: three capital letters (ISO 4217), `USD` by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency(String);

impl Default for Currency {
    fn default() -> Currency {
        Currency("USD".into())
    }
}

impl std::str::FromStr for Currency {
    type Err = IdError;
    fn from_str(text: &str) -> Result<Currency, IdError> {
        if text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Currency(text.to_owned()))
        } else {
            Err(IdError::Currency(text.chars().take(20).collect()))
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AccountNumber {
    pub fn parse(text: &str) -> Result<AccountNumber, IdError> {
        let t = text.trim();
        if t.is_empty() || t.len() > 32 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Account(shown(text)));
        }
        Ok(AccountNumber(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The longest invoice id accepted.
pub const MAX_INVOICE_ID: usize = 64;

/// An invoice id: 1 to 64 characters, no path separator, no control character
/// (it names files and goes into URLs and terminal output).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvoiceId(String);

impl InvoiceId {
    pub fn parse(text: &str) -> Result<InvoiceId, IdError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(IdError::EmptyInvoice);
        }
        if t.chars().count() > MAX_INVOICE_ID {
            return Err(IdError::LongInvoice(t.chars().take(20).collect()));
        }
        if t.chars().any(|c| c == '/' || c == '\\' || c.is_control()) {
            return Err(IdError::BadInvoice(t.to_owned()));
        }
        Ok(InvoiceId(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address as the providers take it: `local@domain.tld`, no spaces or
/// control characters.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// At most 40 characters of a bad value, for a message.
fn shown(text: &str) -> String {
    text.chars()
        .take(40)
        .collect::<String>()
        .escape_debug()
        .to_string()
}

/// A checked id reads as its text wherever text is wanted (a URL path, a bound
/// parameter, a message): `&account` is a `&str`.
impl std::ops::Deref for AccountNumber {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for InvoiceId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<&str> for AccountNumber {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<&str> for InvoiceId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Bound as its text.
impl duckdb::ToSql for AccountNumber {
    fn to_sql(&self) -> duckdb::Result<duckdb::types::ToSqlOutput<'_>> {
        Ok(duckdb::types::ToSqlOutput::from(self.0.as_str()))
    }
}

impl duckdb::ToSql for InvoiceId {
    fn to_sql(&self) -> duckdb::Result<duckdb::types::ToSqlOutput<'_>> {
        Ok(duckdb::types::ToSqlOutput::from(self.0.as_str()))
    }
}

impl fmt::Display for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for InvoiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_digits() {
        assert_eq!(
            AccountNumber::parse(" 1100000 ").unwrap().as_str(),
            "1100000"
        );
        for bad in ["", "me", "12a", "1 2", "local", "-1"] {
            assert_eq!(
                AccountNumber::parse(bad).unwrap_err().to_string(),
                format!("expected an account number (digits only, e.g. 1100000); found \"{bad}\"")
            );
        }
    }

    #[test]
    fn invoice_ids() {
        assert_eq!(InvoiceId::parse("123123").unwrap().as_str(), "123123");
        assert_eq!(
            InvoiceId::parse("INV-2017.12_a").unwrap().as_str(),
            "INV-2017.12_a"
        );
        assert_eq!(
            InvoiceId::parse("  ").unwrap_err().to_string(),
            "an invoice id must not be empty"
        );
        assert_eq!(
            InvoiceId::parse(&"9".repeat(65)).unwrap_err().to_string(),
            "invoice id \"99999999999999999999…\" is longer than 64 characters"
        );
        assert!(InvoiceId::parse(&"9".repeat(64)).is_ok());
        assert_eq!(
            InvoiceId::parse("a/b").unwrap_err().to_string(),
            "invoice id \"a/b\" holds a path separator or a control character; give one with --invoice-id"
        );
        assert_eq!(
            InvoiceId::parse("a\u{1b}[2Jb").unwrap_err().to_string(),
            "invoice id \"a\\u{1b}[2Jb\" holds a path separator or a control character; give one with --invoice-id"
        );
        assert!(InvoiceId::parse("a\\b").is_err());
    }
}
