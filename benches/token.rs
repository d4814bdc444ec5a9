//! Verification cost of a realistic access token, per algorithm, in one run beside:
//! - `jsonwebtoken`: its `decode` with the same key;
//! - `naive`: the floor a verifier is held to, a check written by hand on ring,
//!   base64 and serde (`common/naive.rs`: header and `alg`, signature, payload into
//!   one struct, `exp`/`nbf`/`iss`/`aud`);
//! - `ring_floor`: less than any verifier can do, ring's verification alone
//!   (signature pre-decoded), one base64url decode of the payload, one serde parse;
//! - `portcullis_principal`: `Verifier::verify_principal` (roles, scopes and tenant
//!   mapped), the call the adapters make.
//!
//! Run: `cargo bench --bench token`.

#[path = "common/naive.rs"]
mod naive;

use std::hint::black_box;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use naive::{AccessClaims, Floor, Naive};
use portcullis::token::{Algorithm, Issuer, Jwk, KeySet, SigningKey, Verifier};
use serde::Deserialize;

/// What portcullis hands the caller's type besides its own registered claims.
#[derive(Deserialize)]
#[allow(dead_code)]
struct CustomClaims {
    scope: String,
    roles: Vec<String>,
    tenant: String,
}

const RSA_JWK: &str = include_str!("../tests/data/rfc/rfc7515_a2_rs256.json");

fn signing_key(alg: Algorithm) -> (SigningKey, Jwk) {
    let jwk = if alg == Algorithm::RS256 {
        let doc: serde_json::Value = serde_json::from_str(RSA_JWK).expect("RFC 7515 A.2 fixture");
        let mut jwk: Jwk = serde_json::from_value(doc["jwk"].clone()).expect("RFC 7515 A.2 JWK");
        jwk.alg = Some("RS256".into());
        jwk
    } else {
        SigningKey::generate_jwk(alg).expect("key generation")
    };
    let key = SigningKey::from_jwk(&jwk)
        .expect("key")
        .with_kid("2025-11")
        .expect("kid");
    (key, jwk)
}

fn bench_alg(c: &mut Criterion, alg: Algorithm) {
    const NOW: i64 = 1_767_225_600;
    let (key, jwk) = signing_key(alg);
    let public = key.verifying_key();
    let public_jwk = public.to_jwk();
    let issuer = Issuer::builder(key)
        .issuer("https://auth.example.com")
        .audience("orders-api")
        .not_before(true)
        .clock(|| NOW)
        .build()
        .expect("issuer");
    let custom = serde_json::json!({
        "scope": "orders.read orders.write",
        "roles": ["viewer", "clerk", "auditor"],
        "tenant": "acme",
    });
    let token = issuer.issue("user-4711", &custom).expect("token");

    let verifier = Verifier::builder(KeySet::single(public))
        .issuer("https://auth.example.com")
        .audience("orders-api")
        .clock(|| NOW + 60)
        .build()
        .expect("verifier");
    verifier.verify::<CustomClaims>(&token).expect("portcullis verifies");

    portcullis::token::interop::install();
    let decoding = match alg {
        Algorithm::HS256 => jsonwebtoken::DecodingKey::from_secret(
            &URL_SAFE_NO_PAD.decode(jwk.k.as_deref().unwrap_or_default()).expect("k"),
        ),
        _ => {
            let text = serde_json::to_string(&public_jwk).expect("jwk json");
            let theirs: jsonwebtoken::jwk::Jwk = serde_json::from_str(&text).expect("jsonwebtoken jwk");
            jsonwebtoken::DecodingKey::from_jwk(&theirs).expect("decoding key")
        }
    };
    let mut validation = jsonwebtoken::Validation::new(alg.into());
    validation.set_issuer(&["https://auth.example.com"]);
    validation.set_audience(&["orders-api"]);
    // jsonwebtoken reads the real clock; the token was issued for NOW, so allow it.
    validation.validate_exp = false;
    jsonwebtoken::decode::<AccessClaims>(&token, &decoding, &validation).expect("jsonwebtoken verifies");

    let floor = Floor::from_jwk(alg, &jwk);
    let naive = Naive::new(alg, &jwk, "https://auth.example.com", "orders-api");
    assert!(naive.verify(&token, NOW + 60).is_some());
    let principal = verifier.verify_principal(&token).expect("portcullis maps a principal");
    assert_eq!(principal.roles(), ["viewer", "clerk", "auditor"]);
    let (message, sig_b64) = token.rsplit_once('.').expect("three parts");
    let sig = URL_SAFE_NO_PAD.decode(sig_b64).expect("signature");
    let payload_b64 = message.split_once('.').expect("three parts").1;
    assert!(floor.verify(message.as_bytes(), &sig));

    let mut group = c.benchmark_group(format!("verify/{alg}"));
    group.bench_function("portcullis", |b| {
        b.iter(|| verifier.verify::<CustomClaims>(black_box(&token)).is_ok())
    });
    group.bench_function("portcullis_principal", |b| {
        b.iter(|| verifier.verify_principal(black_box(&token)).is_ok())
    });
    group.bench_function("naive", |b| {
        b.iter(|| naive.verify(black_box(&token), NOW + 60).is_some())
    });
    group.bench_function("jsonwebtoken", |b| {
        b.iter(|| jsonwebtoken::decode::<AccessClaims>(black_box(&token), &decoding, &validation).is_ok())
    });
    group.bench_function("ring_floor", |b| {
        b.iter(|| {
            let ok = floor.verify(black_box(message.as_bytes()), black_box(&sig));
            let payload = URL_SAFE_NO_PAD.decode(black_box(payload_b64)).unwrap_or_default();
            let claims = serde_json::from_slice::<AccessClaims>(&payload);
            ok && claims.is_ok()
        })
    });
    group.finish();
    eprintln!("verify/{alg}: token is {} bytes", token.len());
}

fn token_benches(c: &mut Criterion) {
    for alg in [Algorithm::HS256, Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
        bench_alg(c, alg);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = token_benches
}
criterion_main!(benches);
