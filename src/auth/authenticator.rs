//! How credentials become a caller's identity: the [`Authenticator`] trait, its
//! chain, and the token verifier as one.

use std::future::Future;

use super::{AuthError, Credentials};
use crate::Principal;
use crate::token::Verifier;

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
    /// Whether this authenticator takes credentials of this kind: in a
    /// [`FirstOf`] chain, the first that does decides. All kinds, by default.
    fn accepts(&self, credentials: &Credentials<'_>) -> bool {
        let _ = credentials;
        true
    }

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

    /// This authenticator, then `next` for the credential kinds this one does not
    /// accept (see the [module docs](super) for the rules).
    ///
    /// ```
    /// use portcullis::Principal;
    /// use portcullis::auth::{AuthError, Authenticator, Credentials};
    ///
    /// struct Nobody;
    ///
    /// impl Authenticator for Nobody {
    ///     fn accepts(&self, _: &Credentials<'_>) -> bool {
    ///         false
    ///     }
    ///
    ///     async fn authenticate(&self, _: &Credentials<'_>) -> Result<Principal, AuthError> {
    ///         Err(AuthError::MissingCredentials)
    ///     }
    /// }
    ///
    /// struct Everyone;
    ///
    /// impl Authenticator for Everyone {
    ///     async fn authenticate(&self, _: &Credentials<'_>) -> Result<Principal, AuthError> {
    ///         Ok(Principal::new("guest"))
    ///     }
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let chain = Nobody.or(Everyone);
    /// let guest = chain.authenticate(&Credentials::Bearer("abc")).await?;
    /// assert_eq!(guest.subject(), "guest");
    /// # Ok::<(), AuthError>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn or<B: Authenticator>(self, next: B) -> FirstOf<Self, B>
    where
        Self: Sized,
    {
        FirstOf { first: self, next }
    }
}

/// Two authenticators in order, made by [`Authenticator::or`]: the first that
/// accepts a credential's kind decides, and its refusal is final.
#[derive(Debug, Clone)]
pub struct FirstOf<A, B> {
    first: A,
    next: B,
}

impl<A: Authenticator, B: Authenticator> Authenticator for FirstOf<A, B> {
    fn accepts(&self, credentials: &Credentials<'_>) -> bool {
        self.first.accepts(credentials) || self.next.accepts(credentials)
    }

    async fn authenticate(&self, credentials: &Credentials<'_>) -> Result<Principal, AuthError> {
        if self.first.accepts(credentials) {
            self.first.authenticate(credentials).await
        } else if self.next.accepts(credentials) {
            self.next.authenticate(credentials).await
        } else {
            Err(AuthError::MissingCredentials)
        }
    }

    fn authenticate_now(&self, credentials: &Credentials<'_>) -> Option<Result<Principal, AuthError>> {
        if self.first.accepts(credentials) {
            self.first.authenticate_now(credentials)
        } else if self.next.accepts(credentials) {
            self.next.authenticate_now(credentials)
        } else {
            Some(Err(AuthError::MissingCredentials))
        }
    }
}

impl Authenticator for Verifier {
    /// Bearer tokens.
    fn accepts(&self, credentials: &Credentials<'_>) -> bool {
        matches!(credentials, Credentials::Bearer(_))
    }

    /// Verifies a bearer JWT
    /// ([`Verifier::verify_principal_refreshing`]: with a remote key set, an unknown
    /// `kid` waits for one refetch of the keys).
    async fn authenticate(&self, credentials: &Credentials<'_>) -> Result<Principal, AuthError> {
        match credentials {
            Credentials::Bearer(token) => self.verify_principal_refreshing(token).await.map_err(AuthError::from),
            _ => Err(AuthError::MissingCredentials),
        }
    }

    /// Answers at once, except for an unknown `kid` that a remote key set may
    /// refetch for: then `None`, and the adapters await
    /// [`authenticate`](Self::authenticate).
    fn authenticate_now(&self, credentials: &Credentials<'_>) -> Option<Result<Principal, AuthError>> {
        match credentials {
            Credentials::Bearer(token) => self
                .verify_principal_now(token)
                .map(|result| result.map_err(AuthError::from)),
            _ => Some(Err(AuthError::MissingCredentials)),
        }
    }
}

#[cfg(all(test, feature = "tokio"))]
mod tests {
    use super::*;

    /// Accepts only the bearer tokens that start with its prefix, and answers
    /// with its name, or refuses.
    struct Prefixed {
        prefix: &'static str,
        refuse: bool,
    }

    impl Authenticator for Prefixed {
        fn accepts(&self, credentials: &Credentials<'_>) -> bool {
            matches!(credentials, Credentials::Bearer(token) if token.starts_with(self.prefix))
        }

        async fn authenticate(&self, _: &Credentials<'_>) -> Result<Principal, AuthError> {
            match self.refuse {
                true => Err(AuthError::InvalidToken(crate::token::TokenError::InvalidSignature)),
                false => Ok(Principal::new(self.prefix)),
            }
        }
    }

    fn chain(first_refuses: bool) -> FirstOf<Prefixed, Prefixed> {
        let first = Prefixed {
            prefix: "key_",
            refuse: first_refuses,
        };
        first.or(Prefixed {
            prefix: "",
            refuse: false,
        })
    }

    fn run<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(future)
    }

    #[test]
    fn the_first_authenticator_that_accepts_the_kind_decides() {
        let chain = chain(false);
        let by_first = run(chain.authenticate(&Credentials::Bearer("key_abc"))).expect("first");
        assert_eq!(by_first.subject(), "key_");
        let by_next = run(chain.authenticate(&Credentials::Bearer("abc"))).expect("next");
        assert_eq!(by_next.subject(), "");
    }

    #[test]
    fn a_refusal_never_falls_through_to_the_next_authenticator() {
        let chain = chain(true);
        let refused = run(chain.authenticate(&Credentials::Bearer("key_abc")));
        assert_eq!(refused.map_err(|e| e.code()), Err("invalid_signature"));
        assert!(chain.authenticate_now(&Credentials::Bearer("key_abc")).is_none());
    }

    #[test]
    fn credentials_no_authenticator_accepts_are_missing_credentials() {
        let only_keys = Prefixed {
            prefix: "key_",
            refuse: false,
        }
        .or(Prefixed {
            prefix: "other_",
            refuse: false,
        });
        let token = Credentials::Bearer("abc");
        assert!(!only_keys.accepts(&token));
        assert_eq!(run(only_keys.authenticate(&token)), Err(AuthError::MissingCredentials));
        assert_eq!(
            only_keys.authenticate_now(&token),
            Some(Err(AuthError::MissingCredentials))
        );
    }

    #[test]
    fn the_verifier_accepts_bearer_tokens() {
        let key = crate::token::SigningKey::generate(crate::token::Algorithm::HS256).expect("key");
        let verifier = Verifier::builder(crate::token::KeySet::single(key.verifying_key()))
            .build()
            .expect("verifier");
        assert!(verifier.accepts(&Credentials::Bearer("a.b.c")));
    }
}
