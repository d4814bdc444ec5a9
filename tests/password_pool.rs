//! The bounded async password pool: admission, concurrency bound, cancellation, and a
//! runtime that keeps running other tasks through a login flood.
#![cfg(feature = "tokio")]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use portcullis::password::{PasswordCheck, PasswordError, PasswordHasher, PasswordPool, PoolStats};

const PASSWORD: &str = "correct horse battery staple";

fn pool(concurrency: usize, queue: usize) -> PasswordPool {
    PasswordPool::builder(PasswordHasher::new())
        .concurrency(concurrency)
        .queue(queue)
        .build()
        .unwrap()
}

/// Starts a verification on its own task.
fn spawn_verify(pool: &PasswordPool, stored: &str) -> tokio::task::JoinHandle<Result<PasswordCheck, PasswordError>> {
    let (pool, stored) = (pool.clone(), stored.to_owned());
    tokio::spawn(async move { pool.verify_async(PASSWORD, &stored).await })
}

/// Waits until the pool's load satisfies `condition`.
async fn until(pool: &PasswordPool, condition: impl Fn(PoolStats) -> bool) {
    while !condition(pool.stats()) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_flood_of_ten_times_the_queue_is_refused_at_once_without_starving_the_runtime() {
    const CONCURRENCY: usize = 2;
    const QUEUE: usize = 4;
    const CALLS: usize = 10 * (CONCURRENCY + QUEUE);
    let pool = pool(CONCURRENCY, QUEUE);
    let stored = pool.hasher().hash(PASSWORD).unwrap();

    // An unrelated task on the same (single) runtime thread: it ticks every millisecond
    // and notes how many jobs were running at each tick.
    let stop = Arc::new(AtomicBool::new(false));
    let ticks_while_hashing = Arc::new(AtomicUsize::new(0));
    let most_running_seen = Arc::new(AtomicUsize::new(0));
    let ticker = tokio::spawn({
        let (pool, stop) = (pool.clone(), stop.clone());
        let (ticks, most) = (ticks_while_hashing.clone(), most_running_seen.clone());
        async move {
            let mut interval = tokio::time::interval(Duration::from_millis(1));
            while !stop.load(Ordering::Relaxed) {
                interval.tick().await;
                let running = pool.stats().running;
                most.fetch_max(running, Ordering::Relaxed);
                if running > 0 {
                    ticks.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    });

    // Every call starts in the same scheduler pass, long before the first job ends.
    let calls: Vec<_> = (0..CALLS)
        .map(|_| {
            let (pool, stored) = (pool.clone(), stored.clone());
            tokio::spawn(async move {
                let result = pool.verify_async(PASSWORD, &stored).await;
                (result, Instant::now())
            })
        })
        .collect();
    let (mut verified, mut busy) = (Vec::new(), Vec::new());
    for call in calls {
        match call.await.unwrap() {
            (Ok(v), at) if v.ok => verified.push(at),
            (Err(PasswordError::Busy), at) => busy.push(at),
            other => panic!("unexpected {other:?}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    ticker.await.unwrap();

    assert_eq!(verified.len(), CONCURRENCY + QUEUE, "the admitted calls all complete");
    assert_eq!(busy.len(), CALLS - CONCURRENCY - QUEUE, "every excess call is refused");
    // "At once": every refusal came back before the first admitted job had finished.
    assert!(busy.iter().max() < verified.iter().min());
    let stats = pool.stats();
    assert_eq!(
        stats.peak_running, CONCURRENCY,
        "never more than the configured concurrency at once"
    );
    assert!(most_running_seen.load(Ordering::Relaxed) <= CONCURRENCY);
    assert_eq!(stats.rejected, busy.len() as u64);
    assert_eq!((stats.running, stats.waiting), (0, 0));
    // Three rounds of two 19 MiB verifications ran on blocking threads while the one
    // runtime thread kept ticking.
    let ticks = ticks_while_hashing.load(Ordering::Relaxed);
    assert!(
        ticks >= 3,
        "the unrelated task ran only {ticks} times while jobs were running"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn busy_is_returned_before_any_admitted_job_finishes() {
    let pool = pool(1, 0);
    let stored = pool.hasher().hash(PASSWORD).unwrap();
    let first = spawn_verify(&pool, &stored);
    // Let the first call take the only worker.
    until(&pool, |s| s.running > 0).await;
    assert_eq!(pool.verify_async(PASSWORD, &stored).await, Err(PasswordError::Busy));
    assert_eq!(
        pool.stats().running,
        1,
        "the first job was still running when Busy came back"
    );
    assert!(first.await.unwrap().unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_calls_wait_for_a_worker_and_then_run() {
    let pool = pool(1, 3);
    let stored = pool.hasher().hash(PASSWORD).unwrap();
    let calls: Vec<_> = (0..4).map(|_| spawn_verify(&pool, &stored)).collect();
    for call in calls {
        assert!(call.await.unwrap().unwrap().ok);
    }
    assert_eq!(pool.stats().peak_running, 1);
    assert_eq!(pool.stats().rejected, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn a_cancelled_call_keeps_its_slot_until_its_job_ends() {
    let pool = pool(1, 0);
    let stored = pool.hasher().hash(PASSWORD).unwrap();
    let call = spawn_verify(&pool, &stored);
    until(&pool, |s| s.running > 0).await;
    call.abort();
    assert!(call.await.unwrap_err().is_cancelled());
    // The argon2 work (and its 19 MiB) is still in flight: the slot is still taken.
    assert_eq!(pool.verify_async(PASSWORD, &stored).await, Err(PasswordError::Busy));
    until(&pool, |s| s.running == 0).await;
    assert!(pool.verify_async(PASSWORD, &stored).await.unwrap().ok);
}

#[tokio::test(flavor = "current_thread")]
async fn a_call_cancelled_while_queued_frees_its_place() {
    let pool = pool(1, 1);
    let stored = pool.hasher().hash(PASSWORD).unwrap();
    let running = spawn_verify(&pool, &stored);
    until(&pool, |s| s.running > 0).await;
    let queued = spawn_verify(&pool, &stored);
    until(&pool, |s| s.waiting > 0).await;
    queued.abort();
    let _ = queued.await;
    assert_eq!(pool.stats().waiting, 0);
    // The freed place admits the next call, which then waits and runs.
    assert!(pool.verify_async(PASSWORD, &stored).await.unwrap().ok);
    assert!(running.await.unwrap().unwrap().ok);
}

#[tokio::test]
async fn hash_verify_and_unknown_user_go_through_the_pool() {
    let pool = pool(2, 2);
    let stored = pool.hash_async(PASSWORD).await.unwrap();
    assert!(pool.verify_async(PASSWORD, &stored).await.unwrap().ok);
    assert!(!pool.verify_async("wrong", &stored).await.unwrap().ok);
    assert!(!pool.verify_unknown_user_async(PASSWORD).await.unwrap().ok);
    let err = pool.verify_async(PASSWORD, "$argon2id$v=19$m=1").await.unwrap_err();
    assert_eq!(err.code(), "malformed_hash");
}

#[tokio::test]
async fn an_over_long_password_is_a_mismatch_through_the_pool_for_known_and_unknown_users() {
    let mismatch = PasswordCheck {
        ok: false,
        needs_rehash: false,
    };
    let pool = pool(2, 2);
    let stored = pool.hash_async(PASSWORD).await.unwrap();
    let over = "a".repeat(portcullis::password::MAX_PASSWORD_BYTES + 1);
    assert_eq!(pool.verify_async(&over, &stored).await, Ok(mismatch));
    assert_eq!(pool.verify_unknown_user_async(&over).await, Ok(mismatch));
    assert_eq!(pool.hash_async(&over).await.unwrap_err().code(), "password_too_long");
}

#[test]
fn pool_configuration_is_validated() {
    let build = |c, q| {
        PasswordPool::builder(PasswordHasher::new())
            .concurrency(c)
            .queue(q)
            .build()
    };
    assert_eq!(build(0, 1).unwrap_err().code(), "invalid_config");
    assert_eq!(build(1025, 1).unwrap_err().code(), "invalid_config");
    assert_eq!(build(1, 65_537).unwrap_err().code(), "invalid_config");
    assert!(build(1, 0).is_ok());
}

#[test]
fn memory_bound_is_concurrency_times_the_largest_memory_a_job_may_use() {
    let pool = pool(4, 8);
    assert_eq!(pool.memory_bound(), 4 * 256 * 1024 * 1024);
    let defaults = PasswordPool::new(PasswordHasher::new());
    let cores = std::thread::available_parallelism().unwrap().get();
    assert_eq!(
        (defaults.stats().concurrency, defaults.stats().queue),
        (cores, 8 * cores)
    );
}

#[test]
fn outside_a_tokio_runtime_calls_fail_cleanly_instead_of_panicking() {
    use std::future::Future;
    use std::task::{Context, Poll, Wake, Waker};
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let pool = pool(1, 1);
    let waker = Waker::from(Arc::new(Noop));
    let mut call = std::pin::pin!(pool.hash_async(PASSWORD));
    match call.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(Err(err)) => assert_eq!(err.code(), "internal"),
        other => panic!("expected an immediate error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_policy_check_runs_on_the_pool() {
    let pool = pool(1, 1);
    let policy = portcullis::password::PasswordRules::new();
    assert_eq!(
        pool.check_policy_async(&policy, "short", "bob")
            .await
            .unwrap_err()
            .code(),
        "too_short"
    );
    pool.check_policy_async(&policy, "plum verdict gallop umbrella", "bob")
        .await
        .unwrap();
}
