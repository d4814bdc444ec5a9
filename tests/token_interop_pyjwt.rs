//! Interoperability with PyJWT, an independent JWT implementation, in both directions:
//! portcullis verifies the committed PyJWT-issued tokens of tests/data/interop/pyjwt.json,
//! and PyJWT (tests/interop/verify_with_pyjwt.py) verifies tokens portcullis issues.

mod common {
    pub mod interop;
    pub mod rfc7515_rsa;
    pub mod vectors;
}

use common::rfc7515_rsa::rfc7515_rsa_private_jwk;
use portcullis::token::{Algorithm, Issuer, Jwk, JwkSet, KeySet, SigningKey, Verifier, VerifyingKey};
use serde::Deserialize;
use serde_json::{Value, json};

const ISSUER: &str = "https://issuer.example";
const AUDIENCE: &str = "portcullis-tests";
/// An hour after the fixtures' `iat`/`nbf` (2026-01-01), long before their `exp` (2100):
/// the committed tokens are checked at a fixed moment, not whenever the suite runs.
const FIXTURE_NOW: i64 = 1_767_225_600 + 3600;

fn fixtures() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/interop/pyjwt.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn fixture_jwks(doc: &Value) -> JwkSet {
    JwkSet::from_json(&doc["jwks"].to_string()).unwrap()
}

fn fixture_tokens(doc: &Value) -> Vec<(String, String, String)> {
    let tokens = doc["tokens"].as_array().unwrap();
    assert!(!tokens.is_empty());
    tokens
        .iter()
        .map(|t| {
            (
                t["alg"].as_str().unwrap().into(),
                t["kid"].as_str().unwrap().into(),
                t["token"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// A verifier for PyJWT's tokens. PyJWT (on OpenSSL) writes a high ECDSA S half the
/// time, which portcullis refuses unless told to accept it: configured as one would
/// for such an issuer (see `strict_verifiers_refuse_pyjwts_high_s_ecdsa_tokens`).
fn fixture_verifier(keys: KeySet) -> Verifier {
    fixture_verifier_accepting_high_s(keys, true)
}

fn fixture_verifier_accepting_high_s(keys: KeySet, accept: bool) -> Verifier {
    Verifier::builder(keys)
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .clock(|| FIXTURE_NOW)
        .accept_high_s(accept)
        .build()
        .unwrap()
}

#[derive(Debug, Deserialize)]
struct FixtureClaims {
    sub: String,
    roles: Vec<String>,
    tenant: String,
    scope: String,
}

fn assert_claims_match(doc: &Value, alg: &str, kid: &str, verifier: &Verifier, token: &str) {
    let expected = &doc["claims"];
    let verified = verifier
        .verify::<FixtureClaims>(token)
        .unwrap_or_else(|e| panic!("{kid}: {e} ({})", e.code()));
    assert_eq!(verified.alg.as_str(), alg, "{kid}");
    assert_eq!(verified.custom.sub, expected["sub"].as_str().unwrap(), "{kid}");
    assert_eq!(verified.custom.sub, "user-123");
    assert_eq!(verified.custom.tenant, expected["tenant"].as_str().unwrap(), "{kid}");
    assert_eq!(verified.custom.scope, expected["scope"].as_str().unwrap(), "{kid}");
    let roles: Vec<&str> = expected["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(verified.custom.roles, roles, "{kid}");
    assert_eq!(verified.claims.iss.as_deref(), Some(ISSUER), "{kid}");
    assert_eq!(verified.claims.aud, [AUDIENCE], "{kid}");
    assert_eq!(verified.claims.exp, expected["exp"].as_i64(), "{kid}");
    assert_eq!(verified.claims.jti.as_deref(), Some(format!("jti-{kid}").as_str()));
}

#[test]
fn every_pyjwt_key_loads_from_the_fixture_jwks() {
    let doc = fixtures();
    let jwks = fixture_jwks(&doc);
    let set = KeySet::from_jwks(&jwks).unwrap();
    // from_jwks leaves unusable keys out silently; every fixture key must be in.
    assert_eq!(set.len(), jwks.keys.len());
    for (alg, kid, _) in fixture_tokens(&doc) {
        let key = set
            .get(&kid)
            .unwrap_or_else(|| panic!("{kid} missing from the key set"));
        assert_eq!(key.algorithm().as_str(), alg);
    }
}

#[test]
fn every_pyjwt_token_verifies_with_the_fixture_jwks() {
    let doc = fixtures();
    let verifier = fixture_verifier(KeySet::from_jwks(&fixture_jwks(&doc)).unwrap());
    let tokens = fixture_tokens(&doc);
    assert_eq!(tokens.len(), 8, "HS256/384/512, RS256, PS256, ES256, ES384, EdDSA");
    for (alg, kid, token) in tokens {
        assert_claims_match(&doc, &alg, &kid, &verifier, &token);
    }
}

#[test]
fn every_pyjwt_token_verifies_with_its_key_alone() {
    let doc = fixtures();
    let jwks = fixture_jwks(&doc);
    for (alg, kid, token) in fixture_tokens(&doc) {
        let jwk = jwks
            .keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid.as_str()))
            .unwrap();
        let key = VerifyingKey::from_jwk(jwk).unwrap_or_else(|e| panic!("{kid}: {e}"));
        assert_claims_match(&doc, &alg, &kid, &fixture_verifier(KeySet::single(key)), &token);
    }
}

/// The default verifier refuses an ECDSA token with a high S (DESIGN.md's token
/// rules) and takes every other: the committed ES384 token has one, the ES256 one not.
#[test]
fn strict_verifiers_refuse_pyjwts_high_s_ecdsa_tokens() {
    let doc = fixtures();
    let strict = fixture_verifier_accepting_high_s(KeySet::from_jwks(&fixture_jwks(&doc)).unwrap(), false);
    let outcomes: Vec<(String, &str)> = fixture_tokens(&doc)
        .into_iter()
        .map(|(alg, _, token)| {
            (
                alg,
                strict.verify_registered(&token).map_or_else(|e| e.code(), |_| "ok"),
            )
        })
        .collect();
    for (alg, outcome) in &outcomes {
        let expected = if alg == "ES384" { "invalid_signature" } else { "ok" };
        assert_eq!(*outcome, expected, "{alg}");
    }
}

#[test]
fn every_pyjwt_token_maps_to_the_expected_principal() {
    let doc = fixtures();
    let verifier = fixture_verifier(KeySet::from_jwks(&fixture_jwks(&doc)).unwrap());
    for (_, kid, token) in fixture_tokens(&doc) {
        let principal = verifier.verify_principal(&token).unwrap();
        assert_eq!(principal.subject(), "user-123", "{kid}");
        assert_eq!(principal.roles(), ["viewer", "clerk"], "{kid}");
        assert_eq!(principal.scopes(), ["orders.read", "orders.write"], "{kid}");
        assert_eq!(principal.tenant(), Some("acme"), "{kid}");
        assert_eq!(principal.issuer(), Some(ISSUER), "{kid}");
    }
}

#[test]
fn every_pyjwt_token_is_rejected_for_another_audience() {
    let doc = fixtures();
    let keys = KeySet::from_jwks(&fixture_jwks(&doc)).unwrap();
    let verifier = Verifier::builder(keys)
        .issuer(ISSUER)
        .audience("someone-else")
        .clock(|| FIXTURE_NOW)
        .accept_high_s(true)
        .build()
        .unwrap();
    for (_, kid, token) in fixture_tokens(&doc) {
        assert_eq!(
            verifier.verify_registered(&token).unwrap_err().code(),
            "invalid_audience",
            "{kid}"
        );
    }
}

// ---------------------------------------------------------------------------------
// The other direction: PyJWT verifies what portcullis issues.

/// A signing key for `alg` with `kid`, and the JWK PyJWT gets for it (public for
/// asymmetric keys; for HMAC the `oct` key itself, secret included).
fn interop_key(alg: Algorithm, kid: &str) -> (SigningKey, Jwk) {
    match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            let mut jwk = SigningKey::generate_jwk(alg).unwrap();
            jwk.kid = Some(kid.into());
            (SigningKey::from_jwk(&jwk).unwrap(), jwk)
        }
        Algorithm::RS256 | Algorithm::PS256 => {
            // ring cannot generate RSA keys: use the RFC 7515 A.2 key, bound to `alg`.
            let mut jwk = rfc7515_rsa_private_jwk(alg.as_str());
            jwk.kid = Some(kid.into());
            let key = SigningKey::from_jwk(&jwk).unwrap();
            let public = key.verifying_key().to_jwk().unwrap();
            (key, public)
        }
        _ => {
            let key = SigningKey::generate(alg).unwrap().with_kid(kid).unwrap();
            let public = key.verifying_key().to_jwk().unwrap();
            (key, public)
        }
    }
}

#[test]
fn pyjwt_verifies_every_token_portcullis_issues() {
    let algorithms = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];
    let mut jwks = Vec::new();
    let mut tokens = Vec::new();
    for alg in algorithms {
        let kid = format!("portcullis-{}", alg.as_str().to_ascii_lowercase());
        let (key, jwk) = interop_key(alg, &kid);
        let verifying = key.verifying_key();
        // The system clock: PyJWT checks `iat` and `exp` against its own.
        let issuer = Issuer::builder(key).issuer(ISSUER).audience(AUDIENCE).build().unwrap();
        let token = issuer
            .issue(
                "user-123",
                &json!({ "roles": ["viewer", "clerk"], "tenant": "acme", "scope": "orders.read" }),
            )
            .unwrap();
        // Our own verifier accepts it first, so a PyJWT failure is about interop.
        let ours = Verifier::builder(KeySet::single(verifying))
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .build()
            .unwrap();
        ours.verify_registered(&token).unwrap_or_else(|e| panic!("{kid}: {e}"));
        jwks.push(serde_json::to_value(&jwk).unwrap());
        tokens.push(json!({ "alg": alg.as_str(), "kid": kid, "token": token }));
    }
    let input = json!({ "issuer": ISSUER, "audience": AUDIENCE, "jwks": { "keys": jwks }, "tokens": tokens });

    let test = "pyjwt_verifies_every_token_portcullis_issues";
    let Some(stdout) = common::interop::interop_output(test, "verify_with_pyjwt.py", &input.to_string()) else {
        return;
    };
    let results: Vec<Value> = stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(results.len(), algorithms.len(), "{stdout}");
    for result in &results {
        assert_eq!(result["ok"], true, "{result}");
    }
}
