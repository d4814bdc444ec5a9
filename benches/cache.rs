//! The verified-token cache and remote key sets.
//!
//! Run: `cargo bench --bench cache --features jwks`.
//!
//! - `cache/{hs256,rs256,es256}/miss`: `verify_principal` without a cache (every
//!   call checks the signature and parses the claims).
//! - `cache/{…}/hit`: the same token again through a verifier with a
//!   `TokenCache` (targets: under 150 ns, and at least 10 times faster than an
//!   HS256 miss).
//! - `keys/{rs256,es256}/{static,remote}`: a miss with keys from a `KeySet`
//!   against keys from a `RemoteKeySet` (served by a JWKS on 127.0.0.1, fetched
//!   once): the cost of the lock-free snapshot read and the staleness check.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::token::{Algorithm, Issuer, Jwk, JwkSet, KeySet, RemoteKeySet, SigningKey, TokenCache, Verifier};

const RSA_JWK: &str = include_str!("../tests/data/rfc/rfc7515_a2_rs256.json");

fn private_jwk(alg: Algorithm) -> Jwk {
    let mut jwk = match alg {
        Algorithm::RS256 => {
            let doc: serde_json::Value = serde_json::from_str(RSA_JWK).expect("RFC 7515 A.2 fixture");
            let mut jwk: Jwk = serde_json::from_value(doc["jwk"].clone()).expect("RFC 7515 A.2 JWK");
            jwk.alg = Some("RS256".into());
            jwk
        }
        Algorithm::HS256 => {
            let mut jwk: Jwk = serde_json::from_value(serde_json::json!({
                "kty": "oct",
                "alg": "HS256",
                "k": "YmVuY2htYXJrLXNlY3JldC1vZi0zMi1ieXRlcy1vayE",
            }))
            .expect("oct JWK");
            jwk.alg = Some("HS256".into());
            jwk
        }
        _ => SigningKey::generate_jwk(alg).expect("key"),
    };
    jwk.kid = Some("2025-11".into());
    jwk
}

/// A realistic access token (as benches/token.rs) for `jwk`.
fn token(jwk: &Jwk) -> String {
    Issuer::builder(SigningKey::from_jwk(jwk).expect("key"))
        .issuer("https://auth.example.com")
        .audience("orders-api")
        .ttl(Duration::from_secs(3600))
        .build()
        .expect("issuer")
        .issue(
            "user-4711",
            &serde_json::json!({
                "scope": "orders.read orders.write",
                "roles": ["viewer", "clerk", "auditor"],
                "tenant": "acme",
            }),
        )
        .expect("token")
}

fn verifier(keys: impl Into<portcullis::token::KeySource>, cache: Option<TokenCache>) -> Verifier {
    let builder = Verifier::builder(keys)
        .issuer("https://auth.example.com")
        .audience("orders-api");
    match cache {
        Some(cache) => builder.cache(cache),
        None => builder,
    }
    .build()
    .expect("verifier")
}

fn static_keys(jwk: &Jwk) -> KeySet {
    let public = match jwk.kty.as_str() {
        "oct" => jwk.clone(),
        _ => jwk.to_public().expect("public"),
    };
    KeySet::from_jwks(&JwkSet { keys: vec![public] }).expect("keys")
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

fn cache(c: &mut Criterion) {
    let mut group = c.benchmark_group("cache");
    for (name, alg) in [
        ("hs256", Algorithm::HS256),
        ("rs256", Algorithm::RS256),
        ("es256", Algorithm::ES256),
    ] {
        let jwk = private_jwk(alg);
        let token = token(&jwk);
        let uncached = verifier(static_keys(&jwk), None);
        let cached = verifier(static_keys(&jwk), Some(TokenCache::new(16 << 20)));
        uncached.verify_principal(&token).expect("verifies");
        cached.verify_principal(&token).expect("verifies, and is cached");
        group.bench_function(format!("{name}/miss"), |b| {
            b.iter(|| uncached.verify_principal(black_box(&token)).expect("valid"))
        });
        group.bench_function(format!("{name}/hit"), |b| {
            b.iter(|| cached.verify_principal(black_box(&token)).expect("valid"))
        });
    }
    group.finish();
}

/// Serves `jwks` at `/jwks` on 127.0.0.1 from a thread of its own.
fn serve_jwks(jwks: String) -> std::net::SocketAddr {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            sender.send(listener.local_addr().expect("addr")).expect("addr");
            let app = axum::Router::new().route("/jwks", axum::routing::get(move || async move { jwks }));
            axum::serve(listener, app).await.expect("serve");
        });
    });
    receiver.recv().expect("addr")
}

fn remote_keys(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("keys");
    // Remote sets never take symmetric keys: RSA and ECDSA.
    for (name, alg) in [("rs256", Algorithm::RS256), ("es256", Algorithm::ES256)] {
        let jwk = private_jwk(alg);
        let token = token(&jwk);
        let public = jwk.to_public().expect("public");
        let addr = serve_jwks(serde_json::to_string(&JwkSet { keys: vec![public] }).expect("json"));
        let remote = runtime
            .block_on(
                RemoteKeySet::from_jwks_url(format!("http://{addr}/jwks"))
                    .allow_http_loopback(true)
                    .start(),
            )
            .expect("remote keys");
        let from_static = verifier(static_keys(&jwk), None);
        let from_remote = verifier(remote, None);
        from_remote.verify_principal(&token).expect("verifies");
        group.bench_function(format!("{name}/static"), |b| {
            b.iter(|| from_static.verify_principal(black_box(&token)).expect("valid"))
        });
        group.bench_function(format!("{name}/remote"), |b| {
            b.iter(|| from_remote.verify_principal(black_box(&token)).expect("valid"))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = cache, remote_keys
}
criterion_main!(benches);
