//! Token verification on arbitrary bytes, against a fixed verifier holding one key of
//! every algorithm (HS256/384/512, RS256, PS256, ES256, ES384, EdDSA).
//!
//! Invariants:
//! - a refusal carries one of DESIGN.md's stable codes;
//! - verification is deterministic (the same answer twice);
//! - a token that verifies meets every claim rule at the verifier's clock (`exp`
//!   present and not past with the leeway, `nbf` and `iat` not in the future, `iss`
//!   and `aud` as configured), and `verify_principal` agrees with `verify`;
//! - a verified ECDSA signature has the low S (the token has one spelling);
//! - changing any byte of the signature of a verified token makes it fail.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use portcullis::token::{Algorithm, NoCustomClaims, Verified};

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let verifier = common::verifier();
    let first = verifier.verify::<NoCustomClaims>(token);
    let again = verifier.verify::<NoCustomClaims>(token);
    assert_eq!(outcome(&first), outcome(&again), "verification is deterministic");
    match first {
        Err(err) => assert!(common::TOKEN_CODES.contains(&err.code()), "unknown code {}", err.code()),
        Ok(verified) => {
            check_claims(&verified);
            let principal = verifier.verify_principal(token);
            if let Ok(principal) = &principal {
                assert_eq!(Some(principal.subject()), verified.claims.sub.as_deref());
            } else if verified.claims.sub.is_some() {
                panic!("verify accepted what verify_principal refused: {:?}", principal.err());
            }
            check_signature_is_pinned(token, verified.alg);
        }
    }
});

fn outcome(result: &Result<Verified<NoCustomClaims>, portcullis::token::TokenError>) -> &'static str {
    result.as_ref().map_or_else(|err| err.code(), |_| "ok")
}

fn check_claims(verified: &Verified<NoCustomClaims>) {
    let claims = &verified.claims;
    let (now, leeway) = (common::NOW, 30);
    let exp = claims.exp.expect("exp is required");
    assert!(now < exp.saturating_add(leeway), "expired token accepted");
    assert!(
        claims.nbf.is_none_or(|nbf| now >= nbf.saturating_sub(leeway)),
        "nbf in the future"
    );
    assert!(
        claims.iat.is_none_or(|iat| iat <= now.saturating_add(leeway)),
        "iat in the future"
    );
    assert_eq!(claims.iss.as_deref(), Some(common::ISSUER), "issuer");
    assert!(claims.aud.iter().any(|aud| aud == common::AUDIENCE), "audience");
}

/// Every one-byte change of the signature part of a verified token fails: the key
/// checks every bit (and ECDSA's two spellings are not both accepted).
fn check_signature_is_pinned(token: &str, alg: Algorithm) {
    let Some((input, signature)) = token.rsplit_once('.') else {
        panic!("a verified token has a signature part");
    };
    let verifier = common::verifier();
    // Flipping a bit in one base64url character (kept in the alphabet) at a few places.
    for position in [0, signature.len() / 2, signature.len().saturating_sub(2)] {
        let mut bytes = signature.as_bytes().to_vec();
        let Some(byte) = bytes.get_mut(position) else {
            continue;
        };
        *byte = match *byte {
            b'A' => b'B',
            b'a' => b'b',
            b'0' => b'1',
            _ => b'A',
        };
        let changed = format!("{input}.{}", String::from_utf8_lossy(&bytes));
        if changed != token {
            assert!(
                verifier.verify::<NoCustomClaims>(&changed).is_err(),
                "{alg:?}: a changed signature verified"
            );
        }
    }
}
