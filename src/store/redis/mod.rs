//! [`RedisStore`]: the state every replica shares, on Redis (feature `redis`).
//!
//! - **One connection**: redis-rs's `ConnectionManager`, multiplexed and reconnecting
//!   in the background; no pool (no command here blocks the connection).
//! - **One round trip per decision**: a login check reads its three counters and the
//!   server's clock in one pipeline; a failure, a rate decision and a revocation are
//!   each one server-side script (`EVALSHA`, loaded on connect and again whenever
//!   the server answers `NOSCRIPT`, as after a restart), pipelined when a login moves
//!   three counters at once. Every script times itself with the server's `TIME`, so
//!   replicas agree whatever their clocks, and leaves a TTL on every key it writes.
//! - **Key names**: `<prefix><namespace>:{<digest>}`, where the digest is the first 16
//!   bytes of the SHA-256 of the key's text, in hex: no account name or client
//!   address is stored in clear, and the hash tag (`{…}`) puts each key in its own
//!   Redis Cluster slot, so that every script touches one slot. API-key records
//!   share one tag (`<prefix>{apikeys}:…`). This store connects to one server (or a
//!   proxy in front of a cluster).
//! - **Slow is down**: every operation has a deadline ([`RedisOptions::timeout`],
//!   50 ms by default) and a circuit breaker: after
//!   [`RedisOptions::breaker_failures`] failures in a row, operations fail at once
//!   with [`StoreError::Unavailable`] for [`RedisOptions::breaker_open`], then one
//!   probe is let through. What a caller does then is its failure policy:
//!   [`Fallback`](super::Fallback).
//! - **Revocations** are a Redis Stream (`<prefix>{revocations}`), entries trimmed
//!   after [`RedisOptions::revocation_retention`]; each replica's
//!   [`SharedRevocation`](crate::token::SharedRevocation) replays it from where it
//!   stopped, so what was written during a disconnect arrives after it.
//!
//! **If the server is flushed** (or restarted without persistence): counters and
//! rate limits start again from zero; API-key records are gone (their keys are
//! refused as invalid); revocations already received stay enforced by every running
//! replica, which keeps its own copy, but a replica started afterwards does not learn
//! them. Nothing panics, and new revocations reach every replica as before.
//!
//! ```no_run
//! use portcullis::store::{RedisOptions, RedisStore};
//! use portcullis::throttle::{LoginLimits, LoginThrottle};
//!
//! # async fn run() -> Result<(), portcullis::store::StoreError> {
//! let store = RedisStore::connect("redis://127.0.0.1:6379/", RedisOptions::default()).await?;
//! let throttle = LoginThrottle::new(store, LoginLimits::default());
//! # let _ = throttle;
//! # Ok(())
//! # }
//! ```

mod apikeys;
mod breaker;
mod scripts;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Pipeline, Script, Value};

use self::breaker::Breaker;
use super::{Block, FailureRule, FailureState, Gcra, RateDecision, Revoked, StateKey, StateStore, StoreError};

/// How a [`RedisStore`] names its keys and when it gives up on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisOptions {
    /// Put before every key name (default `portcullis:`): 1 to 64 bytes of ASCII
    /// letters, digits and `:._-`.
    pub prefix: String,
    /// How long an operation may take before the server counts as down (default
    /// 50 ms; 1 ms to 10 s).
    pub timeout: Duration,
    /// Failures in a row that open the circuit breaker (default 3).
    pub breaker_failures: u32,
    /// How long the open breaker refuses before letting a probe through (default
    /// 1 s).
    pub breaker_open: Duration,
    /// How long revocations stay in the feed (default 25 hours: a day's subject
    /// cut-offs plus tokens' leeway). Tokens living longer than this are revoked on
    /// the replicas running when it was written, not on those started later.
    pub revocation_retention: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            prefix: "portcullis:".to_owned(),
            timeout: Duration::from_millis(50),
            breaker_failures: 3,
            breaker_open: Duration::from_secs(1),
            revocation_retention: Duration::from_secs(25 * 3600),
        }
    }
}

impl RedisOptions {
    /// The defaults under another key prefix.
    ///
    /// ```
    /// use portcullis::store::RedisOptions;
    ///
    /// let options = RedisOptions::with_prefix("orders:");
    /// assert_eq!(options.prefix, "orders:");
    /// ```
    pub fn with_prefix(prefix: &str) -> Self {
        RedisOptions {
            prefix: prefix.to_owned(),
            ..Self::default()
        }
    }

    /// The same options with another operation timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use portcullis::store::RedisOptions;
    ///
    /// let options = RedisOptions::default().timeout(Duration::from_millis(20));
    /// assert_eq!(options.timeout, Duration::from_millis(20));
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn validate(&self) -> Result<(), StoreError> {
        let prefix_ok = (1..=64).contains(&self.prefix.len())
            && self
                .prefix
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b":._-".contains(&byte));
        if !prefix_ok {
            return Err(StoreError::Unavailable("invalid key prefix"));
        }
        if self.timeout < Duration::from_millis(1) || self.timeout > Duration::from_secs(10) {
            return Err(StoreError::Unavailable("timeout outside 1 ms to 10 s"));
        }
        Ok(())
    }
}

/// Counters, rate limits, revocations and API-key records on Redis, shared by
/// every replica: see the [module docs](self). Clones share the connection.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    connection: ConnectionManager,
    options: RedisOptions,
    breaker: Breaker,
    /// The server's clock minus ours, in milliseconds, from the last `TIME` read.
    offset_ms: AtomicI64,
    fail: Lua,
    rate: Lua,
    revoke: Lua,
    key_insert: Lua,
    key_find: Lua,
    key_list: Lua,
    key_update: Lua,
}

/// A script's text and the SHA-1 that `EVALSHA` names it by.
struct Lua {
    code: &'static str,
    sha: String,
}

impl Lua {
    fn new(code: &'static str) -> Self {
        Lua {
            code,
            sha: Script::new(code).get_hash().to_owned(),
        }
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: never shown.
        f.debug_struct("RedisStore")
            .field("prefix", &self.inner.options.prefix)
            .field("breaker_open", &self.inner.breaker.is_open())
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store on the server at `url` (`redis://host:port/db`, `rediss://…`,
    /// `redis+unix:///path`). Connects and loads the scripts; if the server cannot
    /// be reached now, the store is still made, and connects when it can (every
    /// operation until then fails with [`StoreError::Unavailable`]).
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] for a URL that is not a Redis URL or options out
    /// of range (never echoing the URL, which may hold a password).
    pub async fn connect(url: &str, options: RedisOptions) -> Result<Self, StoreError> {
        options.validate()?;
        let client = redis::Client::open(url).map_err(|_| StoreError::Unavailable("invalid Redis URL"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.timeout.max(Duration::from_millis(250))))
            .set_response_timeout(Some(options.timeout))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|_| StoreError::Unavailable("cannot make a Redis connection"))?;
        let store = RedisStore {
            inner: Arc::new(Inner {
                connection,
                breaker: Breaker::new(options.breaker_failures, options.breaker_open),
                options,
                offset_ms: AtomicI64::new(0),
                fail: Lua::new(scripts::FAIL),
                rate: Lua::new(scripts::RATE),
                revoke: Lua::new(scripts::REVOKE),
                key_insert: Lua::new(scripts::KEY_INSERT),
                key_find: Lua::new(scripts::KEY_FIND),
                key_list: Lua::new(scripts::KEY_LIST),
                key_update: Lua::new(scripts::KEY_UPDATE),
            }),
        };
        // Best effort: a server that is down now gets the scripts on its first
        // NOSCRIPT answer.
        let _ = store.load_scripts().await;
        Ok(store)
    }

    /// Whether the circuit breaker is open now (operations refused without asking
    /// the server).
    pub fn breaker_open(&self) -> bool {
        self.inner.breaker.is_open()
    }

    /// The options the store was made with.
    pub fn options(&self) -> &RedisOptions {
        &self.inner.options
    }

    fn scripts(&self) -> [&Lua; 7] {
        let inner = &self.inner;
        [
            &inner.fail,
            &inner.rate,
            &inner.revoke,
            &inner.key_insert,
            &inner.key_find,
            &inner.key_list,
            &inner.key_update,
        ]
    }

    async fn load_scripts(&self) -> Result<(), StoreError> {
        let mut pipe = pipeline();
        for script in self.scripts() {
            pipe.cmd("SCRIPT").arg("LOAD").arg(script.code);
        }
        self.exchange_once(&pipe).await.map(drop)
    }

    /// A counter's or a limit's key name: `<prefix><namespace>:{<digest>}`.
    fn key_name(&self, key: &StateKey) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, key.as_str().as_bytes());
        let mut name = String::with_capacity(self.inner.options.prefix.len() + key.namespace().len() + 35);
        name.push_str(&self.inner.options.prefix);
        name.push_str(key.namespace());
        name.push_str(":{");
        push_hex(&mut name, &digest.as_ref()[..16]);
        name.push('}');
        name
    }

    fn feed_name(&self) -> String {
        format!("{}{{revocations}}", self.inner.options.prefix)
    }

    /// One pipeline, one round trip, under the deadline and the breaker; scripts
    /// the server lost are loaded again and the pipeline sent once more.
    ///
    /// `op` names the operation for the metrics (a closed set).
    async fn exchange(&self, op: &'static str, pipe: &Pipeline) -> Result<Vec<Value>, StoreError> {
        let result = async {
            let replies = self.exchange_once(pipe).await?;
            if !replies.iter().any(is_noscript) {
                return Ok(replies);
            }
            self.load_scripts().await?;
            self.exchange_once(pipe).await
        }
        .await;
        #[cfg(feature = "metrics")]
        crate::metrics::store_operation("redis", op, if result.is_ok() { "ok" } else { "error" });
        #[cfg(not(feature = "metrics"))]
        let _ = op;
        result
    }

    async fn exchange_once(&self, pipe: &Pipeline) -> Result<Vec<Value>, StoreError> {
        let breaker = &self.inner.breaker;
        if !breaker.admit() {
            return Err(StoreError::Unavailable("circuit breaker open"));
        }
        let mut connection = self.inner.connection.clone();
        let query = async { pipe.query_async::<Vec<Value>>(&mut connection).await };
        match tokio::time::timeout(self.inner.options.timeout, query).await {
            Err(_) => {
                breaker.failed();
                Err(StoreError::Unavailable("timed out"))
            }
            Ok(Err(err)) if err.is_timeout() => {
                breaker.failed();
                Err(StoreError::Unavailable("timed out"))
            }
            Ok(Err(err)) if err.is_io_error() || err.is_connection_dropped() || err.is_connection_refusal() => {
                breaker.failed();
                Err(StoreError::Unavailable("connection failed"))
            }
            Ok(Err(_)) => {
                breaker.failed();
                Err(StoreError::Unavailable("unexpected reply"))
            }
            Ok(Ok(replies)) => {
                breaker.succeeded();
                Ok(replies)
            }
        }
    }

    fn note_server_time(&self, reply: &Value) -> Result<u64, StoreError> {
        let (seconds, micros): (u64, u64) = redis::from_redis_value_ref(reply).map_err(|_| unexpected())?;
        let server = seconds.saturating_mul(1000).saturating_add(micros / 1000);
        let offset = i64::try_from(server).unwrap_or(i64::MAX) - i64::try_from(local_ms()).unwrap_or(i64::MAX);
        self.inner.offset_ms.store(offset, Ordering::Relaxed);
        Ok(server)
    }
}

/// A pipeline whose error replies come back as values (one command's error does not
/// hide the others' answers, and `NOSCRIPT` can be told apart).
fn pipeline() -> Pipeline {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    pipe
}

fn is_noscript(reply: &Value) -> bool {
    matches!(reply, Value::ServerError(err) if err.kind() == Some(redis::ServerErrorKind::NoScript))
}

fn unexpected() -> StoreError {
    StoreError::Unavailable("unexpected reply")
}

fn push_hex(text: &mut String, bytes: &[u8]) {
    for byte in bytes {
        text.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        text.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
}

fn local_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
}

/// An EVALSHA of `script` on one key.
fn evalsha<'p>(pipe: &'p mut Pipeline, script: &Lua, key: &str) -> &'p mut Pipeline {
    evalsha_keys(pipe, script, &[key])
}

/// An EVALSHA of `script` on `keys` (under one hash tag).
fn evalsha_keys<'p, K: AsRef<str>>(pipe: &'p mut Pipeline, script: &Lua, keys: &[K]) -> &'p mut Pipeline {
    let command = pipe.cmd("EVALSHA").arg(&script.sha).arg(keys.len());
    for key in keys {
        command.arg(key.as_ref());
    }
    command
}

fn add_failure(pipe: &mut Pipeline, script: &Lua, key: &str, rule: &FailureRule) {
    let window = rule.window_ms.map_or(-1, |ms| i64::try_from(ms).unwrap_or(i64::MAX));
    let (kind, first, max) = match rule.block {
        Block::Fixed { ms } => (0, ms, ms),
        Block::Doubling { first_ms, max_ms } => (1, first_ms, max_ms),
    };
    evalsha(pipe, script, key)
        .arg(rule.threshold)
        .arg(window)
        .arg(kind)
        .arg(first)
        .arg(max)
        .arg(rule.forget_after_ms);
}

fn failure_state(reply: &Value) -> Result<FailureState, StoreError> {
    let (failures, blocked): (u32, u64) = redis::from_redis_value_ref(reply).map_err(|_| unexpected())?;
    Ok(FailureState {
        failures,
        blocked_until_ms: (blocked > 0).then_some(blocked),
    })
}

impl StateStore for RedisStore {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn blocked(&self, key: &StateKey) -> Result<Option<u64>, StoreError> {
        let [answer] = self.blocked_each([key]).await;
        answer
    }

    async fn fail(&self, key: &StateKey, rule: &FailureRule) -> Result<FailureState, StoreError> {
        let [answer] = self.fail_each([(key, rule)]).await;
        answer
    }

    /// The server's clock and every counter, in one round trip.
    async fn blocked_each<const N: usize>(&self, keys: [&StateKey; N]) -> [Result<Option<u64>, StoreError>; N] {
        let mut pipe = pipeline();
        pipe.cmd("TIME");
        for key in keys {
            pipe.cmd("HGET").arg(self.key_name(key)).arg("b");
        }
        let replies = match self.exchange("blocked", &pipe).await {
            Ok(replies) if replies.len() == N + 1 => replies,
            Ok(_) => return [Err(unexpected()); N],
            Err(err) => return [Err(err); N],
        };
        let now = match self.note_server_time(&replies[0]) {
            Ok(now) => now,
            Err(err) => return [Err(err); N],
        };
        std::array::from_fn(|index| {
            let until: Option<u64> = redis::from_redis_value_ref(&replies[index + 1]).map_err(|_| unexpected())?;
            Ok(until.filter(|until| *until > now))
        })
    }

    /// Every failure in one pipeline: one round trip, each script atomic.
    async fn fail_each<const N: usize>(
        &self,
        items: [(&StateKey, &FailureRule); N],
    ) -> [Result<FailureState, StoreError>; N] {
        let mut pipe = pipeline();
        for (key, rule) in items {
            add_failure(&mut pipe, &self.inner.fail, &self.key_name(key), rule);
        }
        match self.exchange("fail", &pipe).await {
            Ok(replies) if replies.len() == N => std::array::from_fn(|index| failure_state(&replies[index])),
            Ok(_) => [Err(unexpected()); N],
            Err(err) => [Err(err); N],
        }
    }

    async fn clear(&self, key: &StateKey) -> Result<(), StoreError> {
        let mut pipe = pipeline();
        pipe.cmd("DEL").arg(self.key_name(key));
        self.exchange("clear", &pipe).await.map(drop)
    }

    async fn rate(&self, key: &StateKey, gcra: Gcra) -> Result<RateDecision, StoreError> {
        let mut pipe = pipeline();
        evalsha(&mut pipe, &self.inner.rate, &self.key_name(key))
            .arg(gcra.interval_ms)
            .arg(gcra.tolerance_ms);
        let replies = self.exchange("rate", &pipe).await?;
        let wait: u64 = replies
            .first()
            .and_then(|reply| redis::from_redis_value_ref(reply).ok())
            .ok_or_else(unexpected)?;
        Ok(match wait {
            0 => RateDecision::Allowed,
            retry_after_ms => RateDecision::Limited { retry_after_ms },
        })
    }

    /// The server's clock, as last read (this process's clock corrected by the
    /// offset seen then): retry times are counted against the server's blocks.
    fn now_ms(&self) -> u64 {
        let offset = self.inner.offset_ms.load(Ordering::Relaxed);
        local_ms().saturating_add_signed(offset)
    }

    async fn revoke(&self, revoked: &Revoked) -> Result<u64, StoreError> {
        let (kind, value, until) = match revoked {
            Revoked::Token { jti, exp } => ("t", jti, exp),
            Revoked::Subject { subject, before } => ("s", subject, before),
        };
        let mut pipe = pipeline();
        evalsha(&mut pipe, &self.inner.revoke, &self.feed_name())
            .arg(u64::try_from(self.inner.options.revocation_retention.as_millis()).unwrap_or(u64::MAX))
            .arg(kind)
            .arg(value.as_str())
            .arg(*until);
        let replies = self.exchange("revoke", &pipe).await?;
        let id: String = replies
            .first()
            .and_then(|reply| redis::from_redis_value_ref(reply).ok())
            .ok_or_else(unexpected)?;
        position_of(&id).ok_or_else(unexpected)
    }

    async fn revocations(&self, after: u64, limit: usize) -> Result<Vec<(u64, Revoked)>, StoreError> {
        let start = match after {
            0 => "-".to_owned(),
            after => format!("({}-{}", after >> SEQUENCE_BITS, after & SEQUENCE_MASK),
        };
        let mut pipe = pipeline();
        pipe.cmd("XRANGE")
            .arg(self.feed_name())
            .arg(start)
            .arg("+")
            .arg("COUNT")
            .arg(limit.max(1));
        let replies = self.exchange("revocations", &pipe).await?;
        let reply: redis::streams::StreamRangeReply = replies
            .first()
            .and_then(|reply| redis::from_redis_value_ref(reply).ok())
            .ok_or_else(unexpected)?;
        let mut feed = Vec::with_capacity(reply.ids.len());
        for entry in reply.ids {
            let Some(position) = position_of(&entry.id) else {
                continue;
            };
            let field = |name: &str| -> Option<String> { entry.get(name) };
            let until = field("e").and_then(|text| text.parse::<i64>().ok());
            // An entry this version cannot read is passed over (the cursor moves on).
            let revoked = match (field("k").as_deref(), field("v"), until) {
                (Some("t"), Some(jti), Some(exp)) => Revoked::Token { jti, exp },
                (Some("s"), Some(subject), Some(before)) => Revoked::Subject { subject, before },
                _ => continue,
            };
            feed.push((position, revoked));
        }
        Ok(feed)
    }
}

/// Stream ids (`<ms>-<sequence>`) as feed positions: the milliseconds above 20 bits
/// of sequence (a million entries within one millisecond).
const SEQUENCE_BITS: u32 = 20;
const SEQUENCE_MASK: u64 = (1 << SEQUENCE_BITS) - 1;

fn position_of(id: &str) -> Option<u64> {
    let (ms, sequence) = id.split_once('-')?;
    let (ms, sequence) = (ms.parse::<u64>().ok()?, sequence.parse::<u64>().ok()?);
    (ms < 1 << (64 - SEQUENCE_BITS) && sequence <= SEQUENCE_MASK).then_some(ms << SEQUENCE_BITS | sequence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_map_to_ordered_positions() {
        let a = position_of("1765000000000-0");
        let b = position_of("1765000000000-1");
        let c = position_of("1765000000001-0");
        assert!(a < b && b < c);
        assert_eq!(position_of("1-1048576"), None);
        assert_eq!(position_of("x-1"), None);
        assert_eq!(position_of("5"), None);
    }
}
