//! The one error type of the password module.

/// Why a password operation failed.
///
/// Every variant has a stable [`code`](PasswordError::code). No variant carries a
/// password, a pepper or a stored hash: a malformed hash is described by what is wrong
/// with it, never echoed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// The stored hash is not a well-formed argon2 PHC string: wrong field layout,
    /// bad decimal, non-canonical base64, an unknown or repeated parameter.
    #[error("stored hash is malformed: {0}")]
    MalformedHash(&'static str),
    /// The PHC string names an algorithm other than argon2d, argon2i or argon2id.
    #[error("stored hash uses an unsupported algorithm")]
    UnsupportedAlgorithm,
    /// The PHC string names an argon2 version other than 16 (0x10) or 19 (0x13).
    #[error("stored hash uses an unsupported argon2 version")]
    UnsupportedVersion,
    /// The PHC string's parameters break argon2's own rules (RFC 9106 section 3.1),
    /// for example `m < 8 * p` or a salt shorter than 8 bytes.
    #[error("stored hash has invalid argon2 parameters: {0}")]
    InvalidParams(&'static str),
    /// The PHC string asks for more memory, time, lanes or output than the configured
    /// [`Limits`](super::Limits) allow; it is refused before any memory is allocated.
    #[error("stored hash exceeds the configured limit on {0}")]
    ParamsExceedLimits(&'static str),
    /// The PHC string carries a pepper `keyid` that is not configured.
    #[error("stored hash names a pepper that is not configured")]
    UnknownPepper,
    /// The password is longer than [`MAX_PASSWORD_BYTES`](super::MAX_PASSWORD_BYTES):
    /// reported when hashing or checking a new password. Verifying one is not an
    /// error but a mismatch, since no stored hash can be of it.
    #[error("password is longer than {max} bytes")]
    PasswordTooLong {
        /// The limit, in bytes.
        max: usize,
    },
    /// The password pool's wait queue is full; try again later (HTTP 503).
    #[error("password hashing is at capacity; try again later")]
    Busy,
    /// A hasher, pool or policy was configured with an insecure or impossible value.
    #[error("invalid password configuration: {0}")]
    InvalidConfig(String),
    /// Policy: fewer code points than the minimum.
    #[error("password must be at least {min} characters")]
    TooShort {
        /// The minimum, in Unicode code points.
        min: usize,
    },
    /// Policy: more code points than the maximum.
    #[error("password must be at most {max} characters")]
    TooLong {
        /// The maximum, in Unicode code points.
        max: usize,
    },
    /// Policy: the password is one of the most commonly used passwords.
    #[error("password is too common")]
    CommonPassword,
    /// Policy: the password is on the service's own blocklist.
    #[error("password is not allowed")]
    Blocklisted,
    /// Policy: the password is, or is derived from, the account or service name.
    #[error("password must not be the {0} name")]
    MatchesContext(ContextWord),
    /// The operating system's random generator or a worker thread failed.
    #[error("internal failure: {0}")]
    Internal(&'static str),
}

/// Which context word a password was found to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContextWord {
    /// The account's own name.
    Account,
    /// The service's name.
    Service,
}

impl std::fmt::Display for ContextWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ContextWord::Account => "account",
            ContextWord::Service => "service",
        })
    }
}

impl PasswordError {
    /// The stable, snake_case code for this error, for logs, metrics and API bodies.
    ///
    /// ```
    /// use portcullis::password::{PasswordError, PasswordHasher};
    ///
    /// let hasher = PasswordHasher::new();
    /// let err = hasher.verify("pw", "$argon2id$v=19$m=19456").unwrap_err();
    /// assert_eq!(err.code(), "malformed_hash");
    /// assert_eq!(PasswordError::Busy.code(), "busy");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            PasswordError::MalformedHash(_) => "malformed_hash",
            PasswordError::UnsupportedAlgorithm => "unsupported_algorithm",
            PasswordError::UnsupportedVersion => "unsupported_version",
            PasswordError::InvalidParams(_) => "invalid_params",
            PasswordError::ParamsExceedLimits(_) => "params_exceed_limits",
            PasswordError::UnknownPepper => "unknown_pepper",
            PasswordError::PasswordTooLong { .. } => "password_too_long",
            PasswordError::Busy => "busy",
            PasswordError::InvalidConfig(_) => "invalid_config",
            PasswordError::TooShort { .. } => "too_short",
            PasswordError::TooLong { .. } => "too_long",
            PasswordError::CommonPassword => "common_password",
            PasswordError::Blocklisted => "blocklisted",
            PasswordError::MatchesContext(_) => "matches_context",
            PasswordError::Internal(_) => "internal",
        }
    }

    /// True for the errors a [`PasswordRules`](super::PasswordRules) reports: the
    /// password was readable but breaks a rule, and the user should pick another.
    ///
    /// ```
    /// use portcullis::password::PasswordError;
    /// assert!(PasswordError::TooShort { min: 8 }.is_policy_violation());
    /// assert!(!PasswordError::Busy.is_policy_violation());
    /// ```
    pub fn is_policy_violation(&self) -> bool {
        matches!(
            self,
            PasswordError::TooShort { .. }
                | PasswordError::TooLong { .. }
                | PasswordError::CommonPassword
                | PasswordError::Blocklisted
                | PasswordError::MatchesContext(_)
        )
    }
}
