//! Identifier normalization (`IdentifierRules::normalize`), `strip_controls` and
//! `check_length` on arbitrary strings and bounds.
//!
//! Invariants:
//! - `IdentifierRules::new` accepts exactly `1 <= min <= max <= 1024`, else refuses
//!   with `invalid_configuration`;
//! - a normalized identifier normalizes to itself (idempotent), counts `min..=max`
//!   characters, and holds no whitespace, control, format, default-ignorable,
//!   private-use or noncharacter code point; refusals are `invalid_character`,
//!   `too_short` or `too_long`, naming the rules' own bound;
//! - `strip_controls` leaves no control character but tab and line feed and none of
//!   the invisible format characters it documents, removes nothing else, is
//!   idempotent, and borrows exactly when it changes nothing;
//! - `check_length` accepts exactly the strings of `min..=max` characters, and
//!   refuses every string when `min > max`.
#![no_main]

use std::borrow::Cow;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::text::{IdentifierRules, MAX_IDENTIFIER_CHARS, check_length, strip_controls};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    min: u16,
    max: u16,
    text: &'a str,
}

fuzz_target!(|input: Input<'_>| {
    let (min, max, text) = (usize::from(input.min), usize::from(input.max), input.text);
    let rules = match IdentifierRules::new(min, max) {
        Ok(rules) => {
            assert!(
                1 <= min && min <= max && max <= MAX_IDENTIFIER_CHARS,
                "IdentifierRules::new accepted bounds {min}..={max}"
            );
            (rules, min, max)
        }
        Err(err) => {
            assert!(
                !(1 <= min && min <= max && max <= MAX_IDENTIFIER_CHARS),
                "IdentifierRules::new refused valid bounds {min}..={max}"
            );
            assert_eq!(err.code(), "invalid_config", "IdentifierRules::new refusal code");
            (IdentifierRules::default(), 1, 64)
        }
    };
    check_identifier(rules, text);
    check_strip_controls(text);
    check_lengths(text, min, max);
});

fn check_identifier((rules, min, max): (IdentifierRules, usize, usize), text: &str) {
    let normalized = match rules.normalize(text) {
        Ok(normalized) => normalized,
        Err(err) => {
            match err {
                SanitizeError::InvalidCharacter => {}
                SanitizeError::TooShort { min: bound } => {
                    assert_eq!(bound, min, "too_short names another bound than the rules' minimum");
                }
                SanitizeError::TooLong { max: bound } => {
                    assert_eq!(bound, max, "too_long names another bound than the rules' maximum");
                }
                err => panic!("normalize refusal has an undocumented code {:?}: {text:?}", err.code()),
            }
            return;
        }
    };
    let count = normalized.chars().count();
    assert!(
        (min..=max).contains(&count),
        "normalized identifier has {count} characters, outside {min}..={max}: {text:?} -> {normalized:?}"
    );
    if let Some(c) = normalized.chars().find(|c| refused_in_identifier(*c)) {
        panic!(
            "normalized identifier holds U+{:04X}, which identifiers refuse: {text:?} -> {normalized:?}",
            u32::from(c)
        );
    }
    assert_eq!(
        rules.normalize(&normalized).as_deref(),
        Ok(normalized.as_str()),
        "normalization is not idempotent: {text:?}"
    );
}

fn check_strip_controls(text: &str) {
    let stripped = strip_controls(text);
    if let Some(c) = stripped.chars().find(|c| stripped_char(*c)) {
        panic!("strip_controls left U+{:04X}: {text:?} -> {stripped:?}", u32::from(c));
    }
    let kept: String = text.chars().filter(|c| !stripped_char(*c)).collect();
    assert_eq!(
        stripped, kept,
        "strip_controls removed something it should keep: {text:?}"
    );
    assert_eq!(
        matches!(stripped, Cow::Borrowed(_)),
        stripped == text,
        "strip_controls borrows exactly when nothing changes: {text:?}"
    );
    let again = strip_controls(&stripped);
    assert!(
        matches!(again, Cow::Borrowed(_)) && again == stripped,
        "strip_controls is not idempotent: {text:?} -> {stripped:?} -> {again:?}"
    );
}

fn check_lengths(text: &str, min: usize, max: usize) {
    let count = text.chars().count();
    if min > max {
        // No length fits; which bound the refusal names is unspecified (counting
        // stops one past `max`, so a long text may be called too short).
        let err = check_length(text, min, max).expect_err("check_length accepted a length for empty bounds");
        assert!(
            matches!(err.code(), "too_short" | "too_long"),
            "check_length refusal has an undocumented code {:?}",
            err.code()
        );
        return;
    }
    match check_length(text, min, max) {
        Ok(()) => assert!(
            (min..=max).contains(&count),
            "check_length accepted {count} characters for {min}..={max}"
        ),
        Err(err) => match err.code() {
            "too_short" => assert!(
                count < min,
                "check_length: {count} characters too short for {min}..={max}?"
            ),
            "too_long" => assert!(
                count > max,
                "check_length: {count} characters too long for {min}..={max}?"
            ),
            code => panic!("check_length refusal has an undocumented code {code:?}"),
        },
    }
}

/// What `strip_controls` documents removing: C0 but tab and line feed, DEL, C1, and
/// the invisible format characters (bidi controls and marks, zero-width space, word
/// joiner and invisible operators, deprecated format controls, BOM, tags).
fn stripped_char(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c,
            '\u{061C}' | '\u{200B}' | '\u{200E}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{E0000}'..='\u{E007F}')
}

/// What `IdentifierRules::normalize` documents refusing: whitespace, controls,
/// format and default-ignorable characters, private use and noncharacters.
fn refused_in_identifier(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c,
            // Default_Ignorable_Code_Point.
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
            // Other format characters (general category Cf).
            | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}' | '\u{0890}'..='\u{0891}' | '\u{08E2}'
            | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}'
            // The Braille blank, which renders as a space.
            | '\u{2800}'
            // Private use.
            | '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{FFFFD}' | '\u{100000}'..='\u{10FFFD}'
            // Noncharacters.
            | '\u{FDD0}'..='\u{FDEF}')
        || (u32::from(c) & 0xFFFE) == 0xFFFE
}
