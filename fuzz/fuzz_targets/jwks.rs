//! JWK and JWKS documents (`JwkSet::from_json`) and key-set building
//! (`KeySet::from_jwks`), on arbitrary bytes.
//!
//! Invariants:
//! - a parsed set holds at most `MAX_JWKS_KEYS` keys, and survives a round trip
//!   through its own serialization unchanged;
//! - a built key set holds between one key and as many as the document, each pinned
//!   to a supported algorithm, each found again by its `kid`;
//! - private key members never appear in `Debug` output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::token::{JwkSet, KeySet, MAX_JWKS_KEYS};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = JwkSet::from_json(text) else {
        return;
    };
    assert!(set.keys.len() <= MAX_JWKS_KEYS, "{} keys parsed", set.keys.len());
    let written = serde_json::to_string(&set).expect("a parsed set serializes");
    let reread = JwkSet::from_json(&written).expect("a serialized set parses");
    assert!(reread == set, "round trip changed the set");

    // What Debug may show: the public members. A secret is looked for only when no
    // public member holds it too (the fuzzer copies text between members).
    let debug = format!("{set:?}");
    let public: Vec<&str> = set
        .keys
        .iter()
        .flat_map(|jwk| {
            let members = [
                &jwk.kid,
                &jwk.alg,
                &jwk.key_use,
                &jwk.crv,
                &jwk.x,
                &jwk.y,
                &jwk.n,
                &jwk.e,
            ];
            members
                .into_iter()
                .flatten()
                .map(String::as_str)
                .chain([jwk.kty.as_str()])
        })
        .chain(
            set.keys
                .iter()
                .flat_map(|jwk| jwk.key_ops.iter().flatten().map(String::as_str)),
        )
        .collect();
    for jwk in &set.keys {
        for secret in [&jwk.d, &jwk.p, &jwk.q, &jwk.dp, &jwk.dq, &jwk.qi, &jwk.k]
            .into_iter()
            .flatten()
        {
            if secret.len() >= 8 && !public.iter().any(|member| member.contains(secret.as_str())) {
                assert!(!debug.contains(secret.as_str()), "a private member in Debug");
            }
        }
    }

    let Ok(keys) = KeySet::from_jwks(&set) else {
        return;
    };
    assert!(!keys.is_empty() && keys.len() <= set.keys.len());
    for key in keys.iter() {
        let alg = key.algorithm();
        assert_eq!(alg.as_str().parse::<portcullis::token::Algorithm>().ok(), Some(alg));
        if let Some(kid) = key.kid() {
            assert!(keys.get(kid).is_some(), "a key is found by its kid");
        }
    }
});
