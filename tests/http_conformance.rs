//! The conformance table (`tests/common/conformance.rs`) against both demos: the
//! axum router of `examples/demo.rs` and the actix-web app of
//! `examples/demo_actix.rs`, each in-process and served on 127.0.0.1 and called
//! with the same raw HTTP/1.1 client. Every row must give the contract's status,
//! challenge and body, and the audit events it names; and the two adapters must
//! write the very same audit events for it, field by field.
//!
//! One test in this binary: the audit log is the process's, and rows are told
//! apart by order.
#![cfg(all(
    feature = "axum",
    feature = "actix",
    feature = "html",
    feature = "redis",
    feature = "tls",
    feature = "metrics"
))]
// Each demo is an example of its own and declares the service module they share;
// including both here compiles it twice, as two modules, which is what is meant.
#![allow(clippy::duplicate_mod)]

mod common {
    pub mod audit_events;
    pub mod conformance;
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

use actix_web::test::TestRequest;
use common::audit_events::{AuditEvent, AuditEvents};
use common::conformance::{Case, Keys, Limits, Seen, Tokens, cases, check, check_audit, from_raw, over_socket, tokens};
use common::http_serve::serve;
use common::http_serve_actix::serve_actix;
use portcullis::password::{Params, PasswordHasher, PasswordPool};
use portcullis::token::{Algorithm, SigningKey};

/// The address in-process requests claim to come from, so that both adapters'
/// handlers and audit events see a client as they do over a socket.
const IN_PROCESS_PEER: &str = "127.0.0.1:9";

/// One argon2 job at a time and none waiting: a login while the job runs is
/// refused with `busy`.
fn pool() -> PasswordPool {
    PasswordPool::builder(PasswordHasher::new())
        .concurrency(1)
        .queue(0)
        .build()
        .expect("pool")
}

/// A stored hash whose parameters make its check take about 0.4 s (the default
/// limits' most work), to hold the pool's one worker.
fn slow_hash() -> String {
    let params = Params {
        m_cost: 65_536,
        t_cost: 8,
        ..Params::default()
    };
    PasswordHasher::builder()
        .params(params)
        .build()
        .expect("hasher")
        .hash("hold the pool")
        .expect("hash")
}

/// Sends `case` through `send` (one transport of one adapter), with the pool held
/// when the row asks for it, and returns the response and the audit events it
/// left.
async fn run<F, Fut>(
    events: &AuditEvents,
    pool: &PasswordPool,
    slow: &str,
    case: &Case,
    send: F,
) -> (Seen, Vec<AuditEvent>)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Seen>,
{
    let holder = case.pool_busy.then(|| {
        let (pool, slow) = (pool.clone(), slow.to_owned());
        tokio::spawn(async move { pool.verify_async("hold the pool", &slow).await })
    });
    if holder.is_some() {
        while pool.stats().running == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
    let start = events.len();
    let seen = send().await;
    let logged = events.since(start);
    if let Some(holder) = holder {
        assert!(holder.await.expect("task").expect("verify").ok);
    }
    (seen, logged)
}

async fn axum_in_process(app: &axum::Router, case: &Case) -> Seen {
    use tower::ServiceExt;

    let mut request = axum::http::Request::builder().method(case.method).uri(case.path);
    for (name, value) in &case.headers {
        request = request.header(*name, value.as_slice());
    }
    let mut request = request.body(axum::body::Body::from(case.body)).expect("request");
    let peer: SocketAddr = IN_PROCESS_PEER.parse().expect("address");
    request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    let response = app.clone().oneshot(request).await.expect("infallible");
    let (status, header) = (response.status().as_u16(), |name| {
        response.headers().get(name).map(|v| v.as_bytes())
    });
    let head = Seen::head(status, header);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    head.with_body(&body)
}

/// `R` is actix-http's request type, named through `to_request` (actix-web does
/// not re-export it).
async fn actix_in_process<S, R>(app: &S, case: &Case, to_request: fn(TestRequest) -> R) -> Seen
where
    S: actix_web::dev::Service<R, Response = actix_web::dev::ServiceResponse, Error = actix_web::Error>,
{
    use actix_web::http::header::{HeaderName, HeaderValue};

    let mut request = TestRequest::default()
        .method(case.method.parse().expect("method"))
        .uri(case.path)
        .peer_addr(IN_PROCESS_PEER.parse().expect("address"))
        .set_payload(case.body);
    for (name, value) in &case.headers {
        request = request.append_header((
            HeaderName::from_static(name),
            HeaderValue::from_bytes(value).expect("header value"),
        ));
    }
    let response = actix_web::test::call_service(app, to_request(request)).await;
    let (status, header) = (response.status().as_u16(), |name| {
        response.headers().get(name).map(|v| v.as_bytes())
    });
    let head = Seen::head(status, header);
    head.with_body(&actix_web::test::read_body(response).await)
}

/// Events as both adapters must write them: the client's port differs between
/// connections, so only its host is compared.
fn comparable(events: &[AuditEvent]) -> Vec<AuditEvent> {
    events
        .iter()
        .map(|event| {
            let mut event = event.clone();
            if let Some(client) = event.get_mut("client") {
                let host = client.rsplit_once(':').map_or("", |(host, _)| host).to_owned();
                *client = host;
            }
            event
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_adapters_answer_every_row_alike_in_process_and_over_a_socket() {
    let events = AuditEvents::install_global();
    let key = SigningKey::generate_jwk(Algorithm::ES256).expect("key");
    let slow = slow_hash();

    let (axum_pool, actix_pool) = (pool(), pool());
    let axum_app = demo::app(
        demo::orders::Options {
            key: key.clone(),
            passwords: axum_pool.clone(),
            trusted_proxies: demo::orders::TrustedProxies::parse("127.0.0.1/32").expect("proxies"),
            redis_url: None,
            replicas: 1,
            tls: None,
            metrics: demo::orders::prometheus().expect("metrics"),
        },
        demo::orders::AuditLog::default(),
    )
    .await
    .expect("axum demo");
    let axum_addr = serve(axum_app.clone()).await;
    let actix_demo = demo_actix::Demo::new(
        demo_actix::orders::Options {
            key: key.clone(),
            passwords: actix_pool.clone(),
            trusted_proxies: demo_actix::orders::TrustedProxies::parse("127.0.0.1/32").expect("proxies"),
            redis_url: None,
            replicas: 1,
            tls: None,
            metrics: demo_actix::orders::prometheus().expect("metrics"),
        },
        demo_actix::orders::AuditLog::default(),
    )
    .await
    .expect("actix demo");
    let actix_addr = {
        let demo = actix_demo.clone();
        serve_actix(move |config| demo.configure(config))
    };
    let actix_app =
        actix_web::test::init_service(actix_web::App::new().configure(|config| actix_demo.configure(config))).await;

    let t: Tokens = tokens(&key, demo::orders::ISSUER, demo::orders::AUDIENCE);
    // Each demo keeps its own API keys: one table per demo, alike but for the keys.
    let axum_keys = Keys::make(axum_addr, &t.alice).await;
    let actix_keys = Keys::make(actix_addr, &t.alice).await;
    Limits::reach(axum_addr).await;
    Limits::reach(actix_addr).await;
    Keys::settle().await;
    let axum_table = cases(&t, &axum_keys);
    let actix_table = cases(&t, &actix_keys);
    assert!(axum_table.len() >= 30, "{} rows", axum_table.len());
    let mut all_events = Vec::new();
    for (case, actix_case) in axum_table.iter().zip(&actix_table) {
        let (seen, axum_local) = run(&events, &axum_pool, &slow, case, || axum_in_process(&axum_app, case)).await;
        check(case, &seen, "axum in-process");
        check_audit(case, &axum_local, "axum in-process");

        let (seen, axum_socket) = run(&events, &axum_pool, &slow, case, || async {
            from_raw(&over_socket(axum_addr, case).await.expect("axum response"))
        })
        .await;
        check(case, &seen, "axum socket");
        check_audit(case, &axum_socket, "axum socket");

        let case = actix_case;
        let (seen, actix_local) = run(&events, &actix_pool, &slow, case, || {
            actix_in_process(&actix_app, case, TestRequest::to_request)
        })
        .await;
        check(case, &seen, "actix in-process");
        check_audit(case, &actix_local, "actix in-process");

        let (seen, actix_socket) = run(&events, &actix_pool, &slow, case, || async {
            from_raw(&over_socket(actix_addr, case).await.expect("actix response"))
        })
        .await;
        check(case, &seen, "actix socket");
        check_audit(case, &actix_socket, "actix socket");

        assert_eq!(
            comparable(&axum_local),
            comparable(&actix_local),
            "{}: in-process audit events differ between the adapters",
            case.name
        );
        assert_eq!(
            comparable(&axum_socket),
            comparable(&actix_socket),
            "{}: socket audit events differ between the adapters",
            case.name
        );
        for event in axum_socket.iter().chain(&actix_socket) {
            if event.get("event").is_some_and(|name| name != "auth_decision") {
                continue;
            }
            assert!(
                event.get("client").is_some_and(|c| c.starts_with(case.client)),
                "{}: socket events carry the client {}: {event:?}",
                case.name,
                case.client
            );
        }
        all_events.extend(
            axum_local
                .into_iter()
                .chain(axum_socket)
                .chain(actix_local)
                .chain(actix_socket),
        );
    }

    // No piece of any token or API key reaches the audit log, from either adapter.
    let log = format!("{all_events:?}");
    for token in t.all() {
        for piece in token.split('.').filter(|piece| piece.len() >= 16) {
            assert!(!log.contains(piece), "the audit log holds a token part: {piece}");
        }
    }
    for key in axum_keys.all().into_iter().chain(actix_keys.all()) {
        let secret = key.split_once('_').map_or(key, |(_, secret)| secret);
        for piece in secret.as_bytes().windows(12) {
            let piece = std::str::from_utf8(piece).expect("ASCII");
            assert!(!log.contains(piece), "the audit log holds part of an API key");
        }
    }
    for (needle, why) in [
        (r#""route": "/orders""#, "routes are the matched pattern"),
        (
            r#""requirement": "orders:write""#,
            "guard decisions carry the requirement",
        ),
        (
            r#""requirement": "orders:read""#,
            "Authorized grants are recorded with their permission",
        ),
        (
            r#""requirement": "any-of(role:admin reports.read)""#,
            "any-of guards are described",
        ),
        (r#""subject": "alice""#, "allowed requests carry the subject"),
        (r#""token_id": ""#, "verified tokens' ids are recorded"),
    ] {
        assert!(log.contains(needle), "{why}: no {needle}");
    }
}
