//! HTTP header names and values from untrusted input, checked before they are sent:
//! no CR, LF or NUL means no response splitting or header injection (CWE-113).
//!
//! ```
//! use portcullis::sanitize::header::{check_header_name, check_header_value};
//!
//! check_header_name("X-Request-Id")?;
//! check_header_value("attachment; filename=\"report.pdf\"")?;
//! let split = "en\r\nSet-Cookie: session=attacker";
//! assert_eq!(check_header_value(split).unwrap_err().code(), "invalid_header_value");
//! # Ok::<(), portcullis::sanitize::SanitizeError>(())
//! ```
//!
//! Values are limited to [`MAX_HEADER_VALUE_BYTES`] (8 KiB) and names to
//! [`MAX_HEADER_NAME_BYTES`] (256 bytes).

use super::SanitizeError;

/// The longest header name accepted: 256 bytes.
pub const MAX_HEADER_NAME_BYTES: usize = 256;

/// The longest header value accepted: 8 KiB, the smallest limit common servers and
/// proxies apply to a whole header line.
pub const MAX_HEADER_VALUE_BYTES: usize = 8 * 1024;

/// Checks that `name` is an RFC 9110 §5.1 field name: a non-empty `token` of
/// letters, digits and ``!#$%&'*+-.^_`|~``.
///
/// # Errors
///
/// [`SanitizeError::InvalidHeaderName`], or [`SanitizeError::TooLarge`].
///
/// ```
/// use portcullis::sanitize::header::check_header_name;
///
/// assert!(check_header_name("Content-Type").is_ok());
/// assert!(check_header_name("Bad Name").is_err());
/// assert!(check_header_name("X-A:b").is_err());
/// ```
pub fn check_header_name(name: &str) -> Result<(), SanitizeError> {
    if name.len() > MAX_HEADER_NAME_BYTES {
        return Err(SanitizeError::TooLarge {
            limit: MAX_HEADER_NAME_BYTES,
        });
    }
    let is_tchar = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
    if name.is_empty() || !name.as_bytes().iter().all(is_tchar) {
        return Err(SanitizeError::InvalidHeaderName);
    }
    Ok(())
}

/// Checks that `value` is safe as an RFC 9110 §5.5 field value: no control
/// characters other than horizontal tab; so no CR, LF or NUL. Non-ASCII text
/// (sent as UTF-8 bytes, RFC 9110's `obs-text`) is allowed.
///
/// # Errors
///
/// [`SanitizeError::InvalidHeaderValue`], or [`SanitizeError::TooLarge`].
///
/// ```
/// use portcullis::sanitize::header::check_header_value;
///
/// assert!(check_header_value("text/html;\tcharset=utf-8").is_ok());
/// assert!(check_header_value("a\rb").is_err());
/// assert!(check_header_value("a\0b").is_err());
/// assert!(check_header_value("a\u{7f}").is_err());
/// ```
pub fn check_header_value(value: &str) -> Result<(), SanitizeError> {
    if value.len() > MAX_HEADER_VALUE_BYTES {
        return Err(SanitizeError::TooLarge {
            limit: MAX_HEADER_VALUE_BYTES,
        });
    }
    if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
        return Err(SanitizeError::InvalidHeaderValue);
    }
    Ok(())
}
