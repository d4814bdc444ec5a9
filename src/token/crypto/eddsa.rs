//! EdDSA on Ed25519 (RFC 8037) with ring.

use ring::signature::{self, Ed25519KeyPair};

pub(crate) fn verify(public: &[u8; 32], message: &[u8], sig: &[u8]) -> bool {
    signature::UnparsedPublicKey::new(&signature::ED25519, public)
        .verify(message, sig)
        .is_ok()
}

pub(crate) fn sign(pair: &Ed25519KeyPair, message: &[u8]) -> Vec<u8> {
    pair.sign(message).as_ref().to_vec()
}
