//! One table of requests and the responses DESIGN.md's HTTP error contract fixes for
//! them, for every adapter: each adapter's test builds the same routes (see
//! `tests/axum.rs`) with the tokens and policy made here, and checks every row
//! in-process and over a socket.

use std::net::SocketAddr;
use std::time::Duration;

use portcullis::rbac::PolicyHandle;
use portcullis::token::{Algorithm, Issuer, Jwk, KeySet, SigningKey, Verifier};

use super::http::{RawResponse, send};

/// The routes' roles: viewer reads orders, clerk writes them, admin reads the audit.
pub const POLICY: &str = r#"
[roles.viewer]
permissions = ["orders:read"]
[roles.clerk]
inherits = ["viewer"]
permissions = ["orders:write"]
[roles.admin]
inherits = ["clerk"]
permissions = ["audit:read"]
"#;

/// A token for every case.
pub struct Tokens {
    pub alice: String, // viewer, scope orders.read
    pub bob: String,   // clerk
    pub carol: String, // admin, scope orders.export
    pub expired: String,
    pub wrong_audience: String,
    pub bad_signature: String,
    pub no_email: String,
}

/// The verifier every adapter's layer uses, the policy, and the tokens.
pub fn setup() -> (Verifier, PolicyHandle, Tokens) {
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
    let tokens = Tokens {
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
    };
    (verifier, PolicyHandle::from_toml(POLICY).expect("policy"), tokens)
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

/// One request and what must come back.
pub struct Case {
    pub name: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub headers: Vec<(&'static str, Vec<u8>)>,
    pub status: u16,
    pub challenge: Option<&'static str>,
    /// The problem+json `code`, or the plain body of a success.
    pub expect: &'static str,
}

pub fn bearer(token: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![("authorization", format!("Bearer {token}").into_bytes())]
}

pub const REALM: &str = r#"Bearer realm="orders""#;

pub fn cases(t: &Tokens) -> Vec<Case> {
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
        case("valid token", "GET", "/me", bearer(&t.alice), 200, None, "alice"),
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
            vec![("authorization", format!("bearer {}", t.alice).into_bytes())],
            200,
            None,
            "alice",
        ),
        case(
            "extra spaces",
            "GET",
            "/me",
            vec![("authorization", format!("Bearer    {}", t.alice).into_bytes())],
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
                ("authorization", format!("Bearer {}", t.alice).into_bytes()),
                ("authorization", format!("Bearer {}", t.bob).into_bytes()),
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
            bearer(&t.expired),
            401,
            Some(invalid("expired")),
            "expired",
        ),
        case(
            "wrong audience",
            "GET",
            "/me",
            bearer(&t.wrong_audience),
            401,
            Some(invalid("invalid_audience")),
            "invalid_audience",
        ),
        case(
            "bad signature",
            "GET",
            "/me",
            bearer(&t.bad_signature),
            401,
            Some(invalid("invalid_signature")),
            "invalid_signature",
        ),
        case(
            "Authorized allows",
            "GET",
            "/orders",
            bearer(&t.alice),
            200,
            None,
            "orders for alice",
        ),
        case(
            "Authorized denies",
            "GET",
            "/orders",
            bearer(&t.no_email),
            403,
            Some(insufficient("orders:read")),
            "forbidden",
        ),
        case(
            "permission guard allows",
            "POST",
            "/orders",
            bearer(&t.bob),
            200,
            None,
            "created",
        ),
        case(
            "permission guard denies",
            "POST",
            "/orders",
            bearer(&t.alice),
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
        case("method not served", "PUT", "/orders", bearer(&t.alice), 405, None, ""),
        case(
            "role guard allows",
            "GET",
            "/admin",
            bearer(&t.carol),
            200,
            None,
            "admin",
        ),
        case(
            "role guard denies",
            "GET",
            "/admin",
            bearer(&t.bob),
            403,
            Some(insufficient("role:admin")),
            "forbidden",
        ),
        case(
            "scope guard allows",
            "GET",
            "/export",
            bearer(&t.carol),
            200,
            None,
            "export",
        ),
        case(
            "scope guard denies",
            "GET",
            "/export",
            bearer(&t.alice),
            403,
            Some(insufficient("orders.export")),
            "forbidden",
        ),
        case("any-of by scope", "GET", "/any", bearer(&t.alice), 200, None, "any"),
        case("any-of by role", "GET", "/any", bearer(&t.carol), 200, None, "any"),
        case(
            "any-of denies",
            "GET",
            "/any",
            bearer(&t.bob),
            403,
            // RFC 6750's scope list means "all of these": an any-of names none.
            Some(r#"Bearer realm="orders", error="insufficient_scope""#),
            "forbidden",
        ),
        case("all-of allows", "GET", "/all", bearer(&t.alice), 200, None, "all"),
        case(
            "all-of denies",
            "GET",
            "/all",
            bearer(&t.bob),
            403,
            Some(insufficient("orders:read orders.read")),
            "forbidden",
        ),
        case(
            "typed claims",
            "GET",
            "/email",
            bearer(&t.bob),
            200,
            None,
            "bob@example.com",
        ),
        case(
            "typed claims missing",
            "GET",
            "/email",
            bearer(&t.no_email),
            401,
            Some(invalid("invalid_claim")),
            "invalid_claim",
        ),
        case("handler busy", "GET", "/busy", bearer(&t.alice), 503, None, "busy"),
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
            bearer(&t.alice),
            200,
            None,
            "hello alice",
        ),
        case(
            "optional, bad token",
            "GET",
            "/public/hello",
            bearer(&t.expired),
            401,
            Some(invalid("expired")),
            "expired",
        ),
        case(
            "cookie source",
            "GET",
            "/cookie/me",
            vec![("cookie", format!("theme=dark; session={}", t.bob).into_bytes())],
            200,
            None,
            "bob",
        ),
        case(
            "cookie and header",
            "GET",
            "/cookie/me",
            vec![
                ("cookie", format!("session={}", t.bob).into_bytes()),
                ("authorization", format!("Bearer {}", t.bob).into_bytes()),
            ],
            400,
            Some(bad_request),
            "invalid_request",
        ),
        case(
            "cookie not read elsewhere",
            "GET",
            "/me",
            vec![("cookie", format!("session={}", t.bob).into_bytes())],
            401,
            Some(REALM),
            "missing_credentials",
        ),
    ]
}

/// A response, from either transport, reduced to what the contract fixes.
pub struct Seen {
    pub status: u16,
    pub challenge: Option<String>,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: String,
}

pub fn check(case: &Case, seen: &Seen, transport: &str) {
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

pub fn from_raw(raw: &RawResponse) -> Seen {
    Seen {
        status: raw.status,
        challenge: raw.header("www-authenticate").map(str::to_owned),
        content_type: raw.header("content-type").map(str::to_owned),
        retry_after: raw.header("retry-after").map(str::to_owned),
        body: raw.text(),
    }
}

pub async fn over_socket(addr: SocketAddr, case: &Case) -> Result<RawResponse, String> {
    let (method, path) = (case.method, case.path);
    let headers: Vec<(&'static str, Vec<u8>)> = case.headers.clone();
    tokio::task::spawn_blocking(move || {
        let borrowed: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_slice())).collect();
        send(addr, method, path, &borrowed, b"")
    })
    .await
    .expect("client thread")
}
