//! A key pair for tests that need any valid token and the verifier that takes it.

use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};

/// An ES256 verifier for audience `orders`, and a token for `alice` it accepts.
pub fn es256_verifier_and_token() -> (Verifier, String) {
    let key = SigningKey::generate(Algorithm::ES256).expect("key");
    let verifier = Verifier::builder(KeySet::single(key.verifying_key()))
        .audience("orders")
        .build()
        .expect("verifier");
    let token = Issuer::builder(key)
        .audience("orders")
        .build()
        .expect("issuer")
        .issue("alice", &())
        .expect("token");
    (verifier, token)
}
