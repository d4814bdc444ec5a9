//! What only the axum adapter has to show; everything the two adapters share is in
//! the conformance table (`tests/http_conformance.rs`).
#![cfg(feature = "axum")]

mod common {
    pub mod http;
    pub mod http_serve;
    pub mod keys;
}

use axum::Router;
use axum::routing::get;
use common::http::send;
use common::http_serve::serve;
use common::keys::es256_verifier_and_token;
use portcullis::Principal;
use portcullis::axum::AuthLayer;

async fn panicking_handler(caller: Principal) -> String {
    assert!(caller.subject().is_empty(), "handler bug");
    caller.subject().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_closes_the_connection_and_echoes_no_token() {
    let (verifier, token) = es256_verifier_and_token();
    let app: Router = Router::new()
        .route("/panic", get(panicking_handler))
        .layer(AuthLayer::required(verifier));
    let addr = serve(app).await;
    let header = format!("Bearer {token}");
    let response =
        tokio::task::spawn_blocking(move || send(addr, "GET", "/panic", &[("authorization", header.as_bytes())], b""))
            .await
            .expect("client");
    // axum drops the connection without a response; whatever came back, if
    // anything, holds no part of the token.
    if let Ok(raw) = response {
        for piece in token.split('.') {
            assert!(!raw.text().contains(piece) && raw.headers.iter().all(|(_, v)| !v.contains(piece)));
        }
    }
}

/// `layer` also wraps the router's fallback: an unknown path is authenticated
/// first (401 without a token). `route_layer`, as the demo uses, leaves it a 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layer_covers_the_fallback_and_route_layer_does_not() {
    let (verifier, _) = es256_verifier_and_token();
    let me = get(|caller: Principal| async move { caller.subject().to_owned() });
    let layered = serve(
        Router::new()
            .route("/me", me.clone())
            .layer(AuthLayer::required(verifier.clone())),
    )
    .await;
    let route_layered = serve(
        Router::new()
            .route("/me", me)
            .route_layer(AuthLayer::required(verifier)),
    )
    .await;
    let status = |addr| async move {
        tokio::task::spawn_blocking(move || send(addr, "GET", "/nowhere", &[], b""))
            .await
            .expect("client")
            .expect("response")
            .status
    };
    assert_eq!(status(layered).await, 401);
    assert_eq!(status(route_layered).await, 404);
}
