//! Untrusted input at a service boundary, per OWASP: validate it against an allowlist
//! where it enters, clean HTML with a real HTML parser where HTML must be accepted,
//! and encode output for the exact context it is written into.
//!
//! | module | for |
//! |---|---|
//! | [`encode`] | output encoding for HTML text, HTML attributes, JavaScript strings, URL components, CSS strings |
//! | `html` (feature `html`) | cleaning untrusted HTML under a strict allowlist (ammonia) |
//! | `url` (feature `url`) | URL scheme allowlists and open-redirect checks |
//! | [`sql`] | LIKE escaping, identifier quoting, sort order: what cannot be a bind parameter |
//! | [`path`] | joining untrusted relative paths under a base directory |
//! | [`header`] | HTTP header names and values without CR, LF or NUL |
//! | [`text`] | control and bidi characters, identifier normalization, length in characters |
//!
//! ```
//! use portcullis::sanitize::{encode, path, sql, text};
//!
//! let comment = "<script>alert('hi')</script>";
//! assert_eq!(encode::html_text(comment), "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt;");
//! assert!(path::safe_join("/srv/files", "../../etc/shadow").is_err());
//! assert_eq!(sql::escape_like("100%"), r"100\%");
//! assert_eq!(text::IdentifierRules::default().normalize("Ｂob")?, "bob");
//! # Ok::<(), portcullis::sanitize::SanitizeError>(())
//! ```
//!
//! Every function that refuses input returns [`SanitizeError`], whose
//! [`code`](SanitizeError::code) is stable and whose message never repeats the input.
//! Work is linear in the input everywhere; where more could be spent (HTML parsing,
//! Unicode normalization, repeated percent-decoding) or an input has a natural
//! bound (URLs, paths, headers), the function states a size limit. The encoders
//! allocate at most a fixed multiple of their input (6× for HTML, 4× for
//! JavaScript and CSS, 3× for URL components).

pub mod encode;
mod error;
pub mod header;
#[cfg(feature = "html")]
#[cfg_attr(docsrs, doc(cfg(feature = "html")))]
pub mod html;
pub mod path;
mod percent;
pub mod sql;
pub mod text;
#[cfg(feature = "url")]
#[cfg_attr(docsrs, doc(cfg(feature = "url")))]
pub mod url;

pub use error::SanitizeError;

/// URL schemes no allowlist may take (HTML cleaning or URL policy): they run script
/// or carry a document of their own.
/// Whether a browser would rewrite this URL text before resolving it: backslashes
/// (read as `/`), control characters (tabs and newlines are dropped anywhere), or
/// leading and trailing spaces (stripped); an inner space is only a space.
#[cfg(any(feature = "html", feature = "url"))]
pub(crate) fn browser_rewrites(url: &[u8]) -> bool {
    url.iter().any(|&b| b == b'\\' || b.is_ascii_control()) || url.first() == Some(&b' ') || url.last() == Some(&b' ')
}

#[cfg(any(feature = "html", feature = "url"))]
pub(crate) const FORBIDDEN_SCHEMES: &[&str] =
    &["javascript", "vbscript", "data", "blob", "filesystem", "about", "file"];
