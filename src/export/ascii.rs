//! Provider text as a format that admits only ASCII holds it (FOCUS: the
//! validator's StringHandling rules): a domain in its IDNA ASCII form, the form DNS
//! itself uses (`bücher.example` → `xn--bcher-kva.example`); any other text
//! transliterated (`Büro Mail` → `Buro Mail`, `–` → `-`), a character without a
//! transliteration written `?`, never dropped. ASCII text is kept as it is.

use std::borrow::Cow;

/// Written for a character that has no ASCII transliteration.
const UNKNOWN: &str = "?";

/// `text` in ASCII: itself when it is ASCII, else transliterated.
pub fn text(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(deunicode::deunicode_with_tofu(text, UNKNOWN))
    }
}

/// A domain in ASCII: itself when it is ASCII (case kept as stored), else its IDNA
/// ASCII form (lowercased, labels in Punycode), checked strictly; a name that is no
/// valid domain (spaces, a symbol no host name may hold) is transliterated like
/// other text.
pub fn domain(domain: &str) -> Cow<'_, str> {
    if domain.is_ascii() {
        return Cow::Borrowed(domain);
    }
    match idna::domain_to_ascii_strict(domain) {
        Ok(ascii) if !ascii.is_empty() => Cow::Owned(ascii),
        _ => text(domain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_take_their_idna_form_and_ascii_stays_as_stored() {
        assert_eq!(domain("bücher.example"), "xn--bcher-kva.example");
        assert_eq!(domain("Bücher.Example"), "xn--bcher-kva.example");
        assert_eq!(domain("日本語.example"), "xn--wgv71a119e.example");
        assert_eq!(domain("MyOtherDomain"), "MyOtherDomain");
        // Not a domain IDNA takes: transliterated, nothing dropped.
        assert_eq!(domain("büro mail ✓"), "buro mail OK");
        assert_eq!(domain("bü_ro\u{E000}.example"), "bu_ro?.example");
    }

    #[test]
    fn text_is_transliterated_never_dropped() {
        assert_eq!(text("Büro Mail"), "Buro Mail");
        assert_eq!(text("Exchange – 50 GB"), "Exchange - 50 GB");
        assert_eq!(text("Straßenbau Köln"), "Strassenbau Koln");
        assert_eq!(text("Łódź Dental"), "Lodz Dental");
        assert_eq!(text("Hosted Exchange"), "Hosted Exchange");
        assert_eq!(text("private \u{E000} use"), "private ? use");
        for sample in ["メール Plus", "Ñandú Viajes", "Øresund", "emoji 🦀 x"] {
            let ascii = text(sample);
            assert!(ascii.is_ascii(), "{ascii}");
            assert!(
                ascii.len() >= sample.chars().count() / 2,
                "{sample} -> {ascii}"
            );
        }
    }
}
