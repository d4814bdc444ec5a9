//! The orders service: portcullis end to end on axum, with no setup.
//!
//! `cargo run --example demo --features axum,html,redis,tls,metrics` (port from `PORT`,
//! default 3000; HTTPS with `PORTCULLIS_TLS_CERT` and `PORTCULLIS_TLS_KEY`)
//!
//! - An ephemeral ES256 key signs the tokens; nothing is read from disk.
//! - An embedded RBAC policy: `viewer` reads orders, `clerk` also writes them,
//!   `admin` also reads the audit log and the payment ledger, and rotates the
//!   keyring that seals order notes at rest (an ephemeral one).
//! - Two users, argon2id-hashed at start-up on the bounded password pool:
//!   `alice` (admin) and `bob` (viewer).
//! - Every way portcullis protects a route: the `Principal`, `Claims` and
//!   `Authorized` extractors, permission, role, scope, any-of and all-of guards,
//!   optional authentication and a session cookie. The routes are listed in
//!   `examples/orders/mod.rs`, which `demo_actix` shares: both serve the same
//!   service, and answer every request alike.
//!
//! On start it prints curl commands to paste.

#[path = "orders/mod.rs"]
pub mod orders;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Path;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::header::{CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use orders::{
    AuditLog, BodyError, Catalog, ChangeError, Contact, LoginRequest, Me, NewOrder, Options, PasswordChange,
    ReadOrders, Service, WhoAmI,
};
use portcullis::Principal;
use portcullis::auth::AuthError;
use portcullis::axum::AuthLayer;
use portcullis::http::Rejection;
use portcullis::http::{Authorized, Claims, ClientIdentity, Guard, RateBy};

type Shared = Arc<Service>;

/// The whole service, ready to serve: everything is made here, in memory.
///
/// # Errors
///
/// Only if the embedded configuration were invalid.
pub async fn app(options: Options, audit: AuditLog) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let service = Service::new(options, audit).await?;
    let policy = service.policy().clone();
    let auth = AuthLayer::required(service.authenticator())
        .realm(service.realm())
        .sources(Service::sources())
        .trusted_proxies(service.proxies())
        .rate_limit(service.caller_limit()?, RateBy::Caller)
        .policy(policy.clone());

    // Internal routes take a client certificate, or a token bound to one: a bearer
    // token alone is `token_not_bound`. The extractor then needs the certificate.
    let internal = Router::new()
        .route("/internal/whoami", get(whoami))
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(auth.clone().bound_tokens_only());
    let protected = Router::new()
        .route("/me", get(me))
        .route("/logout", post(logout))
        .route("/me/password", post(change_password))
        .route("/me/contact", get(contact))
        .route(
            "/orders",
            // route_layer: the guard covers POST only; other methods still get 405.
            get(list_orders).merge(post(create_order).route_layer(Guard::permission(&policy, "orders:write")?)),
        )
        .route("/orders/export", get(export).route_layer(Guard::scope("orders.export")))
        .route(
            "/reports/daily",
            get(report).route_layer(Guard::new(Service::reports_requirement())),
        )
        .route(
            "/payments",
            get(payments).route_layer(Guard::new(service.payments_requirement()?)),
        )
        .route("/admin/audit", get(audit_log).route_layer(Guard::role("admin")))
        .route(
            "/admin/keyring/rotate",
            post(rotate_keyring).route_layer(Guard::role("admin")),
        )
        // Before the layer, so that a method a route does not serve is
        // authenticated first (as under actix-web), then answered 405.
        .route(
            "/api-keys",
            get(list_api_keys)
                .post(create_api_key)
                .route_layer(Guard::role("admin")),
        )
        .route(
            "/api-keys/{id}",
            delete(revoke_api_key).route_layer(Guard::role("admin")),
        )
        .method_not_allowed_fallback(method_not_allowed)
        // route_layer: authenticate the routes, not the fallback, so that a path the
        // service does not have gets 404 (as under actix-web) rather than a
        // challenge.
        .route_layer(auth);
    let public = Router::new()
        .route("/catalog", get(catalog))
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(
            AuthLayer::optional(service.authenticator())
                .realm(service.realm())
                .sources(Service::sources())
                .trusted_proxies(service.proxies())
                .rate_limit(service.catalog_limit()?, RateBy::Client),
        );
    let browser = Router::new()
        .route("/web/me", get(me))
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(
            AuthLayer::required(service.authenticator())
                .realm(service.realm())
                .sources(Service::browser_sources()?)
                .trusted_proxies(service.proxies()),
        );
    Ok(Router::new()
        .route("/login", post(login))
        .route("/metrics", get(metrics))
        .merge(internal)
        .merge(protected)
        .merge(public)
        .merge(browser)
        // Every error is problem+json: a path or a method the service does not
        // serve, and a body over the limit, as well as portcullis's refusals.
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(orders::BODY_LIMIT))
        .with_state(service))
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
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, Rejection> {
    let body = body.as_deref().map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => BodyError::TooLarge,
        _ => BodyError::Unreadable,
    });
    orders::json_body(headers.get(CONTENT_TYPE).map(HeaderValue::as_bytes), body)
}

async fn login(
    State(service): State<Shared>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    certificate: Option<ClientIdentity>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Rejection> {
    let request: LoginRequest = json_body(&headers, body)?;
    let certificate = certificate.as_ref().map(|ClientIdentity(identity)| &**identity);
    let response = service.login(&request, Some(client), &headers, certificate).await?;
    let mut reply = Json(&response).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&response.session_cookie()) {
        reply.headers_mut().insert(SET_COOKIE, cookie);
    }
    Ok(reply)
}

async fn metrics(State(service): State<Shared>) -> impl IntoResponse {
    ([(CONTENT_TYPE, orders::METRICS_CONTENT_TYPE)], service.metrics_text())
}

async fn whoami(ClientIdentity(identity): ClientIdentity) -> Json<WhoAmI> {
    Json(WhoAmI::of(&identity))
}

async fn logout(State(service): State<Shared>, caller: Principal) -> Result<StatusCode, Rejection> {
    service.logout(&caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(caller: Principal) -> Json<Me> {
    Json(Me::of(&caller))
}

/// A refusal returned as `Err(AuthError)` is rendered and recorded by the layer.
async fn change_password(
    State(service): State<Shared>,
    caller: Principal,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthError> {
    let change: PasswordChange = match json_body(&headers, body) {
        Ok(change) => change,
        Err(rejection) => return Ok(rejection.into_response()),
    };
    match service.change_password(&caller, &change).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(ChangeError::Weak(code)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({ "error": code })),
        )
            .into_response()),
        Err(ChangeError::Auth(err)) => Err(err),
    }
}

async fn contact(Claims(contact): Claims<Contact>) -> Json<Contact> {
    Json(contact)
}

async fn list_orders(State(service): State<Shared>, _caller: Authorized<ReadOrders>) -> impl IntoResponse {
    service.orders().map(Json).map_err(|err| err.rejection())
}

async fn rotate_keyring(State(service): State<Shared>) -> impl IntoResponse {
    service.rotate_keyring().map(Json).map_err(|err| err.rejection())
}

async fn create_api_key(
    State(service): State<Shared>,
    caller: Principal,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Rejection> {
    let request = json_body(&headers, body)?;
    let created = service.create_api_key(&caller, request).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn list_api_keys(State(service): State<Shared>) -> Result<Response, Rejection> {
    Ok(Json(service.list_api_keys().await?).into_response())
}

async fn revoke_api_key(State(service): State<Shared>, Path(id): Path<String>) -> Result<StatusCode, Rejection> {
    service.revoke_api_key(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_order(
    State(service): State<Shared>,
    caller: Principal,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let new: NewOrder = match json_body(&headers, body) {
        Ok(new) => new,
        Err(rejection) => return rejection.into_response(),
    };
    match service.create_order(&caller, new) {
        Ok(order) => (StatusCode::CREATED, Json(order)).into_response(),
        Err(err) => err.rejection().into_response(),
    }
}

async fn export(State(service): State<Shared>) -> impl IntoResponse {
    ([("content-type", "text/csv")], service.export())
}

async fn report(State(service): State<Shared>) -> impl IntoResponse {
    Json(service.report())
}

async fn payments(State(service): State<Shared>) -> impl IntoResponse {
    Json(service.payments())
}

async fn audit_log(State(service): State<Shared>) -> impl IntoResponse {
    Json(service.audit_lines())
}

async fn catalog(caller: Option<Principal>) -> Json<Catalog> {
    Json(Catalog::for_caller(caller.as_ref()))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let audit = AuditLog::default();
    orders::install_log(&audit);
    let options = Options::generate()?;
    let tls = options.tls.clone();
    let app = app(options, audit).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", orders::port())).await?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "{}",
        orders::banner("axum", &format!("{scheme}://{}", listener.local_addr()?))
    );
    match tls {
        Some(config) => portcullis::axum::serve_tls(listener, config, app).await?,
        None => axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?,
    }
    Ok(())
}
