//! ES256 and ES384 on ring, with the fixed-width `R || S` signature JWS requires
//! (RFC 7518 §3.4): a DER-encoded signature is rejected, and ring rejects `r` or `s`
//! equal to zero (the all-zero signature of CVE-2022-21449).
//!
//! A signature whose S is above n/2 is refused as well (DESIGN.md, "Token rules").
//! `(r, s)` and `(r, n − s)` are both valid ECDSA signatures of one message, so without
//! this rule anyone holding a token could write a second one that verifies: another
//! cache entry, and a way past a denylist keyed on the token text. ring signs with
//! either S, so signing replaces a high S by n − S, and every token portcullis issues
//! is the spelling it accepts. Tokens of other signers that do not normalize (PyJWT
//! and other OpenSSL-based ones, Java, Go, cloud KMSs; RFC 7515 §A.3's own example)
//! fail half the time, unless a verifier opts out with
//! [`VerifierBuilder::accept_high_s`](crate::token::VerifierBuilder::accept_high_s),
//! which verifies the low twin of such a signature instead ([`low_twin`]).

use ring::signature::{self, EcdsaKeyPair, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm};

use crate::token::Algorithm;

/// The group order n of P-256 (SEC 2 v2, §2.4.2), big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, //
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// The group order n of P-384 (SEC 2 v2, §2.5.1), big-endian.
const P384_ORDER: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, //
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf, //
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
];

/// ⌊n/2⌋ of P-256: the largest S accepted.
const P256_HALF_ORDER: [u8; 32] = halve(P256_ORDER);
/// ⌊n/2⌋ of P-384: the largest S accepted.
const P384_HALF_ORDER: [u8; 48] = halve(P384_ORDER);

/// A big-endian number shifted right by one bit.
const fn halve<const N: usize>(n: [u8; N]) -> [u8; N] {
    let mut half = [0u8; N];
    let mut carry = 0u8;
    let mut i = 0;
    while i < N {
        half[i] = carry << 7 | n[i] >> 1;
        carry = n[i] & 1;
        i += 1;
    }
    half
}

/// The order and half order of the curve whose scalars are `len` bytes long.
fn order(len: usize) -> Option<(&'static [u8], &'static [u8])> {
    match len {
        32 => Some((&P256_ORDER, &P256_HALF_ORDER)),
        48 => Some((&P384_ORDER, &P384_HALF_ORDER)),
        _ => None,
    }
}

/// Whether the S of a fixed-width `R || S` signature is at most n/2. A signature is
/// exactly twice the scalar size of its curve, so the length names the curve; `false`
/// for a length of no curve.
fn has_low_s(sig: &[u8]) -> bool {
    let (_, s) = sig.split_at(sig.len() / 2);
    // Equal-length big-endian byte strings compare as the numbers they spell. S is
    // public (it is in the token), so a comparison that exits early leaks nothing.
    order(s.len()).is_some_and(|(_, half)| s <= half)
}

/// Longest fixed-width ECDSA signature: P-384's, 2 × 48 bytes.
pub(crate) const MAX_SIGNATURE_LEN: usize = 96;

/// The low spelling of a high-S signature, `(r, n − s)`, which verifies exactly when
/// `(r, s)` does; `None` when S is already low or the length names no curve.
pub(crate) fn low_twin(sig: &[u8]) -> Option<([u8; MAX_SIGNATURE_LEN], usize)> {
    if sig.len() > MAX_SIGNATURE_LEN || order(sig.len() / 2).is_none() || has_low_s(sig) {
        return None;
    }
    let mut twin = [0u8; MAX_SIGNATURE_LEN];
    twin[..sig.len()].copy_from_slice(sig);
    normalize_s(&mut twin[..sig.len()]);
    Some((twin, sig.len()))
}

/// Replaces a high S by n − S: the same signature, in its low spelling.
fn normalize_s(sig: &mut [u8]) {
    let scalar = sig.len() / 2;
    let Some((n, _)) = order(scalar) else {
        return;
    };
    if has_low_s(sig) {
        return;
    }
    let s = &mut sig[scalar..];
    let mut borrow = 0u16;
    for (s, n) in s.iter_mut().zip(n).rev() {
        // n > s here, so the last borrow is zero.
        let difference = 0x100 + u16::from(*n) - u16::from(*s) - borrow;
        *s = (difference & 0xff) as u8;
        borrow = u16::from(difference < 0x100);
    }
}

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
    // The key's curve fixes the signature's length (ring refuses any other), so a
    // length that names another curve fails below whatever `has_low_s` says.
    has_low_s(sig)
        && signature::UnparsedPublicKey::new(alg, point)
            .verify(message, sig)
            .is_ok()
}

pub(crate) fn sign(pair: &EcdsaKeyPair, message: &[u8]) -> Result<Vec<u8>, ring::error::Unspecified> {
    let mut sig = pair.sign(&ring::rand::SystemRandom::new(), message)?.as_ref().to_vec();
    normalize_s(&mut sig);
    Ok(sig)
}

#[cfg(test)]
mod tests {
    use ring::rand::SystemRandom;
    use ring::signature::KeyPair;

    use super::*;

    /// `a + b` for big-endian numbers of one length, and the carry out.
    fn add(a: &[u8], b: &[u8]) -> (Vec<u8>, u16) {
        let mut sum = vec![0u8; a.len()];
        let mut carry = 0u16;
        for i in (0..a.len()).rev() {
            let digit = u16::from(a[i]) + u16::from(b[i]) + carry;
            sum[i] = (digit & 0xff) as u8;
            carry = digit >> 8;
        }
        (sum, carry)
    }

    #[test]
    fn half_orders_are_half_the_orders() {
        for (n, half) in [
            (&P256_ORDER[..], &P256_HALF_ORDER[..]),
            (&P384_ORDER[..], &P384_HALF_ORDER[..]),
        ] {
            // n is odd: 2·⌊n/2⌋ + 1 = n.
            let (double, carry) = add(half, half);
            assert_eq!(carry, 0);
            let mut one = vec![0u8; n.len()];
            one[n.len() - 1] = 1;
            assert_eq!(add(&double, &one), (n.to_vec(), 0));
        }
    }

    #[test]
    fn s_at_half_the_order_is_low_and_one_more_is_high() {
        for half in [&P256_HALF_ORDER[..], &P384_HALF_ORDER[..]] {
            let r = vec![1u8; half.len()];
            let mut at = [&r[..], half].concat();
            assert!(has_low_s(&at));
            *at.last_mut().unwrap() += 1;
            assert!(!has_low_s(&at));
        }
        assert!(!has_low_s(&[1u8; 80]), "a length of no curve");
    }

    #[test]
    fn signing_normalizes_s_and_the_signature_still_verifies() {
        let rng = SystemRandom::new();
        for alg in [Algorithm::ES256, Algorithm::ES384] {
            let (signing, verification) = (signing(alg).unwrap(), verification(alg).unwrap());
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(signing, &rng).unwrap();
            let pair = EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref(), &rng).unwrap();
            let mut high_seen = false;
            for i in 0..64u8 {
                let message = [i; 7];
                let raw = pair.sign(&rng, &message).unwrap().as_ref().to_vec();
                high_seen |= !has_low_s(&raw);
                let mut normalized = raw.clone();
                normalize_s(&mut normalized);
                assert!(has_low_s(&normalized));
                assert_eq!(normalized[..raw.len() / 2], raw[..raw.len() / 2], "R is kept");
                assert_eq!(normalized == raw, has_low_s(&raw));
                assert!(verify(verification, pair.public_key().as_ref(), &message, &normalized));
                assert!(has_low_s(&sign(&pair, &message).unwrap()));
            }
            // ring's S is uniform: 64 low ones in a row is a 2⁻⁶⁴ event.
            assert!(high_seen, "{alg}");
        }
    }
}
