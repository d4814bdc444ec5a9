//! `sanitize::text`'s public behaviour: `strip_controls`, `check_length` and
//! `IdentifierRules` normalization.

use std::borrow::Cow;

use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::text::{IdentifierRules, MAX_IDENTIFIER_CHARS, check_length, strip_controls};

fn is_borrowed(cow: Cow<'_, str>) -> bool {
    matches!(cow, Cow::Borrowed(_))
}

// ---- text: strip_controls --------------------------------------------------------------

#[test]
fn strip_controls_removes_every_bidi_override_embedding_isolate_and_mark() {
    for c in [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        '\u{200E}', '\u{200F}', '\u{061C}',
    ] {
        assert_eq!(strip_controls(&format!("a{c}b")), "ab", "U+{:04X}", u32::from(c));
    }
    assert_eq!(strip_controls("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
}

#[test]
fn strip_controls_removes_zero_width_characters_word_joiners_and_the_bom() {
    for c in [
        '\u{200B}', '\u{2060}', '\u{2061}', '\u{2062}', '\u{2063}', '\u{2064}', '\u{206A}', '\u{206F}', '\u{FEFF}',
    ] {
        assert_eq!(strip_controls(&format!("a{c}b")), "ab", "U+{:04X}", u32::from(c));
    }
}

#[test]
fn strip_controls_removes_tag_characters_that_smuggle_invisible_text() {
    // "hi" written in tag characters is invisible in most renderers.
    assert_eq!(strip_controls("ok\u{E0068}\u{E0069}\u{E007F}"), "ok");
}

#[test]
fn strip_controls_keeps_the_joiners_scripts_and_emoji_need() {
    let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
    assert!(matches!(strip_controls(family), Cow::Borrowed(_)));
    let persian = "\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}";
    assert_eq!(strip_controls(persian), persian);
}

#[test]
fn strip_controls_removes_c0_except_tab_and_line_feed() {
    for byte in (0u8..0x20).filter(|b| *b != b'\t' && *b != b'\n') {
        let c = char::from(byte);
        assert_eq!(strip_controls(&format!("a{c}b")), "ab", "U+{byte:04X}");
    }
    assert_eq!(strip_controls("a\tb\nc"), "a\tb\nc");
}

#[test]
fn strip_controls_removes_carriage_return_and_keeps_the_line_feed() {
    assert_eq!(strip_controls("line 1\r\nline 2\rover"), "line 1\nline 2over");
}

#[test]
fn strip_controls_removes_del_and_c1_controls() {
    assert_eq!(strip_controls("a\u{7f}b"), "ab");
    for code in 0x80u32..=0x9F {
        let c = char::from_u32(code).unwrap();
        assert_eq!(strip_controls(&format!("a{c}b")), "ab", "U+{code:04X}");
    }
}

#[test]
fn strip_controls_keeps_an_ansi_escape_sequence_inert() {
    assert_eq!(strip_controls("\u{1b}[31mred\u{1b}[0m"), "[31mred[0m");
}

#[test]
fn strip_controls_is_borrowed_when_clean() {
    for clean in ["plain", "", "tab\tand\nnewline", "Zoë 😀 עברית"] {
        assert!(is_borrowed(strip_controls(clean)), "{clean:?}");
    }
    assert!(!is_borrowed(strip_controls("a\u{200B}")));
}

// ---- text: check_length ----------------------------------------------------------------

#[test]
fn check_length_counts_characters_not_bytes() {
    assert_eq!(check_length("😀😀", 2, 2), Ok(()));
    assert_eq!(check_length("ünï", 3, 3), Ok(()));
    assert_eq!(check_length("😀😀😀", 1, 2), Err(SanitizeError::TooLong { max: 2 }));
}

#[test]
fn check_length_counts_combining_marks_as_characters() {
    assert_eq!(check_length("e\u{301}", 2, 2), Ok(()));
    assert_eq!(check_length("e\u{301}", 1, 1), Err(SanitizeError::TooLong { max: 1 }));
}

#[test]
fn check_length_reports_the_bound_that_was_missed() {
    assert_eq!(check_length("", 1, 10), Err(SanitizeError::TooShort { min: 1 }));
    assert_eq!(check_length("ab", 3, 10).unwrap_err().code(), "too_short");
    assert_eq!(check_length(&"a".repeat(11), 1, 10).unwrap_err().code(), "too_long");
    assert_eq!(check_length(&"a".repeat(1 << 20), 0, usize::MAX), Ok(()));
}

// ---- text: IdentifierRules ---------------------------------------------------------------

#[test]
fn identifier_rules_map_fullwidth_to_ascii() {
    let rules = IdentifierRules::default();
    assert_eq!(rules.normalize("ＡＬＩＣＥ").unwrap(), "alice");
    assert_eq!(rules.normalize("Ｂob").unwrap(), "bob");
}

#[test]
fn identifier_rules_case_fold_rather_than_lowercase() {
    let rules = IdentifierRules::default();
    assert_eq!(rules.normalize("Straße").unwrap(), "strasse");
    assert_eq!(rules.normalize("ẞ").unwrap(), "ss");
    assert_eq!(rules.normalize("ς").unwrap(), "σ");
    assert_eq!(rules.normalize("ΣΊΣΥΦΟΣ").unwrap(), "σίσυφοσ");
    assert_eq!(rules.normalize("ǅemal").unwrap(), "džemal");
    assert_eq!(rules.normalize("\u{212A}").unwrap(), "k"); // KELVIN SIGN
}

#[test]
fn identifier_rules_fold_turkish_dotted_capital_i_to_i_with_combining_dot() {
    let rules = IdentifierRules::default();
    assert_eq!(rules.normalize("İstanbul").unwrap(), "i\u{307}stanbul");
    assert_ne!(
        rules.normalize("İstanbul").unwrap(),
        rules.normalize("istanbul").unwrap()
    );
    assert_eq!(rules.normalize("ı").unwrap(), "ı");
}

#[test]
fn identifier_rules_apply_nfkc_to_ligatures_and_compatibility_forms() {
    let rules = IdentifierRules::default();
    assert_eq!(rules.normalize("ﬁnn").unwrap(), "finn");
    assert_eq!(rules.normalize("ﬃ").unwrap(), "ffi");
    assert_eq!(rules.normalize("①").unwrap(), "1");
    assert_eq!(rules.normalize("™").unwrap(), "tm");
    assert_eq!(rules.normalize("㎏").unwrap(), "kg");
}

#[test]
fn identifier_rules_compose_decomposed_forms() {
    let rules = IdentifierRules::default();
    assert_eq!(rules.normalize("A\u{30A}ngstro\u{308}m").unwrap(), "ångström");
    assert_eq!(
        rules.normalize("Ångström").unwrap(),
        rules.normalize("A\u{30A}ngstro\u{308}m").unwrap()
    );
}

#[test]
fn identifier_rules_refuse_whitespace_controls_and_invisible_characters() {
    let rules = IdentifierRules::default();
    for bad in [
        "al ice",
        " alice",
        "alice ",
        "a\tb",
        "a\nb",
        "a\u{A0}b",
        "a\u{3000}b",
        "a\u{0}b",
        "a\u{7f}b",
        "a\u{85}b",
        "x\u{200B}y",
        "x\u{200D}y",
        "x\u{202E}y",
        "x\u{2066}y",
        "x\u{FEFF}y",
        "a\u{E000}",
        "a\u{FFFF}",
        "a\u{FDD0}",
        " ",
    ] {
        assert_eq!(rules.normalize(bad), Err(SanitizeError::InvalidCharacter), "{bad:?}");
    }
}

#[test]
fn identifier_rules_refuse_other_invisible_format_characters() {
    // Each renders as "ab" (or nothing at all) yet normalizes to an identifier that
    // is not "ab": SOFT HYPHEN, MONGOLIAN VOWEL SEPARATOR, TAG LATIN CAPITAL LETTER A,
    // MUSICAL SYMBOL BEGIN BEAM. All are Cf and Default_Ignorable_Code_Point, which
    // PRECIS's IdentifierClass disallows.
    let rules = IdentifierRules::default();
    for c in [
        '\u{AD}',
        '\u{180E}',
        '\u{E0041}',
        '\u{1D173}',
        '\u{2800}',
        '\u{3164}',
        '\u{FE0F}',
        '\u{34F}',
    ] {
        assert_eq!(
            rules.normalize(&format!("a{c}b")),
            Err(SanitizeError::InvalidCharacter),
            "U+{:04X}",
            u32::from(c)
        );
    }
}

#[test]
fn identifier_rules_count_bounds_after_normalization() {
    let rules = IdentifierRules::new(3, 5).unwrap();
    assert_eq!(rules.normalize("ß"), Err(SanitizeError::TooShort { min: 3 })); // "ss"
    assert_eq!(rules.normalize("ßß").unwrap(), "ssss");
    assert_eq!(rules.normalize("ﬃ").unwrap(), "ffi");
    assert_eq!(rules.normalize("ab"), Err(SanitizeError::TooShort { min: 3 }));
    assert_eq!(rules.normalize("abcdef"), Err(SanitizeError::TooLong { max: 5 }));
    let default = IdentifierRules::default();
    assert_eq!(default.normalize(&"ß".repeat(32)).unwrap(), "s".repeat(64));
    assert_eq!(
        default.normalize(&"ß".repeat(33)),
        Err(SanitizeError::TooLong { max: 64 })
    );
    assert_eq!(default.normalize(""), Err(SanitizeError::TooShort { min: 1 }));
}

#[test]
fn identifier_rules_refuse_huge_input_as_too_long_before_normalizing() {
    let rules = IdentifierRules::default();
    // Spaces would be `invalid_character` if normalization ran; 18 bytes per allowed
    // character is the cut-off.
    assert_eq!(
        rules.normalize(&" ".repeat(64 * 18 + 1)),
        Err(SanitizeError::TooLong { max: 64 })
    );
    assert_eq!(
        rules.normalize(&" ".repeat(64 * 18)),
        Err(SanitizeError::InvalidCharacter)
    );
    assert_eq!(
        rules.normalize(&"a".repeat(16 << 20)),
        Err(SanitizeError::TooLong { max: 64 })
    );
}

#[test]
fn identifier_rules_validate_their_bounds() {
    let expected = SanitizeError::InvalidConfig(format!(
        "identifier bounds must satisfy 1 <= min <= max <= {MAX_IDENTIFIER_CHARS}"
    ));
    assert_eq!(IdentifierRules::new(0, 5), Err(expected.clone()));
    assert_eq!(IdentifierRules::new(6, 5), Err(expected.clone()));
    assert_eq!(IdentifierRules::new(1, MAX_IDENTIFIER_CHARS + 1), Err(expected));
    assert!(IdentifierRules::new(1, MAX_IDENTIFIER_CHARS).is_ok());
    assert!(IdentifierRules::new(5, 5).is_ok());
}
