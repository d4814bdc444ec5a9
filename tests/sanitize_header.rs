//! `sanitize::header`'s public behaviour: header name and value checks.

use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::header::{
    MAX_HEADER_NAME_BYTES, MAX_HEADER_VALUE_BYTES, check_header_name, check_header_value,
};

// ---- header ----------------------------------------------------------------------------

#[test]
fn header_name_accepts_token_characters() {
    for name in [
        "Content-Type",
        "X-Request-Id",
        "x",
        "X-Custom_Header.v1",
        "!#$%&'*+-.^_`|~09AZaz",
    ] {
        assert_eq!(check_header_name(name), Ok(()), "{name}");
    }
}

#[test]
fn header_name_refuses_empty_separators_and_non_ascii() {
    for bad in [
        "",
        "Bad Name",
        "X-A:b",
        "X-A\r\nSet-Cookie",
        "X-\0",
        "X-\t",
        "X-Ünï",
        "(x)",
        "a/b",
        "a@b",
        "a\"b",
        "a,b",
        "a;b",
        "a=b",
        "{a}",
        "[a]",
        "a?",
    ] {
        assert_eq!(check_header_name(bad), Err(SanitizeError::InvalidHeaderName), "{bad:?}");
    }
}

#[test]
fn header_name_refuses_more_than_256_bytes() {
    assert_eq!(MAX_HEADER_NAME_BYTES, 256);
    assert_eq!(check_header_name(&"x".repeat(256)), Ok(()));
    assert_eq!(
        check_header_name(&"x".repeat(257)),
        Err(SanitizeError::TooLarge { limit: 256 })
    );
}

#[test]
fn header_value_refuses_crlf_injection() {
    for bad in ["a\r\nSet-Cookie: x", "en\r\n\r\n<html>", "a\rb", "a\nb", "\n"] {
        assert_eq!(
            check_header_value(bad),
            Err(SanitizeError::InvalidHeaderValue),
            "{bad:?}"
        );
    }
}

#[test]
fn header_value_refuses_nul_del_and_other_controls() {
    for bad in ["a\0b", "a\u{7f}", "a\u{1b}[31m", "\u{b}", "\u{c}"] {
        assert_eq!(
            check_header_value(bad),
            Err(SanitizeError::InvalidHeaderValue),
            "{bad:?}"
        );
    }
}

#[test]
fn header_value_accepts_tab_space_quotes_and_non_ascii() {
    for ok in [
        "text/html;\tcharset=utf-8",
        "attachment; filename=\"report.pdf\"",
        "Zoë Ünï 😀",
        "",
        " padded ",
    ] {
        assert_eq!(check_header_value(ok), Ok(()), "{ok:?}");
    }
}

#[test]
fn header_value_refuses_more_than_8_kib() {
    assert_eq!(MAX_HEADER_VALUE_BYTES, 8192);
    assert_eq!(check_header_value(&"v".repeat(8192)), Ok(()));
    assert_eq!(
        check_header_value(&"v".repeat(8193)),
        Err(SanitizeError::TooLarge { limit: 8192 })
    );
}
