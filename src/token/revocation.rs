//! Revocation: tokens refused before they expire, by `jti` or by subject ("log out
//! everywhere"), checked after the signature and the claims, and on every hit of
//! the verified-token cache.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use super::clock::system_clock;

/// What a [`Revocation`] sees of a verified token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenIdentity<'a> {
    /// `jti`.
    pub jti: Option<&'a str>,
    /// `sub`.
    pub sub: Option<&'a str>,
    /// `iat`.
    pub iat: Option<i64>,
    /// `exp`.
    pub exp: Option<i64>,
}

/// A source of revocations, asked once per verification (and per cache hit): keep
/// it fast and non-blocking, as [`InMemoryRevocation`] is. Give it to
/// [`VerifierBuilder::revocation`](super::VerifierBuilder::revocation).
pub trait Revocation: Send + Sync + 'static {
    /// Whether the token is revoked.
    fn is_revoked(&self, token: &TokenIdentity<'_>) -> bool;
}

/// Revocations in memory, each forgotten once no verifier could accept the tokens it
/// refuses: a revoked `jti` at its token's `exp`, a subject's cut-off after the
/// longest token lifetime you issue, each plus [`MAX_LEEWAY`](super::clock::MAX_LEEWAY)
/// (a verifier accepts a token until `exp` plus its leeway, and no verifier's leeway
/// is longer). At most [`max_entries`](Self::with_max_entries)
/// entries (default 100,000, about 100 bytes each plus the strings).
///
/// ```
/// use std::time::Duration;
/// use portcullis::token::{InMemoryRevocation, Revocation, TokenIdentity};
///
/// let revoked = InMemoryRevocation::new(Duration::from_secs(3600));
/// revoked.revoke_token("4f2a", 2_000_000_000)?;
/// revoked.revoke_subject("alice", 1_700_000_000)?;
///
/// let token = |jti, sub, iat| TokenIdentity { jti: Some(jti), sub: Some(sub), iat: Some(iat), exp: Some(2_000_000_000) };
/// assert!(revoked.is_revoked(&token("4f2a", "bob", 1_800_000_000)));
/// assert!(revoked.is_revoked(&token("77aa", "alice", 1_600_000_000)), "issued before the cut-off");
/// assert!(revoked.is_revoked(&token("77aa", "alice", 1_700_000_000)), "in its second");
/// assert!(!revoked.is_revoked(&token("77aa", "alice", 1_800_000_000)), "issued after it");
/// # Ok::<(), portcullis::token::RevocationFull>(())
/// ```
pub struct InMemoryRevocation {
    tokens: RwLock<HashMap<Box<str>, i64>>,
    subjects: RwLock<HashMap<Box<str>, (i64, i64)>>,
    max_lifetime: i64,
    max_entries: usize,
    clock: super::Clock,
}

/// [`InMemoryRevocation`] holds its maximum number of live entries. The
/// revocation was not recorded: treat it as a failure (alert; refuse the logout),
/// never as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the revocation list is full")]
pub struct RevocationFull;

impl InMemoryRevocation {
    /// The default bound on entries: 100,000.
    pub const DEFAULT_MAX_ENTRIES: usize = 100_000;

    /// An empty list, for tokens that live at most `max_token_lifetime` (a subject's
    /// cut-off is kept that long after it, then dropped).
    pub fn new(max_token_lifetime: Duration) -> Self {
        InMemoryRevocation {
            tokens: RwLock::default(),
            subjects: RwLock::default(),
            max_lifetime: i64::try_from(max_token_lifetime.as_secs()).unwrap_or(i64::MAX),
            max_entries: Self::DEFAULT_MAX_ENTRIES,
            clock: std::sync::Arc::new(system_clock),
        }
    }

    /// At most `entries` live revocations of each kind.
    pub fn with_max_entries(mut self, entries: usize) -> Self {
        self.max_entries = entries;
        self
    }

    /// A clock other than the system's (seconds since the epoch), for tests.
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = std::sync::Arc::new(clock);
        self
    }

    /// Revokes the token with this `jti` until its `exp`.
    ///
    /// # Errors
    ///
    /// [`RevocationFull`] when the list holds its maximum of live entries.
    pub fn revoke_token(&self, jti: &str, exp: i64) -> Result<(), RevocationFull> {
        let now = (self.clock)();
        let mut tokens = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(expires) = tokens.get_mut(jti) {
            *expires = (*expires).max(exp);
            return Ok(());
        }
        if tokens.len() >= self.max_entries {
            tokens.retain(|_, expires| still_accepted(*expires, now));
            if tokens.len() >= self.max_entries {
                return Err(RevocationFull);
            }
        }
        tokens.insert(jti.into(), exp);
        Ok(())
    }

    /// Revokes every token of `subject` issued at or before `before` (seconds since
    /// the epoch): "log out everywhere". `iat` counts whole seconds, so a token
    /// issued in the same second is revoked too (a login right after the logout
    /// may need repeating a second later: the safe side of the tie). Tokens of the
    /// subject without `iat` are revoked too, as their age cannot be told.
    ///
    /// # Errors
    ///
    /// [`RevocationFull`] when the list holds its maximum of live entries.
    pub fn revoke_subject(&self, subject: &str, before: i64) -> Result<(), RevocationFull> {
        let now = (self.clock)();
        let until = before.saturating_add(self.max_lifetime);
        let mut subjects = self.subjects.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = subjects.get_mut(subject) {
            *entry = (entry.0.max(before), entry.1.max(until));
            return Ok(());
        }
        if subjects.len() >= self.max_entries {
            subjects.retain(|_, (_, until)| still_accepted(*until, now));
            if subjects.len() >= self.max_entries {
                return Err(RevocationFull);
            }
        }
        subjects.insert(subject.into(), (before, until));
        Ok(())
    }

    /// Live entries (tokens, subjects); expired ones may still be counted until the
    /// next write that needs room.
    pub fn len(&self) -> (usize, usize) {
        let tokens = self.tokens.read().unwrap_or_else(PoisonError::into_inner).len();
        let subjects = self.subjects.read().unwrap_or_else(PoisonError::into_inner).len();
        (tokens, subjects)
    }

    /// Whether nothing is revoked.
    pub fn is_empty(&self) -> bool {
        self.len() == (0, 0)
    }
}

/// Whether a verifier may still accept a token that expires at `exp`: until `exp`
/// plus the largest leeway a verifier can be built with.
fn still_accepted(exp: i64, now: i64) -> bool {
    exp.saturating_add(super::clock::MAX_LEEWAY.as_secs() as i64) > now
}

impl Revocation for InMemoryRevocation {
    fn is_revoked(&self, token: &TokenIdentity<'_>) -> bool {
        if let Some(jti) = token.jti
            && self
                .tokens
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .contains_key(jti)
        {
            return true;
        }
        let Some(sub) = token.sub else {
            return false;
        };
        let subjects = self.subjects.read().unwrap_or_else(PoisonError::into_inner);
        match subjects.get(sub) {
            Some(&(before, _)) => token.iat.is_none_or(|iat| iat <= before),
            None => false,
        }
    }
}

impl std::fmt::Debug for InMemoryRevocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (tokens, subjects) = self.len();
        f.debug_struct("InMemoryRevocation")
            .field("tokens", &tokens)
            .field("subjects", &subjects)
            .finish_non_exhaustive()
    }
}
