//! Secrets at rest: data sealed under a rotating [`Keyring`], the keyring itself
//! sealed by a key-encryption key ([`KeyWrapper`]).
//!
//! - **Sealed data** ([`Keyring::seal`], [`Keyring::open`]): AEAD (AES-256-GCM or
//!   ChaCha20-Poly1305, from ring) under a per-message key derived with HKDF-SHA-256
//!   from the keyring key and a random salt, so no key ever sees enough random nonces
//!   to risk a repeat. The header (version, suite, key id, salt, nonce) and an
//!   [encryption context](Context) are authenticated with the data: a value copied to
//!   another row, or opened with another context, fails like any tampering
//!   (`authentication_failed`). The exact format is in `DESIGN.md` ("Sealed data,
//!   version 1"), and an independent implementation (Python's `cryptography`) opens
//!   it in the tests.
//! - **Keys** ([`Keyring`]): a `u32` id each, one primary (seals), others active
//!   (open only) or disabled (refuse, `key_disabled`); rotate, disable, enable,
//!   destroy. Opening uses only the key the header names, never a trial of each.
//!   [`Keyring::needs_rewrap`] and [`Keyring::rewrap`] move old data to the primary
//!   (the routine is in [`Keyring`]'s docs).
//! - **Envelope** ([`KeyWrapper`], [`LocalKeyWrapper`], [`KeyringFile`]): the keyring
//!   document is stored sealed under a master key, in a file written atomically with
//!   mode 0600 and refused when group or others may read it. A KMS or Vault transit
//!   fits the same trait.
//!
//! Key material is zeroized when dropped and never printed: no `Debug`, error or log
//! line holds a key, a plaintext or sealed bytes.
//!
//! # Limits
//!
//! Plaintext up to [`MAX_PLAINTEXT_BYTES`] (64 MiB); contexts up to
//! [`MAX_CONTEXT_ENTRIES`] entries and [`MAX_CONTEXT_BYTES`] encoded; keyrings up to
//! [`MAX_KEYS`] keys, documents up to [`MAX_DOCUMENT_BYTES`]. Larger input is refused
//! before any work.
//!
//! ```
//! use portcullis::secrets::{Context, Keyring, Suite};
//!
//! let keyring = Keyring::generate(Suite::Aes256Gcm)?;
//! let context = Context::new().with("table", "users")?.with("row", "42")?;
//! let sealed = keyring.seal_text(b"refresh token", &context)?;
//! assert_eq!(&keyring.open_text(&sealed, &context)?[..], b"refresh token");
//!
//! // The same value under another row's context does not open.
//! let row_43 = Context::new().with("table", "users")?.with("row", "43")?;
//! assert_eq!(keyring.open_text(&sealed, &row_43).unwrap_err().code(), "authentication_failed");
//! # Ok::<(), portcullis::secrets::SecretsError>(())
//! ```

pub mod apikey;
mod error;
mod keyring;
mod plaintext;
mod sealed;
mod wrap;

pub use error::SecretsError;
pub use keyring::{KeyInfo, KeyStatus, Keyring, MAX_DOCUMENT_BYTES, MAX_KEYS};
pub use plaintext::Plaintext;
pub use sealed::{
    Context, MAX_CONTEXT_BYTES, MAX_CONTEXT_ENTRIES, MAX_PLAINTEXT_BYTES, SealedHeader, Suite, VERSION, from_text,
    inspect, inspect_text, to_text,
};
pub use wrap::{
    KeyWrapper, KeyringFile, LocalKeyWrapper, MASTER_KEY_ENV, MAX_KEYRING_FILE_BYTES, read_secret_file,
    write_secret_file,
};
