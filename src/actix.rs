//! The actix-web 4 adapter (feature `actix`): the authentication middleware
//! ([`AuthMiddleware`], a [`Gate`]) and route guards ([`GuardMiddleware`], a
//! [`Guard`]) as actix-web middleware, and [`Principal`], [`Claims`] and
//! [`Authorized`] as extractors. For the same routes it answers as the axum adapter
//! does, with the same statuses, headers, bodies and audit events
//! (`tests/http_conformance.rs` holds both to one table), because every decision is
//! taken by [`crate::http`]; this module only translates. Where
//! actix-web itself differs, the items below say what it means: it runs every
//! handler argument's extractor before the handler (put portcullis's first), its
//! `Option<T>` turns any error into `None`, and its `web::get()` does not serve
//! `HEAD`.
//!
//! ```
//! use actix_web::{App, HttpResponse, test, web};
//! use portcullis::Principal;
//! use portcullis::actix::AuthMiddleware;
//! use portcullis::http::{Authorized, Guard};
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
//! let write = Guard::permission(&policy, "orders:write")?;
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
//! says, and every decision is recorded by [`audit::record`](crate::audit::record).
//!
//! Wrap the middleware around the resources (or scopes) it protects, not around an
//! `App` that also serves public routes, and guards around the [`Route`] they
//! protect so that a method the resource does not serve still gets 405.
//!
//! [`Route`]: actix_web::Route

#[cfg(feature = "tls")]
mod tls;
#[cfg(feature = "tls")]
pub use tls::tls_on_connect;

use std::borrow::Cow;
use std::future::{Future, Ready, ready};
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode, Uri};
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use serde::de::DeserializeOwned;

use crate::Principal;
use crate::auth::{AuthError, Authenticator, Headers, Permission};
use crate::http::extract::{self, Returned};
use crate::http::flow::{Exit, Kept};
use crate::http::gate::{Authenticated, Forwarded, PeerCertificate};
use crate::http::site::Site;
use crate::http::{Authorized, Claims, Gate, Guard, Realm, Refused, Rejection, ResponseFuture};

/// The authentication middleware as actix-web middleware: a [`Gate`], configured
/// as one (`AuthMiddleware::required(verifier).policy(policy)`). Wrap it around the
/// resources or scopes it protects (`Resource::wrap`, `Scope::wrap`).
pub type AuthMiddleware<A> = Gate<A>;

/// A route guard as actix-web middleware: a [`Guard`]. Wrap it around a [`Route`]
/// under an [`AuthMiddleware`]: `web::post().to(create).wrap(guard)` (around a whole
/// resource, a method the resource does not serve would get the guard's 401 or 403
/// instead of 405).
///
/// Not an actix-web `Guard`: those choose a route and fall through to 404; this
/// one refuses with the HTTP error contract's answer.
///
/// [`Route`]: actix_web::Route
pub type GuardMiddleware = Guard;

impl Headers for HeaderMap {
    type Values<'a> = std::iter::Map<std::slice::Iter<'a, HeaderValue>, fn(&HeaderValue) -> &[u8]>;

    fn values(&self, name: &'static str) -> Self::Values<'_> {
        let values = if name == "authorization" {
            // The header read on every request, as a constant.
            self.get_all(header::AUTHORIZATION)
        } else {
            self.get_all(name)
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
        for (name, value) in self.headers() {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.insert_header((name, value));
            }
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

/// An extractor's refusal: its [`Rejection`], carried back to the middleware for
/// the audit log (see [`Refused`]).
impl ResponseError for Refused {
    fn status_code(&self) -> StatusCode {
        self.rejection().status_code()
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        self.rejection().error_response()
    }
}

impl<S, B, A> Transform<S, ServiceRequest> for Gate<A>
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
            gate: self.clone(),
        }))
    }
}

/// The service [`AuthMiddleware`] wraps around a resource or scope.
pub struct AuthService<S, A> {
    service: Rc<S>,
    gate: Gate<A>,
}

impl<S, B, A> Service<ServiceRequest> for AuthService<S, A>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
    A: Authenticator,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Flow<S::Future, B>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let forwarded = self.gate.forwarded_identity(request.peer_addr(), request.headers());
        let certificate = || forwarded.or_connection(|| peer_certificate(request.request()));
        let outcome = match self.gate.waits() {
            false => self.gate.authenticate_now(request.headers(), certificate),
            true => None,
        };
        let Some(outcome) = outcome else {
            // The authenticator or the rate limit waits: the request is boxed whole.
            let (service, gate) = (self.service.clone(), self.gate.clone());
            let waiting: Waiting<B> = Box::pin(async move {
                let certificate = || forwarded.or_connection(|| peer_certificate(request.request()));
                let outcome = gate.authenticate(request.headers(), certificate).await;
                let client = gate.client_of(request.peer_addr(), request.headers());
                let decision = gate.admit_waiting(outcome, request.request(), client).await;
                pass(&service, request, decision, forwarded).await
            });
            return ResponseFuture::waiting(waiting);
        };
        let client = self.gate.client_of(request.peer_addr(), request.headers());
        let decision = self.gate.admit(outcome, request.request(), client);
        pass(&self.service, request, decision, forwarded)
    }
}

/// The connection's client certificate, which [`tls_on_connect`] kept.
fn peer_certificate(request: &HttpRequest) -> Option<&PeerCertificate> {
    #[cfg(feature = "tls")]
    return request
        .conn_data::<std::sync::Arc<PeerCertificate>>()
        .map(|identity| &**identity);
    #[cfg(not(feature = "tls"))]
    {
        let _ = request;
        None
    }
}

/// The gate's decision on `request`: refused, or passed on with the caller in its
/// extensions.
fn pass<S, B>(
    service: &Rc<S>,
    request: ServiceRequest,
    decision: Result<Authenticated, Rejection>,
    forwarded: Forwarded,
) -> Flow<S::Future, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: 'static,
{
    match decision {
        Err(rejection) => {
            let refused = request.into_response(HttpResponse::from_error(rejection));
            ResponseFuture::refused(Ok(refused.map_into_right_body()))
        }
        Ok(context) => {
            request.extensions_mut().insert(context.clone());
            #[cfg(feature = "tls")]
            if let Some(proxied) = forwarded.proxied() {
                request.extensions_mut().insert(proxied);
            }
            #[cfg(not(feature = "tls"))]
            let Forwarded::Connection = forwarded;
            let kept = extract::listening().then(|| Box::new(Seen::of(request.request())) as Kept);
            ResponseFuture::inner(service.call(request), context, kept)
        }
    }
}

impl Site for HttpRequest {
    fn method(&self) -> &str {
        HttpRequest::method(self).as_str()
    }

    fn route(&self) -> Cow<'_, str> {
        self.match_pattern().map_or(Cow::Borrowed(self.path()), Cow::Owned)
    }

    /// The client the middleware found behind trusted proxies, else the peer.
    fn client(&self) -> Option<SocketAddr> {
        let found = self
            .extensions()
            .get::<Authenticated>()
            .and_then(|context| context.client);
        found.or_else(|| self.peer_addr())
    }
}

/// What the middleware keeps of a request that moved on, while an audit log
/// listens: cheap clones. A response brings its request back, and the matched
/// pattern is read from it then; this is for an inner service's `Err`, which comes
/// without one (and is recorded with the path).
struct Seen {
    method: Method,
    uri: Uri,
    client: Option<SocketAddr>,
}

impl Seen {
    fn of(request: &HttpRequest) -> Self {
        Seen {
            method: request.method().clone(),
            uri: request.uri().clone(),
            client: Site::client(request),
        }
    }
}

impl Site for Seen {
    fn method(&self) -> &str {
        self.method.as_str()
    }

    fn route(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.uri.path())
    }

    fn client(&self) -> Option<SocketAddr> {
        self.client
    }
}

/// What an error on its way out carries back to the middleware, if anything.
fn returned(error: &Error) -> Option<Returned<'_>> {
    match error.as_error::<Refused>() {
        Some(refused) => Some(Returned::Refused(refused)),
        None => error.as_error::<AuthError>().map(Returned::Handler),
    }
}

/// The answer of [`AuthService`] and [`GuardService`].
type Answer<B> = Result<ServiceResponse<EitherBody<B>>, Error>;

/// A request whose authenticator waits, boxed whole.
type Waiting<B> = Pin<Box<dyn Future<Output = Answer<B>>>>;

/// The response future of [`AuthService`] and [`GuardService`].
type Flow<F, B> = ResponseFuture<F, Answer<B>, Waiting<B>>;

impl<B> Exit<Result<ServiceResponse<B>, Error>> for Answer<B> {
    /// A response on its way out of the middleware, or an inner service's `Err` (a
    /// middleware of the user's that extracted with `?`): an extractor's refusal or
    /// a handler's error it carries is settled by the core.
    fn leave(
        answer: Result<ServiceResponse<B>, Error>,
        context: &Authenticated,
        kept: Option<&(dyn Site + Send + Sync)>,
    ) -> Self {
        let error = match &answer {
            Ok(response) => response.response().error(),
            Err(error) => Some(error),
        };
        let rendered = error.and_then(returned).and_then(|returned| match (&answer, kept) {
            // Recorded from the request the response brings back, while a log listens.
            (Ok(response), Some(_)) => extract::on_the_way_out(returned, context, Some(response.request())),
            _ => extract::on_the_way_out(returned, context, kept),
        });
        match (answer, rendered) {
            (Ok(response), None) => Ok(response.map_into_left_body()),
            (Ok(response), Some(rejection)) => {
                let (request, _) = response.into_parts();
                Ok(ServiceResponse::new(request, HttpResponse::from_error(rejection)).map_into_right_body())
            }
            (Err(error), None) => Err(error),
            (Err(_), Some(rejection)) => Err(rejection.into()),
        }
    }

    fn pass(answer: Result<ServiceResponse<B>, Error>) -> Self {
        answer.map(ServiceResponse::map_into_left_body)
    }

    fn spent() -> Self {
        Err(AuthError::Internal("response polled after completion").into())
    }
}

/// `decide` on what the middleware left in `request`, borrowed for the call.
fn with_context<T>(request: &HttpRequest, decide: impl FnOnce(Option<&Authenticated>) -> T) -> T {
    let extensions = request.extensions();
    decide(extensions.get::<Authenticated>())
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
        ready(with_context(request, |context| {
            extract::principal(context, request).cloned()
        }))
    }
}

/// The connection's verified client certificate; see
/// [`ClientIdentity`](crate::http::ClientIdentity) and [`tls_on_connect`].
#[cfg(feature = "tls")]
impl FromRequest for crate::http::ClientIdentity {
    type Error = Refused;
    type Future = Ready<Result<Self, Refused>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let extensions = request.extensions();
        // The certificate a trusted proxy forwarded (or none), else the connection's.
        let identity = match extensions.get::<crate::http::gate::ProxiedCertificate>() {
            Some(proxied) => proxied.0.as_ref(),
            None => request.conn_data::<std::sync::Arc<crate::tls::PeerIdentity>>(),
        };
        let context = extensions.get::<Authenticated>();
        ready(extract::client_identity(context, request, identity))
    }
}

/// The verified token's claims as `T`; see [`Claims`].
impl<T: DeserializeOwned> FromRequest for Claims<T> {
    type Error = Refused;
    type Future = Ready<Result<Self, Refused>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(with_context(request, |context| extract::claims(context, request)))
    }
}

/// The caller, holding `P`; see [`Authorized`].
impl<P: Permission> FromRequest for Authorized<P> {
    type Error = Refused;
    type Future = Ready<Result<Self, Refused>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(with_context(request, |context| extract::authorized(context, request)))
    }
}

impl<S, B> Transform<S, ServiceRequest> for Guard
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
            guard: self.clone(),
        }))
    }
}

/// The service [`GuardMiddleware`] wraps around a route.
pub struct GuardService<S> {
    service: S,
    guard: Guard,
}

impl<S, B> Service<ServiceRequest> for GuardService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Flow<S::Future, B>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let verdict = with_context(request.request(), |context| {
            self.guard.check(context, request.request())
        });
        match verdict {
            // Recorded by the guard, so the error is the plain `Rejection`, which
            // the authentication middleware lets pass unrecorded.
            Err(rejection) => {
                let refused = request.into_response(HttpResponse::from_error(rejection));
                ResponseFuture::refused(Ok(refused.map_into_right_body()))
            }
            Ok(()) => ResponseFuture::passed(self.service.call(request)),
        }
    }
}
