//! Routers for a loopback throughput comparison with an HTTP load generator (wrk,
//! oha): the same `GET /me` handler, on 127.0.0.1:3101 without authentication, on
//! 127.0.0.1:3102 under `AuthLayer` with a verified-token cache, and on
//! 127.0.0.1:3103 under a layer and an extractor that do nothing (what axum's own
//! layering and extraction cost, whichever middleware it is), with a token to send
//! to all three.
//!
//! `cargo run --release --example loopback --features axum`, then, for example,
//! `wrk -t2 -c64 -d10s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3101/me`
//! and the same against port 3102.

use axum::routing::get;
use axum::{Json, Router};
use portcullis::Principal;
use portcullis::axum::AuthLayer;
use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, TokenCache, Verifier};

#[derive(serde::Serialize)]
struct Me {
    subject: String,
    roles: Vec<String>,
}

fn me(caller: &Principal) -> Json<Me> {
    Json(Me {
        subject: caller.subject().to_owned(),
        roles: caller.roles().to_vec(),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let key = SigningKey::generate(Algorithm::ES256)?;
    let verifier = Verifier::builder(KeySet::single(key.verifying_key()))
        .audience("orders")
        .cache(TokenCache::new(16 << 20))
        .build()?;
    let token = Issuer::builder(key)
        .audience("orders")
        .ttl(std::time::Duration::from_secs(3600))
        .build()?
        .issue("alice", &serde_json::json!({ "roles": ["viewer"] }))?;
    let fixed = Principal::new("alice").with_roles(["viewer"]);
    let also_fixed = fixed.clone();

    let bare = Router::new().route("/me", get(move || std::future::ready(me(&fixed))));
    let authenticated = Router::new()
        .route("/me", get(|caller: Principal| std::future::ready(me(&caller))))
        .layer(AuthLayer::required(verifier));
    let no_op = Router::new()
        .route(
            "/me",
            get(move |_: axum::http::Method| std::future::ready(me(&also_fixed))),
        )
        .layer(tower::util::MapRequestLayer::new(|request: axum::extract::Request| {
            request
        }));
    println!("TOKEN={token}");
    let bare_listener = tokio::net::TcpListener::bind("127.0.0.1:3101").await?;
    let auth_listener = tokio::net::TcpListener::bind("127.0.0.1:3102").await?;
    let no_op_listener = tokio::net::TcpListener::bind("127.0.0.1:3103").await?;
    let (bare, authenticated, no_op) = tokio::join!(
        axum::serve(bare_listener, bare),
        axum::serve(auth_listener, authenticated),
        axum::serve(no_op_listener, no_op)
    );
    bare?;
    authenticated?;
    no_op?;
    Ok(())
}
