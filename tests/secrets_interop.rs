//! Sealed data against an independent implementation of its documented format
//! (tests/interop/check_sealed_v1.py, on Python's `cryptography`), both ways: the
//! committed vectors in tests/data/interop/sealed_v1.json and fresh ones open there,
//! and what Python seals opens here.
//!
//! Regenerate the committed vectors with
//! `PORTCULLIS_WRITE_SEALED_VECTORS=1 cargo test --test secrets_interop`.

mod common {
    pub mod interop;
}

use common::interop::interop_output;
use portcullis::secrets::{Context, Keyring, Suite};
use serde_json::{Value, json};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/interop/sealed_v1.json");

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn contexts() -> Vec<Context> {
    vec![
        Context::new(),
        Context::from_pairs([("table", "users"), ("row", "42")]).unwrap(),
        Context::from_pairs([("purpose", "keyring")]).unwrap(),
        Context::from_pairs([("name", "Zoë"), ("é", ""), ("Z", "upper sorts first")]).unwrap(),
    ]
}

/// A keyring of an AES-256-GCM key (now active) and a ChaCha20-Poly1305 primary, and
/// cases sealed under each: every context, plaintexts of 0, 1, 100 and 4096 bytes.
fn make_vectors() -> Value {
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let mut cases = Vec::new();
    let plaintexts: Vec<Vec<u8>> = [0usize, 1, 100, 4096]
        .iter()
        .map(|&len| (0..len).map(|i| (i * 31 + 7) as u8).collect())
        .collect();
    for round in 0..2 {
        if round == 1 {
            keyring.rotate_to(Suite::ChaCha20Poly1305).unwrap();
        }
        for (context, plaintext) in contexts().iter().zip(plaintexts.iter().cycle().skip(round)) {
            cases.push(json!({
                "context": context,
                "plaintext_hex": hex(plaintext),
                "sealed": keyring.seal_text(plaintext, context).unwrap(),
            }));
        }
    }
    let keyring: Value = serde_json::from_str(&keyring.to_document()).unwrap();
    json!({ "keyring": keyring, "cases": cases })
}

/// Opens every case of `vectors` here.
fn open_here(vectors: &Value, cases: &Value) -> usize {
    let keyring = Keyring::from_document(vectors["keyring"].to_string().as_bytes()).unwrap();
    let cases = cases.as_array().unwrap();
    for (number, case) in cases.iter().enumerate() {
        let context: Context = serde_json::from_value(case["context"].clone()).unwrap();
        let plaintext = keyring
            .open_text(case["sealed"].as_str().unwrap(), &context)
            .unwrap_or_else(|err| panic!("case {number}: {err}"));
        assert_eq!(
            &plaintext[..],
            unhex(case["plaintext_hex"].as_str().unwrap()),
            "case {number}"
        );
    }
    cases.len()
}

/// Python opens every case of `vectors`, and what it seals opens here.
fn check_with_python(test: &str, vectors: &Value) {
    let Some(output) = interop_output(test, "check_sealed_v1.py", &vectors.to_string()) else {
        return;
    };
    let output: Value = serde_json::from_str(&output).unwrap();
    let count = vectors["cases"].as_array().unwrap().len();
    assert_eq!(output["opened"], count);
    assert_eq!(open_here(vectors, &output["sealed"]), count);
}

#[test]
fn the_committed_vectors_open_here_and_in_python() {
    if std::env::var_os("PORTCULLIS_WRITE_SEALED_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&make_vectors()).unwrap();
        std::fs::write(VECTORS, text + "\n").unwrap();
    }
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(VECTORS).unwrap()).unwrap();
    assert_eq!(open_here(&vectors, &vectors["cases"]), 8);
    check_with_python("the_committed_vectors_open_here_and_in_python", &vectors);
}

#[test]
fn fresh_seals_of_both_suites_cross_both_ways() {
    check_with_python("fresh_seals_of_both_suites_cross_both_ways", &make_vectors());
}
