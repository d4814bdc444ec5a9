//! Properties of the verifier over arbitrary input: it never panics, and nothing but the
//! exact token that was issued verifies.

mod common {
    pub mod b64;
    pub mod b64_encode;
    pub mod hs256;
}

use std::sync::OnceLock;

use common::hs256::{SECRET, hs256_token};
use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier, VerifyingKey};
use proptest::prelude::*;
use proptest::sample::Index;

/// The fixed "now" of the verifier and the issuer.
const NOW: i64 = 1_700_000_000;

fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let key = VerifyingKey::from_secret(Algorithm::HS256, SECRET)
            .unwrap()
            .with_kid("k")
            .unwrap();
        Verifier::builder(KeySet::single(key))
            .audience("api")
            .clock(|| NOW)
            .build()
            .unwrap()
    })
}

/// One valid HS256 token, issued at [`NOW`] for the verifier above.
fn valid_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let key = SigningKey::from_secret(Algorithm::HS256, SECRET)
            .unwrap()
            .with_kid("k")
            .unwrap();
        let issuer = Issuer::builder(key)
            .issuer("https://issuer.example")
            .audience("api")
            .clock(|| NOW)
            .build()
            .unwrap();
        let token = issuer
            .issue("alice", &serde_json::json!({ "roles": ["clerk"] }))
            .unwrap();
        verifier()
            .verify_registered(&token)
            .expect("the unmutated token verifies");
        token
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit { at: Index, bit: u8 },
    Insert { at: Index, byte: u8 },
    Delete { at: Index },
    SwapParts { a: usize, b: usize },
    Truncate { at: Index },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
        any::<Index>().prop_map(|at| Mutation::Delete { at }),
        (0usize..3, 0usize..3).prop_map(|(a, b)| Mutation::SwapParts { a, b }),
        any::<Index>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(token: &mut Vec<u8>, mutation: &Mutation) {
    match *mutation {
        Mutation::FlipBit { ref at, bit } if !token.is_empty() => {
            let i = at.index(token.len());
            token[i] ^= 1 << bit;
        }
        Mutation::Insert { ref at, byte } => {
            let i = at.index(token.len() + 1);
            token.insert(i, byte);
        }
        Mutation::Delete { ref at } if !token.is_empty() => {
            token.remove(at.index(token.len()));
        }
        Mutation::SwapParts { a, b } => {
            let mut parts: Vec<Vec<u8>> = token.split(|c| *c == b'.').map(<[u8]>::to_vec).collect();
            if a < parts.len() && b < parts.len() {
                parts.swap(a, b);
                *token = parts.join(&b'.');
            }
        }
        Mutation::Truncate { ref at } => {
            token.truncate(at.index(token.len() + 1));
        }
        _ => {}
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_and_never_verify(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let input = String::from_utf8_lossy(&bytes);
        prop_assert!(verifier().verify_registered(&input).is_err());
    }

    #[test]
    fn arbitrary_base64url_text_with_dots_never_panics_and_never_verifies(input in "[A-Za-z0-9_.=+/-]{0,600}") {
        prop_assert!(verifier().verify_registered(&input).is_err());
    }

    #[test]
    fn arbitrary_text_after_a_valid_header_never_panics_and_never_verifies(rest in "[A-Za-z0-9_.-]{0,600}") {
        let input = format!("eyJhbGciOiJIUzI1NiIsImtpZCI6ImsifQ.{rest}");
        prop_assert!(verifier().verify_registered(&input).is_err());
    }

    #[test]
    fn validly_maced_arbitrary_header_and_payload_text_never_panic(
        header in r#"\{("[a-z]{1,4}":("[A-Za-z0-9+]{0,6}"|-?[0-9]{1,3}|true|false|null|\[\]|\{\}),?){0,4}\}"#,
        payload in r#"[\{\}\[\]":,a-z0-9. -]{0,200}"#,
    ) {
        let token = hs256_token(&header, &payload);
        let _ = verifier().verify_registered(&token);
        let _ = verifier().verify::<serde_json::Value>(&token);
        let _ = verifier().verify_principal(&token);
    }

    #[test]
    fn mutated_token_verifies_only_when_unchanged(mutations in prop::collection::vec(mutation(), 1..4)) {
        let original = valid_token();
        let mut bytes = original.as_bytes().to_vec();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let mutated = String::from_utf8_lossy(&bytes);
        let result = verifier().verify_registered(&mutated);
        if mutated == original {
            prop_assert!(result.is_ok(), "unchanged token rejected: {:?}", result.err());
        } else {
            prop_assert!(result.is_err(), "mutated token verified: {mutated}");
        }
    }
}
