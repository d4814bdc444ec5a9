//! `GET /metrics` on both demos over a real socket on 127.0.0.1: a scripted session
//! (logins right and wrong, each refusal class, a blocked login, an API key, a
//! cached token, an order sealed and opened) moves exactly the counters it should,
//! by exactly as much; the decision histogram is a histogram; and every label value
//! comes from its closed set (never a subject, an address, a token or key id, or a
//! path).
//!
//! One test: both demos share the process's one recorder, so each is measured as
//! the difference between a scrape before and a scrape after its session.
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
    pub mod http_call;
    pub mod http_log_in;
    pub mod http_serve;
    pub mod http_serve_actix;
}

#[allow(dead_code)]
#[path = "../examples/demo.rs"]
mod demo;

#[allow(dead_code)]
#[path = "../examples/demo_actix.rs"]
mod demo_actix;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use common::http::send;
use common::http_call::call;
use common::http_log_in::log_in;
use common::http_serve::serve;
use common::http_serve_actix::serve_actix;

/// A scrape: each sample's series (name and sorted labels) and its value.
type Scrape = BTreeMap<String, f64>;

fn parse(text: &str) -> Scrape {
    let mut samples = Scrape::new();
    for line in text.lines().filter(|line| line.starts_with("portcullis_")) {
        let (series, value) = line.rsplit_once(' ').expect("a sample");
        let value: f64 = value.parse().expect("a number");
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => (name, labels.trim_end_matches('}')),
            None => (series, ""),
        };
        let mut labels: Vec<&str> = labels.split(',').filter(|label| !label.is_empty()).collect();
        labels.sort_unstable();
        samples.insert(format!("{name}{{{}}}", labels.join(",")), value);
    }
    samples
}

async fn scrape(addr: SocketAddr) -> (String, Scrape) {
    let response = call(addr, "GET", "/metrics", None, "").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = response.text();
    let samples = parse(&text);
    (text, samples)
}

/// The counters that moved between two scrapes, and by how much.
fn moved(before: &Scrape, after: &Scrape) -> BTreeMap<String, f64> {
    after
        .iter()
        .filter(|(series, _)| series.contains("_total{"))
        .filter_map(|(series, value)| {
            let delta = value - before.get(series).copied().unwrap_or(0.0);
            (delta != 0.0).then(|| (series.clone(), delta))
        })
        .collect()
}

fn decisions(outcome: &str, stage: &str, credential: &str, code: &str) -> String {
    format!(
        r#"portcullis_auth_decisions_total{{code="{code}",credential="{credential}",outcome="{outcome}",stage="{stage}"}}"#
    )
}

/// What the session must move, and by how much.
fn expected() -> BTreeMap<String, f64> {
    [
        (decisions("allowed", "authentication", "password", "ok"), 2.0),
        (
            decisions("denied", "authentication", "password", "invalid_credentials"),
            6.0,
        ),
        (
            decisions("denied", "authentication", "password", "too_many_requests"),
            1.0,
        ),
        (decisions("allowed", "authentication", "bearer", "ok"), 6.0),
        (
            decisions("denied", "authentication", "none", "missing_credentials"),
            1.0,
        ),
        (decisions("denied", "authentication", "bearer", "malformed"), 1.0),
        (decisions("denied", "authorization", "bearer", "forbidden"), 1.0),
        (decisions("allowed", "authorization", "bearer", "ok"), 3.0),
        (decisions("allowed", "authentication", "api_key", "ok"), 1.0),
        (decisions("allowed", "authorization", "api_key", "ok"), 1.0),
        (
            r#"portcullis_token_cache_requests_total{result="miss"}"#.to_owned(),
            3.0,
        ),
        (r#"portcullis_token_cache_requests_total{result="hit"}"#.to_owned(), 4.0),
        (
            r#"portcullis_throttle_blocks_total{scope="account_client"}"#.to_owned(),
            1.0,
        ),
        (r#"portcullis_keyring_operations_total{op="seal"}"#.to_owned(), 1.0),
        (r#"portcullis_keyring_operations_total{op="open"}"#.to_owned(), 1.0),
    ]
    .into_iter()
    .collect()
}

/// The session; it leaves behind the API key's id, to check no label holds it.
async fn session(addr: SocketAddr) -> String {
    let [(alice, alice_password, ..), (bob, bob_password, ..)] = demo::orders::USERS;
    let token_of = |response: common::http::RawResponse| {
        assert_eq!(response.status, 200, "{}", response.text());
        let body: serde_json::Value = serde_json::from_str(&response.text()).expect("json");
        body["access_token"].as_str().expect("token").to_owned()
    };
    // Logins: right (two), wrong (one).
    let alice_token = token_of(log_in(addr, alice, alice_password).await);
    let bob_token = token_of(log_in(addr, bob, bob_password).await);
    assert_eq!(log_in(addr, bob, "not bob's password").await.status, 401);
    // A token, verified then served from the cache.
    for _ in 0..2 {
        assert_eq!(call(addr, "GET", "/me", Some(&alice_token), "").await.status, 200);
    }
    // Refusals at authentication: no credentials, a malformed token.
    assert_eq!(call(addr, "GET", "/me", None, "").await.status, 401);
    assert_eq!(call(addr, "GET", "/me", Some("not.a.token"), "").await.status, 401);
    // At authorization: bob is no admin.
    assert_eq!(
        call(addr, "GET", "/admin/audit", Some(&bob_token), "").await.status,
        403
    );
    // An order sealed (a permission guard), then read (the `Authorized` extractor).
    let order = r#"{"item":"tea","quantity":2,"note":"<b>urgent</b>"}"#;
    assert_eq!(
        call(addr, "POST", "/orders", Some(&alice_token), order).await.status,
        201
    );
    assert_eq!(call(addr, "GET", "/orders", Some(&bob_token), "").await.status, 200);
    // An API key, made (a role guard) and used (an any-of guard).
    let created = call(
        addr,
        "POST",
        "/api-keys",
        Some(&alice_token),
        r#"{"roles":["viewer"],"scopes":["reports.read"]}"#,
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created: serde_json::Value = serde_json::from_str(&created.text()).expect("json");
    let key = created["key"].as_str().expect("key").to_owned();
    let report = tokio::task::spawn_blocking(move || {
        send(addr, "GET", "/reports/daily", &[("x-api-key", key.as_bytes())], b"").expect("response")
    })
    .await
    .expect("client");
    assert_eq!(report.status, 200, "{}", report.text());
    // A blocked login: five wrong passwords for one (unknown) name, then a sixth.
    for _ in 0..5 {
        assert_eq!(log_in(addr, "mallory", "guess").await.status, 401);
    }
    assert_eq!(log_in(addr, "mallory", "guess").await.status, 429);
    created["id"].as_str().expect("id").to_owned()
}

/// Every label value of every portcullis series is one of its closed set.
fn labels_are_closed(text: &str, secrets: &[&str]) {
    let allowed = |label: &str, value: &str| -> bool {
        match label {
            "outcome" => ["allowed", "anonymous", "denied"].contains(&value),
            "stage" => ["authentication", "authorization", "handler", "rate_limit"].contains(&value),
            "credential" => ["bearer", "api_key", "certificate", "password", "none"].contains(&value),
            // A stable code: snake_case, as every portcullis code is.
            "code" => !value.is_empty() && value.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "state" => ["running", "waiting"].contains(&value),
            "result" => ["ok", "error", "hit", "miss"].contains(&value),
            "scope" => [
                "account_client",
                "account",
                "client",
                "capacity",
                "in_flight",
                "rate_limit",
            ]
            .contains(&value),
            "backend" => ["memory", "redis", "fallback", "custom", "none"].contains(&value),
            "op" => [
                "seal",
                "open",
                "rotate",
                "rewrap",
                "blocked",
                "fail",
                "clear",
                "rate",
                "revoke",
                "revocations",
                "api_key",
            ]
            .contains(&value),
            // The histogram's buckets.
            "le" => value == "+Inf" || value.parse::<f64>().is_ok(),
            _ => false,
        }
    };
    for line in text.lines().filter(|line| line.starts_with("portcullis_")) {
        for secret in secrets {
            assert!(!line.contains(secret), "{secret:?} in a series: {line}");
        }
        let Some((_, labels)) = line.split_once('{') else {
            continue;
        };
        let labels = labels.split_once('}').expect("closed labels").0;
        for label in labels.split(',').filter(|label| !label.is_empty()) {
            let (name, value) = label.split_once('=').expect("name=value");
            let value = value.trim_matches('"');
            assert!(allowed(name, value), "label {name}={value:?} outside its set: {line}");
        }
    }
}

async fn check(name: &str, addr: SocketAddr) {
    let (_, before) = scrape(addr).await;
    let key_id = session(addr).await;
    let (text, after) = scrape(addr).await;
    assert_eq!(moved(&before, &after), expected(), "{name}: the counters that moved");
    // The scrapes themselves are no decisions: nothing moved between two of them.
    let (_, again) = scrape(addr).await;
    assert_eq!(
        moved(&after, &again),
        BTreeMap::new(),
        "{name}: /metrics counted itself"
    );

    // A histogram, with the documented buckets, and one sample per authentication
    // the middleware decided (logins are the demo's own decisions, not timed).
    let histogram = r#"portcullis_auth_decision_duration_seconds_count{stage="authentication"}"#;
    let count = after[histogram] - before.get(histogram).copied().unwrap_or(0.0);
    assert_eq!(count, 9.0, "{name}: authentications timed");
    assert!(
        text.contains(r#"portcullis_auth_decision_duration_seconds_bucket{stage="authentication",le="0.00001"}"#),
        "{name}: no 10 µs bucket:\n{text}"
    );
    assert!(
        text.contains("# TYPE portcullis_auth_decision_duration_seconds histogram"),
        "{name}"
    );
    // Nothing running or waiting on the password pool once the session is over.
    assert_eq!(after[r#"portcullis_password_jobs{state="running"}"#], 0.0, "{name}");
    assert_eq!(after[r#"portcullis_password_jobs{state="waiting"}"#], 0.0, "{name}");

    labels_are_closed(
        &text,
        &[
            "alice",
            "bob",
            "mallory",
            "127.0.0.1",
            &key_id,
            "/me",
            "/orders",
            "reports",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_session_moves_exactly_its_counters_on_both_demos() {
    let options = demo::orders::Options::generate().expect("options");
    let axum_addr = serve(
        demo::app(options, demo::orders::AuditLog::default())
            .await
            .expect("demo app"),
    )
    .await;
    check("axum", axum_addr).await;

    // The actix demo's module is a copy of its own: the recorder the axum demo's
    // installed is the process's, and its handle renders what both record.
    let mut options = demo_actix::orders::Options::generate().expect("options");
    options.metrics = demo::orders::prometheus().expect("the installed recorder");
    let actix = demo_actix::Demo::new(options, demo_actix::orders::AuditLog::default())
        .await
        .expect("demo app");
    let actix_addr = serve_actix(move |config| actix.configure(config));
    check("actix", actix_addr).await;
}
