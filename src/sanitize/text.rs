//! Plain text from untrusted input: invisible and direction-changing characters
//! removed, identifiers normalized so that look-alike spellings compare equal, and
//! lengths counted in characters.
//!
//! ```
//! use portcullis::sanitize::text::{IdentifierRules, strip_controls};
//!
//! // "Trojan Source" (CVE-2021-42574): a right-to-left override reorders what a
//! // reviewer or a log reader sees.
//! assert_eq!(strip_controls("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
//!
//! // Fullwidth, uppercase and composed forms of one name are one account.
//! let usernames = IdentifierRules::new(3, 32)?;
//! assert_eq!(usernames.normalize("ＡＬＩＣＥ")?, "alice");
//! assert_eq!(usernames.normalize("Ångström")?, usernames.normalize("A\u{30a}ngstro\u{308}m")?);
//! assert_eq!(usernames.normalize("al ice").unwrap_err().code(), "invalid_character");
//! # Ok::<(), portcullis::sanitize::SanitizeError>(())
//! ```

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

use super::SanitizeError;

/// The largest `max_chars` an [`IdentifierRules`] may have: 1,024.
pub const MAX_IDENTIFIER_CHARS: usize = 1024;

/// Format characters that change how surrounding text is displayed, or hide text,
/// without being visible: bidi embeddings, overrides and isolates (Unicode UAX #9),
/// directional marks, the zero-width space, word joiner and invisible operators,
/// deprecated format controls, the byte order mark, and tag characters (which can
/// smuggle invisible ASCII). The zero-width non-joiner and joiner (U+200C, U+200D)
/// are kept: Persian, Indic scripts and emoji sequences need them.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}'                      // ARABIC LETTER MARK
        | '\u{200B}'                    // ZERO WIDTH SPACE
        | '\u{200E}'..='\u{200F}'       // LRM, RLM
        | '\u{202A}'..='\u{202E}'       // LRE, RLE, PDF, LRO, RLO
        | '\u{2060}'..='\u{2064}'       // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}'       // LRI, RLI, FSI, PDI
        | '\u{206A}'..='\u{206F}'       // deprecated format controls
        | '\u{FEFF}'                    // zero-width no-break space (BOM)
        | '\u{E0000}'..='\u{E007F}'     // tag characters
    )
}

/// Removes control characters (C0 except tab and line feed, DEL, C1) and invisible
/// format characters (bidi embeddings, overrides, isolates and marks; the zero-width
/// space and word joiner; deprecated format controls; the BOM; tag characters).
/// Zero-width joiners and non-joiners stay: scripts and emoji need them. Borrowed
/// when there is nothing to remove.
///
/// Carriage returns are removed too: a lone CR rewrites a terminal line, and text
/// that used CRLF keeps its LF.
///
/// ```
/// use portcullis::sanitize::text::strip_controls;
///
/// assert_eq!(strip_controls("line 1\r\nline\u{0} 2\t\u{1b}[31mred"), "line 1\nline 2\t[31mred");
/// assert!(matches!(strip_controls("plain"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn strip_controls(input: &str) -> Cow<'_, str> {
    let remove = |c: char| (c.is_control() && c != '\t' && c != '\n') || is_invisible_format(c);
    if !input.chars().any(remove) {
        return Cow::Borrowed(input);
    }
    Cow::Owned(input.chars().filter(|c| !remove(*c)).collect())
}

/// Checks that `input` has `min..=max` characters (Unicode scalar values, not
/// bytes: `é` is one, and so is `😀`).
///
/// # Errors
///
/// [`SanitizeError::TooShort`] or [`SanitizeError::TooLong`].
///
/// ```
/// use portcullis::sanitize::text::check_length;
///
/// assert!(check_length("ünï", 3, 3).is_ok());
/// assert_eq!(check_length("", 1, 10).unwrap_err().code(), "too_short");
/// ```
pub fn check_length(input: &str, min: usize, max: usize) -> Result<(), SanitizeError> {
    // Counting stops one past `max`, so a huge input costs no more than a long one.
    let count = input.chars().take(max.saturating_add(1)).count();
    if count < min {
        Err(SanitizeError::TooShort { min })
    } else if count > max {
        Err(SanitizeError::TooLong { max })
    } else {
        Ok(())
    }
}

/// How identifiers (usernames, the local part of an email address, handles) are
/// normalized and bounded, after RFC 8265's `UsernameCaseMapped` profile, with NFKC
/// where the profile has width mapping and NFC, so that compatibility forms
/// (ligatures, superscripts, circled letters) also compare equal.
///
/// [`normalize`](Self::normalize):
/// 1. applies NFKC, which maps fullwidth and compatibility forms (`Ａ`, `ﬁ`) to
///    their ordinary ones (the width-mapping rule, and normalization);
/// 2. applies Unicode Default Case Folding (full folding: `ß` becomes `ss`), then
///    NFKC again so the result is stable;
/// 3. refuses whitespace, control characters, format and default-ignorable
///    characters (bidi controls, zero-width characters, soft hyphen, variation
///    selectors, Hangul fillers, the Braille blank, tag characters), private-use and
///    noncharacter code
///    points, all of which PRECIS's IdentifierClass disallows (RFC 8264 §9);
///    letters, marks, digits, punctuation and symbols pass (IdentifierClass would
///    also refuse non-ASCII punctuation and symbols);
/// 4. counts characters of the result against the bounds.
///
/// Compare and store the normalized form; two inputs are the same identifier
/// exactly when their normalized forms are equal. This does not catch confusables
/// (Unicode UTS #39): Latin `a` and Cyrillic `а` stay different, and so do `i` and
/// `i̇` (what `İ` folds to).
///
/// ```
/// use portcullis::sanitize::text::IdentifierRules;
///
/// let rules = IdentifierRules::default(); // 1 to 64 characters
/// assert_eq!(rules.normalize("Straße")?, "strasse");
/// assert_eq!(rules.normalize("ǅemal")?, "džemal");
/// assert_eq!(rules.normalize("x\u{200B}y").unwrap_err().code(), "invalid_character");
/// assert_eq!(rules.normalize(&"a".repeat(65)).unwrap_err().code(), "too_long");
/// # Ok::<(), portcullis::sanitize::SanitizeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentifierRules {
    min_chars: usize,
    max_chars: usize,
}

impl Default for IdentifierRules {
    /// 1 to 64 characters.
    fn default() -> Self {
        IdentifierRules {
            min_chars: 1,
            max_chars: 64,
        }
    }
}

impl IdentifierRules {
    /// Identifiers of `min_chars..=max_chars` characters, counted after
    /// normalization.
    ///
    /// # Errors
    ///
    /// [`SanitizeError::InvalidConfig`] unless `1 <= min_chars <= max_chars <=`
    /// [`MAX_IDENTIFIER_CHARS`].
    pub fn new(min_chars: usize, max_chars: usize) -> Result<Self, SanitizeError> {
        if min_chars == 0 || min_chars > max_chars || max_chars > MAX_IDENTIFIER_CHARS {
            return Err(SanitizeError::InvalidConfig(format!(
                "identifier bounds must satisfy 1 <= min <= max <= {MAX_IDENTIFIER_CHARS}"
            )));
        }
        Ok(IdentifierRules { min_chars, max_chars })
    }

    /// Normalizes `input` (see the type's docs).
    ///
    /// # Errors
    ///
    /// [`SanitizeError::InvalidCharacter`], [`SanitizeError::TooShort`] or
    /// [`SanitizeError::TooLong`]. An input longer than 18 bytes per allowed
    /// character (NFKC's largest expansion is 18 characters) is `TooLong` before
    /// any normalization work.
    pub fn normalize(&self, input: &str) -> Result<String, SanitizeError> {
        if input.len() > self.max_chars.saturating_mul(18) {
            return Err(SanitizeError::TooLong { max: self.max_chars });
        }
        let compatible: String = input.nfkc().collect();
        let folded = caseless::default_case_fold_str(&compatible);
        let normalized: String = folded.nfkc().collect();
        if normalized.chars().any(is_disallowed_in_identifier) {
            return Err(SanitizeError::InvalidCharacter);
        }
        check_length(&normalized, self.min_chars, self.max_chars)?;
        Ok(normalized)
    }
}

/// Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) and the rest of
/// general category Cf (format): characters that render as nothing, or change how
/// their neighbours render, so two identifiers differing only by them look alike.
/// RFC 8264 §9.13 disallows both in identifiers.
fn is_ignorable_or_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFFB}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}'
        // The Braille blank: a symbol that renders as a space.
        | '\u{2800}'
        // Format characters that are not default-ignorable.
        | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}' | '\u{0890}'..='\u{0891}' | '\u{08E2}'
        | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}'
    )
}

fn is_disallowed_in_identifier(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_ignorable_or_format(c)
        || matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}' | '\u{FDD0}'..='\u{FDEF}')
        || (u32::from(c) & 0xFFFE) == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bidi_control_is_stripped() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
            '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            assert_eq!(strip_controls(&format!("a{c}b")), "ab", "{:04X}", u32::from(c));
        }
    }

    #[test]
    fn c1_controls_are_stripped() {
        assert_eq!(strip_controls("a\u{85}b\u{9b}c"), "abc");
    }

    #[test]
    fn normalization_is_idempotent() {
        let rules = IdentifierRules::default();
        for name in ["ＡＬＩＣＥ", "Straße", "ﬁnn", "Ω", "ΣΊΣΥΦΟΣ"] {
            let once = rules.normalize(name).unwrap();
            assert_eq!(rules.normalize(&once).unwrap(), once, "{name}");
        }
    }

    #[test]
    fn private_use_and_noncharacters_are_refused() {
        let rules = IdentifierRules::default();
        for c in ['\u{E000}', '\u{FFFE}', '\u{FFFF}', '\u{1FFFF}', '\u{FDD0}'] {
            assert_eq!(rules.normalize(&format!("a{c}")), Err(SanitizeError::InvalidCharacter));
        }
    }

    #[test]
    fn bounds_are_validated() {
        assert!(IdentifierRules::new(0, 5).is_err());
        assert!(IdentifierRules::new(6, 5).is_err());
        assert!(IdentifierRules::new(1, MAX_IDENTIFIER_CHARS + 1).is_err());
    }
}
