//! A JWKS document's limits hold while it is parsed, not after: the memory a document
//! costs is bounded by its size, whatever its shape.
//!
//! This binary counts every heap allocation (its own `#[global_allocator]`), so the
//! tests here take turns on one lock and measure the peak each parse reaches.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use portcullis::token::{Jwk, JwkSet, MAX_JWKS_BYTES, MAX_JWKS_KEYS};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is passed to the system allocator unchanged; only counts are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is the system allocator's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // Counted as the allocator may do it: the new block before the old is freed.
            grew(new_size);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Each test holds this for its whole run: the counter is process-wide, so another
/// test building its megabyte document while one measures would count in its peak.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The most heap `f` holds at once beyond what was live before it, and its result.
/// Call it with [`one_at_a_time`] held.
fn peak_during<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = f();
    (PEAK.load(Ordering::Relaxed) - before, result)
}

/// The most a parse of a document at the size limit may hold: no more than the size
/// limit itself. At most [`MAX_JWKS_KEYS`] keys of 408 bytes are kept (a `Vec` that
/// holds its old and new buffer while it grows), and strings only as long as the
/// document, each at most 8 KiB. Before the limits held while parsing, a megabyte of
/// `{"kty":""}` peaked at 80 MB.
const BOUND: usize = MAX_JWKS_BYTES;

/// `{"keys":[` `item` as many times as fit in the size limit `]}`.
fn fill(item: &str) -> String {
    let count = (MAX_JWKS_BYTES - 16) / (item.len() + 1);
    let mut doc = String::with_capacity(MAX_JWKS_BYTES);
    doc.push_str(r#"{"keys":["#);
    doc.push_str(&vec![item; count].join(","));
    doc.push_str("]}");
    assert!(doc.len() <= MAX_JWKS_BYTES);
    doc
}

#[test]
fn a_megabyte_of_tiny_keys_is_refused_within_a_bounded_peak() {
    let _turn = one_at_a_time();
    let doc = fill(r#"{"kty":""}"#);
    let (peak, parsed) = peak_during(|| JwkSet::from_json(&doc));
    assert_eq!(parsed.unwrap_err().code(), "invalid_key");
    assert!(peak < BOUND, "peak {peak} bytes for a {} byte JWKS", doc.len());
}

#[test]
fn as_many_keys_as_the_limit_still_parse() {
    let _turn = one_at_a_time();
    let keys =
        vec![r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#; MAX_JWKS_KEYS];
    let doc = format!(r#"{{"keys":[{}]}}"#, keys.join(","));
    let (peak, parsed) = peak_during(|| JwkSet::from_json(&doc));
    assert_eq!(parsed.unwrap().keys.len(), MAX_JWKS_KEYS);
    assert!(peak < BOUND, "peak {peak} bytes");
    let one_more = doc.replacen("[", &format!("[{},", keys[0]), 1);
    assert_eq!(JwkSet::from_json(&one_more).unwrap_err().code(), "invalid_key");
}

#[test]
fn a_megabyte_of_key_ops_is_refused_within_a_bounded_peak() {
    let _turn = one_at_a_time();
    let ops = vec![r#""""#; (MAX_JWKS_BYTES - 64) / 3].join(",");
    let one = format!(r#"{{"kty":"EC","key_ops":[{ops}]}}"#);
    let doc = format!(r#"{{"keys":[{one}]}}"#);
    assert!(doc.len() <= MAX_JWKS_BYTES);
    let (peak, parsed) = peak_during(|| JwkSet::from_json(&doc));
    assert_eq!(parsed.unwrap_err().code(), "invalid_key");
    assert!(peak < BOUND, "peak {peak} bytes");
    let (peak, parsed) = peak_during(|| Jwk::from_json(&one));
    assert!(parsed.is_err());
    assert!(peak < BOUND, "peak {peak} bytes");
}

/// Prints the peaks behind the tests above: `cargo test --test token_jwks_memory -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement; prints numbers"]
fn measure_peak_allocation() {
    let _turn = one_at_a_time();
    for (name, doc) in [
        ("tiny keys", fill(r#"{"kty":""}"#)),
        ("tiny EC keys", fill(r#"{"kty":"EC","crv":"P-256"}"#)),
        (
            "key_ops",
            format!(
                r#"{{"keys":[{{"kty":"EC","key_ops":[{}]}}]}}"#,
                vec![r#""""#; 349_000].join(",")
            ),
        ),
        (
            "one long kid",
            format!(
                r#"{{"keys":[{{"kty":"EC","kid":"{}"}}]}}"#,
                "k".repeat(MAX_JWKS_BYTES - 64)
            ),
        ),
    ] {
        let (peak, parsed) = peak_during(|| JwkSet::from_json(&doc));
        println!(
            "{name:<14} {:>8} bytes of JSON: peak {:>10} bytes, {}",
            doc.len(),
            peak,
            parsed.map_or_else(|e| e.to_string(), |set| format!("{} keys", set.keys.len()))
        );
    }
}
