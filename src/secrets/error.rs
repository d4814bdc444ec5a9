//! The one error type of the secrets module.

/// Why sealed data was not sealed or opened, or why a keyring refused an operation.
///
/// Every variant has a stable [`code`](SecretsError::code). No variant carries key
/// material, plaintext or sealed bytes. A wrong encryption context is
/// [`AuthenticationFailed`](SecretsError::AuthenticationFailed), exactly like any
/// tampering: the two cannot be told apart, and the error does not try to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretsError {
    /// The sealed data names a key the keyring does not hold (never held, or
    /// destroyed).
    #[error("sealed under key {key_id}, which the keyring does not hold")]
    UnknownKey {
        /// The key id the header names.
        key_id: u32,
    },
    /// The sealed data names a key that is disabled: kept, but refusing until it is
    /// enabled again.
    #[error("sealed under key {key_id}, which is disabled")]
    KeyDisabled {
        /// The key id the header names.
        key_id: u32,
    },
    /// Not sealed data of any version: too short, or not base64url text.
    #[error("malformed sealed data")]
    Malformed,
    /// Sealed data of a version this library does not read.
    #[error("sealed data of unsupported version {version}")]
    UnsupportedVersion {
        /// The version byte.
        version: u8,
    },
    /// Sealed data, or a keyring entry, of a suite this library does not know.
    #[error("unsupported suite")]
    UnsupportedSuite,
    /// The ciphertext, its header or its encryption context is not the one sealed:
    /// tampered with, truncated, or opened with another context.
    #[error("sealed data did not authenticate")]
    AuthenticationFailed,
    /// An encryption context entry is refused: an empty name, or past the size
    /// limits ([`MAX_CONTEXT_ENTRIES`](super::MAX_CONTEXT_ENTRIES),
    /// [`MAX_CONTEXT_BYTES`](super::MAX_CONTEXT_BYTES)).
    #[error("invalid encryption context: {0}")]
    InvalidContext(&'static str),
    /// A plaintext or sealed input past [`MAX_PLAINTEXT_BYTES`](super::MAX_PLAINTEXT_BYTES).
    #[error("input is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The key is the primary one, which cannot be disabled or destroyed: rotate
    /// first.
    #[error("key {key_id} is the primary key")]
    KeyIsPrimary {
        /// The key id.
        key_id: u32,
    },
    /// A keyring document or keyring file that is not valid (the reason names the
    /// rule it breaks, never a value).
    #[error("invalid keyring: {0}")]
    InvalidKeyring(&'static str),
    /// A file holding secrets can be read or written by others than its owner: it
    /// must be mode 0600 (or stricter).
    #[error("{path} is readable or writable by group or others (mode {mode:o}); it must be 0600")]
    InsecurePermissions {
        /// The file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// A master key that is not 32 bytes of base64url text.
    #[error("invalid master key: {0}")]
    InvalidMasterKey(&'static str),
    /// The key wrapper (a local master key, a KMS) failed.
    #[error("key wrapper failed: {0}")]
    Wrapper(String),
    /// Reading or writing a file failed.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What the operating system said.
        message: String,
    },
    /// The system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}

impl SecretsError {
    /// A stable, machine-readable code for the error (snake_case).
    ///
    /// ```
    /// use portcullis::secrets::SecretsError;
    ///
    /// assert_eq!(SecretsError::AuthenticationFailed.code(), "authentication_failed");
    /// assert_eq!(SecretsError::UnknownKey { key_id: 7 }.code(), "unknown_key");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            SecretsError::UnknownKey { .. } => "unknown_key",
            SecretsError::KeyDisabled { .. } => "key_disabled",
            SecretsError::Malformed => "malformed",
            SecretsError::UnsupportedVersion { .. } => "unsupported_version",
            SecretsError::UnsupportedSuite => "unsupported_suite",
            SecretsError::AuthenticationFailed => "authentication_failed",
            SecretsError::InvalidContext(_) => "invalid_context",
            SecretsError::TooLarge { .. } => "too_large",
            SecretsError::KeyIsPrimary { .. } => "key_is_primary",
            SecretsError::InvalidKeyring(_) => "invalid_keyring",
            SecretsError::InsecurePermissions { .. } => "insecure_permissions",
            SecretsError::InvalidMasterKey(_) => "invalid_master_key",
            SecretsError::Wrapper(_) => "wrapper_failed",
            SecretsError::Io { .. } => "io",
            SecretsError::Random => "random_failed",
        }
    }

    pub(crate) fn io(path: &std::path::Path, err: &std::io::Error) -> SecretsError {
        SecretsError::Io {
            path: path.display().to_string(),
            message: err.to_string(),
        }
    }
}
