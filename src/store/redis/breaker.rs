//! The circuit breaker in front of the server: after a run of failures, refuse at
//! once for a while, then let one probe through.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub(super) struct Breaker {
    threshold: u32,
    open_for: Duration,
    started: Instant,
    failures: AtomicU32,
    /// Until when (microseconds since `started`) the breaker refuses; 0: closed.
    open_until: AtomicU64,
    /// A probe is out while the breaker is half-open.
    probing: AtomicBool,
}

impl Breaker {
    pub(super) fn new(threshold: u32, open_for: Duration) -> Self {
        Breaker {
            threshold: threshold.max(1),
            open_for,
            started: Instant::now(),
            failures: AtomicU32::new(0),
            open_until: AtomicU64::new(0),
            probing: AtomicBool::new(false),
        }
    }

    /// Microseconds since the breaker was made, from 1 (0 means closed).
    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_micros())
            .unwrap_or(u64::MAX)
            .saturating_add(1)
    }

    pub(super) fn is_open(&self) -> bool {
        self.open_until.load(Ordering::Acquire) != 0
    }

    /// Whether an operation may go to the server now: always while closed; while
    /// open, none until the open time has passed, then one probe at a time.
    pub(super) fn admit(&self) -> bool {
        let until = self.open_until.load(Ordering::Acquire);
        if until == 0 {
            return true;
        }
        self.now() >= until
            && self
                .probing
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    pub(super) fn succeeded(&self) {
        self.failures.store(0, Ordering::Release);
        if self.open_until.swap(0, Ordering::AcqRel) != 0 {
            tracing::info!(target: "portcullis::audit", event = "store_breaker_closed", backend = "redis");
        }
        self.probing.store(false, Ordering::Release);
    }

    pub(super) fn failed(&self) {
        let failures = self.failures.fetch_add(1, Ordering::AcqRel).saturating_add(1);
        let probe_failed = self.probing.swap(false, Ordering::AcqRel);
        if failures >= self.threshold || probe_failed {
            let until = self
                .now()
                .saturating_add(u64::try_from(self.open_for.as_micros()).unwrap_or(u64::MAX));
            if self.open_until.swap(until, Ordering::AcqRel) == 0 {
                tracing::warn!(target: "portcullis::audit", event = "store_breaker_open", backend = "redis", failures);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_a_run_of_failures_and_probes_once() {
        let breaker = Breaker::new(3, Duration::ZERO);
        breaker.failed();
        breaker.failed();
        assert!(breaker.admit() && !breaker.is_open());
        breaker.failed();
        assert!(breaker.is_open());
        // Open time over: one probe, not two.
        assert!(breaker.admit());
        assert!(!breaker.admit());
        breaker.failed();
        assert!(breaker.is_open());
        assert!(breaker.admit());
        breaker.succeeded();
        assert!(!breaker.is_open() && breaker.admit() && breaker.admit());
    }

    #[test]
    fn stays_shut_while_open() {
        let breaker = Breaker::new(1, Duration::from_secs(60));
        breaker.failed();
        assert!(!breaker.admit());
    }
}
