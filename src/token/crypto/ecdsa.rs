//! ES256 and ES384 on ring, with the fixed-width `R || S` signature JWS requires
//! (RFC 7518 §3.4): a DER-encoded signature is rejected, and ring rejects `r` or `s`
//! equal to zero (the all-zero signature of CVE-2022-21449).

use ring::signature::{self, EcdsaKeyPair, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm};

use crate::token::Algorithm;

pub(crate) fn verification(alg: Algorithm) -> Option<&'static EcdsaVerificationAlgorithm> {
    match alg {
        Algorithm::ES256 => Some(&signature::ECDSA_P256_SHA256_FIXED),
        Algorithm::ES384 => Some(&signature::ECDSA_P384_SHA384_FIXED),
        _ => None,
    }
}

pub(crate) fn signing(alg: Algorithm) -> Option<&'static EcdsaSigningAlgorithm> {
    match alg {
        Algorithm::ES256 => Some(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
        Algorithm::ES384 => Some(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
        _ => None,
    }
}

/// Coordinate size in bytes of the curve `alg` uses.
pub(crate) fn coordinate_len(alg: Algorithm) -> Option<usize> {
    match alg {
        Algorithm::ES256 => Some(32),
        Algorithm::ES384 => Some(48),
        _ => None,
    }
}

pub(crate) fn verify(alg: &'static EcdsaVerificationAlgorithm, point: &[u8], message: &[u8], sig: &[u8]) -> bool {
    signature::UnparsedPublicKey::new(alg, point)
        .verify(message, sig)
        .is_ok()
}

pub(crate) fn sign(pair: &EcdsaKeyPair, message: &[u8]) -> Result<Vec<u8>, ring::error::Unspecified> {
    Ok(pair.sign(&ring::rand::SystemRandom::new(), message)?.as_ref().to_vec())
}
