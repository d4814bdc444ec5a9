//! The one error type of the sanitize module.

/// Why untrusted input was refused, or why a sanitizer's configuration was.
///
/// Every variant has a stable [`code`](SanitizeError::code). No variant carries the
/// refused input: it is attacker-controlled, and echoing it into a log line or an
/// error page is how injection travels. Names from the developer's own configuration
/// (a tag name, a scheme) may appear.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SanitizeError {
    /// The input is longer than the limit for this operation (in bytes).
    #[error("input is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// HTML with more tags than the cleaner's limit: parsing it could cost time
    /// quadratic in its nesting depth (see `HtmlCleaner`'s limits).
    #[error("HTML has more than {limit} tags")]
    TooManyTags {
        /// The limit, in tags.
        limit: usize,
    },
    /// HTML with more attributes than the cleaner's limit (see `HtmlCleaner`'s
    /// limits).
    #[error("HTML has more than {limit} attributes")]
    TooManyAttributes {
        /// The limit, in attributes.
        limit: usize,
    },
    /// HTML whose parse tree would grow far beyond the input itself (formatting
    /// elements the parser re-creates over and over, see `HtmlCleaner`'s limits):
    /// building it would cost more than the cleaner's work budget.
    #[error("HTML would take more work to parse than the cleaner allows")]
    TooComplex,
    /// HTML whose cleaned form kept changing when cleaned again: markup whose
    /// parse tree its own serialization does not reproduce (the material of
    /// mutation XSS), still not settled after the cleaner's passes.
    #[error("cleaned HTML does not parse back to the same tree")]
    UnstableMarkup,
    /// A sanitizer was configured to allow something that defeats it (a `script`
    /// tag, an event-handler attribute, the `javascript` scheme, …), or with a
    /// limit out of range or a name it does not know.
    #[error("invalid sanitizer configuration: {0}")]
    InvalidConfig(String),
    /// The input is not a URL (or not an absolute one where one is required).
    #[error("not a valid URL")]
    InvalidUrl,
    /// The URL's scheme is not on the allowlist.
    #[error("URL scheme is not allowed")]
    DisallowedScheme,
    /// The URL's host (or port) is not on the allowlist.
    #[error("URL host is not allowed")]
    DisallowedHost,
    /// A redirect target that could leave the site: a scheme-relative URL, a
    /// backslash, a control character, or an encoded form of one.
    #[error("redirect target is not a safe relative path or allowed URL")]
    OpenRedirect,
    /// A path holds a `..` segment, possibly percent-encoded.
    #[error("path contains a parent-directory segment")]
    PathTraversal,
    /// A path is absolute, or carries a drive letter or UNC prefix.
    #[error("path is absolute or carries a drive or UNC prefix")]
    AbsolutePath,
    /// A path is empty or holds a NUL, a control character, a backslash, a colon or
    /// an invalid percent-encoding.
    #[error("path is empty or contains a forbidden character")]
    InvalidPath,
    /// Resolving symbolic links took the path outside its base directory.
    #[error("path leaves its base directory through a symbolic link")]
    PathEscapesBase,
    /// The file system failed while resolving a path (the base does not exist, a
    /// permission error, …).
    #[error("path could not be resolved: {0:?}")]
    Io(std::io::ErrorKind),
    /// An HTTP header name is empty or holds a character outside RFC 9110's `token`.
    #[error("header name is not an RFC 9110 token")]
    InvalidHeaderName,
    /// An HTTP header value holds CR, LF, NUL or another control character.
    #[error("header value contains a control character")]
    InvalidHeaderValue,
    /// An SQL identifier is not on the allowlist or does not match the strict pattern.
    #[error("SQL identifier is not allowed")]
    InvalidIdentifier,
    /// A sort order other than `asc` or `desc`.
    #[error("sort order must be asc or desc")]
    InvalidSortOrder,
    /// Text holds a character not allowed where it is used (a control, format or
    /// bidi character, or whitespace in an identifier).
    #[error("text contains a character that is not allowed")]
    InvalidCharacter,
    /// Text is shorter than the minimum, counted in characters (code points).
    #[error("text must be at least {min} characters")]
    TooShort {
        /// The minimum, in characters.
        min: usize,
    },
    /// Text is longer than the maximum, counted in characters (code points).
    #[error("text must be at most {max} characters")]
    TooLong {
        /// The maximum, in characters.
        max: usize,
    },
}

impl SanitizeError {
    /// The stable, snake_case code for this error.
    ///
    /// ```
    /// use portcullis::sanitize::{SanitizeError, path::safe_join};
    ///
    /// let err = safe_join("/srv/uploads", "../etc/passwd").unwrap_err();
    /// assert_eq!(err, SanitizeError::PathTraversal);
    /// assert_eq!(err.code(), "path_traversal");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            SanitizeError::TooLarge { .. } => "too_large",
            SanitizeError::TooManyTags { .. } => "too_many_tags",
            SanitizeError::TooManyAttributes { .. } => "too_many_attributes",
            SanitizeError::TooComplex => "too_complex",
            SanitizeError::UnstableMarkup => "unstable_markup",
            SanitizeError::InvalidConfig(_) => "invalid_config",
            SanitizeError::InvalidUrl => "invalid_url",
            SanitizeError::DisallowedScheme => "disallowed_scheme",
            SanitizeError::DisallowedHost => "disallowed_host",
            SanitizeError::OpenRedirect => "open_redirect",
            SanitizeError::PathTraversal => "path_traversal",
            SanitizeError::AbsolutePath => "absolute_path",
            SanitizeError::InvalidPath => "invalid_path",
            SanitizeError::PathEscapesBase => "path_escapes_base",
            SanitizeError::Io(_) => "io_error",
            SanitizeError::InvalidHeaderName => "invalid_header_name",
            SanitizeError::InvalidHeaderValue => "invalid_header_value",
            SanitizeError::InvalidIdentifier => "invalid_identifier",
            SanitizeError::InvalidSortOrder => "invalid_sort_order",
            SanitizeError::InvalidCharacter => "invalid_character",
            SanitizeError::TooShort { .. } => "too_short",
            SanitizeError::TooLong { .. } => "too_long",
        }
    }
}
