//! The orders service on actix-web: the same service as `demo` (axum), with the
//! same routes, users and policy, answering every request alike.
//!
//! `cargo run --example demo_actix --features actix,html,redis,tls,metrics` (port from
//! `PORT`, default 3000; HTTPS with `PORTCULLIS_TLS_CERT` and `PORTCULLIS_TLS_KEY`)
//!
//! The routes are listed in `examples/orders/mod.rs`. On start it prints curl
//! commands to paste.

#[path = "orders/mod.rs"]
pub mod orders;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, SET_COOKIE};
use actix_web::{HttpRequest, HttpResponse, HttpServer, ResponseError, guard, web};
use orders::{
    AuditLog, BodyError, Catalog, ChangeError, Contact, DemoAuthenticator, LoginRequest, Me, NewKeyRequest, NewOrder,
    Options, PasswordChange, ReadOrders, Service, WhoAmI,
};
use portcullis::Principal;
use portcullis::actix::{AuthMiddleware, GuardMiddleware};
use portcullis::auth::AuthError;
use portcullis::http::{Authorized, Claims, ClientIdentity, Guard, RateBy, Rejection};
use portcullis::tls::PeerIdentity;

/// The service and its middleware, made once; [`Demo::configure`] mounts them on
/// each worker's `App`.
#[derive(Clone)]
pub struct Demo {
    service: Arc<Service>,
    required: AuthMiddleware<DemoAuthenticator>,
    /// Internal routes: a client certificate, or a token bound to one.
    internal: AuthMiddleware<DemoAuthenticator>,
    optional: AuthMiddleware<DemoAuthenticator>,
    browser: AuthMiddleware<DemoAuthenticator>,
    write_orders: GuardMiddleware,
    export: GuardMiddleware,
    reports: GuardMiddleware,
    payments: GuardMiddleware,
    admin: GuardMiddleware,
}

impl Demo {
    /// Makes the service, its middleware and its guards: everything in memory.
    ///
    /// # Errors
    ///
    /// Only if the embedded configuration were invalid.
    pub async fn new(options: Options, audit: AuditLog) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let service = Service::new(options, audit).await?;
        let policy = service.policy().clone();
        let required = AuthMiddleware::required(service.authenticator())
            .realm(service.realm())
            .sources(Service::sources())
            .trusted_proxies(service.proxies())
            .rate_limit(service.caller_limit()?, RateBy::Caller)
            .policy(policy.clone());
        Ok(Demo {
            internal: required.clone().bound_tokens_only(),
            required,
            optional: AuthMiddleware::optional(service.authenticator())
                .realm(service.realm())
                .sources(Service::sources())
                .trusted_proxies(service.proxies())
                .rate_limit(service.catalog_limit()?, RateBy::Client),
            browser: AuthMiddleware::required(service.authenticator())
                .realm(service.realm())
                .sources(Service::browser_sources()?)
                .trusted_proxies(service.proxies()),
            write_orders: Guard::permission(&policy, "orders:write")?,
            export: Guard::scope("orders.export"),
            reports: Guard::new(Service::reports_requirement()),
            payments: Guard::new(service.payments_requirement()?),
            admin: Guard::role("admin"),
            service,
        })
    }

    /// The routes, for `App::configure`. Middleware wraps each protected resource
    /// (public ones stay outside it) and guards wrap their route (other methods
    /// still get 405).
    pub fn configure(&self, config: &mut web::ServiceConfig) {
        let auth = &self.required;
        // Every error is problem+json: a method a route does not serve (each
        // resource's default), a path the service does not have (the default
        // service), and a body over the limit, as well as portcullis's refusals.
        let resource = |path| web::resource(path).default_service(web::to(method_not_allowed));
        // actix-web decodes a path before routing it, axum does not: a path spelled
        // with percent-encoding is no route here either (see `orders::is_route_spelling`).
        let routes = web::scope("")
            .guard(guard::fn_guard(|ctx| orders::is_route_spelling(ctx.head().uri.path())))
            .service(resource("/login").route(web::post().to(login)))
            .service(resource("/metrics").route(web::get().to(metrics)))
            // A client certificate, or a token bound to one; the extractor then
            // needs the certificate.
            .service(
                resource("/internal/whoami")
                    .wrap(self.internal.clone())
                    .route(web::get().to(whoami)),
            )
            .service(resource("/me").wrap(auth.clone()).route(web::get().to(me)))
            .service(resource("/logout").wrap(auth.clone()).route(web::post().to(logout)))
            .service(
                resource("/me/password")
                    .wrap(auth.clone())
                    .route(web::post().to(change_password)),
            )
            .service(resource("/me/contact").wrap(auth.clone()).route(web::get().to(contact)))
            .service(
                resource("/orders")
                    .wrap(auth.clone())
                    .route(web::get().to(list_orders))
                    .route(web::post().to(create_order).wrap(self.write_orders.clone())),
            )
            .service(
                resource("/orders/export")
                    .wrap(auth.clone())
                    .route(web::get().to(export).wrap(self.export.clone())),
            )
            .service(
                resource("/reports/daily")
                    .wrap(auth.clone())
                    .route(web::get().to(report).wrap(self.reports.clone())),
            )
            .service(
                resource("/payments")
                    .wrap(auth.clone())
                    .route(web::get().to(payments).wrap(self.payments.clone())),
            )
            .service(
                resource("/admin/audit")
                    .wrap(auth.clone())
                    .route(web::get().to(audit_log).wrap(self.admin.clone())),
            )
            .service(
                resource("/admin/keyring/rotate")
                    .wrap(auth.clone())
                    .route(web::post().to(rotate_keyring).wrap(self.admin.clone())),
            )
            .service(
                resource("/api-keys")
                    .wrap(auth.clone())
                    .route(web::get().to(list_api_keys).wrap(self.admin.clone()))
                    .route(web::post().to(create_api_key).wrap(self.admin.clone())),
            )
            .service(
                resource("/api-keys/{id}")
                    .wrap(auth.clone())
                    .route(web::delete().to(revoke_api_key).wrap(self.admin.clone())),
            )
            .service(
                resource("/catalog")
                    .wrap(self.optional.clone())
                    .route(web::get().to(catalog)),
            )
            .service(resource("/web/me").wrap(self.browser.clone()).route(web::get().to(me)));
        config
            .app_data(web::Data::from(self.service.clone()))
            .app_data(web::PayloadConfig::new(orders::BODY_LIMIT))
            .service(routes)
            .default_service(web::to(not_found));
    }
}

async fn not_found() -> Rejection {
    orders::not_found()
}

async fn method_not_allowed() -> Rejection {
    orders::method_not_allowed()
}

/// The request's JSON body, parsed by the service's shared rules (so that both
/// demos answer every body alike).
fn json_body<T: serde::de::DeserializeOwned>(
    request: &HttpRequest,
    body: &Result<web::Bytes, actix_web::Error>,
) -> Result<T, Rejection> {
    let body = body
        .as_deref()
        .map_err(|err| match err.as_response_error().status_code() {
            StatusCode::PAYLOAD_TOO_LARGE => BodyError::TooLarge,
            _ => BodyError::Unreadable,
        });
    let content_type = request.headers().get(CONTENT_TYPE).map(|value| value.as_bytes());
    orders::json_body(content_type, body)
}

async fn login(
    service: web::Data<Service>,
    request: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, Rejection> {
    let body: LoginRequest = json_body(&request, &body)?;
    let certificate = request.conn_data::<Arc<PeerIdentity>>().map(|identity| &**identity);
    let response = service
        .login(&body, request.peer_addr(), request.headers(), certificate)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((SET_COOKIE, response.session_cookie()))
        .json(&response))
}

async fn metrics(service: web::Data<Service>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(orders::METRICS_CONTENT_TYPE)
        .body(service.metrics_text())
}

async fn whoami(ClientIdentity(identity): ClientIdentity) -> HttpResponse {
    HttpResponse::Ok().json(WhoAmI::of(&identity))
}

async fn logout(service: web::Data<Service>, caller: Principal) -> Result<HttpResponse, Rejection> {
    service.logout(&caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn me(caller: Principal) -> HttpResponse {
    HttpResponse::Ok().json(Me::of(&caller))
}

/// A refusal returned as `Err(AuthError)` is rendered and recorded by the middleware.
async fn change_password(
    service: web::Data<Service>,
    caller: Principal,
    request: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, AuthError> {
    let change: PasswordChange = match json_body(&request, &body) {
        Ok(change) => change,
        Err(rejection) => return Ok(rejection.error_response()),
    };
    match service.change_password(&caller, &change).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(ChangeError::Weak(code)) => {
            Ok(HttpResponse::UnprocessableEntity().json(serde_json::json!({ "error": code })))
        }
        Err(ChangeError::Auth(err)) => Err(err),
    }
}

async fn contact(Claims(contact): Claims<Contact>) -> HttpResponse {
    HttpResponse::Ok().json(contact)
}

async fn list_orders(service: web::Data<Service>, _caller: Authorized<ReadOrders>) -> Result<HttpResponse, Rejection> {
    service
        .orders()
        .map(|orders| HttpResponse::Ok().json(orders))
        .map_err(|err| err.rejection())
}

async fn rotate_keyring(service: web::Data<Service>) -> Result<HttpResponse, Rejection> {
    service
        .rotate_keyring()
        .map(|rotation| HttpResponse::Ok().json(rotation))
        .map_err(|err| err.rejection())
}

async fn create_api_key(
    service: web::Data<Service>,
    caller: Principal,
    request: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, Rejection> {
    let new: NewKeyRequest = json_body(&request, &body)?;
    let created = service.create_api_key(&caller, new).await?;
    Ok(HttpResponse::Created().json(created))
}

async fn list_api_keys(service: web::Data<Service>) -> Result<HttpResponse, Rejection> {
    Ok(HttpResponse::Ok().json(service.list_api_keys().await?))
}

async fn revoke_api_key(service: web::Data<Service>, id: web::Path<String>) -> Result<HttpResponse, Rejection> {
    service.revoke_api_key(&id).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn create_order(
    service: web::Data<Service>,
    caller: Principal,
    request: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
) -> HttpResponse {
    let new: NewOrder = match json_body(&request, &body) {
        Ok(new) => new,
        Err(rejection) => return rejection.error_response(),
    };
    match service.create_order(&caller, new) {
        Ok(order) => HttpResponse::Created().json(order),
        Err(err) => err.rejection().error_response(),
    }
}

async fn export(service: web::Data<Service>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/csv").body(service.export())
}

async fn report(service: web::Data<Service>) -> HttpResponse {
    HttpResponse::Ok().json(service.report())
}

async fn payments(service: web::Data<Service>) -> HttpResponse {
    HttpResponse::Ok().json(service.payments())
}

async fn audit_log(service: web::Data<Service>) -> HttpResponse {
    HttpResponse::Ok().json(service.audit_lines())
}

async fn catalog(caller: Option<Principal>) -> HttpResponse {
    HttpResponse::Ok().json(Catalog::for_caller(caller.as_ref()))
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let audit = AuditLog::default();
    orders::install_log(&audit);
    let options = Options::generate()?;
    let tls = options.tls.clone();
    let demo = Demo::new(options, audit).await?;
    let server = HttpServer::new(move || {
        let demo = demo.clone();
        actix_web::App::new().configure(move |config| demo.configure(config))
    });
    let address = ("127.0.0.1", orders::port());
    let (server, scheme) = match tls {
        Some(config) => (
            server
                .on_connect(portcullis::actix::tls_on_connect)
                .bind_rustls_0_23(address, (*config).clone())?,
            "https",
        ),
        None => (server.bind(address)?, "http"),
    };
    for addr in server.addrs() {
        println!("{}", orders::banner("actix-web", &format!("{scheme}://{addr}")));
    }
    server.run().await?;
    Ok(())
}
