//! Reading credentials from request headers, the same way for every adapter.

use super::AuthError;

/// Read access to a request's headers, implemented by each adapter for its
/// framework's header map. Names are asked for in lowercase; values are raw bytes,
/// in the order received.
///
/// ```
/// use portcullis::auth::Headers;
///
/// let headers: &[(&str, &[u8])] = &[("authorization", b"Bearer abc"), ("cookie", b"a=1")];
/// assert_eq!(headers.values("authorization").collect::<Vec<_>>(), [b"Bearer abc"]);
/// ```
pub trait Headers {
    /// An iterator over one header's values.
    type Values<'a>: Iterator<Item = &'a [u8]>
    where
        Self: 'a;

    /// Every value of the header `name` (lowercase).
    fn values(&self, name: &'static str) -> Self::Values<'_>;
}

/// Headers as a slice of `(lowercase name, value)` pairs: for tests, examples and
/// small adapters.
impl<'h> Headers for [(&'h str, &'h [u8])] {
    type Values<'a>
        = SliceValues<'a, 'h>
    where
        Self: 'a;

    fn values(&self, name: &'static str) -> Self::Values<'_> {
        SliceValues {
            pairs: self.iter(),
            name,
        }
    }
}

/// The values of one header in a slice of pairs.
#[derive(Debug, Clone)]
pub struct SliceValues<'a, 'h> {
    pairs: std::slice::Iter<'a, (&'h str, &'h [u8])>,
    name: &'static str,
}

impl<'a> Iterator for SliceValues<'a, '_> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let name = self.name;
        self.pairs
            .by_ref()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }
}

/// What a request presented to prove who it is. Borrowed from the request;
/// `Debug` never shows a credential.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials<'a> {
    /// An OAuth 2.0 bearer token (RFC 6750), from the `Authorization` header or the
    /// configured cookie.
    Bearer(&'a str),
    /// An API key from the `X-API-Key` header (read when
    /// [`CredentialSources::with_api_key_header`] is set). An API key sent as a
    /// bearer token arrives as [`Bearer`](Self::Bearer); the API key authenticator
    /// claims it by its prefix.
    ApiKey(&'a str),
    /// The connection's verified client certificate (read when
    /// [`CredentialSources::with_client_certificate`] is set and the request
    /// presents no header credential).
    #[cfg(feature = "tls")]
    Certificate(&'a crate::tls::PeerIdentity),
}

impl Credentials<'_> {
    /// Whether these are the connection's client certificate.
    pub fn is_certificate(&self) -> bool {
        #[cfg(feature = "tls")]
        return matches!(self, Credentials::Certificate(_));
        #[cfg(not(feature = "tls"))]
        false
    }
}

impl std::fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Credentials::ApiKey(_) => f.write_str("ApiKey(<redacted>)"),
            #[cfg(feature = "tls")]
            Credentials::Certificate(identity) => f.debug_tuple("Certificate").field(&identity.name()).finish(),
        }
    }
}

/// Where credentials are read from. The `Authorization` header always; a cookie when
/// configured. Tokens in the query string are not offered (RFC 6750 §2.3: they end
/// up in logs, history and `Referer`).
///
/// ```
/// use portcullis::auth::{Credentials, CredentialSources};
///
/// let sources = CredentialSources::authorization_header().with_cookie("session")?;
/// let headers: &[(&str, &[u8])] = &[("cookie", b"theme=dark; session=eyJ0.eyJ1.c2ln")];
/// assert_eq!(sources.extract(headers)?, Some(Credentials::Bearer("eyJ0.eyJ1.c2ln")));
///
/// let twice: &[(&str, &[u8])] = &[("authorization", b"Bearer a"), ("authorization", b"Bearer b")];
/// assert_eq!(sources.extract(twice).unwrap_err().code(), "invalid_request");
/// # Ok::<(), portcullis::auth::AuthError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialSources {
    cookie: Option<String>,
    api_key_header: bool,
    client_certificate: bool,
}

impl CredentialSources {
    /// Bearer tokens from the `Authorization` header only (the default).
    pub fn authorization_header() -> Self {
        Self::default()
    }

    /// Also reads a bearer token from the cookie `name`. A request carrying a token
    /// in both places is refused (RFC 6750 §2: one method per request).
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] when `name` is not an RFC 6265 cookie name.
    pub fn with_cookie(mut self, name: &str) -> Result<Self, AuthError> {
        // RFC 6265's cookie-name is RFC 9110's token, as a header name is.
        crate::sanitize::header::check_header_name(name)
            .map_err(|_| AuthError::InvalidConfig("cookie name is not an RFC 6265 token"))?;
        self.cookie = Some(name.to_owned());
        Ok(self)
    }

    /// Also reads an API key from the `X-API-Key` header, as
    /// [`Credentials::ApiKey`]. A request carrying it and a bearer token is refused
    /// (one credential per request).
    ///
    /// ```
    /// use portcullis::auth::{Credentials, CredentialSources};
    ///
    /// let sources = CredentialSources::authorization_header().with_api_key_header();
    /// let headers: &[(&str, &[u8])] = &[("x-api-key", b"pk_abc")];
    /// assert_eq!(sources.extract(headers)?, Some(Credentials::ApiKey("pk_abc")));
    /// # Ok::<(), portcullis::auth::AuthError>(())
    /// ```
    pub fn with_api_key_header(mut self) -> Self {
        self.api_key_header = true;
        self
    }

    /// Also takes the connection's verified client certificate (see
    /// [`tls`](crate::tls)) as [`Credentials::Certificate`], when the request presents
    /// no bearer token or API key: a token in a request over a certificate-bearing
    /// connection is still the credential (and can be bound to the certificate).
    #[cfg(feature = "tls")]
    pub fn with_client_certificate(mut self) -> Self {
        self.client_certificate = true;
        self
    }

    /// Whether the connection's client certificate is a credential.
    pub fn reads_client_certificate(&self) -> bool {
        self.client_certificate
    }

    /// The cookie name read, if any.
    pub fn cookie(&self) -> Option<&str> {
        self.cookie.as_deref()
    }

    /// Reads the request's credentials: `Ok(None)` when it presents none.
    ///
    /// The `Authorization` header is read per RFC 9110 §11 and RFC 6750 §2.1: the
    /// scheme `Bearer` in any case, one or more spaces, then a `b64token`. A header
    /// with another scheme (`Basic …`) is not a bearer credential and counts as none.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidRequest`] (HTTP 400) for two `Authorization` headers, a
    /// value that is not visible ASCII, a `Bearer` scheme with no token or a token
    /// that is not a `b64token`, the cookie set twice, or a token in both the header
    /// and the cookie.
    pub fn extract<'h, H: Headers + ?Sized>(&self, headers: &'h H) -> Result<Option<Credentials<'h>>, AuthError> {
        let mut authorization = headers.values("authorization");
        let from_header = match (authorization.next(), authorization.next()) {
            (None, _) => None,
            (Some(_), Some(_)) => return Err(AuthError::InvalidRequest("more than one Authorization header")),
            (Some(value), None) => bearer_token(value)?,
        };
        let from_cookie = match &self.cookie {
            Some(name) => cookie_token(headers.values("cookie"), name)?,
            None => None,
        };
        let bearer = match (from_header, from_cookie) {
            (Some(_), Some(_)) => {
                return Err(AuthError::InvalidRequest(
                    "token in both the Authorization header and a cookie",
                ));
            }
            (token, None) | (None, token) => token.map(Credentials::Bearer),
        };
        let api_key = match self.api_key_header {
            true => api_key(headers.values("x-api-key"))?,
            false => None,
        };
        match (bearer, api_key) {
            (Some(_), Some(_)) => Err(AuthError::InvalidRequest("both a bearer token and an X-API-Key header")),
            (bearer, None) => Ok(bearer),
            (None, key) => Ok(key.map(Credentials::ApiKey)),
        }
    }
}

fn is_space(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

fn trim(value: &[u8]) -> &[u8] {
    let start = value.iter().position(|b| !is_space(*b)).unwrap_or(value.len());
    let end = value.iter().rposition(|b| !is_space(*b)).map_or(start, |i| i + 1);
    &value[start..end]
}

/// RFC 6750 §2.1 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn as_b64token(bytes: &[u8]) -> Option<&str> {
    let body_end = bytes.iter().rposition(|b| *b != b'=').map_or(0, |i| i + 1);
    // Comparisons OR-ed over the whole body: branch-free on the (long) happy
    // path, and in a form the compiler turns into vector instructions.
    let bad = !bytes[..body_end]
        .iter()
        .copied()
        .map(is_b64token_byte)
        .fold(true, |ok, fits| ok & fits);
    if body_end == 0 || bad {
        return None;
    }
    // Only ASCII passed, so this cannot fail; `ok()` keeps it panic-free regardless.
    std::str::from_utf8(bytes).ok()
}

/// RFC 6750 §2.1 `b64token` characters before the padding: `ALPHA / DIGIT / "-" /
/// "." / "_" / "~" / "+" / "/"`, as comparisons the compiler can vectorise.
#[inline(always)]
fn is_b64token_byte(b: u8) -> bool {
    let lower = b | 0x20;
    (lower.wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'-')
        | (b == b'.')
        | (b == b'_')
        | (b == b'~')
        | (b == b'+')
        | (b == b'/')
}

fn bearer_token(value: &[u8]) -> Result<Option<&str>, AuthError> {
    let value = trim(value);
    let scheme_end = value.iter().position(|b| is_space(*b)).unwrap_or(value.len());
    if !value[..scheme_end].eq_ignore_ascii_case(b"bearer") {
        // `Bearer,abc` or `Bearer` then a non-ASCII space: meant as bearer, malformed.
        if value.len() > 6 && value[..6].eq_ignore_ascii_case(b"bearer") && !value[6].is_ascii_alphanumeric() {
            return Err(AuthError::InvalidRequest("Bearer scheme not followed by a space"));
        }
        return Ok(None);
    }
    let token = trim(&value[scheme_end..]);
    if token.is_empty() {
        return Err(AuthError::InvalidRequest("Bearer scheme without a token"));
    }
    // A token that is not a b64token (a space inside, a comma, a byte that is not
    // visible ASCII) is malformed, not merely unknown.
    as_b64token(token)
        .map(Some)
        .ok_or(AuthError::InvalidRequest("bearer token is not a b64token"))
}

/// The `X-API-Key` header: one, visible ASCII, not empty. Whether it is a key at
/// all is the authenticator's to say (`invalid_api_key`).
fn api_key<'h>(mut values: impl Iterator<Item = &'h [u8]>) -> Result<Option<&'h str>, AuthError> {
    let value = match (values.next(), values.next()) {
        (None, _) => return Ok(None),
        (Some(_), Some(_)) => return Err(AuthError::InvalidRequest("more than one X-API-Key header")),
        (Some(value), None) => trim(value),
    };
    if value.is_empty() || !value.iter().all(|b| b.is_ascii_graphic()) {
        return Err(AuthError::InvalidRequest("X-API-Key is empty or not visible ASCII"));
    }
    Ok(std::str::from_utf8(value).ok())
}

fn cookie_token<'h>(values: impl Iterator<Item = &'h [u8]>, name: &str) -> Result<Option<&'h str>, AuthError> {
    let mut found = None;
    for header in values {
        for pair in header.split(|b| *b == b';') {
            let pair = trim(pair);
            let Some(eq) = pair.iter().position(|b| *b == b'=') else {
                continue;
            };
            if &pair[..eq] != name.as_bytes() {
                continue;
            }
            let mut value = &pair[eq + 1..];
            if value.len() >= 2 && value[0] == b'"' && value[value.len() - 1] == b'"' {
                value = &value[1..value.len() - 1];
            }
            // An emptied cookie (left behind by a logout) is no credential.
            if value.is_empty() {
                continue;
            }
            if found.is_some() {
                return Err(AuthError::InvalidRequest("token cookie set more than once"));
            }
            found = Some(as_b64token(value).ok_or(AuthError::InvalidRequest("token cookie is not a b64token"))?);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bearer token read from one `Authorization` header, owned.
    fn bearer(value: &[u8]) -> Result<Option<String>, AuthError> {
        let headers: &[(&str, &[u8])] = &[("Authorization", value)];
        let credentials = CredentialSources::authorization_header().extract(headers)?;
        Ok(credentials.and_then(|credentials| match credentials {
            Credentials::Bearer(token) => Some(token.to_owned()),
            _ => None,
        }))
    }

    #[test]
    fn scheme_is_case_insensitive_and_spaces_are_tolerated() {
        for value in [&b"Bearer abc"[..], b"bearer abc", b"BEARER   abc", b"  Bearer\tabc  "] {
            assert_eq!(bearer(value), Ok(Some("abc".to_owned())), "{value:?}");
        }
    }

    #[test]
    fn b64token_bytes_are_exactly_rfc_6750s() {
        for b in 0..=u8::MAX {
            let rfc = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
            assert_eq!(is_b64token_byte(b), rfc, "{b:#04x}");
        }
    }

    #[test]
    fn malformed_bearer_values_are_invalid_requests() {
        for value in [
            &b"Bearer"[..],
            b"Bearer   ",
            b"Bearer a b",
            b"Bearer a,b",
            b"Bearer =abc",
            b"Bearer \xff",
            b"Bearer a\x00",
        ] {
            assert_eq!(bearer(value).map_err(|e| e.code()), Err("invalid_request"), "{value:?}");
        }
    }

    #[test]
    fn other_schemes_are_no_bearer_credentials() {
        assert_eq!(bearer(b"Basic YWxhZGRpbjpvcGVuc2VzYW1l"), Ok(None));
        assert_eq!(bearer(b"Bearerabc"), Ok(None));
    }

    #[test]
    fn padding_is_allowed_only_at_the_end() {
        assert_eq!(bearer(b"Bearer ab=="), Ok(Some("ab==".to_owned())));
        assert!(bearer(b"Bearer a=b").is_err());
    }

    #[test]
    fn cookies_are_read_only_when_configured_and_exactly_by_name() {
        let headers: &[(&str, &[u8])] = &[("cookie", b"xsession=no; session=\"tok.en\"")];
        assert_eq!(CredentialSources::default().extract(headers), Ok(None));
        let sources = CredentialSources::default().with_cookie("session").unwrap();
        assert_eq!(sources.extract(headers), Ok(Some(Credentials::Bearer("tok.en"))));
        let split: &[(&str, &[u8])] = &[("cookie", b"session=a"), ("cookie", b"session=b")];
        assert_eq!(sources.extract(split).map_err(|e| e.code()), Err("invalid_request"));
        let both: &[(&str, &[u8])] = &[("authorization", b"Bearer a"), ("cookie", b"session=b")];
        assert_eq!(sources.extract(both).map_err(|e| e.code()), Err("invalid_request"));
    }

    #[test]
    fn bearer_glued_to_something_else_is_malformed() {
        assert_eq!(bearer(b"Bearer,abc").map_err(|e| e.code()), Err("invalid_request"));
        assert_eq!(
            bearer("Bearer\u{a0}abc".as_bytes()).map_err(|e| e.code()),
            Err("invalid_request")
        );
        assert_eq!(bearer(b"Bearers abc"), Ok(None));
    }

    #[test]
    fn an_emptied_cookie_is_no_credential() {
        let sources = CredentialSources::default().with_cookie("session").unwrap();
        for cookie in [&b"session="[..], b"session=\"\"", b"session=; theme=dark"] {
            let headers: &[(&str, &[u8])] = &[("cookie", cookie)];
            assert_eq!(sources.extract(headers), Ok(None), "{cookie:?}");
        }
    }

    #[test]
    fn cookie_names_are_validated() {
        assert!(CredentialSources::default().with_cookie("a b").is_err());
        assert!(CredentialSources::default().with_cookie("").is_err());
    }

    #[test]
    fn debug_never_shows_the_token() {
        assert_eq!(format!("{:?}", Credentials::Bearer("secret")), "Bearer(<redacted>)");
    }
}
