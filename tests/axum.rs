//! The axum adapter against DESIGN.md's HTTP error contract: one table of requests
//! and expected responses, run in-process (tower `oneshot`) and over a real socket
//! on 127.0.0.1 with a raw HTTP/1.1 client, plus the audit log captured across all
//! of it.
#![cfg(feature = "axum")]

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use common::capture::Capture;
use common::conformance::{Case, Seen, Tokens, bearer, cases, check, from_raw, over_socket, setup};
use common::http::serve;
use portcullis::Principal;
use portcullis::auth::{AuthError, CredentialSources, Requirement};
use portcullis::axum::{AuthLayer, Authorized, Claims, require, require_permission, require_role, require_scope};
use portcullis::http::Realm;
use tower::ServiceExt;

portcullis::permission!(ReadOrders = "orders:read");

/// The conformance table's routes on axum, and the tokens for its cases.
struct Fixture {
    app: Router,
    tokens: Tokens,
}

fn fixture() -> Fixture {
    let (verifier, policy, tokens) = setup();

    let protected = Router::new()
        .route(
            "/me",
            get(|caller: Principal| async move { caller.subject().to_owned() }),
        )
        .route(
            "/orders",
            get(|caller: Authorized<ReadOrders>| async move { format!("orders for {}", caller.subject()) }).merge(
                axum::routing::post(|| async { "created" })
                    .route_layer(require_permission(&policy, "orders:write").expect("guard")),
            ),
        )
        .route("/admin", get(|| async { "admin" }).route_layer(require_role("admin")))
        .route(
            "/export",
            get(|| async { "export" }).route_layer(require_scope("orders.export")),
        )
        .route(
            "/any",
            get(|| async { "any" }).route_layer(require(Requirement::any_of([
                Requirement::role("admin"),
                Requirement::scope("orders.read"),
            ]))),
        )
        .route(
            "/all",
            get(|| async { "all" }).route_layer(require(Requirement::all_of([
                Requirement::permission(&policy, "orders:read").expect("permission"),
                Requirement::scope("orders.read"),
            ]))),
        )
        .route(
            "/email",
            get(|Claims(profile): Claims<Profile>| async move { profile.email }),
        )
        .route("/busy", get(|| async { Err::<&str, _>(AuthError::Busy) }))
        .route("/panic", get(panicking_handler))
        .layer(
            AuthLayer::required(verifier.clone())
                .realm(Realm::new("orders").expect("realm"))
                .policy(policy.clone()),
        );
    let public = Router::new()
        .route(
            "/hello",
            get(|caller: Option<Principal>| async move {
                format!("hello {}", caller.as_ref().map_or("anonymous", Principal::subject))
            }),
        )
        .layer(AuthLayer::optional(verifier.clone()).realm(Realm::new("orders").expect("realm")));
    let cookie = Router::new()
        .route(
            "/me",
            get(|caller: Principal| async move { caller.subject().to_owned() }),
        )
        .layer(
            AuthLayer::required(verifier)
                .realm(Realm::new("orders").expect("realm"))
                .sources(
                    CredentialSources::authorization_header()
                        .with_cookie("session")
                        .expect("cookie"),
                ),
        );
    Fixture {
        app: Router::new()
            .merge(protected)
            .nest("/public", public)
            .nest("/cookie", cookie),
        tokens,
    }
}

async fn panicking_handler(caller: Principal) -> String {
    assert!(caller.subject().is_empty(), "handler bug");
    caller.subject().to_owned()
}

#[derive(serde::Deserialize)]
struct Profile {
    email: String,
}

async fn in_process(app: &Router, case: &Case) -> Seen {
    let mut request = Request::builder().method(case.method).uri(case.path);
    for (name, value) in &case.headers {
        request = request.header(*name, value.as_slice());
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (status, challenge, content_type, retry_after) = (
        response.status().as_u16(),
        header("www-authenticate"),
        header("content-type"),
        header("retry-after"),
    );
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    Seen {
        status,
        challenge,
        content_type,
        retry_after,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

// One current-thread runtime: the server's tasks run on the test's thread, so the
// thread-local subscriber sees their events too.
#[tokio::test]
async fn every_case_matches_the_contract_in_process_and_over_a_socket_and_the_audit_log_leaks_nothing() {
    let (capture, _guard) = Capture::install();

    let f = fixture();
    let table = cases(&f.tokens);
    assert!(table.len() >= 30, "{} cases", table.len());
    let addr = serve(f.app.clone()).await;
    for case in &table {
        check(case, &in_process(&f.app, case).await, "in-process");
        let raw = over_socket(addr, case)
            .await
            .unwrap_or_else(|e| panic!("socket: {}: {e}", case.name));
        check(case, &from_raw(&raw), "socket");
    }

    // A handler that panics: the connection closes, and nothing is sent back, least
    // of all the token.
    let panicking = Case {
        name: "panic",
        method: "GET",
        path: "/panic",
        headers: bearer(&f.tokens.alice),
        status: 0,
        challenge: None,
        expect: "",
    };
    if let Ok(raw) = over_socket(addr, &panicking).await {
        let alice = &f.tokens.alice;
        assert!(!raw.text().contains(alice) && raw.headers.iter().all(|(_, v)| !v.contains(alice)));
    }

    let log = capture.text();
    let t = &f.tokens;
    for token in [
        &t.alice,
        &t.bob,
        &t.carol,
        &t.expired,
        &t.wrong_audience,
        &t.bad_signature,
        &t.no_email,
    ] {
        // Any 16-character piece of a signature or payload would do; the whole
        // token, its signature and its payload must all be absent.
        for piece in token.split('.') {
            assert!(!log.contains(piece), "audit log holds a token part: {piece}");
        }
    }
    let audit: Vec<&str> = log.lines().filter(|l| l.contains(" portcullis::audit: ")).collect();
    assert!(audit.iter().all(|l| l.contains(r#"event="auth_decision""#)));
    let denials = audit.iter().filter(|l| l.contains(r#"outcome="denied""#)).count();
    let expected_denials = 2 * table.iter().filter(|c| ![200, 405].contains(&c.status)).count();
    assert_eq!(
        denials, expected_denials,
        "one denial per refused request and transport:\n{log}"
    );
    for (needle, why) in [
        (r#"code="expired""#, "denials carry their code"),
        ("client=127.0.0.1:", "socket requests carry the client address"),
        (r#"route="/orders""#, "routes are the matched pattern"),
        (r#"subject="alice""#, "allowed requests carry the subject"),
        (r#"requirement="orders:write""#, "guard decisions carry the requirement"),
        (
            r#"requirement="orders:read""#,
            "Authorized grants are recorded with their permission",
        ),
        (
            r#"stage="authorization""#,
            "guard and extractor decisions are authorization's",
        ),
        (r#"stage="handler""#, "a handler's own refusal is the handler's"),
        (r#"outcome="anonymous""#, "optional routes record anonymous callers"),
    ] {
        assert!(audit.iter().any(|l| l.contains(needle)), "{why}: no {needle} in\n{log}");
    }
}
