//! HS256/384/512 on ring's HMAC. Verification is constant-time (`ring::hmac::verify`).

use ring::hmac;

use crate::token::Algorithm;

pub(crate) fn algorithm(alg: Algorithm) -> Option<hmac::Algorithm> {
    match alg {
        Algorithm::HS256 => Some(hmac::HMAC_SHA256),
        Algorithm::HS384 => Some(hmac::HMAC_SHA384),
        Algorithm::HS512 => Some(hmac::HMAC_SHA512),
        _ => None,
    }
}

/// The key schedule is computed once here, not per verification.
pub(crate) fn key(alg: Algorithm, secret: &[u8]) -> Option<hmac::Key> {
    algorithm(alg).map(|a| hmac::Key::new(a, secret))
}

pub(crate) fn verify(key: &hmac::Key, message: &[u8], signature: &[u8]) -> bool {
    hmac::verify(key, message, signature).is_ok()
}

pub(crate) fn sign(key: &hmac::Key, message: &[u8]) -> Vec<u8> {
    hmac::sign(key, message).as_ref().to_vec()
}
