//! Known attacks on JWT verifiers and the rules of RFC 7519 / RFC 8725, one test each,
//! every one asserting the exact, stable error code (DESIGN.md, "Token rules").
//!
//! Most tokens are built by hand: header and payload JSON text, base64url-encoded by the
//! test's own encoder, MACed with ring's HMAC-SHA256 over exactly the signing input that
//! is sent. A deliberately broken part therefore still carries a valid MAC, so the error
//! seen is the one for the broken part and not `invalid_signature`.

mod common {
    pub mod b64;
    pub mod b64_chars;
    pub mod b64_encode;
    pub mod b64_std;
    pub mod der;
    pub mod hs256;
    pub mod unb64;
    pub mod vectors;
}

use std::time::Duration;

use common::b64::b64;
use common::b64_chars::{b64_char, b64_value};
use common::b64_std::b64_std;
use common::der::{der, der_uint, rsa_spki_pem};
use common::hs256::{SECRET, hs256_token, hs256_token_bytes, mac_with, sign_hs256};
use common::unb64::unb64;
use common::vectors::rfc_vector;
use portcullis::token::{
    Algorithm, Issuer, Jwk, KeySet, SigningKey, TokenError, Verified, Verifier, VerifierBuilder, VerifyingKey,
};
use portcullis::token::{ClaimPath, PrincipalMapping};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde::Deserialize;
use serde_json::json;

/// The fixed "now" of every verifier here.
const NOW: i64 = 1_700_000_000;
/// An `exp` ten minutes after [`NOW`].
const LATER: i64 = NOW + 600;
const HS: &str = r#"{"alg":"HS256"}"#;

fn payload() -> String {
    format!(r#"{{"sub":"alice","exp":{LATER}}}"#)
}

/// The HS256 key of the hand-built tokens, with kid "k".
fn hs_key() -> VerifyingKey {
    VerifyingKey::from_secret(Algorithm::HS256, SECRET)
        .unwrap()
        .with_kid("k")
        .unwrap()
}

fn hs_builder() -> VerifierBuilder {
    Verifier::builder(KeySet::single(hs_key())).clock(|| NOW)
}

fn hs_verifier() -> Verifier {
    hs_builder().build().unwrap()
}

/// "ok", or the error code.
fn outcome<C>(result: Result<Verified<C>, TokenError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(err) => err.code(),
    }
}

fn check(verifier: &Verifier, token: &str) -> &'static str {
    outcome(verifier.verify_registered(token))
}

fn parts(token: &str) -> (&str, &str, &str) {
    let mut it = token.split('.');
    let parts = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    assert!(it.next().is_none());
    parts
}

/// An ES256 key made with ring directly, so tests can sign any header with it.
struct RawEs256 {
    pair: EcdsaKeyPair,
}

impl RawEs256 {
    fn generate() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        RawEs256 {
            pair: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap(),
        }
    }

    fn public_jwk_json(&self) -> serde_json::Value {
        let point = self.pair.public_key().as_ref();
        json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..]) })
    }

    fn verifying_key(&self) -> VerifyingKey {
        let jwk: Jwk = serde_json::from_value(self.public_jwk_json()).unwrap();
        VerifyingKey::from_jwk(&jwk).unwrap()
    }

    /// A token of `header` and `payload`, signed with the low S portcullis requires:
    /// ring's S is either, so it signs again until S ≤ n/2 (twice, on average).
    fn token(&self, header: &str, payload: &str) -> String {
        /// ⌊n/2⌋ of P-256, big-endian.
        const HALF_ORDER: [u8; 32] = [
            0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, //
            0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
        ];
        let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
        loop {
            let signature = self.pair.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
            if signature.as_ref()[32..] <= HALF_ORDER[..] {
                return format!("{input}.{}", b64(signature.as_ref()));
            }
        }
    }
}

fn es256_issuer_and_verifier() -> (Issuer, Verifier) {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let verifier = Verifier::builder(KeySet::single(key.verifying_key()))
        .clock(|| NOW)
        .build()
        .unwrap();
    let issuer = Issuer::builder(key).clock(|| NOW).build().unwrap();
    (issuer, verifier)
}

fn replace_signature(token: &str, signature: &[u8]) -> String {
    format!("{}.{}", &token[..token.rfind('.').unwrap()], b64(signature))
}

// ---------------------------------------------------------------------------------
// alg: none, unknown, wrong type, missing (RFC 8725 §3.1, §3.2)

#[test]
fn baseline_hand_built_hs256_token_verifies() {
    assert_eq!(check(&hs_verifier(), &hs256_token(HS, &payload())), "ok");
}

#[test]
fn alg_none_in_any_case_with_empty_signature_is_unsupported_algorithm() {
    for alg in ["none", "None", "NONE"] {
        let token = format!(
            "{}.{}.",
            b64(format!(r#"{{"alg":"{alg}"}}"#).as_bytes()),
            b64(payload().as_bytes())
        );
        assert_eq!(check(&hs_verifier(), &token), "unsupported_algorithm", "{alg}");
    }
}

#[test]
fn alg_none_in_any_case_with_a_valid_mac_is_unsupported_algorithm() {
    for alg in ["none", "None", "NONE"] {
        let token = hs256_token(&format!(r#"{{"alg":"{alg}"}}"#), &payload());
        assert_eq!(check(&hs_verifier(), &token), "unsupported_algorithm", "{alg}");
    }
}

#[test]
fn unknown_alg_is_unsupported_algorithm() {
    let token = hs256_token(r#"{"alg":"HS1024"}"#, &payload());
    assert_eq!(check(&hs_verifier(), &token), "unsupported_algorithm");
}

#[test]
fn lowercase_alg_is_unsupported_algorithm() {
    let token = hs256_token(r#"{"alg":"hs256"}"#, &payload());
    assert_eq!(check(&hs_verifier(), &token), "unsupported_algorithm");
}

#[test]
fn alg_that_is_not_a_string_is_unsupported_algorithm() {
    let token = hs256_token(r#"{"alg":5}"#, &payload());
    assert_eq!(check(&hs_verifier(), &token), "unsupported_algorithm");
}

#[test]
fn missing_alg_is_malformed() {
    let token = hs256_token(r#"{"typ":"JWT"}"#, &payload());
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn hs256_token_with_its_signature_stripped_is_invalid_signature() {
    let token = hs256_token(HS, &payload());
    let stripped = &token[..=token.rfind('.').unwrap()];
    assert_eq!(check(&hs_verifier(), stripped), "invalid_signature");
}

// ---------------------------------------------------------------------------------
// Algorithm confusion: an HS256 token MACed with an RSA public key

fn rfc_rsa_public() -> (Vec<u8>, Vec<u8>, Verifier) {
    let jwk = rfc_vector("rfc7515_a2_rs256.json").public_jwk;
    let (n, e) = (unb64(jwk.n.as_deref().unwrap()), unb64(jwk.e.as_deref().unwrap()));
    let key = VerifyingKey::from_jwk_for(&jwk, Algorithm::RS256).unwrap();
    (
        n,
        e,
        Verifier::builder(KeySet::single(key)).clock(|| NOW).build().unwrap(),
    )
}

#[test]
fn hs256_token_maced_with_the_rsa_public_key_pem_is_algorithm_mismatch() {
    let (n, e, verifier) = rfc_rsa_public();
    let pem = rsa_spki_pem(&n, &e);
    // The PEM is the genuine public key: it loads as the RS256 key it is.
    VerifyingKey::from_pem(Algorithm::RS256, pem.as_bytes()).unwrap();
    let input = format!("{}.{}", b64(HS.as_bytes()), b64(payload().as_bytes()));
    let token = format!("{input}.{}", mac_with(pem.as_bytes(), input.as_bytes()));
    assert_eq!(check(&verifier, &token), "algorithm_mismatch");
}

#[test]
fn hs256_token_maced_with_the_rsa_modulus_bytes_is_algorithm_mismatch() {
    let (n, _, verifier) = rfc_rsa_public();
    let input = format!("{}.{}", b64(HS.as_bytes()), b64(payload().as_bytes()));
    let token = format!("{input}.{}", mac_with(&n, input.as_bytes()));
    assert_eq!(check(&verifier, &token), "algorithm_mismatch");
}

#[test]
fn hmac_verifying_key_cannot_be_made_from_a_pem_public_key() {
    let (n, e, _) = rfc_rsa_public();
    let err = VerifyingKey::from_pem(Algorithm::HS256, rsa_spki_pem(&n, &e).as_bytes()).unwrap_err();
    assert_eq!(err.code(), "unsupported_algorithm");
}

// ---------------------------------------------------------------------------------
// ECDSA signature encodings (RFC 7518 §3.4; CVE-2022-21449)

#[test]
fn es256_all_zero_signature_is_invalid_signature() {
    let (issuer, verifier) = es256_issuer_and_verifier();
    let token = issuer.issue("alice", &()).unwrap();
    assert_eq!(check(&verifier, &token), "ok");
    assert_eq!(
        check(&verifier, &replace_signature(&token, &[0; 64])),
        "invalid_signature"
    );
}

#[test]
fn es256_der_encoded_signature_of_the_right_message_is_invalid_signature() {
    let (issuer, verifier) = es256_issuer_and_verifier();
    let token = issuer.issue("alice", &()).unwrap();
    assert_eq!(check(&verifier, &token), "ok");
    let fixed = unb64(parts(&token).2);
    assert_eq!(fixed.len(), 64);
    let der_signature = der(0x30, &[der_uint(&fixed[..32]), der_uint(&fixed[32..])].concat());
    assert_eq!(
        check(&verifier, &replace_signature(&token, &der_signature)),
        "invalid_signature"
    );
}

// ---------------------------------------------------------------------------------
// kid: key selection, never interpretation

#[test]
fn kid_naming_a_key_of_another_algorithm_is_algorithm_mismatch() {
    let es = SigningKey::generate(Algorithm::ES256).unwrap();
    let set = KeySet::new([
        VerifyingKey::from_secret(Algorithm::HS256, SECRET)
            .unwrap()
            .with_kid("h")
            .unwrap(),
        es.verifying_key().with_kid("e").unwrap(),
    ])
    .unwrap();
    let verifier = Verifier::builder(set).clock(|| NOW).build().unwrap();
    let token = Issuer::builder(es.with_kid("h").unwrap())
        .clock(|| NOW)
        .build()
        .unwrap()
        .issue("alice", &())
        .unwrap();
    assert_eq!(check(&verifier, &token), "algorithm_mismatch");
}

#[test]
fn hs256_token_whose_kid_names_an_es256_key_is_algorithm_mismatch() {
    let es = SigningKey::generate(Algorithm::ES256).unwrap();
    let set = KeySet::new([hs_key(), es.verifying_key().with_kid("e").unwrap()]).unwrap();
    let verifier = Verifier::builder(set).clock(|| NOW).build().unwrap();
    let token = hs256_token(r#"{"alg":"HS256","kid":"e"}"#, &payload());
    assert_eq!(check(&verifier, &token), "algorithm_mismatch");
}

#[test]
fn path_traversal_kid_is_unknown_key() {
    let token = hs256_token(r#"{"alg":"HS256","kid":"../../etc/passwd"}"#, &payload());
    assert_eq!(check(&hs_verifier(), &token), "unknown_key");
}

#[test]
fn kid_that_is_not_a_string_is_malformed() {
    let token = hs256_token(r#"{"alg":"HS256","kid":["k"]}"#, &payload());
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

fn twelve_key_verifier() -> Verifier {
    let keys = (0u8..12).map(|i| {
        let secret = if i == 7 { *SECRET } else { [i; 32] };
        VerifyingKey::from_secret(Algorithm::HS256, &secret)
            .unwrap()
            .with_kid(format!("key-{i}"))
            .unwrap()
    });
    Verifier::builder(KeySet::new(keys).unwrap())
        .clock(|| NOW)
        .build()
        .unwrap()
}

#[test]
fn kid_selects_its_key_in_a_large_set() {
    let token = hs256_token(r#"{"alg":"HS256","kid":"key-7"}"#, &payload());
    assert_eq!(check(&twelve_key_verifier(), &token), "ok");
}

#[test]
fn kid_naming_another_key_of_a_large_set_is_invalid_signature() {
    let token = hs256_token(r#"{"alg":"HS256","kid":"key-3"}"#, &payload());
    assert_eq!(check(&twelve_key_verifier(), &token), "invalid_signature");
}

#[test]
fn unknown_kid_in_a_large_set_is_unknown_key() {
    let token = hs256_token(r#"{"alg":"HS256","kid":"key-12"}"#, &payload());
    assert_eq!(check(&twelve_key_verifier(), &token), "unknown_key");
}

fn huge_kid_token() -> String {
    let header = json!({ "alg": "HS256", "kid": "k".repeat(10 * 1024) }).to_string();
    hs256_token(&header, &payload())
}

#[test]
fn ten_kib_kid_is_too_large_under_the_default_limit() {
    assert_eq!(check(&hs_verifier(), &huge_kid_token()), "too_large");
}

#[test]
fn ten_kib_kid_is_unknown_key_under_a_raised_limit() {
    let verifier = hs_builder().max_token_size(64 * 1024).build().unwrap();
    assert_eq!(check(&verifier, &huge_kid_token()), "unknown_key");
}

/// RFC 7517 §4.5 lets `alg` pick between keys; two keys that both fit are not
/// guessed between.
#[test]
fn token_without_kid_is_ambiguous_for_two_keys_of_its_algorithm() {
    let other = VerifyingKey::from_secret(Algorithm::HS256, &[9; 32])
        .unwrap()
        .with_kid("other")
        .unwrap();
    let verifier = Verifier::builder(KeySet::new([hs_key(), other]).unwrap())
        .clock(|| NOW)
        .build()
        .unwrap();
    assert_eq!(check(&verifier, &hs256_token(HS, &payload())), "ambiguous_key");
}

#[test]
fn token_without_kid_uses_the_one_key_of_its_algorithm() {
    let other = VerifyingKey::from_secret(Algorithm::HS384, &[9; 48])
        .unwrap()
        .with_kid("other")
        .unwrap();
    let verifier = Verifier::builder(KeySet::new([hs_key(), other]).unwrap())
        .clock(|| NOW)
        .build()
        .unwrap();
    assert_eq!(check(&verifier, &hs256_token(HS, &payload())), "ok");
}

#[test]
fn token_without_kid_verifies_with_a_one_key_set() {
    assert_eq!(check(&hs_verifier(), &hs256_token(HS, &payload())), "ok");
}

#[test]
fn token_with_kid_verifies_with_the_key_of_that_kid() {
    assert_eq!(
        check(&hs_verifier(), &hs256_token(r#"{"alg":"HS256","kid":"k"}"#, &payload())),
        "ok"
    );
}

// ---------------------------------------------------------------------------------
// jku, x5u, jwk, x5c are never followed (RFC 8725 §3.10)

fn judged_by_our_key(header: serde_json::Value) -> &'static str {
    let ours = RawEs256::generate();
    let attacker = RawEs256::generate();
    let verifier = Verifier::builder(KeySet::single(ours.verifying_key()))
        .clock(|| NOW)
        .build()
        .unwrap();
    assert_eq!(check(&verifier, &ours.token(r#"{"alg":"ES256"}"#, &payload())), "ok");
    check(&verifier, &attacker.token(&header.to_string(), &payload()))
}

#[test]
fn attacker_signed_token_with_jku_is_invalid_signature() {
    let header = json!({ "alg": "ES256", "jku": "https://attacker.example/jwks.json" });
    assert_eq!(judged_by_our_key(header), "invalid_signature");
}

#[test]
fn attacker_signed_token_with_x5u_is_invalid_signature() {
    let header = json!({ "alg": "ES256", "x5u": "https://attacker.example/cert.pem" });
    assert_eq!(judged_by_our_key(header), "invalid_signature");
}

#[test]
fn attacker_signed_token_embedding_the_attackers_jwk_is_invalid_signature() {
    let ours = RawEs256::generate();
    let attacker = RawEs256::generate();
    let verifier = Verifier::builder(KeySet::single(ours.verifying_key()))
        .clock(|| NOW)
        .build()
        .unwrap();
    let header = json!({ "alg": "ES256", "jwk": attacker.public_jwk_json() }).to_string();
    assert_eq!(
        check(&verifier, &attacker.token(&header, &payload())),
        "invalid_signature"
    );
}

#[test]
fn attacker_signed_token_with_x5c_is_invalid_signature() {
    let header = json!({ "alg": "ES256", "x5c": [b64_std(b"not really a certificate, and never parsed")] });
    assert_eq!(judged_by_our_key(header), "invalid_signature");
}

#[test]
fn correctly_signed_token_with_a_jku_verifies_without_fetching_it() {
    // Nothing listens on 127.0.0.1:9 (discard); verification must not try to reach it.
    let ours = RawEs256::generate();
    let verifier = Verifier::builder(KeySet::single(ours.verifying_key()))
        .clock(|| NOW)
        .build()
        .unwrap();
    let token = ours.token(r#"{"alg":"ES256","jku":"http://127.0.0.1:9/"}"#, &payload());
    assert_eq!(check(&verifier, &token), "ok");
}

// ---------------------------------------------------------------------------------
// crit, b64, cty (RFC 7515 §4.1.11, RFC 7797, RFC 7519 §5.2)

#[test]
fn unknown_crit_extension_is_unsupported_critical_header() {
    let token = hs256_token(
        r#"{"alg":"HS256","crit":["urn:example:ext"],"urn:example:ext":1}"#,
        &payload(),
    );
    assert_eq!(check(&hs_verifier(), &token), "unsupported_critical_header");
}

#[test]
fn empty_crit_is_malformed() {
    let token = hs256_token(r#"{"alg":"HS256","crit":[]}"#, &payload());
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn unencoded_payload_b64_false_is_unsupported_critical_header() {
    let token = hs256_token(r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#, &payload());
    assert_eq!(check(&hs_verifier(), &token), "unsupported_critical_header");
}

#[test]
fn nested_jwt_cty_is_malformed() {
    let token = hs256_token(r#"{"alg":"HS256","cty":"JWT"}"#, &payload());
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

// ---------------------------------------------------------------------------------
// iss: compared exactly

fn issuer_outcome(iss: serde_json::Value) -> &'static str {
    let verifier = hs_builder().issuer("https://a.example").build().unwrap();
    let claims = json!({ "sub": "alice", "exp": LATER, "iss": iss }).to_string();
    check(&verifier, &hs256_token(HS, &claims))
}

#[test]
fn exact_issuer_verifies() {
    assert_eq!(issuer_outcome(json!("https://a.example")), "ok");
}

#[test]
fn issuer_on_a_longer_domain_is_invalid_issuer() {
    assert_eq!(issuer_outcome(json!("https://a.example.evil")), "invalid_issuer");
}

#[test]
fn issuer_with_trailing_slash_is_invalid_issuer() {
    assert_eq!(issuer_outcome(json!("https://a.example/")), "invalid_issuer");
}

#[test]
fn issuer_in_other_case_is_invalid_issuer() {
    assert_eq!(issuer_outcome(json!("https://A.example")), "invalid_issuer");
}

#[test]
fn issuer_with_leading_space_is_invalid_issuer() {
    assert_eq!(issuer_outcome(json!(" https://a.example")), "invalid_issuer");
}

#[test]
fn issuer_prefix_is_invalid_issuer() {
    assert_eq!(issuer_outcome(json!("https://a.exampl")), "invalid_issuer");
}

#[test]
fn missing_issuer_is_missing_claim() {
    let verifier = hs_builder().issuer("https://a.example").build().unwrap();
    assert_eq!(check(&verifier, &hs256_token(HS, &payload())), "missing_claim");
}

#[test]
fn issuer_of_wrong_type_is_invalid_claim() {
    assert_eq!(issuer_outcome(json!(["https://a.example"])), "invalid_claim");
}

// ---------------------------------------------------------------------------------
// aud (RFC 7519 §4.1.3)

fn audience_outcome(claims: serde_json::Value) -> &'static str {
    let verifier = hs_builder().audience("api").build().unwrap();
    check(&verifier, &hs256_token(HS, &claims.to_string()))
}

#[test]
fn audience_as_string_verifies() {
    assert_eq!(
        audience_outcome(json!({ "sub": "a", "exp": LATER, "aud": "api" })),
        "ok"
    );
}

#[test]
fn audience_array_containing_ours_verifies() {
    assert_eq!(
        audience_outcome(json!({ "sub": "a", "exp": LATER, "aud": ["other", "api"] })),
        "ok"
    );
}

#[test]
fn audience_array_without_ours_is_invalid_audience() {
    assert_eq!(
        audience_outcome(json!({ "sub": "a", "exp": LATER, "aud": ["other", "API"] })),
        "invalid_audience"
    );
}

#[test]
fn empty_audience_array_is_invalid_audience() {
    assert_eq!(
        audience_outcome(json!({ "sub": "a", "exp": LATER, "aud": [] })),
        "invalid_audience"
    );
}

#[test]
fn audience_that_is_a_number_is_invalid_claim() {
    assert_eq!(
        audience_outcome(json!({ "sub": "a", "exp": LATER, "aud": 5 })),
        "invalid_claim"
    );
}

#[test]
fn missing_audience_when_one_is_configured_is_missing_claim() {
    assert_eq!(audience_outcome(json!({ "sub": "a", "exp": LATER })), "missing_claim");
}

#[test]
fn audience_present_when_none_is_configured_is_invalid_audience() {
    let token = hs256_token(HS, &json!({ "sub": "a", "exp": LATER, "aud": "api" }).to_string());
    assert_eq!(check(&hs_verifier(), &token), "invalid_audience");
}

// ---------------------------------------------------------------------------------
// exp, nbf, iat, max age (RFC 7519 §4.1.4 to §4.1.6)

fn time_outcome(verifier: &Verifier, claims: &str) -> &'static str {
    check(verifier, &hs256_token(HS, claims))
}

#[test]
fn missing_exp_is_missing_claim() {
    assert_eq!(time_outcome(&hs_verifier(), r#"{"sub":"a"}"#), "missing_claim");
}

#[test]
fn exp_that_is_a_string_is_invalid_claim() {
    assert_eq!(
        time_outcome(&hs_verifier(), r#"{"sub":"a","exp":"x"}"#),
        "invalid_claim"
    );
}

#[test]
fn exp_past_beyond_the_leeway_is_expired() {
    assert_eq!(
        time_outcome(&hs_verifier(), &format!(r#"{{"sub":"a","exp":{}}}"#, NOW - 60)),
        "expired"
    );
}

#[test]
fn exp_past_within_the_leeway_verifies() {
    assert_eq!(
        time_outcome(&hs_verifier(), &format!(r#"{{"sub":"a","exp":{}}}"#, NOW - 10)),
        "ok"
    );
}

#[test]
fn exp_equal_to_now_without_leeway_is_expired() {
    let verifier = hs_builder().leeway(Duration::ZERO).build().unwrap();
    assert_eq!(
        time_outcome(&verifier, &format!(r#"{{"sub":"a","exp":{NOW}}}"#)),
        "expired"
    );
}

#[test]
fn fractional_exp_is_accepted() {
    assert_eq!(
        time_outcome(&hs_verifier(), &format!(r#"{{"sub":"a","exp":{LATER}.5}}"#)),
        "ok"
    );
}

#[test]
fn fractional_exp_in_the_past_is_expired() {
    assert_eq!(
        time_outcome(&hs_verifier(), &format!(r#"{{"sub":"a","exp":{}.5}}"#, NOW - 60)),
        "expired"
    );
}

#[test]
fn missing_exp_is_accepted_when_exp_is_not_required() {
    let verifier = hs_builder().require_exp(false).build().unwrap();
    assert_eq!(time_outcome(&verifier, r#"{"sub":"a"}"#), "ok");
}

#[test]
fn past_exp_is_still_expired_when_exp_is_not_required() {
    let verifier = hs_builder().require_exp(false).build().unwrap();
    assert_eq!(
        time_outcome(&verifier, &format!(r#"{{"sub":"a","exp":{}}}"#, NOW - 60)),
        "expired"
    );
}

#[test]
fn nbf_in_the_future_beyond_the_leeway_is_not_yet_valid() {
    let claims = format!(r#"{{"sub":"a","exp":{LATER},"nbf":{}}}"#, NOW + 60);
    assert_eq!(time_outcome(&hs_verifier(), &claims), "not_yet_valid");
}

#[test]
fn nbf_in_the_future_within_the_leeway_verifies() {
    let claims = format!(r#"{{"sub":"a","exp":{LATER},"nbf":{}}}"#, NOW + 10);
    assert_eq!(time_outcome(&hs_verifier(), &claims), "ok");
}

#[test]
fn iat_in_the_future_is_issued_in_future() {
    let claims = format!(r#"{{"sub":"a","exp":{LATER},"iat":{}}}"#, NOW + 60);
    assert_eq!(time_outcome(&hs_verifier(), &claims), "issued_in_future");
}

#[test]
fn token_older_than_max_age_is_expired() {
    let verifier = hs_builder().max_age(Duration::from_secs(300)).build().unwrap();
    let claims = format!(r#"{{"sub":"a","exp":{LATER},"iat":{}}}"#, NOW - 400);
    assert_eq!(time_outcome(&verifier, &claims), "expired");
}

#[test]
fn token_within_max_age_verifies() {
    let verifier = hs_builder().max_age(Duration::from_secs(300)).build().unwrap();
    let claims = format!(r#"{{"sub":"a","exp":{LATER},"iat":{}}}"#, NOW - 100);
    assert_eq!(time_outcome(&verifier, &claims), "ok");
}

#[test]
fn missing_iat_under_max_age_is_missing_claim() {
    let verifier = hs_builder().max_age(Duration::from_secs(300)).build().unwrap();
    assert_eq!(time_outcome(&verifier, &payload()), "missing_claim");
}

// ---------------------------------------------------------------------------------
// typ (RFC 8725 §3.11, RFC 9068)

fn typ_outcome(header: &str) -> &'static str {
    let verifier = hs_builder().require_typ("at+jwt").build().unwrap();
    check(&verifier, &hs256_token(header, &payload()))
}

#[test]
fn typ_jwt_where_at_jwt_is_required_is_invalid_claim() {
    assert_eq!(typ_outcome(r#"{"alg":"HS256","typ":"JWT"}"#), "invalid_claim");
}

#[test]
fn typ_with_application_prefix_matches_the_required_typ() {
    assert_eq!(typ_outcome(r#"{"alg":"HS256","typ":"application/at+jwt"}"#), "ok");
}

#[test]
fn missing_typ_where_one_is_required_is_invalid_claim() {
    assert_eq!(typ_outcome(HS), "invalid_claim");
}

// ---------------------------------------------------------------------------------
// Required and custom claims

#[test]
fn required_claim_absent_is_missing_claim() {
    let verifier = hs_builder().require_claim("jti").build().unwrap();
    assert_eq!(check(&verifier, &hs256_token(HS, &payload())), "missing_claim");
}

#[test]
fn required_claim_present_verifies() {
    let verifier = hs_builder().require_claim("jti").build().unwrap();
    let claims = format!(r#"{{"sub":"a","exp":{LATER},"jti":"id-1"}}"#);
    assert_eq!(check(&verifier, &hs256_token(HS, &claims)), "ok");
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct WithRoles {
    roles: Vec<String>,
}

#[test]
fn custom_claim_of_the_wrong_type_is_invalid_claim() {
    let token = hs256_token(HS, &format!(r#"{{"sub":"a","exp":{LATER},"roles":5}}"#));
    assert_eq!(outcome(hs_verifier().verify::<WithRoles>(&token)), "invalid_claim");
}

#[test]
fn custom_claims_of_the_right_type_verify() {
    let token = hs256_token(HS, &format!(r#"{{"sub":"a","exp":{LATER},"roles":["x"]}}"#));
    assert_eq!(hs_verifier().verify::<WithRoles>(&token).unwrap().custom.roles, ["x"]);
}

// ---------------------------------------------------------------------------------
// Duplicate members (RFC 7515 §4, RFC 7519 §4)

#[test]
fn duplicate_alg_in_header_is_malformed() {
    let token = hs256_token(r#"{"alg":"HS256","alg":"none"}"#, &payload());
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn duplicate_sub_in_payload_is_malformed() {
    let token = hs256_token(HS, &format!(r#"{{"sub":"a","sub":"b","exp":{LATER}}}"#));
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn duplicate_custom_claim_in_payload_is_malformed() {
    let token = hs256_token(HS, &format!(r#"{{"sub":"a","exp":{LATER},"x":1,"x":2}}"#));
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

// ---------------------------------------------------------------------------------
// Canonical base64url only (RFC 7515 §2 and Appendix C). Header and payload changes
// are re-MACed, so the signature is valid over what is sent.

/// A header whose encoding (34 characters) needs padding and has unused bits.
const HEADER_WITH_KID: &str = r#"{"alg":"HS256","kid":"k"}"#;

fn padded(part: &str) -> String {
    assert_ne!(part.len() % 4, 0, "{part} needs no padding");
    format!("{part}{}", "=".repeat(4 - part.len() % 4))
}

/// The same part with one unused trailing bit set: a second spelling of the same bytes.
fn with_trailing_bit_set(part: &str) -> String {
    assert!(matches!(part.len() % 4, 2 | 3), "{part} has no unused bits");
    let mut bytes = part.as_bytes().to_vec();
    let last = bytes.last_mut().unwrap();
    *last = b64_char(b64_value(*last) | 1);
    let changed = String::from_utf8(bytes).unwrap();
    assert_ne!(changed, part);
    assert_eq!(unb64(&changed), unb64(part), "a lenient decoder reads the same bytes");
    changed
}

fn with_header_part(header_b64: &str) -> String {
    sign_hs256(&format!("{header_b64}.{}", b64(payload().as_bytes())))
}

fn with_payload_part(payload_b64: &str) -> String {
    sign_hs256(&format!("{}.{payload_b64}", b64(HS.as_bytes())))
}

#[test]
fn canonical_header_with_kid_verifies() {
    assert_eq!(
        check(&hs_verifier(), &with_header_part(&b64(HEADER_WITH_KID.as_bytes()))),
        "ok"
    );
}

#[test]
fn padded_header_is_malformed() {
    let token = with_header_part(&padded(&b64(HEADER_WITH_KID.as_bytes())));
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn padded_payload_is_malformed() {
    let token = with_payload_part(&padded(&b64(payload().as_bytes())));
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn padded_signature_is_malformed() {
    let token = hs256_token(HS, &payload());
    let (header, body, signature) = parts(&token);
    let token = format!("{header}.{body}.{}", padded(signature));
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn payload_with_plus_of_the_standard_alphabet_is_malformed() {
    // Six '~' hold an aligned "~~~" group, which base64url encodes as "fn5-".
    let url = b64(format!(r#"{{"sub":"~~~~~~","exp":{LATER}}}"#).as_bytes());
    assert!(url.contains('-'));
    assert_eq!(check(&hs_verifier(), &with_payload_part(&url)), "ok");
    assert_eq!(
        check(&hs_verifier(), &with_payload_part(&url.replace('-', "+"))),
        "malformed"
    );
}

#[test]
fn payload_with_slash_of_the_standard_alphabet_is_malformed() {
    // Six '?' hold an aligned "???" group, which base64url encodes as "Pz8_".
    let url = b64(format!(r#"{{"sub":"??????","exp":{LATER}}}"#).as_bytes());
    assert!(url.contains('_'));
    assert_eq!(check(&hs_verifier(), &with_payload_part(&url)), "ok");
    assert_eq!(
        check(&hs_verifier(), &with_payload_part(&url.replace('_', "/"))),
        "malformed"
    );
}

#[test]
fn newline_inside_payload_is_malformed() {
    let url = b64(payload().as_bytes());
    let broken = format!("{}\n{}", &url[..10], &url[10..]);
    assert_eq!(check(&hs_verifier(), &with_payload_part(&broken)), "malformed");
}

#[test]
fn space_inside_header_is_malformed() {
    let url = b64(HEADER_WITH_KID.as_bytes());
    let broken = format!("{} {}", &url[..8], &url[8..]);
    assert_eq!(check(&hs_verifier(), &with_header_part(&broken)), "malformed");
}

#[test]
fn newline_inside_signature_is_malformed() {
    let token = hs256_token(HS, &payload());
    let (header, body, signature) = parts(&token);
    let token = format!("{header}.{body}.{}\n{}", &signature[..20], &signature[20..]);
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn header_with_nonzero_trailing_bits_is_malformed() {
    let token = with_header_part(&with_trailing_bit_set(&b64(HEADER_WITH_KID.as_bytes())));
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn payload_with_nonzero_trailing_bits_is_malformed() {
    let token = with_payload_part(&with_trailing_bit_set(&b64(payload().as_bytes())));
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn signature_with_nonzero_trailing_bits_is_malformed() {
    let token = hs256_token(HS, &payload());
    let (header, body, signature) = parts(&token);
    let token = format!("{header}.{body}.{}", with_trailing_bit_set(signature));
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn payload_that_is_not_utf8_is_malformed() {
    let token = hs256_token_bytes(HS.as_bytes(), b"{\"sub\":\"\xff\xfe\",\"exp\":1700000600}");
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn header_that_is_not_utf8_is_malformed() {
    let token = hs256_token_bytes(b"{\"alg\":\"HS256\",\"x\":\"\xc3\x28\"}", payload().as_bytes());
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

// ---------------------------------------------------------------------------------
// Structure and size

#[test]
fn two_part_token_is_malformed() {
    let token = hs256_token(HS, &payload());
    let (header, body, _) = parts(&token);
    assert_eq!(check(&hs_verifier(), &format!("{header}.{body}")), "malformed");
}

#[test]
fn four_part_token_is_malformed() {
    let token = format!("{}.{}", hs256_token(HS, &payload()), b64(b"extra"));
    assert_eq!(check(&hs_verifier(), &token), "malformed");
}

#[test]
fn empty_token_is_malformed() {
    assert_eq!(check(&hs_verifier(), ""), "malformed");
}

#[test]
fn payload_that_is_not_a_json_object_is_malformed() {
    assert_eq!(
        check(&hs_verifier(), &hs256_token(HS, r#"["sub","alice"]"#)),
        "malformed"
    );
}

#[test]
fn one_mib_token_is_too_large() {
    let token = format!("{}.{}.{}", b64(HS.as_bytes()), "A".repeat(1 << 20), "A".repeat(43));
    assert_eq!(check(&hs_verifier(), &token), "too_large");
}

fn deeply_nested_token(open: &str, close: &str) -> String {
    let deep = format!("{}1{}", open.repeat(10_000), close.repeat(10_000));
    let claims = format!(r#"{{"sub":"a","exp":{LATER},"deep":{deep}}}"#);
    hs256_token(HS, &claims)
}

#[test]
fn claim_nested_ten_thousand_arrays_deep_is_malformed() {
    let verifier = hs_builder().max_token_size(256 * 1024).build().unwrap();
    assert_eq!(check(&verifier, &deeply_nested_token("[", "]")), "malformed");
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct OnlySub {
    sub: String,
}

#[test]
fn claim_nested_ten_thousand_arrays_deep_is_malformed_for_typed_claims() {
    // The unknown `deep` claim is skipped by the typed struct; the nesting limit must
    // still apply to it.
    let verifier = hs_builder().max_token_size(256 * 1024).build().unwrap();
    assert_eq!(
        outcome(verifier.verify::<OnlySub>(&deeply_nested_token("[", "]"))),
        "malformed"
    );
}

#[test]
fn claim_nested_ten_thousand_objects_deep_is_malformed_for_json_claims() {
    let verifier = hs_builder().max_token_size(256 * 1024).build().unwrap();
    let token = deeply_nested_token(r#"{"a":"#, "}");
    assert_eq!(outcome(verifier.verify::<serde_json::Value>(&token)), "malformed");
}

#[test]
fn header_member_nested_ten_thousand_arrays_deep_is_malformed() {
    let verifier = hs_builder().max_token_size(256 * 1024).build().unwrap();
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let token = hs256_token(&format!(r#"{{"alg":"HS256","ext":{deep}}}"#), &payload());
    assert_eq!(check(&verifier, &token), "malformed");
}

#[test]
fn registered_claim_nested_ten_thousand_arrays_deep_is_malformed() {
    let verifier = hs_builder().max_token_size(256 * 1024).build().unwrap();
    let deep = format!("{}\"api\"{}", "[".repeat(10_000), "]".repeat(10_000));
    let token = hs256_token(HS, &format!(r#"{{"sub":"a","exp":{LATER},"aud":{deep}}}"#));
    assert_eq!(check(&verifier, &token), "malformed");
}

// ---------------------------------------------------------------------------------
// Weak and unusable keys are refused at construction (RFC 7518 §3.2, §3.3; RFC 7517 §4.2, §4.3)

#[test]
fn hmac_secrets_shorter_than_the_hash_are_weak_keys() {
    for (alg, len) in [(Algorithm::HS256, 31), (Algorithm::HS384, 47), (Algorithm::HS512, 63)] {
        let secret = vec![7u8; len];
        assert_eq!(
            VerifyingKey::from_secret(alg, &secret).unwrap_err().code(),
            "weak_key",
            "{alg}"
        );
        assert_eq!(
            SigningKey::from_secret(alg, &secret).unwrap_err().code(),
            "weak_key",
            "{alg}"
        );
    }
}

#[test]
fn hmac_secrets_as_long_as_the_hash_are_accepted() {
    for (alg, len) in [(Algorithm::HS256, 32), (Algorithm::HS384, 48), (Algorithm::HS512, 64)] {
        let secret = vec![7u8; len];
        assert_eq!(VerifyingKey::from_secret(alg, &secret).unwrap().algorithm(), alg);
        assert_eq!(SigningKey::from_secret(alg, &secret).unwrap().algorithm(), alg);
    }
}

fn public_es256_jwk() -> Jwk {
    SigningKey::generate_jwk(Algorithm::ES256).unwrap().to_public().unwrap()
}

#[test]
fn jwk_for_encryption_is_unusable_key() {
    let mut jwk = public_es256_jwk();
    jwk.key_use = Some("enc".into());
    assert_eq!(VerifyingKey::from_jwk(&jwk).unwrap_err().code(), "unusable_key");
}

#[test]
fn jwk_with_only_encrypt_key_ops_is_unusable_key() {
    let mut jwk = public_es256_jwk();
    jwk.key_use = None;
    jwk.key_ops = Some(vec!["encrypt".into()]);
    assert_eq!(VerifyingKey::from_jwk(&jwk).unwrap_err().code(), "unusable_key");
}

#[test]
fn jwk_with_verify_key_ops_is_usable() {
    let mut jwk = public_es256_jwk();
    jwk.key_ops = Some(vec!["verify".into()]);
    assert_eq!(VerifyingKey::from_jwk(&jwk).unwrap().algorithm(), Algorithm::ES256);
}

#[test]
fn private_jwk_for_encryption_is_unusable_for_signing() {
    let mut jwk = SigningKey::generate_jwk(Algorithm::EdDSA).unwrap();
    jwk.key_use = Some("enc".into());
    assert_eq!(SigningKey::from_jwk(&jwk).unwrap_err().code(), "unusable_key");
}

#[test]
fn rsa_1024_bit_key_is_weak_key() {
    let mut jwk = rfc_vector("rfc7515_a2_rs256.json").public_jwk;
    let mut n = unb64(jwk.n.as_deref().unwrap());
    n.truncate(128);
    n[0] |= 0x80;
    jwk.n = Some(b64(&n));
    assert_eq!(
        VerifyingKey::from_jwk_for(&jwk, Algorithm::RS256).unwrap_err().code(),
        "weak_key"
    );
}

// ---------------------------------------------------------------------------------
// Principal mapping

fn principal_verifier(mapping: PrincipalMapping) -> Verifier {
    hs_builder().principal_mapping(mapping).build().unwrap()
}

fn principal_token(claims: serde_json::Value) -> String {
    let mut claims = claims;
    claims["exp"] = json!(LATER);
    hs256_token(HS, &claims.to_string())
}

#[test]
fn principal_roles_come_from_a_nested_path() {
    let verifier = principal_verifier(PrincipalMapping::default().roles(ClaimPath::dotted("realm_access.roles")));
    let token = principal_token(json!({ "sub": "alice", "realm_access": { "roles": ["admin", "clerk"] } }));
    let alice = verifier.verify_principal(&token).unwrap();
    assert_eq!(alice.roles(), ["admin", "clerk"]);
    assert!(alice.has_role("clerk"));
}

#[test]
fn principal_scopes_come_from_a_space_separated_scope() {
    let token = principal_token(json!({ "sub": "alice", "scope": "orders.read  orders.write" }));
    let alice = hs_verifier().verify_principal(&token).unwrap();
    assert_eq!(alice.scopes(), ["orders.read", "orders.write"]);
}

#[test]
fn principal_scopes_come_from_an_scp_array() {
    let token = principal_token(json!({ "sub": "alice", "scp": ["orders.read", "orders.write"] }));
    let alice = hs_verifier().verify_principal(&token).unwrap();
    assert_eq!(alice.scopes(), ["orders.read", "orders.write"]);
}

#[test]
fn principal_has_tenant_token_id_and_expiry() {
    let token = principal_token(json!({ "sub": "alice", "tenant": "acme", "jti": "id-1" }));
    let alice = hs_verifier().verify_principal(&token).unwrap();
    assert_eq!(alice.subject(), "alice");
    assert_eq!(alice.tenant(), Some("acme"));
    assert_eq!(alice.token_id(), Some("id-1"));
    assert_eq!(alice.expires_at(), Some(LATER));
}

#[test]
fn principal_tenant_from_a_nested_path() {
    let verifier = principal_verifier(PrincipalMapping::default().tenant(ClaimPath::dotted("org.id")));
    let token = principal_token(json!({ "sub": "alice", "org": { "id": "acme" } }));
    assert_eq!(verifier.verify_principal(&token).unwrap().tenant(), Some("acme"));
}

#[test]
fn principal_roles_of_the_wrong_type_are_invalid_claim() {
    let token = principal_token(json!({ "sub": "alice", "roles": 5 }));
    assert_eq!(
        hs_verifier().verify_principal(&token).unwrap_err().code(),
        "invalid_claim"
    );
}

#[test]
fn principal_nested_roles_of_the_wrong_type_are_invalid_claim() {
    let verifier = principal_verifier(PrincipalMapping::default().roles(ClaimPath::dotted("realm_access.roles")));
    let token = principal_token(json!({ "sub": "alice", "realm_access": { "roles": { "admin": true } } }));
    assert_eq!(verifier.verify_principal(&token).unwrap_err().code(), "invalid_claim");
}

#[test]
fn principal_without_sub_is_missing_claim() {
    let token = principal_token(json!({ "roles": ["admin"] }));
    assert_eq!(
        hs_verifier().verify_principal(&token).unwrap_err().code(),
        "missing_claim"
    );
}

// ---------------------------------------------------------------------------------
// Nothing secret in errors or Debug output

#[test]
fn error_display_and_debug_never_contain_the_token_or_its_signature() {
    let token = hs256_token(HS, &payload());
    let (header, body, signature) = parts(&token);
    let mut forged_signature = signature.as_bytes().to_vec();
    forged_signature[0] = if forged_signature[0] == b'A' { b'B' } else { b'A' };
    let forged_signature = String::from_utf8(forged_signature).unwrap();
    let forged = format!("{header}.{body}.{forged_signature}");
    let err = hs_verifier().verify_registered(&forged).unwrap_err();
    assert_eq!(err.code(), "invalid_signature");
    for text in [format!("{err}"), format!("{err:?}")] {
        for secret in [&forged_signature, signature, body, forged.as_str()] {
            assert!(!text.contains(secret), "{text:?} leaks {secret:?}");
        }
    }
}

#[test]
fn malformed_error_never_contains_the_token() {
    let token = format!("{}.{}.{}", b64(b"{\"alg\":"), b64(b"{\"sub\":\"topsecret\"}"), "sig");
    let err = hs_verifier().verify_registered(&token).unwrap_err();
    assert_eq!(err.code(), "malformed");
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains(&token) && !text.contains("topsecret"), "{text:?}");
    }
}

#[test]
fn key_debug_output_never_contains_the_secret() {
    let signing = SigningKey::from_secret(Algorithm::HS256, SECRET).unwrap();
    let verifying = VerifyingKey::from_secret(Algorithm::HS256, SECRET).unwrap();
    let raw = std::str::from_utf8(SECRET).unwrap();
    for text in [
        format!("{signing:?}"),
        format!("{verifying:?}"),
        format!("{:?}", signing.verifying_key()),
    ] {
        for secret in [b64(SECRET), b64_std(SECRET), raw.to_owned()] {
            assert!(!text.contains(&secret), "{text:?} leaks {secret:?}");
        }
    }
}

#[test]
fn private_jwk_and_its_key_debug_output_never_contain_private_members() {
    let jwk = SigningKey::generate_jwk(Algorithm::ES256).unwrap();
    let d = jwk.d.clone().unwrap();
    let key = SigningKey::from_jwk(&jwk).unwrap();
    for text in [format!("{jwk:?}"), format!("{key:?}")] {
        assert!(!text.contains(&d), "{text:?} leaks d");
    }
    let oct = SigningKey::generate_jwk(Algorithm::HS256).unwrap();
    assert!(!format!("{oct:?}").contains(oct.k.as_deref().unwrap()));
}
