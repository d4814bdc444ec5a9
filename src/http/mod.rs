//! HTTP, framework-free: the authentication middleware ([`Gate`]), route guards
//! ([`Guard`]), the extractors' types ([`Claims`], [`Authorized`]) and decisions,
//! and the rendering of every failure as a [`Rejection`]: status,
//! `WWW-Authenticate` (RFC 6750 §3), `Retry-After`, and an RFC 9457 problem+json
//! body whose `code` is the stable error code. The axum and actix-web adapters only
//! translate between their framework and this module, so a failure looks the same
//! from either, and from a middleware, a guard, an extractor or a handler.
//!
//! | situation | status | `WWW-Authenticate` |
//! |---|---|---|
//! | no credentials, or a failed login | 401 | `Bearer realm="…"` |
//! | malformed `Authorization` | 400 | `Bearer realm="…", error="invalid_request"` |
//! | token rejected | 401 | `Bearer realm="…", error="invalid_token", error_description="<code>"` |
//! | not permitted | 403 | `Bearer realm="…", error="insufficient_scope", scope="<missing OAuth scopes>"` (no `scope` when what is missing is a permission or a role, or for any-of requirements) |
//! | password work at capacity | 503 | none; `Retry-After` |
//!
//! ```
//! use portcullis::auth::AuthError;
//! use portcullis::http::{Realm, Rejection};
//! use portcullis::token::TokenError;
//!
//! let realm = Realm::new("orders")?;
//! let rejection = Rejection::new(&AuthError::from(TokenError::Expired), &realm);
//! assert_eq!(rejection.status(), 401);
//! assert_eq!(
//!     rejection.www_authenticate(),
//!     Some(r#"Bearer realm="orders", error="invalid_token", error_description="expired""#)
//! );
//! assert_eq!(rejection.content_type(), "application/problem+json");
//! assert_eq!(rejection.body(), r#"{"type":"about:blank","title":"Unauthorized","status":401,"code":"expired"}"#);
//! # Ok::<(), portcullis::auth::AuthError>(())
//! ```
//!
//! Nothing else about a failure reaches the client: the reason goes to the audit
//! log ([`crate::audit`]).

#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) mod extract;
#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) mod flow;
#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) mod gate;
#[cfg(any(feature = "axum", feature = "actix"))]
mod guard;
#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) mod site;

#[cfg(all(feature = "tls", any(feature = "axum", feature = "actix")))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "tls", any(feature = "axum", feature = "actix")))))]
pub use extract::ClientIdentity;
#[cfg(any(feature = "axum", feature = "actix"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "axum", feature = "actix"))))]
pub use extract::{Authorized, Claims, Refused};
#[cfg(any(feature = "axum", feature = "actix"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "axum", feature = "actix"))))]
pub use flow::ResponseFuture;
#[cfg(any(feature = "axum", feature = "actix"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "axum", feature = "actix"))))]
pub use gate::{Gate, RateBy};
#[cfg(any(feature = "axum", feature = "actix"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "axum", feature = "actix"))))]
pub use guard::Guard;

use crate::auth::AuthError;

/// How long a client is asked to wait when password work is at capacity: 1 second.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// The protection space named in challenges (RFC 9110 §11.5): a `quoted-string`
/// checked once, at start-up.
///
/// ```
/// use portcullis::http::Realm;
///
/// assert_eq!(Realm::new("orders api")?.as_str(), "orders api");
/// assert_eq!(Realm::new("a\"b").unwrap_err().code(), "invalid_config");
/// # Ok::<(), portcullis::auth::AuthError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realm(String);

impl Realm {
    /// A realm of 1 to 128 visible ASCII characters or spaces, without `"` or `\`.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] otherwise: it would break the challenge header.
    pub fn new(name: &str) -> Result<Self, AuthError> {
        let valid = (1..=128).contains(&name.len())
            && name
                .bytes()
                .all(|b| (b.is_ascii_graphic() || b == b' ') && b != b'"' && b != b'\\');
        if valid {
            Ok(Realm(name.to_owned()))
        } else {
            Err(AuthError::InvalidConfig(
                "realm must be 1 to 128 visible ASCII characters without quotes",
            ))
        }
    }

    /// The realm's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Realm {
    /// `api`.
    fn default() -> Self {
        Realm("api".to_owned())
    }
}

/// An HTTP response describing an [`AuthError`], for an adapter to send as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    status: u16,
    www_authenticate: Option<String>,
    retry_after: Option<u32>,
    code: &'static str,
    body: String,
}

impl Rejection {
    /// The response for `error` under `realm`.
    pub fn new(error: &AuthError, realm: &Realm) -> Self {
        let realm = realm.as_str();
        let (status, www_authenticate, retry_after) = match error {
            AuthError::MissingCredentials | AuthError::InvalidCredentials => {
                (401, Some(format!(r#"Bearer realm="{realm}""#)), None)
            }
            AuthError::InvalidRequest(_) => (
                400,
                Some(format!(r#"Bearer realm="{realm}", error="invalid_request""#)),
                None,
            ),
            AuthError::InvalidToken(_)
            | AuthError::InvalidApiKey(_)
            | AuthError::CertificateNotAccepted(_)
            | AuthError::CertificateMismatch
            | AuthError::TokenNotBound => (
                401,
                Some(format!(
                    r#"Bearer realm="{realm}", error="invalid_token", error_description="{}""#,
                    error.code()
                )),
                None,
            ),
            AuthError::Forbidden { missing_scopes } => {
                let scope = missing_scopes
                    .as_deref()
                    .map(quoted_string_safe)
                    .filter(|s| !s.is_empty());
                let challenge = match scope {
                    Some(scope) => format!(r#"Bearer realm="{realm}", error="insufficient_scope", scope="{scope}""#),
                    None => format!(r#"Bearer realm="{realm}", error="insufficient_scope""#),
                };
                (403, Some(challenge), None)
            }
            AuthError::Busy | AuthError::StoreUnavailable => (503, None, Some(RETRY_AFTER_SECONDS)),
            AuthError::Throttled { retry_after_seconds } => (429, None, Some((*retry_after_seconds).max(1))),
            AuthError::Internal(_) | AuthError::InvalidConfig(_) => (500, None, None),
        };
        let code = error.code();
        let body = format!(
            r#"{{"type":"about:blank","title":"{}","status":{status},"code":"{code}"}}"#,
            title(status)
        );
        Rejection {
            status,
            www_authenticate,
            retry_after,
            code,
            body,
        }
    }

    /// A problem+json response for one of the service's own errors (a malformed
    /// body, a route it does not have), in the shape of portcullis's refusals, so
    /// that every error a client sees reads alike. `code` is a stable snake_case
    /// code. `status` is a client or server error, 400 to 599; any other is
    /// answered as 500 `internal`, since a problem is never a success.
    ///
    /// ```
    /// use portcullis::http::Rejection;
    ///
    /// let too_large = Rejection::problem(413, "too_large");
    /// assert_eq!(too_large.status(), 413);
    /// assert_eq!(too_large.www_authenticate(), None);
    /// assert_eq!(
    ///     too_large.body(),
    ///     r#"{"type":"about:blank","title":"Content Too Large","status":413,"code":"too_large"}"#
    /// );
    /// assert_eq!(Rejection::problem(200, "fine").code(), "internal");
    /// ```
    pub fn problem(status: u16, code: &'static str) -> Self {
        let well_formed = !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        let (status, code) = match (400..=599).contains(&status) && well_formed {
            true => (status, code),
            false => (500, "internal"),
        };
        let body = format!(
            r#"{{"type":"about:blank","title":"{}","status":{status},"code":"{code}"}}"#,
            title(status)
        );
        Rejection {
            status,
            www_authenticate: None,
            retry_after: None,
            code,
            body,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `WWW-Authenticate` header value, if the status calls for one.
    pub fn www_authenticate(&self) -> Option<&str> {
        self.www_authenticate.as_deref()
    }

    /// The `Retry-After` header value in seconds, for 503.
    pub fn retry_after(&self) -> Option<u32> {
        self.retry_after
    }

    /// The stable error code, as in the body.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The body's media type: `application/problem+json` (RFC 9457).
    pub fn content_type(&self) -> &'static str {
        "application/problem+json"
    }

    /// The problem+json body: `type`, `title`, `status` and `code`, nothing else.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The response's headers, as an adapter sets them: `Content-Type`, then
    /// `WWW-Authenticate` and `Retry-After` where the status calls for them.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, std::borrow::Cow<'_, str>)> {
        use std::borrow::Cow;
        let challenge = self.www_authenticate().map(|v| ("www-authenticate", Cow::Borrowed(v)));
        let retry = self.retry_after.map(|s| ("retry-after", Cow::Owned(s.to_string())));
        std::iter::once(("content-type", Cow::Borrowed(self.content_type())))
            .chain(challenge)
            .chain(retry)
    }
}

/// `401 expired`: the status and the stable code, nothing else.
impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.code)
    }
}

/// RFC 9110's reason phrase for `status` (§15), the problem's `title`.
fn title(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ if status < 500 => "Client Error",
        _ => "Server Error",
    }
}

/// `value` with anything that could end or escape a quoted-string dropped. Route
/// requirements come from configuration (permission and role names are already
/// restricted), so this only guards against a future caller's mistake.
fn quoted_string_safe(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\' || *c == ' ')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::TokenError;

    fn realm() -> Realm {
        Realm::new("orders").unwrap()
    }

    #[test]
    fn every_error_class_has_its_status_and_challenge() {
        let cases: [(AuthError, u16, Option<&str>); 7] = [
            (AuthError::MissingCredentials, 401, Some(r#"Bearer realm="orders""#)),
            (AuthError::InvalidCredentials, 401, Some(r#"Bearer realm="orders""#)),
            (
                AuthError::InvalidRequest("x"),
                400,
                Some(r#"Bearer realm="orders", error="invalid_request""#),
            ),
            (
                AuthError::InvalidToken(TokenError::InvalidSignature),
                401,
                Some(r#"Bearer realm="orders", error="invalid_token", error_description="invalid_signature""#),
            ),
            (
                AuthError::Forbidden {
                    missing_scopes: Some("orders:write".into()),
                },
                403,
                Some(r#"Bearer realm="orders", error="insufficient_scope", scope="orders:write""#),
            ),
            (AuthError::Busy, 503, None),
            (AuthError::Internal("x"), 500, None),
        ];
        for (error, status, challenge) in cases {
            let rejection = Rejection::new(&error, &realm());
            assert_eq!(rejection.status(), status, "{error:?}");
            assert_eq!(rejection.www_authenticate(), challenge, "{error:?}");
            assert_eq!(rejection.retry_after(), (status == 503).then_some(1), "{error:?}");
            let body: serde_json::Value = serde_json::from_str(rejection.body()).unwrap();
            assert_eq!(body["status"], status);
            assert_eq!(body["code"], error.code());
            assert_eq!(body["type"], "about:blank");
            assert_eq!(body.as_object().unwrap().len(), 4);
        }
    }

    #[test]
    fn the_detail_of_a_failure_stays_out_of_the_response() {
        let rejection = Rejection::new(
            &AuthError::InvalidRequest("more than one Authorization header"),
            &realm(),
        );
        assert!(!rejection.body().contains("Authorization"));
    }

    #[test]
    fn a_requirement_cannot_break_the_challenge() {
        let rejection = Rejection::new(
            &AuthError::Forbidden {
                missing_scopes: Some("a\"b\\c\r\nd".into()),
            },
            &realm(),
        );
        assert_eq!(
            rejection.www_authenticate(),
            Some(r#"Bearer realm="orders", error="insufficient_scope", scope="abcd""#)
        );
    }
}
