//! What the axum and actix-web adapters share: the per-request context the
//! middleware leaves behind, and every decision an extractor or guard makes from
//! it. Keeping the decisions here is what makes the two adapters answer alike; they
//! only translate requests and responses.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::{AuthError, Authenticator, CredentialSources, Credentials, Headers, Permission, Requirement};
use crate::Principal;
use crate::audit::Stage;
use crate::http::{Realm, Rejection};
use crate::rbac::PolicyHandle;
use crate::token::TokenError;

/// What a middleware shares with the extractors and guards of each request.
pub(crate) struct Shared {
    pub(crate) realm: Realm,
    pub(crate) policy: Option<PolicyHandle>,
}

impl Shared {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Shared {
            realm: Realm::default(),
            policy: None,
        })
    }

    pub(crate) fn with_realm(&self, realm: Realm) -> Arc<Self> {
        Arc::new(Shared {
            realm,
            policy: self.policy.clone(),
        })
    }

    pub(crate) fn with_policy(&self, policy: PolicyHandle) -> Arc<Self> {
        Arc::new(Shared {
            realm: self.realm.clone(),
            policy: Some(policy),
        })
    }
}

/// How a middleware authenticates: what `AuthLayer` (axum) and `AuthMiddleware`
/// (actix-web) are made of. One reference count to clone, as frameworks clone a
/// service per request.
pub(crate) struct Gate<A>(Arc<GateParts<A>>);

struct GateParts<A> {
    authenticator: Arc<A>,
    sources: Arc<CredentialSources>,
    shared: Arc<Shared>,
    required: bool,
}

// By hand: the authenticator is shared, so it need not be `Clone` itself.
impl<A> Clone for Gate<A> {
    fn clone(&self) -> Self {
        Gate(self.0.clone())
    }
}

impl<A> Clone for GateParts<A> {
    fn clone(&self) -> Self {
        GateParts {
            authenticator: self.authenticator.clone(),
            sources: self.sources.clone(),
            shared: self.shared.clone(),
            required: self.required,
        }
    }
}

impl<A: Authenticator> Gate<A> {
    pub(crate) fn new(authenticator: A, required: bool) -> Self {
        Gate(Arc::new(GateParts {
            authenticator: Arc::new(authenticator),
            sources: Arc::new(CredentialSources::authorization_header()),
            shared: Shared::new(),
            required,
        }))
    }

    /// What extractors and guards see of this middleware.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.0.shared
    }

    pub(crate) fn set_realm(&mut self, realm: Realm) {
        let parts = Arc::make_mut(&mut self.0);
        parts.shared = parts.shared.with_realm(realm);
    }

    pub(crate) fn set_sources(&mut self, sources: CredentialSources) {
        Arc::make_mut(&mut self.0).sources = Arc::new(sources);
    }

    pub(crate) fn set_policy(&mut self, policy: PolicyHandle) {
        let parts = Arc::make_mut(&mut self.0);
        parts.shared = parts.shared.with_policy(policy);
    }

    /// The request's caller (`None`: anonymous, where that is allowed), when the
    /// authenticator can answer without waiting (token verification can);
    /// `None` means "await [`authenticate`](Self::authenticate)".
    #[allow(clippy::type_complexity)]
    pub(crate) fn authenticate_now<H: Headers + ?Sized>(
        &self,
        headers: &H,
    ) -> Option<Result<Option<Principal>, AuthError>> {
        let parts = &*self.0;
        match read_credentials(&parts.sources, headers, parts.required) {
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
        let parts = &*self.0;
        match read_credentials(&parts.sources, headers, parts.required)? {
            None => Ok(None),
            Some(credentials) => parts.authenticator.authenticate(&credentials).await.map(Some),
        }
    }
}

/// What the middleware leaves in a request's extensions (two reference counts to
/// clone; no allocation of its own).
#[derive(Clone)]
pub(crate) struct Authenticated {
    pub(crate) principal: Option<Principal>,
    pub(crate) shared: Arc<Shared>,
}

/// An extractor or guard on a route without the middleware: a server
/// misconfiguration, answered with 500 (fail closed).
pub(crate) const NOT_INSTALLED: AuthError =
    AuthError::Internal("the authentication middleware is not installed on this route");

/// The request's credentials; none where they are required is an error.
fn read_credentials<'h, H: Headers + ?Sized>(
    sources: &CredentialSources,
    headers: &'h H,
    required: bool,
) -> Result<Option<Credentials<'h>>, AuthError> {
    match sources.extract(headers)? {
        None if required => Err(AuthError::MissingCredentials),
        credentials => Ok(credentials),
    }
}

/// The caller, for the `Principal` extractor.
pub(crate) fn principal(context: Option<&Authenticated>) -> Result<&Principal, AuthError> {
    match context {
        None => Err(NOT_INSTALLED),
        Some(Authenticated { principal: None, .. }) => Err(AuthError::MissingCredentials),
        Some(Authenticated {
            principal: Some(principal),
            ..
        }) => Ok(principal),
    }
}

/// The caller or `None`, for axum's optional extractor (actix-web's `Option<T>` is
/// its own, over `Principal`'s).
#[cfg(feature = "axum")]
pub(crate) fn optional_principal(context: Option<&Authenticated>) -> Result<Option<&Principal>, AuthError> {
    context.map(|context| context.principal.as_ref()).ok_or(NOT_INSTALLED)
}

/// The caller's claims as `T`; claims of another shape are `invalid_claim`.
pub(crate) fn claims<T: DeserializeOwned>(principal: &Principal) -> Result<T, AuthError> {
    serde_json::from_value(serde_json::Value::Object(principal.claims().clone())).map_err(|_| {
        AuthError::InvalidToken(TokenError::InvalidClaim {
            claim: std::borrow::Cow::Borrowed("custom"),
        })
    })
}

/// The caller, if they hold `P` under the middleware's policy. A refusal names the
/// requirement when it is authorization's (see [`refusal_stage`]).
pub(crate) fn authorize<P: Permission>(
    context: Option<&Authenticated>,
) -> Result<&Principal, (AuthError, Option<&'static str>)> {
    let principal = principal(context).map_err(|err| (err, None))?;
    let Some(policy) = context.and_then(|context| context.shared.policy.as_ref()) else {
        return Err((
            AuthError::Internal("the authentication middleware has no policy for Authorized"),
            Some(P::NAME),
        ));
    };
    let current = policy.current();
    if current.check_str(&current.principal_permissions(principal), P::NAME) {
        Ok(principal)
    } else {
        // A permission is the service's own name, never an OAuth scope the client
        // could ask for: the challenge names none (the audit log names it).
        Err((AuthError::Forbidden { required: None }, Some(P::NAME)))
    }
}

/// A guard's verdict on a request.
pub(crate) fn guard<'c>(
    context: Option<&'c Authenticated>,
    requirement: &Requirement,
) -> Result<Option<&'c Principal>, AuthError> {
    let principal = principal(context)?;
    requirement.check(principal).map(|()| Some(principal))
}

/// The stage a refusal belongs to: one that names a requirement is
/// authorization's; any other (no caller, claims of the wrong shape, a missing
/// middleware) authentication's.
pub(crate) fn refusal_stage(requirement: Option<&str>) -> Stage {
    if requirement.is_some() {
        Stage::Authorization
    } else {
        Stage::Authentication
    }
}

/// The response for `error` under the request's realm.
pub(crate) fn rejection(context: Option<&Authenticated>, error: &AuthError) -> Rejection {
    match context {
        Some(context) => Rejection::new(error, &context.shared.realm),
        None => Rejection::new(error, &Realm::default()),
    }
}

/// The verified token's claims as your own type: an extractor in both adapters.
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use portcullis::auth::Claims;
///
/// #[derive(serde::Deserialize)]
/// struct Billing {
///     account: String,
/// }
///
/// async fn invoices(Claims(billing): Claims<Billing>) -> String {
///     billing.account
/// }
/// # let _: axum::routing::MethodRouter = axum::routing::get(invoices);
/// # }
/// ```
///
/// Claims that do not fit the type are `invalid_claim` (401): the token was valid,
/// but not for this route.
#[derive(Debug, Clone)]
pub struct Claims<T>(pub T);

/// The caller, proven to hold the permission `P` under the policy given to the
/// middleware (403 `insufficient_scope` when not): an extractor in both adapters.
/// Declare `P` with [`permission!`](crate::permission).
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use portcullis::auth::Authorized;
///
/// portcullis::permission!(ReadOrders = "orders:read");
///
/// async fn list(caller: Authorized<ReadOrders>) -> String {
///     format!("orders for {}", caller.subject())
/// }
/// # let _: axum::routing::MethodRouter = axum::routing::get(list);
/// # }
/// ```
pub struct Authorized<P> {
    /// The caller.
    pub principal: Principal,
    _permission: PhantomData<P>,
}

impl<P> Authorized<P> {
    pub(crate) fn new(principal: Principal) -> Self {
        Authorized {
            principal,
            _permission: PhantomData,
        }
    }
}

impl<P> std::ops::Deref for Authorized<P> {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl<P: Permission> std::fmt::Debug for Authorized<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorized")
            .field("permission", &P::NAME)
            .field("principal", &self.principal)
            .finish()
    }
}
