//! API keys: refusing a bad key by its checksum, and verifying a good one against
//! the in-memory store, each beside its floor in the same run.
//!
//! - `apikey/check_refused`: `check` of a key with one character changed (the
//!   checksum refuses it), beside `crc32_alone`: CRC-32 of the same 33 bytes.
//! - `apikey/verify`: `ApiKeys::verify` of a good key (format check, HMAC-SHA-256
//!   under the pepper, lookup by hash, status and expiry; `last_used` is not due),
//!   and `authenticate` (the same, and the principal), beside `hmac_alone`: the keyed
//!   hash of the key with a key expanded once.
//!
//! Targets: a refusal by checksum under 100 ns with no allocation (the allocation
//! count is a test, `tests/token_allocations.rs`); a full verify under 1 µs.
//!
//! Run: `cargo bench --bench apikey`.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::auth::{Authenticator, Credentials};
use portcullis::password::Pepper;
use portcullis::secrets::apikey::{ApiKeys, MemoryApiKeyStore, NewApiKey, check};
use ring::hmac;

/// Runs a future that never waits (the in-memory store answers at once).
fn now<T>(future: impl Future<Output = T>) -> T {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the in-memory store waited"),
    }
}

fn bench(c: &mut Criterion) {
    let pepper = Pepper::new("p1", b"a-benchmark-pepper-of-32-bytes!!".to_vec()).expect("pepper");
    let keys = ApiKeys::new(MemoryApiKeyStore::new(), &pepper, "pk").expect("keys");
    // A store of 10,000 keys, as a service might hold.
    for n in 0..10_000 {
        now(keys.create(NewApiKey::new(format!("svc-{n}")))).expect("create");
    }
    let created =
        now(keys.create(NewApiKey::new("svc-reports").scopes(["reports.read"]).roles(["viewer"]))).expect("create");
    let key = created.key().to_owned();
    now(keys.verify(&key)).expect("verify");
    let mut typo = key.clone().into_bytes();
    typo[20] = if typo[20] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).expect("ASCII");
    assert!(check(&typo).is_err());

    let mut group = c.benchmark_group("apikey/check_refused");
    group.bench_function("check", |b| b.iter(|| check(black_box(&typo)).is_err()));
    group.bench_function("crc32_alone", |b| {
        b.iter(|| crc32fast::hash(black_box(&typo.as_bytes()[..33])))
    });
    group.finish();

    let mut group = c.benchmark_group("apikey/verify");
    group.bench_function("verify", |b| {
        b.iter(|| now(keys.verify(black_box(&key))).expect("verify"))
    });
    let credentials = Credentials::ApiKey(&key);
    group.bench_function("authenticate", |b| {
        b.iter(|| now(keys.authenticate(black_box(&credentials))).expect("authenticate"))
    });
    let hmac_key = hmac::Key::new(hmac::HMAC_SHA256, b"a-benchmark-pepper-of-32-bytes!!");
    group.bench_function("hmac_alone", |b| {
        b.iter(|| hmac::sign(&hmac_key, black_box(key.as_bytes())))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
