//! Helpers shared by the integration tests: an independent base64 codec (so hand-built
//! tokens do not go through the crate's own encoder), HS256 token construction with
//! ring, and the published RFC vectors.
#![allow(dead_code)]

pub mod capture;
pub mod conformance;
pub mod http;

use portcullis::token::{Algorithm, Issuer, Jwk, KeySet, SigningKey, Verifier};

/// An ES256 verifier for audience `orders`, and a token for `alice` it accepts.
pub fn es256_verifier_and_token() -> (Verifier, String) {
    let key = SigningKey::generate(Algorithm::ES256).expect("key");
    let verifier = Verifier::builder(KeySet::single(key.verifying_key()))
        .audience("orders")
        .build()
        .expect("verifier");
    let token = Issuer::builder(key)
        .audience("orders")
        .build()
        .expect("issuer")
        .issue("alice", &())
        .expect("token");
    (verifier, token)
}

const URL_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const STD_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn encode_with(alphabet: &[u8; 64], input: &[u8], pad: bool) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        if pad {
            out.extend(std::iter::repeat_n('=', 4 - chars));
        }
    }
    out
}

/// base64url without padding (RFC 7515 §2).
pub fn b64(input: &[u8]) -> String {
    encode_with(URL_ALPHABET, input, false)
}

/// Standard base64 with padding (RFC 4648 §4), as PEM uses.
pub fn b64_std(input: &[u8]) -> String {
    encode_with(STD_ALPHABET, input, true)
}

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

/// The 6-bit value of one base64url character, and the character of a value.
pub fn b64_value(c: u8) -> u8 {
    URL_ALPHABET.iter().position(|a| *a == c).expect("base64url character") as u8
}
pub fn b64_char(v: u8) -> u8 {
    URL_ALPHABET[usize::from(v)]
}

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

/// One published vector from tests/data/rfc.
pub struct RfcVector {
    pub alg: String,
    pub jwk: Jwk,
    pub public_jwk: Jwk,
    pub token: String,
    pub payload: String,
}

pub fn rfc_vector(file: &str) -> RfcVector {
    let path = format!("{}/tests/data/rfc/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: serde_json::Value = serde_json::from_str(&text).expect("vector file is JSON");
    let jwk = |name: &str| serde_json::from_value::<Jwk>(doc[name].clone()).expect("vector JWK");
    let text = |name: &str| doc[name].as_str().expect("vector string member").to_owned();
    RfcVector {
        alg: text("alg"),
        jwk: jwk("jwk"),
        public_jwk: jwk("public_jwk"),
        token: text("token"),
        payload: text("payload"),
    }
}

/// The RFC 7515 A.2 RSA private JWK with `alg` set (the RFC's JWK has none, and RSA
/// JWKs need one to be loaded without naming the algorithm).
pub fn rfc7515_rsa_private_jwk(alg: &str) -> Jwk {
    let mut jwk = rfc_vector("rfc7515_a2_rs256.json").jwk;
    jwk.alg = Some(alg.to_owned());
    jwk
}

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

/// The outcome of running one of the Python interop scripts in tests/interop/.
pub enum PythonRun {
    /// The script ran: its exit code and output.
    Ran { code: i32, stdout: String, stderr: String },
    /// Python or the script's package is missing (the script exits 3 for that).
    Unavailable(String),
}

/// Runs `tests/interop/<script>` with `input` on stdin.
pub fn run_interop_script(script: &str, input: &str) -> PythonRun {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let path = format!("{}/tests/interop/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut child = match Command::new("python3")
        .arg(&path)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return PythonRun::Unavailable(format!("cannot run python3: {e}")),
    };
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    match output.status.code() {
        Some(3) => PythonRun::Unavailable(format!("a Python package is not installed: {stderr}")),
        Some(code) => PythonRun::Ran { code, stdout, stderr },
        None => panic!("{script} was killed by a signal; stderr: {stderr}"),
    }
}

/// The script's stdout when it ran; `None` (after saying why) when Python or its
/// package is missing outside CI. Under CI a missing dependency fails the test:
/// `.ci/run` installs tests/interop/requirements.txt.
pub fn interop_output(test: &str, script: &str, input: &str) -> Option<String> {
    match run_interop_script(script, input) {
        PythonRun::Unavailable(why) => {
            if std::env::var_os("CI").is_some() {
                panic!("{test} cannot run in CI: {why} (CI must install tests/interop/requirements.txt)");
            }
            eprintln!("SKIPPED {test}: {why}\ninstall with: pip install -r tests/interop/requirements.txt");
            None
        }
        PythonRun::Ran { code, stdout, stderr } => {
            assert_eq!(code, 0, "{script} failed (exit {code}):\n{stdout}\n{stderr}");
            Some(stdout)
        }
    }
}
