//! Keys belong to issuers (RFC 8725 §3.8): a verifier for several issuers verifies a
//! token only with the keys of the issuer it names, and policy subject bindings hold
//! only for the issuer they are written under.

use std::time::Duration;

use portcullis::Principal;
use portcullis::rbac::{Policy, PolicyDocument, Role};
use portcullis::token::{Algorithm, Issuer, Jwk, KeySet, SigningKey, TokenCache, Verifier, VerifyingKey};

const A: &str = "https://a.example";
const B: &str = "https://b.example";

/// Two issuers' keys (private JWKs), both with kid "k1": the kid cannot tell them apart.
fn keys() -> (Jwk, Jwk) {
    let key = || {
        let mut jwk = SigningKey::generate_jwk(Algorithm::ES256).unwrap();
        jwk.kid = Some("k1".into());
        jwk
    };
    (key(), key())
}

fn signer(jwk: &Jwk) -> SigningKey {
    SigningKey::from_jwk(jwk).unwrap()
}

fn public(jwk: &Jwk) -> VerifyingKey {
    signer(jwk).verifying_key()
}

fn token(key: &Jwk, iss: &str) -> String {
    Issuer::builder(signer(key))
        .issuer(iss)
        .audience("orders")
        .build()
        .unwrap()
        .issue("alice", &serde_json::json!({ "roles": ["viewer"] }))
        .unwrap()
}

fn per_issuer(a: &Jwk, b: &Jwk) -> Verifier {
    Verifier::builder_for_issuers([(A, public(a)), (B, public(b))])
        .audience("orders")
        .build()
        .unwrap()
}

fn outcome(verifier: &Verifier, token: &str) -> &'static str {
    verifier
        .verify_registered(token)
        .map_or_else(|err| err.code(), |_| "ok")
}

#[test]
fn each_issuers_tokens_verify_with_its_own_keys() {
    let (a, b) = keys();
    let verifier = per_issuer(&a, &b);
    assert_eq!(outcome(&verifier, &token(&a, A)), "ok");
    assert_eq!(outcome(&verifier, &token(&b, B)), "ok");
}

/// Found in review: over a merged key set, A's key vouched for a token claiming B.
#[test]
fn a_token_signed_with_one_issuers_key_claiming_another_is_refused() {
    let (a, b) = keys();
    let verifier = per_issuer(&a, &b);
    assert_eq!(outcome(&verifier, &token(&a, B)), "invalid_signature");
    assert_eq!(outcome(&verifier, &token(&b, A)), "invalid_signature");
    assert_eq!(
        verifier.verify_principal(&token(&a, B)).unwrap_err().code(),
        "invalid_signature"
    );
}

#[test]
fn an_unknown_or_missing_issuer_is_refused_before_any_key_is_chosen() {
    let (a, b) = keys();
    let verifier = per_issuer(&a, &b);
    assert_eq!(outcome(&verifier, &token(&a, "https://c.example")), "invalid_issuer");
    let no_iss = Issuer::builder(signer(&a))
        .audience("orders")
        .build()
        .unwrap()
        .issue("alice", &())
        .unwrap();
    assert_eq!(outcome(&verifier, &no_iss), "missing_claim");
}

#[test]
fn a_second_issuer_on_one_key_source_is_a_configuration_error() {
    let (a, _) = keys();
    let built = Verifier::builder(KeySet::single(public(&a)))
        .issuer(A)
        .issuer(B)
        .build();
    assert_eq!(built.err().map(|e| e.code()), Some("invalid_config"));
    let built = Verifier::builder_for_issuers([(A, public(&a))]).issuer(B).build();
    assert_eq!(built.err().map(|e| e.code()), Some("invalid_config"));
}

#[test]
fn a_per_issuer_list_must_name_each_issuer_once() {
    let (a, b) = keys();
    let twice = Verifier::builder_for_issuers([(A, public(&a)), (A, public(&b))]).build();
    assert!(twice.is_err());
    let empty = Verifier::builder_for_issuers(Vec::<(&str, VerifyingKey)>::new()).build();
    assert!(empty.is_err());
    let blank = Verifier::builder_for_issuers([("", public(&a))]).build();
    assert!(blank.is_err());
}

#[test]
fn the_cache_serves_each_issuers_tokens_and_never_crosses_them() {
    let (a, b) = keys();
    let verifier = Verifier::builder_for_issuers([(A, public(&a)), (B, public(&b))])
        .audience("orders")
        .cache(TokenCache::new(1 << 20))
        .build()
        .unwrap();
    let (from_a, forged) = (token(&a, A), token(&a, B));
    for _ in 0..2 {
        assert_eq!(verifier.verify_principal(&from_a).unwrap().issuer(), Some(A));
        assert_eq!(
            verifier.verify_principal(&forged).unwrap_err().code(),
            "invalid_signature"
        );
    }
    assert!(verifier.keys(Some(A)).is_some() && verifier.keys(Some("https://c.example")).is_none());
}

#[test]
fn one_key_source_still_serves_one_issuer() {
    let (a, _) = keys();
    let verifier = Verifier::builder(public(&a))
        .issuer(A)
        .audience("orders")
        .leeway(Duration::from_secs(5))
        .build()
        .unwrap();
    assert_eq!(outcome(&verifier, &token(&a, A)), "ok");
    assert_eq!(outcome(&verifier, &token(&a, B)), "invalid_issuer");
}

fn policy() -> Policy {
    let doc = PolicyDocument::new()
        .role("admin", Role::new().grant("orders:*"))
        .role("viewer", Role::new().grant("orders:read"))
        .issuer_subject(A, "alice", ["admin"])
        .issuer_tenant_subject(A, "acme", "bob", ["viewer"])
        .subject("alice", ["viewer"]);
    Policy::compile(&doc).unwrap()
}

fn principal(subject: &str, iss: Option<&str>, key: &Jwk) -> Principal {
    let Some(iss) = iss else {
        return Principal::new(subject);
    };
    let issued = Issuer::builder(signer(key))
        .issuer(iss)
        .build()
        .unwrap()
        .issue(subject, &serde_json::json!({ "tenant": "acme" }))
        .unwrap();
    let verifier = Verifier::builder_for_issuers([(A, public(key)), (B, public(key))])
        .principal_mapping(
            portcullis::token::PrincipalMapping::default().tenant(portcullis::token::ClaimPath::name("tenant")),
        )
        .build()
        .unwrap();
    verifier.verify_principal(&issued).unwrap()
}

/// Found in review: bindings matched `sub` alone, though OIDC `sub` is unique only
/// per issuer.
#[test]
fn subject_bindings_hold_only_for_the_issuer_they_are_written_under() {
    let (key, _) = keys();
    let policy = policy();
    let delete = policy.permission("orders:delete").unwrap();
    let read = policy.permission("orders:read").unwrap();

    let alice_a = policy.principal_permissions(&principal("alice", Some(A), &key));
    assert!(policy.check(&alice_a, delete));
    let alice_b = policy.principal_permissions(&principal("alice", Some(B), &key));
    assert!(
        !policy.check(&alice_b, delete) && !policy.check(&alice_b, read),
        "another issuer's alice gets nothing"
    );
    let alice_local = policy.principal_permissions(&principal("alice", None, &key));
    assert!(policy.check(&alice_local, read) && !policy.check(&alice_local, delete));

    let bob_a = policy.principal_permissions(&principal("bob", Some(A), &key));
    assert!(policy.check(&bob_a, read), "tenant bindings of the issuer apply");
    let bob_b = policy.principal_permissions(&principal("bob", Some(B), &key));
    assert!(!policy.check(&bob_b, read));
}

#[test]
fn issuer_bindings_are_read_from_toml_and_json_alike() {
    let toml = Policy::from_toml(
        "[roles.admin]\npermissions = [\"orders:*\"]\n[issuers.\"https://a.example\".subjects]\nalice = [\"admin\"]\n",
    )
    .unwrap();
    let json = Policy::from_json(
        r#"{"roles":{"admin":{"permissions":["orders:*"]}},"issuers":{"https://a.example":{"subjects":{"alice":["admin"]}}}}"#,
    )
    .unwrap();
    for policy in [toml, json] {
        assert!(policy.check_str(&policy.issuer_subject_permissions(A, "alice", None), "orders:delete"));
        assert!(!policy.check_str(&policy.issuer_subject_permissions(B, "alice", None), "orders:delete"));
        assert!(!policy.check_str(&policy.subject_permissions("alice", None), "orders:delete"));
        assert_eq!(policy.binding_count(), 1);
    }
    let repeated =
        Policy::from_json(r#"{"roles":{"admin":{}},"issuers":{"https://a.example":{},"https://a.example":{}}}"#);
    assert_eq!(repeated.err().map(|e| e.code()), Some("duplicate_subject"));
}
