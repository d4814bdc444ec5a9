//! `/login`'s throttle over 127.0.0.1 on both demos: five wrong passwords block a
//! user from one client (the right one is then 429 until the block ends) and not
//! from another; unknown users get the very same answers; a hundred failures over
//! many clients block the account; forwarding headers count only from a trusted
//! proxy.
#![cfg(all(
    feature = "axum",
    feature = "actix",
    feature = "html",
    feature = "redis",
    feature = "tls",
    feature = "metrics"
))]
#![allow(clippy::duplicate_mod)]

mod common {
    pub mod http;
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
use std::time::Duration;

use common::http::{RawResponse, send};
use common::http_serve::serve;
use common::http_serve_actix::serve_actix;

const ALICE: (&str, &str) = ("alice", "correct horse battery staple");

fn options(trusted: &str) -> demo::orders::Options {
    let mut options = demo::orders::Options::generate().expect("options");
    options.trusted_proxies = demo::orders::TrustedProxies::parse(trusted).expect("proxies");
    options
}

async fn axum_demo(trusted: &str) -> SocketAddr {
    serve(
        demo::app(options(trusted), demo::orders::AuditLog::default())
            .await
            .expect("demo app"),
    )
    .await
}

async fn actix_demo(trusted: &str) -> SocketAddr {
    let base = options(trusted);
    let options = demo_actix::orders::Options {
        key: base.key,
        passwords: base.passwords,
        trusted_proxies: demo_actix::orders::TrustedProxies::parse(trusted).expect("proxies"),
        redis_url: None,
        replicas: 1,
        tls: None,
        metrics: demo_actix::orders::prometheus().expect("metrics"),
    };
    let demo = demo_actix::Demo::new(options, demo_actix::orders::AuditLog::default())
        .await
        .expect("demo app");
    serve_actix(move |config| demo.configure(config))
}

/// `POST /login` as `user`, from `forwarded_for` (an `X-Forwarded-For` value) if
/// given.
async fn login(addr: SocketAddr, user: &str, password: &str, forwarded_for: Option<&str>) -> RawResponse {
    let body = serde_json::json!({ "username": user, "password": password }).to_string();
    let forwarded_for = forwarded_for.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut headers: Vec<(&str, &[u8])> = vec![("content-type", b"application/json")];
        if let Some(value) = &forwarded_for {
            headers.push(("x-forwarded-for", value.as_bytes()));
        }
        send(addr, "POST", "/login", &headers, body.as_bytes())
    })
    .await
    .expect("client thread")
    .expect("response")
}

/// Status, `Retry-After` and body of a response.
fn seen(response: &RawResponse) -> (u16, Option<String>, String) {
    (
        response.status,
        response.header("retry-after").map(str::to_owned),
        response.text(),
    )
}

async fn five_failures_block_one_client_and_not_another(addr: SocketAddr) {
    let (user, password) = ALICE;
    let mut answers = Vec::new();
    for (who, client) in [(user, "192.0.2.10"), ("mallory", "192.0.2.20")] {
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(seen(&login(addr, who, "wrong password", Some(client)).await));
        }
        // The sixth attempt, even with the right password, is refused without argon2.
        statuses.push(seen(&login(addr, who, password, Some(client)).await));
        answers.push(statuses);
    }
    let alice = &answers[0];
    assert!(alice[..5].iter().all(|(status, ..)| *status == 401), "{alice:?}");
    assert_eq!(alice[5].0, 429, "{alice:?}");
    assert_eq!(alice[5].1.as_deref(), Some("1"));
    assert!(alice[5].2.contains(r#""code":"too_many_requests""#), "{}", alice[5].2);
    assert_eq!(
        answers[0], answers[1],
        "an unknown user is answered exactly as a known one"
    );

    // alice from another client is not blocked.
    assert_eq!(login(addr, user, password, Some("192.0.2.11")).await.status, 200);
    // After the block, the right password from the first client gets in.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(login(addr, user, password, Some("192.0.2.10")).await.status, 200);
}

async fn a_hundred_failures_over_many_clients_block_the_account(addr: SocketAddr) {
    let (user, password) = ALICE;
    for n in 0..100 {
        let client = format!("198.51.100.{}", n + 1);
        let response = login(addr, user, "wrong password", Some(&client)).await;
        assert_eq!(response.status, 401, "attempt {n}: {}", response.text());
    }
    let blocked = login(addr, user, password, Some("203.0.113.1")).await;
    assert_eq!(blocked.status, 429);
    assert_eq!(blocked.header("retry-after"), Some("900"));
    assert_eq!(
        login(addr, "bob", "plum verdict gallop", Some("203.0.113.1"))
            .await
            .status,
        200
    );
}

async fn forwarding_headers_count_only_from_a_trusted_proxy(addr: SocketAddr) {
    // 127.0.0.1 is not trusted here: each attempt names another client, and all five
    // count against 127.0.0.1.
    for n in 0..5 {
        let spoofed = format!("192.0.2.{n}");
        assert_eq!(login(addr, "bob", "wrong", Some(&spoofed)).await.status, 401);
    }
    assert_eq!(
        login(addr, "bob", "plum verdict gallop", Some("192.0.2.99"))
            .await
            .status,
        429
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_block_one_client_and_not_another_on_axum() {
    five_failures_block_one_client_and_not_another(axum_demo("127.0.0.1/32").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_block_one_client_and_not_another_on_actix() {
    five_failures_block_one_client_and_not_another(actix_demo("127.0.0.1/32").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_failures_over_many_clients_block_the_account_on_axum() {
    a_hundred_failures_over_many_clients_block_the_account(axum_demo("127.0.0.1/32").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_failures_over_many_clients_block_the_account_on_actix() {
    a_hundred_failures_over_many_clients_block_the_account(actix_demo("127.0.0.1/32").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_headers_count_only_from_a_trusted_proxy_on_axum() {
    forwarding_headers_count_only_from_a_trusted_proxy(axum_demo("").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_headers_count_only_from_a_trusted_proxy_on_actix() {
    forwarding_headers_count_only_from_a_trusted_proxy(actix_demo("").await).await;
}
