//! The one error type of API keys.

/// Why an API key was refused, or why an operation on keys failed.
///
/// Every variant has a stable [`code`](ApiKeyError::code). None carries a key or any
/// part of one; records are named by their id.
///
/// ```
/// use portcullis::secrets::apikey::ApiKeyError;
///
/// assert_eq!(ApiKeyError::Invalid.code(), "invalid_api_key");
/// assert_eq!(ApiKeyError::Expired.code(), "api_key_expired");
/// assert_eq!(ApiKeyError::Revoked.code(), "api_key_revoked");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiKeyError {
    /// Not a key this service issued: the wrong shape, a failed checksum, a prefix
    /// it does not accept, or no record (the caller is not told which).
    #[error("invalid API key")]
    Invalid,
    /// The key's expiry has passed (a rotated key's grace period included).
    #[error("API key expired")]
    Expired,
    /// The key was revoked.
    #[error("API key revoked")]
    Revoked,
    /// No record has this id (management operations).
    #[error("no API key record with this id")]
    UnknownId,
    /// A key or record that would collide with a stored one.
    #[error("API key record already exists")]
    Conflict,
    /// A request to create a key is refused: an empty owner, a name past the limits.
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    /// A configuration given at start-up is invalid.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// A store file that is not one this library wrote, or past its limits.
    #[error("invalid API key store: {0}")]
    InvalidStore(&'static str),
    /// The store could not be reached or failed.
    #[error("API key store unavailable: {0}")]
    Store(&'static str),
    /// The system's CSPRNG failed.
    #[error("the system random number generator failed")]
    Random,
    /// Reading or writing a store file failed.
    #[error("I/O error: {0}")]
    Io(&'static str),
}

impl ApiKeyError {
    /// The stable, snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiKeyError::Invalid => "invalid_api_key",
            ApiKeyError::Expired => "api_key_expired",
            ApiKeyError::Revoked => "api_key_revoked",
            ApiKeyError::UnknownId => "unknown_api_key",
            ApiKeyError::Conflict => "conflict",
            ApiKeyError::InvalidRequest(_) => "invalid_request",
            ApiKeyError::InvalidConfig(_) => "invalid_config",
            ApiKeyError::InvalidStore(_) => "invalid_store",
            ApiKeyError::Store(_) => "store_unavailable",
            ApiKeyError::Random => "random_failed",
            ApiKeyError::Io(_) => "io",
        }
    }

    /// Whether the key itself was refused (`invalid_api_key`, `api_key_expired`,
    /// `api_key_revoked`): the caller's failure (HTTP 401), not the server's.
    pub fn is_refusal(&self) -> bool {
        matches!(self, ApiKeyError::Invalid | ApiKeyError::Expired | ApiKeyError::Revoked)
    }
}
