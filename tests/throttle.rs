//! Login throttling, rate limits and the bounded state store, on a clock the tests
//! move; the client address behind trusted proxies, with a property test over
//! forwarding headers a client writes.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use portcullis::store::{FailureRule, MemoryStore, StateKey, StateStore, StoreError};
use portcullis::throttle::{
    AccountLimit, ClientAddr, LoginCheck, LoginLimits, LoginThrottle, Quota, RateKey, RateLimiter, Scope,
    TrustedProxies, Via,
};
use proptest::prelude::*;

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

/// A store on a clock the test moves (milliseconds).
fn store(max_keys: usize) -> (Arc<AtomicU64>, MemoryStore) {
    let now = Arc::new(AtomicU64::new(1_800_000_000_000));
    let read = now.clone();
    (
        now,
        MemoryStore::new(max_keys).with_clock(Arc::new(move || read.load(Ordering::SeqCst))),
    )
}

fn client(ip: &str) -> ClientAddr {
    ClientAddr::peer(ip.parse().unwrap())
}

/// One attempt with a wrong password: refused by the throttle, or counted.
async fn wrong(throttle: &LoginThrottle<MemoryStore>, account: &str, from: &ClientAddr) -> Option<(Duration, Scope)> {
    match throttle.check(account, from).await.unwrap() {
        LoginCheck::Proceed(attempt) | LoginCheck::Challenge(attempt) => {
            throttle.failed(&attempt).await.unwrap();
            None
        }
        LoginCheck::Blocked { retry_after, scope } => Some((retry_after, scope)),
    }
}

#[test]
fn five_failures_block_the_pair_for_a_second_doubling_to_fifteen_minutes() {
    let (now, store) = store(1000);
    let throttle = LoginThrottle::new(store, LoginLimits::default());
    let (home, elsewhere) = (client("192.0.2.7"), client("198.51.100.1"));
    run(async {
        for _ in 0..5 {
            assert_eq!(wrong(&throttle, "alice", &home).await, None);
        }
        assert_eq!(
            wrong(&throttle, "alice", &home).await,
            Some((Duration::from_millis(1000), Scope::Pair))
        );
        // Another client, another account from the same client: not blocked.
        assert_eq!(wrong(&throttle, "alice", &elsewhere).await, None);
        assert_eq!(wrong(&throttle, "bob", &home).await, None);
        // Each further failure doubles the block, up to 15 minutes.
        let mut blocks = Vec::new();
        for _ in 0..12 {
            now.fetch_add(900_000, Ordering::SeqCst);
            assert_eq!(wrong(&throttle, "alice", &home).await, None);
            let (wait, _) = wrong(&throttle, "alice", &home).await.expect("blocked");
            blocks.push(wait.as_millis() as u64);
        }
        assert_eq!(&blocks[..4], &[2000, 4000, 8000, 16_000]);
        assert_eq!(blocks[11], 900_000);

        // The right password clears the pair: after the block, the next wrong one is #1.
        now.fetch_add(900_000, Ordering::SeqCst);
        let LoginCheck::Proceed(attempt) = throttle.check("alice", &home).await.unwrap() else {
            panic!("the block ended")
        };
        throttle.succeeded(&attempt).await.unwrap();
        for _ in 0..5 {
            assert_eq!(wrong(&throttle, "alice", &home).await, None);
        }
    });
}

#[test]
fn a_hundred_failures_spread_over_clients_block_the_account() {
    let (_, store) = store(100_000);
    let throttle = LoginThrottle::new(store, LoginLimits::default());
    run(async {
        for n in 0..100 {
            let from = client(&format!("203.0.{}.{}", n / 200, n % 200 + 1));
            assert_eq!(wrong(&throttle, "alice", &from).await, None, "attempt {n}");
        }
        let fresh = client("192.0.2.200");
        let (wait, scope) = wrong(&throttle, "alice", &fresh).await.expect("the account is blocked");
        assert_eq!((wait, scope), (Duration::from_secs(900), Scope::Account));
        // Others are not.
        assert_eq!(wrong(&throttle, "bob", &fresh).await, None);
    });
}

#[test]
fn the_account_limit_can_challenge_instead_of_blocking() {
    let (_, store) = store(100_000);
    let limits = LoginLimits {
        on_account_limit: AccountLimit::Challenge,
        ..LoginLimits::default()
    };
    let throttle = LoginThrottle::new(store, limits);
    run(async {
        for n in 0..100u32 {
            wrong(
                &throttle,
                "alice",
                &client(&format!("10.0.{}.{}", n / 250, n % 250 + 1)),
            )
            .await;
        }
        let from = client("192.0.2.200");
        assert!(matches!(
            throttle.check("alice", &from).await.unwrap(),
            LoginCheck::Challenge(_)
        ));
        // A pair block still blocks.
        for _ in 0..5 {
            wrong(&throttle, "carol", &from).await;
        }
        assert!(matches!(
            throttle.check("carol", &from).await.unwrap(),
            LoginCheck::Blocked { .. }
        ));
    });
}

#[test]
fn a_client_failing_across_a_hundred_accounts_is_blocked_for_ten_minutes() {
    let (now, store) = store(100_000);
    let throttle = LoginThrottle::new(store, LoginLimits::default());
    let stuffer = client("192.0.2.66");
    run(async {
        for n in 0..100 {
            assert_eq!(wrong(&throttle, &format!("user{n}"), &stuffer).await, None);
        }
        let (wait, scope) = wrong(&throttle, "someone-else", &stuffer).await.expect("blocked");
        assert_eq!((wait, scope), (Duration::from_secs(600), Scope::Client));
        now.fetch_add(600_000, Ordering::SeqCst);
        assert_eq!(
            wrong(&throttle, "someone-else", &stuffer).await,
            None,
            "the block ended"
        );
    });
}

#[test]
fn unknown_accounts_are_counted_exactly_like_known_ones() {
    let (_, store) = store(1000);
    let throttle = LoginThrottle::new(store, LoginLimits::default());
    let from = client("192.0.2.9");
    run(async {
        let mut answers = Vec::new();
        for account in ["alice", "no-such-user"] {
            let mut seen = Vec::new();
            for _ in 0..7 {
                seen.push(wrong(&throttle, account, &from).await);
            }
            answers.push(seen);
        }
        assert_eq!(answers[0], answers[1]);
    });
}

#[test]
fn ipv6_clients_are_counted_by_their_64() {
    let (_, store) = store(1000);
    let throttle = LoginThrottle::new(store, LoginLimits::default());
    run(async {
        for n in 1..=5 {
            wrong(&throttle, "alice", &client(&format!("2001:db8:1:2::{n}"))).await;
        }
        assert!(
            wrong(&throttle, "alice", &client("2001:db8:1:2:ffff::1"))
                .await
                .is_some()
        );
        assert!(wrong(&throttle, "alice", &client("2001:db8:1:3::1")).await.is_none());
    });
}

#[test]
fn a_million_distinct_keys_stay_under_the_cap_and_tracked_counters_survive() {
    const CAP: usize = 10_000;
    let (now, store) = store(CAP);
    let rule = FailureRule::consecutive(3).block_fixed_ms(3_600_000);
    run(async {
        // A tracked key, blocked for an hour.
        let victim = StateKey::new("login.pair", &["alice", "192.0.2.7"]).unwrap();
        for _ in 0..3 {
            store.fail(&victim, &rule).await.unwrap();
        }
        let mut refused = 0u32;
        for n in 0..1_000_000u32 {
            let key = StateKey::new("login.client", &[&n.to_string()]).unwrap();
            match store.fail(&key, &rule).await {
                Ok(_) => {}
                Err(StoreError::Full) => refused += 1,
                Err(err) => panic!("{err}"),
            }
            if n % 100_000 == 0 {
                now.fetch_add(10, Ordering::SeqCst);
            }
        }
        assert!(store.tracked() <= CAP, "{} keys tracked", store.tracked());
        assert!(refused >= 1_000_000 - CAP as u32, "{refused} refused");
        // The victim's block was not reset to make room, and a new key is refused.
        assert!(store.blocked(&victim).await.unwrap().is_some());
        let newcomer = StateKey::new("login.client", &["newcomer"]).unwrap();
        assert_eq!(store.blocked(&newcomer).await, Err(StoreError::Full));
        // Once entries expire (a day without failures), the sweep of the newcomer's
        // shard (one of 16) makes room again.
        now.fetch_add(25 * 3600 * 1000, Ordering::SeqCst);
        assert_eq!(store.blocked(&newcomer).await, Ok(None));
        assert!(store.fail(&newcomer, &rule).await.is_ok());
        assert!(
            store.tracked() <= CAP - CAP / 16 + 1,
            "{} keys tracked",
            store.tracked()
        );
    });
}

#[test]
fn a_full_store_refuses_logins_it_cannot_count() {
    let (_, store) = store(16);
    let throttle = LoginThrottle::new(store, LoginLimits::default());
    run(async {
        let mut capacity = None;
        for n in 0..64 {
            if let Some((_, scope)) = wrong(&throttle, &format!("user{n}"), &client("192.0.2.1")).await {
                capacity = Some(scope);
                break;
            }
        }
        assert_eq!(capacity, Some(Scope::Capacity));
    });
}

#[test]
fn rate_limits_let_bursts_through_and_refill_at_the_rate() {
    let (now, store) = store(1000);
    let limiter = RateLimiter::new(store, "api", Quota::per_second(10).unwrap().burst(5).unwrap()).unwrap();
    let from = client("192.0.2.7");
    run(async {
        for _ in 0..5 {
            assert_eq!(limiter.check(RateKey::Client(&from)).await.unwrap(), None);
        }
        assert_eq!(
            limiter.check(RateKey::Client(&from)).await.unwrap(),
            Some(Duration::from_millis(100))
        );
        // Keys are separate: a subject, a route.
        assert_eq!(limiter.check(RateKey::Subject("alice")).await.unwrap(), None);
        assert_eq!(limiter.check(RateKey::Route("/orders")).await.unwrap(), None);
        now.fetch_add(100, Ordering::SeqCst);
        assert_eq!(limiter.check(RateKey::Client(&from)).await.unwrap(), None);
        assert!(limiter.check(RateKey::Client(&from)).await.unwrap().is_some());
        // After a quiet second the whole burst is back.
        now.fetch_add(1000, Ordering::SeqCst);
        for _ in 0..5 {
            assert_eq!(limiter.check(RateKey::Client(&from)).await.unwrap(), None);
        }
    });
    assert!(Quota::per_second(0).is_err());
    assert!(Quota::per_second(2000).is_err());
}

fn address() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(IpAddr::from),
        any::<[u16; 8]>().prop_map(IpAddr::from),
    ]
}

/// What a client may write into a forwarding header: addresses (its own, a trusted
/// proxy's, anyone's), ports, garbage, separators, quotes.
fn spoofed_entry() -> impl Strategy<Value = String> {
    prop_oneof![
        address().prop_map(|ip| ip.to_string()),
        Just("10.0.0.5".to_owned()),
        Just("unknown".to_owned()),
        Just("for=\"[::1]\"".to_owned()),
        "[ -~]{0,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Behind a trusted proxy (10.0.0.0/8) that appends the address it saw, whatever
    /// the client wrote to the left never changes who the client is.
    #[test]
    fn a_spoofed_leftmost_forwarding_entry_never_moves_another_counter(
        real in address().prop_filter("untrusted", |ip| !TrustedProxies::parse("10.0.0.0/8").unwrap().trusts(*ip)),
        spoofed in prop::collection::vec(spoofed_entry(), 0..6),
        separate_lines in any::<bool>(),
        forwarded in any::<bool>(),
    ) {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let written = spoofed.join(", ");
        let seen = match (forwarded, real) {
            (true, IpAddr::V6(v6)) => format!("for=\"[{v6}]\""),
            (true, v4) => format!("for={v4}"),
            (false, ip) => ip.to_string(),
        };
        let name = if forwarded { "forwarded" } else { "x-forwarded-for" };
        let joined = if written.is_empty() { seen.clone() } else { format!("{written}, {seen}") };
        let headers: Vec<(&str, &[u8])> = if separate_lines && !written.is_empty() {
            vec![(name, written.as_bytes()), (name, seen.as_bytes())]
        } else {
            vec![(name, joined.as_bytes())]
        };
        let found = proxies.client("10.0.0.1".parse().unwrap(), headers.as_slice());
        // Either the client the proxy saw, or (when the client's own text broke the
        // header's grammar) the proxy itself, flagged: never an address the client wrote.
        if found.malformed() {
            prop_assert_eq!(found.ip(), "10.0.0.1".parse::<IpAddr>().unwrap());
        } else {
            prop_assert_eq!(found.ip(), ClientAddr::peer(real).ip());
            prop_assert_ne!(found.via(), Via::Peer);
        }
        // From an untrusted peer, the headers are never read.
        let direct = proxies.client(real, headers.as_slice());
        prop_assert_eq!((direct.ip(), direct.via(), direct.malformed()), (ClientAddr::peer(real).ip(), Via::Peer, false));
    }
}

#[test]
fn a_client_has_at_most_two_password_checks_running_at_once() {
    let (_, store) = store(1000);
    let throttle = LoginThrottle::new(store, LoginLimits::default());
    let (flooder, other) = (client("192.0.2.66"), client("192.0.2.67"));
    run(async {
        let first = throttle.check("a", &flooder).await.unwrap();
        let second = throttle.check("b", &flooder).await.unwrap();
        assert!(matches!(
            (&first, &second),
            (LoginCheck::Proceed(_), LoginCheck::Proceed(_))
        ));
        assert!(matches!(
            throttle.check("c", &flooder).await.unwrap(),
            LoginCheck::Blocked {
                scope: Scope::InFlight,
                ..
            }
        ));
        assert!(matches!(
            throttle.check("c", &other).await.unwrap(),
            LoginCheck::Proceed(_)
        ));
        // A finished check gives its turn back, whether it was reported or dropped.
        if let LoginCheck::Proceed(attempt) = first {
            throttle.failed(&attempt).await.unwrap();
        }
        assert!(matches!(
            throttle.check("c", &flooder).await.unwrap(),
            LoginCheck::Proceed(_)
        ));
        drop(second);
        assert!(matches!(
            throttle.check("d", &flooder).await.unwrap(),
            LoginCheck::Proceed(_)
        ));
    });
}

#[test]
fn over_long_account_names_are_counted_not_refused() {
    let (_, store) = store(1000);
    let throttle = LoginThrottle::new(store, LoginLimits::default());
    let long = "x".repeat(10_000);
    let from = client("192.0.2.5");
    run(async {
        for _ in 0..5 {
            assert_eq!(wrong(&throttle, &long, &from).await, None);
        }
        assert!(
            wrong(&throttle, &long, &from).await.is_some(),
            "the same long name, the same counter"
        );
        assert_eq!(wrong(&throttle, &"y".repeat(10_000), &from).await, None);
    });
}
