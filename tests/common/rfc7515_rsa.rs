//! The RFC 7515 A.2 RSA key, loadable as a private key. Needs `vectors`.

use portcullis::token::Jwk;

use super::vectors::rfc_vector;

/// The RFC 7515 A.2 RSA private JWK with `alg` set (the RFC's JWK has none, and RSA
/// JWKs need one to be loaded without naming the algorithm).
pub fn rfc7515_rsa_private_jwk(alg: &str) -> Jwk {
    let mut jwk = rfc_vector("rfc7515_a2_rs256.json").jwk;
    jwk.alg = Some(alg.to_owned());
    jwk
}
