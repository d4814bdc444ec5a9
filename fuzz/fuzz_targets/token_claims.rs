//! The header and claims parsers behind a valid signature: the fuzzer writes the
//! header and payload JSON, the target signs them with the fixed HS256 key, so every
//! input reaches header rules, the strict JSON reader and the claim checks.
//!
//! Invariants:
//! - a refusal carries one of DESIGN.md's stable codes, and the answer is
//!   deterministic;
//! - an accepted token's header names `HS256` (the key's pinned algorithm) and has
//!   no `crit`, and its claims meet every rule at the verifier's clock;
//! - accepted JSON has unique members at every depth and nests at most 127 levels
//!   (checked here by an independent scan of the payload text);
//! - the claims a caller reads as a `serde_json::Map` are the payload's own
//!   members (each registered claim the same value);
//! - `verify_principal` agrees with `verify`.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use portcullis::token::Verified;
use serde_json::{Map, Value};

// The input is `header NUL payload`, or a payload alone under a plain
// `{"alg":"HS256","kid":"fuzz-hs256"}` header: seeds are the JSON texts of the tests.
fuzz_target!(|data: &[u8]| {
    let (header, payload) = match data.iter().position(|&b| b == 0) {
        Some(split) => (&data[..split], &data[split + 1..]),
        None => (&br#"{"alg":"HS256","kid":"fuzz-hs256"}"#[..], data),
    };
    let (Ok(header), Ok(payload)) = (std::str::from_utf8(header), std::str::from_utf8(payload)) else {
        return;
    };
    let token = sign(header.as_bytes(), payload.as_bytes());
    let verifier = common::verifier();
    let result = verifier.verify::<Map<String, Value>>(&token);
    let again = verifier.verify::<Map<String, Value>>(&token);
    assert_eq!(outcome(&result), outcome(&again), "deterministic");
    let verified = match result {
        Err(err) => {
            assert!(common::TOKEN_CODES.contains(&err.code()), "unknown code {}", err.code());
            return;
        }
        Ok(verified) => verified,
    };
    let header_json: Value = serde_json::from_str(header).expect("an accepted header is JSON");
    assert_eq!(header_json["alg"], "HS256", "alg is the key's");
    assert!(header_json.get("crit").is_none(), "crit is refused");
    assert!(
        unique_members_and_depth(payload.as_bytes()),
        "duplicate member or depth accepted"
    );
    let claims = &verified.claims;
    assert!(
        claims.exp.is_some_and(|exp| common::NOW < exp.saturating_add(30)),
        "exp"
    );
    assert_eq!(claims.iss.as_deref(), Some(common::ISSUER));
    assert!(claims.aud.iter().any(|aud| aud == common::AUDIENCE));
    assert_eq!(
        verified.custom.get("sub").and_then(Value::as_str),
        claims.sub.as_deref()
    );
    assert_eq!(verified.custom.get("iss").and_then(Value::as_str), Some(common::ISSUER));
    let principal = verifier.verify_principal(&token);
    match (&principal, claims.sub.as_deref()) {
        (Ok(principal), Some(sub)) => assert_eq!(principal.subject(), sub),
        (Err(_), None) => {}
        (Err(err), Some(_)) => {
            // The principal mapping may refuse a claim of the wrong shape (roles not
            // strings), never for a reason verify would have caught.
            assert!(
                matches!(err.code(), "invalid_claim"),
                "verify_principal: {}",
                err.code()
            );
        }
        (Ok(_), None) => panic!("a principal without sub"),
    }
});

fn outcome(result: &Result<Verified<Map<String, Value>>, portcullis::token::TokenError>) -> &'static str {
    result.as_ref().map_or_else(|err| err.code(), |_| "ok")
}

fn sign(header: &[u8], payload: &[u8]) -> String {
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
    let secret = hs256_secret();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);
    let tag = ring::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

fn hs256_secret() -> Vec<u8> {
    let jwk = common::private_jwks()
        .keys
        .iter()
        .find(|jwk| jwk.kid.as_deref() == Some("fuzz-hs256"))
        .expect("the HS256 key");
    URL_SAFE_NO_PAD
        .decode(jwk.k.as_deref().expect("an oct key"))
        .expect("base64url secret")
}

/// An independent check of accepted JSON text: object member names unique at every
/// depth (compared after unescaping), nesting at most 127 levels.
fn unique_members_and_depth(json: &[u8]) -> bool {
    fn walk(value: &Value, depth: usize) -> bool {
        if depth > 127 {
            return false;
        }
        match value {
            Value::Array(items) => items.iter().all(|item| walk(item, depth + 1)),
            Value::Object(members) => members.values().all(|member| walk(member, depth + 1)),
            _ => true,
        }
    }
    // serde_json keeps the last of repeated members: count names in the text.
    let Ok(value) = serde_json::from_slice::<Value>(json) else {
        return false;
    };
    walk(&value, 1) && members_in_text(json) == members_in_value(&value)
}

/// Object members in the JSON text (a name is a string followed by `:`).
fn members_in_text(json: &[u8]) -> usize {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    count_members(&mut deserializer).unwrap_or(usize::MAX)
}

fn count_members<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    struct Counter;
    impl<'de> serde::de::Visitor<'de> for Counter {
        type Value = usize;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_i64<E>(self, _: i64) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_u64<E>(self, _: u64) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_f64<E>(self, _: f64) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_str<E>(self, _: &str) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_unit<E>(self) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            let mut total = 0;
            while let Some(inner) = seq.next_element_seed(Seed)? {
                total += inner;
            }
            Ok(total)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
            let mut total = 0;
            while map.next_key::<serde::de::IgnoredAny>()?.is_some() {
                total += 1 + map.next_value_seed(Seed)?;
            }
            Ok(total)
        }
    }
    struct Seed;
    impl<'de> serde::de::DeserializeSeed<'de> for Seed {
        type Value = usize;
        fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
            count_members(deserializer)
        }
    }
    deserializer.deserialize_any(Counter)
}

fn members_in_value(value: &Value) -> usize {
    match value {
        Value::Array(items) => items.iter().map(members_in_value).sum(),
        Value::Object(members) => members.len() + members.values().map(members_in_value).sum::<usize>(),
        _ => 0,
    }
}
