//! API keys: long-lived credentials for scripts, partners and other services, in
//! the format of `DESIGN.md` ("API keys"), stored only as keyed hashes.
//!
//! - **Format**: `<prefix>_<30 base62 random><6 base62 CRC-32>`, like GitHub's: the
//!   prefix says what the key is, secret scanners can validate what they find, and
//!   [`check`] refuses a typo or a random string without asking any store and
//!   without allocating.
//! - **Storage holds no secret**: an [`ApiKeyRecord`] has a public id, the
//!   HMAC-SHA-256 of the whole key under a server-side [`Pepper`] (named by its id, so
//!   peppers rotate: records under an old pepper are hashed again on their next
//!   use), the owner, scopes, roles, tenant, times and status. A record is found by
//!   its hash, so verifying compares no secret in a loop. `last_used` is written at
//!   most once a minute per key.
//! - **Lifecycle** ([`ApiKeys`]): create (the key is in the answer, once), list,
//!   revoke, rotate with a grace period (the new key inherits scopes, roles, tenant
//!   and expiry; the old one expires at the earlier of its own expiry and the end of
//!   the grace; a grace of zero revokes it at once); expiry is checked on every use.
//! - **Requests**: [`ApiKeys`] is an [`Authenticator`]. It takes keys from the
//!   `X-API-Key` header (read when the gate's
//!   [`CredentialSources::with_api_key_header`](crate::auth::CredentialSources::with_api_key_header)
//!   is set) and bearer tokens that start with one of its prefixes and `_`; chain it
//!   before a token verifier with [`Authenticator::or`] and both are accepted on the
//!   same routes. The principal's subject is the key's owner, and
//!   [`Principal::api_key_id`] names the key.
//!
//! Refusals are `invalid_api_key` (shape, checksum, prefix or no record: not told
//! apart), `api_key_expired` and `api_key_revoked`, answered as 401 `invalid_token`
//! with that code.
//!
//! # Limits
//!
//! Keys are at most [`MAX_KEY_LEN`] (53) characters; owners, tenants, scopes and
//! roles at most [`MAX_NAME_LEN`] bytes each, at most [`MAX_NAMES`] scopes and roles
//! per key; a store document at most [`MAX_STORE_BYTES`] and [`MAX_RECORDS`] records.
//!
//! ```
//! use std::time::Duration;
//! use portcullis::password::Pepper;
//! use portcullis::secrets::apikey::{ApiKeys, MemoryApiKeyStore, NewApiKey};
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let pepper = Pepper::new("2026a", b"a-32-byte-secret-from-your-vault".to_vec())?;
//! let keys = ApiKeys::new(MemoryApiKeyStore::new(), &pepper, "pk")?;
//!
//! let created = keys.create(NewApiKey::new("svc-billing").scopes(["orders.read"])).await?;
//! let record = keys.verify(created.key()).await?;
//! assert_eq!(record.owner, "svc-billing");
//!
//! keys.revoke(&created.record().id).await?;
//! assert_eq!(keys.verify(created.key()).await.unwrap_err().code(), "api_key_revoked");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod format;
mod store;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ring::hmac;
use zeroize::Zeroizing;

pub use error::ApiKeyError;
pub use format::{CHECKSUM_LEN, KeyParts, MAX_KEY_LEN, MAX_PREFIX_LEN, RANDOM_LEN, check, generate, is_valid_prefix};
pub use store::{
    ApiKeyRecord, ApiKeyStatus, ApiKeyStore, KeyHash, MAX_RECORDS, MAX_STORE_BYTES, MemoryApiKeyStore, RecordUpdate,
};

use crate::Principal;
use crate::auth::{AuthError, Authenticator, Credentials};
use crate::password::Pepper;
use crate::token::Clock;

/// The longest owner, tenant, scope or role, in bytes.
pub const MAX_NAME_LEN: usize = 256;
/// The most scopes, and the most roles, a key carries.
pub const MAX_NAMES: usize = 64;
/// The longest lifetime a key is given: ten years.
pub const MAX_TTL: Duration = Duration::from_secs(10 * 366 * 24 * 3600);
/// How often `last_used` is written for one key, at most: once a minute.
pub const LAST_USED_INTERVAL: Duration = Duration::from_secs(60);

/// What a new key carries: its owner (the principal's subject), scopes, roles,
/// tenant and lifetime.
///
/// ```
/// use std::time::Duration;
/// use portcullis::secrets::apikey::NewApiKey;
///
/// let request = NewApiKey::new("partner-acme")
///     .scopes(["orders.read"])
///     .roles(["viewer"])
///     .tenant("acme")
///     .ttl(Duration::from_secs(90 * 24 * 3600));
/// # let _ = request;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    owner: String,
    scopes: Vec<String>,
    roles: Vec<String>,
    tenant: Option<String>,
    ttl: Option<Duration>,
}

impl NewApiKey {
    /// A key acting for `owner`, with no scopes or roles and no expiry.
    pub fn new(owner: impl Into<String>) -> Self {
        NewApiKey {
            owner: owner.into(),
            scopes: Vec::new(),
            roles: Vec::new(),
            tenant: None,
            ttl: None,
        }
    }

    /// The scopes it carries.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The roles it carries.
    pub fn roles<S: Into<String>>(mut self, roles: impl IntoIterator<Item = S>) -> Self {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// Its tenant.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// How long it is accepted (at most [`MAX_TTL`]); without one, until revoked.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    fn validate(&self) -> Result<(), ApiKeyError> {
        let name_ok =
            |name: &str| !name.is_empty() && name.len() <= MAX_NAME_LEN && !name.chars().any(char::is_control);
        if !name_ok(&self.owner) {
            return Err(ApiKeyError::InvalidRequest(
                "the owner is empty, too long or has control characters",
            ));
        }
        if self.tenant.as_deref().is_some_and(|tenant| !name_ok(tenant)) {
            return Err(ApiKeyError::InvalidRequest(
                "the tenant is empty, too long or has control characters",
            ));
        }
        for names in [&self.scopes, &self.roles] {
            if names.len() > MAX_NAMES || !names.iter().all(|name| name_ok(name) && !name.contains(' ')) {
                return Err(ApiKeyError::InvalidRequest(
                    "a scope or role is empty, too long, or has spaces",
                ));
            }
        }
        if self.ttl.is_some_and(|ttl| ttl.is_zero() || ttl > MAX_TTL) {
            return Err(ApiKeyError::InvalidRequest(
                "the lifetime is zero or longer than ten years",
            ));
        }
        Ok(())
    }
}

/// A key just made: the key itself, shown this once (zeroized when dropped, never
/// in `Debug`), and its record.
pub struct CreatedKey {
    key: Zeroizing<String>,
    record: Arc<ApiKeyRecord>,
}

impl CreatedKey {
    /// The key, to hand to its owner. It cannot be read again: only its hash is kept.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Its record.
    pub fn record(&self) -> &ApiKeyRecord {
        &self.record
    }
}

impl fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedKey")
            .field("key", &"<redacted>")
            .field("record", &self.record)
            .finish()
    }
}

/// API keys over a store: their lifecycle, their verification, and an
/// [`Authenticator`] for the adapters. Cloning shares everything.
///
/// See the [module docs](self) for the format and the rules.
pub struct ApiKeys<S> {
    inner: Arc<Inner<S>>,
}

struct Inner<S> {
    store: S,
    /// The current pepper first, then older ones (verification only).
    peppers: Vec<(String, hmac::Key)>,
    /// Accepted prefixes; the first is the one new keys get.
    prefixes: Vec<String>,
    clock: Clock,
}

impl<S> Clone for ApiKeys<S> {
    fn clone(&self) -> Self {
        ApiKeys {
            inner: self.inner.clone(),
        }
    }
}

impl<S> fmt::Debug for ApiKeys<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let peppers: Vec<&str> = self.inner.peppers.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("ApiKeys")
            .field("prefixes", &self.inner.prefixes)
            .field("peppers", &peppers)
            .finish_non_exhaustive()
    }
}

impl<S: ApiKeyStore> ApiKeys<S> {
    /// Keys with `prefix`, hashed under `pepper`, kept in `store`.
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::InvalidConfig`] for a prefix that is not `[a-z][a-z0-9]{1,15}`.
    pub fn new(store: S, pepper: &Pepper, prefix: &str) -> Result<Self, ApiKeyError> {
        if !is_valid_prefix(prefix) {
            return Err(ApiKeyError::InvalidConfig("an API key prefix is [a-z][a-z0-9]{1,15}"));
        }
        Ok(ApiKeys {
            inner: Arc::new(Inner {
                store,
                peppers: vec![(pepper.id().to_owned(), hmac_key(pepper))],
                prefixes: vec![prefix.to_owned()],
                clock: Arc::new(crate::token::system_clock),
            }),
        })
    }

    fn inner_mut(&mut self) -> Result<&mut Inner<S>, ApiKeyError> {
        Arc::get_mut(&mut self.inner).ok_or(ApiKeyError::InvalidConfig("configure API keys before cloning them"))
    }

    /// Also accepts keys hashed under `pepper`, an earlier one: each record found
    /// under it is hashed again under the current pepper when it is next used.
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::InvalidConfig`] for a pepper id already configured, or after
    /// the value was cloned.
    pub fn old_pepper(mut self, pepper: &Pepper) -> Result<Self, ApiKeyError> {
        let inner = self.inner_mut()?;
        if inner.peppers.iter().any(|(id, _)| id == pepper.id()) {
            return Err(ApiKeyError::InvalidConfig("pepper id configured twice"));
        }
        inner.peppers.push((pepper.id().to_owned(), hmac_key(pepper)));
        Ok(self)
    }

    /// Also accepts keys with `prefix` (made elsewhere, or before a rename).
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::InvalidConfig`] for an invalid prefix, or after cloning.
    pub fn accept_prefix(mut self, prefix: &str) -> Result<Self, ApiKeyError> {
        if !is_valid_prefix(prefix) {
            return Err(ApiKeyError::InvalidConfig("an API key prefix is [a-z][a-z0-9]{1,15}"));
        }
        let inner = self.inner_mut()?;
        if !inner.prefixes.iter().any(|known| known == prefix) {
            inner.prefixes.push(prefix.to_owned());
        }
        Ok(self)
    }

    /// The clock (Unix seconds), for tests and simulations.
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::InvalidConfig`] after cloning.
    pub fn clock(mut self, clock: Clock) -> Result<Self, ApiKeyError> {
        self.inner_mut()?.clock = clock;
        Ok(self)
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.inner.store
    }

    fn now(&self) -> i64 {
        (self.inner.clock)()
    }

    fn hash(&self, pepper: usize, key: &str) -> KeyHash {
        let mut out = [0u8; 32];
        out.copy_from_slice(hmac::sign(&self.inner.peppers[pepper].1, key.as_bytes()).as_ref());
        KeyHash(out)
    }

    /// Makes a key: its record is stored, and the key is in the answer, once.
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::InvalidRequest`] for a request past the limits; the store's
    /// errors; [`ApiKeyError::Random`].
    pub async fn create(&self, request: NewApiKey) -> Result<CreatedKey, ApiKeyError> {
        request.validate()?;
        let now = self.now();
        let expires_at = request
            .ttl
            .map(|ttl| now.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)));
        let prefix = self.inner.prefixes[0].clone();
        self.store_new(
            prefix,
            request.owner,
            request.scopes,
            request.roles,
            request.tenant,
            expires_at,
        )
        .await
    }

    async fn store_new(
        &self,
        prefix: String,
        owner: String,
        scopes: Vec<String>,
        roles: Vec<String>,
        tenant: Option<String>,
        expires_at: Option<i64>,
    ) -> Result<CreatedKey, ApiKeyError> {
        let key = generate(&prefix)?;
        let record = ApiKeyRecord {
            id: format::record_id()?,
            hash: self.hash(0, &key),
            pepper_id: self.inner.peppers[0].0.clone(),
            prefix,
            owner,
            scopes,
            roles,
            tenant,
            created_at: self.now(),
            expires_at,
            status: ApiKeyStatus::Active,
            last_used: None,
            replaced_by: None,
        };
        let record = Arc::new(record);
        self.inner.store.insert(ApiKeyRecord::clone(&record)).await?;
        Ok(CreatedKey { key, record })
    }

    /// The record of `key` if it is accepted now: well formed with an accepted
    /// prefix (checked before the store is asked), stored, not revoked, not
    /// expired. Records `last_used` (at most once a minute) and moves a record under
    /// an old pepper to the current one.
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::Invalid`], [`ApiKeyError::Expired`], [`ApiKeyError::Revoked`];
    /// the store's errors.
    pub async fn verify(&self, key: &str) -> Result<Arc<ApiKeyRecord>, ApiKeyError> {
        let parts = check(key)?;
        if !self.inner.prefixes.iter().any(|prefix| prefix == parts.prefix()) {
            return Err(ApiKeyError::Invalid);
        }
        let current = self.hash(0, key);
        let mut found = self.inner.store.find_by_hash(&current).await?;
        if found.is_none() {
            for old in 1..self.inner.peppers.len() {
                if let Some(record) = self.inner.store.find_by_hash(&self.hash(old, key)).await? {
                    let rehash = RecordUpdate::Rehashed {
                        hash: current,
                        pepper_id: self.inner.peppers[0].0.clone(),
                    };
                    found = Some(self.inner.store.update(&record.id, rehash).await?.unwrap_or(record));
                    break;
                }
            }
        }
        let record = found.ok_or(ApiKeyError::Invalid)?;
        let now = self.now();
        match record.status {
            ApiKeyStatus::Revoked { .. } => return Err(ApiKeyError::Revoked),
            ApiKeyStatus::Rotating { grace_until } if grace_until <= now => return Err(ApiKeyError::Expired),
            _ => {}
        }
        if record.expires_at.is_some_and(|expires_at| expires_at <= now) {
            return Err(ApiKeyError::Expired);
        }
        let interval = LAST_USED_INTERVAL.as_secs() as i64;
        if record.last_used.is_none_or(|last| now.saturating_sub(last) >= interval) {
            let used = RecordUpdate::Used { at: now, interval };
            if let Some(updated) = self.inner.store.update(&record.id, used).await? {
                return Ok(updated);
            }
        }
        Ok(record)
    }

    /// Every record (no secret is stored, so none is listed).
    ///
    /// # Errors
    ///
    /// The store's errors.
    pub async fn list(&self) -> Result<Vec<Arc<ApiKeyRecord>>, ApiKeyError> {
        self.inner.store.list().await
    }

    /// Revokes the key `id`, from its next use on.
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::UnknownId`]; the store's errors.
    pub async fn revoke(&self, id: &str) -> Result<Arc<ApiKeyRecord>, ApiKeyError> {
        let revoke = RecordUpdate::Revoked { at: self.now() };
        self.inner.store.update(id, revoke).await?.ok_or(ApiKeyError::UnknownId)
    }

    /// Rolls the key `id` over: a new key with the same prefix, owner, scopes, roles,
    /// tenant and expiry; the old one keeps working for `grace` (its expiry becomes the
    /// earlier of its own and now + `grace`), or is revoked at once when `grace` is
    /// zero.
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::UnknownId`]; [`ApiKeyError::Revoked`] and
    /// [`ApiKeyError::Expired`] for a key that cannot be used any more; the store's
    /// errors.
    pub async fn rotate(&self, id: &str, grace: Duration) -> Result<CreatedKey, ApiKeyError> {
        let old = self.inner.store.get(id).await?.ok_or(ApiKeyError::UnknownId)?;
        let now = self.now();
        match old.status {
            ApiKeyStatus::Revoked { .. } => return Err(ApiKeyError::Revoked),
            ApiKeyStatus::Rotating { .. } => return Err(ApiKeyError::InvalidRequest("the key is already rotating")),
            ApiKeyStatus::Active => {}
        }
        if old.expires_at.is_some_and(|expires_at| expires_at <= now) {
            return Err(ApiKeyError::Expired);
        }
        let created = self
            .store_new(
                old.prefix.clone(),
                old.owner.clone(),
                old.scopes.clone(),
                old.roles.clone(),
                old.tenant.clone(),
                old.expires_at,
            )
            .await?;
        let grace = i64::try_from(grace.as_secs()).unwrap_or(i64::MAX);
        let retire = match grace {
            0 => RecordUpdate::Revoked { at: now },
            grace => RecordUpdate::Rotating {
                grace_until: now.saturating_add(grace),
                replaced_by: created.record.id.clone(),
            },
        };
        self.inner.store.update(id, retire).await?;
        Ok(created)
    }

    /// Whether `token` (a bearer credential) is one of these keys by its prefix.
    fn is_ours(&self, token: &str) -> bool {
        self.inner.prefixes.iter().any(|prefix| {
            token.len() > prefix.len() && token.starts_with(prefix.as_str()) && token.as_bytes()[prefix.len()] == b'_'
        })
    }
}

fn hmac_key(pepper: &Pepper) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, pepper.secret())
}

/// The caller a key stands for: subject = owner, with its scopes, roles and tenant,
/// and the key's record id.
fn principal(record: &ApiKeyRecord) -> Principal {
    Principal::assemble(
        &record.owner,
        &record.roles,
        &record.scopes,
        record.tenant.as_deref(),
        Some(&record.id),
    )
}

impl<S: ApiKeyStore> Authenticator for ApiKeys<S> {
    /// Keys from `X-API-Key`, and bearer tokens with one of the accepted prefixes.
    fn accepts(&self, credentials: &Credentials<'_>) -> bool {
        match credentials {
            Credentials::ApiKey(_) => true,
            Credentials::Bearer(token) => self.is_ours(token),
            #[cfg(feature = "tls")]
            Credentials::Certificate(_) => false,
        }
    }

    async fn authenticate(&self, credentials: &Credentials<'_>) -> Result<Principal, AuthError> {
        let key = match credentials {
            Credentials::ApiKey(key) | Credentials::Bearer(key) => key,
            #[cfg(feature = "tls")]
            Credentials::Certificate(_) => return Err(AuthError::MissingCredentials),
        };
        match self.verify(key).await {
            Ok(record) => Ok(principal(&record)),
            Err(err) if err.is_refusal() => Err(AuthError::InvalidApiKey(err)),
            Err(_) => Err(AuthError::Internal("the API key store failed")),
        }
    }
}
