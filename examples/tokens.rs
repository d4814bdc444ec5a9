//! A walk through portcullis's token core with an ephemeral key: no setup, no files.
//!
//! `cargo run --example tokens`
//!
//! It issues an access token for alice, verifies it into a `Principal`, then shows
//! forged, expired, re-targeted, unknown-key, `alg: none` and algorithm-swapped tokens
//! refused, each with its stable error code. The HTTP service that puts it all
//! together is `examples/demo.rs`.

use std::time::Duration;

use portcullis::token::{Algorithm, Issuer, Jwk, KeySet, SigningKey, Verifier};

const ISSUER: &str = "https://auth.demo.example";

fn issuer(jwk: &Jwk, audience: &str, clock: fn() -> i64) -> Result<Issuer, Box<dyn std::error::Error>> {
    Ok(Issuer::builder(SigningKey::from_jwk(jwk)?)
        .issuer(ISSUER)
        .audience(audience)
        .ttl(Duration::from_secs(600))
        .clock(clock)
        .build()?)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut jwk = SigningKey::generate_jwk(Algorithm::ES256)?;
    jwk.kid = Some("demo-1".into());
    let verifier = Verifier::builder(KeySet::single(SigningKey::from_jwk(&jwk)?.verifying_key()))
        .issuer(ISSUER)
        .audience("orders")
        .build()?;

    let claims = serde_json::json!({ "roles": ["clerk"], "scope": "orders.read orders.write", "tenant": "acme" });
    let token = issuer(&jwk, "orders", now)?.issue("alice", &claims)?;
    println!("issued an ES256 token for alice ({} bytes):\n{token}\n", token.len());
    let alice = verifier.verify_principal(&token)?;
    println!(
        "accepted: subject={} roles={:?} scopes={:?} tenant={:?}\n",
        alice.subject(),
        alice.roles(),
        alice.scopes(),
        alice.tenant()
    );

    let (signed, signature) = token.rsplit_once('.').ok_or("three parts")?;
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let mut other_key = SigningKey::generate_jwk(Algorithm::ES256)?;
    other_key.kid = Some("demo-2".into());
    let mut hmac_key = SigningKey::generate_jwk(Algorithm::HS256)?;
    hmac_key.kid = Some("demo-1".into());

    let attempts = [
        ("signature changed", format!("{signed}.{flipped}{}", &signature[1..])),
        (
            "issued an hour ago",
            issuer(&jwk, "orders", || now() - 3600)?.issue("alice", &())?,
        ),
        (
            "meant for another service",
            issuer(&jwk, "billing", now)?.issue("alice", &())?,
        ),
        (
            "signed by an unknown key",
            issuer(&other_key, "orders", now)?.issue("alice", &())?,
        ),
        (
            "HS256 naming the ES256 key",
            issuer(&hmac_key, "orders", now)?.issue("alice", &())?,
        ),
        (
            "alg none",
            format!("eyJhbGciOiJub25lIn0.{}.", signed.split_once('.').ok_or("parts")?.1),
        ),
    ];
    for (what, attempt) in attempts {
        match verifier.verify_principal(&attempt) {
            Err(err) => println!("refused  {what:<28} code={:<20} {err}", err.code()),
            Ok(_) => println!("ACCEPTED {what}: this is a bug"),
        }
    }
    Ok(())
}
