//! ECDSA signatures portcullis makes carry the low S.
//!
//! `(r, s)` and `(r, n − s)` both satisfy the ECDSA equations, so every ES256/ES384
//! signature has a second spelling that anyone holding the first can write. Verifiers
//! that refuse the high S (DESIGN.md, "Token rules", asks portcullis to be one) accept
//! only the low one, so that is the one the issuer writes.

mod common;

use common::unb64;
use jsonwebtoken::EncodingKey;
use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, EcdsaSigningAlgorithm,
};

const NOW: i64 = 1_700_000_000;

/// The group order n of P-256, big-endian (SEC 2, §2.4.2).
const P256_N: [u8; 32] = hex32("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
/// The group order n of P-384, big-endian (SEC 2, §2.5.1).
const P384_N: [u8; 48] =
    hex48("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973");

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        _ => c - b'a' + 10,
    }
}

const fn hex32(s: &str) -> [u8; 32] {
    let (s, mut out, mut i) = (s.as_bytes(), [0u8; 32], 0);
    while i < 32 {
        out[i] = nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

const fn hex48(s: &str) -> [u8; 48] {
    let (s, mut out, mut i) = (s.as_bytes(), [0u8; 48], 0);
    while i < 48 {
        out[i] = nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

struct Curve {
    alg: Algorithm,
    n: &'static [u8],
    signing: &'static EcdsaSigningAlgorithm,
}

const CURVES: [Curve; 2] = [
    Curve {
        alg: Algorithm::ES256,
        n: &P256_N,
        signing: &ECDSA_P256_SHA256_FIXED_SIGNING,
    },
    Curve {
        alg: Algorithm::ES384,
        n: &P384_N,
        signing: &ECDSA_P384_SHA384_FIXED_SIGNING,
    },
];

/// `a − b` for big-endian numbers of one length, `a ≥ b`.
fn sub(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    assert_eq!(borrow, 0, "a < b");
    out
}

/// Whether the S half of a fixed-width `R || S` signature is above n/2.
fn is_high_s(signature: &[u8], n: &[u8]) -> bool {
    let s = &signature[signature.len() / 2..];
    // s > n/2 ⟺ 2s > n ⟺ s > n − s (n is odd).
    s > sub(n, s).as_slice()
}

fn signature_of(token: &str) -> Vec<u8> {
    unb64(token.rsplit_once('.').unwrap().1)
}

fn verifier_for(key: &SigningKey) -> Verifier {
    Verifier::builder(KeySet::single(key.verifying_key()))
        .clock(|| NOW)
        .build()
        .unwrap()
}

#[test]
fn issued_ecdsa_tokens_always_carry_the_low_s() {
    for curve in &CURVES {
        let key = SigningKey::generate(curve.alg).unwrap();
        let verifier = verifier_for(&key);
        let issuer = Issuer::builder(key).clock(|| NOW).build().unwrap();
        // ring's S is uniform: 200 tokens all low by chance is a 2⁻²⁰⁰ event.
        for _ in 0..200 {
            let token = issuer.issue("alice", &()).unwrap();
            assert!(!is_high_s(&signature_of(&token), curve.n), "{}: {token}", curve.alg);
            // n − S is as valid a signature as S was.
            assert!(verifier.verify_registered(&token).is_ok());
        }
    }
}

#[test]
fn jsonwebtoken_encode_on_the_portcullis_provider_is_low_s_too() {
    assert!(portcullis::token::crypto::install());
    let rng = SystemRandom::new();
    for curve in &CURVES {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(curve.signing, &rng).unwrap();
        let encoding = EncodingKey::from_ec_der(pkcs8.as_ref());
        let header = jsonwebtoken::Header::new(curve.alg.into());
        let claims = serde_json::json!({ "sub": "alice" });
        for _ in 0..100 {
            let token = jsonwebtoken::encode(&header, &claims, &encoding).unwrap();
            assert!(!is_high_s(&signature_of(&token), curve.n), "{}: {token}", curve.alg);
        }
    }
}
