//! DER and PEM written by hand, for keys the crate's own encoders would not make.
//! Needs `b64_std` and `b64_encode`.

use super::b64_std::b64_std;

fn der_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
}

/// One DER element: tag, length, contents.
pub fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    der_len(contents.len(), &mut out);
    out.extend_from_slice(contents);
    out
}

/// A DER INTEGER of an unsigned big-endian magnitude (minimal, with a 0x00 prefix
/// when the top bit is set).
pub fn der_uint(magnitude: &[u8]) -> Vec<u8> {
    let start = magnitude
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(magnitude.len().saturating_sub(1));
    let mut contents = Vec::new();
    if magnitude[start] & 0x80 != 0 {
        contents.push(0);
    }
    contents.extend_from_slice(&magnitude[start..]);
    der(0x02, &contents)
}

/// The SPKI PEM (`-----BEGIN PUBLIC KEY-----`) of an RSA public key.
pub fn rsa_spki_pem(n: &[u8], e: &[u8]) -> String {
    let rsa_public_key = der(0x30, &[der_uint(n), der_uint(e)].concat());
    // AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }
    let algorithm = der(
        0x30,
        &[
            der(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]),
            vec![0x05, 0x00],
        ]
        .concat(),
    );
    let bit_string = der(0x03, &[&[0u8][..], &rsa_public_key].concat());
    let spki = der(0x30, &[algorithm, bit_string].concat());
    let body = b64_std(&spki);
    let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END PUBLIC KEY-----\n");
    pem
}
