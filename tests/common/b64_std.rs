//! Standard base64 with padding (RFC 4648 §4). Needs `b64_encode`.

use super::b64_encode::encode_with;

const STD_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 §4), as PEM uses.
pub fn b64_std(input: &[u8]) -> String {
    encode_with(STD_ALPHABET, input, true)
}
