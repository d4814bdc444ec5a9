//! Defences that count: the client's real address behind trusted proxies, login
//! throttling that counts failures only, and request rate limits (GCRA), all on a
//! [`StateStore`](crate::store::StateStore).
//!
//! - [`TrustedProxies::client`]: the peer is the client unless it is a trusted proxy;
//!   then `Forwarded` or `X-Forwarded-For` (every line) is walked from the right and
//!   the first untrusted hop is the client. IPv6 clients are counted by /64
//!   ([`ClientAddr::counting_key`]).
//! - [`LoginThrottle`]: failures are counted per (account, client), per account and
//!   per client, on the normalized account name whether the account exists or not;
//!   a blocked attempt is refused before any password work. Defaults
//!   ([`LoginLimits::default`]) are DESIGN.md's: 5 failures of one account from one
//!   client block it for 1 s, doubling with each further failure up to 15 min; 100
//!   consecutive failures of an account (NIST SP 800-63B) block it for 15 min; 100
//!   failures from one client within 10 min block the client for 10 min.
//! - [`RateLimiter`]: a request rate per key (client, subject, API key, route) with
//!   bursts, by the generic cell rate algorithm.
//!
//! Memory is bounded by the store ([`MemoryStore`](crate::store::MemoryStore): a cap
//! on tracked keys); what it cannot track is refused, never let through uncounted.

mod client;
mod login;
mod rate;

pub(crate) use client::counting_text;
pub use client::{ClientAddr, MAX_FORWARDING_BYTES, MAX_HOPS, TrustedProxies, Via};
pub use login::{AccountLimit, LoginAttempt, LoginCheck, LoginLimits, LoginThrottle, Scope};
pub use rate::{Quota, RateKey, RateLimiter};

use std::time::Duration;

use crate::store::StoreError;

/// Why a throttle could not decide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ThrottleError {
    /// A configuration given at start-up is invalid.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// The state store failed.
    #[error("state store: {0}")]
    Store(#[from] StoreError),
}

impl ThrottleError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ThrottleError::InvalidConfig(_) => "invalid_config",
            ThrottleError::Store(err) => err.code(),
        }
    }
}

/// Whole seconds for `Retry-After`: rounded up, at least 1.
pub fn retry_after_seconds(wait: Duration) -> u32 {
    u32::try_from(wait.as_millis().div_ceil(1000))
        .unwrap_or(u32::MAX)
        .max(1)
}
