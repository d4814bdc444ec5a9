//! SPIFFE IDs (the SPIFFE ID specification, "SPIFFE-ID.md"), read strictly, and
//! patterns over them with one-segment wildcards.

use std::fmt;
use std::str::FromStr;

use super::TlsError;

/// The longest SPIFFE ID accepted, in bytes (the specification's limit for a URI
/// SAN).
pub const MAX_SPIFFE_ID_BYTES: usize = 2048;
/// The longest trust domain accepted, in bytes (the specification's limit).
pub const MAX_TRUST_DOMAIN_BYTES: usize = 255;

const SCHEME: &str = "spiffe://";

/// A SPIFFE ID: `spiffe://<trust domain><path>`, as the specification allows it and
/// nothing else:
///
/// - the scheme is `spiffe`, lowercase; no user info, port, query or fragment;
/// - the trust domain is 1 to 255 bytes of lowercase letters, digits, `.`, `-` and `_`;
/// - the path is empty or `/`-separated segments, each non-empty, of letters, digits,
///   `.`, `-` and `_`, none of them `.` or `..`, with no trailing `/`; no
///   percent-encoding;
/// - at most 2,048 bytes in all.
///
/// ```
/// use portcullis::tls::SpiffeId;
///
/// let id: SpiffeId = "spiffe://orders.test/ns/prod/sa/billing".parse()?;
/// assert_eq!(id.trust_domain(), "orders.test");
/// assert_eq!(id.path(), "/ns/prod/sa/billing");
/// assert!("spiffe://Orders.test/x".parse::<SpiffeId>().is_err());
/// assert!("spiffe://orders.test/a/../b".parse::<SpiffeId>().is_err());
/// # Ok::<(), portcullis::tls::TlsError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpiffeId {
    text: Box<str>,
    /// Where the path starts (the end of the trust domain).
    path_at: usize,
}

impl SpiffeId {
    /// Reads a SPIFFE ID.
    ///
    /// # Errors
    ///
    /// [`TlsError::InvalidSpiffeId`], naming the rule broken (never echoing the
    /// input).
    pub fn parse(text: &str) -> Result<Self, TlsError> {
        let path_at = check(text)?;
        Ok(SpiffeId {
            text: text.into(),
            path_at,
        })
    }

    /// The whole ID.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The trust domain (`orders.test`).
    pub fn trust_domain(&self) -> &str {
        &self.text[SCHEME.len()..self.path_at]
    }

    /// The path (`/ns/prod/sa/billing`), empty for a trust domain's own ID.
    pub fn path(&self) -> &str {
        &self.text[self.path_at..]
    }
}

/// Checks `text` against the specification; the path's offset.
fn check(text: &str) -> Result<usize, TlsError> {
    if text.len() > MAX_SPIFFE_ID_BYTES {
        return Err(TlsError::InvalidSpiffeId("longer than 2048 bytes"));
    }
    let rest = text
        .strip_prefix(SCHEME)
        .ok_or(TlsError::InvalidSpiffeId("the scheme is not spiffe://"))?;
    let bytes = rest.as_bytes();
    let domain_len = bytes.iter().position(|&byte| byte == b'/').unwrap_or(bytes.len());
    match domain_len {
        0 => return Err(TlsError::InvalidSpiffeId("no trust domain")),
        len if len > MAX_TRUST_DOMAIN_BYTES => {
            return Err(TlsError::InvalidSpiffeId("trust domain longer than 255 bytes"));
        }
        _ => {}
    }
    let domain_ok = bytes[..domain_len]
        .iter()
        .all(|&byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || matches!(byte, b'.' | b'-' | b'_'));
    if !domain_ok {
        return Err(TlsError::InvalidSpiffeId(
            "a trust domain is lowercase letters, digits, '.', '-' and '_'",
        ));
    }
    let path = &bytes[domain_len..];
    if !path.is_empty() {
        // Segments after the leading '/': none empty (no "//", no trailing '/').
        for segment in path[1..].split(|&byte| byte == b'/') {
            match segment {
                [] => return Err(TlsError::InvalidSpiffeId("empty path segment")),
                b"." | b".." => return Err(TlsError::InvalidSpiffeId("dot segment in the path")),
                _ if !segment.iter().all(|&byte| is_segment_byte(byte)) => {
                    return Err(TlsError::InvalidSpiffeId(
                        "a path segment is letters, digits, '.', '-' and '_'",
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(SCHEME.len() + domain_len)
}

fn is_segment_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_')
}

impl FromStr for SpiffeId {
    type Err = TlsError;

    fn from_str(text: &str) -> Result<Self, TlsError> {
        SpiffeId::parse(text)
    }
}

impl fmt::Display for SpiffeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for SpiffeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpiffeId({})", self.text)
    }
}

/// A pattern over SPIFFE IDs: a SPIFFE ID whose path segments may be `*`, each
/// matching exactly one segment (`spiffe://orders.test/ns/*/sa/billing` matches the
/// billing workload of every namespace, and nothing deeper or shallower). The trust
/// domain is never a wildcard.
///
/// ```
/// use portcullis::tls::{SpiffeId, SpiffePattern};
///
/// let pattern = SpiffePattern::parse("spiffe://orders.test/ns/*/sa/billing")?;
/// assert!(pattern.matches(&"spiffe://orders.test/ns/prod/sa/billing".parse::<SpiffeId>()?));
/// assert!(!pattern.matches(&"spiffe://orders.test/ns/prod/x/sa/billing".parse::<SpiffeId>()?));
/// assert!(!pattern.matches(&"spiffe://evil.test/ns/prod/sa/billing".parse::<SpiffeId>()?));
/// # Ok::<(), portcullis::tls::TlsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpiffePattern {
    trust_domain: String,
    /// Segments; `None` for `*`.
    segments: Vec<Option<String>>,
}

impl SpiffePattern {
    /// Reads a pattern: a SPIFFE ID in which whole path segments may be `*`.
    ///
    /// # Errors
    ///
    /// [`TlsError::InvalidSpiffeId`] for anything else.
    pub fn parse(text: &str) -> Result<Self, TlsError> {
        // Check it as an ID with each `*` segment standing for a plain one.
        let rest = text
            .strip_prefix(SCHEME)
            .ok_or(TlsError::InvalidSpiffeId("the scheme is not spiffe://"))?;
        let (domain, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let stand_in: Vec<&str> = match path {
            "" => Vec::new(),
            path => path[1..]
                .split('/')
                .map(|segment| if segment == "*" { "x" } else { segment })
                .collect(),
        };
        let mut id = String::with_capacity(text.len());
        id.push_str(SCHEME);
        id.push_str(domain);
        for segment in &stand_in {
            id.push('/');
            id.push_str(segment);
        }
        check(&id)?;
        let segments = match path {
            "" => Vec::new(),
            path => path[1..]
                .split('/')
                .map(|segment| (segment != "*").then(|| segment.to_owned()))
                .collect(),
        };
        Ok(SpiffePattern {
            trust_domain: domain.to_owned(),
            segments,
        })
    }

    /// Whether `id` matches: the same trust domain, as many segments, each equal or
    /// a wildcard.
    pub fn matches(&self, id: &SpiffeId) -> bool {
        if id.trust_domain() != self.trust_domain {
            return false;
        }
        let path = id.path();
        let mut segments = if path.is_empty() {
            "".split_terminator('/')
        } else {
            path[1..].split_terminator('/')
        };
        for pattern in &self.segments {
            match (segments.next(), pattern) {
                (Some(segment), Some(want)) if segment == want => {}
                (Some(_), None) => {}
                _ => return false,
            }
        }
        segments.next().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specification_examples() {
        for good in [
            "spiffe://example.org",
            "spiffe://example.org/service",
            "spiffe://example.org/ns/default/sa/my-service_1.0",
            "spiffe://a",
            "spiffe://trust_domain-1.example/Path/UPPER",
        ] {
            assert!(SpiffeId::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "spiffe://",
            "spiffe:///path",
            "SPIFFE://example.org",
            "https://example.org/x",
            "spiffe://Example.org",
            "spiffe://example.org:8080/x",
            "spiffe://user@example.org/x",
            "spiffe://example.org/",
            "spiffe://example.org/a/",
            "spiffe://example.org//a",
            "spiffe://example.org/./a",
            "spiffe://example.org/a/..",
            "spiffe://example.org/a%20b",
            "spiffe://example.org/a?b",
            "spiffe://example.org/a#b",
            "spiffe://example.org/a b",
            "spiffe://exa mple.org",
            "spiffe://example.org/é",
        ] {
            assert!(SpiffeId::parse(bad).is_err(), "{bad}");
        }
        let long_domain = format!("spiffe://{}", "a".repeat(256));
        assert!(SpiffeId::parse(&long_domain).is_err());
        let long = format!("spiffe://a/{}", "b".repeat(2048));
        assert!(SpiffeId::parse(&long).is_err());
    }

    #[test]
    fn patterns_match_one_segment_per_wildcard() -> Result<(), TlsError> {
        let id = |text: &str| SpiffeId::parse(text);
        let pattern = SpiffePattern::parse("spiffe://orders.test/ns/*/sa/billing")?;
        assert!(pattern.matches(&id("spiffe://orders.test/ns/prod/sa/billing")?));
        assert!(!pattern.matches(&id("spiffe://orders.test/ns/prod/sa/billing/x")?));
        assert!(!pattern.matches(&id("spiffe://orders.test/ns/sa/billing")?));
        assert!(!pattern.matches(&id("spiffe://orders.test")?));
        let exact = SpiffePattern::parse("spiffe://orders.test")?;
        assert!(exact.matches(&id("spiffe://orders.test")?));
        assert!(!exact.matches(&id("spiffe://orders.test/a")?));
        assert!(SpiffePattern::parse("spiffe://*/a").is_err());
        assert!(SpiffePattern::parse("spiffe://orders.test/a*").is_err());
        Ok(())
    }
}
