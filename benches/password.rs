//! Password hashing cost, and the async pool's throughput.
//!
//! `cargo bench --bench password --features tokio`
//!
//! - `argon2id/*`: one hash or verification at OWASP's parameters (m = 19 MiB, t = 2,
//!   p = 1) and at m = 64 MiB, t = 3, p = 4; `verify_unknown_user` should cost what
//!   `verify` costs. Compare with the reference C
//!   implementation on the same machine: `python3 benches/argon2_reference.py`.
//! - `pool/concurrency=N`: 8 verifications submitted at once through a
//!   `PasswordPool` of N workers, on a multi-threaded tokio runtime; criterion reports
//!   verifications per second.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use portcullis::password::{Params, PasswordHasher, PasswordPool};

const PASSWORD: &str = "correct horse battery staple";

fn argon2id(c: &mut Criterion) {
    let sets = [
        ("m=19456,t=2,p=1", Params::owasp()),
        (
            "m=65536,t=3,p=4",
            Params {
                m_cost: 65_536,
                t_cost: 3,
                p_cost: 4,
                ..Params::owasp()
            },
        ),
    ];
    let mut group = c.benchmark_group("argon2id");
    group.sample_size(20).measurement_time(Duration::from_secs(8));
    for (name, params) in sets {
        let hasher = PasswordHasher::builder().params(params).build().expect("valid params");
        let stored = hasher.hash(PASSWORD).expect("hash");
        group.bench_function(format!("hash/{name}"), |b| b.iter(|| hasher.hash(black_box(PASSWORD))));
        group.bench_function(format!("verify/{name}"), |b| {
            b.iter(|| hasher.verify(black_box(PASSWORD), black_box(&stored)))
        });
        group.bench_function(format!("verify_unknown_user/{name}"), |b| {
            b.iter(|| hasher.verify_unknown_user(black_box(PASSWORD)))
        });
    }
    group.finish();
}

fn pool(c: &mut Criterion) {
    const BATCH: usize = 8;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    let hasher = PasswordHasher::new();
    let stored = hasher.hash(PASSWORD).expect("hash");
    let mut group = c.benchmark_group("pool");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(BATCH as u64));
    for concurrency in [1, 2, 4] {
        let pool = PasswordPool::builder(hasher.clone())
            .concurrency(concurrency)
            .queue(BATCH)
            .build()
            .expect("pool");
        group.bench_function(format!("concurrency={concurrency}"), |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let calls: Vec<_> = (0..BATCH)
                        .map(|_| {
                            let (pool, stored) = (pool.clone(), stored.clone());
                            tokio::spawn(async move { pool.verify_async(PASSWORD, &stored).await })
                        })
                        .collect();
                    for call in calls {
                        let verified = call.await.expect("task").expect("verify");
                        assert!(verified.ok);
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, argon2id, pool);
criterion_main!(benches);
