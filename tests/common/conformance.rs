//! One table of requests to the orders service and what DESIGN.md's HTTP error
//! contract makes of them: status, `WWW-Authenticate`, problem `code` (or a piece
//! of the success body) and the audit events the request leaves.
//! `tests/http_conformance.rs` runs it against the axum demo and the actix-web demo,
//! each in-process and over a socket on 127.0.0.1.

use std::net::SocketAddr;
use std::time::Duration;

use portcullis::token::{Algorithm, Issuer, Jwk, SigningKey};

use super::audit_events::AuditEvent;
use super::http::{RawResponse, send};

/// A token for every case, signed with the service's key unless named otherwise.
pub struct Tokens {
    /// admin; scopes `orders.export payments`; email.
    pub alice: String,
    /// viewer; scope `reports.read`; email.
    pub bob: String,
    /// clerk; no scope, no email.
    pub carl: String,
    /// admin without the `payments` scope.
    pub ada: String,
    /// no role, no email.
    pub dave: String,
    pub expired: String,
    pub wrong_audience: String,
    pub bad_signature: String,
    /// alice's, bound to a client certificate (RFC 8705) no request here presents.
    pub bound: String,
}

impl Tokens {
    /// Every token, for checking that none reaches a log.
    pub fn all(&self) -> [&str; 9] {
        [
            &self.bound,
            &self.alice,
            &self.bob,
            &self.carl,
            &self.ada,
            &self.dave,
            &self.expired,
            &self.wrong_audience,
            &self.bad_signature,
        ]
    }
}

/// Mints the table's tokens with `key`, for a service that expects `issuer` and
/// `audience`.
pub fn tokens(key: &Jwk, issuer: &str, audience: &str) -> Tokens {
    let other = SigningKey::generate_jwk(Algorithm::ES256).expect("key");
    let service = minter(key, issuer, audience, 0);
    let token = |sub: &str, claims: serde_json::Value| service.issue(sub, &claims).expect("token");
    Tokens {
        alice: token(
            "alice",
            serde_json::json!({"roles": ["admin"], "scope": "orders.export payments", "email": "alice@demo.example"}),
        ),
        bob: token(
            "bob",
            serde_json::json!({"roles": ["viewer"], "scope": "reports.read", "email": "bob@demo.example"}),
        ),
        carl: token("carl", serde_json::json!({"roles": ["clerk"]})),
        ada: token("ada", serde_json::json!({"roles": ["admin"]})),
        dave: token("dave", serde_json::json!({"roles": []})),
        expired: minter(key, issuer, audience, -7200).issue("alice", &()).expect("token"),
        wrong_audience: minter(key, issuer, "billing", 0).issue("alice", &()).expect("token"),
        bad_signature: minter(&other, issuer, audience, 0).issue("alice", &()).expect("token"),
        bound: service
            .issue_bound("alice", &serde_json::json!({"roles": ["admin"]}), &[7; 32])
            .expect("token"),
    }
}

fn minter(key: &Jwk, issuer: &str, audience: &str, clock_offset: i64) -> Issuer {
    Issuer::builder(SigningKey::from_jwk(key).expect("key"))
        .issuer(issuer)
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

/// The unknown user whose account [`Limits::reach`] blocks.
pub const BLOCKED_USER: &str = "blocked-user";
/// The forwarded client whose catalog quota [`Limits::reach`] uses up.
pub const LIMITED_CLIENT: &str = "198.51.100.200";

/// The demo's limits, reached before the table: an account blocked by 100 failed
/// logins from 100 forwarded clients (the demos trust 127.0.0.1 as a proxy), and a
/// client that used up its catalog quota (20 at once, one every 10 s after).
pub struct Limits;

impl Limits {
    pub async fn reach(addr: SocketAddr) {
        for n in 1..=100 {
            let client = format!("198.51.100.{n}");
            let response = blocking(move || {
                let headers: Vec<(&str, &[u8])> = vec![
                    ("content-type", b"application/json"),
                    ("x-forwarded-for", client.as_bytes()),
                ];
                let body = format!(r#"{{"username":"{BLOCKED_USER}","password":"guess"}}"#);
                send(addr, "POST", "/login", &headers, body.as_bytes())
            })
            .await;
            assert_eq!(response.status, 401, "{}", response.text());
        }
        let mut statuses = Vec::new();
        for _ in 0..21 {
            let response = blocking(move || {
                let headers: Vec<(&str, &[u8])> = vec![("x-forwarded-for", LIMITED_CLIENT.as_bytes())];
                send(addr, "GET", "/catalog", &headers, b"")
            })
            .await;
            statuses.push(response.status);
        }
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 20, "{statuses:?}");
        assert_eq!(statuses.last(), Some(&429));
    }
}

fn forwarded_for(value: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![("x-forwarded-for", value.as_bytes().to_vec())]
}

/// API keys made in one demo through `POST /api-keys` (each demo keeps its own
/// store), for the table's key rows.
pub struct Keys {
    /// alice's key, roles `admin`, scope `orders.export`.
    pub admin: String,
    /// alice's key, role `viewer`, no scope.
    pub viewer: String,
    /// Made with a lifetime of one second, which has passed.
    pub expired: String,
    /// Revoked with `DELETE /api-keys/{id}`.
    pub revoked: String,
    /// `admin` with one character changed.
    pub typo: String,
    /// Well formed, with the demo's prefix, never issued.
    pub unknown: String,
}

impl Keys {
    /// Makes the keys in the demo at `addr`, as the admin whose token is `admin`.
    /// The expired key needs a second to pass before use: see [`Keys::settle`].
    pub async fn make(addr: SocketAddr, admin: &str) -> Keys {
        let create = |body: &'static str| {
            let admin = admin.to_owned();
            async move {
                let response = blocking(move || {
                    let authorization = format!("Bearer {admin}");
                    let headers: Vec<(&str, &[u8])> = vec![
                        ("authorization", authorization.as_bytes()),
                        ("content-type", b"application/json"),
                    ];
                    send(addr, "POST", "/api-keys", &headers, body.as_bytes())
                })
                .await;
                assert_eq!(response.status, 201, "{}", response.text());
                let view: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
                let field = |name: &str| view[name].as_str().expect(name).to_owned();
                (field("key"), field("id"))
            }
        };
        let (admin_key, _) = create(r#"{"roles":["admin"],"scopes":["orders.export"]}"#).await;
        let (viewer, _) = create(r#"{"roles":["viewer"]}"#).await;
        let (expired, _) = create(r#"{"roles":["admin"],"ttl_seconds":1}"#).await;
        let (revoked, id) = create(r#"{"roles":["admin"]}"#).await;
        let token = admin.to_owned();
        let response = blocking(move || {
            let authorization = format!("Bearer {token}");
            let headers: Vec<(&str, &[u8])> = vec![("authorization", authorization.as_bytes())];
            send(addr, "DELETE", &format!("/api-keys/{id}"), &headers, b"")
        })
        .await;
        assert_eq!(response.status, 204, "{}", response.text());
        let mut typo = admin_key.clone().into_bytes();
        typo[12] = if typo[12] == b'a' { b'b' } else { b'a' };
        Keys {
            typo: String::from_utf8(typo).expect("ASCII"),
            unknown: portcullis::secrets::apikey::generate("orders")
                .expect("key")
                .to_string(),
            admin: admin_key,
            viewer,
            expired,
            revoked,
        }
    }

    /// Waits out the expired key's one-second lifetime.
    pub async fn settle() {
        tokio::time::sleep(Duration::from_millis(2100)).await;
    }

    /// Every key, for checking that none reaches a log.
    pub fn all(&self) -> [&str; 6] {
        [
            &self.admin,
            &self.viewer,
            &self.expired,
            &self.revoked,
            &self.typo,
            &self.unknown,
        ]
    }
}

async fn blocking(request: impl FnOnce() -> Result<RawResponse, String> + Send + 'static) -> RawResponse {
    tokio::task::spawn_blocking(request)
        .await
        .expect("client thread")
        .expect("response")
}

fn api_key(key: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![("x-api-key", key.as_bytes().to_vec())]
}

/// One request and what must come back.
pub struct Case {
    pub name: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub headers: Vec<(&'static str, Vec<u8>)>,
    pub body: &'static str,
    pub status: u16,
    pub challenge: Option<&'static str>,
    /// The problem+json `code` of a refusal, or a piece of a success's body.
    pub expect: &'static str,
    /// The request's audit events, each `outcome/stage[/code]`, in order.
    pub audit: &'static [&'static str],
    /// Send it while the password pool is at capacity.
    pub pool_busy: bool,
    /// The client the audit log names: its address (and `:` then the port it is
    /// given: the connection's, or 0 for a forwarded client).
    pub client: &'static str,
}

pub fn bearer(token: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![("authorization", format!("Bearer {token}").into_bytes())]
}

fn json_bearer(token: &str) -> Vec<(&'static str, Vec<u8>)> {
    let mut headers = bearer(token);
    headers.push(("content-type", b"application/json".to_vec()));
    headers
}

pub const REALM: &str = r#"Bearer realm="orders""#;

// The audit events of each kind of request.
const IN: &[&str] = &["allowed/authentication"];
const ANONYMOUS: &[&str] = &["anonymous/authentication"];
const GRANTED: &[&str] = &["allowed/authentication", "allowed/authorization"];
const FORBIDDEN: &[&str] = &["allowed/authentication", "denied/authorization/forbidden"];
const NO_CREDENTIALS: &[&str] = &["denied/authentication/missing_credentials"];
const BAD_REQUEST: &[&str] = &["denied/authentication/invalid_request"];
const NONE: &[&str] = &[];

pub fn cases(t: &Tokens, k: &Keys) -> Vec<Case> {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let invalid = |code: &str| leak(format!(r#"{REALM}, error="invalid_token", error_description="{code}""#));
    let insufficient = |scope: &str| leak(format!(r#"{REALM}, error="insufficient_scope", scope="{scope}""#));
    // A missing permission or role is the service's own name: the challenge names nothing.
    let insufficient_unnamed = || leak(format!(r#"{REALM}, error="insufficient_scope""#));
    let token_refused = |code: &str| -> &'static [&'static str] {
        Box::leak(vec![leak(format!("denied/authentication/{code}"))].into_boxed_slice())
    };
    let bad_request = leak(format!(r#"{REALM}, error="invalid_request""#));
    let order = r#"{"item":"tea","quantity":2,"note":"<b>urgent</b><img src=x onerror=alert(1)>"}"#;
    let row = |name, method, path, headers, status, challenge, expect, audit| Case {
        name,
        method,
        path,
        headers,
        body: "",
        status,
        challenge,
        expect,
        audit,
        pool_busy: false,
        client: "127.0.0.1:",
    };
    let login = |name, body, status, challenge, expect, audit, pool_busy| Case {
        name,
        method: "POST",
        path: "/login",
        headers: vec![("content-type", b"application/json".to_vec())],
        body,
        status,
        challenge,
        expect,
        audit,
        pool_busy,
        client: "127.0.0.1:",
    };
    let huge = format!("Bearer {}", "a".repeat(9000)).into_bytes();
    vec![
        // Certificates: over plain HTTP (and in-process) no client certificate is
        // ever presented. (Rows with certificates, over TLS: tests/demo_tls.rs.)
        row(
            "certificate-bound token without its certificate",
            "GET",
            "/me",
            bearer(&t.bound),
            401,
            Some(invalid("certificate_mismatch")),
            "certificate_mismatch",
            token_refused("certificate_mismatch"),
        ),
        row(
            "internal route, a token bound to no certificate",
            "GET",
            "/internal/whoami",
            bearer(&t.alice),
            401,
            Some(invalid("token_not_bound")),
            "token_not_bound",
            token_refused("token_not_bound"),
        ),
        row(
            "internal route, a bound token without its certificate",
            "GET",
            "/internal/whoami",
            bearer(&t.bound),
            401,
            Some(invalid("certificate_mismatch")),
            "certificate_mismatch",
            token_refused("certificate_mismatch"),
        ),
        row(
            "internal route, no credentials",
            "GET",
            "/internal/whoami",
            vec![],
            401,
            Some(REALM),
            "missing_credentials",
            NO_CREDENTIALS,
        ),
        // Authentication: reading the credentials.
        row(
            "valid token",
            "GET",
            "/me",
            bearer(&t.alice),
            200,
            None,
            r#""subject":"alice""#,
            IN,
        ),
        row(
            "no credentials",
            "GET",
            "/me",
            vec![],
            401,
            Some(REALM),
            "missing_credentials",
            NO_CREDENTIALS,
        ),
        row(
            "other scheme",
            "GET",
            "/me",
            vec![("authorization", b"Basic YTpi".to_vec())],
            401,
            Some(REALM),
            "missing_credentials",
            NO_CREDENTIALS,
        ),
        row(
            "lowercase scheme",
            "GET",
            "/me",
            vec![("authorization", format!("bearer {}", t.alice).into_bytes())],
            200,
            None,
            r#""subject":"alice""#,
            IN,
        ),
        row(
            "extra spaces",
            "GET",
            "/me",
            vec![("authorization", format!("Bearer    {}", t.alice).into_bytes())],
            200,
            None,
            r#""subject":"alice""#,
            IN,
        ),
        row(
            "scheme without token",
            "GET",
            "/me",
            vec![("authorization", b"Bearer".to_vec())],
            400,
            Some(bad_request),
            "invalid_request",
            BAD_REQUEST,
        ),
        row(
            "token with a space",
            "GET",
            "/me",
            vec![("authorization", b"Bearer a b".to_vec())],
            400,
            Some(bad_request),
            "invalid_request",
            BAD_REQUEST,
        ),
        row(
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
            BAD_REQUEST,
        ),
        row(
            "non-UTF-8 header",
            "GET",
            "/me",
            vec![("authorization", b"Bearer \xff\xfe".to_vec())],
            400,
            Some(bad_request),
            "invalid_request",
            BAD_REQUEST,
        ),
        // Authentication: the token itself.
        row(
            "8 KiB+ token",
            "GET",
            "/me",
            vec![("authorization", huge)],
            401,
            Some(invalid("too_large")),
            "too_large",
            token_refused("too_large"),
        ),
        row(
            "malformed token",
            "GET",
            "/me",
            bearer("not.a.jwt"),
            401,
            Some(invalid("malformed")),
            "malformed",
            token_refused("malformed"),
        ),
        row(
            "expired token",
            "GET",
            "/me",
            bearer(&t.expired),
            401,
            Some(invalid("expired")),
            "expired",
            token_refused("expired"),
        ),
        row(
            "wrong audience",
            "GET",
            "/me",
            bearer(&t.wrong_audience),
            401,
            Some(invalid("invalid_audience")),
            "invalid_audience",
            token_refused("invalid_audience"),
        ),
        row(
            "bad signature",
            "GET",
            "/me",
            bearer(&t.bad_signature),
            401,
            Some(invalid("invalid_signature")),
            "invalid_signature",
            token_refused("invalid_signature"),
        ),
        // Extractors.
        row(
            "Authorized allows",
            "GET",
            "/orders",
            bearer(&t.bob),
            200,
            None,
            "[",
            GRANTED,
        ),
        row(
            "Authorized denies",
            "GET",
            "/orders",
            bearer(&t.dave),
            403,
            Some(insufficient_unnamed()),
            "forbidden",
            FORBIDDEN,
        ),
        row(
            "typed claims",
            "GET",
            "/me/contact",
            bearer(&t.bob),
            200,
            None,
            r#"{"email":"bob@demo.example"}"#,
            IN,
        ),
        row(
            "typed claims missing",
            "GET",
            "/me/contact",
            bearer(&t.carl),
            401,
            Some(invalid("invalid_claim")),
            "invalid_claim",
            &["allowed/authentication", "denied/authentication/invalid_claim"],
        ),
        // Guards.
        Case {
            body: order,
            ..row(
                "permission guard allows",
                "POST",
                "/orders",
                json_bearer(&t.carl),
                201,
                None,
                r#""note":"<b>urgent</b>""#,
                GRANTED,
            )
        },
        Case {
            body: order,
            ..row(
                "permission guard denies",
                "POST",
                "/orders",
                json_bearer(&t.bob),
                403,
                Some(insufficient_unnamed()),
                "forbidden",
                FORBIDDEN,
            )
        },
        Case {
            body: order,
            ..row(
                "permission guard, no token",
                "POST",
                "/orders",
                vec![("content-type", b"application/json".to_vec())],
                401,
                Some(REALM),
                "missing_credentials",
                NO_CREDENTIALS,
            )
        },
        row(
            "method not served",
            "PUT",
            "/orders",
            bearer(&t.alice),
            405,
            None,
            "method_not_allowed",
            IN,
        ),
        row(
            "role guard allows",
            "GET",
            "/admin/audit",
            bearer(&t.alice),
            200,
            None,
            "[",
            GRANTED,
        ),
        row(
            "role guard denies",
            "GET",
            "/admin/audit",
            bearer(&t.bob),
            403,
            Some(insufficient_unnamed()),
            "forbidden",
            FORBIDDEN,
        ),
        row(
            "scope guard allows",
            "GET",
            "/orders/export",
            bearer(&t.alice),
            200,
            None,
            "id,owner,item,quantity\n",
            GRANTED,
        ),
        row(
            "scope guard denies",
            "GET",
            "/orders/export",
            bearer(&t.ada),
            403,
            Some(insufficient("orders.export")),
            "forbidden",
            FORBIDDEN,
        ),
        row(
            "any-of by scope",
            "GET",
            "/reports/daily",
            bearer(&t.bob),
            200,
            None,
            r#""orders":"#,
            GRANTED,
        ),
        row(
            "any-of by role",
            "GET",
            "/reports/daily",
            bearer(&t.ada),
            200,
            None,
            r#""orders":"#,
            GRANTED,
        ),
        row(
            "any-of denies",
            "GET",
            "/reports/daily",
            bearer(&t.carl),
            403,
            // RFC 6750's scope list means "all of these": an any-of names none.
            Some(leak(format!(r#"{REALM}, error="insufficient_scope""#))),
            "forbidden",
            FORBIDDEN,
        ),
        row(
            "all-of allows",
            "GET",
            "/payments",
            bearer(&t.alice),
            200,
            None,
            r#"{"payments":[]}"#,
            GRANTED,
        ),
        row(
            "all-of, permission without scope",
            "GET",
            "/payments",
            bearer(&t.ada),
            403,
            // Only the missing OAuth scope: never a permission or role name.
            Some(insufficient("payments")),
            "forbidden",
            FORBIDDEN,
        ),
        row(
            "all-of, neither",
            "GET",
            "/payments",
            bearer(&t.bob),
            403,
            Some(insufficient("payments")),
            "forbidden",
            FORBIDDEN,
        ),
        // Optional authentication.
        row(
            "optional, anonymous",
            "GET",
            "/catalog",
            vec![],
            200,
            None,
            r#""greeting":"hello guest""#,
            ANONYMOUS,
        ),
        row(
            "optional, authenticated",
            "GET",
            "/catalog",
            bearer(&t.bob),
            200,
            None,
            r#""greeting":"hello bob""#,
            IN,
        ),
        row(
            "optional, bad token",
            "GET",
            "/catalog",
            bearer(&t.expired),
            401,
            Some(invalid("expired")),
            "expired",
            token_refused("expired"),
        ),
        // Throttles, rate limits and the client behind a trusted proxy (127.0.0.1).
        login(
            "login of a blocked account",
            leak(format!(r#"{{"username":"{BLOCKED_USER}","password":"guess"}}"#)),
            429,
            None,
            "too_many_requests",
            &["login_blocked", "denied/authentication/too_many_requests"],
            false,
        ),
        Case {
            client: "198.51.100.200:0",
            ..row(
                "a client over the catalog's rate limit",
                "GET",
                "/catalog",
                forwarded_for(LIMITED_CLIENT),
                429,
                None,
                "too_many_requests",
                &["anonymous/authentication", "denied/rate_limit/too_many_requests"],
            )
        },
        Case {
            client: "203.0.113.7:0",
            ..row(
                "a trusted proxy's forwarded client",
                "GET",
                "/me",
                [bearer(&t.alice), forwarded_for("1.1.1.1, 203.0.113.7")].concat(),
                200,
                None,
                r#""subject":"alice""#,
                IN,
            )
        },
        Case {
            client: "203.0.113.8:0",
            ..row(
                "a spoofed leftmost X-Forwarded-For",
                "GET",
                "/catalog",
                vec![
                    ("x-forwarded-for", b"198.51.100.200".to_vec()),
                    ("x-forwarded-for", b"203.0.113.8".to_vec()),
                ],
                200,
                None,
                r#""greeting":"hello guest""#,
                ANONYMOUS,
            )
        },
        row(
            "malformed forwarding from a trusted proxy",
            "GET",
            "/me",
            [bearer(&t.alice), forwarded_for("203.0.113.9, not-an-address")].concat(),
            200,
            None,
            r#""subject":"alice""#,
            &["malformed_forwarding", "allowed/authentication"],
        ),
        // API keys, in X-API-Key or as the bearer token.
        row(
            "api key in X-API-Key",
            "GET",
            "/me",
            api_key(&k.admin),
            200,
            None,
            r#""subject":"alice""#,
            IN,
        ),
        row(
            "api key as the bearer token",
            "GET",
            "/me",
            bearer(&k.admin),
            200,
            None,
            r#""subject":"alice""#,
            IN,
        ),
        row(
            "api key with a typo",
            "GET",
            "/me",
            api_key(&k.typo),
            401,
            Some(invalid("invalid_api_key")),
            "invalid_api_key",
            token_refused("invalid_api_key"),
        ),
        row(
            "api key with a typo, as the bearer token",
            "GET",
            "/me",
            bearer(&k.typo),
            401,
            Some(invalid("invalid_api_key")),
            "invalid_api_key",
            token_refused("invalid_api_key"),
        ),
        row(
            "api key never issued",
            "GET",
            "/me",
            api_key(&k.unknown),
            401,
            Some(invalid("invalid_api_key")),
            "invalid_api_key",
            token_refused("invalid_api_key"),
        ),
        row(
            "api key expired",
            "GET",
            "/me",
            api_key(&k.expired),
            401,
            Some(invalid("api_key_expired")),
            "api_key_expired",
            token_refused("api_key_expired"),
        ),
        row(
            "api key revoked",
            "GET",
            "/me",
            api_key(&k.revoked),
            401,
            Some(invalid("api_key_revoked")),
            "api_key_revoked",
            token_refused("api_key_revoked"),
        ),
        row(
            "api key with the permission",
            "GET",
            "/orders",
            api_key(&k.viewer),
            200,
            None,
            "[",
            GRANTED,
        ),
        row(
            "api key without the scope",
            "GET",
            "/orders/export",
            api_key(&k.viewer),
            403,
            Some(insufficient("orders.export")),
            "forbidden",
            FORBIDDEN,
        ),
        row(
            "api key with the scope",
            "GET",
            "/orders/export",
            api_key(&k.admin),
            200,
            None,
            "",
            GRANTED,
        ),
        row(
            "api key without the role",
            "GET",
            "/api-keys",
            api_key(&k.viewer),
            403,
            Some(insufficient_unnamed()),
            "forbidden",
            FORBIDDEN,
        ),
        row(
            "api key and a bearer token",
            "GET",
            "/me",
            [bearer(&t.alice), api_key(&k.admin)].concat(),
            400,
            Some(bad_request),
            "invalid_request",
            BAD_REQUEST,
        ),
        row(
            "empty X-API-Key",
            "GET",
            "/me",
            api_key(""),
            400,
            Some(bad_request),
            "invalid_request",
            BAD_REQUEST,
        ),
        row(
            "api key on the optional route",
            "GET",
            "/catalog",
            api_key(&k.viewer),
            200,
            None,
            r#""greeting":"hello alice""#,
            IN,
        ),
        row(
            "listing keys shows no key",
            "GET",
            "/api-keys",
            bearer(&t.alice),
            200,
            None,
            r#""status":"revoked""#,
            GRANTED,
        ),
        // The cookie source.
        row(
            "cookie source",
            "GET",
            "/web/me",
            vec![("cookie", format!("theme=dark; session={}", t.bob).into_bytes())],
            200,
            None,
            r#""subject":"bob""#,
            IN,
        ),
        row(
            "cookie and header",
            "GET",
            "/web/me",
            vec![
                ("cookie", format!("session={}", t.bob).into_bytes()),
                ("authorization", format!("Bearer {}", t.bob).into_bytes()),
            ],
            400,
            Some(bad_request),
            "invalid_request",
            BAD_REQUEST,
        ),
        row(
            "cookie not read elsewhere",
            "GET",
            "/me",
            vec![("cookie", format!("session={}", t.bob).into_bytes())],
            401,
            Some(REALM),
            "missing_credentials",
            NO_CREDENTIALS,
        ),
        // Logins: password work on the bounded pool.
        login(
            "login",
            r#"{"username":"bob","password":"plum verdict gallop"}"#,
            200,
            None,
            r#""token_type":"Bearer""#,
            IN,
            false,
        ),
        login(
            "login, wrong password",
            r#"{"username":"bob","password":"plum verdict gallop!"}"#,
            401,
            Some(REALM),
            "invalid_credentials",
            &["denied/authentication/invalid_credentials"],
            false,
        ),
        // A password longer than any the service would hash (4,097 bytes) is a wrong
        // password, for a user as for no user: the same 401, after the same argon2
        // work, never a 500 that tells the account exists.
        login(
            "login, over-long password",
            leak(format!(r#"{{"username":"alice","password":"{}"}}"#, "a".repeat(4097))),
            401,
            Some(REALM),
            "invalid_credentials",
            &["denied/authentication/invalid_credentials"],
            false,
        ),
        login(
            "login, unknown user, over-long password",
            leak(format!(r#"{{"username":"mallory","password":"{}"}}"#, "a".repeat(4097))),
            401,
            Some(REALM),
            "invalid_credentials",
            &["denied/authentication/invalid_credentials"],
            false,
        ),
        login(
            "login, pool at capacity",
            r#"{"username":"bob","password":"plum verdict gallop"}"#,
            503,
            None,
            "busy",
            &["denied/authentication/busy"],
            true,
        ),
        // A handler's own refusals (`Err(AuthError)`), rendered by the middleware.
        Case {
            // The same password again: the row runs four times.
            body: r#"{"current":"correct horse battery staple","new":"correct horse battery staple"}"#,
            ..row(
                "handler allows",
                "POST",
                "/me/password",
                json_bearer(&t.alice),
                204,
                None,
                "",
                IN,
            )
        },
        Case {
            body: r#"{"current":"wrong horse battery staple","new":"a quite new passphrase"}"#,
            ..row(
                "handler refuses",
                "POST",
                "/me/password",
                json_bearer(&t.alice),
                401,
                Some(REALM),
                "invalid_credentials",
                &["allowed/authentication", "denied/handler/invalid_credentials"],
            )
        },
        Case {
            body: leak(format!(
                r#"{{"current":"{}","new":"a quite new passphrase"}}"#,
                "a".repeat(4097)
            )),
            ..row(
                "handler refuses an over-long password",
                "POST",
                "/me/password",
                json_bearer(&t.alice),
                401,
                Some(REALM),
                "invalid_credentials",
                &["allowed/authentication", "denied/handler/invalid_credentials"],
            )
        },
        Case {
            body: r#"{"current":"correct horse battery staple","new":"a quite new passphrase"}"#,
            pool_busy: true,
            ..row(
                "handler, pool at capacity",
                "POST",
                "/me/password",
                json_bearer(&t.alice),
                503,
                None,
                "busy",
                &["allowed/authentication", "denied/handler/busy"],
            )
        },
        Case {
            body: r#"{"current":"x","new":"a quite new passphrase"}"#,
            ..row(
                "handler, not a user",
                "POST",
                "/me/password",
                json_bearer(&t.dave),
                403,
                Some(leak(format!(r#"{REALM}, error="insufficient_scope""#))),
                "forbidden",
                &["allowed/authentication", "denied/handler/forbidden"],
            )
        },
        // Not portcullis's to decide, but problem+json all the same.
        row(
            "unknown route",
            "GET",
            "/nowhere",
            bearer(&t.alice),
            404,
            None,
            "not_found",
            NONE,
        ),
        // Found in review: axum routes the path as sent, actix-web decoded.
        row(
            "percent-encoded route",
            "GET",
            "/%6frders",
            bearer(&t.alice),
            404,
            None,
            "not_found",
            NONE,
        ),
        // Found in review: the demos' own body errors were text/plain, and each
        // framework gave its own status.
        login(
            "login, body not JSON",
            r#"{"username":"alice","#,
            400,
            None,
            "malformed_body",
            NONE,
            false,
        ),
        login(
            "login, JSON of another shape",
            r#"{"user":"alice"}"#,
            422,
            None,
            "invalid_body",
            NONE,
            false,
        ),
        Case {
            headers: vec![("content-type", b"text/plain".to_vec())],
            ..login(
                "login, not JSON by content type",
                r#"{"username":"alice","password":"x"}"#,
                415,
                None,
                "unsupported_media_type",
                NONE,
                false,
            )
        },
        Case {
            body: leak(format!(
                r#"{{"item":"tea","quantity":1,"note":"{}"}}"#,
                "x".repeat(70_000)
            )),
            ..row(
                "order body over the limit",
                "POST",
                "/orders",
                json_bearer(&t.alice),
                413,
                None,
                "too_large",
                GRANTED,
            )
        },
        Case {
            body: leak(format!(
                r#"{{"item":"tea","quantity":1,"note":"{}"}}"#,
                "<b>".repeat(5000)
            )),
            ..row(
                "order note with too many tags",
                "POST",
                "/orders",
                json_bearer(&t.alice),
                422,
                None,
                "too_many_tags",
                GRANTED,
            )
        },
    ]
}

/// A response, from any transport, reduced to what the contract fixes.
pub struct Seen {
    pub status: u16,
    pub challenge: Option<String>,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: String,
}

impl Seen {
    /// The status and the headers the contract fixes, read with `header`
    /// (lowercase names; values that are not text read as absent).
    pub fn head<'h>(status: u16, header: impl Fn(&'static str) -> Option<&'h [u8]>) -> Seen {
        let text = |name| {
            header(name)
                .and_then(|v| std::str::from_utf8(v).ok())
                .map(str::to_owned)
        };
        Seen {
            status,
            challenge: text("www-authenticate"),
            content_type: text("content-type"),
            retry_after: text("retry-after"),
            body: String::new(),
        }
    }

    pub fn with_body(self, body: &[u8]) -> Seen {
        Seen {
            body: String::from_utf8_lossy(body).into_owned(),
            ..self
        }
    }
}

pub fn check(case: &Case, seen: &Seen, at: &str) {
    let at = format!("{at}: {}", case.name);
    assert_eq!(seen.status, case.status, "{at}: status; body {}", seen.body);
    assert_eq!(seen.challenge.as_deref(), case.challenge, "{at}: WWW-Authenticate");
    if (200..300).contains(&case.status) {
        assert!(seen.body.contains(case.expect), "{at}: body {}", seen.body);
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
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    assert_eq!(
        body,
        serde_json::json!({"type": "about:blank", "title": title, "status": case.status, "code": case.expect}),
        "{at}: problem body"
    );
    match case.status {
        503 => assert_eq!(seen.retry_after.as_deref(), Some("1"), "{at}: Retry-After"),
        429 => assert!(
            seen.retry_after
                .as_deref()
                .and_then(|s| s.parse::<u32>().ok())
                .is_some_and(|seconds| seconds >= 1),
            "{at}: Retry-After {:?}",
            seen.retry_after
        ),
        _ => assert_eq!(seen.retry_after, None, "{at}: Retry-After"),
    }
}

/// The request's audit events against the row: their outcomes, stages and codes.
pub fn check_audit(case: &Case, events: &[AuditEvent], at: &str) {
    let summary: Vec<String> = events
        .iter()
        .map(|event| {
            let field = |name| event.get(name).map(String::as_str).unwrap_or("");
            if let Some(other) = event.get("event").filter(|name| *name != "auth_decision") {
                return other.clone();
            }
            match event.get("code") {
                Some(code) => format!("{}/{}/{code}", field("outcome"), field("stage")),
                None => format!("{}/{}", field("outcome"), field("stage")),
            }
        })
        .collect();
    assert_eq!(summary, case.audit, "{at}: {}: audit events {events:?}", case.name);
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
    let (method, path, body) = (case.method, case.path, case.body);
    let headers: Vec<(&'static str, Vec<u8>)> = case.headers.clone();
    tokio::task::spawn_blocking(move || {
        let borrowed: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (*n, v.as_slice())).collect();
        send(addr, method, path, &borrowed, body.as_bytes())
    })
    .await
    .expect("client thread")
}
