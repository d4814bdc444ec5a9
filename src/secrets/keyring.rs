//! The keyring: data keys with ids, suites and statuses, one of them primary.

use std::fmt;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::sealed::{self, Context, SealedHeader, Suite};
use super::{Plaintext, SecretsError};

/// The most keys a keyring holds: 1,024.
pub const MAX_KEYS: usize = 1024;
/// The largest keyring document read: 1 MiB.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// Where a key stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    /// Seals new data, and opens. Exactly one key is primary.
    Primary,
    /// Opens only: a former primary, kept until its data is rewrapped.
    Active,
    /// Kept, but refuses to open (`key_disabled`) until enabled again.
    Disabled,
}

/// A key of a keyring, without its material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct KeyInfo {
    id: u32,
    suite: Suite,
    status: KeyStatus,
    created: i64,
}

impl KeyInfo {
    /// Its id: random, non-zero, unique in the keyring.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Its AEAD suite.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// Its status.
    pub fn status(&self) -> KeyStatus {
        self.status
    }

    /// When it was made, in seconds since the Unix epoch.
    pub fn created(&self) -> i64 {
        self.created
    }
}

/// One key with its material (zeroized when dropped, never printed).
#[derive(Clone)]
struct Key {
    info: KeyInfo,
    material: Zeroizing<[u8; 32]>,
}

/// The keys as of one change: replaced whole, read without a lock.
#[derive(Clone)]
struct State {
    keys: Vec<Key>,
}

impl State {
    fn primary(&self) -> &Key {
        // Every constructor and every change keeps exactly one primary key.
        self.keys
            .iter()
            .find(|key| key.info.status == KeyStatus::Primary)
            .unwrap_or(&self.keys[0])
    }

    fn find(&self, id: u32) -> Option<&Key> {
        self.keys.iter().find(|key| key.info.id == id)
    }

    fn position(&self, id: u32) -> Result<usize, SecretsError> {
        self.keys
            .iter()
            .position(|key| key.info.id == id)
            .ok_or(SecretsError::UnknownKey { key_id: id })
    }
}

/// Data keys for sealing data at rest: one primary key seals, older keys open what
/// they sealed until it is rewrapped, and every key is named by a `u32` id in the
/// sealed data's header, so opening never tries more than the one key it names.
///
/// Clones share the same keys: a rotation through one is seen by all. Sealing and
/// opening read the keys without a lock; changes (rotate, disable, enable, destroy)
/// take turns and replace the keys whole, so data sealed during a rotation is under
/// either the old primary (still active) or the new one, and opens afterwards.
///
/// # Rotation and rewrap: retiring key N
///
/// 1. [`rotate`](Self::rotate): a new primary key; key N stays active.
/// 2. For every stored value, [`needs_rewrap`](Self::needs_rewrap) reads its header
///    (no key needed); where it says `true`, [`rewrap`](Self::rewrap) re-seals it
///    under the primary with the same context, and the caller stores the result.
/// 3. [`disable`](Self::disable) key N and watch for `key_disabled` errors: any is
///    data step 2 missed (and [`enable`](Self::enable) brings the key back).
/// 4. [`destroy`](Self::destroy) key N: data still under it is lost for good.
///
/// ```
/// use portcullis::secrets::{Context, Keyring, Suite};
///
/// let keyring = Keyring::generate(Suite::Aes256Gcm)?;
/// let context = Context::new().with("table", "orders")?.with("row", "42")?;
/// let sealed = keyring.seal(b"leave at the back door", &context)?;
///
/// let old = keyring.primary().id();
/// keyring.rotate()?;
/// assert!(keyring.needs_rewrap(&sealed)?);
/// let rewrapped = keyring.rewrap(&sealed, &context)?;
/// assert!(!keyring.needs_rewrap(&rewrapped)?);
/// keyring.destroy(old)?;
/// assert_eq!(&keyring.open(&rewrapped, &context)?[..], b"leave at the back door");
/// assert_eq!(keyring.open(&sealed, &context).unwrap_err().code(), "unknown_key");
/// # Ok::<(), portcullis::secrets::SecretsError>(())
/// ```
#[derive(Clone)]
pub struct Keyring {
    shared: Arc<Shared>,
}

struct Shared {
    state: ArcSwap<State>,
    /// Changes take turns (each reads the keys, then replaces them).
    changing: Mutex<()>,
    /// Operations by kind, and the primary key's age (registered when made).
    #[cfg(feature = "metrics")]
    metrics: (crate::metrics::Labeled<4>, ::metrics::Gauge),
}

impl Keyring {
    /// A keyring of one new primary key of `suite`.
    ///
    /// # Errors
    ///
    /// [`SecretsError::Random`] if the system's random number generator fails.
    pub fn generate(suite: Suite) -> Result<Keyring, SecretsError> {
        let key = new_key(suite, KeyStatus::Primary, &[])?;
        Ok(Keyring::from_state(State { keys: vec![key] }))
    }

    /// Counts one operation `op`, and sets the primary key's age.
    #[allow(unused_variables)]
    fn counted(&self, op: &'static str, state: &State) {
        #[cfg(feature = "metrics")]
        if crate::metrics::enabled() {
            let (operations, age) = &self.shared.metrics;
            operations.increment(op);
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX));
            age.set(now.saturating_sub(state.primary().info.created).max(0) as f64);
        }
    }

    fn from_state(state: State) -> Keyring {
        Keyring {
            shared: Arc::new(Shared {
                state: ArcSwap::from_pointee(state),
                changing: Mutex::new(()),
                #[cfg(feature = "metrics")]
                metrics: (
                    crate::metrics::Labeled::register(
                        crate::metrics::KEYRING_OPERATIONS,
                        "op",
                        ["seal", "open", "rotate", "rewrap"],
                    ),
                    match crate::metrics::enabled() {
                        true => ::metrics::gauge!(crate::metrics::KEYRING_PRIMARY_AGE),
                        false => ::metrics::Gauge::noop(),
                    },
                ),
            }),
        }
    }

    /// The primary key.
    pub fn primary(&self) -> KeyInfo {
        self.shared.state.load().primary().info
    }

    /// Every key, in the order they were added.
    pub fn keys(&self) -> Vec<KeyInfo> {
        self.shared.state.load().keys.iter().map(|key| key.info).collect()
    }

    /// The key `id`, if the keyring holds it.
    pub fn key(&self, id: u32) -> Option<KeyInfo> {
        self.shared.state.load().find(id).map(|key| key.info)
    }

    /// Makes a new primary key of the primary's suite; the old primary becomes active
    /// (it opens, no longer seals). Returns the new key.
    ///
    /// # Errors
    ///
    /// [`SecretsError::InvalidKeyring`] when the keyring already holds
    /// [`MAX_KEYS`]; [`SecretsError::Random`].
    pub fn rotate(&self) -> Result<KeyInfo, SecretsError> {
        let suite = self.primary().suite;
        self.rotate_to(suite)
    }

    /// [`rotate`](Self::rotate) to a key of `suite`.
    ///
    /// # Errors
    ///
    /// As [`rotate`](Self::rotate).
    pub fn rotate_to(&self, suite: Suite) -> Result<KeyInfo, SecretsError> {
        self.change(|state| {
            if state.keys.len() >= MAX_KEYS {
                return Err(SecretsError::InvalidKeyring("too many keys"));
            }
            let key = new_key(suite, KeyStatus::Primary, &state.keys)?;
            let info = key.info;
            for old in &mut state.keys {
                if old.info.status == KeyStatus::Primary {
                    old.info.status = KeyStatus::Active;
                }
            }
            state.keys.push(key);
            Ok(info)
        })
        .inspect(|_| self.counted("rotate", &self.shared.state.load()))
    }

    /// Disables key `id`: it stays in the keyring but opens nothing
    /// (`key_disabled`) until [`enable`](Self::enable)d.
    ///
    /// # Errors
    ///
    /// [`SecretsError::UnknownKey`]; [`SecretsError::KeyIsPrimary`] for the primary
    /// key (rotate first).
    pub fn disable(&self, id: u32) -> Result<(), SecretsError> {
        self.set_status(id, KeyStatus::Disabled)
    }

    /// Enables a disabled key `id` again, as active. Enabling an enabled key does
    /// nothing.
    ///
    /// # Errors
    ///
    /// [`SecretsError::UnknownKey`].
    pub fn enable(&self, id: u32) -> Result<(), SecretsError> {
        self.set_status(id, KeyStatus::Active)
    }

    fn set_status(&self, id: u32, status: KeyStatus) -> Result<(), SecretsError> {
        self.change(|state| {
            let at = state.position(id)?;
            let key = &mut state.keys[at].info;
            match key.status {
                KeyStatus::Primary if status == KeyStatus::Disabled => Err(SecretsError::KeyIsPrimary { key_id: id }),
                KeyStatus::Primary => Ok(()),
                _ => {
                    key.status = status;
                    Ok(())
                }
            }
        })
    }

    /// Removes key `id` and its material for good: data sealed under it can no longer
    /// be opened (`unknown_key`).
    ///
    /// # Errors
    ///
    /// [`SecretsError::UnknownKey`]; [`SecretsError::KeyIsPrimary`] for the primary
    /// key (rotate first).
    pub fn destroy(&self, id: u32) -> Result<(), SecretsError> {
        self.change(|state| {
            let at = state.position(id)?;
            if state.keys[at].info.status == KeyStatus::Primary {
                return Err(SecretsError::KeyIsPrimary { key_id: id });
            }
            state.keys.remove(at);
            Ok(())
        })
    }

    /// Applies `change` to a copy of the keys and publishes it if it succeeds.
    fn change<R>(&self, change: impl FnOnce(&mut State) -> Result<R, SecretsError>) -> Result<R, SecretsError> {
        // A panic while changing left the keys as they were (the copy is dropped).
        let _turn = self
            .shared
            .changing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut state = State::clone(&self.shared.state.load());
        let result = change(&mut state)?;
        self.shared.state.store(Arc::new(state));
        Ok(result)
    }

    /// Seals `plaintext` under the primary key, bound to `context`: the binary form
    /// (`DESIGN.md`, "Sealed data, version 1").
    ///
    /// # Errors
    ///
    /// [`SecretsError::TooLarge`] past [`MAX_PLAINTEXT_BYTES`](super::MAX_PLAINTEXT_BYTES);
    /// [`SecretsError::Random`].
    pub fn seal(&self, plaintext: &[u8], context: &Context) -> Result<Vec<u8>, SecretsError> {
        let state = self.shared.state.load();
        self.counted("seal", &state);
        let key = state.primary();
        sealed::seal(&key.material, key.info.suite, key.info.id, plaintext, context)
    }

    /// [`seal`](Self::seal), in the text form (base64url without padding).
    ///
    /// # Errors
    ///
    /// As [`seal`](Self::seal).
    pub fn seal_text(&self, plaintext: &[u8], context: &Context) -> Result<String, SecretsError> {
        self.seal(plaintext, context).map(|sealed| sealed::to_text(&sealed))
    }

    /// Opens `sealed` with the key its header names, and no other, checking it was
    /// sealed with `context`.
    ///
    /// # Errors
    ///
    /// [`SecretsError::UnknownKey`] and [`SecretsError::KeyDisabled`] for the key;
    /// [`SecretsError::AuthenticationFailed`] for any change to the data, a header
    /// that does not match its key, or another context; the errors of
    /// [`inspect`](super::inspect).
    pub fn open(&self, sealed: &[u8], context: &Context) -> Result<Plaintext, SecretsError> {
        let header = sealed::inspect(sealed)?;
        let state = self.shared.state.load();
        self.counted("open", &state);
        let key = usable(&state, &header)?;
        sealed::open(&key.material, &header, sealed, context)
    }

    /// [`open`](Self::open) for the text form.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open); text that is not base64url is
    /// [`SecretsError::Malformed`].
    pub fn open_text(&self, sealed: &str, context: &Context) -> Result<Plaintext, SecretsError> {
        self.open(&sealed::from_text(sealed)?, context)
    }

    /// Whether `sealed` is under a key other than the primary (read from its header,
    /// not authenticated: [`rewrap`](Self::rewrap) authenticates).
    ///
    /// # Errors
    ///
    /// The errors of [`inspect`](super::inspect).
    pub fn needs_rewrap(&self, sealed: &[u8]) -> Result<bool, SecretsError> {
        let header = sealed::inspect(sealed)?;
        Ok(header.key_id() != self.primary().id)
    }

    /// Opens `sealed` and seals its plaintext again under the primary key, with the
    /// same context. The plaintext never leaves this call, and is zeroized.
    ///
    /// # Errors
    ///
    /// The errors of [`open`](Self::open) and [`seal`](Self::seal).
    pub fn rewrap(&self, sealed: &[u8], context: &Context) -> Result<Vec<u8>, SecretsError> {
        let state = self.shared.state.load();
        self.counted("rewrap", &state);
        rewrap_with(&state, sealed, context)
    }

    /// [`rewrap`](Self::rewrap) for many values, all under the same primary key (one
    /// look at the keys for the batch). One result per item, in order: a value that
    /// fails does not stop the others.
    ///
    /// ```
    /// use portcullis::secrets::{Context, Keyring, Suite};
    ///
    /// let keyring = Keyring::generate(Suite::Aes256Gcm)?;
    /// let rows: Vec<(Vec<u8>, Context)> = (0..3)
    ///     .map(|row| {
    ///         let context = Context::new().with("row", row.to_string())?;
    ///         Ok((keyring.seal(b"note", &context)?, context))
    ///     })
    ///     .collect::<Result<_, portcullis::secrets::SecretsError>>()?;
    /// let primary = keyring.rotate()?.id();
    /// let rewrapped = keyring.rewrap_batch(rows.iter().map(|(sealed, context)| (&sealed[..], context)));
    /// for result in rewrapped {
    ///     assert_eq!(portcullis::secrets::inspect(&result?)?.key_id(), primary);
    /// }
    /// # Ok::<(), portcullis::secrets::SecretsError>(())
    /// ```
    pub fn rewrap_batch<'a>(
        &self,
        items: impl IntoIterator<Item = (&'a [u8], &'a Context)>,
    ) -> Vec<Result<Vec<u8>, SecretsError>> {
        let state = self.shared.state.load();
        items
            .into_iter()
            .map(|(sealed, context)| {
                self.counted("rewrap", &state);
                rewrap_with(&state, sealed, context)
            })
            .collect()
    }

    /// The keyring document (`DESIGN.md`, "Keyring document"): JSON holding every
    /// key's material in base64url. It is as secret as the keys: store it only sealed,
    /// as [`KeyringFile`](super::KeyringFile) does.
    pub fn to_document(&self) -> Zeroizing<String> {
        let state = self.shared.state.load();
        let document = Document {
            version: 1,
            primary: state.primary().info.id,
            keys: state
                .keys
                .iter()
                .map(|key| DocumentKey {
                    id: key.info.id,
                    suite: key.info.suite.as_str().to_owned(),
                    status: key.info.status,
                    created: key.info.created,
                    key: Zeroizing::new(URL_SAFE_NO_PAD.encode(&key.material[..])),
                })
                .collect(),
        };
        // Sized once (about 150 bytes a key), so that growing leaves no copies of key
        // material behind; a struct of strings and integers always serializes.
        let mut out = Zeroizing::new(Vec::with_capacity(64 + 192 * document.keys.len()));
        if serde_json::to_writer(&mut *out, &document).is_err() {
            out.clear();
        }
        Zeroizing::new(String::from_utf8(std::mem::take(&mut *out)).unwrap_or_default())
    }

    /// A keyring from its document.
    ///
    /// # Errors
    ///
    /// [`SecretsError::InvalidKeyring`] for a document that is not JSON of the
    /// documented shape (unknown or repeated members included), past
    /// [`MAX_DOCUMENT_BYTES`] or [`MAX_KEYS`], without exactly one primary key (the
    /// one `primary` names), with a repeated or zero key id, or a key that is not 32
    /// bytes of base64url; [`SecretsError::UnsupportedSuite`].
    pub fn from_document(document: &[u8]) -> Result<Keyring, SecretsError> {
        if document.len() > MAX_DOCUMENT_BYTES {
            return Err(SecretsError::InvalidKeyring("document too large"));
        }
        // Which rule was broken, never which value: the document holds key material.
        let document: Document =
            serde_json::from_slice(document).map_err(|_| SecretsError::InvalidKeyring("not a keyring document"))?;
        if document.version != 1 {
            return Err(SecretsError::InvalidKeyring("unsupported document version"));
        }
        if document.keys.is_empty() || document.keys.len() > MAX_KEYS {
            return Err(SecretsError::InvalidKeyring("no keys, or too many"));
        }
        let mut keys: Vec<Key> = Vec::with_capacity(document.keys.len());
        for entry in &document.keys {
            if entry.id == 0 {
                return Err(SecretsError::InvalidKeyring("key id 0 is reserved"));
            }
            if keys.iter().any(|key| key.info.id == entry.id) {
                return Err(SecretsError::InvalidKeyring("repeated key id"));
            }
            let mut material = Zeroizing::new([0u8; 32]);
            match URL_SAFE_NO_PAD.decode_slice(entry.key.as_bytes(), &mut material[..]) {
                Ok(32) if entry.key.len() == 43 => {}
                _ => return Err(SecretsError::InvalidKeyring("a key is not 32 bytes of base64url")),
            }
            keys.push(Key {
                info: KeyInfo {
                    id: entry.id,
                    suite: entry.suite.parse()?,
                    status: entry.status,
                    created: entry.created,
                },
                material,
            });
        }
        let mut primaries = keys.iter().filter(|key| key.info.status == KeyStatus::Primary);
        match (primaries.next(), primaries.next()) {
            (Some(key), None) if key.info.id == document.primary => {}
            _ => {
                return Err(SecretsError::InvalidKeyring(
                    "not exactly one primary key, the one named",
                ));
            }
        }
        Ok(Keyring::from_state(State { keys }))
    }
}

/// The key `header` names, if it may open.
fn usable<'s>(state: &'s State, header: &SealedHeader) -> Result<&'s Key, SecretsError> {
    let key_id = header.key_id();
    let key = state.find(key_id).ok_or(SecretsError::UnknownKey { key_id })?;
    if key.info.status == KeyStatus::Disabled {
        return Err(SecretsError::KeyDisabled { key_id });
    }
    // A header that names the key with another suite was changed: the same answer as
    // any other change.
    if key.info.suite != header.suite() {
        return Err(SecretsError::AuthenticationFailed);
    }
    Ok(key)
}

fn rewrap_with(state: &State, sealed: &[u8], context: &Context) -> Result<Vec<u8>, SecretsError> {
    let header = sealed::inspect(sealed)?;
    let plaintext = sealed::open(&usable(state, &header)?.material, &header, sealed, context)?;
    let primary = state.primary();
    sealed::seal(
        &primary.material,
        primary.info.suite,
        primary.info.id,
        &plaintext,
        context,
    )
}

/// A new key of `suite` with a random id that is not 0 and not one of `taken`'s.
fn new_key(suite: Suite, status: KeyStatus, taken: &[Key]) -> Result<Key, SecretsError> {
    let rng = SystemRandom::new();
    let mut material = Zeroizing::new([0u8; 32]);
    rng.fill(&mut material[..]).map_err(|_| SecretsError::Random)?;
    let id = loop {
        let mut bytes = [0u8; 4];
        rng.fill(&mut bytes).map_err(|_| SecretsError::Random)?;
        let id = u32::from_be_bytes(bytes);
        if id != 0 && !taken.iter().any(|key| key.info.id == id) {
            break id;
        }
    };
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX));
    Ok(Key {
        info: KeyInfo {
            id,
            suite,
            status,
            created,
        },
        material,
    })
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("keys", &self.keys())
            .finish_non_exhaustive()
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    version: u32,
    primary: u32,
    keys: Vec<DocumentKey>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DocumentKey {
    id: u32,
    /// Read as text, so that an unknown suite is `unsupported_suite`.
    suite: String,
    status: KeyStatus,
    created: i64,
    key: Zeroizing<String>,
}
