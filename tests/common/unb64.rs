//! base64url decoding of test inputs. Needs `b64` (its alphabet).

use super::b64::URL_ALPHABET;

/// Lenient base64url decoding (ignores trailing bits); panics on characters outside
/// the alphabet. Only for test inputs we made or that the RFCs publish.
pub fn unb64(input: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in input.bytes() {
        let v = URL_ALPHABET.iter().position(|a| *a == c).expect("base64url character") as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
