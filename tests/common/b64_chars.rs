//! Single base64url characters, to spell a part non-canonically. Needs `b64` (its
//! alphabet).

use super::b64::URL_ALPHABET;

/// The 6-bit value of one base64url character, and the character of a value.
pub fn b64_value(c: u8) -> u8 {
    URL_ALPHABET.iter().position(|a| *a == c).expect("base64url character") as u8
}
pub fn b64_char(v: u8) -> u8 {
    URL_ALPHABET[usize::from(v)]
}
