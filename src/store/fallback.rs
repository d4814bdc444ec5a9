//! [`Fallback`]: what a defence does while its shared store is down.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{FailureRule, FailureState, Gcra, MemoryStore, RateDecision, Revoked, StateKey, StateStore, StoreError};

/// What a [`Fallback`] answers while its shared store is unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum WhenDown {
    /// Count in this replica's memory, each replica taking its share of every limit
    /// (thresholds divided by the number of replicas, rounded up; rate intervals
    /// multiplied by it): the limits still hold, roughly, across the fleet. The
    /// default.
    #[default]
    LocalShare,
    /// Refuse: the store's error ([`StoreError::Unavailable`], HTTP 503) for every
    /// decision. For limits that must never loosen.
    Refuse,
    /// Let everything through (fail open). Not advised: a guesser only has to
    /// take the store down.
    Allow,
}

/// A shared store with a failure policy: decisions go to the `primary` while it
/// answers; while it is unavailable (down, slow, its breaker open), the policy of
/// [`WhenDown`] decides, in this replica's own bounded memory for
/// [`WhenDown::LocalShare`]. Each change between the two is logged once (a
/// `store_fallback` warning, a `store_recovered` notice, on target
/// `portcullis::audit`) and counted ([`fallbacks`](Self::fallbacks)), never per
/// request. When the primary answers again, its counters are used again (the ones
/// kept locally meanwhile are not merged into it).
///
/// Revocations are not decisions: writing one needs the primary (the error says
/// so), and a verifier keeps enforcing those it has already received.
///
/// [`Fallback::local`] has no primary at all: one type for a service whose shared
/// store is optional.
///
/// Use one `Fallback` per use (login throttling, each rate limit) to choose each
/// its own policy; clones share their state.
///
/// ```
/// use portcullis::store::{Fallback, MemoryStore, StateKey, StateStore, WhenDown};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// // No shared store configured: every decision is this replica's.
/// let store: Fallback<MemoryStore> = Fallback::local(MemoryStore::default());
/// let key = StateKey::new("login.account", &["alice"])?;
/// assert_eq!(store.blocked(&key).await?, None);
/// assert_eq!(store.fallbacks(), 0);
/// # Ok::<(), portcullis::store::StoreError>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Fallback<S> {
    primary: Option<S>,
    local: MemoryStore,
    when_down: WhenDown,
    share: u32,
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    degraded: AtomicBool,
    fallbacks: AtomicU64,
}

impl<S> fmt::Debug for Fallback<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fallback")
            .field("shared", &self.primary.is_some())
            .field("when_down", &self.when_down)
            .field("share", &self.share)
            .field("degraded", &self.state.degraded.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<S: StateStore> Fallback<S> {
    /// Decisions on `primary`; while it is down, [`WhenDown::LocalShare`] in `local`,
    /// for a fleet of `replicas` (at least 1).
    pub fn new(primary: S, local: MemoryStore, replicas: u32) -> Self {
        Fallback {
            primary: Some(primary),
            local,
            when_down: WhenDown::default(),
            share: replicas.max(1),
            state: Arc::default(),
        }
    }

    /// No shared store: every decision in `local`, whole (this replica is the
    /// fleet).
    pub fn local(local: MemoryStore) -> Self {
        Fallback {
            primary: None,
            local,
            when_down: WhenDown::default(),
            share: 1,
            state: Arc::default(),
        }
    }

    /// The same store with another failure policy.
    #[must_use]
    pub fn when_down(mut self, when_down: WhenDown) -> Self {
        self.when_down = when_down;
        self
    }

    /// The shared store, if there is one.
    pub fn primary(&self) -> Option<&S> {
        self.primary.as_ref()
    }

    /// Whether decisions are being made without the shared store now.
    pub fn is_degraded(&self) -> bool {
        self.state.degraded.load(Ordering::Acquire)
    }

    /// How many times decisions fell back from the shared store.
    pub fn fallbacks(&self) -> u64 {
        self.state.fallbacks.load(Ordering::Acquire)
    }

    fn primary_answered(&self) {
        if self.state.degraded.swap(false, Ordering::AcqRel) {
            tracing::info!(target: "portcullis::audit", event = "store_recovered");
        }
    }

    fn primary_failed(&self, err: StoreError) {
        if !self.state.degraded.swap(true, Ordering::AcqRel) {
            self.state.fallbacks.fetch_add(1, Ordering::AcqRel);
            #[cfg(feature = "metrics")]
            crate::metrics::count(
                crate::metrics::STORE_FALLBACKS,
                "backend",
                self.primary.as_ref().map_or("none", StateStore::backend),
            );
            tracing::warn!(
                target: "portcullis::audit",
                event = "store_fallback",
                code = err.code(),
                reason = %err,
                when_down = ?self.when_down,
            );
        }
    }

    /// `rule` as this replica's share.
    fn share_of(&self, rule: &FailureRule) -> FailureRule {
        FailureRule {
            threshold: rule.threshold.div_ceil(self.share).max(1),
            ..*rule
        }
    }

    fn share_of_rate(&self, gcra: Gcra) -> Gcra {
        Gcra {
            interval_ms: gcra.interval_ms.saturating_mul(u64::from(self.share)),
            tolerance_ms: gcra.tolerance_ms,
        }
    }
}

/// Whether an answer means "the primary is down" (other errors are answers).
fn is_down<T>(answer: &Result<T, StoreError>) -> Option<StoreError> {
    match answer {
        Err(err @ StoreError::Unavailable(_)) => Some(*err),
        _ => None,
    }
}

impl<S: StateStore> StateStore for Fallback<S> {
    async fn blocked(&self, key: &StateKey) -> Result<Option<u64>, StoreError> {
        let [answer] = self.blocked_each([key]).await;
        answer
    }

    async fn fail(&self, key: &StateKey, rule: &FailureRule) -> Result<FailureState, StoreError> {
        let [answer] = self.fail_each([(key, rule)]).await;
        answer
    }

    async fn blocked_each<const N: usize>(&self, keys: [&StateKey; N]) -> [Result<Option<u64>, StoreError>; N] {
        let Some(primary) = &self.primary else {
            return self.local.blocked_each(keys).await;
        };
        let answers = primary.blocked_each(keys).await;
        let Some(err) = answers.iter().find_map(is_down) else {
            self.primary_answered();
            return answers;
        };
        self.primary_failed(err);
        match self.when_down {
            WhenDown::LocalShare => self.local.blocked_each(keys).await,
            WhenDown::Refuse => [Err(err); N],
            WhenDown::Allow => [Ok(None); N],
        }
    }

    async fn fail_each<const N: usize>(
        &self,
        items: [(&StateKey, &FailureRule); N],
    ) -> [Result<FailureState, StoreError>; N] {
        let Some(primary) = &self.primary else {
            return self.local.fail_each(items).await;
        };
        let answers = primary.fail_each(items).await;
        let Some(err) = answers.iter().find_map(is_down) else {
            self.primary_answered();
            return answers;
        };
        self.primary_failed(err);
        match self.when_down {
            WhenDown::LocalShare => {
                let shares = items.map(|(_, rule)| self.share_of(rule));
                let mut index = 0;
                let items = items.map(|(key, _)| {
                    index += 1;
                    (key, &shares[index - 1])
                });
                self.local.fail_each(items).await
            }
            WhenDown::Refuse => [Err(err); N],
            WhenDown::Allow => {
                [Ok(FailureState {
                    failures: 0,
                    blocked_until_ms: None,
                }); N]
            }
        }
    }

    async fn clear(&self, key: &StateKey) -> Result<(), StoreError> {
        // Both: a success clears whatever was counted while the primary was down.
        let local = self.local.clear(key).await;
        let Some(primary) = &self.primary else {
            return local;
        };
        let answer = primary.clear(key).await;
        match is_down(&answer) {
            None => {
                self.primary_answered();
                answer
            }
            Some(err) => {
                self.primary_failed(err);
                match self.when_down {
                    WhenDown::Refuse => Err(err),
                    WhenDown::LocalShare | WhenDown::Allow => Ok(()),
                }
            }
        }
    }

    async fn rate(&self, key: &StateKey, gcra: Gcra) -> Result<RateDecision, StoreError> {
        let Some(primary) = &self.primary else {
            return self.local.rate(key, gcra).await;
        };
        let answer = primary.rate(key, gcra).await;
        let Some(err) = is_down(&answer) else {
            self.primary_answered();
            return answer;
        };
        self.primary_failed(err);
        match self.when_down {
            WhenDown::LocalShare => self.local.rate(key, self.share_of_rate(gcra)).await,
            WhenDown::Refuse => Err(err),
            WhenDown::Allow => Ok(RateDecision::Allowed),
        }
    }

    /// Without a primary, the local store's synchronous decision; with one, none
    /// (the decision needs the network).
    fn rate_now(&self, key: &StateKey, gcra: Gcra) -> Option<Result<RateDecision, StoreError>> {
        match self.primary {
            None => self.local.rate_now(key, gcra),
            Some(_) => None,
        }
    }

    fn backend(&self) -> &'static str {
        "fallback"
    }

    fn answers_now(&self) -> bool {
        self.primary.is_none()
    }

    fn now_ms(&self) -> u64 {
        match (&self.primary, self.is_degraded()) {
            (Some(primary), false) => primary.now_ms(),
            _ => self.local.now_ms(),
        }
    }

    async fn revoke(&self, revoked: &Revoked) -> Result<u64, StoreError> {
        match &self.primary {
            None => self.local.revoke(revoked).await,
            Some(primary) => primary.revoke(revoked).await,
        }
    }

    async fn revocations(&self, after: u64, limit: usize) -> Result<Vec<(u64, Revoked)>, StoreError> {
        match &self.primary {
            None => self.local.revocations(after, limit).await,
            Some(primary) => primary.revocations(after, limit).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A primary that is always down.
    #[derive(Clone, Copy)]
    struct Down;

    impl StateStore for Down {
        async fn blocked(&self, _: &StateKey) -> Result<Option<u64>, StoreError> {
            Err(StoreError::Unavailable("down"))
        }
        async fn fail(&self, _: &StateKey, _: &FailureRule) -> Result<FailureState, StoreError> {
            Err(StoreError::Unavailable("down"))
        }
        async fn clear(&self, _: &StateKey) -> Result<(), StoreError> {
            Err(StoreError::Unavailable("down"))
        }
        async fn rate(&self, _: &StateKey, _: Gcra) -> Result<RateDecision, StoreError> {
            Err(StoreError::Unavailable("down"))
        }
        fn now_ms(&self) -> u64 {
            0
        }
        async fn revoke(&self, _: &Revoked) -> Result<u64, StoreError> {
            Err(StoreError::Unavailable("down"))
        }
        async fn revocations(&self, _: u64, _: usize) -> Result<Vec<(u64, Revoked)>, StoreError> {
            Err(StoreError::Unavailable("down"))
        }
    }

    fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map(|runtime| runtime.block_on(future))
            .unwrap_or_else(|err| panic!("runtime: {err}"))
    }

    #[test]
    fn a_down_primary_falls_back_to_a_local_share_counted_once() -> Result<(), StoreError> {
        let store = Fallback::new(Down, MemoryStore::new(100), 3);
        let key = StateKey::new("login.pair", &["alice", "192.0.2.1"])?;
        let rule = FailureRule::consecutive(5).block_fixed_ms(60_000);
        // 5 across 3 replicas: this one blocks after 2.
        block_on(async {
            assert_eq!(store.fail(&key, &rule).await?.blocked_until_ms, None);
            assert!(store.fail(&key, &rule).await?.blocked_until_ms.is_some());
            assert!(store.blocked(&key).await?.is_some());
            Ok::<_, StoreError>(())
        })?;
        assert_eq!(store.fallbacks(), 1);
        assert!(store.is_degraded());
        Ok(())
    }

    #[test]
    fn refuse_and_allow_do_what_they_say() -> Result<(), StoreError> {
        let key = StateKey::new("rate.api", &["x"])?;
        let gcra = Gcra {
            interval_ms: 1000,
            tolerance_ms: 0,
        };
        let refuse = Fallback::new(Down, MemoryStore::new(100), 1).when_down(WhenDown::Refuse);
        assert_eq!(block_on(refuse.rate(&key, gcra)), Err(StoreError::Unavailable("down")));
        let allow = Fallback::new(Down, MemoryStore::new(100), 1).when_down(WhenDown::Allow);
        for _ in 0..10 {
            assert_eq!(block_on(allow.rate(&key, gcra))?, RateDecision::Allowed);
        }
        Ok(())
    }

    #[test]
    fn a_local_share_of_a_rate_is_slower() -> Result<(), StoreError> {
        let clock = Arc::new(|| 1_000_000);
        let store = Fallback::new(Down, MemoryStore::new(100).with_clock(clock), 4);
        let key = StateKey::new("rate.api", &["x"])?;
        // 1 a second with bursts of 4 across 4 replicas: 1 at once here.
        let gcra = Gcra {
            interval_ms: 1000,
            tolerance_ms: 3000,
        };
        assert_eq!(block_on(store.rate(&key, gcra))?, RateDecision::Allowed);
        assert!(matches!(
            block_on(store.rate(&key, gcra))?,
            RateDecision::Limited { .. }
        ));
        Ok(())
    }
}
