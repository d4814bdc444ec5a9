//! Shared state behind the defences that need memory across requests: login
//! failure counters and request rate limits ([`crate::throttle`]), and revoked
//! tokens ([`SharedRevocation`](crate::token::SharedRevocation): every replica
//! replays the store's feed of revocations into its own copy).
//!
//! [`StateStore`] is the seam: every method is one atomic check-and-record, timed by
//! the store's own clock (a shared store uses its server's time, so replicas agree).
//! [`MemoryStore`] keeps the state in this process, in bounded memory: a hard cap on
//! tracked keys, each with an expiry; when the cap is reached, keys not yet tracked
//! are refused ([`StoreError::Full`]) — counters never grow without bound and are
//! never silently reset to make room.
//!
//! ```
//! use portcullis::store::{FailureRule, MemoryStore, StateKey, StateStore};
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let store = MemoryStore::new(10_000);
//! let key = StateKey::new("login.user", &["alice"])?;
//! let rule = FailureRule::consecutive(3).block_fixed_ms(60_000);
//! for _ in 0..3 {
//!     store.fail(&key, &rule).await?;
//! }
//! assert!(store.blocked(&key).await?.is_some());
//! # Ok::<(), portcullis::store::StoreError>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod fallback;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::future::Future;

pub use fallback::{Fallback, WhenDown};
pub(crate) use memory::Prehashed;
pub use memory::{DEFAULT_MAX_KEYS, MemoryStore};
#[cfg(feature = "redis")]
pub use redis::{RedisOptions, RedisStore};

/// The longest [`StateKey`], in bytes.
pub const MAX_KEY_BYTES: usize = 512;

/// Why the store did not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The key is not tracked and the store is at its cap: the caller refuses what
    /// it cannot count (`store_full`).
    #[error("the state store is at its cap of tracked keys")]
    Full,
    /// A key past [`MAX_KEY_BYTES`] or with a separator inside a part.
    #[error("invalid state key")]
    InvalidKey,
    /// The store could not be reached, or failed (`store_unavailable`).
    #[error("the state store is unavailable: {0}")]
    Unavailable(&'static str),
}

impl StoreError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Full => "store_full",
            StoreError::InvalidKey => "invalid_key",
            StoreError::Unavailable(_) => "store_unavailable",
        }
    }
}

/// The name of one counter or limit: a namespace and parts, joined by `\x1f`. It may
/// hold an account name or a client address, so `Debug` shows the namespace only.
///
/// The key's keyed hash (SipHash-1-3 under a random key drawn once per process) is
/// computed once, here, for [`MemoryStore`]'s maps: a key read and then written
/// is hashed once, not twice.
#[derive(Clone)]
pub struct StateKey {
    text: String,
    namespace: usize,
    hash: u64,
}

impl PartialEq for StateKey {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for StateKey {}

impl std::hash::Hash for StateKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

/// The process's key for [`StateKey`] hashes: random, so nobody outside the
/// process can aim two keys at one counter.
static KEY_HASHER: std::sync::LazyLock<std::hash::RandomState> = std::sync::LazyLock::new(Default::default);

impl StateKey {
    /// The key `namespace` + `parts`.
    ///
    /// ```
    /// use portcullis::store::StateKey;
    ///
    /// let key = StateKey::new("login.pair", &["alice", "192.0.2.7"])?;
    /// assert_eq!(format!("{key:?}"), "StateKey(login.pair, …)");
    /// assert!(StateKey::new("x", &["a\u{1f}b"]).is_err());
    /// # Ok::<(), portcullis::store::StoreError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidKey`] for a key longer than [`MAX_KEY_BYTES`], or a
    /// separator (`\x1f`) inside the namespace or a part.
    pub fn new(namespace: &str, parts: &[&str]) -> Result<Self, StoreError> {
        let length = namespace.len() + parts.iter().map(|part| part.len() + 1).sum::<usize>();
        if length > MAX_KEY_BYTES || namespace.contains('\x1f') || parts.iter().any(|part| part.contains('\x1f')) {
            return Err(StoreError::InvalidKey);
        }
        let mut text = String::with_capacity(length);
        text.push_str(namespace);
        for part in parts {
            text.push('\x1f');
            text.push_str(part);
        }
        Ok(StateKey {
            hash: std::hash::BuildHasher::hash_one(&*KEY_HASHER, text.as_str()),
            text,
            namespace: namespace.len(),
        })
    }

    /// The key's text (what a shared store names it by, under its prefix).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.text[..self.namespace]
    }

    /// The keyed hash (see the type's docs).
    pub(crate) fn keyed_hash(&self) -> u64 {
        self.hash
    }
}

impl fmt::Debug for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StateKey({}, …)", self.namespace())
    }
}

/// How failures are counted under one key, and what they lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRule {
    /// Failures that start a block.
    pub threshold: u32,
    /// `Some(ms)`: failures within this window count (the window starts at the first
    /// and ends with a block); `None`: consecutive failures, until cleared.
    pub window_ms: Option<u64>,
    /// How long a block lasts.
    pub block: Block,
    /// A key with no failure for this long, and no block, is forgotten.
    pub forget_after_ms: u64,
}

/// How long a block lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// The same each time.
    Fixed {
        /// Milliseconds.
        ms: u64,
    },
    /// `first_ms` at the threshold, doubling with each further failure, at most
    /// `max_ms`.
    Doubling {
        /// The first block, in milliseconds.
        first_ms: u64,
        /// The longest block, in milliseconds.
        max_ms: u64,
    },
}

impl FailureRule {
    /// `threshold` consecutive failures block (for 1 s until set otherwise); a key is
    /// forgotten after a day without failures.
    pub fn consecutive(threshold: u32) -> Self {
        FailureRule {
            threshold: threshold.max(1),
            window_ms: None,
            block: Block::Fixed { ms: 1000 },
            forget_after_ms: 24 * 3600 * 1000,
        }
    }

    /// `threshold` failures within `window_ms` block; a key is forgotten when its
    /// window ends.
    pub fn within(threshold: u32, window_ms: u64) -> Self {
        FailureRule {
            threshold: threshold.max(1),
            window_ms: Some(window_ms),
            block: Block::Fixed { ms: 1000 },
            forget_after_ms: window_ms,
        }
    }

    /// Blocks of `ms` each.
    pub fn block_fixed_ms(mut self, ms: u64) -> Self {
        self.block = Block::Fixed { ms };
        self
    }

    /// Blocks of `first_ms`, doubling per further failure, at most `max_ms`.
    pub fn block_doubling_ms(mut self, first_ms: u64, max_ms: u64) -> Self {
        self.block = Block::Doubling { first_ms, max_ms };
        self
    }

    /// The block after `failures` failures, if any, in milliseconds.
    pub fn block_for(&self, failures: u32) -> Option<u64> {
        let beyond = failures.checked_sub(self.threshold)?;
        Some(match self.block {
            Block::Fixed { ms } => ms,
            Block::Doubling { first_ms, max_ms } => first_ms
                .checked_shl(beyond.min(63))
                .filter(|ms| *ms >> beyond.min(63) == first_ms)
                .unwrap_or(max_ms)
                .min(max_ms),
        })
    }
}

/// What a failure left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureState {
    /// Failures counted under the key now.
    pub failures: u32,
    /// Until when (the store's clock, Unix milliseconds) the key is blocked, if it is.
    pub blocked_until_ms: Option<u64>,
}

/// A rate-limit decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Let through (and counted).
    Allowed,
    /// Refused: retry after this many milliseconds.
    Limited {
        /// Milliseconds until a request would be let through.
        retry_after_ms: u64,
    },
}

/// The generic cell rate algorithm's parameters: one request per `interval_ms` on
/// average, and bursts of `tolerance_ms / interval_ms + 1` requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gcra {
    /// The emission interval: milliseconds per request at the sustained rate.
    pub interval_ms: u64,
    /// How far ahead of the schedule a burst may run, in milliseconds.
    pub tolerance_ms: u64,
}

/// A revocation, as a store keeps and replays it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// The token with this `jti`, until its `exp` (Unix seconds).
    Token {
        /// The token's id.
        jti: String,
        /// Its expiry.
        exp: i64,
    },
    /// Every token of `subject` issued at or before `before` (Unix seconds).
    Subject {
        /// The subject.
        subject: String,
        /// The cut-off.
        before: i64,
    },
}

/// Where counters and limits live. Each method is one atomic step on one key, timed
/// by the store's clock; a store shared by replicas (Redis) makes each one
/// server-side script.
///
/// [`MemoryStore`] is the in-process one.
pub trait StateStore: Send + Sync + 'static {
    /// Until when `key` is blocked (Unix milliseconds, the store's clock), or
    /// `None`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] when `key` is not tracked and could not be: a caller
    /// about to do work it must count refuses it rather than leave it uncounted.
    fn blocked(&self, key: &StateKey) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send;

    /// Counts a failure under `key` by `rule`: the count and the block it leads to.
    fn fail(&self, key: &StateKey, rule: &FailureRule)
    -> impl Future<Output = Result<FailureState, StoreError>> + Send;

    /// [`blocked`](Self::blocked) for several keys, each answered in order (one
    /// reading of the clock, or one round trip, where the store can).
    fn blocked_each<const N: usize>(
        &self,
        keys: [&StateKey; N],
    ) -> impl Future<Output = [Result<Option<u64>, StoreError>; N]> + Send {
        async move {
            let mut answers = [Ok(None); N];
            for (answer, key) in answers.iter_mut().zip(keys) {
                *answer = self.blocked(key).await;
            }
            answers
        }
    }

    /// [`fail`](Self::fail) for several keys, each answered in order.
    fn fail_each<const N: usize>(
        &self,
        items: [(&StateKey, &FailureRule); N],
    ) -> impl Future<Output = [Result<FailureState, StoreError>; N]> + Send {
        async move {
            let mut answers = [Err(StoreError::Unavailable("not reached")); N];
            for (answer, (key, rule)) in answers.iter_mut().zip(items) {
                *answer = self.fail(key, rule).await;
            }
            answers
        }
    }

    /// Forgets `key`'s failures (a success).
    fn clear(&self, key: &StateKey) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// One request under `key`, by GCRA: let through and recorded, or refused with
    /// the time until the next one would be let through.
    fn rate(&self, key: &StateKey, gcra: Gcra) -> impl Future<Output = Result<RateDecision, StoreError>> + Send;

    /// The store's clock: Unix milliseconds.
    fn now_ms(&self) -> u64;

    /// Records a revocation in the feed every replica replays; its position in it.
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] when the feed holds its maximum of live entries (the
    /// revocation was not recorded: refuse the logout, never report it done).
    fn revoke(&self, revoked: &Revoked) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The revocations recorded after position `after` (0: from the oldest the store
    /// keeps), at most `limit`, oldest first, each with its position.
    fn revocations(
        &self,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(u64, Revoked)>, StoreError>> + Send;

    /// A short name for the kind of store, for the metrics' `backend` label:
    /// `memory`, `redis`, `fallback`; default `custom`.
    fn backend(&self) -> &'static str {
        "custom"
    }

    /// Whether [`rate_now`](Self::rate_now) always answers (the state is in this
    /// process): adapters then decide in place, without waiting. Default: `false`.
    fn answers_now(&self) -> bool {
        false
    }

    /// [`rate`](Self::rate) without waiting, for stores that never wait (the
    /// in-process one): `None`, the default, means "await `rate`". It must give the
    /// same answer as `rate`, and is never called as well as `rate` for one request.
    fn rate_now(&self, key: &StateKey, gcra: Gcra) -> Option<Result<RateDecision, StoreError>> {
        let _ = (key, gcra);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubling_blocks_double_up_to_their_cap() {
        let rule = FailureRule::consecutive(5).block_doubling_ms(1000, 900_000);
        let blocks: Vec<Option<u64>> = (3..=17).map(|n| rule.block_for(n)).collect();
        assert_eq!(&blocks[..4], &[None, None, Some(1000), Some(2000)]);
        assert_eq!(rule.block_for(14), Some(512_000));
        assert_eq!(rule.block_for(15), Some(900_000));
        assert_eq!(rule.block_for(u32::MAX), Some(900_000));
    }
}
