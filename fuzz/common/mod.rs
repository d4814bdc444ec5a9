//! What several fuzz targets share: the fixed keys and verifier of the token targets,
//! and percent-decoding as a browser or a file server might do it.

#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::Duration;

use portcullis::token::{Issuer, JwkSet, KeySet, SigningKey, Verifier};

/// "Now" for every verifier here, so that a run is reproducible.
pub const NOW: i64 = 1_796_600_000;
pub const ISSUER: &str = "https://issuer.example";
pub const AUDIENCE: &str = "api";

/// The private JWKS of `fuzz/keys.json`: one fixed test key per algorithm
/// (HS256/384/512, RS256 and PS256 on RFC 7515 A.2's published key, ES256, ES384,
/// EdDSA), so that seed tokens signed with them verify and mutations reach the
/// claim checks.
pub fn private_jwks() -> &'static JwkSet {
    static KEYS: OnceLock<JwkSet> = OnceLock::new();
    KEYS.get_or_init(|| JwkSet::from_json(include_str!("../keys.json")).expect("fuzz/keys.json is a JWKS"))
}

/// A verifier for every key of [`private_jwks`], at [`NOW`], for [`ISSUER`] and
/// [`AUDIENCE`].
pub fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let keys = private_jwks()
            .keys
            .iter()
            .map(|jwk| SigningKey::from_jwk(jwk).expect("fixed key").verifying_key());
        Verifier::builder(KeySet::new(keys).expect("distinct kids"))
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .leeway(Duration::from_secs(30))
            .clock(|| NOW)
            .build()
            .expect("verifier")
    })
}

/// An issuer signing with the fixed key of `kid`, at [`NOW`].
pub fn issuer(kid: &str) -> Issuer {
    let jwk = private_jwks()
        .keys
        .iter()
        .find(|jwk| jwk.kid.as_deref() == Some(kid))
        .expect("fixed kid");
    Issuer::builder(SigningKey::from_jwk(jwk).expect("fixed key"))
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .clock(|| NOW)
        .build()
        .expect("issuer")
}

/// Every stable code a token refusal may carry (DESIGN.md, "Token rules").
pub const TOKEN_CODES: &[&str] = &[
    "malformed",
    "too_large",
    "unsupported_algorithm",
    "algorithm_mismatch",
    "unknown_key",
    "invalid_signature",
    "expired",
    "not_yet_valid",
    "issued_in_future",
    "invalid_issuer",
    "invalid_audience",
    "missing_claim",
    "invalid_claim",
    "unsupported_critical_header",
    "revoked",
    "ambiguous_key",
    "keys_unavailable",
];

/// `%HH` decoded once, the bytes read as UTF-8 (lossily); `None` when nothing was
/// decoded.
pub fn percent_decode(form: &str) -> Option<String> {
    let bytes = form.as_bytes();
    let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut changed = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(high), Some(low)) = (hex(bytes.get(i + 1)), hex(bytes.get(i + 2)))
        {
            // Two hex digits: at most 255.
            out.push((high * 16 + low) as u8);
            changed = true;
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    changed.then(|| String::from_utf8_lossy(&out).into_owned())
}
