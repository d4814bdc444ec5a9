//! Bounded async offload of password work (feature `tokio`).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use zeroize::Zeroizing;

use super::hasher::Memory;
use super::{PasswordCheck, PasswordError, PasswordHasher, PasswordRules};

/// Runs password hashing and verification from async code without blocking the
/// runtime and without letting a login flood exhaust CPU or memory.
///
/// Work runs on tokio's blocking threads, at most `concurrency` jobs at once (default:
/// the number of cores). Up to `queue` further calls wait for a worker (default: 8 per
/// worker); a call that finds the queue full fails at once with
/// [`PasswordError::Busy`], which DESIGN.md's HTTP contract answers with 503 and
/// `Retry-After`.
///
/// **Memory:** argon2 needs `m_cost` KiB per job. The pool keeps one such buffer per
/// worker (at most `concurrency`), allocated by the first job that needs it and
/// reused by every later one, zeroized after each job: once warm, a job allocates no
/// argon2 memory, and the pool's argon2 memory is `concurrency × m_cost` for as long
/// as it lives: 2 × 19 MiB = 38 MiB at the defaults on two cores. (Memory allocated
/// and freed per job would not keep that bound: the allocator keeps freed blocks in
/// per-thread arenas, and blocking threads come and go.) Stored hashes may ask for
/// more (up to [`Limits::max_m_cost`](super::Limits), 256 MiB by default), and a
/// buffer keeps the size of the largest job it ran, so the worst case is
/// `concurrency × max_m_cost`; [`memory_bound`](Self::memory_bound) computes it.
/// Waiting calls hold no argon2 memory.
///
/// A job that has started always runs to the end and holds its worker slot, even if
/// the caller's future is dropped, so the bound holds under cancellation too. Cloning
/// the pool is cheap and shares the slots.
///
/// **CPU:** a job with `p_cost` > 1 computes its lanes on rayon's global pool, so its
/// threads are bounded by rayon (one per core), not by `concurrency`.
///
/// ```
/// use portcullis::password::{PasswordHasher, PasswordPool};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), portcullis::password::PasswordError> {
/// let pool = PasswordPool::builder(PasswordHasher::new()).concurrency(2).queue(16).build()?;
/// let stored = pool.hash_async("correct horse battery staple").await?;
/// assert!(pool.verify_async("correct horse battery staple", &stored).await?.ok);
/// assert_eq!(pool.memory_bound(), 2 * 256 * 1024 * 1024);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PasswordPool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    hasher: PasswordHasher,
    concurrency: usize,
    queue: usize,
    /// `concurrency + queue` permits: held from admission to the end of the job.
    admission: Arc<Semaphore>,
    /// `concurrency` permits: held while the job runs on a blocking thread.
    workers: Arc<Semaphore>,
    running: AtomicUsize,
    peak_running: AtomicUsize,
    rejected: AtomicU64,
    /// The argon2 memory of idle workers, all zeros: a job takes one (or a new, empty
    /// one) and puts it back before it lets go of its worker permit, so there are
    /// never more than `concurrency`.
    idle_memory: Mutex<Vec<Memory>>,
    #[cfg(feature = "metrics")]
    metrics: crate::metrics::PoolMetrics,
}

/// A snapshot of a [`PasswordPool`]'s load, for metrics and readiness probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// Jobs running now.
    pub running: usize,
    /// Calls admitted and waiting for a worker.
    pub waiting: usize,
    /// The most jobs ever seen running at once.
    pub peak_running: usize,
    /// Calls refused with `Busy` since the pool was made.
    pub rejected: u64,
    /// The configured number of workers.
    pub concurrency: usize,
    /// The configured queue length.
    pub queue: usize,
}

impl PasswordPool {
    /// A pool with the default concurrency (the number of cores) and queue (8 per
    /// worker).
    pub fn new(hasher: PasswordHasher) -> Self {
        let concurrency = default_concurrency();
        PoolInner::pool(hasher, concurrency, 8 * concurrency)
    }

    /// A builder to set concurrency and queue length.
    pub fn builder(hasher: PasswordHasher) -> PoolBuilder {
        PoolBuilder {
            hasher,
            concurrency: None,
            queue: None,
        }
    }

    /// The hasher jobs run with.
    pub fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    /// [`PasswordHasher::hash`] on a worker thread.
    pub async fn hash_async(&self, password: &str) -> Result<String, PasswordError> {
        let password = Zeroizing::new(password.to_owned());
        self.run(move |hasher, memory| hasher.hash_in(&password, memory))
            .await?
    }

    /// [`PasswordHasher::verify`] on a worker thread.
    pub async fn verify_async(&self, password: &str, phc: &str) -> Result<PasswordCheck, PasswordError> {
        let password = Zeroizing::new(password.to_owned());
        let phc = phc.to_owned();
        self.run(move |hasher, memory| hasher.verify_in(&password, &phc, memory))
            .await?
    }

    /// [`PasswordHasher::verify_unknown_user`] on a worker thread: it queues, waits
    /// and costs like a real verification, and can be refused with `Busy` like one.
    pub async fn verify_unknown_user_async(&self, password: &str) -> Result<PasswordCheck, PasswordError> {
        let password = Zeroizing::new(password.to_owned());
        self.run(move |hasher, memory| hasher.verify_unknown_user_in(&password, memory))
            .await
    }

    /// [`PasswordRules::check`](super::PasswordRules::check) on a worker thread:
    /// with zxcvbn a check costs as much CPU as a hash, and is bounded the same way.
    pub async fn check_policy_async(
        &self,
        policy: &PasswordRules,
        password: &str,
        account: &str,
    ) -> Result<(), PasswordError> {
        let (policy, password, account) = (policy.clone(), Zeroizing::new(password.to_owned()), account.to_owned());
        self.run(move |_, _| policy.check(&password, &account)).await?
    }

    /// The most memory argon2 can hold through this pool at once, in bytes:
    /// `concurrency × max_m_cost` KiB (the hasher's own `m_cost` is within it).
    pub fn memory_bound(&self) -> u64 {
        let per_job_kib = self.inner.hasher.limits().max_m_cost;
        self.inner.concurrency as u64 * u64::from(per_job_kib) * 1024
    }

    /// The pool's current load.
    pub fn stats(&self) -> PoolStats {
        let inner = &*self.inner;
        let admitted = inner.concurrency + inner.queue - inner.admission.available_permits();
        let running = inner.running.load(Ordering::Relaxed);
        PoolStats {
            running,
            waiting: admitted.saturating_sub(running),
            peak_running: inner.peak_running.load(Ordering::Relaxed),
            rejected: inner.rejected.load(Ordering::Relaxed),
            concurrency: inner.concurrency,
            queue: inner.queue,
        }
    }

    async fn run<T, F>(&self, job: F) -> Result<T, PasswordError>
    where
        T: Send + 'static,
        F: FnOnce(&PasswordHasher, &mut Memory) -> T + Send + 'static,
    {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| PasswordError::Internal("no tokio runtime"))?;
        let admitted = self.inner.admission.clone().try_acquire_owned().map_err(|_| {
            self.inner.rejected.fetch_add(1, Ordering::Relaxed);
            #[cfg(feature = "metrics")]
            self.inner.metrics.rejected();
            PasswordError::Busy
        })?;
        let waiting = Waiting::new(&self.inner);
        let worker = (self.inner.workers.clone().acquire_owned().await)
            .map_err(|_| PasswordError::Internal("password pool closed"))?;
        drop(waiting);
        let inner = Arc::clone(&self.inner);
        runtime
            .spawn_blocking(move || {
                let mut slot = Slot::enter(&inner, admitted, worker);
                job(&inner.hasher, &mut slot.memory)
            })
            .await
            .map_err(|e| match e.is_panic() {
                true => PasswordError::Internal("password worker panicked"),
                false => PasswordError::Internal("runtime shutting down"),
            })
    }
}

impl std::fmt::Debug for PasswordPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordPool")
            .field("hasher", &self.inner.hasher)
            .field("stats", &self.stats())
            .finish()
    }
}

impl PoolInner {
    /// The idle memory, also after a panic elsewhere: it holds only zeroized buffers.
    fn idle_memory(&self) -> std::sync::MutexGuard<'_, Vec<Memory>> {
        self.idle_memory.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn pool(hasher: PasswordHasher, concurrency: usize, queue: usize) -> PasswordPool {
        PasswordPool {
            inner: Arc::new(PoolInner {
                hasher,
                concurrency,
                queue,
                admission: Arc::new(Semaphore::new(concurrency + queue)),
                workers: Arc::new(Semaphore::new(concurrency)),
                running: AtomicUsize::new(0),
                peak_running: AtomicUsize::new(0),
                rejected: AtomicU64::new(0),
                idle_memory: Mutex::new(Vec::with_capacity(concurrency)),
                #[cfg(feature = "metrics")]
                metrics: crate::metrics::PoolMetrics::register(),
            }),
        }
    }
}

/// An admitted job waiting for a worker, counted in the metrics while it waits
/// (also when its caller gives up waiting).
struct Waiting<'a> {
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    inner: &'a PoolInner,
}

impl<'a> Waiting<'a> {
    fn new(inner: &'a PoolInner) -> Self {
        #[cfg(feature = "metrics")]
        inner.metrics.waiting(true);
        Waiting { inner }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        #[cfg(feature = "metrics")]
        self.inner.metrics.waiting(false);
    }
}

/// A running job: counts it while alive, lends it a worker's argon2 memory, and
/// when dropped puts the memory back, then releases both permits.
struct Slot<'a> {
    inner: &'a PoolInner,
    memory: Memory,
    _permits: (OwnedSemaphorePermit, OwnedSemaphorePermit),
}

impl<'a> Slot<'a> {
    fn enter(inner: &'a PoolInner, admitted: OwnedSemaphorePermit, worker: OwnedSemaphorePermit) -> Self {
        let now = inner.running.fetch_add(1, Ordering::Relaxed) + 1;
        inner.peak_running.fetch_max(now, Ordering::Relaxed);
        #[cfg(feature = "metrics")]
        inner.metrics.running(true);
        let memory = inner.idle_memory().pop().unwrap_or_default();
        Slot {
            inner,
            memory,
            _permits: (admitted, worker),
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        // Back before the permits (fields drop after this body), so the next job
        // finds it. `Memory` zeroizes itself after every job, also one that panicked.
        let memory = std::mem::take(&mut self.memory);
        let mut idle = self.inner.idle_memory();
        if idle.len() < self.inner.concurrency {
            idle.push(memory);
        }
        drop(idle);
        self.inner.running.fetch_sub(1, Ordering::Relaxed);
        #[cfg(feature = "metrics")]
        self.inner.metrics.running(false);
    }
}

fn default_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Configures a [`PasswordPool`].
#[derive(Debug)]
#[must_use]
pub struct PoolBuilder {
    hasher: PasswordHasher,
    concurrency: Option<usize>,
    queue: Option<usize>,
}

impl PoolBuilder {
    /// Jobs that may run at once, 1 to 1024 (default: the number of cores).
    pub fn concurrency(mut self, workers: usize) -> Self {
        self.concurrency = Some(workers);
        self
    }

    /// Calls that may wait for a worker, 0 to 65536 (default: 8 per worker). With 0,
    /// a call is refused whenever every worker is busy.
    pub fn queue(mut self, waiting: usize) -> Self {
        self.queue = Some(waiting);
        self
    }

    /// Checks the configuration and builds the pool.
    pub fn build(self) -> Result<PasswordPool, PasswordError> {
        let concurrency = self.concurrency.unwrap_or_else(default_concurrency);
        if !(1..=1024).contains(&concurrency) {
            return Err(PasswordError::InvalidConfig(
                "pool concurrency must be 1 to 1024".into(),
            ));
        }
        let queue = self.queue.unwrap_or(8 * concurrency);
        if queue > 65_536 {
            return Err(PasswordError::InvalidConfig("pool queue must be at most 65536".into()));
        }
        Ok(PoolInner::pool(self.hasher, concurrency, queue))
    }
}
