//! Three replicas of the demo (axum, actix-web, axum) sharing one real
//! `redis-server` and one signing key, over 127.0.0.1: a login limit, a rate limit,
//! a logout and an API key hold across them; with Redis killed mid-run, they answer
//! from their local share, with no 500 and no wait past the timeout.
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
    #[allow(dead_code)]
    pub mod redis_server;
}

#[allow(dead_code)]
#[path = "../examples/demo.rs"]
mod demo;

#[allow(dead_code)]
#[path = "../examples/demo_actix.rs"]
mod demo_actix;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::http::{RawResponse, send};
use common::http_serve::serve;
use common::http_serve_actix::serve_actix;
use common::redis_server::RedisServer;
use portcullis::password::{PasswordHasher, PasswordPool};
use portcullis::token::{Algorithm, Jwk, SigningKey};

const ALICE: (&str, &str) = ("alice", "correct horse battery staple");

fn pool() -> PasswordPool {
    PasswordPool::new(PasswordHasher::new())
}

/// Three replicas: axum, actix-web, axum.
async fn replicas(redis_url: &str, key: &Jwk) -> [SocketAddr; 3] {
    let mut addrs = Vec::new();
    for n in 0..3 {
        let addr = if n == 1 {
            let options = demo_actix::orders::Options {
                key: key.clone(),
                passwords: pool(),
                trusted_proxies: demo_actix::orders::TrustedProxies::none(),
                redis_url: Some(redis_url.to_owned()),
                replicas: 3,
                tls: None,
                metrics: demo_actix::orders::prometheus().expect("metrics"),
            };
            let demo = demo_actix::Demo::new(options, demo_actix::orders::AuditLog::default())
                .await
                .expect("actix demo");
            serve_actix(move |config| demo.configure(config))
        } else {
            let options = demo::orders::Options {
                key: key.clone(),
                passwords: pool(),
                trusted_proxies: demo::orders::TrustedProxies::none(),
                redis_url: Some(redis_url.to_owned()),
                replicas: 3,
                tls: None,
                metrics: demo::orders::prometheus().expect("metrics"),
            };
            serve(
                demo::app(options, demo::orders::AuditLog::default())
                    .await
                    .expect("axum demo"),
            )
            .await
        };
        addrs.push(addr);
    }
    [addrs[0], addrs[1], addrs[2]]
}

async fn call(
    addr: SocketAddr,
    method: &'static str,
    path: &'static str,
    headers: Vec<(String, String)>,
    body: String,
) -> RawResponse {
    tokio::task::spawn_blocking(move || {
        let headers: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())).collect();
        send(addr, method, path, &headers, body.as_bytes())
    })
    .await
    .expect("client thread")
    .expect("response")
}

async fn login(addr: SocketAddr, user: &str, password: &str) -> RawResponse {
    let body = serde_json::json!({ "username": user, "password": password }).to_string();
    call(
        addr,
        "POST",
        "/login",
        vec![("content-type".into(), "application/json".into())],
        body,
    )
    .await
}

fn bearer(token: &str) -> Vec<(String, String)> {
    vec![("authorization".into(), format!("Bearer {token}"))]
}

async fn token(addr: SocketAddr) -> String {
    let response = login(addr, ALICE.0, ALICE.1).await;
    assert_eq!(response.status, 200, "{}", response.text());
    let body: serde_json::Value = serde_json::from_slice(&response.body).expect("json");
    body["access_token"].as_str().expect("token").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_share_limits_logouts_and_api_keys_through_redis() {
    let Some(server) = RedisServer::start() else { return };
    let key = SigningKey::generate_jwk(Algorithm::ES256).expect("key");
    let [a, b, c] = replicas(&server.url(), &key).await;

    // A login limit across replicas: wrong passwords spread over them block alice
    // (from this client) after five in all, on every replica.
    let mut statuses = Vec::new();
    for attempt in 0..5 {
        statuses.push(login([a, b, c][attempt % 3], ALICE.0, "wrong password").await.status);
    }
    assert_eq!(statuses, [401; 5]);
    // At once on the three (the block is 1 s, and a refusal pauses 0.5 s).
    let right = [a, b, c].map(|replica| tokio::spawn(async move { login(replica, ALICE.0, ALICE.1).await }));
    for answer in right {
        let response = answer.await.expect("login");
        assert_eq!(response.status, 429, "the right password is refused while blocked");
        assert!(response.header("retry-after").is_some());
    }
    // bob is not blocked, from anywhere; wait out alice's block (1 s) first.
    assert_eq!(login(b, "bob", "plum verdict gallop").await.status, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // A rate limit across replicas: /catalog admits 20 at once per client, in all.
    let mut admitted = 0;
    for n in 0..45 {
        let response = call([a, b, c][n % 3], "GET", "/catalog", Vec::new(), String::new()).await;
        match response.status {
            200 => admitted += 1,
            429 => {}
            other => panic!("/catalog answered {other}"),
        }
    }
    assert_eq!(admitted, 20, "the burst of 20 holds across the three replicas");

    // A logout on A is refused on B and C within a second.
    let token = token(a).await;
    for replica in [b, c] {
        assert_eq!(
            call(replica, "GET", "/me", bearer(&token), String::new()).await.status,
            200
        );
    }
    let response = call(a, "POST", "/logout", bearer(&token), String::new()).await;
    assert_eq!(response.status, 204, "{}", response.text());
    let started = Instant::now();
    assert_eq!(call(a, "GET", "/me", bearer(&token), String::new()).await.status, 401);
    for replica in [b, c] {
        loop {
            let status = call(replica, "GET", "/me", bearer(&token), String::new()).await.status;
            if status == 401 {
                break;
            }
            assert_eq!(status, 200);
            assert!(started.elapsed() < Duration::from_secs(1), "not refused within 1 s");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    eprintln!("the logout reached B and C in {:?}", started.elapsed());

    // An API key made on A works on B and C.
    let admin = self::token(a).await;
    let mut headers = bearer(&admin);
    headers.push(("content-type".into(), "application/json".into()));
    let response = call(a, "POST", "/api-keys", headers, r#"{"roles":["viewer"]}"#.into()).await;
    assert_eq!(response.status, 201, "{}", response.text());
    let created: serde_json::Value = serde_json::from_slice(&response.body).expect("json");
    let api_key = created["key"].as_str().expect("key").to_owned();
    for replica in [b, c] {
        let response = call(
            replica,
            "GET",
            "/orders",
            vec![("x-api-key".into(), api_key.clone())],
            String::new(),
        )
        .await;
        assert_eq!(response.status, 200, "{}", response.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_killed_mid_run_the_replicas_answer_from_their_share() {
    let Some(mut server) = RedisServer::start() else { return };
    let key = SigningKey::generate_jwk(Algorithm::ES256).expect("key");
    let [a, b, _] = replicas(&server.url(), &key).await;
    let token = token(a).await;
    assert_eq!(
        call(b, "GET", "/orders", bearer(&token), String::new()).await.status,
        200
    );

    server.kill();
    let mut slowest = Duration::ZERO;
    let mut statuses = Vec::new();
    for n in 0..40 {
        let started = Instant::now();
        let replica = [a, b][n % 2];
        statuses.push(
            call(replica, "GET", "/orders", bearer(&token), String::new())
                .await
                .status,
        );
        slowest = slowest.max(started.elapsed());
    }
    eprintln!("Redis down: slowest authenticated GET {slowest:?}");
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    // The store's timeout is 50 ms; the rest is the request itself.
    assert!(slowest < Duration::from_millis(300), "{slowest:?}");
    // Logins go on from the local share; a logout is refused on this replica and
    // answered 503 (the store did not take it).
    let fresh = self::token(b).await;
    let response = call(b, "POST", "/logout", bearer(&fresh), String::new()).await;
    assert_eq!(response.status, 503, "{}", response.text());
    assert_eq!(call(b, "GET", "/me", bearer(&fresh), String::new()).await.status, 401);
}
