//! Canonical base64url without padding (RFC 7515 §2, Appendix C). The engine rejects
//! `=` padding, `+` and `/`, whitespace, and non-zero trailing bits, so every value has
//! exactly one accepted encoding.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub(crate) fn decode(input: &[u8]) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(input).ok()
}

/// Decodes into `stack` when the result fits there, else onto the heap; `None` if
/// `input` is not canonical. Keeps the common small parts of a token off the heap.
pub(crate) fn decode_buffered<'a>(input: &[u8], stack: &'a mut [u8]) -> Option<Cow<'a, [u8]>> {
    match URL_SAFE_NO_PAD.decode_slice(input, &mut *stack) {
        Ok(len) => Some(Cow::Borrowed(&stack[..len])),
        Err(_) => decode(input).map(Cow::Owned),
    }
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
    fn decode_buffered_uses_the_stack_only_when_the_result_fits() {
        let mut small = [0u8; 2];
        assert!(matches!(decode_buffered(b"QUJD", &mut small), Some(Cow::Owned(v)) if v == b"ABC"));
        let mut fits = [0u8; 3];
        assert!(matches!(
            decode_buffered(b"QUJD", &mut fits),
            Some(Cow::Borrowed(b"ABC"))
        ));
        assert!(decode_buffered(b"QUJD=", &mut fits).is_none());
    }
}
