//! Allocations on the request path, counted: a verification allocates only what it
//! hands back (the payload's text, and for `verify` the registered claims' strings;
//! a principal copies none), the axum layer adds the request extension it must, and
//! a cached token costs no allocation at all.
//!
//! This binary counts allocations made on the test's own thread through a counting
//! global allocator (other threads' allocations are not counted).
#![cfg(feature = "axum")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use portcullis::Principal;
use portcullis::axum::AuthLayer;
use portcullis::token::{Algorithm, Issuer, KeySet, SigningKey, TokenCache, Verifier};
use tower::ServiceExt;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, counting allocations and growths on threads that asked.
struct Counting;

fn count() {
    // `try_with`: a thread being torn down has no locals left, and is not counted.
    let counting = COUNTING.try_with(Cell::get).unwrap_or(false);
    if counting {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract;
// the counter (const-initialized thread locals without destructors) has no effect on
// the memory handed out and allocates nothing itself.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's pointer, layout and size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations `f` makes on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> usize {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    let result = f();
    COUNTING.with(|c| c.set(false));
    drop(black_box(result));
    ALLOCATIONS.with(Cell::get)
}

/// A typical access token: issuer, audience, subject, id, two scopes, two roles and
/// a tenant, HS256.
fn token_and_verifier() -> (String, Verifier, portcullis::token::VerifyingKey) {
    let key = SigningKey::from_secret(Algorithm::HS256, b"allocation-count-secret-32-bytes").unwrap();
    let public = key.verifying_key();
    let verifier = Verifier::builder(KeySet::single(public.clone()))
        .issuer("https://auth.example")
        .audience("orders")
        .build()
        .unwrap();
    let token = Issuer::builder(key)
        .issuer("https://auth.example")
        .audience("orders")
        .build()
        .unwrap()
        .issue(
            "alice",
            &serde_json::json!({
                "scope": "orders.read orders.write",
                "roles": ["clerk", "viewer"],
                "tenant": "acme",
            }),
        )
        .unwrap();
    (token, verifier, public)
}

#[test]
fn verification_allocates_only_what_it_returns() {
    let (token, verifier, _) = token_and_verifier();
    // Warm up: first use of the verifier (crypto provider, lazies).
    verifier.verify_principal(&token).unwrap();

    // The payload's decoded text (1); `iss`, `sub`, `jti` (3); `aud` as a list of
    // one (2). Header and signature decode on the stack.
    assert_eq!(allocations(|| verifier.verify_registered(&token).unwrap()), 6);

    // The principal keeps the payload's text and finds its strings in it: the
    // payload's decoded text (1), where the roles and the scopes were read (a
    // list each: 2), where they sit in the text (1), and the shared principal
    // itself (1). No string is copied.
    let principal = allocations(|| verifier.verify_principal(&token).unwrap());
    assert_eq!(principal, 5);
}

#[test]
fn a_cached_token_costs_no_allocation() {
    let (token, _, key) = token_and_verifier();
    let verifier = Verifier::builder(KeySet::single(key))
        .issuer("https://auth.example")
        .audience("orders")
        .cache(TokenCache::new(1 << 20))
        .build()
        .unwrap();
    verifier.verify_principal(&token).unwrap();
    assert_eq!(allocations(|| verifier.verify_principal(&token).unwrap()), 0);
}

#[test]
fn the_axum_layer_adds_the_principal_and_the_request_extension() {
    let (token, verifier, _) = token_and_verifier();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let request = || {
        Request::builder()
            .uri("/me")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let constant = || async { "ok".len().to_string() };
    // What axum's own layering costs, whichever layer it is.
    let no_op: Router = Router::new()
        .route("/me", get(constant))
        .layer(tower::util::MapRequestLayer::new(|request: axum::extract::Request| {
            request
        }));
    let layered: Router = Router::new()
        .route("/me", get(constant))
        .layer(AuthLayer::required(verifier.clone()));
    let extracting: Router = Router::new()
        .route(
            "/me",
            get(|caller: Principal| async move { black_box(caller.subject().len()).to_string() }),
        )
        .layer(AuthLayer::required(verifier.clone()));
    let call = |router: &Router| {
        let request = request();
        allocations(|| runtime.block_on(router.clone().oneshot(request)).unwrap())
    };
    for router in [&no_op, &layered, &extracting] {
        call(router);
    }
    let no_op = call(&no_op);
    let verify = allocations(|| verifier.verify_principal(&token).unwrap());
    // Besides the verification: the caller's context boxed into the request's
    // extensions, and that table's growth (axum's MatchedPath, OriginalUri and
    // UrlParams fill its first three slots); one more, measured and not yet
    // attributed, is left for issue 17.
    assert_eq!(call(&layered), no_op + verify + 3);
    // The extractor clones the principal (a reference count): nothing more.
    assert_eq!(call(&extracting), no_op + verify + 3);
}

#[test]
fn an_api_key_refused_by_its_checksum_allocates_nothing() {
    use portcullis::secrets::apikey::{check, generate};
    let key = generate("pk").unwrap();
    let mut typo = key.to_string().into_bytes();
    typo[20] = if typo[20] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    assert_eq!(allocations(|| check(black_box(&typo)).is_err()), 0);
    assert_eq!(allocations(|| check(black_box(&key)).is_ok()), 0);
    assert_eq!(allocations(|| check(black_box("pk_short")).is_err()), 0);
}

#[test]
fn an_api_key_verification_allocates_only_the_principal() {
    use portcullis::auth::{Authenticator, Credentials};
    use portcullis::password::Pepper;
    use portcullis::secrets::apikey::{ApiKeys, MemoryApiKeyStore, NewApiKey};
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let pepper = Pepper::new("p1", b"allocation-count-pepper-32-bytes".to_vec()).unwrap();
    let keys = ApiKeys::new(MemoryApiKeyStore::new(), &pepper, "pk").unwrap();
    let created = runtime
        .block_on(keys.create(NewApiKey::new("svc").scopes(["a", "b"]).roles(["viewer"])))
        .unwrap();
    let credentials = Credentials::ApiKey(created.key());
    // The first use writes `last_used`; later ones within the minute do not.
    runtime.block_on(keys.authenticate(&credentials)).unwrap();
    // The record is shared (no copy); the principal is its text (1), its names'
    // places (1) and itself (1), each sized once.
    assert_eq!(
        allocations(|| runtime.block_on(keys.authenticate(&credentials)).unwrap()),
        3
    );
}
