//! # portcullis
//!
//! Security for Rust microservices, correct by default: JWT verification and issuing
//! with keys pinned to one algorithm ([`token`]), the caller's identity as a
//! [`Principal`], argon2id password hashing that cannot starve a server
//! ([`password`]), RBAC compiled so a check is a bit test ([`rbac`]), and input
//! sanitizers and context output encoders against XSS, injection and traversal
//! ([`sanitize`]). The request pipeline ([`auth`], [`http`], [`audit`]) is
//! framework-free; the axum adapter (feature `axum`) and the actix-web adapter
//! (feature `actix`) translate it and answer alike. Secrets arrive in a later release
//! (see the CHANGELOG).
//!
//! ```
//! use portcullis::token::{Algorithm, KeySet, SigningKey, Verifier, Issuer};
//!
//! let key = SigningKey::generate(Algorithm::ES256)?;
//! let verifier = Verifier::builder(KeySet::single(key.verifying_key())).audience("api").build()?;
//! let token = Issuer::builder(key).audience("api").build()?.issue("svc-billing", &())?;
//! assert_eq!(verifier.verify_principal(&token)?.subject(), "svc-billing");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "actix")]
pub mod actix;
pub mod audit;
pub mod auth;
#[cfg(feature = "axum")]
pub mod axum;
pub mod http;
pub mod password;
mod principal;
pub mod rbac;
pub mod sanitize;
pub mod token;

pub use principal::{ClaimPath, Principal, PrincipalMapping};

/// Entry points for the fuzz targets under `fuzz/` into parsers that have no public
/// one. Compiled only with `--cfg fuzzing` (as `cargo fuzz` builds); never part of
/// the API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    /// The `jwks_uri` of an OIDC discovery document for `issuer`, or the error code.
    #[cfg(feature = "jwks")]
    pub fn oidc_discovery(body: &[u8], issuer: &str, allow_http_loopback: bool) -> Result<String, &'static str> {
        crate::token::remote::fuzz_discovery(body, issuer, allow_http_loopback)
            .map(String::from)
            .map_err(|err| err.code())
    }
}

/// The README's Rust examples, compiled and run as doctests.
#[cfg(all(
    doctest,
    feature = "tokio",
    feature = "html",
    feature = "url",
    feature = "axum",
    feature = "actix",
    feature = "jwks"
))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
