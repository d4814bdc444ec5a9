//! The demo service's audit log over a whole session, captured: no password and
//! no token may appear in it. Its own test binary, so that no other test's threads
//! share tracing's callsite cache with this thread-local subscriber.
#![cfg(all(
    feature = "axum",
    feature = "html",
    feature = "redis",
    feature = "tls",
    feature = "metrics"
))]

mod common {
    pub mod capture;
    pub mod http;
    pub mod http_call;
    pub mod http_log_in;
    pub mod http_serve;
}

#[allow(dead_code)]
#[path = "../examples/demo.rs"]
mod demo;

use common::capture::Capture;
use common::http_call::call as request;
use common::http_log_in::log_in;
use common::http_serve::serve;

// Current-thread runtime: the server's tasks log on this thread, to this subscriber.
#[tokio::test]
async fn the_audit_log_of_a_whole_session_holds_no_password_or_token() {
    let (capture, _guard) = Capture::install();

    let options = demo::orders::Options::generate().expect("options");
    let app = demo::app(options, demo::orders::AuditLog::default())
        .await
        .expect("demo app");
    let addr = serve(app).await;

    let mut secrets: Vec<String> = Vec::new();
    for (user, password, ..) in demo::orders::USERS {
        secrets.push(password.to_owned());
        let wrong = format!("{password}-typo");
        assert_eq!(log_in(addr, user, &wrong).await.status, 401);
        secrets.push(wrong);
        let response = log_in(addr, user, password).await;
        let body: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
        let token = body["access_token"].as_str().expect("token").to_owned();
        for path in ["/me", "/orders", "/admin/audit"] {
            request(addr, "GET", path, Some(&token), "").await;
        }
        request(addr, "POST", "/orders", Some(&token), r#"{"item":"x","quantity":1}"#).await;
        secrets.extend(token.split('.').map(str::to_owned));
    }
    let log = capture.text();
    assert!(
        log.lines().filter(|l| l.contains(" portcullis::audit: ")).count() >= 16,
        "{log}"
    );
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "the log holds {secret:?}");
    }
}
