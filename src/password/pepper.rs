//! Peppers: a server-side secret mixed into every hash, named by a key id.

use std::fmt;

use zeroize::Zeroizing;

use super::PasswordError;

/// A pepper: a secret kept outside the database (argon2's secret input `K`, RFC 9106
/// section 3.1) so that a stolen table of hashes cannot be attacked offline without
/// it. Its id is written into each hash's `keyid` PHC parameter, so peppers can be
/// rotated: hash with the current one, keep old ones configured for verification, and
/// every login under an old one reports `needs_rehash`.
///
/// The id is 1 to 8 bytes (the PHC `keyid` limit); the secret is 16 to 1024 bytes
/// (NIST SP 800-63B asks for at least 112 bits). The secret is zeroized on drop and
/// never shown by `Debug`.
///
/// ```
/// use portcullis::password::Pepper;
///
/// let pepper = Pepper::new("2026a", b"a-32-byte-secret-from-your-vault".to_vec())?;
/// assert_eq!(format!("{pepper:?}"), r#"Pepper { id: "2026a", secret: "<redacted>" }"#);
/// assert_eq!(Pepper::new("2026a", b"short".to_vec()).unwrap_err().code(), "invalid_config");
/// # Ok::<(), portcullis::password::PasswordError>(())
/// ```
#[derive(Clone)]
pub struct Pepper {
    id: Vec<u8>,
    secret: Zeroizing<Vec<u8>>,
}

impl Pepper {
    /// The shortest secret accepted, in bytes.
    pub const MIN_SECRET_LEN: usize = 16;
    /// The longest secret accepted, in bytes.
    pub const MAX_SECRET_LEN: usize = 1024;
    /// The longest id accepted, in bytes.
    pub const MAX_ID_LEN: usize = 8;

    /// A pepper with the given id and secret. The secret is taken by value and
    /// zeroized when the pepper is dropped, or at once if it is refused.
    pub fn new(id: &str, secret: Vec<u8>) -> Result<Self, PasswordError> {
        let secret = Zeroizing::new(secret);
        if id.is_empty() || id.len() > Self::MAX_ID_LEN {
            return Err(PasswordError::InvalidConfig("pepper id must be 1 to 8 bytes".into()));
        }
        if !(Self::MIN_SECRET_LEN..=Self::MAX_SECRET_LEN).contains(&secret.len()) {
            return Err(PasswordError::InvalidConfig(
                "pepper secret must be 16 to 1024 bytes".into(),
            ));
        }
        Ok(Pepper {
            id: id.as_bytes().to_vec(),
            secret,
        })
    }

    /// The key id written into hashes made with this pepper.
    pub fn id(&self) -> &str {
        // Built from a &str in `new`, so this is always valid UTF-8.
        std::str::from_utf8(&self.id).unwrap_or_default()
    }

    /// A pepper without the length floor, for RFC 9106's 8-byte test secret.
    #[cfg(test)]
    pub(super) fn unchecked(id: &str, secret: Vec<u8>) -> Self {
        Pepper {
            id: id.as_bytes().to_vec(),
            secret: Zeroizing::new(secret),
        }
    }

    pub(super) fn id_bytes(&self) -> &[u8] {
        &self.id
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pepper")
            .field("id", &self.id())
            .field("secret", &"<redacted>")
            .finish()
    }
}
