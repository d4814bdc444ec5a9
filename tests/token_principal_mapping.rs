//! `Verifier::verify_principal` reads roles, scopes and tenant in the payload's one
//! parse pass. These properties hold it to a reference written the plain way, on a
//! `serde_json::Value` of the whole payload: the same principal, or the same error
//! code and claim, for claims of every type at every place the mapping looks.

mod common {
    pub mod b64;
    pub mod b64_encode;
    pub mod hs256;
}

use common::hs256::{SECRET, hs256_token};
use portcullis::token::{Algorithm, ClaimPath, KeySet, PrincipalMapping, TokenError, Verifier, VerifyingKey};
use proptest::prelude::*;
use serde_json::{Value, json};

const NOW: i64 = 1_767_225_600;

fn verifier(mapping: PrincipalMapping) -> Verifier {
    let key = VerifyingKey::from_secret(Algorithm::HS256, SECRET).unwrap();
    Verifier::builder(KeySet::single(key))
        .clock(|| NOW)
        .principal_mapping(mapping)
        .build()
        .unwrap()
}

/// What a principal is made of, or the error's code and claim.
type Outcome = Result<(Vec<String>, Vec<String>, Option<String>), (&'static str, String)>;

fn refused(err: &TokenError) -> (&'static str, String) {
    let claim = match err {
        TokenError::InvalidClaim { claim } | TokenError::MissingClaim { claim } => claim.to_string(),
        _ => String::new(),
    };
    (err.code(), claim)
}

/// The mapping rules on a whole-payload `Value`: roles from `roles` (a string or an
/// array of strings), scopes from `scope` (a space-separated string) or else `scp`
/// (an array of strings or a space-separated string), tenant a string.
fn reference(claims: &Value, roles_path: &[&str], tenant_path: &[&str]) -> Outcome {
    let find = |path: &[&str]| {
        path.iter()
            .try_fold(claims, |value, name| value.as_object()?.get(*name))
    };
    let invalid = |claim: String| Err(("invalid_claim", claim));
    let strings = |value: &Value, split: bool| -> Option<Vec<String>> {
        match value {
            Value::String(s) if split => Some(s.split_ascii_whitespace().map(str::to_owned).collect()),
            Value::String(s) => Some(vec![s.clone()]),
            Value::Array(items) => items.iter().map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => None,
        }
    };
    let roles = match find(roles_path) {
        None => Vec::new(),
        Some(value) => match strings(value, false) {
            Some(roles) => roles,
            None => return invalid(roles_path.join(".")),
        },
    };
    let scopes = match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(s)), _) => s.split_ascii_whitespace().map(str::to_owned).collect(),
        (Some(_), _) => return invalid("scope".into()),
        (None, Some(scp)) => match strings(scp, true) {
            Some(scopes) => scopes,
            None => return invalid("scp".into()),
        },
        (None, None) => Vec::new(),
    };
    let tenant = match find(tenant_path) {
        None => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(_) => return invalid(tenant_path.join(".")),
    };
    Ok((roles, scopes, tenant))
}

/// A claim value of any type, strings drawn from a few with spaces and escapes.
fn value() -> impl Strategy<Value = Value> {
    let text = prop::sample::select(vec!["admin", "clerk", "a b", " x  y ", "", "é\u{1}\"", "\\u0041"]);
    let leaf = prop_oneof![
        text.clone().prop_map(|s| json!(s)),
        Just(json!(null)),
        Just(json!(true)),
        Just(json!(7)),
        Just(json!(-1.5)),
    ];
    leaf.prop_recursive(2, 8, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(text.clone().prop_map(|s| json!(s)), 0..4).prop_map(Value::Array),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(prop::sample::select(vec!["roles", "id", "x"]), inner, 0..3)
                .prop_map(|map| Value::Object(map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

fn payload() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec!["roles", "scope", "scp", "tenant", "realm_access", "org", "other"]);
    prop::collection::btree_map(names, value(), 0..6).prop_map(|members| {
        let mut claims = serde_json::Map::new();
        claims.insert("sub".into(), json!("alice"));
        claims.insert("exp".into(), json!(NOW + 600));
        for (name, value) in members {
            claims.insert(name.to_owned(), value);
        }
        Value::Object(claims)
    })
}

fn check(claims: &Value, roles_path: &[&str], tenant_path: &[&str]) -> Result<(), TestCaseError> {
    let mapping = PrincipalMapping::default()
        .roles(ClaimPath::dotted(&roles_path.join(".")))
        .tenant(ClaimPath::dotted(&tenant_path.join(".")));
    let token = hs256_token(r#"{"alg":"HS256"}"#, &claims.to_string());
    let ours: Outcome = verifier(mapping.clone())
        .verify_principal(&token)
        .map(|p| (p.roles().to_vec(), p.scopes().to_vec(), p.tenant().map(str::to_owned)))
        .map_err(|err| refused(&err));
    let expected = reference(claims, roles_path, tenant_path);
    prop_assert_eq!(&ours, &expected, "{}", claims);
    // `PrincipalMapping::principal`, for claims already parsed, agrees.
    let Value::Object(map) = claims.clone() else {
        unreachable!()
    };
    let mut registered = portcullis::token::RegisteredClaims::default();
    registered.sub = Some("alice".into());
    let by_map: Outcome = mapping
        .principal(registered, map)
        .map(|p| (p.roles().to_vec(), p.scopes().to_vec(), p.tenant().map(str::to_owned)))
        .map_err(|err| refused(&err));
    prop_assert_eq!(&by_map, &expected, "{}", claims);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn top_level_mapping_agrees_with_the_reference(claims in payload()) {
        check(&claims, &["roles"], &["tenant"])?;
    }

    #[test]
    fn nested_mapping_agrees_with_the_reference(claims in payload()) {
        check(&claims, &["realm_access", "roles"], &["org", "id"])?;
    }

    #[test]
    fn paths_sharing_a_claim_agree_with_the_reference(claims in payload()) {
        // Roles and tenant read from the same object, and roles from `scope`.
        check(&claims, &["realm_access", "roles"], &["realm_access", "id"])?;
        check(&claims, &["scope"], &["scp"])?;
    }
}

#[test]
fn claims_are_kept_as_the_verified_text_and_read_on_demand() {
    let claims = json!({ "sub": "alice", "exp": NOW + 600, "department": "billing", "n": [1, 2] });
    let token = hs256_token(r#"{"alg":"HS256"}"#, &claims.to_string());
    let alice = verifier(PrincipalMapping::default()).verify_principal(&token).unwrap();
    assert_eq!(alice.claims_json(), claims.to_string());
    assert_eq!(alice.claims::<Value>().unwrap(), claims);
    #[derive(serde::Deserialize)]
    struct Department {
        department: String,
    }
    assert_eq!(alice.claims::<Department>().unwrap().department, "billing");
    let wrong = alice.claims::<Vec<u8>>().unwrap_err();
    assert_eq!(wrong, TokenError::InvalidClaim { claim: "custom".into() });
}
