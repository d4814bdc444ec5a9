//! The axum adapter against DESIGN.md's HTTP error contract: one table of requests
//! and expected responses, run in-process (tower `oneshot`) and over a real socket
//! on 127.0.0.1 with a raw HTTP/1.1 client, plus the audit log captured across all
//! of it.
#![cfg(feature = "axum")]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use common::capture::Capture;
use common::http::{RawResponse, send, serve};
use portcullis::Principal;
use portcullis::auth::{AuthError, CredentialSources, Requirement};
use portcullis::axum::{AuthLayer, Authorized, Claims, require, require_permission, require_role, require_scope};
use portcullis::http::Realm;
use portcullis::rbac::PolicyHandle;
use portcullis::token::{Algorithm, Issuer, Jwk, KeySet, SigningKey, Verifier};
use tower::ServiceExt;

portcullis::permission!(ReadOrders = "orders:read");

const POLICY: &str = r#"
[roles.viewer]
permissions = ["orders:read"]
[roles.clerk]
inherits = ["viewer"]
permissions = ["orders:write"]
[roles.admin]
inherits = ["clerk"]
permissions = ["audit:read"]
"#;

/// Tokens for every case, and the router they are sent to.
struct Fixture {
    app: Router,
    alice: String, // viewer, scope orders.read
    bob: String,   // clerk
    carol: String, // admin, scope orders.export
    expired: String,
    wrong_audience: String,
    bad_signature: String,
    no_email: String,
}

fn issuer(key: &Jwk, audience: &str, clock_offset: i64) -> Issuer {
    Issuer::builder(SigningKey::from_jwk(key).expect("key"))
        .issuer("https://auth.example")
        .audience(audience)
        .ttl(Duration::from_secs(600))
        .clock(move || {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_secs() as i64;
            now + clock_offset
        })
        .build()
        .expect("issuer")
}

fn fixture() -> Fixture {
    let key = SigningKey::generate_jwk(Algorithm::ES256).expect("key");
    let other = SigningKey::generate_jwk(Algorithm::ES256).expect("key");
    let verifying = SigningKey::from_jwk(&key).expect("key").verifying_key();
    let verifier = Verifier::builder(KeySet::single(verifying))
        .issuer("https://auth.example")
        .audience("orders")
        .build()
        .expect("verifier");
    let orders = issuer(&key, "orders", 0);
    let token = |sub: &str, claims: serde_json::Value| orders.issue(sub, &claims).expect("token");
    let policy = PolicyHandle::from_toml(POLICY).expect("policy");

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
        alice: token(
            "alice",
            serde_json::json!({"roles": ["viewer"], "scope": "orders.read", "email": "alice@example.com"}),
        ),
        bob: token(
            "bob",
            serde_json::json!({"roles": ["clerk"], "email": "bob@example.com"}),
        ),
        carol: token(
            "carol",
            serde_json::json!({"roles": ["admin"], "scope": "orders.export"}),
        ),
        expired: issuer(&key, "orders", -7200).issue("alice", &()).expect("token"),
        wrong_audience: issuer(&key, "billing", 0).issue("alice", &()).expect("token"),
        bad_signature: issuer(&other, "orders", 0).issue("alice", &()).expect("token"),
        no_email: token("dave", serde_json::json!({"roles": []})),
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

/// One request and what must come back.
struct Case {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, Vec<u8>)>,
    status: u16,
    challenge: Option<&'static str>,
    /// The problem+json `code`, or the plain body of a success.
    expect: &'static str,
}

fn bearer(token: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![("authorization", format!("Bearer {token}").into_bytes())]
}

const REALM: &str = r#"Bearer realm="orders""#;

fn cases(f: &Fixture) -> Vec<Case> {
    let case = |name, method, path, headers, status, challenge, expect| Case {
        name,
        method,
        path,
        headers,
        status,
        challenge,
        expect,
    };
    let invalid = |code: &'static str| -> &'static str {
        Box::leak(format!(r#"{REALM}, error="invalid_token", error_description="{code}""#).into_boxed_str())
    };
    let insufficient = |scope: &'static str| -> &'static str {
        Box::leak(format!(r#"{REALM}, error="insufficient_scope", scope="{scope}""#).into_boxed_str())
    };
    let bad_request: &'static str = Box::leak(format!(r#"{REALM}, error="invalid_request""#).into_boxed_str());
    let huge = format!("Bearer {}", "a".repeat(9000)).into_bytes();
    vec![
        case("valid token", "GET", "/me", bearer(&f.alice), 200, None, "alice"),
        case(
            "no credentials",
            "GET",
            "/me",
            vec![],
            401,
            Some(REALM),
            "missing_credentials",
        ),
        case(
            "other scheme",
            "GET",
            "/me",
            vec![("authorization", b"Basic YTpi".to_vec())],
            401,
            Some(REALM),
            "missing_credentials",
        ),
        case(
            "lowercase scheme",
            "GET",
            "/me",
            vec![("authorization", format!("bearer {}", f.alice).into_bytes())],
            200,
            None,
            "alice",
        ),
        case(
            "extra spaces",
            "GET",
            "/me",
            vec![("authorization", format!("Bearer    {}", f.alice).into_bytes())],
            200,
            None,
            "alice",
        ),
        case(
            "scheme without token",
            "GET",
            "/me",
            vec![("authorization", b"Bearer".to_vec())],
            400,
            Some(bad_request),
            "invalid_request",
        ),
        case(
            "token with a space",
            "GET",
            "/me",
            vec![("authorization", b"Bearer a b".to_vec())],
            400,
            Some(bad_request),
            "invalid_request",
        ),
        case(
            "two Authorization headers",
            "GET",
            "/me",
            vec![
                ("authorization", format!("Bearer {}", f.alice).into_bytes()),
                ("authorization", format!("Bearer {}", f.bob).into_bytes()),
            ],
            400,
            Some(bad_request),
            "invalid_request",
        ),
        case(
            "non-UTF-8 header",
            "GET",
            "/me",
            vec![("authorization", b"Bearer \xff\xfe".to_vec())],
            400,
            Some(bad_request),
            "invalid_request",
        ),
        case(
            "8 KiB+ token",
            "GET",
            "/me",
            vec![("authorization", huge)],
            401,
            Some(invalid("too_large")),
            "too_large",
        ),
        case(
            "malformed token",
            "GET",
            "/me",
            bearer("not.a.jwt"),
            401,
            Some(invalid("malformed")),
            "malformed",
        ),
        case(
            "expired token",
            "GET",
            "/me",
            bearer(&f.expired),
            401,
            Some(invalid("expired")),
            "expired",
        ),
        case(
            "wrong audience",
            "GET",
            "/me",
            bearer(&f.wrong_audience),
            401,
            Some(invalid("invalid_audience")),
            "invalid_audience",
        ),
        case(
            "bad signature",
            "GET",
            "/me",
            bearer(&f.bad_signature),
            401,
            Some(invalid("invalid_signature")),
            "invalid_signature",
        ),
        case(
            "Authorized allows",
            "GET",
            "/orders",
            bearer(&f.alice),
            200,
            None,
            "orders for alice",
        ),
        case(
            "Authorized denies",
            "GET",
            "/orders",
            bearer(&f.no_email),
            403,
            Some(insufficient("orders:read")),
            "forbidden",
        ),
        case(
            "permission guard allows",
            "POST",
            "/orders",
            bearer(&f.bob),
            200,
            None,
            "created",
        ),
        case(
            "permission guard denies",
            "POST",
            "/orders",
            bearer(&f.alice),
            403,
            Some(insufficient("orders:write")),
            "forbidden",
        ),
        case(
            "permission guard, no token",
            "POST",
            "/orders",
            vec![],
            401,
            Some(REALM),
            "missing_credentials",
        ),
        case("method not served", "PUT", "/orders", bearer(&f.alice), 405, None, ""),
        case(
            "role guard allows",
            "GET",
            "/admin",
            bearer(&f.carol),
            200,
            None,
            "admin",
        ),
        case(
            "role guard denies",
            "GET",
            "/admin",
            bearer(&f.bob),
            403,
            Some(insufficient("role:admin")),
            "forbidden",
        ),
        case(
            "scope guard allows",
            "GET",
            "/export",
            bearer(&f.carol),
            200,
            None,
            "export",
        ),
        case(
            "scope guard denies",
            "GET",
            "/export",
            bearer(&f.alice),
            403,
            Some(insufficient("orders.export")),
            "forbidden",
        ),
        case("any-of by scope", "GET", "/any", bearer(&f.alice), 200, None, "any"),
        case("any-of by role", "GET", "/any", bearer(&f.carol), 200, None, "any"),
        case(
            "any-of denies",
            "GET",
            "/any",
            bearer(&f.bob),
            403,
            // RFC 6750's scope list means "all of these": an any-of names none.
            Some(r#"Bearer realm="orders", error="insufficient_scope""#),
            "forbidden",
        ),
        case("all-of allows", "GET", "/all", bearer(&f.alice), 200, None, "all"),
        case(
            "all-of denies",
            "GET",
            "/all",
            bearer(&f.bob),
            403,
            Some(insufficient("orders:read orders.read")),
            "forbidden",
        ),
        case(
            "typed claims",
            "GET",
            "/email",
            bearer(&f.bob),
            200,
            None,
            "bob@example.com",
        ),
        case(
            "typed claims missing",
            "GET",
            "/email",
            bearer(&f.no_email),
            401,
            Some(invalid("invalid_claim")),
            "invalid_claim",
        ),
        case("handler busy", "GET", "/busy", bearer(&f.alice), 503, None, "busy"),
        case(
            "optional, anonymous",
            "GET",
            "/public/hello",
            vec![],
            200,
            None,
            "hello anonymous",
        ),
        case(
            "optional, authenticated",
            "GET",
            "/public/hello",
            bearer(&f.alice),
            200,
            None,
            "hello alice",
        ),
        case(
            "optional, bad token",
            "GET",
            "/public/hello",
            bearer(&f.expired),
            401,
            Some(invalid("expired")),
            "expired",
        ),
        case(
            "cookie source",
            "GET",
            "/cookie/me",
            vec![("cookie", format!("theme=dark; session={}", f.bob).into_bytes())],
            200,
            None,
            "bob",
        ),
        case(
            "cookie and header",
            "GET",
            "/cookie/me",
            vec![
                ("cookie", format!("session={}", f.bob).into_bytes()),
                ("authorization", format!("Bearer {}", f.bob).into_bytes()),
            ],
            400,
            Some(bad_request),
            "invalid_request",
        ),
        case(
            "cookie not read elsewhere",
            "GET",
            "/me",
            vec![("cookie", format!("session={}", f.bob).into_bytes())],
            401,
            Some(REALM),
            "missing_credentials",
        ),
    ]
}

/// A response, from either transport, reduced to what the contract fixes.
struct Seen {
    status: u16,
    challenge: Option<String>,
    content_type: Option<String>,
    retry_after: Option<String>,
    body: String,
}

fn check(case: &Case, seen: &Seen, transport: &str) {
    let at = format!("{transport}: {}", case.name);
    assert_eq!(seen.status, case.status, "{at}: status; body {}", seen.body);
    assert_eq!(seen.challenge.as_deref(), case.challenge, "{at}: WWW-Authenticate");
    if case.status == 200 {
        assert_eq!(seen.body, case.expect, "{at}: body");
        return;
    }
    if case.status == 405 {
        // axum's own answer: portcullis stays out of it.
        return;
    }
    assert_eq!(
        seen.content_type.as_deref(),
        Some("application/problem+json"),
        "{at}: content type"
    );
    let body: serde_json::Value =
        serde_json::from_str(&seen.body).unwrap_or_else(|_| panic!("{at}: body {}", seen.body));
    let title = match case.status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    assert_eq!(
        body,
        serde_json::json!({"type": "about:blank", "title": title, "status": case.status, "code": case.expect}),
        "{at}: problem body"
    );
    assert_eq!(
        seen.retry_after.as_deref(),
        (case.status == 503).then_some("1"),
        "{at}: Retry-After"
    );
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

fn from_raw(raw: &RawResponse) -> Seen {
    Seen {
        status: raw.status,
        challenge: raw.header("www-authenticate").map(str::to_owned),
        content_type: raw.header("content-type").map(str::to_owned),
        retry_after: raw.header("retry-after").map(str::to_owned),
        body: raw.text(),
    }
}

async fn over_socket(addr: SocketAddr, case: &Case) -> Result<RawResponse, String> {
    let (method, path) = (case.method, case.path);
    let headers: Vec<(&'static str, Vec<u8>)> = case.headers.clone();
    tokio::task::spawn_blocking(move || {
        let borrowed: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_slice())).collect();
        send(addr, method, path, &borrowed, b"")
    })
    .await
    .expect("client thread")
}

// One current-thread runtime: the server's tasks run on the test's thread, so the
// thread-local subscriber sees their events too.
#[tokio::test]
async fn every_case_matches_the_contract_in_process_and_over_a_socket_and_the_audit_log_leaks_nothing() {
    let (capture, _guard) = Capture::install();

    let f = fixture();
    let table = cases(&f);
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
        headers: bearer(&f.alice),
        status: 0,
        challenge: None,
        expect: "",
    };
    if let Ok(raw) = over_socket(addr, &panicking).await {
        assert!(!raw.text().contains(&f.alice) && raw.headers.iter().all(|(_, v)| !v.contains(&f.alice)));
    }

    let log = capture.text();
    for token in [
        &f.alice,
        &f.bob,
        &f.carol,
        &f.expired,
        &f.wrong_audience,
        &f.bad_signature,
        &f.no_email,
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
