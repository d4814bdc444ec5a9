//! Shared state on a real `redis-server` on 127.0.0.1 (started here, persistence
//! off, stopped by its process id), beside the in-memory floor:
//!
//! - `redis/login_check`: `LoginThrottle::check` (three counters and the server's
//!   clock: one pipeline, one round trip), over 1,000 accounts.
//! - `redis/login_failure`: `LoginThrottle::failed` (three scripts, one pipeline).
//! - `redis/rate_decision`: one `RateLimiter::check` (one script).
//! - `redis/revocation_lookup`: `SharedRevocation::is_revoked` for a token that is
//!   not revoked, with 10,000 revocations replayed from Redis: local, no network.
//!
//! Then a paced run (not criterion's): 10,000 rate decisions a second for 3 s from
//! 16 tasks on one connection, reporting p50/p99/max latency.
//!
//! Targets: one round trip per decision, p99 under 1 ms at 10,000 decisions/s; a
//! revocation lookup under 100 ns.
//!
//! Run: `cargo bench --bench redis --features redis` (needs `redis-server`).

use std::hint::black_box;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use portcullis::store::{MemoryStore, RedisOptions, RedisStore};
use portcullis::throttle::{ClientAddr, LoginCheck, LoginLimits, LoginThrottle, Quota, RateKey, RateLimiter};
use portcullis::token::{Revocation, SharedRevocation, TokenIdentity};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server() -> (Server, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new("redis-server")
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server (apt-get install redis-server)");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while TcpStream::connect(addr).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    (Server(child), format!("redis://127.0.0.1:{port}/"))
}

fn main() {
    let (_server, url) = start_server();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let store = runtime
        .block_on(RedisStore::connect(&url, RedisOptions::default()))
        .expect("store");
    let mut criterion = Criterion::default().configure_from_args();

    let throttle = LoginThrottle::new(store.clone(), LoginLimits::default());
    let memory = LoginThrottle::new(MemoryStore::default(), LoginLimits::default());
    let accounts: Vec<String> = (0..1000).map(|n| format!("user{n}@example.com")).collect();
    let client = ClientAddr::peer(IpAddr::from([192, 0, 2, 1]));
    let mut turn = 0usize;
    let mut group = criterion.benchmark_group("redis");
    group.bench_function("login_check", |b| {
        b.iter(|| {
            turn = turn.wrapping_add(1);
            let account = &accounts[turn % accounts.len()];
            runtime.block_on(async { black_box(throttle.check(account, &client).await.expect("check")) })
        })
    });
    group.bench_function("login_check_memory", |b| {
        b.iter(|| {
            turn = turn.wrapping_add(1);
            let account = &accounts[turn % accounts.len()];
            runtime.block_on(async { black_box(memory.check(account, &client).await.expect("check")) })
        })
    });
    let LoginCheck::Proceed(attempt) = runtime.block_on(throttle.check("bench", &client)).expect("check") else {
        panic!("blocked")
    };
    group.bench_function("login_failure", |b| {
        b.iter(|| runtime.block_on(async { throttle.failed(&attempt).await.expect("failed") }))
    });
    let quota = Quota::new(1_000_000, Duration::from_secs(1000))
        .and_then(|quota| quota.burst(u32::MAX))
        .expect("quota");
    let limiter = RateLimiter::new(store.clone(), "bench", quota).expect("limiter");
    group.bench_function("rate_decision", |b| {
        b.iter(|| runtime.block_on(async { black_box(limiter.check(RateKey::Route("/orders")).await.expect("rate")) }))
    });
    let revocation = SharedRevocation::new(store.clone(), Duration::from_secs(3600));
    runtime.block_on(async {
        for n in 0..10_000 {
            revocation
                .revoke_token(&format!("revoked-{n}"), 4_000_000_000)
                .await
                .expect("revoke");
        }
    });
    let replica = SharedRevocation::new(store.clone(), Duration::from_secs(3600));
    let replayed = runtime.block_on(replica.sync()).expect("sync");
    assert_eq!(replayed, 10_000);
    group.bench_function("revocation_lookup", |b| {
        let token = TokenIdentity {
            jti: Some("a-live-token-id-0123456789abcdef"),
            sub: Some("alice"),
            iat: Some(1_765_000_000),
            exp: Some(1_765_000_900),
        };
        b.iter(|| black_box(replica.is_revoked(black_box(&token))))
    });
    group.finish();
    criterion.final_summary();

    paced(&runtime, &limiter);
}

/// 10,000 decisions a second for 3 s, from 16 tasks: each task sends one every
/// 1.6 ms on its own schedule, and its latencies are kept.
fn paced(runtime: &tokio::runtime::Runtime, limiter: &RateLimiter<RedisStore>) {
    const RATE: u64 = 10_000;
    const TASKS: u64 = 16;
    const SECONDS: u64 = 3;
    let limiter = Arc::new(limiter.clone());
    let latencies = runtime.block_on(async {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for task in 0..TASKS {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                let period = Duration::from_nanos(1_000_000_000 * TASKS / RATE);
                let mut next = started + period.mul_f64(task as f64 / TASKS as f64);
                let mut latencies = Vec::new();
                while next < started + Duration::from_secs(SECONDS) {
                    tokio::time::sleep_until(next.into()).await;
                    let sent = Instant::now();
                    limiter.check(RateKey::Route("/paced")).await.expect("rate");
                    latencies.push(sent.elapsed());
                    next += period;
                }
                latencies
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.expect("task"));
        }
        (all, started.elapsed())
    });
    let (mut latencies, elapsed) = latencies;
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "redis/paced_rate_decisions: {} decisions in {:.2} s ({:.0}/s): p50 {:?}, p99 {:?}, max {:?}",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        at(0.50),
        at(0.99),
        latencies[latencies.len() - 1]
    );
}
