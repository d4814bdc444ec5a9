//! The verified-token cache (`VerifierBuilder::cache`): a cache hit must never accept a
//! token that a verification without the cache would refuse, and the cache stays
//! within its byte budget. Every rejection asserts the exact, stable error code.
//!
//! Whether a result came from the cache is told by counting reads of the verifier's
//! clock: a hit reads it once, a full verification more often.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

use portcullis::token::{
    Algorithm, DEFAULT_LEEWAY, InMemoryRevocation, Issuer, IssuerBuilder, KeySet, MAX_CACHED_TOKEN_BYTES, SigningKey,
    TokenCache, Verifier, VerifierBuilder, VerifyingKey,
};
use serde_json::json;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
/// The start of every test's clock.
const T: i64 = 1_700_000_000;

/// A clock the test moves by hand, shared by issuer and verifiers, counting its reads.
#[derive(Clone)]
struct TestClock {
    now: Arc<AtomicI64>,
    reads: Arc<AtomicUsize>,
}

impl TestClock {
    fn at(now: i64) -> Self {
        TestClock {
            now: Arc::new(AtomicI64::new(now)),
            reads: Arc::new(AtomicUsize::new(0)),
        }
    }

    fn set(&self, now: i64) {
        self.now.store(now, Ordering::SeqCst);
    }

    fn reader(&self) -> impl Fn() -> i64 + Send + Sync + 'static {
        let clock = self.clone();
        move || {
            clock.reads.fetch_add(1, Ordering::SeqCst);
            clock.now.load(Ordering::SeqCst)
        }
    }
}

/// The signing key, and its verifying key.
fn hs_keys() -> (SigningKey, VerifyingKey) {
    let key = SigningKey::from_secret(Algorithm::HS256, SECRET).unwrap();
    let verifying = key.verifying_key();
    (key, verifying)
}

fn issuer(key: SigningKey, clock: &TestClock) -> IssuerBuilder {
    Issuer::builder(key).clock(clock.reader())
}

fn verifier(key: &VerifyingKey, clock: &TestClock) -> VerifierBuilder {
    Verifier::builder(KeySet::single(key.clone())).clock(clock.reader())
}

/// One token for `subject` with no custom claims.
fn issue(builder: IssuerBuilder, subject: &str) -> String {
    builder.build().unwrap().issue(subject, &()).unwrap()
}

/// The verifier, with `cache`.
fn with_cache(builder: VerifierBuilder, cache: &TokenCache) -> Verifier {
    builder.cache(cache.clone()).build().unwrap()
}

/// `verify_principal`'s outcome ("ok" or the error code) and how often it read the clock.
fn check(clock: &TestClock, verifier: &Verifier, token: &str) -> (&'static str, usize) {
    let before = clock.reads.load(Ordering::SeqCst);
    let outcome = verifier.verify_principal(token).map_or_else(|err| err.code(), |_| "ok");
    (outcome, clock.reads.load(Ordering::SeqCst) - before)
}

/// Checks `token` at each time with and without the cache: the outcomes must agree, and
/// the cache may serve a hit only where `hit_allowed(now)`.
fn agree_with_uncached(
    clock: &TestClock,
    cached: &Verifier,
    uncached: &Verifier,
    token: &str,
    times: &[i64],
    hit_allowed: impl Fn(i64) -> bool,
) -> Vec<(&'static str, bool)> {
    let (_, full_reads) = check(clock, uncached, token);
    times
        .iter()
        .map(|&now| {
            clock.set(now);
            let (with_cache, reads) = check(clock, cached, token);
            let (without, _) = check(clock, uncached, token);
            // A cached verifier's miss reads the clock once more than a verifier
            // without a cache (to date the entry); a hit reads it once.
            let hit = reads <= full_reads;
            assert_eq!(with_cache, without, "at T{:+}", now - T);
            assert!(!hit || hit_allowed(now), "served from the cache at T{:+}", now - T);
            (with_cache, hit)
        })
        .collect()
}

#[test]
fn cache_hit_is_served_only_before_exp_and_then_matches_an_uncached_verifier() {
    let clock = TestClock::at(T);
    let (signing, key) = hs_keys();
    let token = issue(issuer(signing, &clock).ttl(Duration::from_secs(60)), "alice");
    let cache = TokenCache::new(1024 * 1024);
    let cached = with_cache(verifier(&key, &clock), &cache);
    let uncached = verifier(&key, &clock).build().unwrap();

    assert_eq!(check(&clock, &cached, &token).0, "ok");
    assert_eq!(cache.len(), 1);

    let times = [T + 59, T + 60, T + 61, T + 89, T + 90, T + 91];
    let seen = agree_with_uncached(&clock, &cached, &uncached, &token, &times, |now| now < T + 60);
    // Observed: the hit is served at T+59 only. From exp on the entry is dropped and the
    // token verified again, where the default 30 s leeway accepts it until T+90, exactly
    // as without the cache; from T+90 both say "expired".
    let expected = [
        ("ok", true),
        ("ok", false),
        ("ok", false),
        ("ok", false),
        ("expired", false),
        ("expired", false),
    ];
    assert_eq!(seen, expected);
    assert!(cache.len() <= 1, "one token, at most one entry");
}

#[test]
fn cached_es256_token_is_expired_right_after_exp_without_leeway() {
    let clock = TestClock::at(T);
    let signing = SigningKey::generate(Algorithm::ES256).unwrap();
    let key = signing.verifying_key();
    let token = issue(issuer(signing, &clock).ttl(Duration::from_secs(60)), "alice");
    let cache = TokenCache::new(1024 * 1024);
    let cached = with_cache(verifier(&key, &clock).leeway(Duration::ZERO), &cache);
    let uncached = verifier(&key, &clock).leeway(Duration::ZERO).build().unwrap();

    assert_eq!(check(&clock, &cached, &token).0, "ok");
    assert_eq!(cache.len(), 1);
    let seen = agree_with_uncached(&clock, &cached, &uncached, &token, &[T + 59, T + 60, T + 61], |now| {
        now < T + 60
    });
    assert_eq!(seen, [("ok", true), ("expired", false), ("expired", false)]);
}

#[test]
fn token_cached_by_one_verifier_is_not_served_to_another_sharing_the_cache() {
    let clock = TestClock::at(T);
    let (signing, key) = hs_keys();
    let token = issue(issuer(signing, &clock).audience("a"), "alice");
    let cache = TokenCache::new(1024 * 1024);
    let a = with_cache(verifier(&key, &clock).audience("a"), &cache);
    let b = with_cache(verifier(&key, &clock).audience("b"), &cache);

    assert_eq!(check(&clock, &a, &token).0, "ok");
    let (_, miss_reads) = check(&clock, &b, &token);
    assert_eq!(cache.len(), 1);
    let (outcome, reads) = check(&clock, &a, &token);
    assert_eq!(outcome, "ok");
    assert!(reads < miss_reads, "A's second verification is a hit");

    assert_eq!(b.verify_principal(&token).unwrap_err().code(), "invalid_audience");
    assert_eq!(cache.len(), 1, "B's refusal is not cached");
    // A clone of A is the same verifier and shares its entries; an identical but
    // separately built verifier has entries of its own.
    assert!(check(&clock, &a.clone(), &token).1 < miss_reads);
    let a2 = with_cache(verifier(&key, &clock).audience("a"), &cache);
    assert_eq!(check(&clock, &a2, &token).0, "ok");
    assert_eq!(cache.len(), 2);
}

#[test]
fn cached_token_is_refused_once_its_jti_is_revoked() {
    let clock = TestClock::at(T);
    let (signing, key) = hs_keys();
    let token = issue(issuer(signing, &clock), "alice");
    let revoked = Arc::new(InMemoryRevocation::new(Duration::from_secs(3600)));
    let cache = TokenCache::new(1024 * 1024);
    let v = with_cache(verifier(&key, &clock).revocation(revoked.clone()), &cache);

    let alice = v.verify_principal(&token).unwrap();
    assert_eq!(cache.len(), 1);
    assert_eq!(v.verify_principal(&token).unwrap().subject(), "alice");
    let jti = alice.token_id().expect("the issuer sets a jti");
    revoked.revoke_token(jti, alice.expires_at().unwrap()).unwrap();

    assert_eq!(v.verify_principal(&token).unwrap_err().code(), "revoked");
    assert_eq!(v.verify_principal(&token).unwrap_err().code(), "revoked", "and again");
    assert_eq!(v.verify_registered(&token).unwrap_err().code(), "revoked");
}

#[test]
fn cached_tokens_issued_before_a_subject_cut_off_are_refused_and_later_ones_pass() {
    let clock = TestClock::at(T);
    let (signing, key) = hs_keys();
    let issue = issuer(signing, &clock).build().unwrap();
    let (alice_old, bob) = (issue.issue("alice", &()).unwrap(), issue.issue("bob", &()).unwrap());
    let revoked = Arc::new(InMemoryRevocation::new(Duration::from_secs(3600)));
    let cache = TokenCache::new(1024 * 1024);
    let v = with_cache(verifier(&key, &clock).revocation(revoked.clone()), &cache);

    let iat = v.verify_registered(&alice_old).unwrap().claims.iat.unwrap();
    assert_eq!(iat, T);
    assert_eq!(v.verify_principal(&alice_old).unwrap().subject(), "alice");
    assert_eq!(v.verify_principal(&bob).unwrap().subject(), "bob");
    assert_eq!(cache.len(), 2);

    revoked.revoke_subject("alice", iat + 1).unwrap();
    assert_eq!(v.verify_principal(&alice_old).unwrap_err().code(), "revoked");
    assert_eq!(
        v.verify_principal(&bob).unwrap().subject(),
        "bob",
        "other subjects unaffected"
    );

    // Issued in the cut-off's own second: revoked too (the safe side of the tie).
    clock.set(T + 1);
    let alice_same_second = issue.issue("alice", &()).unwrap();
    assert_eq!(v.verify_principal(&alice_same_second).unwrap_err().code(), "revoked");

    // Issued after it: passes.
    clock.set(T + 2);
    let alice_new = issue.issue("alice", &()).unwrap();
    assert_eq!(v.verify_principal(&alice_new).unwrap().subject(), "alice");
    assert_eq!(
        v.verify_principal(&alice_new).unwrap().subject(),
        "alice",
        "from the cache"
    );
    assert_eq!(v.verify_principal(&alice_old).unwrap_err().code(), "revoked");
}

#[test]
fn cached_token_is_not_served_before_its_nbf_less_the_leeway() {
    let clock = TestClock::at(T + 100);
    let (signing, key) = hs_keys();
    let token = issue(issuer(signing, &clock).not_before(true), "alice");
    let cache = TokenCache::new(1024 * 1024);
    let cached = with_cache(verifier(&key, &clock), &cache);
    let uncached = verifier(&key, &clock).build().unwrap();

    // nbf = iat = T+100; with 30 s leeway it is first accepted at T+70.
    clock.set(T + 75);
    assert_eq!(check(&clock, &cached, &token).0, "ok");
    assert_eq!(cache.len(), 1);
    // The clock steps back: the entry must not be served before T+70.
    let times = [T + 75, T + 70, T + 69, T + 50];
    let seen = agree_with_uncached(&clock, &cached, &uncached, &token, &times, |now| now >= T + 70);
    let outcomes: Vec<_> = seen.iter().map(|(outcome, _)| *outcome).collect();
    assert_eq!(outcomes, ["ok", "ok", "not_yet_valid", "not_yet_valid"]);
}

#[test]
fn cached_token_is_not_served_past_the_max_age() {
    let clock = TestClock::at(T);
    let (signing, key) = hs_keys();
    let token = issue(issuer(signing, &clock), "alice");
    let age = Duration::from_secs(100);
    for leeway in [DEFAULT_LEEWAY, Duration::ZERO] {
        clock.set(T);
        let cache = TokenCache::new(1024 * 1024);
        let cached = with_cache(verifier(&key, &clock).max_age(age).leeway(leeway), &cache);
        let uncached = verifier(&key, &clock).max_age(age).leeway(leeway).build().unwrap();
        assert_eq!(check(&clock, &cached, &token).0, "ok");
        assert_eq!(cache.len(), 1);

        let times = [T + 99, T + 100, T + 101, T + 130, T + 131];
        let seen = agree_with_uncached(&clock, &cached, &uncached, &token, &times, |now| now < T + 100);
        assert_eq!(seen[0], ("ok", true), "a hit within the maximum age");
        let outcomes: Vec<_> = seen.iter().map(|(outcome, _)| *outcome).collect();
        let expected = if leeway.is_zero() {
            ["ok", "ok", "expired", "expired", "expired"]
        } else {
            ["ok", "ok", "ok", "ok", "expired"]
        };
        assert_eq!(outcomes, expected, "leeway {leeway:?}");
    }
}

#[test]
fn cache_stays_within_its_byte_budget_over_many_distinct_tokens() {
    let clock = TestClock::at(T);
    let (signing, key) = hs_keys();
    let issue = issuer(signing, &clock).build().unwrap();
    let budget: u64 = 64 * 1024;
    let cache = TokenCache::new(budget);
    let v = with_cache(verifier(&key, &clock), &cache);
    assert_eq!(cache.max_bytes(), budget);

    for i in 0..1000 {
        let token = issue.issue(&format!("user-{i}"), &()).unwrap();
        assert_eq!(v.verify_principal(&token).unwrap().subject(), format!("user-{i}"));
        assert!(cache.weight() <= budget * 105 / 100, "after {i} tokens: {cache:?}");
    }
    assert!(cache.weight() <= budget * 105 / 100, "{cache:?}");
    assert!(cache.len() < 1000, "{cache:?}");
    assert!(!cache.is_empty(), "{cache:?}");
}

#[test]
fn token_over_the_cacheable_size_is_verified_but_not_cached() {
    let clock = TestClock::at(T);
    let (signing, key) = hs_keys();
    let issue = issuer(signing, &clock).build().unwrap();
    let big = issue.issue("alice", &json!({ "blob": "x".repeat(4000) })).unwrap();
    assert!(
        big.len() > MAX_CACHED_TOKEN_BYTES && big.len() <= 8 * 1024,
        "{}",
        big.len()
    );
    let cache = TokenCache::new(1024 * 1024);
    let v = with_cache(verifier(&key, &clock), &cache);

    for _ in 0..3 {
        assert_eq!(
            v.verify_principal(&big).unwrap().claims::<serde_json::Value>().unwrap()["blob"]
                .as_str()
                .map(str::len),
            Some(4000)
        );
    }
    assert_eq!((cache.len(), cache.weight()), (0, 0));
    assert!(cache.is_empty());

    let small = issue.issue("alice", &()).unwrap();
    assert_eq!(v.verify_principal(&small).unwrap().subject(), "alice");
    assert_eq!(cache.len(), 1);
}

#[test]
fn without_a_cache_revocation_applies_to_verify_and_verify_principal() {
    let clock = TestClock::at(T);
    let (signing, key) = hs_keys();
    let issue = issuer(signing, &clock).build().unwrap();
    let (token, other) = (issue.issue("alice", &()).unwrap(), issue.issue("bob", &()).unwrap());
    let revoked = Arc::new(InMemoryRevocation::new(Duration::from_secs(3600)));
    let v = verifier(&key, &clock).revocation(revoked.clone()).build().unwrap();

    let claims = v.verify_registered(&token).unwrap().claims;
    assert_eq!(v.verify_principal(&token).unwrap().subject(), "alice");
    revoked
        .revoke_token(claims.jti.as_deref().unwrap(), claims.exp.unwrap())
        .unwrap();
    assert_eq!(v.verify_registered(&token).unwrap_err().code(), "revoked");
    assert_eq!(v.verify::<serde_json::Value>(&token).unwrap_err().code(), "revoked");
    assert_eq!(v.verify_principal(&token).unwrap_err().code(), "revoked");

    assert_eq!(v.verify_principal(&other).unwrap().subject(), "bob");
    revoked.revoke_subject("bob", T + 1).unwrap();
    assert_eq!(v.verify_registered(&other).unwrap_err().code(), "revoked");
    assert_eq!(v.verify_principal(&other).unwrap_err().code(), "revoked");
}

/// Found in review: a clock stepped back before a cached token's `iat` (more than
/// the leeway) must not be served what fresh verification refuses.
#[test]
fn cached_token_is_not_served_when_the_clock_steps_back_before_its_iat() {
    let clock = TestClock::at(T + 100);
    let (signing, key) = hs_keys();
    let token = issue(issuer(signing, &clock), "alice"); // iat = T+100, no nbf
    let cache = TokenCache::new(1024 * 1024);
    let cached = with_cache(verifier(&key, &clock), &cache);
    let uncached = verifier(&key, &clock).build().unwrap();
    clock.set(T + 75);
    assert_eq!(check(&clock, &cached, &token).0, "ok");
    clock.set(T + 60);
    assert_eq!(check(&clock, &uncached, &token).0, "issued_in_future");
    assert_eq!(check(&clock, &cached, &token).0, "issued_in_future");
}

/// Found in review: a full list made room by dropping a revoked `jti` at its `exp`,
/// while the verifier still accepts the token within the leeway after it.
#[test]
fn a_full_revocation_list_keeps_a_revoked_token_while_the_leeway_still_accepts_it() {
    let clock = TestClock::at(T);
    let (signing, key) = hs_keys();
    let issue = issuer(signing, &clock).ttl(Duration::from_secs(60)).build().unwrap();
    let (token, other) = (issue.issue("alice", &()).unwrap(), issue.issue("bob", &()).unwrap());
    let revoked = Arc::new(
        InMemoryRevocation::new(Duration::from_secs(3600))
            .with_max_entries(1)
            .with_clock(clock.reader()),
    );
    let v = verifier(&key, &clock).revocation(revoked.clone()).build().unwrap();
    let claims = v.verify_registered(&token).unwrap().claims;
    let exp = claims.exp.unwrap();
    revoked.revoke_token(claims.jti.as_deref().unwrap(), exp).unwrap();

    // Past `exp`, inside the default 30 s leeway: the token would still verify.
    clock.set(exp + 10);
    let bob = v.verify_registered(&other).unwrap().claims;
    assert_eq!(
        revoked.revoke_token(bob.jti.as_deref().unwrap(), bob.exp.unwrap()),
        Err(portcullis::token::RevocationFull),
        "the first entry must not be dropped while a verifier may accept its token"
    );
    assert_eq!(v.verify_registered(&token).unwrap_err().code(), "revoked");

    // Once no verifier can accept it (exp + the largest leeway), its room is reused.
    clock.set(exp + portcullis::token::MAX_LEEWAY.as_secs() as i64);
    assert_eq!(v.verify_registered(&token).unwrap_err().code(), "expired");
    revoked
        .revoke_token(bob.jti.as_deref().unwrap(), bob.exp.unwrap())
        .unwrap();
}

/// The same for a subject's cut-off: kept for the longest lifetime plus the leeway.
#[test]
fn a_full_revocation_list_keeps_a_subject_cut_off_through_the_leeway() {
    let clock = TestClock::at(T);
    let (signing, key) = hs_keys();
    let issue = issuer(signing, &clock).ttl(Duration::from_secs(60)).build().unwrap();
    let token = issue.issue("alice", &()).unwrap();
    let revoked = Arc::new(
        InMemoryRevocation::new(Duration::from_secs(60))
            .with_max_entries(1)
            .with_clock(clock.reader()),
    );
    let v = verifier(&key, &clock).revocation(revoked.clone()).build().unwrap();
    revoked.revoke_subject("alice", T).unwrap();
    clock.set(T + 60 + 10);
    assert_eq!(
        revoked.revoke_subject("bob", T + 70),
        Err(portcullis::token::RevocationFull)
    );
    assert_eq!(v.verify_registered(&token).unwrap_err().code(), "revoked");
}
