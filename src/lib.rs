//! # portcullis
//!
//! Security for Rust microservices, correct by default: who is calling and what they
//! may do, checked the same way from axum, actix-web or plain service code.
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
//!
//! # The pipeline
//!
//! A request meets portcullis in one order, and every stage is a type you can use on
//! its own:
//!
//! ```text
//! request ─► credentials ─► authenticator ─► principal ─► requirement ─► handler
//!            auth::            auth::          Principal     auth::Requirement,
//!            CredentialSources Authenticator                http::Guard, http::Authorized
//!                 │ any failure: auth::AuthError ─► http::Rejection ─► adapter's response
//! ```
//!
//! - **Credentials** ([`auth::CredentialSources`]): a bearer token from the
//!   `Authorization` header or a cookie, an API key from `X-API-Key`; never the query
//!   string.
//! - **Authenticator** ([`auth::Authenticator`]): turns credentials into a caller.
//!   [`token::Verifier`] is one, [`secrets::apikey::ApiKeys`] another; chain them with
//!   [`auth::Authenticator::or`] (the [`auth`] module says how a new kind of
//!   credential plugs in).
//! - **Principal** ([`Principal`]): the caller, with roles, scopes and tenant.
//! - **Requirement** ([`auth::Requirement`]): a permission of the RBAC policy
//!   ([`rbac`]), a role or an OAuth scope, checked by a route guard
//!   ([`http::Guard`]) or an extractor ([`http::Authorized`]).
//! - **Error** ([`auth::AuthError`]) and **rejection** ([`http::Rejection`]): every
//!   failure has a stable code and one HTTP rendering (RFC 6750 challenges, RFC 9457
//!   problem+json).
//! - **Adapter** ([`axum`], [`actix`]): translations of [`http`], which takes every
//!   decision; both answer a request alike, down to the audit event ([`audit`]).
//!   The middleware also finds the client behind trusted proxies and applies request
//!   rate limits ([`http::Gate::trusted_proxies`], [`http::Gate::rate_limit`]).
//!
//! Beside the pipeline: argon2id passwords that cannot starve a server
//! ([`password`]), input sanitizers and context output encoders against XSS,
//! injection and traversal ([`sanitize`]), data sealed at rest under a rotating
//! keyring and API keys stored as keyed hashes ([`secrets`]), login throttling and
//! rate limits ([`throttle`]) on a bounded state store that replicas can share
//! ([`store`]). [`prelude`] imports what a service usually needs.
//!
//! # Features
//!
//! None is on by default; the core (tokens, RBAC, passwords, text sanitizers, sealed
//! data, the framework-free HTTP rendering) needs none.
//!
//! | feature | what it adds |
//! |---|---|
//! | `axum` | [`axum`]: the middleware and guards as tower layers, extractors (implies `tokio`) |
//! | `actix` | [`actix`]: the middleware and guards as actix-web middleware, extractors (implies `tokio`) |
//! | `jwks` | `token::RemoteKeySet`: keys from an identity provider's JWKS or OIDC discovery, over HTTPS |
//! | `tokio` | `password::PasswordPool`: argon2 work on tokio's blocking threads behind a bounded queue; `token::SharedRevocation::spawn_sync` |
//! | `html` | `sanitize::html`: untrusted HTML cleaned under an allowlist (ammonia's HTML5 parser) |
//! | `url` | `sanitize::url`: URL scheme allowlists and open-redirect checks |
//! | `redis` | `store::RedisStore`: login counters, rate limits, revocations and API-key records shared by every replica through Redis (implies `tokio`) |
//! | `tls` | `tls`: client identities from certificates (`PeerIdentity`, SPIFFE IDs, Envoy's `X-Forwarded-Client-Cert`) |
//! | `zxcvbn` | `password::PasswordRules` also refuses the 30,000 most common passwords |
//! | `cli` | the `portcullis` command-line tool (keys, tokens, passwords, policies, HTML, sealed data, API keys) |
#![forbid(unsafe_code)]
#![deny(missing_docs, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
pub mod audit;
pub mod auth;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
pub mod http;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
pub mod password;
mod principal;
pub mod rbac;
pub mod sanitize;
pub mod secrets;
pub mod store;
pub mod throttle;
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub mod tls;
pub mod token;

pub use principal::{Names, NamesIter, Principal};

/// What a service usually needs, in one import: `use portcullis::prelude::*;`.
///
/// ```
/// use portcullis::prelude::*;
///
/// let key = SigningKey::generate(Algorithm::ES256)?;
/// let verifier = Verifier::builder(KeySet::single(key.verifying_key())).audience("api").build()?;
/// let token = Issuer::builder(key).audience("api").build()?.issue("alice", &())?;
/// let alice: Principal = verifier.verify_principal(&token)?;
/// assert!(Requirement::role("clerk").check(&alice).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub mod prelude {
    pub use crate::Principal;
    #[cfg(feature = "actix")]
    #[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
    pub use crate::actix::{AuthMiddleware, GuardMiddleware};
    pub use crate::auth::{AuthError, Authenticator, CredentialSources, Permission, Requirement};
    #[cfg(feature = "axum")]
    #[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
    pub use crate::axum::{AuthLayer, GuardLayer};
    #[cfg(any(feature = "axum", feature = "actix"))]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "axum", feature = "actix"))))]
    pub use crate::http::{Authorized, Claims, Gate, Guard};
    pub use crate::http::{Realm, Rejection};
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub use crate::password::PasswordPool;
    pub use crate::password::{PasswordHasher, PasswordRules};
    pub use crate::permission;
    pub use crate::rbac::PolicyHandle;
    #[cfg(feature = "jwks")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
    pub use crate::token::RemoteKeySet;
    pub use crate::token::{Algorithm, Issuer, KeySet, SigningKey, TokenError, Verifier};
}

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
    feature = "jwks",
    feature = "tls",
    feature = "metrics"
))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
