//! Errors of the token module. Every variant has a stable [`code`](TokenError::code);
//! none carries a token, a signature or key material.

use std::borrow::Cow;

/// Why a token was rejected.
///
/// [`code`](TokenError::code) is stable and is what clients see (DESIGN.md's HTTP error
/// contract); [`Display`](std::fmt::Display) adds detail meant for logs. Neither ever
/// contains the token, its signature, or more than a claim's *name*.
///
/// ```
/// use portcullis::token::{Algorithm, KeySet, Verifier, VerifyingKey, TokenError};
///
/// let key = VerifyingKey::from_secret(Algorithm::HS256, &[7; 32])?;
/// let verifier = Verifier::builder(KeySet::single(key)).build()?;
/// let err = verifier.verify_registered("not.a.token").unwrap_err();
/// assert_eq!(err.code(), "malformed");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not a compact JWS, not canonical base64url, not a JSON object, duplicate members,
    /// a header of the wrong type, or a nested JWT.
    #[error("malformed token: {reason}")]
    Malformed {
        /// What was wrong, for logs.
        reason: &'static str,
    },
    /// Longer than the verifier's size limit; nothing was decoded.
    #[error("token of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The token's length in bytes.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// `alg` is `none`, unknown, or not a string.
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm,
    /// `alg` names another algorithm than the selected key is bound to.
    #[error("token algorithm does not match the key's algorithm {expected}")]
    AlgorithmMismatch {
        /// The algorithm the selected key is bound to.
        expected: super::Algorithm,
    },
    /// No key matches the token's `kid` (or the token has none and the set holds several).
    #[error("no matching key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("invalid signature")]
    InvalidSignature,
    /// `exp` (or the configured maximum age) has passed, leeway included.
    #[error("token expired")]
    Expired,
    /// `nbf` is in the future, leeway included.
    #[error("token not yet valid")]
    NotYetValid,
    /// `iat` is in the future, leeway included.
    #[error("token issued in the future")]
    IssuedInFuture,
    /// `iss` is not one of the expected issuers.
    #[error("unexpected issuer")]
    InvalidIssuer,
    /// `aud` names none of the expected audiences.
    #[error("unexpected audience")]
    InvalidAudience,
    /// A required claim is absent.
    #[error("missing claim `{claim}`")]
    MissingClaim {
        /// The claim's name.
        claim: Cow<'static, str>,
    },
    /// A claim (or the `typ` header) has the wrong type or value, or the custom claims
    /// do not match the caller's type.
    #[error("invalid claim `{claim}`")]
    InvalidClaim {
        /// The claim's name (`"custom"` when the caller's type rejected the claims).
        claim: Cow<'static, str>,
    },
    /// The `crit` header lists an extension portcullis does not implement (or `b64`
    /// is false: RFC 7797 unencoded payloads are not supported).
    #[error("unsupported critical header")]
    UnsupportedCriticalHeader,
    /// The token was revoked.
    #[error("token revoked")]
    Revoked,
    /// More than one key matches the token's `kid` and `alg`: the key set is
    /// ambiguous, and no key is guessed.
    #[error("more than one key matches")]
    AmbiguousKey,
    /// The remote key set has not been refreshed for longer than its maximum
    /// staleness: its keys are no longer trusted.
    #[error("keys unavailable")]
    KeysUnavailable,
}

impl TokenError {
    /// The stable, snake_case error code (see DESIGN.md, "Token rules").
    pub const fn code(&self) -> &'static str {
        match self {
            TokenError::Malformed { .. } => "malformed",
            TokenError::TooLarge { .. } => "too_large",
            TokenError::UnsupportedAlgorithm => "unsupported_algorithm",
            TokenError::AlgorithmMismatch { .. } => "algorithm_mismatch",
            TokenError::UnknownKey => "unknown_key",
            TokenError::InvalidSignature => "invalid_signature",
            TokenError::Expired => "expired",
            TokenError::NotYetValid => "not_yet_valid",
            TokenError::IssuedInFuture => "issued_in_future",
            TokenError::InvalidIssuer => "invalid_issuer",
            TokenError::InvalidAudience => "invalid_audience",
            TokenError::MissingClaim { .. } => "missing_claim",
            TokenError::InvalidClaim { .. } => "invalid_claim",
            TokenError::UnsupportedCriticalHeader => "unsupported_critical_header",
            TokenError::Revoked => "revoked",
            TokenError::AmbiguousKey => "ambiguous_key",
            TokenError::KeysUnavailable => "keys_unavailable",
        }
    }

    pub(crate) const fn malformed(reason: &'static str) -> Self {
        TokenError::Malformed { reason }
    }

    pub(crate) fn invalid_claim(claim: impl Into<Cow<'static, str>>) -> Self {
        TokenError::InvalidClaim { claim: claim.into() }
    }

    pub(crate) fn missing_claim(claim: impl Into<Cow<'static, str>>) -> Self {
        TokenError::MissingClaim { claim: claim.into() }
    }
}

/// Why a key, key set, verifier or issuer could not be constructed.
///
/// ```
/// use portcullis::token::{Algorithm, VerifyingKey};
///
/// let err = VerifyingKey::from_secret(Algorithm::HS256, b"too short").unwrap_err();
/// assert_eq!(err.code(), "weak_key");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is shorter than the algorithm allows (HMAC under the hash size, RSA
    /// under 2048 bits).
    #[error("{alg} key of {bits} bits is below the minimum of {min_bits}")]
    WeakKey {
        /// The algorithm the key was meant for.
        alg: super::Algorithm,
        /// The key's size.
        bits: usize,
        /// The minimum for `alg`.
        min_bits: usize,
    },
    /// The key material could not be parsed, or does not fit the algorithm.
    #[error("invalid key: {reason}")]
    Invalid {
        /// What was wrong.
        reason: &'static str,
    },
    /// The algorithm is unknown or does not match the key type.
    #[error("unsupported or mismatched algorithm: {reason}")]
    Algorithm {
        /// What was wrong.
        reason: &'static str,
    },
    /// A JWK's `use` or `key_ops` exclude signature verification (or signing).
    #[error("key is not usable for signatures")]
    Unusable,
    /// A key set would hold two keys with the same `kid`.
    #[error("duplicate kid in key set")]
    DuplicateKid,
    /// No key could be selected (empty set, or the requested `kid` is absent).
    #[error("no usable key")]
    NoKey,
    /// A verifier or issuer setting is out of range.
    #[error("invalid configuration: {reason}")]
    Config {
        /// What was wrong.
        reason: &'static str,
    },
}

impl KeyError {
    /// The stable, snake_case error code.
    pub const fn code(&self) -> &'static str {
        match self {
            KeyError::WeakKey { .. } => "weak_key",
            KeyError::Invalid { .. } => "invalid_key",
            KeyError::Algorithm { .. } => "unsupported_algorithm",
            KeyError::Unusable => "unusable_key",
            KeyError::DuplicateKid => "duplicate_kid",
            KeyError::NoKey => "no_key",
            KeyError::Config { .. } => "invalid_config",
        }
    }

    pub(crate) const fn invalid(reason: &'static str) -> Self {
        KeyError::Invalid { reason }
    }
}
