//! `SanitizeError`'s codes and messages, which never repeat the refused input.
#![cfg(feature = "url")]

use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::header::check_header_value;
use portcullis::sanitize::path::safe_join;
use portcullis::sanitize::sql::{Identifier, SortOrder};
use portcullis::sanitize::url::{RedirectFilter, UrlFilter};

/// The base directory of the path tests (`tests/sanitize_path.rs`).
const BASE: &str = "/srv/files";

/// The redirect policy of the URL tests (`tests/sanitize_url.rs`).
fn redirects() -> RedirectFilter {
    RedirectFilter::new().allow_host("allowed.example")
}

// ---- SanitizeError -----------------------------------------------------------------------

#[test]
fn every_error_has_its_documented_code() {
    for (err, code) in [
        (SanitizeError::TooLarge { limit: 1 }, "too_large"),
        (SanitizeError::TooManyTags { limit: 1 }, "too_many_tags"),
        (SanitizeError::TooManyAttributes { limit: 1 }, "too_many_attributes"),
        (SanitizeError::TooComplex, "too_complex"),
        (SanitizeError::UnstableMarkup, "unstable_markup"),
        (SanitizeError::InvalidConfig("x".into()), "invalid_config"),
        (SanitizeError::InvalidUrl, "invalid_url"),
        (SanitizeError::DisallowedScheme, "disallowed_scheme"),
        (SanitizeError::DisallowedHost, "disallowed_host"),
        (SanitizeError::OpenRedirect, "open_redirect"),
        (SanitizeError::PathTraversal, "path_traversal"),
        (SanitizeError::AbsolutePath, "absolute_path"),
        (SanitizeError::InvalidPath, "invalid_path"),
        (SanitizeError::PathEscapesBase, "path_escapes_base"),
        (SanitizeError::Io(std::io::ErrorKind::PermissionDenied), "io_error"),
        (SanitizeError::InvalidHeaderName, "invalid_header_name"),
        (SanitizeError::InvalidHeaderValue, "invalid_header_value"),
        (SanitizeError::InvalidIdentifier, "invalid_identifier"),
        (SanitizeError::InvalidSortOrder, "invalid_sort_order"),
        (SanitizeError::InvalidCharacter, "invalid_character"),
        (SanitizeError::TooShort { min: 1 }, "too_short"),
        (SanitizeError::TooLong { max: 1 }, "too_long"),
    ] {
        assert_eq!(err.code(), code, "{err:?}");
    }
}

#[test]
fn error_messages_state_limits_but_not_input() {
    assert_eq!(
        SanitizeError::TooLarge { limit: 4096 }.to_string(),
        "input is larger than 4096 bytes"
    );
    assert_eq!(
        SanitizeError::TooShort { min: 3 }.to_string(),
        "text must be at least 3 characters"
    );
    assert_eq!(
        SanitizeError::TooLong { max: 64 }.to_string(),
        "text must be at most 64 characters"
    );
    assert_eq!(
        SanitizeError::Io(std::io::ErrorKind::NotFound).to_string(),
        "path could not be resolved: NotFound"
    );
}

#[test]
fn error_messages_never_repeat_the_refused_input() {
    let path = "../../etc/passwd";
    let redirect = "https://evil.example/phish";
    let header = "a\r\nSet-Cookie: session=attacker";
    let url = "javascript:alert(document.cookie)";
    let messages = [
        (path, safe_join(BASE, path).unwrap_err().to_string()),
        (redirect, redirects().check(redirect).unwrap_err().to_string()),
        (header, check_header_value(header).unwrap_err().to_string()),
        (
            url,
            UrlFilter::new(["https"]).unwrap().check(url).unwrap_err().to_string(),
        ),
        (
            "id; DROP TABLE x",
            Identifier::new("id; DROP TABLE x").unwrap_err().to_string(),
        ),
        ("desc;--", "desc;--".parse::<SortOrder>().unwrap_err().to_string()),
    ];
    for (input, message) in &messages {
        assert!(!message.contains(input), "{message}");
    }
    assert_eq!(messages[0].1, "path contains a parent-directory segment");
    assert_eq!(
        messages[1].1,
        "redirect target is not a safe relative path or allowed URL"
    );
    assert_eq!(messages[2].1, "header value contains a control character");
    for fragment in ["etc/passwd", "evil.example", "Set-Cookie", "cookie"] {
        assert!(messages.iter().all(|(_, m)| !m.contains(fragment)), "{fragment}");
    }
}
