//! What only the axum adapter has to show; everything the two adapters share is in
//! the conformance table (`tests/http_conformance.rs`).
#![cfg(feature = "axum")]

mod common {
    pub mod http;
    pub mod http_serve;
    pub mod keys;
    pub mod slow;
}

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::routing::get;
use common::http::send;
use common::http_serve::serve;
use common::keys::es256_verifier_and_token;
use common::slow::Slow;
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

/// One request for `/me` with the bearer `token`, in process: status and body.
async fn call(app: &Router, token: &str) -> (u16, String) {
    use tower::ServiceExt;
    let request = Request::builder()
        .uri("/me")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn an_authenticator_that_waits_is_awaited() {
    let app: Router = Router::new()
        .route(
            "/me",
            get(|caller: Principal| async move { caller.subject().to_owned() }),
        )
        .layer(AuthLayer::required(Slow));
    assert_eq!(call(&app, "let-me-in").await, (200, "svc-billing".to_owned()));
    assert_eq!(call(&app, "nope").await.0, 401);
}

#[tokio::test]
async fn extractors_without_the_layer_fail_closed() {
    let app: Router = Router::new().route(
        "/me",
        get(|caller: Principal| async move { caller.subject().to_owned() }),
    );
    let (status, body) = call(&app, "anything").await;
    assert_eq!(status, 500);
    assert!(body.contains(r#""code":"internal""#), "{body}");
}

/// Takes no kind of credential: every request meets it as if it presented none.
struct TakesNothing;

impl portcullis::auth::Authenticator for TakesNothing {
    fn accepts(&self, _: &portcullis::auth::Credentials<'_>) -> bool {
        false
    }

    async fn authenticate(
        &self,
        _: &portcullis::auth::Credentials<'_>,
    ) -> Result<Principal, portcullis::auth::AuthError> {
        Ok(Principal::new("never"))
    }
}

#[tokio::test]
async fn credentials_of_a_kind_the_authenticator_does_not_take_count_as_none() {
    let me = get(|caller: Option<Principal>| async move {
        caller.map_or("anonymous".to_owned(), |c| c.subject().to_owned())
    });
    let required: Router = Router::new()
        .route("/me", me.clone())
        .layer(AuthLayer::required(TakesNothing));
    let (status, body) = call(&required, "abc").await;
    assert_eq!(status, 401);
    assert!(body.contains(r#""code":"missing_credentials""#), "{body}");
    let optional: Router = Router::new().route("/me", me).layer(AuthLayer::optional(TakesNothing));
    assert_eq!(call(&optional, "abc").await, (200, "anonymous".to_owned()));
}

/// A state store that is down: every operation fails.
struct Down;

impl portcullis::store::StateStore for Down {
    async fn blocked(&self, _: &portcullis::store::StateKey) -> Result<Option<u64>, portcullis::store::StoreError> {
        Err(portcullis::store::StoreError::Unavailable("down"))
    }
    async fn fail(
        &self,
        _: &portcullis::store::StateKey,
        _: &portcullis::store::FailureRule,
    ) -> Result<portcullis::store::FailureState, portcullis::store::StoreError> {
        Err(portcullis::store::StoreError::Unavailable("down"))
    }
    async fn clear(&self, _: &portcullis::store::StateKey) -> Result<(), portcullis::store::StoreError> {
        Err(portcullis::store::StoreError::Unavailable("down"))
    }
    async fn rate(
        &self,
        _: &portcullis::store::StateKey,
        _: portcullis::store::Gcra,
    ) -> Result<portcullis::store::RateDecision, portcullis::store::StoreError> {
        Err(portcullis::store::StoreError::Unavailable("down"))
    }
    fn now_ms(&self) -> u64 {
        0
    }
    async fn revoke(&self, _: &portcullis::store::Revoked) -> Result<u64, portcullis::store::StoreError> {
        Err(portcullis::store::StoreError::Unavailable("down"))
    }
    async fn revocations(
        &self,
        _: u64,
        _: usize,
    ) -> Result<Vec<(u64, portcullis::store::Revoked)>, portcullis::store::StoreError> {
        Err(portcullis::store::StoreError::Unavailable("down"))
    }
    fn rate_now(
        &self,
        key: &portcullis::store::StateKey,
        gcra: portcullis::store::Gcra,
    ) -> Option<Result<portcullis::store::RateDecision, portcullis::store::StoreError>> {
        let _ = (key, gcra);
        Some(Err(portcullis::store::StoreError::Unavailable("down")))
    }
}

/// The gate's rate limit, per caller and per route, over a socket; a store that is
/// down refuses (503), never lets a request through uncounted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gate_limits_rates_and_fails_closed() {
    use portcullis::http::RateBy;
    use portcullis::store::MemoryStore;
    use portcullis::throttle::{Quota, RateLimiter};

    let (verifier, token) = es256_verifier_and_token();
    let quota = Quota::per_minute(2).unwrap();
    let me = get(|caller: Principal| async move { caller.subject().to_owned() });
    let app = |by: RateBy| {
        let limiter = RateLimiter::new(MemoryStore::default(), "test", quota).unwrap();
        Router::new()
            .route("/me", me.clone())
            .route("/other", me.clone())
            .route_layer(AuthLayer::required(verifier.clone()).rate_limit(limiter, by))
    };
    let call = |addr, path: &'static str, token: String| async move {
        tokio::task::spawn_blocking(move || {
            let header = format!("Bearer {token}");
            send(addr, "GET", path, &[("authorization", header.as_bytes())], b"").expect("response")
        })
        .await
        .expect("client")
    };

    // Per caller: alice has two requests a minute, on any route.
    let per_caller = serve(app(RateBy::Caller)).await;
    assert_eq!(call(per_caller, "/me", token.clone()).await.status, 200);
    assert_eq!(call(per_caller, "/other", token.clone()).await.status, 200);
    let limited = call(per_caller, "/me", token.clone()).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("30"));
    assert!(limited.text().contains(r#""code":"too_many_requests""#));
    assert_eq!(limited.header("www-authenticate"), None);

    // Per route: /me and /other have two each.
    let per_route = serve(app(RateBy::Route)).await;
    for path in ["/me", "/me", "/other", "/other"] {
        assert_eq!(call(per_route, path, token.clone()).await.status, 200, "{path}");
    }
    assert_eq!(call(per_route, "/other", token.clone()).await.status, 429);

    // A store that is down: 503 with Retry-After, the handler never runs.
    let limiter = RateLimiter::new(Down, "test", quota).unwrap();
    let down = serve(
        Router::new()
            .route("/me", me.clone())
            .route_layer(AuthLayer::required(verifier.clone()).rate_limit(limiter, RateBy::Caller)),
    )
    .await;
    let refused = call(down, "/me", token.clone()).await;
    assert_eq!((refused.status, refused.header("retry-after")), (503, Some("1")));
    assert!(refused.text().contains(r#""code":"store_unavailable""#));
}
