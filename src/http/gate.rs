//! The authentication middleware, framework-free: what it is configured with, and
//! its decision about each request.

use std::sync::Arc;

use super::site::{Site, Verdict};
use super::{Realm, Rejection};
use crate::Principal;
use crate::audit::Stage;
use crate::auth::{AuthError, Authenticator, CredentialSources, Credentials, Headers};
use crate::rbac::PolicyHandle;

/// The authentication middleware: it reads each request's credentials, turns them
/// into the caller's [`Principal`] with an [`Authenticator`], and refuses the
/// request or hands the principal on to extractors and guards.
///
/// The axum adapter installs it as a tower layer (`portcullis::axum::AuthLayer` is
/// this type), the actix-web adapter as a middleware
/// (`portcullis::actix::AuthMiddleware`). Cloning it is one reference count.
///
/// - [`required`](Self::required): a request without credentials gets 401.
/// - [`optional`](Self::optional): it goes through without a principal; bad
///   credentials are still refused (a wrong token is never anonymous). Credentials
///   of a kind the authenticator does not accept
///   ([`Authenticator::accepts`]) count as none.
///
/// Credentials come from the `Authorization` header, and from a cookie when set with
/// [`sources`](Self::sources); never from the query string (RFC 6750 §2.3).
///
/// ```
/// use portcullis::http::{Gate, Realm};
/// use portcullis::token::{Algorithm, KeySet, SigningKey, Verifier};
///
/// let key = SigningKey::generate(Algorithm::ES256)?;
/// let verifier = Verifier::builder(KeySet::single(key.verifying_key())).audience("orders").build()?;
/// let gate = Gate::required(verifier).realm(Realm::new("orders")?);
/// # let _ = gate;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Gate<A> {
    parts: Arc<Parts<A>>,
}

struct Parts<A> {
    authenticator: Arc<A>,
    sources: Arc<CredentialSources>,
    shared: Arc<Shared>,
    required: bool,
}

// By hand: the authenticator is shared, so it need not be `Clone` itself.
impl<A> Clone for Gate<A> {
    fn clone(&self) -> Self {
        Gate {
            parts: self.parts.clone(),
        }
    }
}

impl<A> Clone for Parts<A> {
    fn clone(&self) -> Self {
        Parts {
            authenticator: self.authenticator.clone(),
            sources: self.sources.clone(),
            shared: self.shared.clone(),
            required: self.required,
        }
    }
}

impl<A: Authenticator> Gate<A> {
    /// Requests must authenticate.
    pub fn required(authenticator: A) -> Self {
        Self::new(authenticator, true)
    }

    /// Requests may authenticate; anonymous ones pass without a principal.
    pub fn optional(authenticator: A) -> Self {
        Self::new(authenticator, false)
    }

    fn new(authenticator: A, required: bool) -> Self {
        Gate {
            parts: Arc::new(Parts {
                authenticator: Arc::new(authenticator),
                sources: Arc::new(CredentialSources::authorization_header()),
                shared: Arc::new(Shared {
                    realm: Realm::default(),
                    policy: None,
                }),
                required,
            }),
        }
    }

    /// The realm named in challenges (default `api`).
    pub fn realm(mut self, realm: Realm) -> Self {
        let parts = Arc::make_mut(&mut self.parts);
        parts.shared = Arc::new(Shared {
            realm,
            policy: parts.shared.policy.clone(),
        });
        self
    }

    /// Where credentials are read from (default: the `Authorization` header only).
    pub fn sources(mut self, sources: CredentialSources) -> Self {
        Arc::make_mut(&mut self.parts).sources = Arc::new(sources);
        self
    }

    /// The RBAC policy that [`Authorized`](super::Authorized) extractors check
    /// against.
    pub fn policy(mut self, policy: PolicyHandle) -> Self {
        let parts = Arc::make_mut(&mut self.parts);
        parts.shared = Arc::new(Shared {
            realm: parts.shared.realm.clone(),
            policy: Some(policy),
        });
        self
    }

    /// The request's caller (`None`: anonymous, where that is allowed), when the
    /// authenticator can answer without waiting (token verification can); `None`
    /// means "await [`authenticate`](Self::authenticate)".
    #[allow(clippy::type_complexity)]
    pub(crate) fn authenticate_now<H: Headers + ?Sized>(
        &self,
        headers: &H,
    ) -> Option<Result<Option<Principal>, AuthError>> {
        let parts = &*self.parts;
        match self.credentials(headers) {
            Err(err) => Some(Err(err)),
            Ok(None) => Some(Ok(None)),
            Ok(Some(credentials)) => parts
                .authenticator
                .authenticate_now(&credentials)
                .map(|result| result.map(Some)),
        }
    }

    /// The request's caller, awaiting the authenticator.
    pub(crate) async fn authenticate<H: Headers + ?Sized>(&self, headers: &H) -> Result<Option<Principal>, AuthError> {
        match self.credentials(headers)? {
            None => Ok(None),
            Some(credentials) => self.parts.authenticator.authenticate(&credentials).await.map(Some),
        }
    }

    /// The request's credentials, of a kind the authenticator accepts; any other
    /// kind counts as none (see [`crate::auth`] for the rules).
    fn credentials<'h, H: Headers + ?Sized>(&self, headers: &'h H) -> Result<Option<Credentials<'h>>, AuthError> {
        let parts = &*self.parts;
        let presented = parts.sources.extract(headers)?;
        match presented.filter(|credentials| parts.authenticator.accepts(credentials)) {
            None if parts.required => Err(AuthError::MissingCredentials),
            credentials => Ok(credentials),
        }
    }
}

impl<A> Gate<A> {
    /// The middleware's decision on the request at `site`, recorded: the context to
    /// leave in its extensions, or the response that refuses it.
    pub(crate) fn admit(
        &self,
        outcome: Result<Option<Principal>, AuthError>,
        site: &impl Site,
    ) -> Result<Authenticated, Rejection> {
        let shared = &self.parts.shared;
        match outcome {
            Err(err) => {
                Verdict::denied(Stage::Authentication, err.code()).record(site);
                Err(Rejection::new(&err, &shared.realm))
            }
            Ok(principal) => {
                Verdict::allowed(Stage::Authentication, principal.as_ref()).record(site);
                Ok(Authenticated {
                    principal,
                    shared: shared.clone(),
                })
            }
        }
    }
}

/// What a middleware shares with the extractors and guards of each request.
pub(crate) struct Shared {
    pub(crate) realm: Realm,
    pub(crate) policy: Option<PolicyHandle>,
}

/// What the middleware leaves in a request's extensions (two reference counts to
/// clone; no allocation of its own).
#[derive(Clone)]
pub(crate) struct Authenticated {
    pub(crate) principal: Option<Principal>,
    pub(crate) shared: Arc<Shared>,
}

impl Authenticated {
    /// The response for `error` under the realm of the request's middleware (or the
    /// default realm, without one).
    pub(crate) fn rejection(context: Option<&Self>, error: &AuthError) -> Rejection {
        match context {
            Some(context) => Rejection::new(error, &context.shared.realm),
            None => Rejection::new(error, &Realm::default()),
        }
    }
}

/// An extractor or guard on a route without the middleware: a server
/// misconfiguration, answered with 500 (fail closed).
pub(crate) const NOT_INSTALLED: AuthError =
    AuthError::Internal("the authentication middleware is not installed on this route");
