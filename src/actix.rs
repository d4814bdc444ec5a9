//! The actix-web 4 adapter (feature `actix`): a middleware that authenticates
//! requests, extractors that read what it left behind, and route guards. For the
//! same routes it answers as the axum adapter does, with the same statuses,
//! headers, bodies and audit events (`tests/http_conformance.rs` holds both to one
//! table), because both take every decision in the same shared core. Where
//! actix-web itself differs, the items below say what it means: it runs every
//! handler argument's extractor before the handler (put portcullis's first), its
//! `Option<T>` turns any error into `None`, and its `web::get()` does not serve
//! `HEAD`.
//!
//! ```
//! use actix_web::{App, HttpResponse, test, web};
//! use portcullis::Principal;
//! use portcullis::actix::{AuthMiddleware, Authorized, require_permission};
//! use portcullis::rbac::PolicyHandle;
//! use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};
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
//! async fn create(caller: Principal) -> HttpResponse {
//!     HttpResponse::Created().body(format!("created by {}", caller.subject()))
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = SigningKey::generate(Algorithm::ES256)?;
//! let verifier = Verifier::builder(KeySet::single(key.verifying_key())).audience("orders").build()?;
//! let token = Issuer::builder(key).audience("orders").build()?.issue("bob", &serde_json::json!({"roles": ["viewer"]}))?;
//! let policy = PolicyHandle::from_toml(r#"
//!     [roles.viewer]
//!     permissions = ["orders:read"]
//!     [roles.clerk]
//!     inherits = ["viewer"]
//!     permissions = ["orders:write"]
//! "#)?;
//! let auth = AuthMiddleware::required(verifier).policy(policy.clone());
//! let write = require_permission(&policy, "orders:write")?;
//!
//! actix_web::rt::System::new().block_on(async move {
//!     let app = test::init_service(
//!         App::new()
//!             .service(web::resource("/me").wrap(auth.clone()).route(web::get().to(me)))
//!             .service(
//!                 web::resource("/orders")
//!                     .wrap(auth)
//!                     .route(web::get().to(list))
//!                     // On the route: other methods still get 405.
//!                     .route(web::post().to(create).wrap(write)),
//!             ),
//!     )
//!     .await;
//!     let bearer = ("authorization", format!("Bearer {token}"));
//!
//!     let me = test::TestRequest::get().uri("/me").insert_header(bearer.clone()).to_request();
//!     assert_eq!(test::call_and_read_body(&app, me).await, "bob");
//!
//!     let create = test::TestRequest::post().uri("/orders").insert_header(bearer).to_request();
//!     let refused = test::call_service(&app, create).await;
//!     assert_eq!(refused.status(), 403);
//!     assert_eq!(
//!         refused.headers().get("www-authenticate").unwrap(),
//!         r#"Bearer realm="api", error="insufficient_scope""#,
//!         "a permission is the service's own name, never told to the client"
//!     );
//! });
//! # Ok(())
//! # }
//! ```
//!
//! Every failure, from the middleware, a guard, an extractor or a handler returning
//! [`AuthError`], is rendered by [`Rejection`] as DESIGN.md's HTTP error contract
//! says, and every decision is recorded by [`audit::record`].
//!
//! Wrap the middleware around the resources (or scopes) it protects, not around an
//! `App` that also serves public routes, and guards around the [`Route`] they
//! protect so that a method the resource does not serve still gets 405.
//!
//! [`Route`]: actix_web::Route

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use serde::de::DeserializeOwned;

use crate::Principal;
use crate::audit::{self, Decision, Outcome, Stage};
use crate::auth::adapter::{self, Authenticated, Gate, Shared};
use crate::auth::{AuthError, Authenticator, CredentialSources, Headers, Requirement};
pub use crate::auth::{Authorized, Claims, Permission};
use crate::http::{Realm, Rejection};
use crate::rbac::{PolicyHandle, RbacError};

impl Headers for HeaderMap {
    type Values<'a> = std::iter::Map<std::slice::Iter<'a, HeaderValue>, fn(&HeaderValue) -> &[u8]>;

    fn values(&self, name: &'static str) -> Self::Values<'_> {
        // The well-known names as constants: no parsing of the name per request.
        let values = match name {
            "authorization" => self.get_all(header::AUTHORIZATION),
            "cookie" => self.get_all(header::COOKIE),
            other => self.get_all(other),
        };
        values.map(HeaderValue::as_bytes)
    }
}

/// A [`Rejection`] is an actix-web error: return it from a handler, or let the
/// middleware, a guard or an extractor produce it.
impl ResponseError for Rejection {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Some(challenge) = self.www_authenticate().and_then(|v| HeaderValue::from_str(v).ok()) {
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        if let Some(seconds) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
        }
        response.body(self.body().to_owned())
    }
}

/// A [`Rejection`] is also a response of its own, as under axum's `IntoResponse`:
/// a handler (or a default service) may return one as its answer.
impl actix_web::Responder for Rejection {
    type Body = BoxBody;

    fn respond_to(self, _request: &HttpRequest) -> HttpResponse<BoxBody> {
        self.error_response()
    }
}

/// A handler may return `Err(AuthError)` (password work at capacity, a check of its
/// own): the response is rendered under the default realm, then re-rendered under
/// the middleware's realm and recorded by [`AuthMiddleware`] on its way out (as a
/// response's error, or as an inner service's `Err`). A response rebuilt on the
/// way (by `ErrorHandlers`, say) loses the error, and is neither.
impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        Rejection::new(self, &Realm::default()).status_code()
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        Rejection::new(self, &Realm::default()).error_response()
    }
}

/// The error of this adapter's extractors: a [`Rejection`], plus what the audit
/// log needs.
///
/// Refusals are recorded when they happen, as under axum, with one exception: "no
/// caller" on a route under an optional [`AuthMiddleware`] is recorded by the
/// middleware when the response carries it, so that `Option<Principal>`, which
/// turns it into `None`, leaves only the request's `anonymous` event.
#[derive(Debug)]
pub struct Refused {
    rejection: Rejection,
    stage: Stage,
    requirement: Option<&'static str>,
    /// Not recorded yet: the innermost middleware the response passes records it.
    pending: std::cell::Cell<bool>,
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

impl ResponseError for Refused {
    fn status_code(&self) -> StatusCode {
        self.rejection.status_code()
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        self.rejection.error_response()
    }
}

/// Authenticates requests and puts the caller's [`Principal`] into the request's
/// extensions. Wrap it around resources or scopes (`Resource::wrap`,
/// `Scope::wrap`); it is cheap to clone.
///
/// - [`required`](Self::required): a request without credentials gets 401.
/// - [`optional`](Self::optional): it goes through without a principal; bad
///   credentials are still refused (a wrong token is never anonymous).
///
/// Credentials come from the `Authorization` header, and from a cookie when set with
/// [`sources`](Self::sources); never from the query string (RFC 6750 §2.3).
pub struct AuthMiddleware<A> {
    gate: Gate<A>,
}

impl<A> Clone for AuthMiddleware<A> {
    fn clone(&self) -> Self {
        AuthMiddleware {
            gate: self.gate.clone(),
        }
    }
}

impl<A: Authenticator> AuthMiddleware<A> {
    /// Requests must authenticate.
    pub fn required(authenticator: A) -> Self {
        AuthMiddleware {
            gate: Gate::new(authenticator, true),
        }
    }

    /// Requests may authenticate; anonymous ones pass without a principal.
    pub fn optional(authenticator: A) -> Self {
        AuthMiddleware {
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

impl<S, B, A> Transform<S, ServiceRequest> for AuthMiddleware<A>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
    A: Authenticator,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = AuthService<S, A>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(AuthService {
            service: Rc::new(service),
            gate: self.gate.clone(),
        }))
    }
}

/// The service [`AuthMiddleware`] wraps around a resource or scope.
pub struct AuthService<S, A> {
    service: Rc<S>,
    gate: Gate<A>,
}

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B, A> Service<ServiceRequest> for AuthService<S, A>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
    A: Authenticator,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = AuthFuture<S::Future, B>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        // An authenticator that can answer without waiting answers here, and
        // nothing is boxed; any other is awaited below.
        match self.gate.authenticate_now(request.headers()) {
            Some(outcome) => admit(&self.service, request, outcome, self.gate.shared()),
            None => {
                let (service, gate) = (self.service.clone(), self.gate.clone());
                let waiting = async move {
                    let outcome = gate.authenticate(request.headers()).await;
                    admit(&service, request, outcome, gate.shared()).await
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

/// Records the middleware's decision, then refuses the request or passes it on
/// with the principal in its extensions.
fn admit<S, B>(
    service: &Rc<S>,
    request: ServiceRequest,
    outcome: Result<Option<Principal>, AuthError>,
    shared: &Arc<Shared>,
) -> AuthFuture<S::Future, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    let principal = match outcome {
        Err(err) => {
            record(
                request.request(),
                (Outcome::Denied, Stage::Authentication),
                Some(err.code()),
                None,
                None,
            );
            let response = HttpResponse::from_error(Rejection::new(&err, &shared.realm));
            return AuthFuture {
                state: State::Refused {
                    response: Some(request.into_response(response).map_into_right_body()),
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
        request.request(),
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
    AuthFuture {
        state: State::Inner {
            site: Site {
                method: request.method().clone(),
                uri: request.uri().clone(),
                client: request.peer_addr(),
            },
            future: service.call(request),
            context,
        },
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`AuthService`] and [`GuardService`].
    pub struct AuthFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProjection]
    enum State<F, B> {
        // Refused by the middleware; taken once.
        Refused { response: Option<ServiceResponse<EitherBody<B>>> },
        // Passed on to the inner service.
        Inner {
            #[pin]
            future: F,
            context: Authenticated,
            // For an inner service's `Err`, which comes without its request. (Not
            // the request itself: actix-web routes only an `HttpRequest` that has
            // no clone.)
            site: Site,
        },
        // Let through by a guard: the route's own future.
        Passed { #[pin] future: F },
        // An authenticator that waits: the whole request, boxed.
        Waiting { future: LocalBoxFuture<Result<ServiceResponse<EitherBody<B>>, Error>> },
    }
}

impl<F, B> Future for AuthFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            // Polled again after it finished (a caller's bug): an error, never a
            // 200. (The other states poll what they hold again, as any future
            // composed of others does.)
            StateProjection::Refused { response } => Poll::Ready(
                response
                    .take()
                    .ok_or_else(|| Error::from(AuthError::Internal("response polled after completion"))),
            ),
            StateProjection::Inner { future, context, site } => match future.poll(cx) {
                Poll::Ready(Ok(response)) => Poll::Ready(Ok(on_the_way_out(response, context))),
                Poll::Ready(Err(err)) => Poll::Ready(on_error(err, site, context)),
                Poll::Pending => Poll::Pending,
            },
            StateProjection::Passed { future } => future
                .poll(cx)
                .map(|result| result.map(ServiceResponse::map_into_left_body)),
            StateProjection::Waiting { future } => future.as_mut().poll(cx),
        }
    }
}

/// A handler's [`AuthError`] in `error`, recorded, re-rendered under the
/// middleware's realm; a pending extractor refusal, recorded. `None` when the
/// response stands as it is.
fn handle_error(error: &Error, at: At<'_>, context: &Authenticated) -> Option<Rejection> {
    let principal = context.principal.as_ref();
    if let Some(refused) = error.as_error::<Refused>() {
        if refused.pending.replace(false) {
            at.record(
                (Outcome::Denied, refused.stage),
                Some(refused.rejection.code()),
                principal,
                refused.requirement,
            );
        }
        return None;
    }
    let err = error.as_error::<AuthError>()?;
    at.record((Outcome::Denied, Stage::Handler), Some(err.code()), principal, None);
    Some(Rejection::new(err, &context.shared.realm))
}

/// The response on its way out, through [`handle_error`].
fn on_the_way_out<B>(response: ServiceResponse<B>, context: &Authenticated) -> ServiceResponse<EitherBody<B>> {
    let rerendered = match response.response().error() {
        Some(error) => handle_error(error, At::Request(response.request()), context),
        None => None,
    };
    match rerendered {
        Some(rejection) => {
            let (request, _) = response.into_parts();
            ServiceResponse::new(request, HttpResponse::from_error(rejection)).map_into_right_body()
        }
        None => response.map_into_left_body(),
    }
}

/// An inner service's `Err` (a middleware of the user's that extracted with `?`),
/// through [`handle_error`].
///
/// It is recorded with the request's path as its route: the matched pattern
/// needs the request, which an error does not carry.
fn on_error<B>(error: Error, site: &Site, context: &Authenticated) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    match handle_error(&error, At::Site(site), context) {
        Some(rejection) => Err(rejection.into()),
        None => Err(error),
    }
}

/// What the audit log needs of a request that has moved on: cheap clones.
struct Site {
    method: actix_web::http::Method,
    uri: actix_web::http::Uri,
    client: Option<std::net::SocketAddr>,
}

/// Where a decision is recorded from: the request, or what is left of it.
#[derive(Clone, Copy)]
enum At<'a> {
    Request(&'a HttpRequest),
    Site(&'a Site),
}

impl At<'_> {
    fn record(
        self,
        decision: (Outcome, Stage),
        code: Option<&'static str>,
        principal: Option<&Principal>,
        requirement: Option<&str>,
    ) {
        let site = match self {
            At::Request(request) => return record(request, decision, code, principal, requirement),
            At::Site(site) => site,
        };
        if !audit::enabled(decision.0) {
            return;
        }
        audit::record(&Decision {
            outcome: decision.0,
            stage: decision.1,
            code,
            subject: principal.map(Principal::subject),
            token_id: principal.and_then(Principal::token_id),
            client: site.client,
            method: site.method.as_str(),
            route: site.uri.path(),
            requirement,
        });
    }
}

fn record(
    request: &HttpRequest,
    (outcome, stage): (Outcome, Stage),
    code: Option<&'static str>,
    principal: Option<&Principal>,
    requirement: Option<&str>,
) {
    if !audit::enabled(outcome) {
        return;
    }
    let pattern = request.match_pattern();
    audit::record(&Decision {
        outcome,
        stage,
        code,
        subject: principal.map(Principal::subject),
        token_id: principal.and_then(Principal::token_id),
        client: request.peer_addr(),
        method: request.method().as_str(),
        route: pattern.as_deref().unwrap_or_else(|| request.path()),
        requirement,
    });
}

/// Runs an extractor's decision on the request's context, and records a refusal
/// (see [`Refused`] for the one that waits).
fn extract<T>(
    request: &HttpRequest,
    decide: impl FnOnce(Option<&Authenticated>) -> Result<T, (AuthError, Option<&'static str>)>,
) -> Result<T, Refused> {
    let extensions = request.extensions();
    let context = extensions.get::<Authenticated>();
    decide(context).map_err(|(err, requirement)| {
        let stage = adapter::refusal_stage(requirement);
        let pending = context.is_some() && err == AuthError::MissingCredentials;
        if !pending {
            let principal = context.and_then(|context| context.principal.as_ref());
            record(
                request,
                (Outcome::Denied, stage),
                Some(err.code()),
                principal,
                requirement,
            );
        }
        Refused {
            rejection: adapter::rejection(context, &err),
            stage,
            requirement,
            pending: std::cell::Cell::new(pending),
        }
    })
}

/// The authenticated caller. Refused with 401 when the request has none (a route
/// under an optional [`AuthMiddleware`]); use `Option<Principal>` there.
///
/// actix-web's `Option<T>` extractor turns any error of `T` into `None`, so
/// `Option<Principal>` is `None` for an anonymous request, and also on a route
/// without the middleware (where `Principal` answers 500); that misconfiguration
/// is still recorded in the audit log, as a denial with code `internal`. The same
/// holds for `Option<Authorized<P>>` and `Option<Claims<T>>`, which axum does not
/// offer: a refusal becomes `None`, recorded as a denial.
///
/// actix-web runs every argument's extractor before the handler, and answers
/// with the first error in argument order: put portcullis's extractors first,
/// so that a caller who may not call the route hears 401 or 403, as under axum
/// (where the body is always read last), rather than a 400 about the body.
impl FromRequest for Principal {
    type Error = Refused;
    type Future = Ready<Result<Self, Refused>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(extract(request, |context| {
            adapter::principal(context).cloned().map_err(|err| (err, None))
        }))
    }
}

/// The verified token's claims as `T`; see [`Claims`].
impl<T: DeserializeOwned> FromRequest for Claims<T> {
    type Error = Refused;
    type Future = Ready<Result<Self, Refused>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(extract(request, |context| {
            adapter::principal(context)
                .and_then(adapter::claims)
                .map(Claims)
                .map_err(|err| (err, None))
        }))
    }
}

/// The caller, holding `P`; see [`Authorized`].
impl<P: Permission> FromRequest for Authorized<P> {
    type Error = Refused;
    type Future = Ready<Result<Self, Refused>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(extract(request, |context| {
            let principal = adapter::authorize::<P>(context)?;
            record(
                request,
                (Outcome::Allowed, Stage::Authorization),
                None,
                Some(principal),
                Some(P::NAME),
            );
            Ok(Authorized::new(principal.clone()))
        }))
    }
}

/// A route guard: refuses callers that do not meet `requirement` (403), and
/// requests without a caller (401). Wrap it around a [`Route`] under an
/// [`AuthMiddleware`]: `web::post().to(create).wrap(guard)` (around a whole
/// resource, a method the resource does not serve would get the guard's 401 or 403
/// instead of 405).
///
/// Not an actix-web `Guard`: those choose a route and fall through to 404; this
/// one refuses with the HTTP error contract's answer.
///
/// [`Route`]: actix_web::Route
pub fn require(requirement: Requirement) -> GuardMiddleware {
    GuardMiddleware {
        described: requirement.describe().into(),
        requirement: Arc::new(requirement),
    }
}

/// Guard: the caller holds `permission` under `policy`, resolved now.
///
/// # Errors
///
/// The policy's error for a malformed permission name.
pub fn require_permission(policy: &PolicyHandle, permission: &str) -> Result<GuardMiddleware, RbacError> {
    Ok(require(Requirement::permission(policy, permission)?))
}

/// Guard: the caller's token carries `role`.
pub fn require_role(role: &str) -> GuardMiddleware {
    require(Requirement::role(role))
}

/// Guard: the caller's token carries the OAuth scope `scope`.
pub fn require_scope(scope: &str) -> GuardMiddleware {
    require(Requirement::scope(scope))
}

/// The middleware made by [`require`] and its shorthands.
#[derive(Clone)]
pub struct GuardMiddleware {
    requirement: Arc<Requirement>,
    /// For the audit log, made once when the app is built.
    described: Arc<str>,
}

impl<S, B> Transform<S, ServiceRequest> for GuardMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = GuardService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(GuardService {
            service,
            requirement: self.requirement.clone(),
            described: self.described.clone(),
        }))
    }
}

/// The service [`GuardMiddleware`] wraps around a route.
pub struct GuardService<S> {
    service: S,
    requirement: Arc<Requirement>,
    described: Arc<str>,
}

impl<S, B> Service<ServiceRequest> for GuardService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = AuthFuture<S::Future, B>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let refusal = {
            let extensions = request.extensions();
            let context = extensions.get::<Authenticated>();
            let verdict = adapter::guard(context, &self.requirement);
            let (outcome, code) = match &verdict {
                Ok(_) => (Outcome::Allowed, None),
                Err(err) => (Outcome::Denied, Some(err.code())),
            };
            record(
                request.request(),
                (outcome, Stage::Authorization),
                code,
                context.and_then(|context| context.principal.as_ref()),
                Some(&self.described),
            );
            verdict.err().map(|err| adapter::rejection(context, &err))
        };
        let state = match refusal {
            // Recorded here, so the error is the plain `Rejection`, which the
            // authentication middleware lets pass unrecorded.
            Some(rejection) => State::Refused {
                response: Some(
                    request
                        .into_response(HttpResponse::from_error(rejection))
                        .map_into_right_body(),
                ),
            },
            None => State::Passed {
                future: self.service.call(request),
            },
        };
        AuthFuture { state }
    }
}
