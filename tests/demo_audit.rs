//! The demo service's audit log over a whole session, captured: no password and
//! no token may appear in it. Its own test binary, so that no other test's threads
//! share tracing's callsite cache with this thread-local subscriber.
#![cfg(all(feature = "axum", feature = "html"))]

mod common;

#[allow(dead_code)]
#[path = "../examples/demo.rs"]
mod demo;

use std::net::SocketAddr;

use common::http::{call as request, log_in};

/// Collects everything logged while it is the thread's subscriber.
#[derive(Clone, Default)]
struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("capture").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

// Current-thread runtime: the server's tasks log on this thread, to this subscriber.
#[tokio::test]
async fn the_audit_log_of_a_whole_session_holds_no_password_or_token() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let audit = demo::AuditLog::default();
    let app = demo::app(audit).await.expect("demo app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .await
            .expect("serve");
    });

    let mut secrets: Vec<String> = Vec::new();
    for (user, password, _) in demo::USERS {
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
    let log = String::from_utf8(capture.0.lock().expect("capture").clone()).expect("UTF-8");
    assert!(
        log.lines().filter(|l| l.contains(" portcullis::audit: ")).count() >= 16,
        "{log}"
    );
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "the log holds {secret:?}");
    }
}
