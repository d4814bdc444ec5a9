#![allow(dead_code)]
//! The floor a verifier is measured against: a JWT check written the naive way on
//! ring, base64 and serde, as a service would write it by hand. It decodes the
//! header and checks `alg`, decodes the signature and verifies it with ring,
//! decodes the payload into one struct with serde, and checks `exp`, `nbf`, `iss`
//! and `aud`. Nothing else: no duplicate-member or depth rules, no `crit`, `typ`
//! or `kid` handling, no canonical-base64 check, no revocation, no audit.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portcullis::token::{Algorithm, Jwk};
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;

/// A key as ring takes it.
pub enum Floor {
    Hmac(ring::hmac::Key),
    Rsa(Vec<u8>, Vec<u8>),
    Ec(Vec<u8>),
    Ed(Vec<u8>),
}

impl Floor {
    /// From a JWK (a private one for HS256: its `k`).
    pub fn from_jwk(alg: Algorithm, jwk: &Jwk) -> Floor {
        let member = |value: &Option<String>| {
            URL_SAFE_NO_PAD
                .decode(value.as_deref().unwrap_or_default())
                .expect("base64url member")
        };
        match alg {
            Algorithm::HS256 => Floor::Hmac(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &member(&jwk.k))),
            Algorithm::RS256 => Floor::Rsa(member(&jwk.n), member(&jwk.e)),
            Algorithm::ES256 => {
                let mut point = vec![4];
                point.extend(member(&jwk.x));
                point.extend(member(&jwk.y));
                Floor::Ec(point)
            }
            Algorithm::EdDSA => Floor::Ed(member(&jwk.x)),
            other => panic!("no floor for {other}"),
        }
    }

    pub fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        match self {
            Floor::Hmac(key) => ring::hmac::verify(key, message, sig).is_ok(),
            Floor::Rsa(n, e) => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
                .is_ok(),
            Floor::Ec(point) => UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(message, sig)
                .is_ok(),
            Floor::Ed(public) => UnparsedPublicKey::new(&signature::ED25519, public)
                .verify(message, sig)
                .is_ok(),
        }
    }
}

/// Everything an access token carries, as a service would decode it.
#[derive(Debug, Clone, Deserialize)]
#[allow(dead_code)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    #[serde(default)]
    pub nbf: Option<i64>,
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub jti: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub tenant: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// The naive verifier.
pub struct Naive {
    pub alg: &'static str,
    pub floor: Floor,
    pub iss: String,
    pub aud: String,
}

impl Naive {
    pub fn new(alg: Algorithm, jwk: &Jwk, iss: &str, aud: &str) -> Naive {
        Naive {
            alg: alg.as_str(),
            floor: Floor::from_jwk(alg, jwk),
            iss: iss.to_owned(),
            aud: aud.to_owned(),
        }
    }

    /// The claims of a valid token at `now`.
    pub fn verify(&self, token: &str, now: i64) -> Option<AccessClaims> {
        let (message, sig_b64) = token.rsplit_once('.')?;
        let (header_b64, payload_b64) = message.split_once('.')?;
        let header: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_b64).ok()?).ok()?;
        if header.alg != self.alg {
            return None;
        }
        let sig = URL_SAFE_NO_PAD.decode(sig_b64).ok()?;
        if !self.floor.verify(message.as_bytes(), &sig) {
            return None;
        }
        let payload = URL_SAFE_NO_PAD.decode(payload_b64).ok()?;
        let claims: AccessClaims = serde_json::from_slice(&payload).ok()?;
        let valid = now < claims.exp
            && claims.nbf.is_none_or(|nbf| nbf <= now)
            && claims.iss == self.iss
            && claims.aud == self.aud;
        valid.then_some(claims)
    }
}

/// Seconds since the epoch, as a layer reads the clock per request.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// The naive axum layer (`axum::middleware::from_fn_with_state`): the bearer token
/// checked, its claims put in the request's extensions, 401 otherwise.
pub async fn axum_layer(
    axum::extract::State(naive): axum::extract::State<std::sync::Arc<Naive>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let token = bearer(
        request
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .map(|v| v.as_bytes()),
    );
    match token.and_then(|token| naive.verify(token, now())) {
        Some(claims) => {
            request.extensions_mut().insert(claims);
            next.run(request).await
        }
        None => axum::http::StatusCode::UNAUTHORIZED.into_response(),
    }
}

/// The naive actix-web middleware (`actix_web::middleware::from_fn`, with the
/// verifier captured): the same check, the claims in the request's extensions.
pub async fn actix_layer<B: actix_web::body::MessageBody>(
    naive: std::sync::Arc<Naive>,
    request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<actix_web::dev::ServiceResponse<B>, actix_web::Error> {
    use actix_web::HttpMessage;
    let token = bearer(
        request
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .map(|v| v.as_bytes()),
    );
    match token.and_then(|token| naive.verify(token, now())) {
        Some(claims) => {
            request.extensions_mut().insert(claims);
            next.call(request).await
        }
        None => Err(actix_web::error::ErrorUnauthorized("unauthorized")),
    }
}

/// The token of an `Authorization: Bearer` header value.
fn bearer(value: Option<&[u8]>) -> Option<&str> {
    std::str::from_utf8(value?).ok()?.strip_prefix("Bearer ")
}
