//! Interoperation with jsonwebtoken, the one place its types appear in portcullis's
//! API: portcullis's ring-backed [`CryptoProvider`](PROVIDER) for jsonwebtoken's own
//! functions, and keys converted from jsonwebtoken's.
//!
//! portcullis depends on jsonwebtoken without its `rust_crypto` and `aws_lc_rs`
//! features; all cryptography is ring's, and
//! [`VerifyingKey`]/[`SigningKey`] hold ring's parsed keys, so portcullis's own
//! [`Verifier`](super::Verifier) and [`Issuer`](super::Issuer) call ring directly and
//! never consult jsonwebtoken's process-wide provider.
//!
//! # The process-wide provider
//!
//! jsonwebtoken's free functions (`jsonwebtoken::decode`, `encode`) look up one
//! provider per process and panic when none can be determined. portcullis installs
//! [`PROVIDER`] the first time any key is constructed, and [`install`] does it
//! explicitly. If the application installed its own provider first, that one stays in
//! place for jsonwebtoken's free functions (jsonwebtoken allows one installation per
//! process); portcullis's verification and issuing are unaffected either way, because
//! they never go through the process default. Call [`install`] at the top of `main` if
//! you also use jsonwebtoken directly before touching any portcullis key.
//!
//! ```
//! use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
//!
//! portcullis::token::interop::install();
//! let secret = [9u8; 32];
//! let claims = serde_json::json!({ "sub": "alice", "exp": 4_102_444_800u64 });
//! let token = jsonwebtoken::encode(&Header::default(), &claims, &EncodingKey::from_secret(&secret))?;
//! let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
//! validation.required_spec_claims.clear();
//! let data = jsonwebtoken::decode::<serde_json::Value>(&token, &DecodingKey::from_secret(&secret), &validation)?;
//! assert_eq!(data.claims["sub"], "alice");
//! # Ok::<(), jsonwebtoken::errors::Error>(())
//! ```

use jsonwebtoken::{DecodingKey, EncodingKey};

pub use super::crypto::{PROVIDER, install};
use super::{Algorithm, KeyError, SigningKey, VerifyingKey};

/// A verifying key from jsonwebtoken's [`DecodingKey`], bound to `alg`: how
/// [`PROVIDER`] serves `jsonwebtoken::decode`.
///
/// ```
/// use portcullis::token::{Algorithm, interop};
///
/// let key = interop::verifying_key(Algorithm::HS256, &jsonwebtoken::DecodingKey::from_secret(&[7; 32]))?;
/// assert_eq!(key.algorithm(), Algorithm::HS256);
/// # Ok::<(), portcullis::token::KeyError>(())
/// ```
///
/// # Errors
///
/// [`KeyError`] for a key that does not fit `alg`, or that portcullis refuses (an
/// HMAC secret under the hash size, an RSA modulus under 2048 bits).
pub fn verifying_key(alg: Algorithm, key: &DecodingKey) -> Result<VerifyingKey, KeyError> {
    VerifyingKey::from_decoding_key(alg, key)
}

/// A signing key from jsonwebtoken's [`EncodingKey`], bound to `alg`: how
/// [`PROVIDER`] serves `jsonwebtoken::encode`.
///
/// # Errors
///
/// [`KeyError`] for a key that does not fit `alg`, or that portcullis refuses.
pub fn signing_key(alg: Algorithm, key: &EncodingKey) -> Result<SigningKey, KeyError> {
    SigningKey::from_encoding_key(alg, key)
}
