//! Sealing and opening, per suite, for 1 KiB and 64 KiB, beside ring's AEAD alone on
//! a key expanded once (the floor: no per-message key, no header, no random salt and
//! nonce, no context, no allocation).
//!
//! - `secrets/<size>/portcullis_<suite>`: `Keyring::seal` then `Keyring::open`, with a
//!   two-entry context: HKDF-SHA-256 and an AEAD key per message, 44 random bytes,
//!   the header and the context authenticated.
//! - `secrets/<size>/ring_<suite>`: `LessSafeKey::seal_in_place_append_tag` then
//!   `open_in_place` on the same bytes, with a counter nonce.
//!
//! Targets: 1 KiB seal+open under 3 µs; 64 KiB at 1 GB/s or more.
//!
//! Run: `cargo bench --bench secrets`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use portcullis::secrets::{Context, Keyring, Suite};
use ring::aead::{AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};

fn bench(c: &mut Criterion) {
    let context = Context::new()
        .with("table", "orders")
        .and_then(|c| c.with("row", "1042"))
        .expect("context");
    for (size, label) in [(1024usize, "1KiB"), (64 * 1024, "64KiB")] {
        let plaintext: Vec<u8> = (0..size).map(|i| i as u8).collect();
        let mut group = c.benchmark_group(format!("secrets/{label}"));
        group.throughput(Throughput::Bytes(size as u64));
        for (suite, name, algorithm) in [
            (Suite::Aes256Gcm, "aes_256_gcm", &AES_256_GCM),
            (Suite::ChaCha20Poly1305, "chacha20_poly1305", &CHACHA20_POLY1305),
        ] {
            let keyring = Keyring::generate(suite).expect("keyring");
            let sealed = keyring.seal(&plaintext, &context).expect("seal");
            assert_eq!(&keyring.open(&sealed, &context).expect("open")[..], &plaintext[..]);
            group.bench_function(format!("portcullis_{name}"), |b| {
                b.iter(|| {
                    let sealed = keyring.seal(black_box(&plaintext), &context).expect("seal");
                    keyring.open(black_box(&sealed), &context).expect("open")
                })
            });

            let key = LessSafeKey::new(UnboundKey::new(algorithm, &[7u8; 32]).expect("key"));
            let mut buffer = Vec::with_capacity(size + 16);
            let mut counter = 0u64;
            group.bench_function(format!("ring_{name}"), |b| {
                b.iter(|| {
                    counter += 1;
                    let mut nonce = [0u8; 12];
                    nonce[4..].copy_from_slice(&counter.to_be_bytes());
                    buffer.clear();
                    buffer.extend_from_slice(black_box(&plaintext));
                    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buffer)
                        .expect("seal");
                    let opened = key
                        .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buffer)
                        .expect("open");
                    black_box(opened.len())
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
