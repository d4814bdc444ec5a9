//! The axum 0.8 adapter (feature `axum`): the authentication middleware
//! ([`AuthLayer`], a [`Gate`]) and route guards ([`GuardLayer`], a [`Guard`]) as
//! tower layers, and [`Principal`], [`Claims`] and [`Authorized`] as extractors.
//! Every decision is taken by [`crate::http`]; this module only translates axum's
//! requests to it and its answers to axum's responses.
//!
//! ```
//! use axum::{Router, routing::{get, post}};
//! use portcullis::Principal;
//! use portcullis::axum::AuthLayer;
//! use portcullis::http::{Authorized, Guard};
//! use portcullis::rbac::PolicyHandle;
//! use portcullis::token::{Algorithm, KeySet, SigningKey, Verifier};
//!
//! portcullis::permission!(
//!     /// May read orders.
//!     ReadOrders = "orders:read"
//! );
//!
//! async fn me(caller: Principal) -> String {
//!     caller.subject().to_owned()
//! }
//!
//! async fn list(_: Authorized<ReadOrders>) -> &'static str {
//!     "[]"
//! }
//!
//! async fn create(caller: Principal) -> String {
//!     format!("created by {}", caller.subject())
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = SigningKey::generate(Algorithm::ES256)?;
//! let verifier = Verifier::builder(KeySet::single(key.verifying_key())).audience("orders").build()?;
//! let policy = PolicyHandle::from_toml(r#"
//!     [roles.viewer]
//!     permissions = ["orders:read"]
//!     [roles.clerk]
//!     inherits = ["viewer"]
//!     permissions = ["orders:write"]
//! "#)?;
//!
//! let app: Router = Router::new()
//!     .route("/me", get(me))
//!     .route("/orders", get(list))
//!     .route("/orders", post(create).route_layer(Guard::permission(&policy, "orders:write")?))
//!     .layer(AuthLayer::required(verifier).policy(policy));
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! Every failure, from the layer, a guard, an extractor or a handler returning
//! [`AuthError`], is rendered by [`Rejection`] exactly as DESIGN.md's HTTP error
//! contract says, and every decision is recorded by
//! [`audit::record`](crate::audit::record).
//!
//! A handler that panics is not caught here: axum closes the connection without a
//! response, so nothing of the request leaks. Add tower-http's `CatchPanicLayer` for
//! a 500 instead.

#[cfg(feature = "tls")]
mod tls;
#[cfg(feature = "tls")]
pub use tls::{HANDSHAKE_TIMEOUT, serve_tls};

use std::borrow::Cow;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, OptionalFromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::Principal;
use crate::auth::{AuthError, Authenticator, Headers, Permission};
use crate::http::extract::{self, Returned};
use crate::http::flow::{Exit, Kept};
use crate::http::gate::{Authenticated, Forwarded, PeerCertificate};
use crate::http::site::Site;
use crate::http::{Authorized, Claims, Gate, Guard, Realm, Refused, Rejection, ResponseFuture};

/// The authentication middleware as a tower layer: a [`Gate`], configured as one
/// (`AuthLayer::required(verifier).policy(policy)`).
pub type AuthLayer<A> = Gate<A>;

/// A route guard as a tower layer: a [`Guard`]. Install it with `route_layer`
/// (`post(create).route_layer(guard)`): `layer` on a method router also wraps its
/// fallback, so a method the route does not serve would get the guard's 401 or 403
/// instead of 405.
pub type GuardLayer = Guard;

impl Headers for HeaderMap {
    type Values<'a> = std::iter::Map<header::ValueIter<'a, HeaderValue>, fn(&HeaderValue) -> &[u8]>;

    fn values(&self, name: &'static str) -> Self::Values<'_> {
        // The names portcullis reads most as constants: no parsing per request.
        let all = match name {
            "authorization" => self.get_all(header::AUTHORIZATION),
            "cookie" => self.get_all(header::COOKIE),
            other => self.get_all(other),
        };
        all.iter().map(HeaderValue::as_bytes)
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, self.body().to_owned()).into_response();
        for (name, value) in self.headers() {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

/// An extractor's refusal: its [`Rejection`], carrying the refusal back to the
/// layer for the audit log (see [`Refused`]).
impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let mut response = self.rejection().clone().into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// A handler may return `Err(AuthError)` (password work at capacity, a check of its
/// own): the response is rendered under the default realm, then re-rendered under
/// the layer's realm and recorded by [`AuthLayer`] on its way out.
impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let mut response = Rejection::new(&self, &Realm::default()).into_response();
        response.extensions_mut().insert(HandlerError(self));
        response
    }
}

/// Marks a response rendered from a handler's [`AuthError`].
#[derive(Clone)]
struct HandlerError(AuthError);

impl<S, A> tower_layer::Layer<S> for Gate<A> {
    type Service = AuthService<S, A>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            gate: self.clone(),
        }
    }
}

/// The service [`AuthLayer`] wraps around a router or route.
pub struct AuthService<S, A> {
    inner: S,
    gate: Gate<A>,
}

impl<S: Clone, A> Clone for AuthService<S, A> {
    fn clone(&self) -> Self {
        AuthService {
            inner: self.inner.clone(),
            gate: self.gate.clone(),
        }
    }
}

impl<S, A> tower_service::Service<Request> for AuthService<S, A>
where
    S: tower_service::Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send + 'static,
    A: Authenticator,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Flow<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // An authenticator that can answer without waiting answers here, and the
        // inner service (polled ready) is called in place: nothing is cloned or
        // boxed. Any other is awaited, the request boxed whole with a ready clone
        // of the inner service.
        // A rate limit on a shared store is awaited too.
        let forwarded = self
            .gate
            .forwarded_identity(At::request(&request).peer(), request.headers());
        let certificate = || forwarded.or_connection(|| peer_certificate(request.extensions()));
        if !self.gate.waits()
            && let Some(outcome) = self.gate.authenticate_now(request.headers(), certificate)
        {
            let at = At::request(&request);
            let client = self.gate.client_of(at.peer(), request.headers());
            let decision = self.gate.admit(outcome, &at, client);
            return pass(&mut self.inner, request, decision, forwarded);
        }
        let mut inner = ready_clone(&mut self.inner);
        let gate = self.gate.clone();
        let waiting: Waiting<S::Error> = Box::pin(async move {
            // The request is not `Sync`: the closure borrows its parts, which are.
            let extensions = request.extensions();
            let certificate = || forwarded.or_connection(|| peer_certificate(extensions));
            let outcome = gate.authenticate(request.headers(), certificate).await;
            let at = At::request(&request);
            let client = gate.client_of(at.peer(), request.headers());
            let decision = gate.admit_waiting(outcome, &at, client).await;
            pass(&mut inner, request, decision, forwarded).await
        });
        ResponseFuture::waiting(waiting)
    }
}

/// The client's certificate as the gate saw it: what a trusted proxy forwarded,
/// else the connection's.
#[cfg(feature = "tls")]
fn client_certificate(extensions: &Extensions) -> Option<&std::sync::Arc<crate::tls::PeerIdentity>> {
    match extensions.get::<crate::http::gate::ProxiedCertificate>() {
        Some(proxied) => proxied.0.as_ref(),
        None => extensions.get::<std::sync::Arc<crate::tls::PeerIdentity>>(),
    }
}

/// The connection's client certificate, which [`serve_tls`] put in the request.
fn peer_certificate(extensions: &Extensions) -> Option<&PeerCertificate> {
    #[cfg(feature = "tls")]
    return extensions
        .get::<std::sync::Arc<PeerCertificate>>()
        .map(|identity| &**identity);
    #[cfg(not(feature = "tls"))]
    {
        let _ = extensions;
        None
    }
}

/// The clone of `inner` that was polled ready, leaving a fresh clone in its place
/// (tower's usual dance).
fn ready_clone<S: Clone>(inner: &mut S) -> S {
    let clone = inner.clone();
    std::mem::replace(inner, clone)
}

/// The gate's decision on `request`: refused, or passed on with the caller in its
/// extensions.
fn pass<S>(
    inner: &mut S,
    mut request: Request,
    decision: Result<Authenticated, Rejection>,
    forwarded: Forwarded,
) -> Flow<S::Future, S::Error>
where
    S: tower_service::Service<Request, Response = Response>,
    S::Error: Send + 'static,
{
    match decision {
        Err(rejection) => ResponseFuture::refused(Ok(rejection.into_response())),
        Ok(context) => {
            request.extensions_mut().insert(context.clone());
            #[cfg(feature = "tls")]
            if let Some(proxied) = forwarded.proxied() {
                request.extensions_mut().insert(proxied);
            }
            #[cfg(not(feature = "tls"))]
            let Forwarded::Connection = forwarded;
            let kept = extract::listening().then(|| Box::new(Seen::of(&request)) as Kept);
            ResponseFuture::inner(inner.call(request), context, kept)
        }
    }
}

/// A request as the audit log reads it: whole, or taken apart by an extractor.
struct At<'r> {
    method: &'r Method,
    uri: &'r Uri,
    extensions: &'r Extensions,
}

impl<'r> At<'r> {
    fn request(request: &'r Request) -> Self {
        At {
            method: request.method(),
            uri: request.uri(),
            extensions: request.extensions(),
        }
    }

    fn parts(parts: &'r Parts) -> Self {
        At {
            method: &parts.method,
            uri: &parts.uri,
            extensions: &parts.extensions,
        }
    }

    fn context(&self) -> Option<&'r Authenticated> {
        self.extensions.get::<Authenticated>()
    }

    fn peer(&self) -> Option<SocketAddr> {
        self.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
    }
}

impl Site for At<'_> {
    fn method(&self) -> &str {
        self.method.as_str()
    }

    fn route(&self) -> Cow<'_, str> {
        let matched = self.extensions.get::<MatchedPath>();
        Cow::Borrowed(matched.map_or_else(|| self.uri.path(), MatchedPath::as_str))
    }

    /// The client the middleware found behind trusted proxies, else the peer.
    fn client(&self) -> Option<SocketAddr> {
        self.context()
            .and_then(|context| context.client)
            .or_else(|| self.peer())
    }
}

/// What the layer keeps of a request that moved on, while an audit log listens:
/// reference-counted clones, turned into text only if a refusal is recorded.
struct Seen {
    method: Method,
    /// The matched route, or the path when the router matched none.
    route: Result<MatchedPath, String>,
    client: Option<SocketAddr>,
}

impl Seen {
    fn of(request: &Request) -> Self {
        let at = At::request(request);
        Seen {
            method: request.method().clone(),
            route: at
                .extensions
                .get::<MatchedPath>()
                .cloned()
                .ok_or_else(|| request.uri().path().to_owned()),
            client: at.client(),
        }
    }
}

impl Site for Seen {
    fn method(&self) -> &str {
        self.method.as_str()
    }

    fn route(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.route.as_ref().map_or_else(String::as_str, MatchedPath::as_str))
    }

    fn client(&self) -> Option<SocketAddr> {
        self.client
    }
}

/// A request whose authenticator waits, boxed whole.
type Waiting<E> = Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>;

/// The response future of [`AuthService`] and [`GuardService`].
type Flow<F, E> = ResponseFuture<F, Result<Response, E>, Waiting<E>>;

impl<E> Exit<Result<Response, E>> for Result<Response, E> {
    /// A response on its way out of the layer: an extractor's refusal or a
    /// handler's error it carries is settled by the core.
    fn leave(answer: Self, context: &Authenticated, kept: Option<&(dyn Site + Send + Sync)>) -> Self {
        let response = answer?;
        let returned = if let Some(refused) = response.extensions().get::<Refused>() {
            Returned::Refused(refused)
        } else if let Some(HandlerError(err)) = response.extensions().get::<HandlerError>() {
            Returned::Handler(err)
        } else {
            return Ok(response);
        };
        match extract::on_the_way_out(returned, context, kept) {
            Some(rejection) => Ok(rejection.into_response()),
            None => Ok(response),
        }
    }

    fn pass(answer: Self) -> Self {
        answer
    }

    fn spent() -> Self {
        let err = AuthError::Internal("response polled after completion");
        Ok(Rejection::new(&err, &Realm::default()).into_response())
    }
}

/// The authenticated caller. Refused with 401 when the request has none (a route
/// under an optional [`AuthLayer`]); use `Option<Principal>` there.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Refused> {
        let at = At::parts(parts);
        extract::principal(at.context(), &at).cloned()
    }
}

/// The caller if the request authenticated, `None` if it came anonymously.
impl<S: Send + Sync> OptionalFromRequestParts<S> for Principal {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Refused> {
        let at = At::parts(parts);
        extract::optional_principal(at.context(), &at).map(Option::<&Principal>::cloned)
    }
}

/// The connection's verified client certificate; see
/// [`ClientIdentity`](crate::http::ClientIdentity) and [`serve_tls`].
#[cfg(feature = "tls")]
impl<S: Send + Sync> FromRequestParts<S> for crate::http::ClientIdentity {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Refused> {
        let at = At::parts(parts);
        extract::client_identity(at.context(), &at, client_certificate(&parts.extensions))
    }
}

/// The connection's verified client certificate, or `None` without one (not a
/// refusal: for routes where a certificate changes what happens, such as a login
/// that binds its token to it).
#[cfg(feature = "tls")]
impl<S: Send + Sync> OptionalFromRequestParts<S> for crate::http::ClientIdentity {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(client_certificate(&parts.extensions).map(|identity| crate::http::ClientIdentity(identity.clone())))
    }
}

/// The verified token's claims as `T`; see [`Claims`].
impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Claims<T> {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Refused> {
        let at = At::parts(parts);
        extract::claims(at.context(), &at)
    }
}

/// The caller, holding `P`; see [`Authorized`].
impl<S: Send + Sync, P: Permission> FromRequestParts<S> for Authorized<P> {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Refused> {
        let at = At::parts(parts);
        extract::authorized(at.context(), &at)
    }
}

impl<S> tower_layer::Layer<S> for Guard {
    type Service = GuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService {
            inner,
            guard: self.clone(),
        }
    }
}

/// The service [`GuardLayer`] wraps around a route.
#[derive(Clone)]
pub struct GuardService<S> {
    inner: S,
    guard: Guard,
}

impl<S> tower_service::Service<Request> for GuardService<S>
where
    S: tower_service::Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Flow<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    // The verdict needs no waiting: decided here, and the inner service (polled
    // ready) called in place, with nothing cloned or boxed.
    fn call(&mut self, request: Request) -> Self::Future {
        let at = At::request(&request);
        if let Err(rejection) = self.guard.check(at.context(), &at) {
            return ResponseFuture::refused(Ok(rejection.into_response()));
        }
        ResponseFuture::passed(self.inner.call(request))
    }
}
