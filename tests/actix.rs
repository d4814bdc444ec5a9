//! What only the actix-web adapter has to show; everything the two adapters share
//! is in the conformance table (`tests/conformance.rs`).
#![cfg(feature = "actix")]

mod common;

use std::time::Duration;

use actix_web::{App, HttpResponse, test, web};
use common::capture::AuditEvents;
use common::es256_verifier_and_token;
use common::http::{send, serve_actix};
use portcullis::Principal;
use portcullis::actix::{AuthMiddleware, Claims};
use portcullis::auth::{AuthError, Authenticator, Credentials};
use portcullis::token::TokenError;

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

/// An authenticator that waits before answering, as an API-key lookup would.
struct Slow;

impl Authenticator for Slow {
    async fn authenticate(&self, credentials: &Credentials<'_>) -> Result<Principal, AuthError> {
        tokio::time::sleep(Duration::from_millis(2)).await;
        match credentials {
            Credentials::Bearer("let-me-in") => Ok(Principal::new("svc-billing")),
            _ => Err(AuthError::InvalidToken(TokenError::InvalidSignature)),
        }
    }
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
