//! Canonical base64url without padding (RFC 7515 §2, Appendix C). The engine rejects
//! `=` padding, `+` and `/`, whitespace, and non-zero trailing bits, so every value has
//! exactly one accepted encoding.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub(crate) fn decode(input: &[u8]) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(input).ok()
}

/// Decodes into `out`, returning the decoded length; `None` if `input` is not canonical
/// or does not fit.
pub(crate) fn decode_into(input: &[u8], out: &mut [u8]) -> Option<usize> {
    URL_SAFE_NO_PAD.decode_slice(input, out).ok()
}

pub(crate) fn encode(input: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(input)
}

pub(crate) fn encode_into(input: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(input, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_the_canonical_encoding() {
        assert_eq!(decode(b"QQ"), Some(b"A".to_vec()));
        for bad in [&b"QQ=="[..], b"QR", b"Q Q", b"Q+", b"Q/", b"QQ\n", b"Q"] {
            assert_eq!(decode(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn decode_into_refuses_output_that_does_not_fit() {
        let mut small = [0u8; 2];
        assert_eq!(decode_into(b"QUJD", &mut small), None);
        let mut fits = [0u8; 3];
        assert_eq!(decode_into(b"QUJD", &mut fits), Some(3));
    }
}
