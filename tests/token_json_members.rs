//! JSON members are unique at every depth (DESIGN.md, "Token rules"; RFC 7515 §4,
//! RFC 7519 §4, RFC 8725 §3.2), and checking that costs time linear in the members:
//! a header is parsed before any signature, so its cost is the attacker's to choose.

mod common {
    pub mod b64;
    pub mod b64_encode;
    pub mod hs256;
}

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::b64::b64;
use common::hs256::{SECRET, hs256_token};
use portcullis::token::{Algorithm, KeySet, TokenError, Verified, Verifier, VerifierBuilder, VerifyingKey};
use portcullis::token::{ClaimPath, PrincipalMapping};
use serde::Deserialize;
use serde_json::Value;

const NOW: i64 = 1_700_000_000;
const LATER: i64 = NOW + 600;
const HS: &str = r#"{"alg":"HS256"}"#;

fn builder() -> VerifierBuilder {
    let key = VerifyingKey::from_secret(Algorithm::HS256, SECRET).unwrap();
    Verifier::builder(KeySet::single(key)).clock(|| NOW)
}

fn verifier() -> Verifier {
    builder().build().unwrap()
}

/// A verifier that takes tokens up to the largest size limit there is, 256 KiB.
fn big_verifier() -> Verifier {
    builder().max_token_size(256 * 1024).build().unwrap()
}

fn outcome<C>(result: Result<Verified<C>, TokenError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(err) => err.code(),
    }
}

/// The review's token: `roles` twice inside `realm_access`; serde_json's map keeps the last.
fn escalating_payload() -> String {
    format!(r#"{{"sub":"alice","exp":{LATER},"realm_access":{{"roles":["viewer"],"roles":["admin"]}}}}"#)
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RealmAccess {
    roles: Vec<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct KeycloakClaims {
    realm_access: RealmAccess,
}

#[test]
fn nested_duplicate_roles_are_malformed_for_every_claims_type() {
    let verifier = verifier();
    let token = hs256_token(HS, &escalating_payload());
    assert_eq!(outcome(verifier.verify::<Value>(&token)), "malformed");
    assert_eq!(outcome(verifier.verify::<KeycloakClaims>(&token)), "malformed");
    assert_eq!(outcome(verifier.verify_registered(&token)), "malformed");
    assert_eq!(
        outcome(verifier.verify::<std::collections::HashMap<String, Value>>(&token)),
        "malformed"
    );
}

#[test]
fn nested_duplicate_roles_do_not_make_a_principal() {
    let mapping = PrincipalMapping::default().roles(ClaimPath::dotted("realm_access.roles"));
    let verifier = builder().principal_mapping(mapping).build().unwrap();
    let token = hs256_token(HS, &escalating_payload());
    assert_eq!(verifier.verify_principal(&token).unwrap_err().code(), "malformed");
}

#[test]
fn the_same_roles_once_each_still_verify() {
    let payload = format!(r#"{{"sub":"alice","exp":{LATER},"realm_access":{{"roles":["viewer"],"groups":["a"]}}}}"#);
    let verified = verifier().verify::<KeycloakClaims>(&hs256_token(HS, &payload)).unwrap();
    assert_eq!(verified.custom.realm_access.roles, ["viewer"]);
}

#[test]
fn duplicates_deep_in_arrays_and_skipped_claims_are_malformed() {
    let verifier = verifier();
    for nested in [
        r#"[{"a":{"b":1,"b":2}}]"#,
        r#"{"x":[1,2,{"k":null,"k":null}]}"#,
        r#"{"\u0061":1,"a":2}"#,
    ] {
        let payload = format!(r#"{{"sub":"alice","exp":{LATER},"ext":{nested}}}"#);
        let token = hs256_token(HS, &payload);
        assert_eq!(outcome(verifier.verify::<Value>(&token)), "malformed", "{nested}");
        // `ext` is no member of KeycloakClaims: skipped, and still checked.
        assert_eq!(outcome(verifier.verify_registered(&token)), "malformed", "{nested}");
    }
}

#[test]
fn duplicate_inside_a_registered_claim_is_malformed() {
    let payload = format!(r#"{{"sub":"alice","exp":{LATER},"aud":["api",[{{"k":{{"x":1,"x":2}}}}]]}}"#);
    let verifier = builder().audience("api").build().unwrap();
    assert_eq!(
        outcome(verifier.verify_registered(&hs256_token(HS, &payload))),
        "malformed"
    );
}

#[test]
fn duplicate_inside_a_nested_header_member_is_malformed() {
    let verifier = verifier();
    let payload = format!(r#"{{"sub":"alice","exp":{LATER}}}"#);
    for header in [
        r#"{"alg":"HS256","jwk":{"kty":"oct","kty":"EC"}}"#,
        r#"{"alg":"HS256","ext":[{"a":{"b":1,"b":2}}]}"#,
    ] {
        assert_eq!(
            outcome(verifier.verify_registered(&hs256_token(header, &payload))),
            "malformed",
            "{header}"
        );
    }
    let unique = r#"{"alg":"HS256","jwk":{"kty":"oct","k":"x"}}"#;
    assert_eq!(
        outcome(verifier.verify_registered(&hs256_token(unique, &payload))),
        "ok"
    );
}

// ---------------------------------------------------------------------------------
// The cost of the duplicate check

/// `count` distinct member names that agree in length, first and last byte.
fn colliding_names(count: usize) -> impl Iterator<Item = String> {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0..count).map(|mut i| {
        let mut name = String::from("a");
        for _ in 0..4 {
            name.push(char::from(DIGITS[i % DIGITS.len()]));
            i /= DIGITS.len();
        }
        name.push('b');
        name
    })
}

/// A JSON object of `prefix` then `count` members `"aXXXXb":0`.
fn colliding_object(prefix: &str, count: usize) -> String {
    let mut json = String::from(prefix);
    for name in colliding_names(count) {
        json.push_str(&format!(r#","{name}":0"#));
    }
    json.push('}');
    json
}

/// A token whose header has `count` colliding members besides `alg` (and a MAC that
/// cannot matter: the header is parsed before the signature is looked at).
fn forged_header_token(count: usize) -> String {
    let header = colliding_object(r#"{"alg":"HS256""#, count);
    format!("{}.{}.{}", b64(header.as_bytes()), b64(b"{}"), "A".repeat(43))
}

/// A correctly MACed token whose payload has `count` colliding claims.
fn forged_payload_token(count: usize) -> String {
    hs256_token(HS, &colliding_object(&format!(r#"{{"exp":{LATER}"#), count))
}

/// The least time of `runs` rounds of verifying each of `tokens` once.
fn least_time(verifier: &Verifier, tokens: &[String], runs: usize) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            for token in tokens {
                black_box(verifier.verify_registered(black_box(token)).is_ok());
            }
            start.elapsed()
        })
        .min()
        .unwrap()
}

/// 16,000 members in one token must cost about what they cost in sixteen tokens of
/// 1,000; a scan of the names seen so far makes the one token 16 times as dear. Both
/// sides do the same work for as long, so a busy machine slows them alike.
fn assert_linear(make: fn(usize) -> String, expected: &str) {
    let verifier = big_verifier();
    let (small, large) = (make(1_000), make(16_000));
    assert!(large.len() < 256 * 1024);
    assert_eq!(outcome(verifier.verify_registered(&small)), expected);
    assert_eq!(outcome(verifier.verify_registered(&large)), expected);
    let (mut sixteen, mut one) = (Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        sixteen = sixteen.min(least_time(&verifier, &vec![small.clone(); 16], 1));
        one = one.min(least_time(&verifier, std::slice::from_ref(&large), 1));
    }
    let ratio = one.as_secs_f64() / sixteen.as_secs_f64();
    assert!(
        ratio < 4.0,
        "one token cost {ratio:.1}x its sixteen parts ({one:?} vs {sixteen:?})"
    );
}

#[test]
fn header_members_cost_linear_time_even_when_their_names_collide() {
    assert_linear(forged_header_token, "invalid_signature");
}

#[test]
fn claim_members_cost_linear_time_even_when_their_names_collide() {
    assert_linear(forged_payload_token, "ok");
}

/// The numbers behind the tests above. Run in release:
/// `cargo test --release --test token_json_members -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement; prints numbers"]
fn measure_verification_cost_of_forged_members() {
    fn per_verify(verifier: &Verifier, token: &str) -> (Duration, &'static str) {
        let result = outcome(verifier.verify_registered(token));
        let start = Instant::now();
        let mut runs = 0u32;
        while start.elapsed() < Duration::from_millis(500) || runs < 3 {
            black_box(verifier.verify_registered(black_box(token)).is_ok());
            runs += 1;
        }
        (start.elapsed() / runs, result)
    }
    let (small, big) = (verifier(), big_verifier());
    let normal = hs256_token(
        HS,
        &format!(r#"{{"sub":"alice","exp":{LATER},"roles":["a","b"],"scope":"x y"}}"#),
    );
    let fits = |limit: usize, make: &dyn Fn(usize) -> String| {
        let mut count = 1;
        while make(count * 2).len() <= limit {
            count *= 2;
        }
        let mut step = count / 2;
        while step > 0 {
            if make(count + step).len() <= limit {
                count += step;
            }
            step /= 2;
        }
        count
    };
    let nested = |count: usize| {
        let object = colliding_object(r#"{"z":0"#, 16);
        let members: Vec<String> = (0..count).map(|i| format!(r#""o{i}":{object}"#)).collect();
        hs256_token(HS, &format!(r#"{{"exp":{LATER},{}}}"#, members.join(",")))
    };
    let in_array = |item: &'static str| {
        move |count: usize| {
            hs256_token(
                HS,
                &format!(r#"{{"exp":{LATER},"a":[{}]}}"#, vec![item; count].join(",")),
            )
        }
    };
    let (empty, escaped) = (in_array("{}"), in_array(r#"{"\u0061":0}"#));
    let long_string = |count: usize| hs256_token(HS, &format!(r#"{{"exp":{LATER},"s":"{}"}}"#, "x".repeat(count)));
    let string_8k = long_string(fits(8 * 1024, &long_string));
    let header_8k = forged_header_token(540);
    let header_max = forged_header_token(fits(256 * 1024, &forged_header_token));
    let payload_8k = forged_payload_token(fits(8 * 1024, &forged_payload_token));
    let payload_max = forged_payload_token(fits(256 * 1024, &forged_payload_token));
    let nested_max = nested(fits(256 * 1024, &nested));
    let string_max = long_string(fits(256 * 1024, &long_string));
    let empty_max = empty(fits(256 * 1024, &empty));
    let escaped_max = escaped(fits(256 * 1024, &escaped));
    for (name, verifier, token) in [
        ("normal token", &small, &normal),
        ("8 KiB payload, one long string", &small, &string_8k),
        ("8 KiB header, 540 colliding members", &small, &header_8k),
        ("256 KiB header, colliding members", &big, &header_max),
        ("8 KiB payload, colliding members", &small, &payload_8k),
        ("256 KiB payload, colliding members", &big, &payload_max),
        ("256 KiB payload, objects of 17 members", &big, &nested_max),
        ("256 KiB payload, one long string", &big, &string_max),
        ("256 KiB payload, empty objects", &big, &empty_max),
        ("256 KiB payload, objects with an escaped name", &big, &escaped_max),
    ] {
        let (time, result) = per_verify(verifier, token);
        println!("{name:<46} {:>7} bytes  {time:>12.2?}  {result}", token.len());
    }
}
