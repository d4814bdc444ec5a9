//! The password pool's memory bound, proved by counting allocations rather than by
//! measuring a process: argon2's working memory is allocated once per worker and
//! reused, so however many jobs run, the pool allocates at most `concurrency`
//! buffers of it (a fresh one per job let a login flood grow a demo to 690 MB).
//!
//! This binary counts every allocation of a megabyte or more (only argon2's memory
//! is that large) through a counting global allocator; its one test runs alone.
#![cfg(feature = "tokio")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use portcullis::password::{PasswordHasher, PasswordPool};

const LARGE: usize = 1 << 20;

/// The system allocator, counting allocations (and growths) of `LARGE` bytes or more.
struct CountingLarge;

static LARGE_ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract;
// the counter has no effect on the memory handed out.
unsafe impl GlobalAlloc for CountingLarge {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= LARGE {
            LARGE_ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= LARGE {
            LARGE_ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= LARGE && new_size > layout.size() {
            LARGE_ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: forwarded with the caller's pointer, layout and size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingLarge = CountingLarge;

fn large_allocations() -> usize {
    LARGE_ALLOCATIONS.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_allocates_argon2_memory_at_most_once_per_worker_however_many_jobs_run() {
    const CONCURRENCY: usize = 2;
    const BURST: usize = 48;
    let pool = PasswordPool::builder(PasswordHasher::new())
        .concurrency(CONCURRENCY)
        .queue(BURST)
        .build()
        .unwrap();
    let stored = pool.hasher().hash("correct horse battery staple").unwrap();

    // One job at a time: the first allocates its memory, the next ones reuse it.
    let before = large_allocations();
    assert!(
        pool.verify_async("correct horse battery staple", &stored)
            .await
            .unwrap()
            .ok
    );
    assert_eq!(
        large_allocations() - before,
        1,
        "a job's argon2 memory is one allocation"
    );
    for _ in 0..4 {
        assert!(!pool.verify_async("wrong", &stored).await.unwrap().ok);
        assert!(!pool.verify_unknown_user_async("guess").await.unwrap().ok);
        assert!(pool.hash_async("a new password").await.is_ok());
    }
    assert_eq!(
        large_allocations() - before,
        1,
        "a warm worker allocates no argon2 memory"
    );

    // A burst keeping every worker busy: at most one more buffer, for the second worker.
    let burst: Vec<_> = (0..BURST)
        .map(|i| {
            let (pool, stored) = (pool.clone(), stored.clone());
            tokio::spawn(async move {
                match i % 3 {
                    0 => pool.verify_async("wrong", &stored).await.map(|v| v.ok),
                    1 => pool.verify_unknown_user_async("guess").await.map(|v| v.ok),
                    _ => pool.hash_async("a new password").await.map(|_| true),
                }
            })
        })
        .collect();
    for job in burst {
        job.await.unwrap().unwrap();
    }
    assert_eq!(pool.stats().peak_running, CONCURRENCY);
    let total = large_allocations() - before;
    assert!(
        total <= CONCURRENCY,
        "{total} argon2 allocations for {} jobs on {CONCURRENCY} workers",
        BURST + 13
    );
}
