//! A secret (API key) that never prints: `Debug` and `Display` show `[redacted]`.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself: only for building a request signature or header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_itself() {
        let s = Secret::new("QHOvchm/40czXhJ1OxfxK7jDHr3t");
        assert_eq!(
            format!("{s} {s:?} {s:#?}"),
            "[redacted] Secret([redacted]) Secret([redacted])"
        );
        assert_eq!(s.expose(), "QHOvchm/40czXhJ1OxfxK7jDHr3t");
    }
}
