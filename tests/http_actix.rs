//! What only the actix-web adapter has to show; everything the two adapters share
//! is in the conformance table (`tests/http_conformance.rs`).
#![cfg(feature = "actix")]

mod common {
    pub mod audit_events;
    pub mod http;
    pub mod http_serve_actix;
    pub mod keys;
    pub mod slow;
}

use actix_web::{App, HttpResponse, test, web};
use common::audit_events::AuditEvents;
use common::http::send;
use common::http_serve_actix::serve_actix;
use common::keys::es256_verifier_and_token;
use common::slow::Slow;
use portcullis::Principal;
use portcullis::actix::AuthMiddleware;
use portcullis::auth::AuthError;
use portcullis::http::{Authorized, Claims};

async fn subject(caller: Principal) -> String {
    caller.subject().to_owned()
}

/// The audit events recorded for `route` (tests in this binary use routes of
/// their own).
fn events_for(events: &AuditEvents, route: &str) -> Vec<String> {
    events
        .since(0)
        .into_iter()
        .filter(|event| event.get("route").is_some_and(|r| r == route))
        .map(|event| {
            let field = |name| event.get(name).cloned().unwrap_or_default();
            format!("{}/{}/{}", field("outcome"), field("stage"), field("code"))
        })
        .collect()
}

#[actix_web::test]
async fn extractors_without_the_middleware_fail_closed_and_are_recorded() {
    let events = AuditEvents::install_global();
    let app = test::init_service(App::new().route("/bare/principal", web::get().to(subject)).route(
        "/bare/claims",
        web::get().to(|Claims(claims): Claims<serde_json::Value>| async move { claims.to_string() }),
    ))
    .await;
    for path in ["/bare/principal", "/bare/claims"] {
        let response = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        assert_eq!(response.status(), 500, "{path}");
        assert_eq!(response.headers().get("www-authenticate"), None);
        let body = test::read_body(response).await;
        assert_eq!(
            body,
            r#"{"type":"about:blank","title":"Internal Server Error","status":500,"code":"internal"}"#
        );
        assert_eq!(events_for(&events, path), ["denied/authentication/internal"], "{path}");
    }
}

/// actix-web's `Option<T>` turns `T`'s error into `None`: without the middleware,
/// `Option<Principal>` is anonymous (documented), and the misconfiguration is in
/// the audit log.
#[actix_web::test]
async fn option_principal_without_the_middleware_is_none_and_recorded() {
    let events = AuditEvents::install_global();
    let app = test::init_service(
        App::new().route(
            "/bare/optional",
            web::get()
                .to(|caller: Option<Principal>| async move { format!("{:?}", caller.map(|c| c.subject().to_owned())) }),
        ),
    )
    .await;
    let body = test::call_and_read_body(&app, test::TestRequest::get().uri("/bare/optional").to_request()).await;
    assert_eq!(body, "None");
    assert_eq!(
        events_for(&events, "/bare/optional"),
        ["denied/authentication/internal"]
    );
}

#[actix_web::test]
async fn an_authenticator_that_waits_is_awaited() {
    let app = test::init_service(
        App::new().service(
            web::resource("/slow")
                .wrap(AuthMiddleware::required(Slow))
                .route(web::get().to(subject)),
        ),
    )
    .await;
    let call = |token: &'static str| {
        test::TestRequest::get()
            .uri("/slow")
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request()
    };
    assert_eq!(test::call_and_read_body(&app, call("let-me-in")).await, "svc-billing");
    let refused = test::call_service(&app, call("nope")).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers().get("www-authenticate").and_then(|v| v.to_str().ok()),
        Some(r#"Bearer realm="api", error="invalid_token", error_description="invalid_signature""#)
    );
}

#[actix_web::test]
async fn a_handler_returning_a_rejection_renders_the_contract() {
    let app = test::init_service(App::new().route(
        "/login",
        web::post().to(|| async {
            Err::<HttpResponse, _>(portcullis::http::Rejection::new(
                &AuthError::Busy,
                &portcullis::http::Realm::default(),
            ))
        }),
    ))
    .await;
    let response = test::call_service(&app, test::TestRequest::post().uri("/login").to_request()).await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers().get("retry-after").and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert_eq!(
        response.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
}

// `test` is actix-web's test module here; this test blocks, so the client runs on
// a thread of its own.
#[actix_web::test]
async fn a_panicking_handler_closes_the_connection_and_echoes_no_token() {
    let (verifier, token) = es256_verifier_and_token();
    let addr = serve_actix(move |config| {
        config.service(
            web::resource("/panic")
                .wrap(AuthMiddleware::required(verifier.clone()))
                .route(web::get().to(|caller: Principal| async move {
                    assert!(caller.subject().is_empty(), "handler bug");
                    caller.subject().to_owned()
                })),
        );
    });
    let header = format!("Bearer {token}");
    let response =
        std::thread::spawn(move || send(addr, "GET", "/panic", &[("authorization", header.as_bytes())], b""))
            .join()
            .expect("client");
    if let Ok(raw) = response {
        for piece in token.split('.') {
            assert!(!raw.text().contains(piece) && raw.headers.iter().all(|(_, v)| !v.contains(piece)));
        }
    }
}

portcullis::permission!(ReadOrders = "orders:read");

fn policy() -> portcullis::rbac::PolicyHandle {
    portcullis::rbac::PolicyHandle::from_toml("[roles.viewer]\npermissions = [\"orders:read\"]").expect("policy")
}

fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

/// Two middlewares (a scope's and a resource's) around one refusing extractor:
/// one authentication event each, one denial.
#[actix_web::test]
async fn nested_middleware_records_a_refusal_once() {
    let events = AuditEvents::install_global();
    let (verifier, token) = es256_verifier_and_token();
    let auth = AuthMiddleware::required(verifier).policy(policy());
    let app = test::init_service(
        App::new().service(
            web::scope("/nested").wrap(auth.clone()).service(
                web::resource("/orders")
                    .wrap(auth)
                    .route(web::get().to(|_: Authorized<ReadOrders>| async { "orders" })),
            ),
        ),
    )
    .await;
    let request = test::TestRequest::get()
        .uri("/nested/orders")
        .insert_header(bearer(&token))
        .to_request();
    assert_eq!(test::call_service(&app, request).await.status(), 403);
    assert_eq!(
        events_for(&events, "/nested/orders"),
        [
            "allowed/authentication/",
            "allowed/authentication/",
            "denied/authorization/forbidden"
        ]
    );
}

/// An extractor of the user's own that wraps `Authorized` and maps its error
/// away: the refusal is still recorded.
struct Reader(String);

impl actix_web::FromRequest for Reader {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(request: &actix_web::HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        use std::future::Future;
        let mut inner = std::pin::pin!(Authorized::<ReadOrders>::from_request(request, payload));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        std::future::ready(match inner.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(Ok(caller)) => Ok(Reader(caller.subject().to_owned())),
            _ => Err(actix_web::error::ErrorForbidden("no")),
        })
    }
}

#[actix_web::test]
async fn a_wrapping_extractor_leaves_the_refusal_recorded() {
    let events = AuditEvents::install_global();
    let (verifier, token) = es256_verifier_and_token();
    let app = test::init_service(
        App::new().service(
            web::resource("/wrapped")
                .wrap(AuthMiddleware::required(verifier).policy(policy()))
                .route(web::get().to(|reader: Reader| async move { reader.0 })),
        ),
    )
    .await;
    let request = test::TestRequest::get()
        .uri("/wrapped")
        .insert_header(bearer(&token))
        .to_request();
    assert_eq!(test::call_service(&app, request).await.status(), 403);
    assert_eq!(
        events_for(&events, "/wrapped"),
        ["allowed/authentication/", "denied/authorization/forbidden"]
    );
}

/// A middleware of the user's inside `AuthMiddleware` that returns an
/// `AuthError` as its `Err`: re-rendered under the realm, and recorded.
#[actix_web::test]
async fn an_inner_services_auth_error_is_rendered_under_the_realm() {
    let events = AuditEvents::install_global();
    let (verifier, token) = es256_verifier_and_token();
    let refuse = |_: actix_web::dev::ServiceRequest, _: actix_web::middleware::Next<actix_web::body::BoxBody>| async {
        Err::<actix_web::dev::ServiceResponse, _>(actix_web::Error::from(AuthError::InvalidCredentials))
    };
    let realm = portcullis::http::Realm::new("orders").expect("realm");
    let app = test::init_service(
        App::new().service(
            web::resource("/inner")
                .wrap(actix_web::middleware::from_fn(refuse))
                .wrap(AuthMiddleware::required(verifier).realm(realm))
                .route(web::get().to(subject)),
        ),
    )
    .await;
    let request = test::TestRequest::get()
        .uri("/inner")
        .insert_header(bearer(&token))
        .to_request();
    // An `Err` stays one (the server renders it), now the realm's rendering.
    let error = test::try_call_service(&app, request).await.expect_err("an Err");
    let response = error.error_response();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()),
        Some(r#"Bearer realm="orders""#)
    );
    assert_eq!(
        events_for(&events, "/inner"),
        ["allowed/authentication/", "denied/handler/invalid_credentials"]
    );
}

/// `Option<Authorized<P>>` under a middleware without a policy: `None`, and the
/// misconfiguration recorded.
#[actix_web::test]
async fn option_authorized_without_a_policy_is_none_and_recorded() {
    let events = AuditEvents::install_global();
    let (verifier, token) = es256_verifier_and_token();
    let app = test::init_service(
        App::new().service(
            web::resource("/no-policy")
                .wrap(AuthMiddleware::required(verifier))
                .route(
                    web::get()
                        .to(|caller: Option<Authorized<ReadOrders>>| async move { format!("{}", caller.is_some()) }),
                ),
        ),
    )
    .await;
    let request = test::TestRequest::get()
        .uri("/no-policy")
        .insert_header(bearer(&token))
        .to_request();
    assert_eq!(test::call_and_read_body(&app, request).await, "false");
    assert_eq!(
        events_for(&events, "/no-policy"),
        ["allowed/authentication/", "denied/authorization/internal"]
    );
}

/// Extractors first: a caller who may not call the route hears 403, whatever the
/// body (actix-web answers with the first error in argument order).
#[actix_web::test]
async fn authorized_first_answers_403_before_the_body_is_judged() {
    let (verifier, token) = es256_verifier_and_token();
    let app = test::init_service(
        App::new().service(
            web::resource("/first")
                .wrap(AuthMiddleware::required(verifier).policy(policy()))
                .route(web::post().to(|_: Authorized<ReadOrders>, _: web::Json<serde_json::Value>| async { "ok" })),
        ),
    )
    .await;
    let request = test::TestRequest::post()
        .uri("/first")
        .insert_header(bearer(&token))
        .insert_header(("content-type", "text/plain"))
        .set_payload("not json")
        .to_request();
    assert_eq!(test::call_service(&app, request).await.status(), 403);
}
