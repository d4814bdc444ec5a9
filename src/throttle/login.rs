//! Login throttling: failures counted per (account, client), per account and per
//! client, checked before any password work.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::{ClientAddr, ThrottleError};
use crate::store::{FailureRule, Prehashed, StateKey, StateStore, StoreError};

/// What a login throttle counts, and what it does when the account-wide count fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// One account from one client.
    pub pair: FailureRule,
    /// One account from every client.
    pub account: FailureRule,
    /// One client across every account (credential stuffing).
    pub client: FailureRule,
    /// What a blocked account means.
    pub on_account_limit: AccountLimit,
    /// Password checks one client may have running at once on this replica (default
    /// 2): a client flooding the login cannot fill the password pool before its
    /// failures are counted, so other clients' logins still get a turn.
    pub in_flight_per_client: u32,
}

/// What the account-wide limit does: block (the default), or let the application
/// ask for more than a password (a second factor, a CAPTCHA) and go on counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountLimit {
    /// Refuse, as the other limits do.
    Block,
    /// Answer [`LoginCheck::Challenge`].
    Challenge,
}

impl Default for LoginLimits {
    /// DESIGN.md's: (account, client) 5 failures, then 1 s doubling to 15 min; the
    /// account 100 consecutive failures, 15 min; the client 100 failures within 10
    /// min, 10 min.
    fn default() -> Self {
        LoginLimits {
            pair: FailureRule::consecutive(5).block_doubling_ms(1000, 15 * 60 * 1000),
            account: FailureRule::consecutive(100).block_fixed_ms(15 * 60 * 1000),
            client: FailureRule::within(100, 10 * 60 * 1000).block_fixed_ms(10 * 60 * 1000),
            on_account_limit: AccountLimit::Block,
            in_flight_per_client: 2,
        }
    }
}

/// Which limit refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One account from one client.
    Pair,
    /// The account, from every client.
    Account,
    /// The client, across accounts.
    Client,
    /// The store could not track another key.
    Capacity,
    /// The client already has its share of password checks running.
    InFlight,
}

impl Scope {
    /// A stable name, for logs and metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            Scope::Pair => "account_client",
            Scope::Account => "account",
            Scope::Client => "client",
            Scope::Capacity => "capacity",
            Scope::InFlight => "in_flight",
        }
    }
}

/// The throttle's answer before a login's password is checked.
#[derive(Debug)]
pub enum LoginCheck {
    /// Check the password, then report with [`LoginThrottle::failed`] or
    /// [`LoginThrottle::succeeded`].
    Proceed(LoginAttempt),
    /// Refuse without checking the password (HTTP 429 with `Retry-After`).
    Blocked {
        /// How long until an attempt is let through.
        retry_after: Duration,
        /// Which limit refused (for the audit log; never for the client).
        scope: Scope,
    },
    /// The account-wide limit fired and the application asked to challenge
    /// ([`AccountLimit::Challenge`]): ask for more than the password, then go on as
    /// for `Proceed`.
    Challenge(LoginAttempt),
}

/// One login attempt being checked: the counters it moves, and its client's
/// in-flight slot (given back when the attempt is dropped).
pub struct LoginAttempt {
    pair: StateKey,
    account: StateKey,
    client: StateKey,
    _slot: Slot,
}

/// The most clients whose in-flight password checks are tracked at once; past it,
/// new clients wait their turn (refused for a second).
const MAX_IN_FLIGHT_CLIENTS: usize = 100_000;

/// Password checks running per client on this replica, by the keyed hash of the
/// client's counting key (the one its `login.client` counter has).
#[derive(Default)]
struct InFlight {
    counts: Mutex<HashMap<u64, u32, BuildHasherDefault<Prehashed>>>,
}

impl InFlight {
    fn claim(self: &Arc<Self>, client: u64, limit: u32) -> Option<Slot> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if !counts.contains_key(&client) && counts.len() >= MAX_IN_FLIGHT_CLIENTS {
            return None;
        }
        let count = counts.entry(client).or_default();
        if *count >= limit.max(1) {
            return None;
        }
        *count += 1;
        Some(Slot {
            in_flight: self.clone(),
            client,
        })
    }
}

/// A claimed in-flight slot.
struct Slot {
    in_flight: Arc<InFlight>,
    client: u64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.in_flight.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.client) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.client);
            }
        }
    }
}

impl std::fmt::Debug for LoginAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginAttempt")
    }
}

/// Login throttling on a [`StateStore`]: see the [module docs](super).
///
/// ```
/// use portcullis::store::MemoryStore;
/// use portcullis::throttle::{ClientAddr, LoginCheck, LoginLimits, LoginThrottle};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let throttle = LoginThrottle::new(MemoryStore::default(), LoginLimits::default());
/// let client = ClientAddr::peer("192.0.2.7".parse()?);
/// for _ in 0..5 {
///     let LoginCheck::Proceed(attempt) = throttle.check("alice", &client).await? else { unreachable!() };
///     // … the password was wrong:
///     throttle.failed(&attempt).await?;
/// }
/// assert!(matches!(throttle.check("alice", &client).await?, LoginCheck::Blocked { .. }));
/// // Another client is not blocked by it.
/// let other = ClientAddr::peer("198.51.100.1".parse()?);
/// assert!(matches!(throttle.check("alice", &other).await?, LoginCheck::Proceed(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct LoginThrottle<S> {
    store: S,
    limits: LoginLimits,
    in_flight: Arc<InFlight>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for LoginThrottle<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginThrottle")
            .field("store", &self.store)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl<S: StateStore> LoginThrottle<S> {
    /// A throttle keeping its counters in `store`.
    pub fn new(store: S, limits: LoginLimits) -> Self {
        LoginThrottle {
            store,
            limits,
            in_flight: Arc::default(),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Whether `account` (normalized: the same name for every spelling the service
    /// accepts, known or not) may try a password from `client` now. Names longer
    /// than 256 bytes are counted by their SHA-256.
    ///
    /// # Errors
    ///
    /// [`ThrottleError::Store`] when the store failed (a tracking limit is not an
    /// error: it is [`Scope::Capacity`]).
    pub async fn check(&self, account: &str, client: &ClientAddr) -> Result<LoginCheck, ThrottleError> {
        // A name past the key limit is counted by its digest: the same name, the
        // same counter, and no error for a client's over-long input.
        let digest;
        let account = if account.len() > MAX_ACCOUNT_BYTES {
            digest = digest_name(account);
            digest.as_str()
        } else {
            account
        };
        let mut buffer = [0u8; 39];
        let address = super::counting_text(client, &mut buffer);
        let client = key("login.client", &[address])?;
        let Some(slot) = self
            .in_flight
            .claim(client.keyed_hash(), self.limits.in_flight_per_client)
        else {
            return Ok(blocked_for(1000, Scope::InFlight));
        };
        let attempt = LoginAttempt {
            pair: key("login.pair", &[account, address])?,
            account: key("login.account", &[account])?,
            client,
            _slot: slot,
        };
        let mut account_blocked = None;
        let answers = self
            .store
            .blocked_each([&attempt.pair, &attempt.client, &attempt.account])
            .await;
        for (answer, scope) in answers.into_iter().zip([Scope::Pair, Scope::Client, Scope::Account]) {
            match answer {
                Ok(None) => {}
                Ok(Some(until)) if scope == Scope::Account => account_blocked = Some(until),
                Ok(Some(until)) => return Ok(blocked_for(until.saturating_sub(self.store.now_ms()), scope)),
                Err(StoreError::Full) => return Ok(blocked_for(1000, Scope::Capacity)),
                Err(err) => return Err(err.into()),
            }
        }
        Ok(match (account_blocked, self.limits.on_account_limit) {
            (None, _) => LoginCheck::Proceed(attempt),
            (Some(_), AccountLimit::Challenge) => LoginCheck::Challenge(attempt),
            (Some(until), AccountLimit::Block) => {
                blocked_for(until.saturating_sub(self.store.now_ms()), Scope::Account)
            }
        })
    }

    /// The password was wrong (or the account unknown): every counter moves.
    ///
    /// # Errors
    ///
    /// [`ThrottleError::Store`] when the store failed; a key the store could not
    /// track goes uncounted (it was checked for room just before).
    pub async fn failed(&self, attempt: &LoginAttempt) -> Result<(), ThrottleError> {
        let answers = self
            .store
            .fail_each([
                (&attempt.pair, &self.limits.pair),
                (&attempt.account, &self.limits.account),
                (&attempt.client, &self.limits.client),
            ])
            .await;
        for answer in answers {
            match answer {
                Ok(_) | Err(StoreError::Full) => {}
                Err(err) => return Err(err.into()),
            }
        }
        Ok(())
    }

    /// The password was right: the (account, client) and account counts are
    /// cleared; the client's count across accounts is not.
    ///
    /// # Errors
    ///
    /// [`ThrottleError::Store`].
    pub async fn succeeded(&self, attempt: &LoginAttempt) -> Result<(), ThrottleError> {
        self.store.clear(&attempt.pair).await?;
        self.store.clear(&attempt.account).await?;
        Ok(())
    }
}

fn key(namespace: &str, parts: &[&str]) -> Result<StateKey, ThrottleError> {
    // Account names are bounded by their normalization rules; a longer one is
    // refused here rather than truncated into someone else's counter.
    StateKey::new(namespace, parts).map_err(ThrottleError::Store)
}

/// Account names longer than this are counted by their SHA-256.
const MAX_ACCOUNT_BYTES: usize = 256;

fn digest_name(account: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, account.as_bytes());
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    for byte in digest.as_ref() {
        text.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        text.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    text
}

/// Refused for `ms` milliseconds (at least 1).
fn blocked_for(ms: u64, scope: Scope) -> LoginCheck {
    #[cfg(feature = "metrics")]
    crate::metrics::count(crate::metrics::THROTTLE_BLOCKS, "scope", scope.as_str());
    LoginCheck::Blocked {
        retry_after: Duration::from_millis(ms.max(1)),
        scope,
    }
}
