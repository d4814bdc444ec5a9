//! The extractors' decisions, framework-free: what a handler asks of the request
//! (the caller, their claims, a permission), and the refusal when the request does
//! not have it.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::de::DeserializeOwned;

use super::Rejection;
use super::gate::{Authenticated, NOT_INSTALLED};
use super::site::{Site, Verdict};
use crate::Principal;
use crate::audit::{Outcome, Stage};
use crate::auth::{AuthError, Permission};

/// The verified token's claims as your own type: an extractor in both adapters.
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use portcullis::http::Claims;
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
/// use portcullis::http::Authorized;
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

/// An extractor's refusal: the [`Rejection`] it renders, and what the audit log
/// needs of it. Both adapters' extractors fail with it.
///
/// A refusal is recorded when it happens, with one exception: "no caller" on a
/// route under an optional [`Gate`](super::Gate) is recorded by the middleware when
/// the response carries it. An extractor for an optional caller (actix-web's
/// `Option<T>`) may turn that refusal into `None`, and then only the request's
/// `anonymous` event is recorded.
#[derive(Debug)]
pub struct Refused {
    rejection: Rejection,
    stage: Stage,
    requirement: Option<&'static str>,
    /// Not recorded yet: the innermost middleware the response passes records it.
    pending: AtomicBool,
}

impl Clone for Refused {
    fn clone(&self) -> Self {
        Refused {
            rejection: self.rejection.clone(),
            stage: self.stage,
            requirement: self.requirement,
            pending: AtomicBool::new(self.pending.load(Ordering::Relaxed)),
        }
    }
}

impl Refused {
    /// The response it renders.
    pub fn rejection(&self) -> &Rejection {
        &self.rejection
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.rejection, f)
    }
}

impl std::error::Error for Refused {}

/// Refuses the request at `site` with `err`: recorded now, or by the middleware
/// when the refusal is "no caller" (see [`Refused`]).
fn refuse(
    context: Option<&Authenticated>,
    site: &impl Site,
    err: AuthError,
    requirement: Option<&'static str>,
) -> Refused {
    // A refusal that names a requirement is authorization's; any other (no caller,
    // claims of the wrong shape, a missing middleware) authentication's.
    let stage = match requirement {
        Some(_) => Stage::Authorization,
        None => Stage::Authentication,
    };
    let pending = context.is_some() && err == AuthError::MissingCredentials;
    if !pending {
        Verdict::refused(stage, &err)
            .of(context.and_then(|context| context.principal.as_ref()))
            .requiring(requirement)
            .counted(context)
            .record(site);
    }
    Refused {
        rejection: Authenticated::rejection(context, &err),
        stage,
        requirement,
        pending: AtomicBool::new(pending),
    }
}

/// The client identity of the request's connection (its verified client
/// certificate; see [`tls`](crate::tls)): an extractor for routes that need one,
/// under both adapters. Without one, the request is refused 401 (the contract's
/// missing credentials: a challenge, no error code).
///
/// ```
/// use portcullis::http::ClientIdentity;
///
/// async fn whoami(ClientIdentity(peer): ClientIdentity) -> String {
///     peer.name().unwrap_or("a certificate without a name").to_owned()
/// }
/// # let _ = whoami;
/// ```
#[cfg(feature = "tls")]
#[derive(Debug, Clone)]
pub struct ClientIdentity(pub std::sync::Arc<crate::tls::PeerIdentity>);

/// The connection's client identity, for the [`ClientIdentity`] extractor.
#[cfg(feature = "tls")]
pub(crate) fn client_identity(
    context: Option<&Authenticated>,
    site: &impl Site,
    identity: Option<&std::sync::Arc<crate::tls::PeerIdentity>>,
) -> Result<ClientIdentity, Refused> {
    match identity {
        Some(identity) => Ok(ClientIdentity(identity.clone())),
        None => Err(refuse(context, site, AuthError::MissingCredentials, None)),
    }
}

/// The caller, for the `Principal` extractor.
pub(crate) fn principal<'c>(context: Option<&'c Authenticated>, site: &impl Site) -> Result<&'c Principal, Refused> {
    caller(context).map_err(|err| refuse(context, site, err, None))
}

/// The caller or `None`, for an extractor of an optional caller (axum's; actix-web's
/// `Option<T>` is its own, over `Principal`'s).
#[cfg(feature = "axum")]
pub(crate) fn optional_principal<'c>(
    context: Option<&'c Authenticated>,
    site: &impl Site,
) -> Result<Option<&'c Principal>, Refused> {
    match context {
        Some(context) => Ok(context.principal.as_ref()),
        None => Err(refuse(context, site, NOT_INSTALLED, None)),
    }
}

/// The caller's claims as `T`, for the [`Claims`] extractor; claims of another
/// shape are `invalid_claim`.
pub(crate) fn claims<T: DeserializeOwned>(
    context: Option<&Authenticated>,
    site: &impl Site,
) -> Result<Claims<T>, Refused> {
    caller(context)
        .and_then(|principal| principal.claims::<T>().map_err(AuthError::InvalidToken))
        .map(Claims)
        .map_err(|err| refuse(context, site, err, None))
}

/// The caller, if they hold `P` under the middleware's policy, for the
/// [`Authorized`] extractor; recorded either way.
pub(crate) fn authorized<P: Permission>(
    context: Option<&Authenticated>,
    site: &impl Site,
) -> Result<Authorized<P>, Refused> {
    let principal = principal(context, site)?;
    let Some(policy) = context.and_then(|context| context.shared.policy.as_ref()) else {
        let missing = AuthError::Internal("the authentication middleware has no policy for Authorized");
        return Err(refuse(context, site, missing, Some(P::NAME)));
    };
    let current = policy.current();
    if !current.principal_allows_str(principal, P::NAME) {
        // A permission is the service's own name, never an OAuth scope the client
        // could ask for: the challenge names none (the audit log names it).
        let forbidden = AuthError::Forbidden { missing_scopes: None };
        return Err(refuse(context, site, forbidden, Some(P::NAME)));
    }
    Verdict::allowed(Stage::Authorization, Some(principal))
        .requiring(Some(P::NAME))
        .counted(context)
        .record(site);
    Ok(Authorized {
        principal: principal.clone(),
        _permission: PhantomData,
    })
}

fn caller(context: Option<&Authenticated>) -> Result<&Principal, AuthError> {
    match context {
        None => Err(NOT_INSTALLED),
        Some(context) => context.principal.as_ref().ok_or(AuthError::MissingCredentials),
    }
}

/// What a response carries back through the middleware that let its request in.
pub(crate) enum Returned<'r> {
    /// An extractor's refusal.
    Refused(&'r Refused),
    /// A handler's own [`AuthError`].
    Handler(&'r AuthError),
}

/// The middleware's last word on a response carrying `returned`: a refusal not
/// recorded yet is recorded; a handler's error is recorded and re-rendered under
/// the middleware's realm (`Some`: the response to send instead). `site` is what
/// the middleware kept of the request, `None` while no audit log listens.
pub(crate) fn on_the_way_out(
    returned: Returned<'_>,
    context: &Authenticated,
    site: Option<&(impl Site + ?Sized)>,
) -> Option<Rejection> {
    let principal = context.principal.as_ref();
    match returned {
        Returned::Refused(refused) => {
            // Only a middleware that kept the request records (and so consumes) the
            // refusal: one that kept nothing leaves it to an outer one that did,
            // unless no audit log listens at all (then it is only counted, here).
            let verdict = Verdict::denied(refused.stage, refused.rejection.code())
                .of(principal)
                .requiring(refused.requirement)
                .counted(Some(context));
            match site {
                Some(site) if refused.pending.swap(false, Ordering::Relaxed) => verdict.record(site),
                None if !listening() && refused.pending.swap(false, Ordering::Relaxed) => verdict.count(),
                _ => {}
            }
            None
        }
        Returned::Handler(err) => {
            let verdict = Verdict::refused(Stage::Handler, err)
                .of(principal)
                .counted(Some(context));
            match site {
                Some(site) => verdict.record(site),
                None => verdict.count(),
            }
            Some(Rejection::new(err, &context.shared.realm))
        }
    }
}

/// Whether anything listens for a refusal, so that a middleware keeps what the audit
/// log needs of a request that moves on.
pub(crate) fn listening() -> bool {
    crate::audit::enabled(Outcome::Denied)
}
