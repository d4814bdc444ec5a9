//! JSON Web Tokens: verify the bearer tokens that reach a service, and issue tokens.
//!
//! Keys are bound to one [`Algorithm`] when they are made ([`VerifyingKey`],
//! [`SigningKey`]); a [`KeySet`] selects one by `kid`; a [`Verifier`], built once,
//! checks a token against it and every rule of RFC 7519 and RFC 8725, and hands back
//! the registered claims and your own typed claims from one parse of the payload. An
//! [`Issuer`] signs tokens. The cryptography is ring's, plugged into jsonwebtoken 11
//! (see [`interop`]).
//!
//! ```
//! use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};
//!
//! let key = SigningKey::generate(Algorithm::EdDSA)?.with_kid("2025-01")?;
//! let verifier = Verifier::builder(KeySet::single(key.verifying_key()))
//!     .issuer("https://auth.example")
//!     .audience("orders")
//!     .build()?;
//! let issuer = Issuer::builder(key).issuer("https://auth.example").audience("orders").build()?;
//!
//! let token = issuer.issue("alice", &serde_json::json!({ "roles": ["clerk"] }))?;
//! let alice = verifier.verify_principal(&token)?;
//! assert_eq!(alice.subject(), "alice");
//! assert!(alice.has_role("clerk"));
//!
//! let forged = format!("{}x", &token[..token.len() - 1]);
//! assert!(verifier.verify_principal(&forged).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What in a token is untrusted
//! Everything, until the signature has been checked with a key *you* configured: the
//! header's `alg` is only compared with the key's algorithm, `kid` only looked up in
//! your [`KeySet`], and `jku`, `x5u`, `x5c` and `jwk` are never followed.
//!
//! # Limits
//! Tokens over 8 KiB (configurable up to 256 KiB) are rejected before decoding; `kid`s
//! over 256 bytes never match; signatures over 1024 bytes are invalid; JSON nesting is
//! limited to 128 levels; JWKS documents to 1 MiB and 1024 keys; PEM to 64 KiB.

mod alg;
mod b64;
mod cache;
pub(crate) mod claims;
mod clock;
mod crypto;
mod der;
mod error;
mod header;
pub mod interop;
mod issuer;
mod json;
mod jwk;
mod key;
mod keyset;
mod mapping;
#[cfg(feature = "jwks")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
pub mod remote;
mod revocation;
mod shared_revocation;
mod verifier;

pub use alg::{Algorithm, KeyFamily, UnknownAlgorithm};
pub use cache::{MAX_CACHED_TOKEN_BYTES, TokenCache};
pub use claims::RegisteredClaims;
pub(crate) use clock::system_clock;
pub use clock::{Clock, DEFAULT_LEEWAY, MAX_LEEWAY};
pub use error::{KeyError, TokenError};
pub use issuer::{DEFAULT_TTL, IssueError, Issuer, IssuerBuilder, MAX_TTL};
pub use jwk::{Jwk, JwkSet, MAX_JWKS_BYTES, MAX_JWKS_KEYS};
pub use key::{MAX_KID_BYTES, MAX_PEM_BYTES, MIN_RSA_BITS, SigningKey, VerifyingKey};
pub use keyset::KeySet;
pub use mapping::{ClaimPath, PrincipalMapping};
#[cfg(feature = "jwks")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
pub use remote::{JwksError, KeySetHealth, RemoteKeySet, RemoteKeySetBuilder};
pub use revocation::{InMemoryRevocation, Revocation, RevocationFull, TokenIdentity};
pub use shared_revocation::SharedRevocation;
pub use verifier::{
    DEFAULT_MAX_TOKEN_BYTES, KeySource, MAX_TOKEN_BYTES_LIMIT, NoCustomClaims, Verified, Verifier, VerifierBuilder,
};
