//! The demo service's flow over a real socket on 127.0.0.1: log in as each user,
//! call each endpoint, get the expected allow or deny; failed logins look alike.
#![cfg(all(feature = "axum", feature = "html"))]

mod common;

#[allow(dead_code)]
#[path = "../examples/demo.rs"]
mod demo;

use common::http::{call as request, log_in, serve};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_gets_exactly_what_the_policy_allows() {
    let app = demo::app(demo::AuditLog::default()).await.expect("demo app");
    let addr = serve(app).await;

    let mut tokens = Vec::new();
    for (user, password, _) in demo::USERS {
        let response = log_in(addr, user, password).await;
        assert_eq!(response.status, 200, "{user}: {}", response.text());
        let body: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
        assert_eq!(body["token_type"], "Bearer");
        tokens.push(body["access_token"].as_str().expect("token").to_owned());
    }
    let (alice, bob) = (tokens[0].as_str(), tokens[1].as_str());

    // (method, path, token, body, status)
    let order = r#"{"item":"tea","quantity":2,"note":"<b>urgent</b><img src=x onerror=alert(1)>"}"#;
    let table: [(&str, &str, Option<&str>, &str, u16); 12] = [
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
        Some(r#"Bearer realm="orders", error="insufficient_scope", scope="role:admin""#)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_uniform() {
    let app = demo::app(demo::AuditLog::default()).await.expect("demo app");
    let addr = serve(app).await;

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
