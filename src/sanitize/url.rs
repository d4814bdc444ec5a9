//! URLs from untrusted input: scheme allowlists and open-redirect checks, parsed with
//! the [`url`](https://docs.rs/url) crate (the WHATWG URL Standard, as browsers
//! parse). Feature `url`.
//!
//! ```
//! use portcullis::sanitize::url::{RedirectFilter, UrlFilter};
//!
//! // A user's homepage link: absolute, and only http or https.
//! let links = UrlFilter::new(["https", "http"])?;
//! assert_eq!(links.check("https://example.com/~ann")?.as_str(), "https://example.com/~ann");
//! assert_eq!(links.check("javascript:alert(1)").unwrap_err().code(), "disallowed_scheme");
//!
//! // `?next=` after login: a path on this site, or one of our own hosts.
//! let redirects = RedirectFilter::new().allow_host("accounts.example.com");
//! assert_eq!(redirects.check("/orders?page=2")?, "/orders?page=2");
//! assert_eq!(redirects.check("https://accounts.example.com/me")?, "https://accounts.example.com/me");
//! for evil in ["//evil.example", "/\\evil.example", "https://evil.example", "/%2F%2Fevil.example"] {
//!     assert_eq!(redirects.check(evil).unwrap_err().code(), "open_redirect", "{evil}");
//! }
//! # Ok::<(), portcullis::sanitize::SanitizeError>(())
//! ```
//!
//! URLs longer than [`MAX_URL_BYTES`] (8 KiB) are refused.

use std::borrow::Cow;
use std::collections::HashSet;

use url::Url;

use super::SanitizeError;

/// The longest URL either policy accepts: 8 KiB.
pub const MAX_URL_BYTES: usize = 8 * 1024;

/// Accepts absolute URLs whose scheme is on an allowlist.
///
/// ```
/// use portcullis::sanitize::url::UrlFilter;
///
/// let policy = UrlFilter::new(["https", "mailto"])?;
/// assert!(policy.check("mailto:ann@example.com").is_ok());
/// assert!(policy.check("http://example.com").is_err());
/// assert!(policy.check(" JaVaScRiPt:alert(1)").is_err());
/// assert!(policy.check("/relative/path").is_err());
/// # Ok::<(), portcullis::sanitize::SanitizeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct UrlFilter {
    schemes: HashSet<String>,
}

impl UrlFilter {
    /// A policy allowing these schemes (compared case-insensitively, without `:`).
    ///
    /// # Errors
    ///
    /// [`SanitizeError::InvalidConfig`] for an empty list, a malformed scheme,
    /// or a scheme that runs code or carries its own document (`javascript`,
    /// `vbscript`, `data`, `blob`, `file`, `filesystem`, `about`).
    pub fn new<'a>(schemes: impl IntoIterator<Item = &'a str>) -> Result<Self, SanitizeError> {
        let mut allowed = HashSet::new();
        for scheme in schemes {
            let scheme = scheme.to_ascii_lowercase();
            if !is_scheme(scheme.as_bytes()) || super::FORBIDDEN_SCHEMES.contains(&scheme.as_str()) {
                return Err(SanitizeError::InvalidConfig(format!(
                    "URL scheme `{scheme}` cannot be allowed"
                )));
            }
            allowed.insert(scheme);
        }
        if allowed.is_empty() {
            return Err(SanitizeError::InvalidConfig("no URL scheme allowed".into()));
        }
        Ok(UrlFilter { schemes: allowed })
    }

    /// Parses `input` as an absolute URL and checks its scheme. Use the returned
    /// [`Url`]'s serialization (`as_str()`), not the input: it is what was checked.
    ///
    /// # Errors
    ///
    /// [`SanitizeError::InvalidUrl`] when `input` is not an absolute URL, holds an
    /// ASCII control character, or is longer than [`MAX_URL_BYTES`];
    /// [`SanitizeError::DisallowedScheme`] when its scheme is not allowed.
    ///
    /// ```
    /// use portcullis::sanitize::url::UrlFilter;
    ///
    /// let url = UrlFilter::new(["https"])?.check("HTTPS://Example.COM/a/../b")?;
    /// assert_eq!(url.as_str(), "https://example.com/b");
    /// # Ok::<(), portcullis::sanitize::SanitizeError>(())
    /// ```
    pub fn check(&self, input: &str) -> Result<Url, SanitizeError> {
        // Browsers drop tabs and newlines inside URLs ("java\tscript:"); refusing
        // every control character means what we check is what a browser sees.
        if input.len() > MAX_URL_BYTES || input.bytes().any(|b| b.is_ascii_control()) {
            return Err(SanitizeError::InvalidUrl);
        }
        let url = Url::parse(input).map_err(|_| SanitizeError::InvalidUrl)?;
        if !self.schemes.contains(url.scheme()) {
            return Err(SanitizeError::DisallowedScheme);
        }
        Ok(url)
    }
}

/// Accepts redirect targets that stay on this site or go to an allowlisted host:
/// the defence against open redirects (OWASP Unvalidated Redirects and Forwards).
///
/// A target is accepted when it is
/// - a path starting with exactly one `/` (`/orders?page=2#top`), or
/// - an absolute `https` URL (also `http` with [`allow_http`](Self::allow_http))
///   whose host is on the allowlist, with no user name or password, on the
///   scheme's default port unless the port is listed with the host.
///
/// Everything else is [`SanitizeError::OpenRedirect`]: scheme-relative
/// `//evil.example`, `/\evil.example` (browsers read `\` as `/`), any control
/// character (browsers drop tabs and newlines: `/\t/evil.example`),
/// leading or trailing spaces, other schemes (`javascript:`, `data:`), paths without a leading `/`, and the
/// percent-encoded forms of all of these (`/%2F%2Fevil.example`,
/// `/%5Cevil.example`, doubly encoded too), which a server or proxy that decodes
/// before redirecting would turn into the real thing.
///
/// ```
/// use portcullis::sanitize::url::RedirectFilter;
///
/// let policy = RedirectFilter::new().allow_host("shop.example.com").allow_host("127.0.0.1:8443");
/// assert!(policy.check("https://127.0.0.1:8443/cart").is_ok());
/// assert!(policy.check("https://shop.example.com@evil.example/").is_err());
/// assert!(policy.check("https://shop.example.com.evil.example/").is_err());
/// assert!(policy.check("/%252F%252Fevil.example").is_err());
/// ```
#[derive(Debug, Clone, Default)]
pub struct RedirectFilter {
    hosts: Vec<(String, Option<u16>)>,
    allow_http: bool,
}

impl RedirectFilter {
    /// Relative paths only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also accepts absolute URLs to `host` (`name` or `name:port`, compared after
    /// the same normalization the URL gets: lowercase, IDNA, IP canonical form). An
    /// entry that does not parse as a host never matches.
    pub fn allow_host(mut self, host: &str) -> Self {
        if let Ok(url) = Url::parse(&format!("https://{host}/"))
            && let Some(name) = url.host_str()
            && url.username().is_empty()
            && url.password().is_none()
            && url.path() == "/"
        {
            self.hosts.push((name.to_owned(), url.port()));
        }
        self
    }

    /// Accepts `http` as well as `https` for allowlisted hosts.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Checks `target` and returns what to put in `Location`: the path as given, or
    /// the URL as parsed and re-serialized.
    ///
    /// # Errors
    ///
    /// [`SanitizeError::OpenRedirect`] for anything not accepted (see the type's
    /// docs), including targets longer than [`MAX_URL_BYTES`].
    ///
    /// ```
    /// use portcullis::sanitize::url::RedirectFilter;
    ///
    /// let policy = RedirectFilter::new();
    /// assert_eq!(policy.check("/a b?q=1")?, "/a%20b?q=1");
    /// assert!(policy.check("javascript:alert(1)").is_err());
    /// # Ok::<(), portcullis::sanitize::SanitizeError>(())
    /// ```
    pub fn check<'a>(&self, target: &'a str) -> Result<Cow<'a, str>, SanitizeError> {
        if target.len() > MAX_URL_BYTES || !encoded_forms_are_plain(target) {
            return Err(SanitizeError::OpenRedirect);
        }
        if target.starts_with('/') {
            let path = relative_path(target)?;
            // Dot segments are removed by parsing, which can uncover an encoded form
            // the input did not start with ("/./%2F%2Fevil.example" becomes
            // "/%2F%2Fevil.example"): what is returned must pass the same checks
            // (already passed when parsing changed nothing).
            if matches!(path, Cow::Owned(_)) && !encoded_forms_are_plain(&path) {
                return Err(SanitizeError::OpenRedirect);
            }
            return Ok(path);
        }
        let url = Url::parse(target).map_err(|_| SanitizeError::OpenRedirect)?;
        let scheme_ok = url.scheme() == "https" || (self.allow_http && url.scheme() == "http");
        let host_ok = url.host_str().is_some_and(|host| {
            self.hosts
                .iter()
                .any(|(allowed, port)| allowed == host && *port == url.port())
        });
        if !scheme_ok || !host_ok || !url.username().is_empty() || url.password().is_some() {
            return Err(SanitizeError::OpenRedirect);
        }
        Ok(Cow::Owned(url.into()))
    }
}

/// How many rounds of percent-decoding a target is checked through; a target
/// still changing after that many is refused.
const DECODE_ROUNDS: usize = 3;

/// True when `target` and each of its percent-decoded forms are free of
/// backslashes, control characters and outer spaces, and no decoded form starts with
/// `//` or a scheme that the plain form did not have.
fn encoded_forms_are_plain(target: &str) -> bool {
    let mut current = Cow::Borrowed(target.as_bytes());
    for round in 0..=DECODE_ROUNDS {
        if super::browser_rewrites(&current) {
            return false;
        }
        if round > 0 && (current.starts_with(b"//") || has_scheme(&current) != has_scheme(target.as_bytes())) {
            return false;
        }
        // A decoded path must also stay on the site once its dot segments are
        // resolved: "/x/%2e%2e%2f%2fevil.example" decodes to "/x/..//evil.example",
        // which resolves to "//evil.example".
        if round > 0 && current.starts_with(b"/") && relative_path(&String::from_utf8_lossy(&current)).is_err() {
            return false;
        }
        let Some(decoded) = super::percent::decode(&current) else {
            return true;
        };
        if round == DECODE_ROUNDS {
            return false;
        }
        current = Cow::Owned(decoded);
    }
    false
}

/// A scheme per RFC 3986 §3.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
fn is_scheme(bytes: &[u8]) -> bool {
    bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// `scheme:` at the start.
fn has_scheme(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .position(|&b| b == b':')
        .is_some_and(|colon| is_scheme(&bytes[..colon]))
}

/// A path-absolute reference: parsed against a placeholder origin to prove it stays
/// there, and returned as the parser serializes it.
fn relative_path(target: &str) -> Result<Cow<'_, str>, SanitizeError> {
    if target.starts_with("//") {
        return Err(SanitizeError::OpenRedirect);
    }
    // Parsed once: `check` resolves against it for every decoded form.
    static BASE: std::sync::LazyLock<Option<Url>> =
        std::sync::LazyLock::new(|| Url::parse("https://portcullis.invalid/").ok());
    let base = BASE.as_ref().ok_or(SanitizeError::OpenRedirect)?;
    let joined = base.join(target).map_err(|_| SanitizeError::OpenRedirect)?;
    if joined.origin() != base.origin() || !joined.username().is_empty() {
        return Err(SanitizeError::OpenRedirect);
    }
    let serialized = &joined[url::Position::BeforePath..];
    // After normalization ("/./" segments, "/..") the path must still not start with
    // "//": a browser given that back would leave the site.
    if serialized.starts_with("//") {
        return Err(SanitizeError::OpenRedirect);
    }
    Ok(if serialized == target {
        Cow::Borrowed(target)
    } else {
        Cow::Owned(serialized.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_detection_follows_rfc_3986() {
        assert!(has_scheme(b"javascript:x"));
        assert!(has_scheme(b"a+b-c.d:x"));
        assert!(!has_scheme(b"/a:b"));
        assert!(!has_scheme(b":x"));
        assert!(!has_scheme(b"1a:x"));
    }

    #[test]
    fn dot_segments_cannot_produce_a_scheme_relative_path() {
        assert!(relative_path("/.//evil.example").is_err());
        assert!(relative_path("/a/..//evil.example").is_err());
    }
}
