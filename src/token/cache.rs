//! The verified-token cache: a token that verified once is served again without
//! its signature check, for the same verifier, until it expires.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use quick_cache::sync::Cache;
use quick_cache::{Equivalent, Weighter};

use crate::Principal;

/// Tokens longer than this are not cached: 4 KiB.
pub const MAX_CACHED_TOKEN_BYTES: usize = 4096;

/// What an entry costs beyond its token and claims, counted against the budget.
const ENTRY_OVERHEAD_BYTES: u64 = 256;

/// An opt-in cache of verified tokens for [`VerifierBuilder::cache`], bounded in
/// bytes.
///
/// - **Keyed by the whole token and the verifier:** a token accepted by one verifier
///   is never served from the cache to another (even one sharing this cache), and a
///   token is compared in full, never by a hash alone.
/// - **Expiry:** an entry is served only while the token's `exp` has not passed (no
///   leeway: the cache never extends a token), after its `nbf` and `iat` (less the
///   leeway), and within the verifier's maximum age; every hit checks these against the
///   clock again, and asks the verifier's [`Revocation`](super::Revocation).
/// - **Key rotation:** entries verified with an older generation of a remote key set
///   are verified again.
/// - **Memory:** at most `max_bytes` (within a few percent), counting each entry as
///   its token, its claims as they sit in memory (80 bytes a JSON value, 32 a
///   string, plus their bytes), roles, scopes and 256 bytes; tokens over
///   [`MAX_CACHED_TOKEN_BYTES`] are not cached. Eviction is
///   S3-FIFO (quick_cache), which keeps hot tokens better than LRU under a scan of
///   one-off tokens.
///
/// ```
/// use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, TokenCache, Verifier};
///
/// let key = SigningKey::generate(Algorithm::ES256)?;
/// let verifier = Verifier::builder(KeySet::single(key.verifying_key()))
///     .audience("orders")
///     .cache(TokenCache::new(16 * 1024 * 1024))
///     .build()?;
/// let token = Issuer::builder(key).audience("orders").build()?.issue("alice", &())?;
/// assert_eq!(verifier.verify_principal(&token)?.subject(), "alice"); // verified
/// assert_eq!(verifier.verify_principal(&token)?.subject(), "alice"); // from the cache
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`VerifierBuilder::cache`]: super::VerifierBuilder::cache
#[derive(Clone)]
pub struct TokenCache {
    entries: Arc<Cache<Key, Arc<Entry>, ByBytes>>,
    max_bytes: u64,
    /// `hit` and `miss`, registered when the cache was made.
    #[cfg(feature = "metrics")]
    requests: Arc<crate::metrics::Labeled<2>>,
}

impl TokenCache {
    /// A cache of at most `max_bytes` (see the type's docs for how entries count).
    pub fn new(max_bytes: u64) -> Self {
        // quick_cache sizes its tables from an item estimate: about 1 KiB a token.
        let estimated_items = usize::try_from((max_bytes / 1024).max(16)).unwrap_or(usize::MAX);
        TokenCache {
            entries: Arc::new(Cache::with_weighter(estimated_items, max_bytes, ByBytes)),
            max_bytes,
            #[cfg(feature = "metrics")]
            requests: Arc::new(crate::metrics::Labeled::register(
                crate::metrics::TOKEN_CACHE_REQUESTS,
                "result",
                ["hit", "miss"],
            )),
        }
    }

    /// The budget in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes counted against the budget now.
    pub fn weight(&self) -> u64 {
        self.entries.weight()
    }

    /// Counts a lookup that served the token (`hit`) or did not.
    #[allow(unused_variables)]
    pub(crate) fn counted(&self, hit: bool) {
        #[cfg(feature = "metrics")]
        self.requests.increment(if hit { "hit" } else { "miss" });
    }

    pub(crate) fn get(&self, verifier: u64, token: &str) -> Option<Arc<Entry>> {
        self.entries.get(&Lookup { verifier, token })
    }

    pub(crate) fn insert(&self, verifier: u64, token: &str, mut entry: Entry) {
        if token.len() <= MAX_CACHED_TOKEN_BYTES {
            entry.weight = weigh(token, &entry.principal);
            let key = Key {
                verifier,
                token: token.into(),
            };
            self.entries.insert(key, Arc::new(entry));
        }
    }

    pub(crate) fn remove(&self, verifier: u64, token: &str) {
        self.entries.remove(&Lookup { verifier, token });
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("entries", &self.len())
            .field("weight", &self.weight())
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

/// A cached verification.
pub(crate) struct Entry {
    pub(crate) principal: Principal,
    /// Served from this time on (seconds since the epoch): the later of `nbf` and
    /// `iat`, less the leeway.
    pub(crate) valid_from: i64,
    /// Served before this time: `exp`, or earlier for a maximum age.
    pub(crate) valid_until: i64,
    pub(crate) iat: Option<i64>,
    /// The remote key set's generation it was verified with (0 for static keys).
    pub(crate) generation: u64,
    /// Bytes it is counted as (set on insert).
    pub(crate) weight: u64,
}

/// A verified token's times, as the cache reads them (seconds since the epoch).
#[derive(Clone, Copy)]
pub(crate) struct Lifetime {
    pub(crate) nbf: Option<i64>,
    pub(crate) iat: Option<i64>,
    pub(crate) exp: Option<i64>,
}

impl Entry {
    /// The entry for a token just verified at `now` with key generation
    /// `generation`, or `None` when it is not to be cached. It is served only while
    /// verification would pass without leeway on `exp`: the cache never extends a
    /// token. A token without `exp` (allowed by `require_exp(false)`) is not cached,
    /// nor one within the leeway after its `exp` (it still verifies).
    pub(crate) fn new(
        principal: &Principal,
        times: Lifetime,
        max_age: Option<i64>,
        leeway: i64,
        now: i64,
        generation: u64,
    ) -> Option<Self> {
        let exp = times.exp?;
        let until_max_age = match (max_age, times.iat) {
            (Some(max_age), Some(iat)) => iat.saturating_add(max_age),
            _ => i64::MAX,
        };
        let valid_until = exp.min(until_max_age);
        // Not before `nbf`, nor before `iat` (a clock stepped back), less the
        // leeway, as verification itself.
        let valid_from = times
            .nbf
            .max(times.iat)
            .map_or(i64::MIN, |from| from.saturating_sub(leeway));
        (now < valid_until).then(|| Entry {
            principal: principal.clone(),
            valid_from,
            valid_until,
            iat: times.iat,
            generation,
            weight: 0,
        })
    }

    /// Whether the entry still stands at `now` for keys of generation `generation`:
    /// verified with these keys, and within its validity.
    pub(crate) fn serves(&self, generation: u64, now: i64) -> bool {
        self.generation == generation && now >= self.valid_from && now < self.valid_until
    }
}

/// An entry's memory: the token, the claims' text, roles and scopes (each string
/// with its bytes and a header), the subject, and a fixed overhead. An estimate
/// that errs high: a token of 1,300 scopes weighs what its 1,300 strings cost, not
/// what its text is.
fn weigh(token: &str, principal: &Principal) -> u64 {
    const STRING: u64 = 32;
    let names = |list: crate::Names<'_>| list.iter().map(|s| STRING + s.len() as u64).sum::<u64>();
    token.len() as u64
        + principal.claims_json().len() as u64
        + names(principal.roles())
        + names(principal.scopes())
        + principal.subject().len() as u64
        + ENTRY_OVERHEAD_BYTES
}

pub(crate) struct Key {
    verifier: u64,
    token: Box<str>,
}

struct Lookup<'a> {
    verifier: u64,
    token: &'a str,
}

// Key and Lookup hash alike, so a lookup needs no allocation. Only a token's
// length and last bytes (its signature, unique to it) are hashed, which is a
// quarter of the cost of the whole token; equality still compares the whole token.
// Tokens sharing a tail share a bucket, and only verified tokens are ever stored.
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(self.verifier, &self.token, state);
    }
}

impl Hash for Lookup<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(self.verifier, self.token, state);
    }
}

/// Bytes of a token's end that are hashed.
const HASHED_TAIL: usize = 64;

fn hash_key<H: Hasher>(verifier: u64, token: &str, state: &mut H) {
    let bytes = token.as_bytes();
    state.write_u64(verifier);
    state.write_usize(bytes.len());
    state.write(&bytes[bytes.len().saturating_sub(HASHED_TAIL)..]);
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.verifier == other.verifier && self.token == other.token
    }
}

impl Eq for Key {}

// A lookup compares tokens in constant time: the cached one is a credential.
impl Equivalent<Key> for Lookup<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.verifier == key.verifier && same_bytes(self.token.as_bytes(), key.token.as_bytes())
    }
}

/// Equality in time that depends on the length only, eight bytes at a step.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a_words, mut b_words) = (a.chunks_exact(8), b.chunks_exact(8));
    let mut difference = 0u64;
    for (x, y) in a_words.by_ref().zip(b_words.by_ref()) {
        let word = |bytes: &[u8]| bytes.try_into().map_or(0, u64::from_ne_bytes);
        difference |= word(x) ^ word(y);
    }
    for (x, y) in a_words.remainder().iter().zip(b_words.remainder()) {
        difference |= u64::from(x ^ y);
    }
    std::hint::black_box(difference) == 0
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<Key, Arc<Entry>> for ByBytes {
    fn weight(&self, _: &Key, entry: &Arc<Entry>) -> u64 {
        entry.weight
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_bytes_is_equality() {
        for (a, b) in [
            ("", ""),
            ("abcdefghij", "abcdefghij"),
            ("abcdefghij", "abcdefghiJ"),
            ("a", "b"),
            ("abc", "abcd"),
        ] {
            assert_eq!(super::same_bytes(a.as_bytes(), b.as_bytes()), a == b, "{a} {b}");
        }
    }
}
