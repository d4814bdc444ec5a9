//! Per-request latency through the axum layer and the actix-web middleware,
//! in-process, against the same router or app without them: tower `oneshot` on a
//! current-thread tokio runtime for axum, `actix_web::test::call_service` on an
//! actix system for actix-web (the same path a request takes after the server has
//! parsed it, without the socket).
//!
//! Run: `cargo bench --bench http --features axum,actix`.
//!
//! - `axum/bare`: `GET /me` on a router without portcullis (the handler returns a
//!   constant), with the same `Authorization` header, so building the request costs
//!   the same.
//! - `axum/layer_{hs256,es256}`: the same router under `AuthLayer::required` with a
//!   valid token of that algorithm (a realistic access token, as in benches/token.rs).
//! - `axum/layer_optional_anonymous` against `axum/bare_no_header`: the layer's own
//!   cost, with no token to verify.
//! - `axum/layer_extract_{hs256,es256}`: the handler also takes the `Principal`.
//! - `axum/guard_es256`: plus a permission guard on the route.
//! - `actix/*`: the same rows on actix-web (`AuthMiddleware` on the resource, the
//!   guard on the route).
//! - `axum/naive_{hs256,es256}`, `actix/naive_{hs256,es256}`: the floor, a layer
//!   written the naive way (`axum::middleware::from_fn`, actix-web's
//!   `middleware::from_fn`) around the check of `common/naive.rs` (ring, base64,
//!   serde, claims into a struct put in the request's extensions), on the same
//!   router and token as `layer_*`.
//! - `verify/{hs256,es256}`: `Verifier::verify_principal` alone, for the target:
//!   layer − bare ≤ verify + 1 µs.

#[path = "common/naive.rs"]
mod naive;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, web};
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::Principal;
use portcullis::actix::AuthMiddleware;
use portcullis::axum::AuthLayer;
use portcullis::http::Guard;
use portcullis::rbac::PolicyHandle;
use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};
use tower::ServiceExt;

fn keys(alg: Algorithm) -> (Verifier, String) {
    let (verifier, token, _) = keys_and_floor(alg);
    (verifier, token)
}

/// A verifier, a token it accepts, and the naive check of the same key.
fn keys_and_floor(alg: Algorithm) -> (Verifier, String, Arc<naive::Naive>) {
    const SECRET: &[u8] = b"benchmark-secret-of-32-bytes-ok!";
    let key = if alg == Algorithm::HS256 {
        SigningKey::from_secret(alg, SECRET).expect("key")
    } else {
        SigningKey::generate(alg).expect("key")
    };
    let floor = match alg {
        Algorithm::HS256 => naive::Floor::Hmac(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET)),
        _ => naive::Floor::from_jwk(alg, &key.verifying_key().to_jwk().expect("public JWK")),
    };
    let naive = Arc::new(naive::Naive {
        alg: alg.as_str(),
        floor,
        iss: "https://auth.example".into(),
        aud: "orders".into(),
    });
    let verifier = Verifier::builder(KeySet::single(key.verifying_key()))
        .issuer("https://auth.example")
        .audience("orders")
        .build()
        .expect("verifier");
    let token = Issuer::builder(key)
        .issuer("https://auth.example")
        .audience("orders")
        .build()
        .expect("issuer")
        .issue(
            "alice",
            &serde_json::json!({
                "scope": "orders.read orders.write",
                "roles": ["clerk", "viewer"],
                "tenant": "acme",
            }),
        )
        .expect("token");
    assert!(naive.verify(&token, naive::now()).is_some());
    (verifier, token, naive)
}

fn request(token: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().uri("/me");
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    builder.body(Body::empty()).expect("request")
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

fn axum_layer(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let bare: Router = Router::new().route("/me", get(|| async { "ok" }));
    let policy = PolicyHandle::from_toml("[roles.clerk]\npermissions = [\"orders:read\"]").expect("policy");
    let mut group = c.benchmark_group("axum");
    // The same request, token header included, so that building it costs the same.
    let (_, hs256_token) = keys(Algorithm::HS256);
    group.bench_function("bare", |b| {
        b.iter(|| {
            runtime
                .block_on(bare.clone().oneshot(black_box(request(Some(&hs256_token)))))
                .expect("response")
        })
    });
    let (anonymous_verifier, _) = keys(Algorithm::HS256);
    let optional = bare.clone().layer(AuthLayer::optional(anonymous_verifier));
    group.bench_function("layer_optional_anonymous", |b| {
        b.iter(|| {
            runtime
                .block_on(optional.clone().oneshot(black_box(request(None))))
                .expect("response")
        })
    });
    group.bench_function("bare_no_header", |b| {
        b.iter(|| {
            runtime
                .block_on(bare.clone().oneshot(black_box(request(None))))
                .expect("response")
        })
    });
    for (name, alg) in [("hs256", Algorithm::HS256), ("es256", Algorithm::ES256)] {
        let (verifier, token, naive) = keys_and_floor(alg);
        let naive_layered = bare
            .clone()
            .layer(axum::middleware::from_fn_with_state(naive, naive::axum_layer));
        let response = runtime
            .block_on(naive_layered.clone().oneshot(request(Some(&token))))
            .expect("response");
        assert_eq!(response.status(), 200);
        group.bench_function(format!("naive_{name}"), |b| {
            b.iter(|| {
                runtime
                    .block_on(naive_layered.clone().oneshot(black_box(request(Some(&token)))))
                    .expect("response")
            })
        });
        let layered = bare.clone().layer(AuthLayer::required(verifier.clone()));
        let response = runtime
            .block_on(layered.clone().oneshot(request(Some(&token))))
            .expect("response");
        assert_eq!(response.status(), 200);
        group.bench_function(format!("layer_{name}"), |b| {
            b.iter(|| {
                runtime
                    .block_on(layered.clone().oneshot(black_box(request(Some(&token)))))
                    .expect("response")
            })
        });
        let extracting: Router = Router::new()
            .route(
                "/me",
                get(|caller: Principal| async move { black_box(caller.subject().len()).to_string() }),
            )
            .layer(AuthLayer::required(verifier.clone()));
        group.bench_function(format!("layer_extract_{name}"), |b| {
            b.iter(|| {
                runtime
                    .block_on(extracting.clone().oneshot(black_box(request(Some(&token)))))
                    .expect("response")
            })
        });
        if alg == Algorithm::ES256 {
            // The same, with verified tokens cached: what a service with a
            // TokenCache pays per request once a token has been seen.
            let cached = Verifier::builder(verifier.keys(None).expect("one key source").as_ref().clone())
                .issuer("https://auth.example")
                .audience("orders")
                .cache(portcullis::token::TokenCache::new(16 << 20))
                .build()
                .expect("verifier");
            let extracting_cached: Router = Router::new()
                .route(
                    "/me",
                    get(|caller: Principal| async move { black_box(caller.subject().len()).to_string() }),
                )
                .layer(AuthLayer::required(cached));
            group.bench_function("layer_extract_cached_es256", |b| {
                b.iter(|| {
                    runtime
                        .block_on(extracting_cached.clone().oneshot(black_box(request(Some(&token)))))
                        .expect("response")
                })
            });
            let guarded: Router = Router::new()
                .route(
                    "/me",
                    get(|| async { "ok" }).route_layer(Guard::permission(&policy, "orders:read").expect("guard")),
                )
                .layer(AuthLayer::required(verifier.clone()));
            let response = runtime
                .block_on(guarded.clone().oneshot(request(Some(&token))))
                .expect("response");
            assert_eq!(response.status(), 200);
            group.bench_function("guard_es256", |b| {
                b.iter(|| {
                    runtime
                        .block_on(guarded.clone().oneshot(black_box(request(Some(&token)))))
                        .expect("response")
                })
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("pipeline");
    let header = format!("Bearer {hs256_token}");
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("authorization", header.parse().expect("header"));
    let sources = portcullis::auth::CredentialSources::authorization_header();
    group.bench_function("extract", |b| {
        b.iter(|| sources.extract(black_box(&headers)).expect("token").is_some())
    });
    group.bench_function("audit_record", |b| {
        b.iter(|| {
            portcullis::audit::record(black_box(&portcullis::audit::Decision {
                outcome: portcullis::audit::Outcome::Allowed,
                stage: portcullis::audit::Stage::Authentication,
                credential: portcullis::audit::Credential::Bearer,
                code: None,
                subject: Some("alice"),
                token_id: Some("57F0czYTIUqga0NaBIPqQA"),
                client: None,
                method: "GET",
                route: "/me",
                requirement: None,
            }))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("verify");
    for (name, alg) in [("hs256", Algorithm::HS256), ("es256", Algorithm::ES256)] {
        let (verifier, token) = keys(alg);
        group.bench_function(name, |b| {
            b.iter(|| verifier.verify_principal(black_box(&token)).expect("valid"))
        });
    }
    group.finish();
}

/// `GET /me` for actix-web's test service, with the token if any (a macro: the
/// request type is actix-http's, which actix-web does not re-export).
macro_rules! actix_request {
    ($token:expr) => {{
        let mut request = actix_web::test::TestRequest::get().uri("/me");
        if let Some(token) = $token {
            request = request.insert_header(("authorization", format!("Bearer {token}")));
        }
        request.to_request()
    }};
}

/// One bench row: `$app` made into a service once, checked to answer 2xx, then
/// called per iteration.
macro_rules! actix_row {
    ($group:expr, $system:expr, $name:expr, $app:expr, $token:expr) => {{
        let app = $system.block_on(actix_web::test::init_service($app));
        let token: Option<&str> = $token;
        let response = $system.block_on(actix_web::test::call_service(&app, actix_request!(token)));
        assert!(response.status().is_success(), "{}: {}", $name, response.status());
        $group.bench_function($name, |b| {
            b.iter(|| $system.block_on(actix_web::test::call_service(&app, black_box(actix_request!(token)))))
        });
    }};
}

async fn constant() -> &'static str {
    "ok"
}

fn actix_middleware(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let policy = PolicyHandle::from_toml("[roles.clerk]\npermissions = [\"orders:read\"]").expect("policy");
    let mut group = c.benchmark_group("actix");
    let (_, hs256_token) = keys(Algorithm::HS256);
    let bare = || App::new().route("/me", web::get().to(constant));
    actix_row!(group, system, "bare", bare(), Some(hs256_token.as_str()));
    actix_row!(group, system, "bare_no_header", bare(), None);
    let (anonymous_verifier, _) = keys(Algorithm::HS256);
    actix_row!(
        group,
        system,
        "layer_optional_anonymous",
        App::new().service(
            web::resource("/me")
                .wrap(AuthMiddleware::optional(anonymous_verifier))
                .route(web::get().to(constant))
        ),
        None
    );
    for (name, alg) in [("hs256", Algorithm::HS256), ("es256", Algorithm::ES256)] {
        let (verifier, token, naive) = keys_and_floor(alg);
        actix_row!(
            group,
            system,
            format!("naive_{name}"),
            App::new().service(
                web::resource("/me")
                    .wrap(actix_web::middleware::from_fn(move |request, next| {
                        naive::actix_layer(naive.clone(), request, next)
                    }))
                    .route(web::get().to(constant))
            ),
            Some(token.as_str())
        );
        actix_row!(
            group,
            system,
            format!("layer_{name}"),
            App::new().service(
                web::resource("/me")
                    .wrap(AuthMiddleware::required(verifier.clone()))
                    .route(web::get().to(constant))
            ),
            Some(token.as_str())
        );
        actix_row!(
            group,
            system,
            format!("layer_extract_{name}"),
            App::new().service(
                web::resource("/me")
                    .wrap(AuthMiddleware::required(verifier.clone()))
                    .route(
                        web::get().to(|caller: Principal| async move { black_box(caller.subject().len()).to_string() })
                    )
            ),
            Some(token.as_str())
        );
        if alg == Algorithm::ES256 {
            let guard = portcullis::http::Guard::permission(&policy, "orders:read").expect("guard");
            actix_row!(
                group,
                system,
                "guard_es256",
                App::new().service(
                    web::resource("/me")
                        .wrap(AuthMiddleware::required(verifier.clone()))
                        .route(web::get().to(constant).wrap(guard))
                ),
                Some(token.as_str())
            );
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = axum_layer, actix_middleware
}
criterion_main!(benches);
