//! Token verification: one [`Verifier`], built once, checking everything RFC 7519 and
//! RFC 8725 ask for, in a fixed order, with a stable error code for each failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed};

use super::PrincipalMapping;
use super::cache::{Entry, Lifetime, TokenCache};
use super::claims::{Aud, Registered, Text};
use super::clock::{Clock, DEFAULT_LEEWAY, MAX_LEEWAY, system_clock};
use super::header::{self, Header};
use super::revocation::{Revocation, TokenIdentity};
use super::{Algorithm, KeyError, KeySet, RegisteredClaims, TokenError, VerifyingKey, b64, claims};
use crate::Principal;

/// Default [`VerifierBuilder::max_token_size`]: 8 KiB.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Largest size limit a verifier accepts: 256 KiB.
pub const MAX_TOKEN_BYTES_LIMIT: usize = 256 * 1024;

/// Longest signature decoded, in bytes (an 8192-bit RSA signature).
const MAX_SIGNATURE_BYTES: usize = 1024;
/// Headers up to this size decode on the stack.
const HEADER_STACK_BYTES: usize = 256;
/// Signatures up to this size (HMAC, ECDSA, Ed25519) decode on the stack; RSA's go to
/// the heap, where they are dwarfed by the RSA operation itself.
const SIGNATURE_STACK_BYTES: usize = 128;

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

/// A verified token as [`Verifier::verify_with`] returns it.
struct Checked<T> {
    /// What the seed read.
    custom: T,
    /// The registered claims, their strings in `payload`.
    registered: Registered,
    alg: Algorithm,
    /// The generation of the keys that verified it.
    generation: u64,
    /// The payload's JSON text.
    payload: String,
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

/// Where a [`Verifier`]'s keys come from: a fixed [`KeySet`] (or one key), or
/// (feature `jwks`) a [`RemoteKeySet`](super::RemoteKeySet) kept fresh from an
/// identity provider.
#[derive(Clone)]
pub struct KeySource(Source);

#[derive(Clone)]
enum Source {
    Static(Arc<KeySet>),
    #[cfg(feature = "jwks")]
    Remote(super::RemoteKeySet),
}

impl From<KeySet> for KeySource {
    fn from(keys: KeySet) -> Self {
        KeySource(Source::Static(Arc::new(keys)))
    }
}

impl From<VerifyingKey> for KeySource {
    fn from(key: VerifyingKey) -> Self {
        KeySet::single(key).into()
    }
}

#[cfg(feature = "jwks")]
impl From<super::RemoteKeySet> for KeySource {
    fn from(keys: super::RemoteKeySet) -> Self {
        KeySource(Source::Remote(keys))
    }
}

impl KeySource {
    /// Runs `f` on the current keys, unless a remote set has gone stale, and says
    /// which keys they were (the generation, from the same look at them).
    fn with_current<R>(&self, f: impl FnOnce(&KeySet) -> R) -> Result<(R, u64), TokenError> {
        match &self.0 {
            Source::Static(keys) => Ok((f(keys), 0)),
            #[cfg(feature = "jwks")]
            Source::Remote(remote) => {
                let snapshot = remote.snapshot();
                if std::time::Instant::now() >= snapshot.stale_after {
                    return Err(TokenError::KeysUnavailable);
                }
                Ok((f(&snapshot.keys), snapshot.generation))
            }
        }
    }

    /// Which keys are current (changes when a remote set is replaced), and whether
    /// they may be used (a remote set not stale), from one look at them.
    fn generation(&self) -> (u64, bool) {
        match &self.0 {
            Source::Static(_) => (0, true),
            #[cfg(feature = "jwks")]
            Source::Remote(remote) => {
                let snapshot = remote.snapshot();
                (snapshot.generation, std::time::Instant::now() < snapshot.stale_after)
            }
        }
    }

    fn keys(&self) -> Arc<KeySet> {
        match &self.0 {
            Source::Static(keys) => keys.clone(),
            #[cfg(feature = "jwks")]
            Source::Remote(remote) => remote.snapshot().keys.clone(),
        }
    }

    #[cfg(feature = "jwks")]
    fn remote(&self) -> Option<&super::RemoteKeySet> {
        match &self.0 {
            Source::Remote(remote) => Some(remote),
            Source::Static(_) => None,
        }
    }
}

/// A verifier's keys: one source (for one issuer, or for tokens whatever their
/// `iss`), or one source per issuer (RFC 8725 §3.8), chosen by the token's `iss`.
enum Keys {
    One(KeySource),
    PerIssuer(Box<[(String, KeySource)]>),
}

impl Keys {
    /// The source that verifies tokens from `iss`.
    fn for_issuer(&self, iss: Option<&str>) -> Option<&KeySource> {
        match self {
            Keys::One(source) => Some(source),
            Keys::PerIssuer(sources) => {
                let iss = iss?;
                sources.iter().find(|(name, _)| name == iss).map(|(_, source)| source)
            }
        }
    }
}

/// Verifiers are told apart in a shared [`TokenCache`] by this number.
static NEXT_VERIFIER_ID: AtomicU64 = AtomicU64::new(1);

struct Settings {
    keys: Keys,
    /// This verifier in a shared cache; clones share it.
    id: u64,
    cache: Option<TokenCache>,
    revocation: Option<Arc<dyn Revocation>>,
    issuers: Vec<String>,
    audiences: Vec<String>,
    required: Vec<String>,
    leeway: i64,
    max_size: usize,
    typ: Option<String>,
    max_age: Option<i64>,
    require_exp: bool,
    accept_high_s: bool,
    clock: Clock,
    mapping: PrincipalMapping,
}

/// Settings for a [`Verifier`]; every one has a safe default.
#[must_use]
pub struct VerifierBuilder {
    settings: Settings,
    error: Option<KeyError>,
}

impl Verifier {
    /// Starts a verifier for `keys`: `exp` required, leeway 30 s, tokens up to 8 KiB,
    /// no issuer or audience expected (a token that carries `aud` is then rejected, as
    /// RFC 7519 §4.1.3 requires: configure the audience you are).
    pub fn builder(keys: impl Into<KeySource>) -> VerifierBuilder {
        Self::with_keys(Keys::One(keys.into()))
    }

    /// Starts a verifier for tokens from several issuers, each verified only with
    /// its own issuer's keys (RFC 8725 §3.8): the token's `iss` chooses the keys,
    /// so a key of one issuer can never vouch for a token that names another.
    /// `iss` is then required and must be one of these issuers.
    ///
    /// [`build`](VerifierBuilder::build) refuses an empty list, an empty or repeated
    /// issuer, and a further [`issuer`](VerifierBuilder::issuer).
    ///
    /// ```
    /// use portcullis::token::{Algorithm, Issuer, SigningKey, Verifier};
    ///
    /// let a = SigningKey::generate_jwk(Algorithm::ES256)?;
    /// let b = SigningKey::generate_jwk(Algorithm::ES256)?;
    /// let public = |jwk| SigningKey::from_jwk(jwk).map(|key| key.verifying_key());
    /// let verifier = Verifier::builder_for_issuers([
    ///     ("https://a.example", public(&a)?),
    ///     ("https://b.example", public(&b)?),
    /// ])
    /// .audience("orders")
    /// .build()?;
    ///
    /// let issue = |jwk, iss: &str| -> Result<String, Box<dyn std::error::Error>> {
    ///     let issuer = Issuer::builder(SigningKey::from_jwk(jwk)?).issuer(iss).audience("orders").build()?;
    ///     Ok(issuer.issue("alice", &())?)
    /// };
    /// assert!(verifier.verify_registered(&issue(&a, "https://a.example")?).is_ok());
    /// // A's key, claiming to be B: refused.
    /// let forged = issue(&a, "https://b.example")?;
    /// assert_eq!(verifier.verify_registered(&forged).unwrap_err().code(), "invalid_signature");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder_for_issuers<I, K>(issuers: impl IntoIterator<Item = (I, K)>) -> VerifierBuilder
    where
        I: Into<String>,
        K: Into<KeySource>,
    {
        let sources: Vec<(String, KeySource)> = issuers
            .into_iter()
            .map(|(iss, keys)| (iss.into(), keys.into()))
            .collect();
        let names: Vec<String> = sources.iter().map(|(iss, _)| iss.clone()).collect();
        let mut builder = Self::with_keys(Keys::PerIssuer(sources.into_boxed_slice()));
        if names.is_empty() {
            return builder.fail("a verifier for several issuers needs at least one");
        }
        for (index, iss) in names.iter().enumerate() {
            if iss.is_empty() {
                return builder.fail("issuer must not be empty");
            }
            if names[..index].contains(iss) {
                return builder.fail("an issuer is named twice");
            }
        }
        builder.settings.issuers = names;
        builder
    }

    fn with_keys(keys: Keys) -> VerifierBuilder {
        super::crypto::install();
        VerifierBuilder {
            settings: Settings {
                keys,
                id: NEXT_VERIFIER_ID.fetch_add(1, Ordering::Relaxed),
                cache: None,
                revocation: None,
                issuers: Vec::new(),
                audiences: Vec::new(),
                required: Vec::new(),
                leeway: DEFAULT_LEEWAY.as_secs() as i64,
                max_size: DEFAULT_MAX_TOKEN_BYTES,
                typ: None,
                max_age: None,
                require_exp: true,
                accept_high_s: false,
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
    ///
    /// A token bound to a key (a `cnf` claim, RFC 7800: a certificate-bound token,
    /// RFC 8705) is refused here (`invalid_claim`), since nothing here can check
    /// the binding: verify it with [`verify_principal`](Self::verify_principal),
    /// whose principal carries the binding for the gate (or
    /// [`Principal::confirm_certificate`](crate::Principal::confirm_certificate)) to check.
    pub fn verify<C: DeserializeOwned>(&self, token: &str) -> Result<Verified<C>, TokenError> {
        let checked = self.verify_with(token, PhantomData::<C>)?;
        if checked.registered.cnf {
            return Err(TokenError::InvalidClaim { claim: "cnf".into() });
        }
        let claims = checked
            .registered
            .to_claims(&checked.payload)
            .ok_or(TokenError::malformed("claims"))?;
        Ok(Verified {
            claims,
            custom: checked.custom,
            alg: checked.alg,
        })
    }

    /// [`verify`](Self::verify), reading the payload with `seed`; with the
    /// generation of the keys that verified it and the payload's text.
    fn verify_with<T, S>(&self, token: &str, seed: S) -> Result<Checked<T>, TokenError>
    where
        S: for<'de> DeserializeSeed<'de, Value = T>,
    {
        let s = &*self.inner;
        if token.len() > s.max_size {
            return Err(TokenError::TooLarge {
                size: token.len(),
                limit: s.max_size,
            });
        }
        let bytes = token.as_bytes();
        let mut dots = memchr::memchr_iter(b'.', bytes);
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
        // With one key source per issuer, the keys are chosen by the token's `iss`,
        // read (by the same strict parser as after the signature) before it is
        // checked; with one source, nothing of the payload is read before.
        let mut early_payload = None;
        let source = match &s.keys {
            Keys::One(source) => source,
            Keys::PerIssuer(_) => {
                let payload = decode_payload(payload_b64)?;
                let iss = issuer_of(&payload)?.ok_or(TokenError::missing_claim("iss"))?;
                let source = s.keys.for_issuer(Some(&iss)).ok_or(TokenError::InvalidIssuer)?;
                early_payload = Some(payload);
                source
            }
        };
        let (signed, generation) = source.with_current(|keys| -> Result<(), TokenError> {
            // The selected key's own algorithm is `alg`: the key set sees to it.
            let key = keys.select(checked.kid, alg)?;
            if signature_b64.len() > MAX_SIGNATURE_BYTES * 4 / 3 + 2 {
                return Err(TokenError::InvalidSignature);
            }
            let mut signature_stack = [0u8; SIGNATURE_STACK_BYTES];
            let signature = b64::decode_buffered(signature_b64, &mut signature_stack)
                .ok_or(TokenError::malformed("signature is not canonical base64url"))?;
            // Opted in: a high-S ECDSA signature is checked as its low twin, which
            // verifies exactly when it does.
            let twin = match s.accept_high_s && matches!(alg, Algorithm::ES256 | Algorithm::ES384) {
                true => super::crypto::ecdsa::low_twin(&signature),
                false => None,
            };
            let signature = match &twin {
                Some((twin, len)) => &twin[..*len],
                None => &signature[..],
            };
            if key.verify_signature(&bytes[..second], signature) {
                Ok(())
            } else {
                Err(TokenError::InvalidSignature)
            }
        })?;
        signed?;

        if let Some(required) = &s.typ
            && !checked.typ.is_some_and(|typ| header::typ_matches(typ, required))
        {
            return Err(TokenError::invalid_claim("typ"));
        }

        let payload = match early_payload {
            Some(payload) => payload,
            None => decode_payload(payload_b64)?,
        };
        let (custom, scan) = claims::parse_seed(&payload, seed)?;
        s.check_claims(&scan, &payload)?;
        let claims = &scan.registered;
        let identity = TokenIdentity {
            jti: claims.jti.as_ref().and_then(|t| t.resolve(&payload)),
            sub: claims.sub.as_ref().and_then(|t| t.resolve(&payload)),
            iat: claims.iat,
            exp: claims.exp,
        };
        if s.revoked(&identity) {
            return Err(TokenError::Revoked);
        }
        let registered = scan.registered;
        Ok(Checked {
            custom,
            registered,
            alg,
            generation,
            payload,
        })
    }

    /// Verifies `token`, keeping only its registered claims.
    pub fn verify_registered(&self, token: &str) -> Result<Verified<NoCustomClaims>, TokenError> {
        self.verify(token)
    }

    /// Verifies `token` and maps its claims to a [`Principal`] with the builder's
    /// [`PrincipalMapping`]. The token must carry `sub`.
    ///
    /// With a [`TokenCache`], a token verified before is served from it (see there
    /// for what every hit checks again).
    pub fn verify_principal(&self, token: &str) -> Result<Principal, TokenError> {
        let (result, lookup) = self.principal_looked_up(token);
        self.count_lookup(lookup);
        result
    }

    /// Counts a cache lookup's outcome in the metrics (`Some(true)`: a hit).
    fn count_lookup(&self, lookup: Option<bool>) {
        if let (Some(cache), Some(hit)) = (&self.inner.cache, lookup) {
            cache.counted(hit);
        }
    }

    /// [`verify_principal`](Self::verify_principal), and whether the cache served
    /// the token (`None`: no cache), for the caller to count once.
    fn principal_looked_up(&self, token: &str) -> (Result<Principal, TokenError>, Option<bool>) {
        let s = &*self.inner;
        let Some(cache) = &s.cache else {
            return (self.verify_principal_uncached(token), None);
        };
        let now = (s.clock)();
        if let Some(entry) = cache.get(s.id, token) {
            let principal = &entry.principal;
            let keys = s.keys.for_issuer(principal.issuer()).map(KeySource::generation);
            if let Some((generation, fresh)) = keys
                && entry.serves(generation, now)
            {
                if !fresh {
                    return (Err(TokenError::KeysUnavailable), Some(true));
                }
                let identity = TokenIdentity {
                    jti: principal.token_id(),
                    sub: Some(principal.subject()),
                    iat: entry.iat,
                    exp: principal.expires_at(),
                };
                if s.revoked(&identity) {
                    return (Err(TokenError::Revoked), Some(true));
                }
                return (Ok(principal.clone()), Some(true));
            }
            cache.remove(s.id, token);
        }
        let verified = || {
            let checked = self.verify_with(token, s.mapping.seed())?;
            let claims = &checked.registered;
            let times = Lifetime {
                nbf: claims.nbf,
                iat: claims.iat,
                exp: claims.exp,
            };
            let generation = checked.generation;
            let principal = s.mapping.finish(checked.registered, checked.custom, checked.payload)?;
            if let Some(entry) = Entry::new(&principal, times, s.max_age, s.leeway, now, generation) {
                cache.insert(s.id, token, entry);
            }
            Ok(principal)
        };
        (verified(), Some(false))
    }

    fn verify_principal_uncached(&self, token: &str) -> Result<Principal, TokenError> {
        let mapping = &self.inner.mapping;
        let checked = self.verify_with(token, mapping.seed())?;
        mapping.finish(checked.registered, checked.custom, checked.payload)
    }

    /// [`verify_principal`](Self::verify_principal), waiting for fresh keys when
    /// that helps: with a [`RemoteKeySet`](super::RemoteKeySet) (feature `jwks`), a
    /// token whose `kid` is unknown waits for one refetch of the keys (at most one
    /// per cooldown, shared by concurrent callers) and is verified again. Without
    /// one, it answers at once.
    ///
    /// ```
    /// use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, Verifier};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let key = SigningKey::generate(Algorithm::ES256)?;
    /// let verifier = Verifier::builder(KeySet::single(key.verifying_key())).audience("orders").build()?;
    /// let token = Issuer::builder(key).audience("orders").build()?.issue("alice", &())?;
    /// assert_eq!(verifier.verify_principal_refreshing(&token).await?.subject(), "alice");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`verify_principal`](Self::verify_principal).
    pub async fn verify_principal_refreshing(&self, token: &str) -> Result<Principal, TokenError> {
        // One lookup counted per call, whichever answers.
        let (result, lookup) = self.principal_looked_up(token);
        #[cfg(feature = "jwks")]
        if matches!(result, Err(TokenError::UnknownKey))
            && let Some(remote) = self.remote_keys_for_token(token)
            && remote.refetch_for_unknown_kid().await
        {
            return self.verify_principal(token);
        }
        self.count_lookup(lookup);
        result
    }

    /// [`verify_principal_refreshing`](Self::verify_principal_refreshing)'s answer
    /// when it needs no waiting; `None` when it would wait for a refetch.
    pub(crate) fn verify_principal_now(&self, token: &str) -> Option<Result<Principal, TokenError>> {
        let (result, lookup) = self.principal_looked_up(token);
        #[cfg(feature = "jwks")]
        if matches!(result, Err(TokenError::UnknownKey))
            && self
                .remote_keys_for_token(token)
                .is_some_and(super::RemoteKeySet::may_refetch)
        {
            // Not counted: the waiting path asks again, and counts.
            return None;
        }
        self.count_lookup(lookup);
        Some(result)
    }

    /// The keys this verifier selects from now, for tokens from `iss` (with one key
    /// source, whatever `iss` is). `None` for an issuer it does not trust.
    ///
    /// ```
    /// use portcullis::token::{Algorithm, SigningKey, Verifier};
    ///
    /// let a = SigningKey::generate(Algorithm::EdDSA)?.with_kid("a1")?;
    /// let verifier = Verifier::builder_for_issuers([("https://a.example", a.verifying_key())]).build()?;
    /// assert!(verifier.keys(Some("https://a.example")).is_some_and(|keys| keys.get("a1").is_some()));
    /// assert!(verifier.keys(Some("https://b.example")).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keys(&self, iss: Option<&str>) -> Option<Arc<KeySet>> {
        self.inner.keys.for_issuer(iss).map(KeySource::keys)
    }

    /// The remote key set that verifies tokens from `iss` (with one key source,
    /// whatever `iss` is), when the keys come from one.
    #[cfg(feature = "jwks")]
    #[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
    pub fn remote_keys(&self, iss: Option<&str>) -> Option<&super::RemoteKeySet> {
        self.inner.keys.for_issuer(iss).and_then(KeySource::remote)
    }

    /// The remote key set a token's keys would come from: the only source's, or,
    /// with one source per issuer, that of the issuer the token names (read without
    /// any check: only to choose which set to refetch for an unknown `kid`).
    #[cfg(feature = "jwks")]
    pub(crate) fn remote_keys_for_token(&self, token: &str) -> Option<&super::RemoteKeySet> {
        match &self.inner.keys {
            Keys::One(source) => source.remote(),
            Keys::PerIssuer(_) => {
                let payload_b64 = token.split('.').nth(1)?;
                let payload = decode_payload(payload_b64.as_bytes()).ok()?;
                self.remote_keys(issuer_of(&payload).ok()?.as_deref())
            }
        }
    }
}

/// The payload's `iss`, read by the strict claims parser (which refuses what
/// verification would refuse of the payload's shape).
fn issuer_of(payload: &str) -> Result<Option<String>, TokenError> {
    let (_, scan) = claims::parse::<NoCustomClaims>(payload)?;
    scan.registered
        .iss
        .map(|iss| {
            iss.resolve(payload)
                .map(str::to_owned)
                .ok_or(TokenError::malformed("claims"))
        })
        .transpose()
}

/// The payload's JSON text, checked for canonical base64url and UTF-8 (nesting depth
/// and duplicate members are checked by [`claims::parse`], in the same pass).
fn decode_payload(payload_b64: &[u8]) -> Result<String, TokenError> {
    let payload = b64::decode(payload_b64).ok_or(TokenError::malformed("payload is not canonical base64url"))?;
    String::from_utf8(payload).map_err(|_| TokenError::malformed("payload is not UTF-8"))
}

impl Settings {
    fn revoked(&self, identity: &TokenIdentity<'_>) -> bool {
        self.revocation
            .as_ref()
            .is_some_and(|revocation| revocation.is_revoked(identity))
    }

    fn check_claims(&self, scan: &claims::Scan<'_>, payload: &str) -> Result<(), TokenError> {
        let claims = &scan.registered;
        let unread = || TokenError::malformed("claims");
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
            let iss = claims.iss.as_ref().ok_or(TokenError::missing_claim("iss"))?;
            let iss = iss.resolve(payload).ok_or_else(unread)?;
            if !self.issuers.iter().any(|expected| expected == iss) {
                return Err(TokenError::InvalidIssuer);
            }
        }
        if !self.audiences.is_empty() {
            let expected = |aud: &Text| {
                aud.resolve(payload)
                    .is_some_and(|aud| self.audiences.iter().any(|a| a == aud))
            };
            let named = match &claims.aud {
                Aud::Absent => return Err(TokenError::missing_claim("aud")),
                Aud::One(aud) => expected(aud),
                Aud::Many(auds) => auds.iter().any(expected),
            };
            if !named {
                return Err(TokenError::InvalidAudience);
            }
        } else if claims.aud_present() {
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

    /// Accepts tokens from this issuer only (compared exactly), the one the keys
    /// belong to. Makes `iss` required.
    ///
    /// Once per verifier: keys belong to one issuer (RFC 8725 §3.8), so a second
    /// issuer needs keys of its own, given with
    /// [`Verifier::builder_for_issuers`]. [`build`](Self::build) refuses a second
    /// call, and any call on a verifier for several issuers.
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        let iss = iss.into();
        if iss.is_empty() {
            return self.fail("issuer must not be empty");
        }
        if matches!(self.settings.keys, Keys::PerIssuer(_)) {
            return self.fail("a verifier for several issuers takes them with their keys");
        }
        if !self.settings.issuers.is_empty() {
            return self.fail("one key source belongs to one issuer: use Verifier::builder_for_issuers");
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

    /// Accepts ES256 and ES384 signatures whose S is above n/2 (default: refused as
    /// `invalid_signature`, DESIGN.md's token rules).
    ///
    /// `(r, s)` and `(r, n − s)` are both valid signatures of one token, so with
    /// this on, anyone holding a token can write a second spelling of it that
    /// verifies. RFC 7518 allows either, and most signers (OpenSSL and what is built
    /// on it, Java, Go, cloud KMSs) write a high S half the time; portcullis's
    /// [`Issuer`](super::Issuer) never does. Turn it on only for such an issuer, and
    /// then never key anything on a token's text (a denylist, a replay check): use
    /// its `jti`, as [`Revocation`](super::Revocation) does.
    ///
    /// ```
    /// use portcullis::token::{Algorithm, SigningKey, Verifier};
    ///
    /// let key = SigningKey::generate(Algorithm::ES256)?;
    /// let lenient = Verifier::builder(key.verifying_key()).accept_high_s(true).build()?;
    /// # let _ = lenient;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept_high_s(mut self, accept: bool) -> Self {
        self.settings.accept_high_s = accept;
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

    /// Caches verified tokens for [`Verifier::verify_principal`] (off by default).
    /// One cache may serve several verifiers: each sees only its own entries.
    pub fn cache(mut self, cache: TokenCache) -> Self {
        self.settings.cache = Some(cache);
        self
    }

    /// Refuses revoked tokens (`revoked`), checked after the signature and the
    /// claims, and on every cache hit.
    pub fn revocation(mut self, revocation: Arc<dyn Revocation>) -> Self {
        self.settings.revocation = Some(revocation);
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
