//! Who is calling, framework-free: read the request's [`Credentials`] with
//! [`CredentialSources`], turn them into a [`Principal`](crate::Principal) with an
//! [`Authenticator`], check a route's [`Requirement`], and describe every failure as
//! an [`AuthError`], which [`http::Rejection`](crate::http::Rejection) renders per
//! DESIGN.md's HTTP error contract.
//!
//! # Adding a kind of credential
//! A new kind (an API key, a client certificate, a password at `/login`) plugs in at
//! two points, and nowhere else: a [`Credentials`] variant with the source that reads
//! it ([`CredentialSources`]), and an [`Authenticator`] that accepts it
//! ([`Authenticator::accepts`]). The two compose by fixed rules:
//!
//! - **Sources:** every configured source is read. A request presents one
//!   credential or none: two sources presenting one (a token in the header and in a
//!   cookie) is `invalid_request` (400), never a choice (RFC 6750 §2).
//! - **Authenticators:** [`Authenticator::or`] chains them into a [`FirstOf`]. The
//!   first in the chain that accepts the credential's kind decides, and its answer is
//!   final: a refused credential never falls through to the next authenticator, so
//!   no authenticator can turn another's refusal into a success. A credential that
//!   none accepts is `missing_credentials` (401), as if none had been presented.
//!
//! The middleware ([`http::Gate`](crate::http::Gate)) runs exactly this: sources,
//! then the chain, then the route's guards and extractors.
//!
//! ```
//! use portcullis::auth::{Authenticator, CredentialSources, Credentials};
//! use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let key = SigningKey::generate(Algorithm::ES256)?;
//! let verifier = Verifier::builder(KeySet::single(key.verifying_key())).audience("orders").build()?;
//! let token = Issuer::builder(key).audience("orders").build()?.issue("alice", &())?;
//!
//! let header = format!("Bearer {token}");
//! let headers: &[(&str, &[u8])] = &[("authorization", header.as_bytes())];
//! let credentials = CredentialSources::authorization_header().extract(headers)?.expect("a token");
//! let alice = verifier.authenticate(&credentials).await?;
//! assert_eq!(alice.subject(), "alice");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod authenticator;
mod credentials;
mod error;
mod requirement;

pub use authenticator::{Authenticator, FirstOf};
pub use credentials::{CredentialSources, Credentials, Headers, SliceValues};
pub use error::AuthError;
pub use requirement::Requirement;

/// A permission named at the type level, for the
/// [`Authorized<P>`](crate::http::Authorized) extractor; declare one with [`permission!`](crate::permission).
pub trait Permission: Send + Sync + 'static {
    /// The permission, `resource:action`.
    const NAME: &'static str;
}

/// Declares a unit struct implementing [`auth::Permission`](crate::auth::Permission).
///
/// ```
/// portcullis::permission!(
///     /// May refund orders.
///     pub RefundOrders = "orders:refund"
/// );
/// use portcullis::auth::Permission;
/// assert_eq!(RefundOrders::NAME, "orders:refund");
/// ```
#[macro_export]
macro_rules! permission {
    ($(#[$attr:meta])* $vis:vis $name:ident = $permission:literal) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis struct $name;

        impl $crate::auth::Permission for $name {
            const NAME: &'static str = $permission;
        }
    };
}
