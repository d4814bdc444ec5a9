//! The one error type of the request pipeline.

use crate::password::PasswordError;
use crate::rbac::RbacError;
use crate::token::TokenError;

/// Why a request was not let through: what both adapters turn into a
/// [`Rejection`](crate::http::Rejection) (DESIGN.md's HTTP error contract).
///
/// [`code`](AuthError::code) is the stable code a client sees; `Display` adds the
/// detail meant for the audit log. Neither ever holds a token, a password or a
/// secret.
///
/// ```
/// use portcullis::auth::AuthError;
/// use portcullis::token::TokenError;
///
/// assert_eq!(AuthError::MissingCredentials.code(), "missing_credentials");
/// assert_eq!(AuthError::from(TokenError::Expired).code(), "expired");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A protected route was called without credentials (HTTP 401, no error code in
    /// the challenge, RFC 6750 §3.1).
    #[error("no credentials")]
    MissingCredentials,
    /// A login failed: unknown user or wrong password, deliberately not told apart
    /// (HTTP 401).
    #[error("invalid username or password")]
    InvalidCredentials,
    /// The credentials could not be read: a malformed `Authorization` header, two of
    /// them, a token in both the header and a cookie, a value that is not visible
    /// ASCII (HTTP 400, `invalid_request`).
    #[error("malformed request: {0}")]
    InvalidRequest(&'static str),
    /// The token was read and refused (HTTP 401, `invalid_token`); the code is the
    /// token error's.
    #[error("token rejected: {0}")]
    InvalidToken(TokenError),
    /// An API key was read and refused (HTTP 401, `invalid_token`); the code is the
    /// key error's (`invalid_api_key`, `api_key_expired`, `api_key_revoked`).
    #[error("API key rejected: {0}")]
    InvalidApiKey(crate::secrets::apikey::ApiKeyError),
    /// A verified client certificate whose identity is not accepted here (HTTP 401,
    /// `invalid_token`, code `certificate_not_accepted`): no SPIFFE ID of an accepted
    /// trust domain, and no DNS name where those are allowed.
    #[error("client certificate not accepted: {0}")]
    CertificateNotAccepted(&'static str),
    /// A token bound to a client certificate (RFC 8705) came over a connection
    /// without that certificate (HTTP 401, `invalid_token`, code
    /// `certificate_mismatch`).
    #[error("the token is bound to another client certificate")]
    CertificateMismatch,
    /// A route that takes only certificate-bound tokens got a token (or an API
    /// key) bound to none (HTTP 401, `invalid_token`, code `token_not_bound`).
    #[error("the route takes only certificate-bound tokens")]
    TokenNotBound,
    /// The caller is authenticated but lacks what the route requires (HTTP 403,
    /// code `forbidden`; the challenge's error is RFC 6750's `insufficient_scope`).
    /// `missing_scopes` lists the OAuth scopes the caller lacks, from the route's
    /// configuration, never from the request: space-separated names that are all
    /// needed, which the challenge carries as its `scope` parameter (RFC 6750 §3).
    /// `None` when no such list is true (any-of requirements) or when what is
    /// missing is not a scope (a permission or a role: the service's own names,
    /// which the client is never told).
    #[error("forbidden")]
    Forbidden {
        /// The OAuth scopes the caller lacks, when that is one list of names.
        missing_scopes: Option<String>,
    },
    /// Too many failed logins, or a rate limit (HTTP 429 with `Retry-After`, code
    /// `too_many_requests`). Which limit it was goes to the audit log only.
    #[error("too many requests: retry after {retry_after_seconds} s")]
    Throttled {
        /// Whole seconds until a retry may be let through (at least 1).
        retry_after_seconds: u32,
    },
    /// A state store a decision needs could not answer (HTTP 503 with
    /// `Retry-After`, code `store_unavailable`): refused rather than let through
    /// uncounted.
    #[error("state store unavailable")]
    StoreUnavailable,
    /// Password work is at capacity (HTTP 503 with `Retry-After`).
    #[error("password work is at capacity")]
    Busy,
    /// Something on the server failed (HTTP 500).
    #[error("internal failure: {0}")]
    Internal(&'static str),
    /// A setting given at start-up is invalid (a realm or a cookie name): refused
    /// when the service is built, never at request time. Rendered as a server error
    /// (HTTP 500) should it ever reach a response.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
}

impl AuthError {
    /// The stable, snake_case code for this error: for a rejected token, the token
    /// error's own code (`expired`, `invalid_signature`, …).
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::MissingCredentials => "missing_credentials",
            AuthError::InvalidCredentials => "invalid_credentials",
            AuthError::InvalidRequest(_) => "invalid_request",
            AuthError::InvalidToken(err) => err.code(),
            AuthError::InvalidApiKey(err) => err.code(),
            AuthError::CertificateNotAccepted(_) => "certificate_not_accepted",
            AuthError::CertificateMismatch => "certificate_mismatch",
            AuthError::TokenNotBound => "token_not_bound",
            AuthError::Forbidden { .. } => "forbidden",
            AuthError::Throttled { .. } => "too_many_requests",
            AuthError::Busy => "busy",
            AuthError::StoreUnavailable => "store_unavailable",
            AuthError::Internal(_) => "internal",
            AuthError::InvalidConfig(_) => "invalid_config",
        }
    }
}

impl AuthError {
    /// The kind of credential the refusal was about, as far as the error tells
    /// (the metrics' `credential` label).
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn credential(&self) -> crate::audit::Credential {
        use crate::audit::Credential;
        match self {
            AuthError::InvalidToken(_) | AuthError::CertificateMismatch | AuthError::TokenNotBound => {
                Credential::Bearer
            }
            AuthError::InvalidApiKey(_) => Credential::ApiKey,
            AuthError::CertificateNotAccepted(_) => Credential::Certificate,
            AuthError::InvalidCredentials => Credential::Password,
            _ => Credential::None,
        }
    }
}

impl From<TokenError> for AuthError {
    fn from(err: TokenError) -> Self {
        AuthError::InvalidToken(err)
    }
}

impl From<PasswordError> for AuthError {
    /// `Busy` becomes [`AuthError::Busy`] (503). A password refused for what it is
    /// (`password_too_long`, or a [policy violation](PasswordError::is_policy_violation))
    /// is the client's failure, never the server's: [`AuthError::InvalidCredentials`]
    /// (401), what a wrong password gets, so a login path that passes one on with `?`
    /// answers exactly as it does for a wrong password. Every other password error is
    /// about a stored hash or the configuration: a server-side failure (500). A wrong
    /// password is not an error (`PasswordCheck::ok`).
    ///
    /// ```
    /// use portcullis::auth::AuthError;
    /// use portcullis::password::PasswordError;
    ///
    /// let too_long = PasswordError::PasswordTooLong { max: 4096 };
    /// assert_eq!(AuthError::from(too_long), AuthError::InvalidCredentials);
    /// assert_eq!(AuthError::from(PasswordError::Busy), AuthError::Busy);
    /// assert_eq!(AuthError::from(PasswordError::UnknownPepper).code(), "internal");
    /// ```
    fn from(err: PasswordError) -> Self {
        match err {
            PasswordError::Busy => AuthError::Busy,
            PasswordError::PasswordTooLong { .. } => AuthError::InvalidCredentials,
            err if err.is_policy_violation() => AuthError::InvalidCredentials,
            _ => AuthError::Internal("password operation failed"),
        }
    }
}

impl From<RbacError> for AuthError {
    /// `Forbidden` and `InsufficientScope` become [`AuthError::Forbidden`]; policy
    /// compilation errors are server-side failures.
    fn from(err: RbacError) -> Self {
        match err {
            RbacError::InsufficientScope(scope) => AuthError::Forbidden {
                missing_scopes: Some(scope),
            },
            RbacError::Forbidden => AuthError::Forbidden { missing_scopes: None },
            _ => AuthError::Internal("authorization policy failed"),
        }
    }
}
