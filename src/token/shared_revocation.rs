//! Revocations shared through a state store: written once, replayed by every
//! replica into its own in-memory copy, which verification reads without a network
//! call.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::revocation::{InMemoryRevocation, Revocation, TokenIdentity};
use crate::store::{Revoked, StateStore, StoreError};

/// The most revocations read from the store's feed in one [`sync`](SharedRevocation::sync).
const BATCH: usize = 1000;

/// Revocations kept in a [`StateStore`] and replayed here: [`revoke_token`] and
/// [`revoke_subject`] write to the store (and apply at once to this replica's copy);
/// [`sync`] reads what other replicas revoked since the last call. Checking a token
/// ([`Revocation::is_revoked`]) reads only the local copy.
///
/// Give it to [`VerifierBuilder::revocation`](super::VerifierBuilder::revocation)
/// as an `Arc`, and call [`sync`] every second or so (with tokio:
/// [`spawn_sync`](Self::spawn_sync)). A revocation written through another replica
/// takes effect here at the next `sync`; revocations already received stay enforced
/// while the store is unreachable.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use portcullis::store::MemoryStore;
/// use portcullis::token::{Revocation, SharedRevocation, TokenIdentity};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = MemoryStore::default();
/// let here = SharedRevocation::new(store.clone(), Duration::from_secs(3600));
/// let there = SharedRevocation::new(store, Duration::from_secs(3600));
/// here.revoke_token("4f2a", 4_000_000_000).await?;
///
/// let token = TokenIdentity { jti: Some("4f2a"), sub: Some("alice"), iat: None, exp: Some(4_000_000_000) };
/// assert!(!there.is_revoked(&token), "not replayed yet");
/// there.sync().await?;
/// assert!(there.is_revoked(&token));
/// # Ok::<(), portcullis::store::StoreError>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`revoke_token`]: Self::revoke_token
/// [`revoke_subject`]: Self::revoke_subject
/// [`sync`]: Self::sync
pub struct SharedRevocation<S> {
    store: S,
    local: InMemoryRevocation,
    /// The last position of the store's feed applied here.
    cursor: Mutex<u64>,
}

impl<S> std::fmt::Debug for SharedRevocation<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedRevocation")
            .field("local", &self.local)
            .field("cursor", &*self.cursor.lock().unwrap_or_else(PoisonError::into_inner))
            .finish_non_exhaustive()
    }
}

impl<S: StateStore> SharedRevocation<S> {
    /// Revocations in `store`, for tokens that live at most `max_token_lifetime`.
    pub fn new(store: S, max_token_lifetime: Duration) -> Self {
        SharedRevocation {
            store,
            local: InMemoryRevocation::new(max_token_lifetime),
            cursor: Mutex::new(0),
        }
    }

    /// Revokes the token `jti` until `exp`, for every replica. It is refused here
    /// at once, whatever the store answers.
    ///
    /// # Errors
    ///
    /// The store's: the revocation holds on this replica only (refuse the logout,
    /// or try again).
    pub async fn revoke_token(&self, jti: &str, exp: i64) -> Result<(), StoreError> {
        let revoked = Revoked::Token {
            jti: jti.to_owned(),
            exp,
        };
        self.apply(&revoked)?;
        self.store.revoke(&revoked).await.map(drop)
    }

    /// Revokes every token of `subject` issued at or before `before`, for every
    /// replica ("log out everywhere"); at once on this one, whatever the store
    /// answers.
    ///
    /// # Errors
    ///
    /// The store's: the revocation holds on this replica only.
    pub async fn revoke_subject(&self, subject: &str, before: i64) -> Result<(), StoreError> {
        let revoked = Revoked::Subject {
            subject: subject.to_owned(),
            before,
        };
        self.apply(&revoked)?;
        self.store.revoke(&revoked).await.map(drop)
    }

    /// Replays what the store's feed holds past the last call: how many revocations
    /// were applied.
    ///
    /// # Errors
    ///
    /// The store's; what was received before stays enforced.
    pub async fn sync(&self) -> Result<usize, StoreError> {
        let mut applied = 0;
        loop {
            let after = *self.cursor.lock().unwrap_or_else(PoisonError::into_inner);
            let batch = self.store.revocations(after, BATCH).await?;
            for (position, revoked) in &batch {
                self.apply(revoked)?;
                let mut cursor = self.cursor.lock().unwrap_or_else(PoisonError::into_inner);
                *cursor = (*cursor).max(*position);
                applied += 1;
            }
            if batch.len() < BATCH {
                return Ok(applied);
            }
        }
    }

    fn apply(&self, revoked: &Revoked) -> Result<(), StoreError> {
        let recorded = match revoked {
            Revoked::Token { jti, exp } => self.local.revoke_token(jti, *exp),
            Revoked::Subject { subject, before } => self.local.revoke_subject(subject, *before),
        };
        recorded.map_err(|_| StoreError::Full)
    }
}

#[cfg(feature = "tokio")]
impl<S: StateStore> SharedRevocation<S> {
    /// Calls [`sync`](Self::sync) every `interval` on the current tokio runtime, for
    /// as long as `revocation` has other owners (the verifier's). A failed sync is
    /// logged (`portcullis::audit`, `revocation_sync_failed`) and retried at the next
    /// tick.
    pub fn spawn_sync(revocation: &std::sync::Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        let weak = std::sync::Arc::downgrade(revocation);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                let Some(revocation) = weak.upgrade() else {
                    return;
                };
                if let Err(err) = revocation.sync().await {
                    tracing::warn!(target: "portcullis::audit", event = "revocation_sync_failed", code = err.code());
                }
            }
        })
    }
}

impl<S: StateStore> Revocation for SharedRevocation<S> {
    fn is_revoked(&self, token: &TokenIdentity<'_>) -> bool {
        self.local.is_revoked(token)
    }
}
