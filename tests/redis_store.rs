//! `RedisStore` against a real `redis-server` on 127.0.0.1: the scripts count as the
//! in-memory store does; three replicas (three stores, three connections) share a
//! login limit, a rate limit, revocations and API keys; and the faults: the server
//! killed, restarted, paused (slow) and flushed.
#![cfg(feature = "redis")]
#![allow(clippy::duplicate_mod)]

mod common {
    pub mod redis_server;
}

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::redis_server::RedisServer;
use portcullis::password::Pepper;
use portcullis::secrets::apikey::{ApiKeyError, ApiKeys, NewApiKey};
use portcullis::store::{
    FailureRule, Fallback, MemoryStore, RateDecision, RedisOptions, RedisStore, StateKey, StateStore,
};
use portcullis::throttle::{ClientAddr, LoginCheck, LoginLimits, LoginThrottle, Quota, RateKey, RateLimiter};
use portcullis::token::{Revocation, SharedRevocation, TokenIdentity};

async fn store(server: &RedisServer) -> RedisStore {
    RedisStore::connect(&server.url(), RedisOptions::default())
        .await
        .expect("store")
}

fn client(n: u8) -> ClientAddr {
    ClientAddr::peer(std::net::IpAddr::from([192, 0, 2, n]))
}

#[tokio::test]
async fn the_scripts_count_failures_as_the_memory_store_does() {
    let Some(server) = RedisServer::start() else { return };
    let redis = store(&server).await;
    let memory = MemoryStore::new(1000);
    let rules = [
        FailureRule::consecutive(5).block_doubling_ms(1000, 15 * 60 * 1000),
        FailureRule::consecutive(3).block_fixed_ms(60_000),
        FailureRule::within(4, 600_000).block_fixed_ms(120_000),
    ];
    for (index, rule) in rules.iter().enumerate() {
        let key = StateKey::new("parity", &[&index.to_string()]).expect("key");
        for attempt in 1..=12 {
            let (ours, theirs) = (
                memory.fail(&key, rule).await.expect("memory"),
                redis.fail(&key, rule).await.expect("redis"),
            );
            assert_eq!(ours.failures, theirs.failures, "rule {index}, attempt {attempt}");
            let remaining = |until: Option<u64>, now: u64| until.map(|until| until.saturating_sub(now));
            match (
                remaining(ours.blocked_until_ms, memory.now_ms()),
                remaining(theirs.blocked_until_ms, redis.now_ms()),
            ) {
                (None, None) => {}
                (Some(a), Some(b)) => assert!(a.abs_diff(b) < 100, "rule {index}, attempt {attempt}: {a} ms vs {b} ms"),
                other => panic!("rule {index}, attempt {attempt}: {other:?}"),
            }
        }
        assert_eq!(
            memory.blocked(&key).await.expect("memory").is_some(),
            redis.blocked(&key).await.expect("redis").is_some()
        );
    }
    // Every key the scripts wrote has a TTL.
    let keys: Vec<String> = redis::from_redis_value(server.command(&["KEYS", "portcullis:*"])).expect("keys");
    assert_eq!(keys.len(), 3);
    for key in keys {
        let ttl: i64 = redis::from_redis_value(server.command(&["PTTL", &key])).expect("ttl");
        assert!(ttl > 0, "{key} has no TTL");
        assert!(key.starts_with("portcullis:parity:{") && key.ends_with('}'), "{key}");
    }
}

#[tokio::test]
async fn a_login_limit_holds_across_three_replicas() {
    let Some(server) = RedisServer::start() else { return };
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(LoginThrottle::new(store(&server).await, LoginLimits::default()));
    }
    // A guesser spreads his attempts over the replicas, one after another.
    let mut let_through = 0;
    for attempt in 0..30 {
        match replicas[attempt % 3].check("alice", &client(7)).await.expect("check") {
            LoginCheck::Proceed(login) => {
                let_through += 1;
                replicas[attempt % 3].failed(&login).await.expect("failed");
            }
            LoginCheck::Blocked { .. } => {}
            LoginCheck::Challenge(_) => panic!("no challenge configured"),
        }
    }
    // Five, then the first one-second block; the run takes well under a second
    // per attempt, so at most one more gets through as a block ends.
    assert!((5..=6).contains(&let_through), "{let_through} attempts let through");
    for replica in &replicas {
        assert!(matches!(
            replica.check("alice", &client(7)).await.expect("check"),
            LoginCheck::Blocked { .. }
        ));
        assert!(matches!(
            replica.check("alice", &client(8)).await.expect("check"),
            LoginCheck::Proceed(_)
        ));
    }
}

#[tokio::test]
async fn a_rate_limit_of_n_a_minute_admits_n_across_three_replicas() {
    let Some(server) = RedisServer::start() else { return };
    const N: u32 = 3000;
    let quota = Quota::new(N, Duration::from_secs(60))
        .and_then(|q| q.burst(N))
        .expect("quota");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let limiter = RateLimiter::new(store(&server).await, "api", quota).expect("limiter");
        // Eight callers on each replica, sharing its one connection.
        for _ in 0..8 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                let mut admitted = 0u32;
                for _ in 0..(2 * N / 8) {
                    admitted += u32::from(
                        limiter
                            .check(RateKey::Route("/orders"))
                            .await
                            .expect("decision")
                            .is_none(),
                    );
                }
                admitted
            }));
        }
    }
    let mut admitted = 0;
    for task in tasks {
        admitted += task.await.expect("task");
    }
    let elapsed = started.elapsed();
    // N at once, plus what the limit refills while the test runs (N a minute).
    let refilled = (elapsed.as_secs_f64() * f64::from(N) / 60.0).ceil() as u32;
    eprintln!(
        "admitted {admitted} of {} requests (N = {N}) in {elapsed:?}; {refilled} refilled meanwhile",
        6 * N
    );
    assert!(
        admitted >= N && admitted <= N + refilled,
        "admitted {admitted}, N {N}, refilled {refilled}"
    );
    assert!(
        f64::from(admitted - N) <= f64::from(N) * 0.01,
        "admitted {admitted}: over N by more than 1 %"
    );
}

#[tokio::test]
async fn a_revocation_on_one_replica_reaches_the_others_within_a_second() {
    let Some(server) = RedisServer::start() else { return };
    let mut replicas = Vec::new();
    let mut syncs = Vec::new();
    for _ in 0..3 {
        let revocation = Arc::new(SharedRevocation::new(store(&server).await, Duration::from_secs(3600)));
        syncs.push(SharedRevocation::spawn_sync(&revocation, Duration::from_millis(100)));
        replicas.push(revocation);
    }
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
        + 900;
    let mut delays = Vec::new();
    for n in 0..40 {
        let jti = format!("token-{n}");
        let token = TokenIdentity {
            jti: Some(&jti),
            sub: Some("alice"),
            iat: Some(exp - 900),
            exp: Some(exp),
        };
        let started = Instant::now();
        replicas[0].revoke_token(&jti, exp).await.expect("revoke");
        assert!(replicas[0].is_revoked(&token));
        while !(replicas[1].is_revoked(&token) && replicas[2].is_revoked(&token)) {
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{jti} not revoked everywhere within 1 s"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        delays.push(started.elapsed());
    }
    delays.sort();
    eprintln!(
        "revocation reached every replica: p50 {:?}, p99 {:?}, max {:?}",
        delays[delays.len() / 2],
        delays[delays.len() * 99 / 100],
        delays[delays.len() - 1]
    );
    for sync in syncs {
        sync.abort();
    }
}

#[tokio::test]
async fn api_keys_made_on_one_replica_work_on_another() {
    let Some(server) = RedisServer::start() else { return };
    let pepper = || Pepper::new("p1", vec![7; 32]).expect("pepper");
    let a = ApiKeys::new(store(&server).await, &pepper(), "orders").expect("keys a");
    let b = ApiKeys::new(store(&server).await, &pepper(), "orders").expect("keys b");
    let created = a.create(NewApiKey::new("svc-billing")).await.expect("create");
    let record = b.verify(created.key()).await.expect("verified on b");
    assert_eq!(record.owner, "svc-billing");
    assert_eq!(b.list().await.expect("list").len(), 1);
    b.revoke(&record.id).await.expect("revoke on b");
    assert_eq!(
        a.verify(created.key()).await.map(|r| r.id.clone()),
        Err(ApiKeyError::Revoked)
    );
}

#[tokio::test]
async fn a_killed_server_falls_back_without_errors_and_a_restart_converges() {
    let Some(mut server) = RedisServer::start() else { return };
    let redis = store(&server).await;
    let options = redis.options().clone();
    let fallback = Fallback::new(redis.clone(), MemoryStore::new(10_000), 3);
    let throttle = LoginThrottle::new(fallback.clone(), LoginLimits::default());
    assert!(matches!(
        throttle.check("alice", &client(1)).await.expect("check"),
        LoginCheck::Proceed(_)
    ));
    assert_eq!(fallback.fallbacks(), 0);

    server.kill();
    let mut slowest = Duration::ZERO;
    let mut blocked = 0;
    for _ in 0..20 {
        let started = Instant::now();
        match throttle
            .check("bob", &client(2))
            .await
            .expect("no error while Redis is down")
        {
            LoginCheck::Proceed(login) => throttle.failed(&login).await.expect("failed"),
            _ => blocked += 1,
        }
        slowest = slowest.max(started.elapsed());
    }
    eprintln!(
        "Redis down: slowest decision {slowest:?} (timeout {:?})",
        options.timeout
    );
    // Two decisions per attempt, each bounded by the timeout (plus scheduling).
    assert!(
        slowest < 2 * options.timeout + Duration::from_millis(100),
        "{slowest:?}"
    );
    // The local share of 5 over 3 replicas is 2: blocked from the third attempt.
    assert!(blocked >= 15, "{blocked} of 20 blocked");
    assert!(fallback.is_degraded() && redis.breaker_open());
    assert_eq!(fallback.fallbacks(), 1, "one transition, not one per request");

    // A new server, empty: the scripts are loaded again on NOSCRIPT, and the
    // counters start again in Redis.
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let key = StateKey::new("probe", &["x"]).expect("key");
        let rule = FailureRule::consecutive(3);
        if let Ok(state) = redis.fail(&key, &rule).await {
            assert_eq!(state.failures, 1);
            break;
        }
        assert!(Instant::now() < deadline, "the store did not reconnect within 10 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(matches!(
        throttle.check("bob", &client(2)).await.expect("check"),
        LoginCheck::Proceed(_)
    ));
    assert!(!fallback.is_degraded());
    let counters: Vec<String> = redis::from_redis_value(server.command(&["KEYS", "portcullis:login.*"])).expect("keys");
    assert!(counters.is_empty(), "checks do not write: {counters:?}");
}

#[tokio::test]
async fn a_slow_server_opens_the_breaker() {
    let Some(server) = RedisServer::start() else { return };
    let redis = store(&server).await;
    let limiter = RateLimiter::new(
        Fallback::new(redis.clone(), MemoryStore::new(1000), 1),
        "api",
        Quota::per_second(1000).expect("quota"),
    )
    .expect("limiter");
    assert_eq!(limiter.check(RateKey::Route("/a")).await.expect("decision"), None);
    // Redis stops answering clients for 2 s.
    server.command(&["CLIENT", "PAUSE", "2000", "ALL"]);
    let mut times = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        assert_eq!(limiter.check(RateKey::Route("/a")).await.expect("no error"), None);
        times.push(started.elapsed());
    }
    eprintln!("decisions while Redis is paused: {times:?}");
    assert!(redis.breaker_open());
    let timeout = redis.options().timeout;
    assert!(
        times.iter().all(|time| *time < timeout + Duration::from_millis(50)),
        "{times:?}"
    );
    // Once open, the breaker answers without waiting for the server.
    assert!(
        times[5..].iter().all(|time| *time < Duration::from_millis(5)),
        "{times:?}"
    );
}

#[tokio::test]
async fn a_flushed_server_loses_counters_and_keys_but_not_received_revocations() {
    let Some(server) = RedisServer::start() else { return };
    let pepper = Pepper::new("p1", vec![9; 32]).expect("pepper");
    let keys = ApiKeys::new(store(&server).await, &pepper, "orders").expect("keys");
    let created = keys.create(NewApiKey::new("svc")).await.expect("create");
    let throttle = LoginThrottle::new(store(&server).await, LoginLimits::default());
    for _ in 0..5 {
        let LoginCheck::Proceed(login) = throttle.check("carol", &client(3)).await.expect("check") else {
            panic!("blocked too soon")
        };
        throttle.failed(&login).await.expect("failed");
    }
    assert!(matches!(
        throttle.check("carol", &client(3)).await.expect("check"),
        LoginCheck::Blocked { .. }
    ));
    let a = SharedRevocation::new(store(&server).await, Duration::from_secs(3600));
    let b = SharedRevocation::new(store(&server).await, Duration::from_secs(3600));
    a.revoke_token("before-flush", i64::MAX / 2).await.expect("revoke");
    b.sync().await.expect("sync");

    server.command(&["FLUSHALL"]);

    // Counters start again; API-key records are gone (their keys are invalid).
    assert!(matches!(
        throttle.check("carol", &client(3)).await.expect("check"),
        LoginCheck::Proceed(_)
    ));
    assert_eq!(
        keys.verify(created.key()).await.map(|r| r.id.clone()),
        Err(ApiKeyError::Invalid)
    );
    // What b received stays enforced; what is revoked afterwards still arrives.
    fn token(jti: &str) -> TokenIdentity<'_> {
        TokenIdentity {
            jti: Some(jti),
            sub: None,
            iat: None,
            exp: None,
        }
    }
    assert!(b.is_revoked(&token("before-flush")));
    a.revoke_token("after-flush", i64::MAX / 2).await.expect("revoke");
    b.sync().await.expect("sync");
    assert!(b.is_revoked(&token("after-flush")));
    // Flushed again at once, within the millisecond of the last revocation: what
    // comes next still lands past every replica's cursor.
    for round in 0..20 {
        server.command(&["FLUSHALL"]);
        let jti = format!("after-flush-{round}");
        a.revoke_token(&jti, i64::MAX / 2).await.expect("revoke");
        b.sync().await.expect("sync");
        assert!(b.is_revoked(&token(&jti)), "round {round}");
    }
    // Nothing else went wrong: a rate decision works on the empty server.
    let store = store(&server).await;
    let key = StateKey::new("rate.api", &["x"]).expect("key");
    let gcra = portcullis::store::Gcra {
        interval_ms: 10,
        tolerance_ms: 0,
    };
    assert_eq!(store.rate(&key, gcra).await, Ok(RateDecision::Allowed));
}
