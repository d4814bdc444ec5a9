//! `portcullis keygen`.

use std::path::PathBuf;
use std::process::ExitCode;

use portcullis::token::{Algorithm, Jwk, JwkSet, KeyFamily, SigningKey};

use crate::ConfigError;
use crate::io;

#[derive(clap::Args)]
pub struct Args {
    /// Algorithm the key is for (HS256, RS256, PS256, ES256, EdDSA, ...).
    #[arg(long)]
    alg: Algorithm,
    /// Key id (default: the key's RFC 7638 thumbprint).
    #[arg(long)]
    kid: Option<String>,
    /// Where to write the private JWKS (mode 0600); standard output if absent.
    #[arg(long)]
    private_out: Option<PathBuf>,
    /// Where to write the public JWKS (for HS* this is the secret itself).
    #[arg(long)]
    jwks_out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, ConfigError> {
    let mut jwk = match args.alg.family() {
        KeyFamily::Rsa => rsa_jwk(args.alg)?,
        _ => SigningKey::generate_jwk(args.alg)?,
    };
    jwk.kid = Some(match args.kid {
        Some(kid) => kid,
        None => jwk.to_public().unwrap_or_else(|| jwk.clone()).thumbprint()?,
    });
    // Prove the key loads and signs before writing anything.
    let key = SigningKey::from_jwk(&jwk)?;
    let public = match key.verifying_key().to_jwk() {
        Some(public) => public,
        None => {
            eprintln!("portcullis: note: an HS* JWKS holds the shared secret; keep --jwks-out private too");
            jwk.clone()
        }
    };
    let private = zeroize::Zeroizing::new(to_json(&JwkSet { keys: vec![jwk] })?);
    match &args.private_out {
        Some(path) => io::write_file(path, &private, true)?,
        None => println!("{}", String::from_utf8_lossy(&private)),
    }
    if let Some(path) = &args.jwks_out {
        let hmac = args.alg.family() == KeyFamily::Hmac;
        io::write_file(path, &to_json(&JwkSet { keys: vec![public] })?, hmac)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn to_json(set: &JwkSet) -> Result<Vec<u8>, ConfigError> {
    let mut out = serde_json::to_vec_pretty(set)?;
    out.push(b'\n');
    Ok(out)
}

/// ring cannot generate RSA keys; the `rsa` crate does, and ring signs with the result.
fn rsa_jwk(alg: Algorithm) -> Result<Jwk, ConfigError> {
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    let bits = match alg {
        Algorithm::RS256 | Algorithm::PS256 => 2048,
        _ => 3072,
    };
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits)?;
    let b64 = |n: &rsa::BigUint| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(n.to_bytes_be())
    };
    let [p, q] = key.primes() else {
        return Err(ConfigError(
            "RSA key generation produced an unexpected number of primes".into(),
        ));
    };
    let (Some(dp), Some(dq), Some(qi)) = (key.dp(), key.dq(), key.crt_coefficient()) else {
        return Err(ConfigError("RSA key generation produced no CRT values".into()));
    };
    let mut jwk = Jwk::default();
    jwk.kty = "RSA".into();
    jwk.alg = Some(alg.as_str().into());
    jwk.key_use = Some("sig".into());
    jwk.n = Some(b64(key.n()));
    jwk.e = Some(b64(key.e()));
    jwk.d = Some(b64(key.d()));
    jwk.p = Some(b64(p));
    jwk.q = Some(b64(q));
    jwk.dp = Some(b64(dp));
    jwk.dq = Some(b64(dq));
    jwk.qi = Some(b64(&qi));
    Ok(jwk)
}
