//! ECDSA signatures with a high S are refused (DESIGN.md, "Token rules").
//!
//! `(r, s)` and `(r, n − s)` both satisfy the ECDSA equations, so without this rule
//! every ES256/ES384 token has a second spelling that anyone holding the first can
//! write: a second cache entry, and a way past a denylist keyed on the token text. The
//! issuer signs with the low S only, so its tokens are the spelling that verifies.

mod common {
    pub mod b64;
    pub mod b64_encode;
    pub mod unb64;
    pub mod vectors;
}

use common::b64::b64;
use common::unb64::unb64;
use jsonwebtoken::EncodingKey;
use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED, ECDSA_P384_SHA384_FIXED_SIGNING,
    EcdsaKeyPair, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm, KeyPair, UnparsedPublicKey,
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
    verification: &'static EcdsaVerificationAlgorithm,
}

const CURVES: [Curve; 2] = [
    Curve {
        alg: Algorithm::ES256,
        n: &P256_N,
        signing: &ECDSA_P256_SHA256_FIXED_SIGNING,
        verification: &ECDSA_P256_SHA256_FIXED,
    },
    Curve {
        alg: Algorithm::ES384,
        n: &P384_N,
        signing: &ECDSA_P384_SHA384_FIXED_SIGNING,
        verification: &ECDSA_P384_SHA384_FIXED,
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

/// The other spelling of a signature: `R || (n − S)`.
fn twin(signature: &[u8], n: &[u8]) -> Vec<u8> {
    let (r, s) = signature.split_at(signature.len() / 2);
    [r, &sub(n, s)].concat()
}

fn signature_of(token: &str) -> Vec<u8> {
    unb64(token.rsplit_once('.').unwrap().1)
}

fn with_signature(token: &str, signature: &[u8]) -> String {
    format!("{}.{}", token.rsplit_once('.').unwrap().0, b64(signature))
}

fn verifier_for(key: &SigningKey) -> Verifier {
    Verifier::builder(KeySet::single(key.verifying_key()))
        .clock(|| NOW)
        .build()
        .unwrap()
}

#[test]
fn the_high_s_spelling_of_a_ring_signature_is_invalid_signature() {
    let rng = SystemRandom::new();
    for curve in &CURVES {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(curve.signing, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(curve.signing, pkcs8.as_ref(), &rng).unwrap();
        let key =
            portcullis::token::interop::signing_key(curve.alg, &EncodingKey::from_ec_der(pkcs8.as_ref())).unwrap();
        let verifier = verifier_for(&key);
        let input = format!(
            "{}.{}",
            b64(format!(r#"{{"alg":"{}"}}"#, curve.alg).as_bytes()),
            b64(format!(r#"{{"sub":"alice","exp":{}}}"#, NOW + 600).as_bytes())
        );
        let signed = pair.sign(&rng, input.as_bytes()).unwrap().as_ref().to_vec();
        let other = twin(&signed, curve.n);
        let (low, high) = if is_high_s(&signed, curve.n) {
            (other, signed)
        } else {
            (signed, other)
        };
        let public = UnparsedPublicKey::new(curve.verification, pair.public_key().as_ref());
        // Both spellings are valid ECDSA: ring accepts each.
        assert!(public.verify(input.as_bytes(), &low).is_ok());
        assert!(public.verify(input.as_bytes(), &high).is_ok());
        let token = |sig: &[u8]| format!("{input}.{}", b64(sig));
        assert!(verifier.verify_registered(&token(&low)).is_ok(), "{}", curve.alg);
        assert_eq!(
            verifier.verify_registered(&token(&high)).unwrap_err().code(),
            "invalid_signature",
            "{}",
            curve.alg
        );
    }
}

#[test]
fn the_twin_of_an_issued_token_is_invalid_signature() {
    for curve in &CURVES {
        let key = SigningKey::generate(curve.alg).unwrap();
        let point = key.verifying_key().to_jwk().unwrap();
        let verifier = verifier_for(&key);
        let issuer = Issuer::builder(key).clock(|| NOW).build().unwrap();
        let token = issuer.issue("alice", &()).unwrap();
        assert!(verifier.verify_registered(&token).is_ok());
        let forged = with_signature(&token, &twin(&signature_of(&token), curve.n));
        // ring takes the twin: it is a valid ECDSA signature of the same input.
        let xy = [unb64(point.x.as_deref().unwrap()), unb64(point.y.as_deref().unwrap())].concat();
        let public = UnparsedPublicKey::new(curve.verification, [&[4u8][..], &xy].concat());
        let input = forged.rsplit_once('.').unwrap().0;
        assert!(public.verify(input.as_bytes(), &signature_of(&forged)).is_ok());
        assert_eq!(
            verifier.verify_registered(&forged).unwrap_err().code(),
            "invalid_signature",
            "{}",
            curve.alg
        );
    }
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
    assert!(portcullis::token::interop::install());
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

/// A verifier that opts in (for an issuer that does not normalize S) accepts both
/// spellings, and refuses a signature that is not valid in either.
#[test]
fn accept_high_s_takes_both_spellings_and_nothing_else() {
    for curve in &CURVES {
        let key = SigningKey::generate(curve.alg).unwrap();
        let lenient = Verifier::builder(KeySet::single(key.verifying_key()))
            .clock(|| NOW)
            .accept_high_s(true)
            .build()
            .unwrap();
        let strict = verifier_for(&key);
        let token = Issuer::builder(key)
            .clock(|| NOW)
            .build()
            .unwrap()
            .issue("alice", &())
            .unwrap();
        let high = with_signature(&token, &twin(&signature_of(&token), curve.n));
        assert!(lenient.verify_registered(&token).is_ok() && lenient.verify_registered(&high).is_ok());
        assert_eq!(strict.verify_registered(&high).unwrap_err().code(), "invalid_signature");
        // R changed: neither spelling of it is valid.
        let mut broken = signature_of(&high);
        broken[0] ^= 1;
        assert_eq!(
            lenient
                .verify_registered(&with_signature(&token, &broken))
                .unwrap_err()
                .code(),
            "invalid_signature"
        );
    }
}

/// RFC 7515 §A.3's ES256 example carries a high S: refused by default, accepted by a
/// verifier that opts in, and its low twin verifies everywhere.
#[test]
fn the_rfc7515_a3_example_has_a_high_s() {
    let vector = common::vectors::rfc_vector("rfc7515_a3_es256.json");
    let key = portcullis::token::VerifyingKey::from_jwk_for(&vector.public_jwk, Algorithm::ES256).unwrap();
    let in_2011 = |accept| {
        Verifier::builder(KeySet::single(key.clone()))
            .clock(|| 1_300_819_300)
            .accept_high_s(accept)
            .build()
            .unwrap()
    };
    let n = CURVES[0].n;
    assert!(is_high_s(&signature_of(&vector.token), n));
    let low = with_signature(&vector.token, &twin(&signature_of(&vector.token), n));
    assert_eq!(
        in_2011(false).verify_registered(&vector.token).unwrap_err().code(),
        "invalid_signature"
    );
    assert_eq!(
        in_2011(true)
            .verify_registered(&vector.token)
            .unwrap()
            .claims
            .iss
            .as_deref(),
        Some("joe")
    );
    assert_eq!(
        in_2011(false).verify_registered(&low).unwrap().claims.iss.as_deref(),
        Some("joe")
    );
}
