//! The per-request cost of the metrics, through the axum layer, in one run: the
//! same router (the layer with a cached ES256 verifier, a handler taking the
//! `Principal`, a permission guard) built before a recorder is installed (every
//! handle a no-op, no clock read: the cost with no recorder) and after a Prometheus
//! recorder (`metrics-exporter-prometheus`, the decision histogram with buckets) is
//! installed and `portcullis::metrics::enable` called.
//!
//! - `metrics/no_recorder`, `metrics/prometheus`: one `GET /orders` each, in-process
//!   (tower `oneshot` on a current-thread runtime), with the same cached token.
//!   Per request the gate counts an authentication and an authorization decision
//!   and samples both durations, and the cache counts a hit.
//!
//! Target: `prometheus` − `no_recorder` under 100 ns.
//!
//! Run: `cargo bench --bench metrics --features axum,metrics`.

use std::hint::black_box;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use portcullis::Principal;
use portcullis::axum::AuthLayer;
use portcullis::http::Guard;
use portcullis::rbac::PolicyHandle;
use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, TokenCache, Verifier};
use tower::ServiceExt;

/// The router, its handles registered with whatever recorder is installed now.
fn router(key: &SigningKey) -> Router {
    let verifier = Verifier::builder(KeySet::single(key.verifying_key()))
        .audience("orders")
        .cache(TokenCache::new(1 << 20))
        .build()
        .expect("verifier");
    let policy = PolicyHandle::from_toml("[roles.clerk]\npermissions = [\"orders:read\"]").expect("policy");
    Router::new()
        .route(
            "/orders",
            get(|caller: Principal| async move { black_box(caller.subject().len()).to_string() })
                .route_layer(Guard::permission(&policy, "orders:read").expect("guard")),
        )
        .layer(AuthLayer::required(verifier).policy(policy))
}

fn request(token: &str) -> Request<Body> {
    Request::builder()
        .uri("/orders")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request")
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let key = SigningKey::generate(Algorithm::ES256).expect("key");
    let issuer = Issuer::builder(key).audience("orders").build().expect("issuer");
    let token = issuer
        .issue("carl", &serde_json::json!({ "roles": ["clerk"] }))
        .expect("token");
    let key = issuer.key();
    let call = |app: &Router| {
        let response = runtime
            .block_on(app.clone().oneshot(black_box(request(&token))))
            .expect("response");
        assert_eq!(response.status(), 200);
    };

    let without = router(key);
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(portcullis::metrics::AUTH_DECISION_DURATION.to_owned()),
            portcullis::metrics::DECISION_BUCKETS,
        )
        .expect("buckets")
        .install_recorder()
        .expect("recorder");
    portcullis::metrics::enable();
    let with = router(key);
    // The token is cached in each router's verifier before measuring.
    call(&without);
    call(&with);

    let mut group = c.benchmark_group("metrics");
    group.bench_function("no_recorder", |b| b.iter(|| call(&without)));
    group.bench_function("prometheus", |b| b.iter(|| call(&with)));
    group.finish();

    // The series were recorded, and only by the router built after the recorder.
    let text = handle.render();
    assert!(
        text.contains(
            r#"portcullis_auth_decisions_total{outcome="allowed",stage="authorization",credential="bearer",code="ok"}"#
        ),
        "{text}"
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = bench
}
criterion_main!(benches);
