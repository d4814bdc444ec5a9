//! Remote key sets against a real HTTP server on 127.0.0.1 serving a JWKS this
//! test controls: rotation, unknown-kid floods, an endpoint that goes down or
//! misbehaves, discovery, redirects.
#![cfg(feature = "jwks")]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use portcullis::Principal;
use portcullis::auth::{AuthError, Authenticator, Credentials};
use portcullis::token::{Algorithm, Issuer, Jwk, JwkSet, RemoteKeySet, RemoteKeySetBuilder, SigningKey, Verifier};

/// What the identity provider answers at `/jwks`.
#[derive(Clone)]
enum Mode {
    Keys,
    Status(u16),
    Garbage,
    Huge,
    Slow(Duration),
    /// The keys, after a delay.
    SlowKeys(Duration),
}

#[derive(Clone)]
struct Idp {
    keys: Arc<Mutex<Vec<Jwk>>>,
    mode: Arc<Mutex<Mode>>,
    /// What `/.well-known/openid-configuration` says the issuer is.
    issuer: Arc<Mutex<String>>,
    hits: Arc<AtomicUsize>,
    addr: Arc<Mutex<Option<SocketAddr>>>,
    /// Stops the server: no new connection, and open ones closed (kept-alive ones
    /// included, which aborting the accept loop alone would leave serving).
    shutdown: Arc<tokio::sync::Notify>,
}

impl Idp {
    fn publish(&self, keys: &[&Jwk]) {
        let public = keys.iter().map(|k| k.to_public().expect("public")).collect();
        *self.keys.lock().expect("keys") = public;
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().expect("mode") = mode;
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn jwks(State(idp): State<Idp>) -> Response {
    idp.hits.fetch_add(1, Ordering::SeqCst);
    let mode = idp.mode.lock().expect("mode").clone();
    if let Mode::SlowKeys(delay) = mode {
        tokio::time::sleep(delay).await;
    }
    match mode {
        Mode::Keys | Mode::SlowKeys(_) => {
            let body = serde_json::to_string(&JwkSet {
                keys: idp.keys.lock().expect("keys").clone(),
            })
            .expect("json");
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Mode::Status(code) => StatusCode::from_u16(code).expect("status").into_response(),
        Mode::Garbage => "<html>not a key set</html>".into_response(),
        Mode::Huge => format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(2 << 20)).into_response(),
        Mode::Slow(delay) => {
            tokio::time::sleep(delay).await;
            "{}".into_response()
        }
    }
}

async fn discovery(State(idp): State<Idp>) -> Response {
    let addr = idp.addr.lock().expect("addr").expect("addr");
    let issuer = idp.issuer.lock().expect("issuer").clone();
    axum::Json(serde_json::json!({ "issuer": issuer, "jwks_uri": format!("http://{addr}/jwks") })).into_response()
}

/// A redirect to the same JWKS under another host name (`localhost` for
/// `127.0.0.1`): another origin.
async fn elsewhere(State(idp): State<Idp>) -> Response {
    let port = idp.addr.lock().expect("addr").expect("addr").port();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::LOCATION,
        format!("http://localhost:{port}/jwks").parse().expect("location"),
    );
    (StatusCode::FOUND, headers).into_response()
}

async fn same_origin() -> Response {
    (StatusCode::FOUND, [(header::LOCATION, "/jwks")]).into_response()
}

/// Starts an identity provider; the handle stops it ("the endpoint goes down").
async fn idp() -> (Idp, SocketAddr, tokio::task::JoinHandle<()>) {
    let idp = Idp {
        keys: Arc::default(),
        mode: Arc::new(Mutex::new(Mode::Keys)),
        issuer: Arc::default(),
        hits: Arc::default(),
        addr: Arc::default(),
        shutdown: Arc::default(),
    };
    let app = Router::new()
        .route("/jwks", get(jwks))
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/elsewhere", get(elsewhere))
        .route("/same-origin", get(same_origin))
        .with_state(idp.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    *idp.addr.lock().expect("addr") = Some(addr);
    *idp.issuer.lock().expect("issuer") = format!("http://{addr}");
    let shutdown = idp.shutdown.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.notified().await })
            .await
            .expect("serve");
    });
    (idp, addr, server)
}

fn key(kid: &str) -> Jwk {
    let mut jwk = SigningKey::generate_jwk(Algorithm::ES256).expect("key");
    jwk.kid = Some(kid.to_owned());
    jwk
}

fn token(key: &Jwk, subject: &str) -> String {
    Issuer::builder(SigningKey::from_jwk(key).expect("key"))
        .audience("orders")
        .build()
        .expect("issuer")
        .issue(subject, &())
        .expect("token")
}

fn remote(addr: SocketAddr) -> RemoteKeySetBuilder {
    RemoteKeySet::from_jwks_url(format!("http://{addr}/jwks"))
        .allow_http_loopback(true)
        .unknown_kid_cooldown(Duration::from_secs(1))
        .timeout(Duration::from_millis(500))
}

fn verifier(keys: &RemoteKeySet) -> Verifier {
    Verifier::builder(keys.clone())
        .audience("orders")
        .build()
        .expect("verifier")
}

/// As the adapters authenticate: an unknown `kid` may wait for a refetch.
async fn authenticate(verifier: &Verifier, token: &str) -> Result<Principal, AuthError> {
    verifier.authenticate(&Credentials::Bearer(token)).await
}

fn code(result: &Result<Principal, AuthError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(err) => err.code(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_needs_no_restart_and_old_tokens_last_until_their_key_is_removed() {
    let (idp, addr, _server) = idp().await;
    let (old, new) = (key("2025-11"), key("2025-12"));
    idp.publish(&[&old]);
    let keys = remote(addr).start().await.expect("start");
    let verifier = verifier(&keys);
    let (old_token, new_token) = (token(&old, "alice"), token(&new, "bob"));
    assert_eq!(code(&authenticate(&verifier, &old_token).await), "ok");

    // The provider publishes the new key next to the old one and starts signing
    // with it: the first new token makes the set refetch.
    idp.publish(&[&old, &new]);
    assert_eq!(code(&authenticate(&verifier, &new_token).await), "ok");
    assert_eq!(
        code(&authenticate(&verifier, &old_token).await),
        "ok",
        "old key still published"
    );
    assert_eq!(keys.health().keys, 2);

    // The old key is withdrawn: once the set has refreshed, its tokens are refused.
    idp.publish(&[&new]);
    keys.refresh().await.expect("refresh");
    assert_eq!(code(&authenticate(&verifier, &old_token).await), "unknown_key");
    assert_eq!(code(&authenticate(&verifier, &new_token).await), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_kid_flood_costs_one_fetch_per_cooldown_shared_by_concurrent_misses() {
    let (idp, addr, _server) = idp().await;
    let published = key("published");
    idp.publish(&[&published]);
    let keys = remote(addr).start().await.expect("start");
    let verifier = verifier(&keys);
    assert_eq!(idp.hits(), 1);

    // 1,000 tokens naming made-up kids, sent at once.
    let forger = SigningKey::generate_jwk(Algorithm::ES256).expect("key");
    let forged: Vec<String> = (0..1000)
        .map(|i| {
            let mut jwk = forger.clone();
            jwk.kid = Some(format!("made-up-{i}"));
            token(&jwk, "mallory")
        })
        .collect();
    let tasks: Vec<_> = forged
        .iter()
        .cloned()
        .map(|t| {
            let verifier = verifier.clone();
            tokio::spawn(async move { code(&authenticate(&verifier, &t).await) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("task"), "unknown_key");
    }
    assert_eq!(idp.hits(), 2, "the concurrent misses shared one fetch");

    // Within the cooldown, more misses fetch nothing.
    for t in &forged {
        assert_eq!(code(&authenticate(&verifier, t).await), "unknown_key");
    }
    assert_eq!(idp.hits(), 2, "no fetch within the cooldown");
    assert_eq!(keys.health().fetches, 2);

    // After it, one more.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for t in &forged[..100] {
        assert_eq!(code(&authenticate(&verifier, t).await), "unknown_key");
    }
    assert_eq!(idp.hits(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_endpoint_goes_down_tokens_verify_within_the_staleness_bound() {
    let (idp, addr, server) = idp().await;
    let signing = key("k1");
    idp.publish(&[&signing]);
    let keys = remote(addr)
        .max_staleness(Duration::from_secs(2))
        .start()
        .await
        .expect("start");
    let verifier = verifier(&keys);
    let alice = token(&signing, "alice");

    // Down for real: the client's kept-alive connection closes too.
    idp.shutdown.notify_one();
    server.await.expect("the server stops");
    assert_eq!(keys.refresh().await.unwrap_err().code(), "fetch_failed");
    assert_eq!(
        code(&authenticate(&verifier, &alice).await),
        "ok",
        "the last good keys stay"
    );
    let health = keys.health();
    assert!(health.is_ready());
    assert_eq!(health.last_error.map(|(_, code)| code), Some("fetch_failed"));
    assert!(health.last_success.is_some());

    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(code(&authenticate(&verifier, &alice).await), "keys_unavailable");
    assert!(!keys.health().is_ready());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misbehaving_endpoint_is_bounded_and_the_old_keys_stay() {
    let (idp, addr, _server) = idp().await;
    let signing = key("k1");
    idp.publish(&[&signing]);
    let keys = remote(addr).start().await.expect("start");
    let verifier = verifier(&keys);
    let alice = token(&signing, "alice");

    for (mode, expected) in [
        (Mode::Status(500), "http_status"),
        (Mode::Garbage, "invalid_document"),
        (Mode::Huge, "too_large"),
        (Mode::Slow(Duration::from_secs(3)), "timeout"),
    ] {
        idp.set(mode);
        let started = std::time::Instant::now();
        assert_eq!(keys.refresh().await.unwrap_err().code(), expected);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{expected}: bounded in time"
        );
        assert_eq!(
            code(&authenticate(&verifier, &alice).await),
            "ok",
            "{expected}: old keys kept"
        );
        assert_eq!(keys.health().last_error.map(|(_, code)| code), Some(expected));
    }
    idp.set(Mode::Keys);
    keys.refresh().await.expect("recovers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_finds_the_jwks_and_refuses_another_issuer() {
    let (idp, addr, _server) = idp().await;
    let signing = key("k1");
    idp.publish(&[&signing]);
    let issuer = format!("http://{addr}");
    let keys = RemoteKeySet::from_issuer(&issuer)
        .allow_http_loopback(true)
        .start()
        .await
        .expect("discovery");
    assert_eq!(keys.jwks_url(), format!("http://{addr}/jwks"));
    assert_eq!(
        code(&authenticate(&verifier(&keys), &token(&signing, "alice")).await),
        "ok"
    );

    *idp.issuer.lock().expect("issuer") = "https://evil.example".to_owned();
    let err = RemoteKeySet::from_issuer(&issuer)
        .allow_http_loopback(true)
        .start()
        .await
        .unwrap_err();
    assert_eq!(err.code(), "issuer_mismatch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_stay_on_the_same_origin() {
    let (idp, addr, _server) = idp().await;
    idp.publish(&[&key("k1")]);
    let elsewhere = RemoteKeySet::from_jwks_url(format!("http://{addr}/elsewhere"))
        .allow_http_loopback(true)
        .start()
        .await
        .unwrap_err();
    assert_eq!(elsewhere.code(), "redirect_refused");
    let hits = idp.hits();
    assert_eq!(hits, 0, "the other host was never asked");

    let same = RemoteKeySet::from_jwks_url(format!("http://{addr}/same-origin"))
        .allow_http_loopback(true)
        .start()
        .await
        .expect("same-origin redirect");
    assert_eq!(same.health().keys, 1);
}

#[tokio::test]
async fn insecure_urls_are_refused_before_any_request() {
    for (url, expected) in [
        ("http://idp.example/jwks", "insecure_url"),
        ("http://127.0.0.1:1/jwks", "insecure_url"),
        ("https://user:secret@idp.example/jwks", "insecure_url"),
        ("ftp://idp.example/jwks", "insecure_url"),
        ("not a url", "invalid_url"),
    ] {
        let err = RemoteKeySet::from_jwks_url(url).start().await.unwrap_err();
        assert_eq!(err.code(), expected, "{url}");
    }
}

#[test]
fn starting_outside_a_runtime_is_an_error_not_a_panic() {
    let err = futures_lite_block_on(RemoteKeySet::from_jwks_url("https://idp.example/jwks").start()).unwrap_err();
    assert_eq!(err.code(), "no_runtime");
}

/// Polls a future that completes without waking (as `start` does outside a
/// runtime) on this thread.
fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// The axum adapter over a remote key set: a token signed with a key published
/// after start-up is admitted after one refetch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_adapters_refetch_for_a_new_key() {
    use tower::ServiceExt;

    let (idp, addr, _server) = idp().await;
    let (old, new) = (key("old"), key("new"));
    idp.publish(&[&old]);
    let keys = remote(addr).start().await.expect("start");
    let app: Router = Router::new()
        .route(
            "/me",
            get(|caller: Principal| async move { caller.subject().to_owned() }),
        )
        .layer(portcullis::axum::AuthLayer::required(verifier(&keys)));
    idp.publish(&[&old, &new]);
    let request = axum::http::Request::builder()
        .uri("/me")
        .header("authorization", format!("Bearer {}", token(&new, "bob")))
        .body(axum::body::Body::empty())
        .expect("request");
    let response = app.oneshot(request).await.expect("response");
    assert_eq!(response.status(), 200);
    assert_eq!(idp.hits(), 2);
}

/// The actix-web adapter over a remote key set, likewise.
#[cfg(feature = "actix")]
#[actix_web::test]
async fn the_actix_middleware_refetches_for_a_new_key() {
    use actix_web::{App, test, web};

    let (idp, addr, _server) = idp().await;
    let (old, new) = (key("old"), key("new"));
    idp.publish(&[&old]);
    let keys = remote(addr).start().await.expect("start");
    let app = test::init_service(
        App::new().service(
            web::resource("/me")
                .wrap(portcullis::actix::AuthMiddleware::required(verifier(&keys)))
                .route(web::get().to(|caller: Principal| async move { caller.subject().to_owned() })),
        ),
    )
    .await;
    idp.publish(&[&old, &new]);
    let request = test::TestRequest::get()
        .uri("/me")
        .insert_header(("authorization", format!("Bearer {}", token(&new, "bob"))))
        .to_request();
    assert_eq!(test::call_and_read_body(&app, request).await, "bob");
    assert_eq!(idp.hits(), 2);
}

/// Found in review: a caller that gives up on an unknown-kid refetch (a client
/// gone, a timeout) must not abandon it, and misses that arrive while it runs
/// wait for it instead of being refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_refetch_still_completes_and_later_misses_share_it() {
    let (idp, addr, _server) = idp().await;
    let (old, new) = (key("old"), key("new"));
    idp.publish(&[&old]);
    let keys = remote(addr)
        .timeout(Duration::from_secs(3))
        .start()
        .await
        .expect("start");
    let verifier = verifier(&keys);
    idp.publish(&[&old, &new]);
    idp.set(Mode::SlowKeys(Duration::from_millis(400)));
    let bob = token(&new, "bob");

    // The first caller gives up after 50 ms.
    let first = tokio::time::timeout(Duration::from_millis(50), authenticate(&verifier, &bob)).await;
    assert!(first.is_err(), "gave up");
    // A second miss while the fetch runs waits for it, rather than being refused.
    assert_eq!(code(&authenticate(&verifier, &bob).await), "ok");
    assert_eq!(keys.health().fetches, 2, "one start-up fetch, one shared refetch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symmetric_keys_are_never_taken_from_a_published_set() {
    let (idp, addr, _server) = idp().await;
    let secret: Jwk = serde_json::from_value(serde_json::json!({
        "kty": "oct", "alg": "HS256", "kid": "shared",
        "k": "YmVuY2htYXJrLXNlY3JldC1vZi0zMi1ieXRlcy1vayE"
    }))
    .expect("oct JWK");
    *idp.keys.lock().expect("keys") = vec![secret.clone(), key("k1").to_public().expect("public")];
    let keys = remote(addr).start().await.expect("start");
    assert_eq!(keys.health().keys, 1, "the oct key was left out");
    let forged = token(&secret, "admin");
    assert_eq!(code(&authenticate(&verifier(&keys), &forged).await), "unknown_key");

    *idp.keys.lock().expect("keys") = vec![secret];
    let err = remote(addr).start().await.unwrap_err();
    assert_eq!(err.code(), "no_usable_key");
}

/// Found in review: refreshes are scheduled within half the maximum staleness,
/// so a healthy provider's keys never go stale between two refreshes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_provider_never_lets_the_keys_go_stale() {
    let (idp, addr, _server) = idp().await;
    let signing = key("k1");
    idp.publish(&[&signing]);
    let keys = remote(addr)
        .max_staleness(Duration::from_secs(2))
        .start()
        .await
        .expect("start");
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert!(keys.health().is_ready());
    assert!(idp.hits() >= 2, "refreshed within the staleness bound");
    assert_eq!(
        code(&authenticate(&verifier(&keys), &token(&signing, "alice")).await),
        "ok"
    );
}

/// Keys bound to issuers (RFC 8725 §3.8) with remote sets: a new key of one issuer
/// refetches that issuer's set only, and never vouches for a token naming the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_issuer_remote_sets_refetch_only_the_named_issuers_keys() {
    let ((idp_a, addr_a, _a), (idp_b, addr_b, _b)) = (idp().await, idp().await);
    let (a1, a2, b1) = (key("a1"), key("a2"), key("b1"));
    idp_a.publish(&[&a1]);
    idp_b.publish(&[&b1]);
    let (keys_a, keys_b) = (
        remote(addr_a).start().await.expect("start a"),
        remote(addr_b).start().await.expect("start b"),
    );
    let verifier = Verifier::builder_for_issuers([("https://a.example", keys_a), ("https://b.example", keys_b)])
        .audience("orders")
        .build()
        .expect("verifier");
    let issued = |key: &Jwk, iss: &str| {
        Issuer::builder(SigningKey::from_jwk(key).expect("key"))
            .issuer(iss)
            .audience("orders")
            .build()
            .expect("issuer")
            .issue("alice", &())
            .expect("token")
    };
    assert_eq!(
        code(&authenticate(&verifier, &issued(&a1, "https://a.example")).await),
        "ok"
    );
    let (hits_a, hits_b) = (idp_a.hits(), idp_b.hits());

    // A rotates: its new key is fetched from A, and B's set is not asked.
    idp_a.publish(&[&a1, &a2]);
    assert_eq!(
        code(&authenticate(&verifier, &issued(&a2, "https://a.example")).await),
        "ok"
    );
    assert_eq!((idp_a.hits(), idp_b.hits()), (hits_a + 1, hits_b));

    // A's key claiming B: B's set is searched (and refetched once), never A's.
    let forged = issued(&a2, "https://b.example");
    assert_eq!(code(&authenticate(&verifier, &forged).await), "unknown_key");
    assert_eq!((idp_a.hits(), idp_b.hits()), (hits_a + 1, hits_b + 1));
}
