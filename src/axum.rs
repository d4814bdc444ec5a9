//! The axum 0.8 adapter (feature `axum`): one layer that authenticates every
//! request, extractors that read what it left behind, and route guards.
//!
//! ```
//! use axum::{Router, routing::{get, post}};
//! use portcullis::Principal;
//! use portcullis::axum::{AuthLayer, Authorized, require_permission};
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
//!     .route("/orders", post(create).route_layer(require_permission(&policy, "orders:write")?))
//!     .layer(AuthLayer::required(verifier).policy(policy));
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! Every failure, from the layer, a guard, an extractor or a handler returning
//! [`AuthError`], is rendered by [`Rejection`] exactly as DESIGN.md's HTTP error
//! contract says, and every decision is recorded by [`audit::record`].
//!
//! A handler that panics is not caught here: axum closes the connection without a
//! response, so nothing of the request leaks. Add tower-http's `CatchPanicLayer` for
//! a 500 instead.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, OptionalFromRequestParts, Request};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::Principal;
use crate::audit::{self, Decision, Outcome, Stage};
use crate::auth::adapter::{self, Authenticated, Gate, Shared};
use crate::auth::{AuthError, Authenticator, CredentialSources, Headers, Requirement};
pub use crate::auth::{Authorized, Claims, Permission};
use crate::http::{Realm, Rejection};
use crate::rbac::{PolicyHandle, RbacError};

impl Headers for HeaderMap {
    type Values<'a> = std::iter::Map<axum::http::header::ValueIter<'a, HeaderValue>, fn(&HeaderValue) -> &[u8]>;

    fn values(&self, name: &'static str) -> Self::Values<'_> {
        // The well-known names as constants: no parsing of the name per request.
        let values = match name {
            "authorization" => self.get_all(axum::http::header::AUTHORIZATION),
            "cookie" => self.get_all(axum::http::header::COOKIE),
            other => self.get_all(other),
        };
        values.iter().map(HeaderValue::as_bytes)
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let mut response = (
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            self.body().to_owned(),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(challenge) = self.www_authenticate().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(WWW_AUTHENTICATE, challenge);
        }
        if let Some(seconds) = self.retry_after() {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
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

/// Authenticates every request and puts the caller's [`Principal`] into the
/// request's extensions.
///
/// - [`required`](Self::required): a request without credentials gets 401.
/// - [`optional`](Self::optional): it goes through without a principal; bad
///   credentials are still refused (a wrong token is never anonymous).
///
/// Credentials come from the `Authorization` header, and from a cookie when set with
/// [`sources`](Self::sources); never from the query string (RFC 6750 §2.3).
pub struct AuthLayer<A> {
    gate: Gate<A>,
}

impl<A> Clone for AuthLayer<A> {
    fn clone(&self) -> Self {
        AuthLayer {
            gate: self.gate.clone(),
        }
    }
}

impl<A: Authenticator> AuthLayer<A> {
    /// Requests must authenticate.
    pub fn required(authenticator: A) -> Self {
        AuthLayer {
            gate: Gate::new(authenticator, true),
        }
    }

    /// Requests may authenticate; anonymous ones pass without a principal.
    pub fn optional(authenticator: A) -> Self {
        AuthLayer {
            gate: Gate::new(authenticator, false),
        }
    }

    /// The realm named in challenges (default `api`).
    pub fn realm(mut self, realm: Realm) -> Self {
        self.gate.set_realm(realm);
        self
    }

    /// Where credentials are read from (default: the `Authorization` header only).
    pub fn sources(mut self, sources: CredentialSources) -> Self {
        self.gate.set_sources(sources);
        self
    }

    /// The RBAC policy that [`Authorized`] extractors check against.
    pub fn policy(mut self, policy: PolicyHandle) -> Self {
        self.gate.set_policy(policy);
        self
    }
}

impl<S, A> tower_layer::Layer<S> for AuthLayer<A> {
    type Service = AuthService<S, A>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            gate: self.gate.clone(),
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

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, A> tower_service::Service<Request> for AuthService<S, A>
where
    S: tower_service::Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send,
    A: Authenticator,
{
    type Response = Response;
    type Error = S::Error;
    type Future = AuthFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The clone that was polled ready serves this request (tower's usual dance).
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        // An authenticator that can answer without waiting answers here, and
        // nothing is boxed; any other is awaited below.
        match self.gate.authenticate_now(request.headers()) {
            Some(outcome) => admit(inner, request, outcome, self.gate.shared().clone()),
            None => {
                let gate = self.gate.clone();
                let waiting = async move {
                    let outcome = gate.authenticate(request.headers()).await;
                    admit(inner, request, outcome, gate.shared().clone()).await
                };
                AuthFuture {
                    state: State::Waiting {
                        future: Box::pin(waiting),
                    },
                }
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`AuthService`] and [`GuardService`].
    pub struct AuthFuture<F, E> {
        #[pin]
        state: State<F, E>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProjection]
    enum State<F, E> {
        // Refused by the layer; taken once.
        Refused { response: Option<Response> },
        // Passed on to the inner service.
        Inner {
            #[pin]
            future: F,
            context: Authenticated,
            // Only while an audit log listens for denials.
            info: Option<RequestInfo>,
        },
        // Let through by a guard: the route's own future.
        Passed {
            #[pin]
            future: F,
        },
        // An authenticator that waits: the whole request, boxed.
        Waiting { future: BoxFuture<Result<Response, E>> },
    }
}

impl<F, E> Future for AuthFuture<F, E>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            // Polled again after it finished (a caller's bug): a 500, never a 200,
            // and no panic.
            StateProjection::Refused { response } => Poll::Ready(Ok(response.take().unwrap_or_else(|| {
                Rejection::new(
                    &AuthError::Internal("response polled after completion"),
                    &Realm::default(),
                )
                .into_response()
            }))),
            StateProjection::Inner { future, context, info } => match future.poll(cx) {
                Poll::Ready(Ok(response)) => Poll::Ready(Ok(rerender_handler_error(response, context, info.as_ref()))),
                Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
                Poll::Pending => Poll::Pending,
            },
            StateProjection::Passed { future } => future.poll(cx),
            StateProjection::Waiting { future } => future.as_mut().poll(cx),
        }
    }
}

/// Records the layer's decision, then refuses the request or passes it on with the
/// principal in its extensions.
fn admit<S>(
    mut inner: S,
    mut request: Request,
    outcome: Result<Option<Principal>, AuthError>,
    shared: Arc<Shared>,
) -> AuthFuture<S::Future, S::Error>
where
    S: tower_service::Service<Request, Response = Response>,
{
    let principal = match outcome {
        Err(err) => {
            record(
                At::request(&request),
                (Outcome::Denied, Stage::Authentication),
                Some(err.code()),
                None,
                None,
            );
            let response = Rejection::new(&err, &shared.realm).into_response();
            return AuthFuture {
                state: State::Refused {
                    response: Some(response),
                },
            };
        }
        Ok(principal) => principal,
    };
    let outcome = if principal.is_some() {
        Outcome::Allowed
    } else {
        Outcome::Anonymous
    };
    record(
        At::request(&request),
        (outcome, Stage::Authentication),
        None,
        principal.as_ref(),
        None,
    );
    let context = Authenticated {
        principal,
        shared: shared.clone(),
    };
    request.extensions_mut().insert(context.clone());
    let info = audit::enabled(Outcome::Denied).then(|| RequestInfo::of(&request));
    AuthFuture {
        state: State::Inner {
            future: inner.call(request),
            context,
            info,
        },
    }
}

fn authenticated(extensions: &axum::http::Extensions) -> Option<&Authenticated> {
    extensions.get::<Authenticated>()
}

/// What the audit log needs of a request once it has moved on: cheap clones
/// (reference-counted), turned into text only if a handler's error is recorded.
struct RequestInfo {
    method: axum::http::Method,
    /// The matched route, or the path when the router matched none.
    route: Result<MatchedPath, String>,
    client: Option<SocketAddr>,
}

impl RequestInfo {
    fn of(request: &Request) -> Self {
        let extensions = request.extensions();
        RequestInfo {
            method: request.method().clone(),
            route: extensions
                .get::<MatchedPath>()
                .cloned()
                .ok_or_else(|| request.uri().path().to_owned()),
            client: extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0),
        }
    }
}

fn rerender_handler_error(response: Response, context: &Authenticated, request: Option<&RequestInfo>) -> Response {
    let Some(HandlerError(err)) = response.extensions().get::<HandlerError>().cloned() else {
        return response;
    };
    let principal = context.principal.as_ref();
    if let Some(request) = request {
        audit::record(&Decision {
            outcome: Outcome::Denied,
            stage: Stage::Handler,
            code: Some(err.code()),
            subject: principal.map(Principal::subject),
            token_id: principal.and_then(Principal::token_id),
            client: request.client,
            method: request.method.as_str(),
            route: match &request.route {
                Ok(matched) => matched.as_str(),
                Err(path) => path,
            },
            requirement: None,
        });
    }
    Rejection::new(&err, &context.shared.realm).into_response()
}

/// A request as the audit log reads it: whole, or taken apart by an extractor.
#[derive(Clone, Copy)]
struct At<'r> {
    method: &'r axum::http::Method,
    uri: &'r axum::http::Uri,
    extensions: &'r axum::http::Extensions,
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
}

fn record(
    at: At<'_>,
    (outcome, stage): (Outcome, Stage),
    code: Option<&'static str>,
    principal: Option<&Principal>,
    requirement: Option<&str>,
) {
    if !audit::enabled(outcome) {
        return;
    }
    let route = at
        .extensions
        .get::<MatchedPath>()
        .map_or_else(|| at.uri.path(), MatchedPath::as_str);
    audit::record(&Decision {
        outcome,
        stage,
        code,
        subject: principal.map(Principal::subject),
        token_id: principal.and_then(Principal::token_id),
        client: at.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0),
        method: at.method.as_str(),
        route,
        requirement,
    });
}

/// Refuses a request from an extractor or guard: recorded, and rendered under the
/// layer's realm.
fn refuse(at: At<'_>, err: AuthError, requirement: Option<&str>) -> Rejection {
    let context = authenticated(at.extensions);
    record(
        at,
        (Outcome::Denied, adapter::refusal_stage(requirement)),
        Some(err.code()),
        context.and_then(|context| context.principal.as_ref()),
        requirement,
    );
    adapter::rejection(context, &err)
}

/// The authenticated caller. Rejected with 401 when the request has none (a route
/// under an optional [`AuthLayer`]); use `Option<Principal>` there.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        adapter::principal(authenticated(&parts.extensions))
            .cloned()
            .map_err(|err| refuse(At::parts(parts), err, None))
    }
}

/// The caller if the request authenticated, `None` if it came anonymously.
impl<S: Send + Sync> OptionalFromRequestParts<S> for Principal {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        adapter::optional_principal(authenticated(&parts.extensions))
            .map(Option::<&Principal>::cloned)
            .map_err(|err| refuse(At::parts(parts), err, None))
    }
}

/// The verified token's claims as `T`; see [`Claims`].
impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Claims<T> {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        adapter::principal(authenticated(&parts.extensions))
            .and_then(adapter::claims)
            .map(Claims)
            .map_err(|err| refuse(At::parts(parts), err, None))
    }
}

/// The caller, holding `P`; see [`Authorized`].
impl<S: Send + Sync, P: Permission> FromRequestParts<S> for Authorized<P> {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match adapter::authorize::<P>(authenticated(&parts.extensions)) {
            Ok(principal) => {
                record(
                    At::parts(parts),
                    (Outcome::Allowed, Stage::Authorization),
                    None,
                    Some(principal),
                    Some(P::NAME),
                );
                Ok(Authorized::new(principal.clone()))
            }
            Err((err, requirement)) => Err(refuse(At::parts(parts), err, requirement)),
        }
    }
}

/// A route guard: refuses callers that do not meet `requirement` (403), and
/// requests without a caller (401). Install it on routes under an [`AuthLayer`],
/// with `route_layer`: `post(create).route_layer(guard)`. (`layer` on a method
/// router also wraps its fallback, so a method the route does not serve would get
/// the guard's 401 or 403 instead of 405.)
pub fn require(requirement: Requirement) -> GuardLayer {
    GuardLayer {
        described: requirement.describe().into(),
        requirement: Arc::new(requirement),
    }
}

/// Guard: the caller holds `permission` under `policy`, resolved now.
///
/// # Errors
///
/// The policy's error for a malformed permission name.
pub fn require_permission(policy: &PolicyHandle, permission: &str) -> Result<GuardLayer, RbacError> {
    Ok(require(Requirement::permission(policy, permission)?))
}

/// Guard: the caller's token carries `role`.
pub fn require_role(role: &str) -> GuardLayer {
    require(Requirement::role(role))
}

/// Guard: the caller's token carries the OAuth scope `scope`.
pub fn require_scope(scope: &str) -> GuardLayer {
    require(Requirement::scope(scope))
}

/// The layer made by [`require`] and its shorthands.
#[derive(Clone)]
pub struct GuardLayer {
    requirement: Arc<Requirement>,
    /// For the audit log, made once when the router is built.
    described: Arc<str>,
}

impl<S> tower_layer::Layer<S> for GuardLayer {
    type Service = GuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService {
            inner,
            requirement: self.requirement.clone(),
            described: self.described.clone(),
        }
    }
}

/// The service [`GuardLayer`] wraps around a route.
#[derive(Clone)]
pub struct GuardService<S> {
    inner: S,
    requirement: Arc<Requirement>,
    described: Arc<str>,
}

impl<S> tower_service::Service<Request> for GuardService<S>
where
    S: tower_service::Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = S::Error;
    type Future = AuthFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    // The verdict needs no waiting: decided here, with nothing boxed.
    fn call(&mut self, request: Request) -> Self::Future {
        let at = At::request(&request);
        let principal = match adapter::guard(authenticated(at.extensions), &self.requirement) {
            Ok(principal) => principal,
            Err(err) => {
                let response = refuse(at, err, Some(&self.described)).into_response();
                return AuthFuture {
                    state: State::Refused {
                        response: Some(response),
                    },
                };
            }
        };
        record(
            at,
            (Outcome::Allowed, Stage::Authorization),
            None,
            principal,
            Some(&self.described),
        );
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        AuthFuture {
            state: State::Passed {
                future: inner.call(request),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;
    use crate::auth::Credentials;

    /// An authenticator that waits before answering, as an API-key lookup would.
    struct Slow;

    impl Authenticator for Slow {
        async fn authenticate(&self, credentials: &Credentials<'_>) -> Result<Principal, AuthError> {
            tokio::time::sleep(Duration::from_millis(2)).await;
            match credentials {
                Credentials::Bearer("let-me-in") => Ok(Principal::new("svc-billing")),
                _ => Err(AuthError::InvalidToken(crate::token::TokenError::InvalidSignature)),
            }
        }
    }

    async fn call(app: &Router, token: &str) -> (u16, String) {
        let request = Request::builder()
            .uri("/me")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        let response = app.clone().oneshot(request).await.expect("infallible");
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn an_authenticator_that_waits_is_awaited() {
        let app: Router = Router::new()
            .route(
                "/me",
                get(|caller: Principal| async move { caller.subject().to_owned() }),
            )
            .layer(AuthLayer::required(Slow));
        assert_eq!(call(&app, "let-me-in").await, (200, "svc-billing".to_owned()));
        assert_eq!(call(&app, "nope").await.0, 401);
    }

    #[tokio::test]
    async fn extractors_without_the_layer_fail_closed() {
        let app: Router = Router::new().route(
            "/me",
            get(|caller: Principal| async move { caller.subject().to_owned() }),
        );
        let (status, body) = call(&app, "anything").await;
        assert_eq!(status, 500);
        assert!(body.contains(r#""code":"internal""#), "{body}");
    }
}
