//! The demo service's flow over a real socket on 127.0.0.1, on both demos (axum
//! and actix-web): log in as each user, call each endpoint, get the expected allow
//! or deny; failed logins look alike; a password change takes effect.
#![cfg(all(
    feature = "axum",
    feature = "actix",
    feature = "html",
    feature = "redis",
    feature = "tls",
    feature = "metrics"
))]
// Each demo is an example of its own and declares the service module they share;
// including both here compiles it twice, as two modules, which is what is meant.
#![allow(clippy::duplicate_mod)]

mod common {
    pub mod capture;
    pub mod http;
    pub mod http_call;
    pub mod http_log_in;
    pub mod http_serve;
    pub mod http_serve_actix;
}

#[allow(dead_code)]
#[path = "../examples/demo.rs"]
mod demo;

#[allow(dead_code)]
#[path = "../examples/demo_actix.rs"]
mod demo_actix;

use std::net::SocketAddr;

use common::http_call::call as request;
use common::http_log_in::log_in;
use common::http_serve::serve;
use common::http_serve_actix::serve_actix;

async fn axum_demo() -> SocketAddr {
    let options = demo::orders::Options::generate().expect("options");
    serve(
        demo::app(options, demo::orders::AuditLog::default())
            .await
            .expect("demo app"),
    )
    .await
}

async fn actix_demo() -> SocketAddr {
    let options = demo_actix::orders::Options::generate().expect("options");
    let demo = demo_actix::Demo::new(options, demo_actix::orders::AuditLog::default())
        .await
        .expect("demo app");
    serve_actix(move |config| demo.configure(config))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_gets_exactly_what_the_policy_allows_on_axum() {
    each_user_gets_exactly_what_the_policy_allows(axum_demo().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_gets_exactly_what_the_policy_allows_on_actix() {
    each_user_gets_exactly_what_the_policy_allows(actix_demo().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_uniform_on_axum() {
    failed_logins_are_uniform(axum_demo().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_uniform_on_actix() {
    failed_logins_are_uniform(actix_demo().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_takes_effect_on_axum() {
    a_password_change_takes_effect(axum_demo().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_takes_effect_on_actix() {
    a_password_change_takes_effect(actix_demo().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_stay_readable_through_keyring_rotations_on_axum() {
    notes_stay_readable_through_keyring_rotations(axum_demo().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_stay_readable_through_keyring_rotations_on_actix() {
    notes_stay_readable_through_keyring_rotations(actix_demo().await).await;
}

/// Notes are sealed at rest; an admin rotates the keyring and every note is
/// rewrapped under the new key, readable before, between and after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_made_used_listed_and_revoked_on_axum() {
    api_keys_are_made_used_listed_and_revoked(axum_demo().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_made_used_listed_and_revoked_on_actix() {
    api_keys_are_made_used_listed_and_revoked(actix_demo().await).await;
}

async fn api_keys_are_made_used_listed_and_revoked(addr: SocketAddr) {
    let (alice_name, alice_password, ..) = demo::orders::USERS[0];
    let (bob_name, bob_password, ..) = demo::orders::USERS[1];
    let alice = token(addr, alice_name, alice_password).await;
    let bob = token(addr, bob_name, bob_password).await;

    let body = r#"{"roles":["viewer"],"scopes":["reports.read"],"ttl_seconds":3600}"#;
    let created = request(addr, "POST", "/api-keys", Some(&alice), body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let view: serde_json::Value = serde_json::from_slice(&created.body).expect("JSON");
    let key = view["key"].as_str().expect("the key, once").to_owned();
    let id = view["id"].as_str().expect("id").to_owned();
    assert_eq!(
        portcullis::secrets::apikey::check(&key).expect("well formed").prefix(),
        "orders"
    );
    assert_eq!(
        (&view["owner"], &view["roles"], &view["scopes"]),
        (
            &"alice".into(),
            &serde_json::json!(["viewer"]),
            &serde_json::json!(["reports.read"])
        )
    );
    assert!(view["expires_at"].as_i64().expect("expiry") > view["created_at"].as_i64().expect("creation"));

    // The key works where its roles and scopes do, and nowhere else.
    for (method, path, status) in [
        ("GET", "/orders", 200),
        ("GET", "/reports/daily", 200),
        ("GET", "/me", 200),
        ("POST", "/orders", 403),
        ("GET", "/admin/audit", 403),
        ("GET", "/api-keys", 403),
    ] {
        let response = request(
            addr,
            method,
            path,
            Some(&key),
            r#"{"item":"tea","quantity":1,"note":""}"#,
        )
        .await;
        assert_eq!(response.status, status, "{method} {path}: {}", response.text());
    }

    // Listing shows the record, never the key.
    let listed = request(addr, "GET", "/api-keys", Some(&alice), "").await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let text = listed.text();
    assert!(
        text.contains(&id) && !text.contains(&key[7..]) && !text.contains(r#""key""#),
        "{text}"
    );
    let records: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(records[0]["status"], "active");
    assert!(records[0]["last_used"].is_i64(), "the key's use is recorded");

    // Only admins make keys, of roles the policy has, from bodies of the right shape.
    assert_eq!(request(addr, "POST", "/api-keys", Some(&bob), "{}").await.status, 403);
    assert_eq!(request(addr, "POST", "/api-keys", Some(&key), "{}").await.status, 403);
    for body in [
        r#"{"roles":["superuser"]}"#,
        r#"{"owner":"mallory"}"#,
        r#"{"ttl_seconds":0}"#,
    ] {
        let refused = request(addr, "POST", "/api-keys", Some(&alice), body).await;
        assert_eq!(refused.status, 422, "{body}: {}", refused.text());
    }

    // Revoked: refused from the next request on.
    let path: &'static str = Box::leak(format!("/api-keys/{id}").into_boxed_str());
    assert_eq!(request(addr, "DELETE", path, Some(&alice), "").await.status, 204);
    let refused = request(addr, "GET", "/orders", Some(&key), "").await;
    assert_eq!(refused.status, 401);
    assert!(
        refused.text().contains(r#""code":"api_key_revoked""#),
        "{}",
        refused.text()
    );
    assert_eq!(
        request(addr, "DELETE", "/api-keys/0000000000000000", Some(&alice), "")
            .await
            .status,
        404
    );
}

async fn notes_stay_readable_through_keyring_rotations(addr: SocketAddr) {
    let (alice_name, alice_password, ..) = demo::orders::USERS[0];
    let (bob_name, bob_password, ..) = demo::orders::USERS[1];
    let alice = token(addr, alice_name, alice_password).await;
    let bob = token(addr, bob_name, bob_password).await;
    let notes = async || {
        let response = request(addr, "GET", "/orders", Some(&alice), "").await;
        assert_eq!(response.status, 200, "{}", response.text());
        let orders: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
        orders
            .as_array()
            .expect("orders")
            .iter()
            .map(|order| order["note"].as_str().expect("note").to_owned())
            .collect::<Vec<_>>()
    };
    let mut expected = Vec::new();
    let mut primaries = std::collections::BTreeSet::new();
    for round in 0..3 {
        for i in 0..2 {
            let note = format!("<b>round {round}, order {i}</b>");
            let body = serde_json::json!({"item": "tea", "quantity": 1, "note": note}).to_string();
            let created = request(addr, "POST", "/orders", Some(&alice), &body).await;
            assert_eq!(created.status, 201, "{}", created.text());
            expected.push(note);
        }
        assert_eq!(notes().await, expected);
        let rotated = request(addr, "POST", "/admin/keyring/rotate", Some(&alice), "").await;
        assert_eq!(rotated.status, 200, "{}", rotated.text());
        let rotation: serde_json::Value = serde_json::from_slice(&rotated.body).expect("JSON");
        assert_eq!(rotation["rewrapped"], expected.len());
        assert!(
            primaries.insert(rotation["primary"].as_u64().expect("key id")),
            "a new key each time"
        );
        assert_eq!(notes().await, expected);
    }
    assert_eq!(
        request(addr, "POST", "/admin/keyring/rotate", Some(&bob), "")
            .await
            .status,
        403
    );
    assert_eq!(
        request(addr, "POST", "/admin/keyring/rotate", None, "").await.status,
        401
    );
    assert_eq!(
        request(addr, "GET", "/admin/keyring/rotate", Some(&alice), "")
            .await
            .status,
        405
    );
}

async fn token(addr: SocketAddr, user: &str, password: &str) -> String {
    let response = log_in(addr, user, password).await;
    assert_eq!(response.status, 200, "{user}: {}", response.text());
    let body: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
    assert_eq!(body["token_type"], "Bearer");
    let cookie = response.header("set-cookie").expect("session cookie");
    assert!(
        cookie.ends_with("; Path=/web; Max-Age=900; HttpOnly; Secure; SameSite=Strict"),
        "{cookie}"
    );
    body["access_token"].as_str().expect("token").to_owned()
}

async fn each_user_gets_exactly_what_the_policy_allows(addr: SocketAddr) {
    let mut tokens = Vec::new();
    for (user, password, ..) in demo::orders::USERS {
        tokens.push(token(addr, user, password).await);
    }
    let (alice, bob) = (tokens[0].as_str(), tokens[1].as_str());
    // (method, path, token, body, status)
    let order = r#"{"item":"tea","quantity":2,"note":"<b>urgent</b><img src=x onerror=alert(1)>"}"#;
    let table: [(&str, &str, Option<&str>, &str, u16); 18] = [
        ("GET", "/me", Some(alice), "", 200),
        ("GET", "/me", Some(bob), "", 200),
        ("GET", "/me", None, "", 401),
        ("POST", "/orders", Some(alice), order, 201),
        ("POST", "/orders", Some(bob), order, 403),
        ("POST", "/orders", None, order, 401),
        ("GET", "/orders", Some(alice), "", 200),
        ("GET", "/orders", Some(bob), "", 200),
        ("GET", "/admin/audit", Some(alice), "", 200),
        ("GET", "/admin/audit", Some(bob), "", 403),
        ("GET", "/orders", Some("not.a.token"), "", 401),
        ("PUT", "/orders", Some(bob), "", 405),
        ("GET", "/me/contact", Some(bob), "", 200),
        ("GET", "/reports/daily", Some(alice), "", 200),
        ("GET", "/reports/daily", Some(bob), "", 403),
        // Login tokens carry roles, not OAuth scopes: scope-guarded routes refuse them.
        ("GET", "/orders/export", Some(alice), "", 403),
        ("GET", "/payments", Some(alice), "", 403),
        ("GET", "/catalog", None, "", 200),
    ];
    for (method, path, token, body, status) in table {
        let response = request(addr, method, path, token, body).await;
        assert_eq!(
            response.status,
            status,
            "{method} {path} as {token:?}: {}",
            response.text()
        );
    }

    let me: serde_json::Value =
        serde_json::from_slice(&request(addr, "GET", "/me", Some(bob), "").await.body).expect("JSON");
    assert_eq!(
        (me["subject"].as_str(), me["roles"][0].as_str()),
        (Some("bob"), Some("viewer"))
    );
    let orders: serde_json::Value =
        serde_json::from_slice(&request(addr, "GET", "/orders", Some(bob), "").await.body).expect("JSON");
    assert_eq!(orders[0]["owner"], "alice");
    assert_eq!(orders[0]["note"], "<b>urgent</b>", "the note was cleaned");
    assert_eq!(orders.as_array().map(Vec::len), Some(1), "bob's order was refused");

    let forbidden = request(addr, "GET", "/admin/audit", Some(bob), "").await;
    assert_eq!(
        forbidden.header("www-authenticate"),
        Some(r#"Bearer realm="orders", error="insufficient_scope""#),
        "a role is never named to the client"
    );
}

async fn failed_logins_are_uniform(addr: SocketAddr) {
    let wrong_password = log_in(addr, "alice", "not her password").await;
    let unknown_user = log_in(addr, "mallory", "correct horse battery staple").await;
    let not_an_identifier = log_in(addr, "al ice", "x").await;
    for response in [&wrong_password, &unknown_user, &not_an_identifier] {
        assert_eq!(response.status, 401);
        assert_eq!(response.header("www-authenticate"), Some(r#"Bearer realm="orders""#));
        assert_eq!(
            response.text(),
            r#"{"type":"about:blank","title":"Unauthorized","status":401,"code":"invalid_credentials"}"#
        );
    }
    // Usernames are normalized (RFC 8265): fullwidth and case variants are alice.
    assert_eq!(
        log_in(addr, "ＡＬＩＣＥ", "correct horse battery staple").await.status,
        200
    );
}

async fn a_password_change_takes_effect(addr: SocketAddr) {
    let (user, password, ..) = demo::orders::USERS[1];
    let bob = token(addr, user, password).await;
    let change = |current: &str, new: &str| serde_json::json!({ "current": current, "new": new }).to_string();

    let weak = request(addr, "POST", "/me/password", Some(&bob), &change(password, "short")).await;
    assert_eq!(weak.status, 422, "{}", weak.text());
    assert_eq!(weak.text(), r#"{"error":"too_short"}"#);

    let new = "a brand new passphrase for bob";
    let changed = request(addr, "POST", "/me/password", Some(&bob), &change(password, new)).await;
    assert_eq!(changed.status, 204, "{}", changed.text());
    assert_eq!(
        log_in(addr, user, password).await.status,
        401,
        "the old password is gone"
    );
    token(addr, user, new).await;
}

/// Found in review: `RUST_LOG` had no effect on the demos. It now selects what is
/// printed, while `/admin/audit` keeps every audit event whatever it says.
#[test]
fn rust_log_selects_what_the_demo_prints_and_never_what_it_audits() {
    use common::capture::Capture;

    let printed = |rust_log: Option<&str>| {
        let (out, audit) = (Capture::default(), demo::orders::AuditLog::default());
        let subscriber = demo::orders::log_subscriber(out.clone(), &audit, rust_log);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "portcullis::audit", outcome = "denied", "audit event");
            tracing::debug!(target: "portcullis::audit", "debug detail");
            tracing::info!(target: "demo::other", "other event");
        });
        assert_eq!(audit.lines().len(), 1, "{rust_log:?}: the audit log keeps its event");
        out.text()
    };
    let default = printed(None);
    assert!(default.contains("audit event") && default.contains("other event") && !default.contains("debug detail"));
    assert_eq!(printed(Some("warn")), "", "RUST_LOG=warn prints no info event");
    let audit_debug = printed(Some("warn,portcullis::audit=debug"));
    assert!(audit_debug.contains("audit event") && audit_debug.contains("debug detail"));
    assert!(!audit_debug.contains("other event"));
    assert!(
        printed(Some("[[not a filter")).contains("audit event"),
        "an unreadable RUST_LOG falls back to info"
    );
}
