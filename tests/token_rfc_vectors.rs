//! The published JWS examples of RFC 7515 (Appendix A.1 to A.3) and RFC 8037 (A.4),
//! verified exactly as printed, and their private keys used to issue fresh tokens.
//!
//! RFC 7515's example tokens carry `"exp":1300819380` (2011-03-22T18:43:00Z): they
//! expired in 2011. Rather than switch expiry checking off, every verifier here pins
//! its clock to that era (`1_300_819_300`, 80 seconds before `exp`), so the vectors are
//! checked with every rule in force.

mod common {
    pub mod rfc7515_rsa;
    pub mod vectors;
}

use common::rfc7515_rsa::rfc7515_rsa_private_jwk;
use common::vectors::rfc_vector;
use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier, VerifyingKey};
use serde::Deserialize;

/// A moment in March 2011, before the RFC 7515 examples' `exp`.
const RFC_7515_ERA: i64 = 1_300_819_300;

/// The claims of the RFC 7515 examples:
/// `{"iss":"joe", "exp":1300819380, "http://example.com/is_root":true}`.
#[derive(Debug, Deserialize)]
struct Rfc7515Claims {
    iss: String,
    exp: i64,
    #[serde(rename = "http://example.com/is_root")]
    is_root: bool,
}

fn verifier_in_2011(key: VerifyingKey) -> Verifier {
    Verifier::builder(KeySet::single(key))
        .clock(|| RFC_7515_ERA)
        .build()
        .unwrap()
}

fn public_key_of(file: &str) -> (VerifyingKey, String) {
    let vector = rfc_vector(file);
    let alg: Algorithm = vector.alg.parse().unwrap();
    let key = VerifyingKey::from_jwk_for(&vector.public_jwk, alg).unwrap();
    assert_eq!(key.algorithm(), alg);
    (key, vector.token)
}

fn assert_rfc7515_vector_verifies(file: &str, alg: Algorithm) {
    let (key, token) = public_key_of(file);
    assert_verifies_as_rfc7515_says(&verifier_in_2011(key), &token, alg);
}

fn assert_verifies_as_rfc7515_says(verifier: &Verifier, token: &str, alg: Algorithm) {
    let verified = verifier.verify::<Rfc7515Claims>(token).unwrap();
    assert_eq!(verified.alg, alg);
    assert_eq!(verified.claims.iss.as_deref(), Some("joe"));
    assert_eq!(verified.claims.exp, Some(1_300_819_380));
    assert_eq!(verified.custom.iss, "joe");
    assert_eq!(verified.custom.exp, 1_300_819_380);
    assert!(verified.custom.is_root);
}

#[test]
fn rfc7515_a1_hs256_vector_verifies() {
    assert_rfc7515_vector_verifies("rfc7515_a1_hs256.json", Algorithm::HS256);
}

#[test]
fn rfc7515_a2_rs256_vector_verifies() {
    assert_rfc7515_vector_verifies("rfc7515_a2_rs256.json", Algorithm::RS256);
}

#[test]
fn rfc7515_a3_es256_vector_verifies_where_high_s_is_accepted() {
    // The example's S is above n/2, which portcullis refuses unless told otherwise
    // (tests/token_ecdsa_low_s.rs: refused by default, its low twin verifies).
    let (key, token) = public_key_of("rfc7515_a3_es256.json");
    let verifier = Verifier::builder(KeySet::single(key))
        .clock(|| RFC_7515_ERA)
        .accept_high_s(true)
        .build()
        .unwrap();
    assert_verifies_as_rfc7515_says(&verifier, &token, Algorithm::ES256);
}

#[test]
fn rfc7515_a1_claims_read_as_a_json_map() {
    let (key, token) = public_key_of("rfc7515_a1_hs256.json");
    let verified = verifier_in_2011(key)
        .verify::<serde_json::Map<String, serde_json::Value>>(&token)
        .unwrap();
    assert_eq!(verified.custom["iss"], "joe");
    assert_eq!(verified.custom["http://example.com/is_root"], true);
    assert_eq!(verified.custom.len(), 3);
}

#[test]
fn rfc7515_vectors_are_expired_on_the_system_clock() {
    let (key, token) = public_key_of("rfc7515_a1_hs256.json");
    let verifier = Verifier::builder(KeySet::single(key)).build().unwrap();
    assert_eq!(verifier.verify_registered(&token).unwrap_err().code(), "expired");
}

#[test]
fn rfc7515_a2_vector_is_refused_by_a_ps256_key_of_the_same_modulus() {
    let vector = rfc_vector("rfc7515_a2_rs256.json");
    let key = VerifyingKey::from_jwk_for(&vector.public_jwk, Algorithm::PS256).unwrap();
    let err = verifier_in_2011(key).verify_registered(&vector.token).unwrap_err();
    assert_eq!(err.code(), "algorithm_mismatch");
}

#[test]
fn rfc7515_a1_vector_with_one_changed_payload_character_is_invalid_signature() {
    let (key, token) = public_key_of("rfc7515_a1_hs256.json");
    // The payload starts `eyJpc3Mi` ({"iss"); `eyJpc3Ni` is still canonical base64url.
    let forged = token.replacen(".eyJpc3Mi", ".eyJpc3Ni", 1);
    assert_ne!(forged, token);
    assert_eq!(
        verifier_in_2011(key).verify_registered(&forged).unwrap_err().code(),
        "invalid_signature"
    );
}

/// RFC 8037 A.4 signs the ASCII text `Example of Ed25519 signing`, which is not a JWT
/// claims set: the signature verifies, then the claims are rejected as `malformed`.
#[test]
fn rfc8037_a4_ed25519_vector_signature_verifies_but_its_text_payload_is_malformed() {
    let vector = rfc_vector("rfc8037_a4_ed25519.json");
    assert_eq!(vector.payload, "Example of Ed25519 signing");
    let (key, token) = public_key_of("rfc8037_a4_ed25519.json");
    let err = verifier_in_2011(key).verify_registered(&token).unwrap_err();
    assert_eq!(err.code(), "malformed");
}

/// The contrast to the test above: with one signature character changed the same token
/// fails at the signature check, so `malformed` above was reached only after the
/// published signature had verified.
#[test]
fn rfc8037_a4_ed25519_vector_with_a_changed_signature_character_is_invalid_signature() {
    let (key, token) = public_key_of("rfc8037_a4_ed25519.json");
    let signature_start = token.rfind('.').unwrap() + 1;
    let mut bytes = token.clone().into_bytes();
    // The first character of the signature carries no padding bits, so any other
    // alphabet character keeps the encoding canonical.
    bytes[signature_start] = if bytes[signature_start] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let err = verifier_in_2011(key).verify_registered(&tampered).unwrap_err();
    assert_eq!(err.code(), "invalid_signature");
}

fn issue_and_verify(signing: SigningKey, public: VerifyingKey) {
    let alg = signing.algorithm();
    assert_eq!(public.algorithm(), alg);
    let issuer = Issuer::builder(signing)
        .issuer("joe")
        .clock(|| RFC_7515_ERA)
        .build()
        .unwrap();
    let token = issuer
        .issue("alice", &serde_json::json!({ "http://example.com/is_root": true }))
        .unwrap();
    let verified = Verifier::builder(KeySet::single(public))
        .issuer("joe")
        .clock(|| RFC_7515_ERA + 60)
        .build()
        .unwrap()
        .verify::<serde_json::Map<String, serde_json::Value>>(&token)
        .unwrap();
    assert_eq!(verified.alg, alg);
    assert_eq!(verified.claims.sub.as_deref(), Some("alice"));
    assert_eq!(verified.custom["http://example.com/is_root"], true);
}

#[test]
fn rfc7515_a2_rsa_private_jwk_needs_an_alg_to_load() {
    let jwk = rfc_vector("rfc7515_a2_rs256.json").jwk;
    assert_eq!(jwk.alg, None, "the RFC's JWK has no alg");
    assert_eq!(SigningKey::from_jwk(&jwk).unwrap_err().code(), "unsupported_algorithm");
}

#[test]
fn rfc7515_a2_rsa_private_jwk_issues_rs256_tokens_its_public_jwk_verifies() {
    let signing = SigningKey::from_jwk(&rfc7515_rsa_private_jwk("RS256")).unwrap();
    let public = VerifyingKey::from_jwk_for(&rfc_vector("rfc7515_a2_rs256.json").public_jwk, Algorithm::RS256).unwrap();
    issue_and_verify(signing, public);
}

#[test]
fn rfc7515_a2_rsa_private_jwk_issues_ps256_tokens_its_public_jwk_verifies() {
    let signing = SigningKey::from_jwk(&rfc7515_rsa_private_jwk("PS256")).unwrap();
    let public = VerifyingKey::from_jwk_for(&rfc_vector("rfc7515_a2_rs256.json").public_jwk, Algorithm::PS256).unwrap();
    issue_and_verify(signing, public);
}

#[test]
fn rfc7515_a1_oct_jwk_of_64_bytes_issues_hs256_tokens() {
    let vector = rfc_vector("rfc7515_a1_hs256.json");
    let mut private = vector.jwk.clone();
    private.alg = Some("HS256".into());
    let signing = SigningKey::from_jwk(&private).unwrap();
    let public = VerifyingKey::from_jwk_for(&vector.public_jwk, Algorithm::HS256).unwrap();
    issue_and_verify(signing, public);
}

#[test]
fn rfc7515_a3_ec_private_jwk_issues_es256_tokens_its_public_jwk_verifies() {
    let vector = rfc_vector("rfc7515_a3_es256.json");
    let signing = SigningKey::from_jwk(&vector.jwk).unwrap();
    assert_eq!(signing.algorithm(), Algorithm::ES256);
    let public = VerifyingKey::from_jwk_for(&vector.public_jwk, Algorithm::ES256).unwrap();
    issue_and_verify(signing, public);
}

#[test]
fn rfc8037_a1_ed25519_private_jwk_issues_eddsa_tokens_its_public_jwk_verifies() {
    let vector = rfc_vector("rfc8037_a4_ed25519.json");
    // OKP Ed25519 implies EdDSA, so this JWK loads without an alg.
    assert_eq!(vector.jwk.alg, None);
    let signing = SigningKey::from_jwk(&vector.jwk).unwrap();
    assert_eq!(signing.algorithm(), Algorithm::EdDSA);
    let public = VerifyingKey::from_jwk_for(&vector.public_jwk, Algorithm::EdDSA).unwrap();
    issue_and_verify(signing, public);
}

#[test]
fn rfc8037_a1_private_key_derives_the_published_public_jwk() {
    let vector = rfc_vector("rfc8037_a4_ed25519.json");
    let derived = SigningKey::from_jwk(&vector.jwk)
        .unwrap()
        .verifying_key()
        .to_jwk()
        .unwrap();
    assert_eq!(derived.x, vector.public_jwk.x);
    assert_eq!(derived.crv.as_deref(), Some("Ed25519"));
}
