//! base64url without padding (RFC 7515 §2), the encoding of JWS parts. Needs
//! `b64_encode`.

use super::b64_encode::encode_with;

pub const URL_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding (RFC 7515 §2).
pub fn b64(input: &[u8]) -> String {
    encode_with(URL_ALPHABET, input, false)
}
