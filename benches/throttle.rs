//! Login throttling and rate limits on the in-memory store.
//!
//! - `throttle/login_check_and_failure`: `LoginThrottle::check` (three reads:
//!   account and client, account, client) then `failed` (three counted failures),
//!   for 10,000 accounts from 1,000 clients in turn, with limits too high to block,
//!   so every iteration walks the whole path.
//! - `throttle/rate_decision`: one `RateLimiter::check` by client, over 1,000
//!   clients, with a quota that lets every request through.
//! - `throttle/client_address`: the client behind a trusted proxy, from a
//!   three-hop `X-Forwarded-For`.
//!
//! Targets: under 300 ns for each of the first two.
//!
//! Run: `cargo bench --bench throttle`.

use std::future::Future;
use std::hint::black_box;
use std::net::IpAddr;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::store::{FailureRule, MemoryStore};
use portcullis::throttle::{
    AccountLimit, ClientAddr, LoginCheck, LoginLimits, LoginThrottle, Quota, RateKey, RateLimiter, TrustedProxies,
};

/// Runs a future that never waits (the in-memory store answers at once).
fn now<T>(future: impl Future<Output = T>) -> T {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the in-memory store waited"),
    }
}

fn bench(c: &mut Criterion) {
    let never = FailureRule::consecutive(u32::MAX);
    let limits = LoginLimits {
        pair: never,
        account: never,
        client: never,
        on_account_limit: AccountLimit::Block,
        in_flight_per_client: 2,
    };
    let throttle = LoginThrottle::new(MemoryStore::new(1_000_000), limits);
    let accounts: Vec<String> = (0..10_000).map(|n| format!("user{n}@example.com")).collect();
    let clients: Vec<ClientAddr> = (0..1_000u32)
        .map(|n| ClientAddr::peer(IpAddr::from((0xC000_0000u32 + n).to_be_bytes())))
        .collect();
    let mut turn = 0usize;
    c.bench_function("throttle/login_check_and_failure", |b| {
        b.iter(|| {
            turn = turn.wrapping_add(1);
            let account = &accounts[turn % accounts.len()];
            let client = &clients[turn % clients.len()];
            match now(throttle.check(black_box(account), black_box(client))).expect("check") {
                LoginCheck::Proceed(attempt) => now(throttle.failed(&attempt)).expect("failed"),
                other => panic!("the bench's limits never block: {other:?}"),
            }
        })
    });

    let quota = Quota::new(1_000_000, Duration::from_secs(1000))
        .and_then(|quota| quota.burst(u32::MAX))
        .expect("quota");
    let limiter = RateLimiter::new(MemoryStore::new(100_000), "api", quota).expect("limiter");
    c.bench_function("throttle/rate_decision", |b| {
        b.iter(|| {
            turn = turn.wrapping_add(1);
            let client = &clients[turn % clients.len()];
            assert!(
                now(limiter.check(RateKey::Client(black_box(client))))
                    .expect("check")
                    .is_none()
            );
        })
    });

    let proxies = TrustedProxies::parse("10.0.0.0/8").expect("proxies");
    let headers: &[(&str, &[u8])] = &[("x-forwarded-for", b"198.51.100.7, 203.0.113.9, 10.0.0.3")];
    let peer: IpAddr = "10.0.0.2".parse().expect("address");
    c.bench_function("throttle/client_address", |b| {
        b.iter(|| proxies.client(black_box(peer), black_box(headers)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
