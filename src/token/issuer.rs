//! Issuing tokens: sign claims with one key, its algorithm and its `kid`.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use super::clock::Clock;
use super::{KeyError, SigningKey, b64};

/// Default token lifetime: 15 minutes.
pub const DEFAULT_TTL: Duration = Duration::from_secs(15 * 60);
/// Longest lifetime an issuer accepts: 30 days.
pub const MAX_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// Why a token could not be issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The custom claims are not a JSON object (or nothing).
    #[error("custom claims must serialize to a JSON object")]
    NotAnObject,
    /// The custom claims set a claim the issuer sets itself.
    #[error("custom claims may not set `{claim}`; the issuer sets it")]
    ReservedClaim {
        /// The claim's name.
        claim: &'static str,
    },
    /// The subject is empty.
    #[error("subject must not be empty")]
    EmptySubject,
    /// Signing failed.
    #[error("signing failed")]
    Signing,
}

impl IssueError {
    /// The stable, snake_case error code.
    pub const fn code(&self) -> &'static str {
        match self {
            IssueError::NotAnObject => "invalid_claims",
            IssueError::ReservedClaim { .. } => "reserved_claim",
            IssueError::EmptySubject => "missing_claim",
            IssueError::Signing => "signing_failed",
        }
    }
}

/// Claims the issuer sets itself; `cnf` only through
/// [`issue_bound`](Issuer::issue_bound), so a binding is always one this crate can
/// check.
const RESERVED: [&str; 8] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf"];

/// Issues signed tokens: `iss`, `sub`, `aud`, `iat`, `exp` (from the TTL), optional
/// `nbf`, and a random 128-bit `jti`, plus the caller's claims. The header carries the
/// key's algorithm and `kid`, and `typ` (default `JWT`).
///
/// ```
/// use std::time::Duration;
/// use portcullis::token::{Algorithm, Issuer, SigningKey};
///
/// let issuer = Issuer::builder(SigningKey::generate(Algorithm::EdDSA)?)
///     .issuer("https://auth.example")
///     .audience("orders")
///     .ttl(Duration::from_secs(300))
///     .build()?;
/// let token = issuer.issue("alice", &serde_json::json!({ "roles": ["clerk"] }))?;
/// assert_eq!(token.split('.').count(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Issuer {
    key: SigningKey,
    header: String,
    iss: Option<String>,
    aud: Vec<String>,
    ttl: i64,
    nbf: bool,
    clock: Clock,
}

/// Settings for an [`Issuer`].
#[must_use]
pub struct IssuerBuilder {
    key: SigningKey,
    iss: Option<String>,
    aud: Vec<String>,
    ttl: Duration,
    nbf: bool,
    typ: String,
    clock: Option<Clock>,
}

impl Issuer {
    /// Starts an issuer that signs with `key`.
    pub fn builder(key: SigningKey) -> IssuerBuilder {
        IssuerBuilder {
            key,
            iss: None,
            aud: Vec::new(),
            ttl: DEFAULT_TTL,
            nbf: false,
            typ: "JWT".into(),
            clock: None,
        }
    }

    /// Signs a token for `subject` with the caller's `custom` claims (any value that
    /// serializes to a JSON object, or `()` for none).
    pub fn issue(&self, subject: &str, custom: &impl Serialize) -> Result<String, IssueError> {
        self.issue_with(subject, custom, None)
    }

    /// As [`issue`](Self::issue), for a token bound to the client certificate whose
    /// DER has the SHA-256 `certificate_sha256` (RFC 8705 §3.1: `cnf` holds
    /// `x5t#S256`). The gate refuses it over any connection without that
    /// certificate ([`Principal::confirm_certificate`](crate::Principal::confirm_certificate)),
    /// so a stolen token is of no use without the client's private key. The
    /// thumbprint of a connection's certificate is
    /// `tls::PeerIdentity::thumbprint` (feature `tls`).
    ///
    /// ```
    /// use portcullis::token::{Algorithm, Issuer, SigningKey};
    ///
    /// let issuer = Issuer::builder(SigningKey::generate(Algorithm::EdDSA)?).build()?;
    /// let token = issuer.issue_bound("billing", &(), &[7u8; 32])?;
    /// # let _ = token;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issue_bound(
        &self,
        subject: &str,
        custom: &impl Serialize,
        certificate_sha256: &[u8; 32],
    ) -> Result<String, IssueError> {
        self.issue_with(subject, custom, Some(certificate_sha256))
    }

    fn issue_with(
        &self,
        subject: &str,
        custom: &impl Serialize,
        certificate_sha256: Option<&[u8; 32]>,
    ) -> Result<String, IssueError> {
        if subject.is_empty() {
            return Err(IssueError::EmptySubject);
        }
        let mut claims = match serde_json::to_value(custom).map_err(|_| IssueError::NotAnObject)? {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            _ => return Err(IssueError::NotAnObject),
        };
        if let Some(claim) = RESERVED.iter().find(|name| claims.contains_key(**name)) {
            return Err(IssueError::ReservedClaim { claim });
        }
        let now = (self.clock)();
        let mut registered = Map::new();
        if let Some(iss) = &self.iss {
            registered.insert("iss".into(), iss.clone().into());
        }
        registered.insert("sub".into(), subject.into());
        match self.aud.as_slice() {
            [] => {}
            [one] => {
                registered.insert("aud".into(), one.clone().into());
            }
            many => {
                registered.insert("aud".into(), many.to_vec().into());
            }
        }
        registered.insert("iat".into(), now.into());
        if self.nbf {
            registered.insert("nbf".into(), now.into());
        }
        registered.insert("exp".into(), now.saturating_add(self.ttl).into());
        registered.insert("jti".into(), random_id()?.into());
        if let Some(thumbprint) = certificate_sha256 {
            let mut cnf = Map::new();
            cnf.insert("x5t#S256".into(), b64::encode(thumbprint).into());
            registered.insert("cnf".into(), cnf.into());
        }
        registered.append(&mut claims);
        let payload = serde_json::to_vec(&registered).map_err(|_| IssueError::Signing)?;

        let mut token = String::with_capacity(self.header.len() + payload.len() * 4 / 3 + 400);
        token.push_str(&self.header);
        token.push('.');
        b64::encode_into(&payload, &mut token);
        let signature = self.key.sign(token.as_bytes()).map_err(|_| IssueError::Signing)?;
        token.push('.');
        b64::encode_into(&signature, &mut token);
        Ok(token)
    }

    /// The signing key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }
}

fn random_id() -> Result<String, IssueError> {
    use ring::rand::SecureRandom;
    let mut id = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut id)
        .map_err(|_| IssueError::Signing)?;
    Ok(b64::encode(&id))
}

impl IssuerBuilder {
    /// The `iss` of every token.
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.iss = Some(iss.into());
        self
    }

    /// Adds an audience (one becomes a string `aud`, several an array).
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        self.aud.push(aud.into());
        self
    }

    /// Lifetime of each token (default 15 minutes, 1 second to 30 days).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Whether to set `nbf` to the issue time (default: no).
    pub fn not_before(mut self, nbf: bool) -> Self {
        self.nbf = nbf;
        self
    }

    /// The `typ` header (default `JWT`; `at+jwt` for RFC 9068 access tokens).
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = typ.into();
        self
    }

    /// Replaces the clock (seconds since the epoch).
    pub fn clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Some(std::sync::Arc::new(clock));
        self
    }

    /// Builds the issuer.
    pub fn build(self) -> Result<Issuer, KeyError> {
        if self.ttl < Duration::from_secs(1) || self.ttl > MAX_TTL {
            return Err(KeyError::Config {
                reason: "ttl must be 1 second to 30 days",
            });
        }
        if self.iss.as_deref() == Some("") || self.aud.iter().any(String::is_empty) || self.typ.is_empty() {
            return Err(KeyError::Config {
                reason: "issuer, audience and typ must not be empty",
            });
        }
        #[derive(Serialize)]
        struct JoseHeader<'a> {
            alg: &'a str,
            typ: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            kid: Option<&'a str>,
        }
        let header = serde_json::to_vec(&JoseHeader {
            alg: self.key.algorithm().as_str(),
            typ: &self.typ,
            kid: self.key.kid(),
        })
        .map_err(|_| KeyError::Config { reason: "header" })?;
        Ok(Issuer {
            header: b64::encode(&header),
            ttl: self.ttl.as_secs() as i64,
            key: self.key,
            iss: self.iss,
            aud: self.aud,
            nbf: self.nbf,
            clock: self
                .clock
                .unwrap_or_else(|| std::sync::Arc::new(super::clock::system_clock)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::{Algorithm, KeySet, Verifier};

    #[test]
    fn issued_claims_are_the_issuers_own_and_cnf_only_through_issue_bound() {
        let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let verifier = Verifier::builder(KeySet::single(key.verifying_key())).build().unwrap();
        let issuer = Issuer::builder(key).build().unwrap();
        for claim in RESERVED {
            let custom = serde_json::json!({ claim: { "x5t#S256": "x" } });
            assert_eq!(issuer.issue("a", &custom), Err(IssueError::ReservedClaim { claim }));
        }
        let token = issuer
            .issue_bound("a", &serde_json::json!({ "roles": ["r"] }), &[9; 32])
            .unwrap();
        let principal = verifier.verify_principal(&token).unwrap();
        assert_eq!(principal.certificate_sha256(), Some(&[9; 32]));
        assert_eq!(principal.roles(), ["r"]);
        let claims: serde_json::Value = principal.claims().unwrap();
        assert_eq!(claims["cnf"], serde_json::json!({ "x5t#S256": b64::encode(&[9; 32]) }));
        // Nothing that cannot check the binding takes a bound token.
        let refused = Err(crate::token::TokenError::InvalidClaim { claim: "cnf".into() });
        assert_eq!(verifier.verify_registered(&token).map(drop), refused);
        assert_eq!(verifier.verify::<serde_json::Value>(&token).map(drop), refused);
        assert!(verifier.verify_registered(&issuer.issue("a", &()).unwrap()).is_ok());
    }
}
