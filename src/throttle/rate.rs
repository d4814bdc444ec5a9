//! Request rate limits: GCRA per key, on a state store.

use std::time::Duration;

use super::{ClientAddr, ThrottleError};
use crate::store::{Gcra, RateDecision, StateKey, StateStore, StoreError};

/// A sustained rate and a burst.
///
/// ```
/// use std::time::Duration;
/// use portcullis::throttle::Quota;
///
/// let quota = Quota::per_second(10)?.burst(20)?;
/// assert_eq!(quota.interval(), Duration::from_millis(100));
/// # Ok::<(), portcullis::throttle::ThrottleError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    interval_ms: u64,
    burst: u32,
}

impl Quota {
    /// `count` requests per `period`, in bursts of up to `count`.
    ///
    /// # Errors
    ///
    /// [`ThrottleError::InvalidConfig`] for a zero count, or a period under 1 ms per
    /// request.
    pub fn new(count: u32, period: Duration) -> Result<Self, ThrottleError> {
        let interval_ms = u64::try_from(period.as_millis() / u128::from(count.max(1))).unwrap_or(u64::MAX);
        if count == 0 || interval_ms == 0 {
            return Err(ThrottleError::InvalidConfig(
                "a quota is at least 1 request and at most 1 per ms",
            ));
        }
        Ok(Quota {
            interval_ms,
            burst: count,
        })
    }

    /// `count` requests a second.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    pub fn per_second(count: u32) -> Result<Self, ThrottleError> {
        Self::new(count, Duration::from_secs(1))
    }

    /// `count` requests a minute.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    pub fn per_minute(count: u32) -> Result<Self, ThrottleError> {
        Self::new(count, Duration::from_secs(60))
    }

    /// Bursts of up to `burst` requests at once.
    ///
    /// # Errors
    ///
    /// [`ThrottleError::InvalidConfig`] for zero.
    pub fn burst(mut self, burst: u32) -> Result<Self, ThrottleError> {
        if burst == 0 {
            return Err(ThrottleError::InvalidConfig("a burst is at least 1 request"));
        }
        self.burst = burst;
        Ok(self)
    }

    /// The time between requests at the sustained rate.
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms)
    }

    fn gcra(&self) -> Gcra {
        Gcra {
            interval_ms: self.interval_ms,
            tolerance_ms: self.interval_ms.saturating_mul(u64::from(self.burst - 1)),
        }
    }
}

/// What a rate limit is kept per.
#[derive(Debug, Clone, Copy)]
pub enum RateKey<'a> {
    /// The client's address (IPv6 by /64).
    Client(&'a ClientAddr),
    /// An authenticated subject.
    Subject(&'a str),
    /// An API key, by its record id.
    ApiKey(&'a str),
    /// A route (its template, not the raw path).
    Route(&'a str),
}

/// A rate limit: one quota, kept per key in a store.
///
/// ```
/// use portcullis::store::MemoryStore;
/// use portcullis::throttle::{ClientAddr, Quota, RateKey, RateLimiter};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let limiter = RateLimiter::new(MemoryStore::default(), "api", Quota::per_second(2)?)?;
/// let client = ClientAddr::peer("192.0.2.7".parse()?);
/// assert!(limiter.check(RateKey::Client(&client)).await?.is_none());
/// assert!(limiter.check(RateKey::Client(&client)).await?.is_none());
/// let wait = limiter.check(RateKey::Client(&client)).await?.expect("limited");
/// assert!(wait.as_millis() <= 500);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RateLimiter<S> {
    store: S,
    name: String,
    gcra: Gcra,
}

impl<S: StateStore> RateLimiter<S> {
    /// A limit named `name` (its keys' namespace: one per limit) of `quota`.
    ///
    /// # Errors
    ///
    /// [`ThrottleError::InvalidConfig`] for an empty name or one with `\x1f`.
    pub fn new(store: S, name: &str, quota: Quota) -> Result<Self, ThrottleError> {
        if name.is_empty() || name.len() > 64 || name.contains('\x1f') {
            return Err(ThrottleError::InvalidConfig("a rate limit's name is 1 to 64 bytes"));
        }
        Ok(RateLimiter {
            store,
            name: format!("rate.{name}"),
            gcra: quota.gcra(),
        })
    }

    /// One request under `key`: `None` when it is let through (and counted), or how
    /// long to wait. A key the store cannot track is refused for a second.
    ///
    /// # Errors
    ///
    /// [`ThrottleError::Store`] when the store failed.
    pub async fn check(&self, key: RateKey<'_>) -> Result<Option<Duration>, ThrottleError> {
        let key = self.key(key)?;
        decided(self.store.rate(&key, self.gcra).await)
    }

    /// [`check`](Self::check) without waiting, when the store can answer so (the
    /// in-process one can): `None` means "await `check`".
    ///
    /// # Errors
    ///
    /// As [`check`](Self::check).
    pub fn check_now(&self, key: RateKey<'_>) -> Option<Result<Option<Duration>, ThrottleError>> {
        let key = match self.key(key) {
            Ok(key) => key,
            Err(err) => return Some(Err(err)),
        };
        self.store.rate_now(&key, self.gcra).map(decided)
    }

    /// Whether [`check_now`](Self::check_now) always answers: the limiter's store
    /// keeps its state in this process.
    ///
    /// ```
    /// use portcullis::store::MemoryStore;
    /// use portcullis::throttle::{Quota, RateLimiter};
    ///
    /// let limiter = RateLimiter::new(MemoryStore::default(), "api", Quota::per_second(10)?)?;
    /// assert!(limiter.answers_now());
    /// # Ok::<(), portcullis::throttle::ThrottleError>(())
    /// ```
    pub fn answers_now(&self) -> bool {
        self.store.answers_now()
    }

    fn key(&self, key: RateKey<'_>) -> Result<StateKey, ThrottleError> {
        let mut buffer = [0u8; 39];
        let (kind, value) = match key {
            RateKey::Client(client) => ("client", super::counting_text(client, &mut buffer)),
            RateKey::Subject(subject) => ("subject", subject),
            RateKey::ApiKey(id) => ("api_key", id),
            RateKey::Route(route) => ("route", route),
        };
        Ok(StateKey::new(&self.name, &[kind, value])?)
    }
}

fn decided(decision: Result<RateDecision, StoreError>) -> Result<Option<Duration>, ThrottleError> {
    match decision {
        Ok(RateDecision::Allowed) => Ok(None),
        Ok(RateDecision::Limited { retry_after_ms }) => {
            #[cfg(feature = "metrics")]
            crate::metrics::count(crate::metrics::THROTTLE_BLOCKS, "scope", "rate_limit");
            Ok(Some(Duration::from_millis(retry_after_ms.max(1))))
        }
        Err(StoreError::Full) => {
            #[cfg(feature = "metrics")]
            crate::metrics::count(crate::metrics::THROTTLE_BLOCKS, "scope", "capacity");
            Ok(Some(Duration::from_secs(1)))
        }
        Err(err) => Err(err.into()),
    }
}
