//! Two routers for a loopback throughput comparison with an HTTP load generator
//! (wrk, oha): the same `GET /me` handler, on 127.0.0.1:3101 without
//! authentication and on 127.0.0.1:3102 under `AuthLayer` with a verified-token
//! cache, with a token to send to both.
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

    let bare = Router::new().route("/me", get(move || std::future::ready(me(&fixed))));
    let authenticated = Router::new()
        .route("/me", get(|caller: Principal| std::future::ready(me(&caller))))
        .layer(AuthLayer::required(verifier));
    println!("TOKEN={token}");
    let bare_listener = tokio::net::TcpListener::bind("127.0.0.1:3101").await?;
    let auth_listener = tokio::net::TcpListener::bind("127.0.0.1:3102").await?;
    let (bare, authenticated) = tokio::join!(
        axum::serve(bare_listener, bare),
        axum::serve(auth_listener, authenticated)
    );
    bare?;
    authenticated?;
    Ok(())
}
