//! What is stored of a key (no secret), the store trait, and the in-memory store.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::ApiKeyError;

/// The keyed hash of a whole key: HMAC-SHA-256 under a server-side pepper. Records
/// are found by it, so verifying a key compares no secret in a loop. Serialized as
/// base64url; `Debug` shows its first four bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyHash(pub(crate) [u8; 32]);

impl KeyHash {
    /// The hash's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, ..] = self.0;
        write!(f, "KeyHash({a:02x}{b:02x}{c:02x}{d:02x}…)")
    }
}

impl Serialize for KeyHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for KeyHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let mut bytes = [0u8; 32];
        match URL_SAFE_NO_PAD.decode_slice(text.as_bytes(), &mut bytes) {
            Ok(32) if text.len() == 43 => Ok(KeyHash(bytes)),
            _ => Err(serde::de::Error::custom("a key hash is 32 bytes of base64url")),
        }
    }
}

/// Where a key stands. Serialized as `{"state":"active"}`,
/// `{"state":"rotating","grace_until":T}` or `{"state":"revoked","revoked_at":T}`
/// (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum ApiKeyStatus {
    /// In use.
    Active,
    /// Replaced by a rotation, still accepted until `grace_until` (its expiry is
    /// the earlier of its own and that deadline).
    Rotating {
        /// When the grace period ends.
        grace_until: i64,
    },
    /// Refused from `revoked_at` on, for good.
    Revoked {
        /// When it was revoked.
        revoked_at: i64,
    },
}

/// A stored key: everything but the key. Lookups go by [`hash`](Self::hash), logs and
/// listings name it by [`id`](Self::id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyRecord {
    /// The public id: 16 base62 characters, random, no part of the key.
    pub id: String,
    /// HMAC-SHA-256 of the whole key under the pepper [`pepper_id`](Self::pepper_id).
    pub hash: KeyHash,
    /// The id of the pepper the hash was made with.
    pub pepper_id: String,
    /// The key's prefix (public: it is what secret scanners match).
    pub prefix: String,
    /// Whom the key acts for: the principal's subject.
    pub owner: String,
    /// OAuth-style scopes the key carries.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Roles the key carries (looked up in the RBAC policy like a token's).
    #[serde(default)]
    pub roles: Vec<String>,
    /// The tenant, if any.
    #[serde(default)]
    pub tenant: Option<String>,
    /// When it was created (Unix seconds).
    pub created_at: i64,
    /// When it stops being accepted (Unix seconds), if ever.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Active, rotating or revoked.
    pub status: ApiKeyStatus,
    /// The last use, to the minute: written at most once a minute per key.
    #[serde(default)]
    pub last_used: Option<i64>,
    /// The record that replaced this one in a rotation.
    #[serde(default)]
    pub replaced_by: Option<String>,
}

/// A change to one record, applied by the store atomically ([`apply`](Self::apply)
/// says how, for every store alike).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordUpdate {
    /// The key was used at `at`: recorded if the last recorded use is `interval`
    /// seconds old or more (so a busy key is written once a minute, not per request).
    Used {
        /// When.
        at: i64,
        /// The least time between two writes, in seconds.
        interval: i64,
    },
    /// Revoke at `at`: final.
    Revoked {
        /// When.
        at: i64,
    },
    /// Replaced by `replaced_by`, accepted until `grace_until`: an active key starts
    /// rotating and its expiry becomes the earlier of its own and `grace_until`.
    Rotating {
        /// When the grace period ends.
        grace_until: i64,
        /// The new record's id.
        replaced_by: String,
    },
    /// Hashed again under the current pepper.
    Rehashed {
        /// The new hash.
        hash: KeyHash,
        /// The current pepper's id.
        pepper_id: String,
    },
}

impl RecordUpdate {
    /// Applies the change to `record`: whether it changed anything. A revoked record
    /// changes no more, except to be hashed again.
    ///
    /// ```
    /// use portcullis::secrets::apikey::{ApiKeyStatus, RecordUpdate};
    /// # let mut record = portcullis::secrets::apikey::ApiKeyRecord::example();
    /// assert!(RecordUpdate::Revoked { at: 10 }.apply(&mut record));
    /// assert_eq!(record.status, ApiKeyStatus::Revoked { revoked_at: 10 });
    /// assert!(!RecordUpdate::Revoked { at: 20 }.apply(&mut record));
    /// ```
    pub fn apply(&self, record: &mut ApiKeyRecord) -> bool {
        let revoked = matches!(record.status, ApiKeyStatus::Revoked { .. });
        match self {
            RecordUpdate::Used { at, interval } => {
                let due = record.last_used.is_none_or(|last| at.saturating_sub(last) >= *interval);
                if due && !revoked {
                    record.last_used = Some(*at);
                }
                due && !revoked
            }
            RecordUpdate::Revoked { at } if !revoked => {
                record.status = ApiKeyStatus::Revoked { revoked_at: *at };
                true
            }
            RecordUpdate::Rotating {
                grace_until,
                replaced_by,
            } if record.status == ApiKeyStatus::Active => {
                record.status = ApiKeyStatus::Rotating {
                    grace_until: *grace_until,
                };
                record.expires_at = Some(record.expires_at.map_or(*grace_until, |own| own.min(*grace_until)));
                record.replaced_by = Some(replaced_by.clone());
                true
            }
            RecordUpdate::Rehashed { hash, pepper_id } => {
                record.hash = *hash;
                record.pepper_id.clone_from(pepper_id);
                true
            }
            _ => false,
        }
    }
}

impl ApiKeyRecord {
    /// A record for documentation examples.
    #[doc(hidden)]
    pub fn example() -> Self {
        ApiKeyRecord {
            id: "0000000000000000".into(),
            hash: KeyHash([0; 32]),
            pepper_id: "p1".into(),
            prefix: "pk".into(),
            owner: "svc-billing".into(),
            scopes: vec![],
            roles: vec![],
            tenant: None,
            created_at: 0,
            expires_at: None,
            status: ApiKeyStatus::Active,
            last_used: None,
            replaced_by: None,
        }
    }
}

/// Where API key records live. Every method is one atomic step: stores shared by
/// several replicas (Redis) implement it with one server-side operation each.
///
/// The in-memory [`MemoryApiKeyStore`] is one; implement it for your database the
/// same way. Records hold no secret, so a store's contents can be read by anyone
/// who can read the database without giving out a key.
pub trait ApiKeyStore: Send + Sync + 'static {
    /// Stores a new record.
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::Conflict`] when its id or hash is taken.
    fn insert(&self, record: ApiKeyRecord) -> impl Future<Output = Result<(), ApiKeyError>> + Send;

    /// The record with this keyed hash.
    fn find_by_hash(
        &self,
        hash: &KeyHash,
    ) -> impl Future<Output = Result<Option<Arc<ApiKeyRecord>>, ApiKeyError>> + Send;

    /// The record with this id.
    fn get(&self, id: &str) -> impl Future<Output = Result<Option<Arc<ApiKeyRecord>>, ApiKeyError>> + Send;

    /// Every record, oldest first.
    fn list(&self) -> impl Future<Output = Result<Vec<Arc<ApiKeyRecord>>, ApiKeyError>> + Send;

    /// Applies `update` to the record `id` ([`RecordUpdate::apply`]): the record as
    /// it now stands, or `None` when there is none.
    fn update(
        &self,
        id: &str,
        update: RecordUpdate,
    ) -> impl Future<Output = Result<Option<Arc<ApiKeyRecord>>, ApiKeyError>> + Send;
}

/// The most records a [`MemoryApiKeyStore`] document holds.
pub const MAX_RECORDS: usize = 100_000;
/// The largest store document read, in bytes (16 MiB).
pub const MAX_STORE_BYTES: usize = 16 << 20;

/// API key records in this process's memory: lookups by hash under a read lock, no
/// I/O. [`to_json`](Self::to_json) and [`from_json`](Self::from_json) keep them in a
/// file (the CLI's store); clones share the records.
///
/// ```
/// use portcullis::secrets::apikey::{ApiKeyStore, MemoryApiKeyStore};
///
/// let store = MemoryApiKeyStore::new();
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// assert!(store.list().await?.is_empty());
/// # Ok::<(), portcullis::secrets::apikey::ApiKeyError>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct MemoryApiKeyStore {
    records: Arc<RwLock<Records>>,
}

#[derive(Default)]
struct Records {
    by_hash: HashMap<KeyHash, Arc<ApiKeyRecord>>,
    hash_of: HashMap<String, KeyHash>,
    /// Ids in the order stored.
    order: Vec<String>,
}

impl fmt::Debug for MemoryApiKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.records.read().map_or(0, |records| records.order.len());
        f.debug_struct("MemoryApiKeyStore").field("records", &count).finish()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    version: u32,
    records: Vec<ApiKeyRecord>,
}

impl MemoryApiKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> Result<std::sync::RwLockReadGuard<'_, Records>, ApiKeyError> {
        self.records.read().map_err(|_| ApiKeyError::Store("lock poisoned"))
    }

    fn write(&self) -> Result<std::sync::RwLockWriteGuard<'_, Records>, ApiKeyError> {
        self.records.write().map_err(|_| ApiKeyError::Store("lock poisoned"))
    }

    fn insert_now(&self, record: ApiKeyRecord) -> Result<(), ApiKeyError> {
        let mut records = self.write()?;
        if records.by_hash.contains_key(&record.hash) || records.hash_of.contains_key(&record.id) {
            return Err(ApiKeyError::Conflict);
        }
        records.hash_of.insert(record.id.clone(), record.hash);
        records.order.push(record.id.clone());
        records.by_hash.insert(record.hash, Arc::new(record));
        Ok(())
    }

    fn get_now(&self, id: &str) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        let records = self.read()?;
        Ok(records
            .hash_of
            .get(id)
            .and_then(|hash| records.by_hash.get(hash))
            .cloned())
    }

    fn list_now(&self) -> Result<Vec<Arc<ApiKeyRecord>>, ApiKeyError> {
        let records = self.read()?;
        Ok(records
            .order
            .iter()
            .filter_map(|id| records.hash_of.get(id).and_then(|hash| records.by_hash.get(hash)))
            .cloned()
            .collect())
    }

    fn update_now(&self, id: &str, update: &RecordUpdate) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        let mut records = self.write()?;
        let Some(&hash) = records.hash_of.get(id) else {
            return Ok(None);
        };
        let Some(current) = records.by_hash.get(&hash).cloned() else {
            return Ok(None);
        };
        let mut record = ApiKeyRecord::clone(&current);
        if !update.apply(&mut record) {
            return Ok(Some(current));
        }
        if record.hash != hash && records.by_hash.contains_key(&record.hash) {
            return Err(ApiKeyError::Conflict);
        }
        records.by_hash.remove(&hash);
        records.hash_of.insert(record.id.clone(), record.hash);
        let record = Arc::new(record);
        records.by_hash.insert(record.hash, record.clone());
        Ok(Some(record))
    }

    /// The records as a JSON document (`{"version":1,"records":[…]}`), oldest first.
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::Store`] if the store's lock was poisoned by a panic.
    pub fn to_json(&self) -> Result<String, ApiKeyError> {
        let records = self.list_now()?.iter().map(|r| ApiKeyRecord::clone(r)).collect();
        serde_json::to_string_pretty(&Document { version: 1, records })
            .map_err(|_| ApiKeyError::Store("serialization failed"))
    }

    /// A store holding the records of a [`to_json`](Self::to_json) document: strict
    /// (unknown fields, duplicate ids or hashes, more than [`MAX_RECORDS`] records or
    /// [`MAX_STORE_BYTES`] refused).
    ///
    /// ```
    /// use portcullis::secrets::apikey::MemoryApiKeyStore;
    ///
    /// let store = MemoryApiKeyStore::from_json(br#"{"version":1,"records":[]}"#)?;
    /// assert_eq!(MemoryApiKeyStore::from_json(b"{}").unwrap_err().code(), "invalid_store");
    /// # let _ = store;
    /// # Ok::<(), portcullis::secrets::apikey::ApiKeyError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::InvalidStore`].
    pub fn from_json(bytes: &[u8]) -> Result<Self, ApiKeyError> {
        if bytes.len() > MAX_STORE_BYTES {
            return Err(ApiKeyError::InvalidStore("larger than 16 MiB"));
        }
        let document: Document =
            serde_json::from_slice(bytes).map_err(|_| ApiKeyError::InvalidStore("not an API key store document"))?;
        if document.version != 1 {
            return Err(ApiKeyError::InvalidStore("unsupported version"));
        }
        if document.records.len() > MAX_RECORDS {
            return Err(ApiKeyError::InvalidStore("too many records"));
        }
        let store = Self::new();
        for record in document.records {
            store.insert_now(record).map_err(|err| match err {
                ApiKeyError::Conflict => ApiKeyError::InvalidStore("duplicate id or hash"),
                other => other,
            })?;
        }
        Ok(store)
    }

    /// Reads a store file written by [`save`](Self::save) (mode 0600; refused when
    /// group or others may read it, as the keyring's).
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::Io`] and the errors of [`from_json`](Self::from_json).
    pub fn load(path: &Path) -> Result<Self, ApiKeyError> {
        let bytes = crate::secrets::read_secret_file(path, MAX_STORE_BYTES).map_err(|err| match err.code() {
            "insecure_permissions" => ApiKeyError::Io("the store file may be read by group or others"),
            _ => ApiKeyError::Io("cannot read the store file"),
        })?;
        Self::from_json(&bytes)
    }

    /// Writes the store to `path`, atomically, with mode 0600.
    ///
    /// # Errors
    ///
    /// [`ApiKeyError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), ApiKeyError> {
        crate::secrets::write_secret_file(path, self.to_json()?.as_bytes())
            .map_err(|_| ApiKeyError::Io("cannot write the store file"))
    }
}

impl ApiKeyStore for MemoryApiKeyStore {
    async fn insert(&self, record: ApiKeyRecord) -> Result<(), ApiKeyError> {
        self.insert_now(record)
    }

    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        Ok(self.read()?.by_hash.get(hash).cloned())
    }

    async fn get(&self, id: &str) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        self.get_now(id)
    }

    async fn list(&self) -> Result<Vec<Arc<ApiKeyRecord>>, ApiKeyError> {
        self.list_now()
    }

    async fn update(&self, id: &str, update: RecordUpdate) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        self.update_now(id, &update)
    }
}
