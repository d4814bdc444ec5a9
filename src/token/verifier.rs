//! Token verification: one [`Verifier`], built once, checking everything RFC 7519 and
//! RFC 8725 ask for, in a fixed order, with a stable error code for each failure.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;

use super::header::{self, Header};
use super::{Algorithm, KeyError, KeySet, RegisteredClaims, TokenError, b64, claims};
use crate::principal::{Principal, PrincipalMapping};

/// Default [`VerifierBuilder::max_token_size`]: 8 KiB.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Largest size limit a verifier accepts: 256 KiB.
pub const MAX_TOKEN_BYTES_LIMIT: usize = 256 * 1024;
/// Default leeway for time claims: 30 seconds.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
/// Largest leeway a verifier accepts: 5 minutes.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// Longest signature decoded, in bytes (an 8192-bit RSA signature).
const MAX_SIGNATURE_BYTES: usize = 1024;
/// Headers up to this size decode on the stack.
const HEADER_STACK_BYTES: usize = 256;
/// Signatures up to this size (HMAC, ECDSA, Ed25519) decode on the stack; RSA's go to
/// the heap, where they are dwarfed by the RSA operation itself.
const SIGNATURE_STACK_BYTES: usize = 128;

/// The current time, in whole seconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// A verified token: its registered claims, the caller's custom claims, and how it was
/// signed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Verified<C> {
    /// `iss`, `sub`, `aud`, `exp`, `nbf`, `iat`, `jti`.
    pub claims: RegisteredClaims,
    /// The caller's claims type, deserialized from the same payload.
    pub custom: C,
    /// The algorithm of the key that verified the token.
    pub alg: Algorithm,
}

/// Custom claims for callers that want none: accepts any claims and keeps nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoCustomClaims;

impl<'de> serde::Deserialize<'de> for NoCustomClaims {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| NoCustomClaims)
    }
}

/// Verifies compact JWS tokens against a [`KeySet`] and a fixed set of expectations.
///
/// Built once with [`Verifier::builder`]; cloning is cheap (an `Arc`). Checks, in
/// order: size (before any decoding), structure and canonical base64url, header rules
/// (`alg`, `crit`, `b64`, `cty`), key selection by `kid`, algorithm match, signature,
/// payload JSON (one object, unique members, registered claims of the right type),
/// `exp`/`nbf`/`iat` with leeway, maximum age, `typ`, issuer, audience, required claims.
///
/// ```
/// use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Claims { scope: String }
///
/// let signing = SigningKey::generate(Algorithm::ES256)?.with_kid("k1")?;
/// let verifier = Verifier::builder(KeySet::single(signing.verifying_key()))
///     .issuer("https://auth.example")
///     .audience("orders")
///     .build()?;
/// let issuer = Issuer::builder(signing)
///     .issuer("https://auth.example")
///     .audience("orders")
///     .build()?;
///
/// let token = issuer.issue("alice", &serde_json::json!({ "scope": "orders.read" }))?;
/// let verified = verifier.verify::<Claims>(&token)?;
/// assert_eq!(verified.claims.sub.as_deref(), Some("alice"));
/// assert_eq!(verified.custom.scope, "orders.read");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Settings>,
}

struct Settings {
    keys: KeySet,
    issuers: Vec<String>,
    audiences: Vec<String>,
    required: Vec<String>,
    leeway: i64,
    max_size: usize,
    typ: Option<String>,
    max_age: Option<i64>,
    require_exp: bool,
    clock: Clock,
    mapping: PrincipalMapping,
}

/// Settings for a [`Verifier`]; every one has a safe default.
#[must_use]
pub struct VerifierBuilder {
    settings: Settings,
    error: Option<KeyError>,
}

pub(crate) fn system_clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl Verifier {
    /// Starts a verifier for `keys`: `exp` required, leeway 30 s, tokens up to 8 KiB,
    /// no issuer or audience expected (a token that carries `aud` is then rejected, as
    /// RFC 7519 §4.1.3 requires: configure the audience you are).
    pub fn builder(keys: impl Into<KeySet>) -> VerifierBuilder {
        super::crypto::install();
        VerifierBuilder {
            settings: Settings {
                keys: keys.into(),
                issuers: Vec::new(),
                audiences: Vec::new(),
                required: Vec::new(),
                leeway: DEFAULT_LEEWAY.as_secs() as i64,
                max_size: DEFAULT_MAX_TOKEN_BYTES,
                typ: None,
                max_age: None,
                require_exp: true,
                clock: Arc::new(system_clock),
                mapping: PrincipalMapping::default(),
            },
            error: None,
        }
    }

    /// Verifies `token` and deserializes its claims into `C` in the same pass.
    ///
    /// `C` sees every claim, registered ones included; use [`NoCustomClaims`] (or
    /// [`verify_registered`](Self::verify_registered)) when you need none.
    pub fn verify<C: DeserializeOwned>(&self, token: &str) -> Result<Verified<C>, TokenError> {
        let s = &*self.inner;
        if token.len() > s.max_size {
            return Err(TokenError::TooLarge {
                size: token.len(),
                limit: s.max_size,
            });
        }
        let bytes = token.as_bytes();
        let mut dots = bytes.iter().enumerate().filter(|(_, b)| **b == b'.').map(|(i, _)| i);
        let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
            return Err(TokenError::malformed("not three dot-separated parts"));
        };
        let (header_b64, payload_b64, signature_b64) =
            (&bytes[..first], &bytes[first + 1..second], &bytes[second + 1..]);

        let mut header_stack = [0u8; HEADER_STACK_BYTES];
        let header_json = b64::decode_buffered(header_b64, &mut header_stack)
            .ok_or(TokenError::malformed("header is not canonical base64url"))?;
        let header = Header::parse(&header_json)?;
        let checked = header.check()?;
        let alg: Algorithm = checked.alg.parse().map_err(|_| TokenError::UnsupportedAlgorithm)?;
        let key = s.keys.select(checked.kid)?;
        if key.algorithm() != alg {
            return Err(TokenError::AlgorithmMismatch {
                expected: key.algorithm(),
            });
        }

        if signature_b64.len() > MAX_SIGNATURE_BYTES * 4 / 3 + 2 {
            return Err(TokenError::InvalidSignature);
        }
        let mut signature_stack = [0u8; SIGNATURE_STACK_BYTES];
        let signature = b64::decode_buffered(signature_b64, &mut signature_stack)
            .ok_or(TokenError::malformed("signature is not canonical base64url"))?;
        if !key.verify_signature(&bytes[..second], &signature) {
            return Err(TokenError::InvalidSignature);
        }

        if let Some(required) = &s.typ
            && !checked.typ.is_some_and(|typ| header::typ_matches(typ, required))
        {
            return Err(TokenError::invalid_claim("typ"));
        }

        let payload = b64::decode(payload_b64).ok_or(TokenError::malformed("payload is not canonical base64url"))?;
        let payload = std::str::from_utf8(&payload).map_err(|_| TokenError::malformed("payload is not UTF-8"))?;
        if !super::json::depth_within_limit(payload.as_bytes()) {
            return Err(TokenError::malformed("claims nest too deeply"));
        }
        let (custom, scan) = claims::parse::<C>(payload)?;
        s.check_claims(&scan)?;
        Ok(Verified {
            claims: scan.registered,
            custom,
            alg,
        })
    }

    /// Verifies `token`, keeping only its registered claims.
    pub fn verify_registered(&self, token: &str) -> Result<Verified<NoCustomClaims>, TokenError> {
        self.verify(token)
    }

    /// Verifies `token` and maps its claims to a [`Principal`] with the builder's
    /// [`PrincipalMapping`]. The token must carry `sub`.
    pub fn verify_principal(&self, token: &str) -> Result<Principal, TokenError> {
        let verified = self.verify::<serde_json::Map<String, serde_json::Value>>(token)?;
        Principal::from_claims(verified.claims, verified.custom, &self.inner.mapping)
    }

    /// The keys this verifier selects from.
    pub fn keys(&self) -> &KeySet {
        &self.inner.keys
    }
}

impl Settings {
    fn check_claims(&self, scan: &claims::Scan<'_>) -> Result<(), TokenError> {
        let claims = &scan.registered;
        let now = (self.clock)();
        let leeway = self.leeway;
        match claims.exp {
            Some(exp) if now >= exp.saturating_add(leeway) => return Err(TokenError::Expired),
            None if self.require_exp => return Err(TokenError::missing_claim("exp")),
            _ => {}
        }
        if claims.nbf.is_some_and(|nbf| now < nbf.saturating_sub(leeway)) {
            return Err(TokenError::NotYetValid);
        }
        if claims.iat.is_some_and(|iat| iat > now.saturating_add(leeway)) {
            return Err(TokenError::IssuedInFuture);
        }
        if let Some(max_age) = self.max_age {
            let iat = claims.iat.ok_or(TokenError::missing_claim("iat"))?;
            if now.saturating_sub(iat) > max_age.saturating_add(leeway) {
                return Err(TokenError::Expired);
            }
        }
        if !self.issuers.is_empty() {
            let iss = claims.iss.as_deref().ok_or(TokenError::missing_claim("iss"))?;
            if !self.issuers.iter().any(|expected| expected == iss) {
                return Err(TokenError::InvalidIssuer);
            }
        }
        if !self.audiences.is_empty() {
            if !scan.aud_present {
                return Err(TokenError::missing_claim("aud"));
            }
            if !claims.aud.iter().any(|aud| self.audiences.contains(aud)) {
                return Err(TokenError::InvalidAudience);
            }
        } else if scan.aud_present {
            return Err(TokenError::InvalidAudience);
        }
        for name in &self.required {
            if !scan.members.contains(name) {
                return Err(TokenError::missing_claim(name.clone()));
            }
        }
        Ok(())
    }
}

impl VerifierBuilder {
    fn fail(mut self, reason: &'static str) -> Self {
        self.error.get_or_insert(KeyError::Config { reason });
        self
    }

    /// Accepts tokens from this issuer (compared exactly; call again for several).
    /// Makes `iss` required.
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        let iss = iss.into();
        if iss.is_empty() {
            return self.fail("issuer must not be empty");
        }
        self.settings.issuers.push(iss);
        self
    }

    /// Accepts tokens for this audience (call again for several; a token naming any
    /// one passes). Makes `aud` required.
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        let aud = aud.into();
        if aud.is_empty() {
            return self.fail("audience must not be empty");
        }
        self.settings.audiences.push(aud);
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 30 s, at most 5 min).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        if leeway > MAX_LEEWAY {
            return self.fail("leeway over 5 minutes");
        }
        self.settings.leeway = leeway.as_secs() as i64;
        self
    }

    /// Requires a claim to be present (any value), e.g. `"jti"`.
    pub fn require_claim(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        if name.is_empty() {
            return self.fail("required claim name must not be empty");
        }
        self.settings.required.push(name);
        self
    }

    /// Whether `exp` is required (default: yes). Turning it off accepts tokens that
    /// never expire; `exp` is still checked when present.
    pub fn require_exp(mut self, required: bool) -> Self {
        self.settings.require_exp = required;
        self
    }

    /// Largest token accepted, in bytes, checked before any decoding (default 8 KiB,
    /// 256 bytes to 256 KiB).
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        if !(256..=MAX_TOKEN_BYTES_LIMIT).contains(&bytes) {
            return self.fail("max token size must be 256 bytes to 256 KiB");
        }
        self.settings.max_size = bytes;
        self
    }

    /// Requires the `typ` header, e.g. `"at+jwt"` for RFC 9068 access tokens (compared
    /// case-insensitively, `application/` optional).
    pub fn require_typ(mut self, typ: impl Into<String>) -> Self {
        let typ = typ.into();
        if typ.is_empty() {
            return self.fail("typ must not be empty");
        }
        self.settings.typ = Some(typ);
        self
    }

    /// Rejects tokens issued longer ago than `age` (as `expired`); makes `iat` required.
    pub fn max_age(mut self, age: Duration) -> Self {
        self.settings.max_age = Some(i64::try_from(age.as_secs()).unwrap_or(i64::MAX));
        self
    }

    /// Replaces the clock (seconds since the epoch). For tests and for replaying
    /// tokens at a known time.
    pub fn clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.settings.clock = Arc::new(clock);
        self
    }

    /// How [`Verifier::verify_principal`] reads roles, scopes and tenant.
    pub fn principal_mapping(mut self, mapping: PrincipalMapping) -> Self {
        self.settings.mapping = mapping;
        self
    }

    /// Builds the verifier, or reports the first invalid setting.
    pub fn build(self) -> Result<Verifier, KeyError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        Ok(Verifier {
            inner: Arc::new(self.settings),
        })
    }
}
