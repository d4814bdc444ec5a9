//! The in-process [`StateStore`]: sharded maps of fixed-size entries under a cap.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use std::collections::VecDeque;

use super::{FailureRule, FailureState, Gcra, RateDecision, Revoked, StateKey, StateStore, StoreError};

/// The default cap on tracked keys: 100,000 (about 6 MiB).
pub const DEFAULT_MAX_KEYS: usize = 100_000;

const SHARDS: usize = 16;
/// A full shard is swept for expired entries at most this often.
const SWEEP_EVERY_MS: u64 = 1000;

/// State in this process's memory, for one replica (or for tests).
///
/// - **Bounded**: at most `max_keys` keys are tracked (each about 64 bytes: the key
///   is kept as its 64-bit keyed hash, SipHash with a per-process random key, so no
///   key's text is stored and an attacker cannot aim collisions). Every entry has an
///   expiry: a block's end, a failure window's end, a rate limit's catch-up time.
/// - **When full**: expired entries are swept (at most once a second per shard, so a
///   flood of new keys costs no more than that); if there is still no room, a key
///   not yet tracked is refused with [`StoreError::Full`]. Tracked keys keep counting
///   whatever happens: no counter is dropped to make room.
///
/// Clones share the state.
///
/// ```
/// use portcullis::store::{Gcra, MemoryStore, RateDecision, StateKey, StateStore};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = MemoryStore::new(1_000);
/// let key = StateKey::new("rate.client", &["192.0.2.7"])?;
/// let two_at_once = Gcra { interval_ms: 1000, tolerance_ms: 1000 };
/// assert_eq!(store.rate(&key, two_at_once).await?, RateDecision::Allowed);
/// assert_eq!(store.rate(&key, two_at_once).await?, RateDecision::Allowed);
/// assert!(matches!(store.rate(&key, two_at_once).await?, RateDecision::Limited { .. }));
/// # Ok::<(), portcullis::store::StoreError>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

struct Inner {
    shards: Box<[Mutex<Shard>]>,
    feed: Mutex<Feed>,
    per_shard: usize,
    clock: Arc<dyn Fn() -> u64 + Send + Sync>,
}

/// The revocation feed: positions from 1, entries dropped once no verifier could
/// accept what they revoke.
#[derive(Default)]
struct Feed {
    entries: VecDeque<(u64, Revoked, i64)>,
    last: u64,
}

/// How long a subject's cut-off stays in the feed: a day (longer-lived tokens are
/// not what this store is for).
const SUBJECT_RETENTION_SECONDS: i64 = 24 * 3600;

#[derive(Default)]
struct Shard {
    entries: HashMap<u64, Entry, BuildHasherDefault<Prehashed>>,
    last_sweep_ms: u64,
}

#[derive(Clone, Copy)]
struct Entry {
    state: State,
    expires_at_ms: u64,
}

#[derive(Clone, Copy)]
enum State {
    Failures {
        count: u32,
        window_start_ms: u64,
        blocked_until_ms: u64,
    },
    Gcra {
        tat_ms: u64,
    },
}

/// A hasher for maps whose keys are already keyed hashes ([`StateKey`]'s): it
/// uses them as they are.
#[derive(Default)]
pub(crate) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("tracked", &self.tracked())
            .field("max_keys", &(self.inner.per_shard * SHARDS))
            .finish()
    }
}

fn system_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
}

impl Default for MemoryStore {
    /// [`DEFAULT_MAX_KEYS`].
    fn default() -> Self {
        Self::new(DEFAULT_MAX_KEYS)
    }
}

impl MemoryStore {
    /// A store tracking at most `max_keys` keys (rounded up to a multiple of 16; at
    /// least 16).
    pub fn new(max_keys: usize) -> Self {
        let per_shard = max_keys.div_ceil(SHARDS).max(1);
        MemoryStore {
            inner: Arc::new(Inner {
                shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
                feed: Mutex::default(),
                per_shard,
                clock: Arc::new(system_ms),
            }),
        }
    }

    /// The same store on another clock (Unix milliseconds), for tests and
    /// simulations; call it before sharing the store.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use portcullis::store::{MemoryStore, StateStore};
    ///
    /// let store = MemoryStore::new(100).with_clock(Arc::new(|| 5_000));
    /// assert_eq!(store.now_ms(), 5_000);
    /// ```
    pub fn with_clock(self, clock: Arc<dyn Fn() -> u64 + Send + Sync>) -> Self {
        MemoryStore {
            inner: Arc::new(Inner {
                shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
                feed: Mutex::default(),
                per_shard: self.inner.per_shard,
                clock,
            }),
        }
    }

    /// How many keys are tracked now (expired ones included until swept).
    pub fn tracked(&self) -> usize {
        self.inner.shards.iter().map(|shard| lock(shard).entries.len()).sum()
    }

    /// The shard of `key` and the key's hash.
    fn locate(&self, key: &StateKey) -> (MutexGuard<'_, Shard>, u64) {
        let hash = key.keyed_hash();
        let shard = &self.inner.shards[(hash % SHARDS as u64) as usize];
        (lock(shard), hash)
    }

    /// Whether a key not yet in `shard` may be added now (sweeping if due).
    fn room(&self, shard: &mut Shard, now: u64) -> bool {
        if shard.entries.len() < self.inner.per_shard {
            return true;
        }
        if now.saturating_sub(shard.last_sweep_ms) >= SWEEP_EVERY_MS {
            shard.last_sweep_ms = now;
            shard.entries.retain(|_, entry| entry.expires_at_ms > now);
        }
        shard.entries.len() < self.inner.per_shard
    }
}

fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    // Every update is a plain assignment of copied values: a panic elsewhere cannot
    // leave an entry half-written, so a poisoned lock is still sound to use.
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

impl StateStore for MemoryStore {
    async fn blocked(&self, key: &StateKey) -> Result<Option<u64>, StoreError> {
        self.blocked_at(key, self.now_ms())
    }

    async fn fail(&self, key: &StateKey, rule: &FailureRule) -> Result<FailureState, StoreError> {
        self.fail_at(key, rule, self.now_ms())
    }

    /// One reading of the clock for all of them.
    async fn blocked_each<const N: usize>(&self, keys: [&StateKey; N]) -> [Result<Option<u64>, StoreError>; N] {
        let now = self.now_ms();
        keys.map(|key| self.blocked_at(key, now))
    }

    /// One reading of the clock for all of them.
    async fn fail_each<const N: usize>(
        &self,
        items: [(&StateKey, &FailureRule); N],
    ) -> [Result<FailureState, StoreError>; N] {
        let now = self.now_ms();
        items.map(|(key, rule)| self.fail_at(key, rule, now))
    }

    async fn clear(&self, key: &StateKey) -> Result<(), StoreError> {
        let (mut shard, hash) = self.locate(key);
        shard.entries.remove(&hash);
        Ok(())
    }

    async fn rate(&self, key: &StateKey, gcra: Gcra) -> Result<RateDecision, StoreError> {
        self.rate_sync(key, gcra)
    }

    fn rate_now(&self, key: &StateKey, gcra: Gcra) -> Option<Result<RateDecision, StoreError>> {
        Some(self.rate_sync(key, gcra))
    }

    fn answers_now(&self) -> bool {
        true
    }

    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn revoke(&self, revoked: &Revoked) -> Result<u64, StoreError> {
        let now = i64::try_from(self.now_ms() / 1000).unwrap_or(i64::MAX);
        let until = match revoked {
            // A verifier accepts a token until `exp` plus its leeway (at most 5 min).
            Revoked::Token { exp, .. } => exp.saturating_add(300),
            Revoked::Subject { before, .. } => before.saturating_add(SUBJECT_RETENTION_SECONDS),
        };
        let mut feed = self.inner.feed.lock().unwrap_or_else(PoisonError::into_inner);
        if feed.entries.len() >= self.inner.per_shard * SHARDS {
            feed.entries.retain(|(_, _, until)| *until > now);
            if feed.entries.len() >= self.inner.per_shard * SHARDS {
                return Err(StoreError::Full);
            }
        }
        feed.last += 1;
        let position = feed.last;
        feed.entries.push_back((position, revoked.clone(), until));
        Ok(position)
    }

    async fn revocations(&self, after: u64, limit: usize) -> Result<Vec<(u64, Revoked)>, StoreError> {
        let feed = self.inner.feed.lock().unwrap_or_else(PoisonError::into_inner);
        let skip = feed.entries.partition_point(|(position, ..)| *position <= after);
        Ok(feed
            .entries
            .iter()
            .skip(skip)
            .take(limit)
            .map(|(position, revoked, _)| (*position, revoked.clone()))
            .collect())
    }

    fn now_ms(&self) -> u64 {
        (self.inner.clock)()
    }
}

impl MemoryStore {
    fn blocked_at(&self, key: &StateKey, now: u64) -> Result<Option<u64>, StoreError> {
        let (mut shard, hash) = self.locate(key);
        match shard.entries.get(&hash).copied() {
            Some(Entry {
                state: State::Failures { blocked_until_ms, .. },
                expires_at_ms,
            }) if expires_at_ms > now => Ok((blocked_until_ms > now).then_some(blocked_until_ms)),
            Some(_) => Ok(None),
            None if self.room(&mut shard, now) => Ok(None),
            None => Err(StoreError::Full),
        }
    }

    fn fail_at(&self, key: &StateKey, rule: &FailureRule, now: u64) -> Result<FailureState, StoreError> {
        let (mut shard, hash) = self.locate(key);
        let current = match shard.entries.get(&hash).copied() {
            Some(Entry {
                state:
                    State::Failures {
                        count,
                        window_start_ms,
                        blocked_until_ms,
                    },
                expires_at_ms,
            }) if expires_at_ms > now => (count, window_start_ms, blocked_until_ms),
            Some(_) => (0, now, 0),
            None if self.room(&mut shard, now) => (0, now, 0),
            None => return Err(StoreError::Full),
        };
        let (mut count, mut window_start_ms, mut blocked_until_ms) = current;
        if let Some(window) = rule.window_ms
            && now >= window_start_ms.saturating_add(window)
            && blocked_until_ms <= now
        {
            (count, window_start_ms) = (0, now);
        }
        count = count.saturating_add(1);
        let failures = count;
        if let Some(block) = rule.block_for(count) {
            blocked_until_ms = blocked_until_ms.max(now.saturating_add(block));
            if rule.window_ms.is_some() {
                // A windowed count starts again once its block ends.
                (count, window_start_ms) = (0, blocked_until_ms);
            }
        }
        let forget_at = match rule.window_ms {
            Some(window) => window_start_ms.saturating_add(window),
            None => now.saturating_add(rule.forget_after_ms),
        };
        let entry = Entry {
            state: State::Failures {
                count,
                window_start_ms,
                blocked_until_ms,
            },
            expires_at_ms: forget_at.max(blocked_until_ms),
        };
        shard.entries.insert(hash, entry);
        Ok(FailureState {
            failures,
            blocked_until_ms: (blocked_until_ms > now).then_some(blocked_until_ms),
        })
    }
}

impl MemoryStore {
    fn rate_sync(&self, key: &StateKey, gcra: Gcra) -> Result<RateDecision, StoreError> {
        let now = self.now_ms();
        let (mut shard, hash) = self.locate(key);
        let tat = match shard.entries.get(&hash).copied() {
            Some(Entry {
                state: State::Gcra { tat_ms },
                ..
            }) => tat_ms.max(now),
            Some(_) => now,
            None if self.room(&mut shard, now) => now,
            None => return Err(StoreError::Full),
        };
        let next = tat.saturating_add(gcra.interval_ms);
        let allowed_from = next.saturating_sub(gcra.interval_ms.saturating_add(gcra.tolerance_ms));
        if now < allowed_from {
            return Ok(RateDecision::Limited {
                retry_after_ms: allowed_from - now,
            });
        }
        shard.entries.insert(
            hash,
            Entry {
                state: State::Gcra { tat_ms: next },
                expires_at_ms: next,
            },
        );
        Ok(RateDecision::Allowed)
    }
}
