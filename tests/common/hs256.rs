//! HS256 tokens built by hand: MACed with ring over exactly the signing input sent.
//! Needs `b64` and `b64_encode`.

use super::b64::b64;

/// The HS256 secret of the hand-built tokens (32 bytes, the minimum for HS256).
pub const SECRET: &[u8; 32] = b"portcullis-attack-suite-secret!!";

/// HMAC-SHA256 of `signing_input` with `key`, base64url-encoded.
pub fn mac_with(key: &[u8], signing_input: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    b64(ring::hmac::sign(&key, signing_input).as_ref())
}

/// `signing_input` + "." + its HS256 signature under [`SECRET`]. The signing input is
/// taken as sent, so a deliberately non-canonical part still carries a valid MAC.
pub fn sign_hs256(signing_input: &str) -> String {
    format!("{signing_input}.{}", mac_with(SECRET, signing_input.as_bytes()))
}

/// A compact JWS of `header` and `payload` (JSON text, or any bytes), MACed with [`SECRET`].
pub fn hs256_token(header: &str, payload: &str) -> String {
    hs256_token_bytes(header.as_bytes(), payload.as_bytes())
}

pub fn hs256_token_bytes(header: &[u8], payload: &[u8]) -> String {
    sign_hs256(&format!("{}.{}", b64(header), b64(payload)))
}
