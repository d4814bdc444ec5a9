//! The request pipeline both HTTP adapters share, framework-free: read the
//! request's [`Credentials`], turn them into a [`Principal`] with an
//! [`Authenticator`], and describe every failure as an [`AuthError`], which
//! [`http::Rejection`](crate::http::Rejection) renders per DESIGN.md's HTTP error
//! contract.
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

#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) mod adapter;
mod credentials;
mod error;
mod requirement;

use std::future::Future;

#[cfg(any(feature = "axum", feature = "actix"))]
pub use adapter::{Authorized, Claims};
pub use credentials::{CredentialSources, Credentials, Headers, SliceValues};
pub use error::AuthError;
pub use requirement::Requirement;

use crate::Principal;
use crate::token::Verifier;

/// A permission named at the type level, for the adapters' `Authorized<P>`
/// extractors; declare one with [`permission!`](crate::permission).
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

/// How credentials become a caller's identity. [`Verifier`] is one (bearer JWTs);
/// API keys or client certificates implement it the same way, possibly looking
/// something up, hence the future.
///
/// ```
/// use portcullis::Principal;
/// use portcullis::auth::{AuthError, Authenticator, Credentials};
///
/// /// Service-to-service calls with a static token (for a test double, say).
/// struct Static(&'static str);
///
/// impl Authenticator for Static {
///     async fn authenticate(&self, credentials: &Credentials<'_>) -> Result<Principal, AuthError> {
///         match credentials {
///             Credentials::Bearer(token) if *token == self.0 => Ok(Principal::new("svc-billing")),
///             _ => Err(AuthError::InvalidToken(portcullis::token::TokenError::InvalidSignature)),
///         }
///     }
/// }
/// ```
pub trait Authenticator: Send + Sync + 'static {
    /// Authenticates `credentials`, or says why not.
    fn authenticate(&self, credentials: &Credentials<'_>) -> impl Future<Output = Result<Principal, AuthError>> + Send;

    /// Authenticates without waiting, for authenticators that never wait (token
    /// verification): adapters then skip allocating a future. `None`, the default,
    /// means "call [`authenticate`](Self::authenticate)". It must give the same
    /// answer as `authenticate`; it is never called as well as `authenticate` for the
    /// same request.
    fn authenticate_now(&self, credentials: &Credentials<'_>) -> Option<Result<Principal, AuthError>> {
        let _ = credentials;
        None
    }
}

impl Authenticator for Verifier {
    /// Verifies a bearer JWT ([`Verifier::verify_principal`]). With a
    /// [`RemoteKeySet`](crate::token::RemoteKeySet) (feature `jwks`), a token whose
    /// `kid` is unknown waits for one refetch of the keys (at most one per
    /// cooldown, shared by concurrent requests) and is verified again.
    async fn authenticate(&self, credentials: &Credentials<'_>) -> Result<Principal, AuthError> {
        let result = verify(self, credentials);
        #[cfg(feature = "jwks")]
        if unknown_key(&result)
            && let Some(remote) = remote_keys(self, credentials)
            && remote.refetch_for_unknown_kid().await
        {
            return verify(self, credentials);
        }
        result
    }

    /// Answers at once, except for an unknown `kid` that a remote key set may
    /// refetch for: then `None`, and the adapters await
    /// [`authenticate`](Self::authenticate).
    fn authenticate_now(&self, credentials: &Credentials<'_>) -> Option<Result<Principal, AuthError>> {
        let result = verify(self, credentials);
        #[cfg(feature = "jwks")]
        if unknown_key(&result) && remote_keys(self, credentials).is_some_and(crate::token::RemoteKeySet::may_refetch) {
            return None;
        }
        Some(result)
    }
}

/// The remote key set the bearer token's keys come from, if any.
#[cfg(feature = "jwks")]
fn remote_keys<'v>(verifier: &'v Verifier, credentials: &Credentials<'_>) -> Option<&'v crate::token::RemoteKeySet> {
    match credentials {
        Credentials::Bearer(token) => verifier.remote_keys_for_token(token),
    }
}

#[cfg(feature = "jwks")]
fn unknown_key(result: &Result<Principal, AuthError>) -> bool {
    matches!(
        result,
        Err(AuthError::InvalidToken(crate::token::TokenError::UnknownKey))
    )
}

fn verify(verifier: &Verifier, credentials: &Credentials<'_>) -> Result<Principal, AuthError> {
    match credentials {
        Credentials::Bearer(token) => verifier.verify_principal(token).map_err(AuthError::from),
    }
}
