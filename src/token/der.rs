//! A strict reader for the few DER structures keys arrive in (RFC 8017 `RSAPublicKey`,
//! RFC 5915 `ECPrivateKey` inside RFC 5958 `OneAsymmetricKey`). Definite lengths only,
//! no recursion, every length checked against what remains.

pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Reader { rest: input }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Reads one TLV with the given tag and returns its contents.
    pub(crate) fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (&found, rest) = self.rest.split_first()?;
        if found != tag {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let (digits, after) = rest.split_at(count);
            rest = after;
            if digits[0] == 0 {
                return None; // not minimal
            }
            let len = digits.iter().fold(0usize, |acc, d| (acc << 8) | usize::from(*d));
            if len < 0x80 {
                return None; // not minimal
            }
            len
        };
        if rest.len() < len {
            return None;
        }
        let (contents, after) = rest.split_at(len);
        self.rest = after;
        Some(contents)
    }

    /// Reads a non-negative INTEGER, returning its big-endian magnitude.
    pub(crate) fn unsigned_integer(&mut self) -> Option<&'a [u8]> {
        let bytes = self.read(INTEGER)?;
        match bytes {
            [] => None,
            [0, next, ..] if *next < 0x80 => None, // not minimal
            [0, rest @ ..] => Some(rest),
            [first, ..] if *first >= 0x80 => None, // negative
            _ => Some(bytes),
        }
    }
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
pub(crate) fn rsa_public_key(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut outer = Reader::new(der);
    let mut seq = Reader::new(outer.read(SEQUENCE)?);
    if !outer.is_empty() {
        return None;
    }
    let n = seq.unsigned_integer()?;
    let e = seq.unsigned_integer()?;
    seq.is_empty().then_some((n, e))
}

/// The private scalar `d` of a PKCS#8 (RFC 5958) EC key as ring generates it.
pub(crate) fn pkcs8_ec_private_scalar(der: &[u8]) -> Option<&[u8]> {
    let mut outer = Reader::new(der);
    let mut info = Reader::new(outer.read(SEQUENCE)?);
    info.unsigned_integer()?; // version
    info.read(SEQUENCE)?; // algorithm identifier
    let mut ec_key = Reader::new(info.read(OCTET_STRING)?);
    let mut ec_key = Reader::new(ec_key.read(SEQUENCE)?);
    ec_key.unsigned_integer()?; // ecPrivkeyVer1
    ec_key.read(OCTET_STRING)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_minimal_rsa_public_key() {
        // SEQUENCE { INTEGER 0x00c5, INTEGER 0x010001 }
        let der = [0x30, 0x09, 0x02, 0x02, 0x00, 0xc5, 0x02, 0x03, 0x01, 0x00, 0x01];
        assert_eq!(rsa_public_key(&der), Some((&[0xc5][..], &[1, 0, 1][..])));
    }

    #[test]
    fn rejects_truncated_trailing_and_non_minimal_input() {
        assert_eq!(rsa_public_key(&[0x30, 0x09, 0x02]), None);
        let trailing = [0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03, 0x00];
        assert_eq!(rsa_public_key(&trailing), None);
        let padded = [0x30, 0x07, 0x02, 0x02, 0x00, 0x05, 0x02, 0x01, 0x03];
        assert_eq!(rsa_public_key(&padded), None);
        let long_form_short_len = [0x30, 0x81, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03];
        assert_eq!(rsa_public_key(&long_form_short_len), None);
        let huge_len = [0x30, 0x84, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(rsa_public_key(&huge_len), None);
    }
}
