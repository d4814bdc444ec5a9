//! Revocations shared through a state store: written by one replica, replayed by
//! the others, enforced by their verifiers (the cache included) without a store
//! call per request.

use std::sync::Arc;
use std::time::Duration;

use portcullis::store::{MemoryStore, Revoked, StateStore};
use portcullis::token::{Algorithm, Issuer, KeySet, SharedRevocation, SigningKey, TokenCache, Verifier, VerifyingKey};

fn replica(store: &MemoryStore, key: &VerifyingKey) -> (Arc<SharedRevocation<MemoryStore>>, Verifier) {
    let revocation = Arc::new(SharedRevocation::new(store.clone(), Duration::from_secs(3600)));
    let verifier = Verifier::builder(KeySet::single(key.clone()))
        .audience("orders")
        .cache(TokenCache::new(1 << 20))
        .revocation(revocation.clone())
        .build()
        .unwrap();
    (revocation, verifier)
}

#[tokio::test]
async fn a_revocation_on_one_replica_reaches_the_others_at_their_next_sync() {
    let store = MemoryStore::default();
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let public = key.verifying_key();
    let issuer = Issuer::builder(key).audience("orders").build().unwrap();
    let (here, _) = replica(&store, &public);
    let (there, verifier) = replica(&store, &public);

    let token = issuer.issue("alice", &()).unwrap();
    // Verified (and cached) now: the cache must not outlive the revocation.
    let caller = verifier.verify_principal(&token).unwrap();
    let (jti, exp) = (caller.token_id().unwrap().to_owned(), caller.expires_at().unwrap());

    here.revoke_token(&jti, exp).await.unwrap();
    assert!(verifier.verify_principal(&token).is_ok(), "not replayed yet");
    assert_eq!(there.sync().await.unwrap(), 1);
    assert_eq!(verifier.verify_principal(&token).unwrap_err().code(), "revoked");
    assert_eq!(there.sync().await.unwrap(), 0, "nothing new");

    // Log out everywhere: every token of the subject issued until now.
    let other = issuer.issue("bob", &()).unwrap();
    verifier.verify_principal(&other).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    here.revoke_subject("bob", now).await.unwrap();
    there.sync().await.unwrap();
    assert_eq!(verifier.verify_principal(&other).unwrap_err().code(), "revoked");
}

#[tokio::test]
async fn the_feed_replays_in_order_past_any_batch_and_after_old_entries_are_dropped() {
    let store = MemoryStore::new(16);
    // Entries that ended long ago, then live ones: the full feed drops the ended.
    for n in 0..16 {
        store
            .revoke(&Revoked::Token {
                jti: format!("old-{n}"),
                exp: 1,
            })
            .await
            .unwrap();
    }
    let live = Revoked::Token {
        jti: "live".into(),
        exp: 4_000_000_000,
    };
    assert_eq!(store.revoke(&live).await.unwrap(), 17);
    let feed = store.revocations(0, 100).await.unwrap();
    assert_eq!(feed, vec![(17, live.clone())]);
    assert_eq!(store.revocations(17, 100).await.unwrap(), vec![]);
    // When every entry is live and the feed is full, a revocation is refused, not lost.
    for n in 0..15 {
        store
            .revoke(&Revoked::Token {
                jti: format!("live-{n}"),
                exp: 4_000_000_000,
            })
            .await
            .unwrap();
    }
    assert_eq!(store.revoke(&live).await.unwrap_err().code(), "store_full");
    let replica = SharedRevocation::new(store.clone(), Duration::from_secs(60));
    assert_eq!(replica.sync().await.unwrap(), 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_sync_replays_within_its_interval() {
    use portcullis::token::{Revocation, TokenIdentity};
    let store = MemoryStore::default();
    let here = SharedRevocation::new(store.clone(), Duration::from_secs(60));
    let there = Arc::new(SharedRevocation::new(store, Duration::from_secs(60)));
    let task = SharedRevocation::spawn_sync(&there, Duration::from_millis(100));
    here.revoke_token("abc", 4_000_000_000).await.unwrap();
    let token = TokenIdentity {
        jti: Some("abc"),
        sub: None,
        iat: None,
        exp: Some(4_000_000_000),
    };
    let started = std::time::Instant::now();
    while !there.is_revoked(&token) {
        assert!(started.elapsed() < Duration::from_secs(2), "not replayed within 2 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The task ends once the revocation has no other owner.
    drop(there);
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .unwrap()
        .unwrap();
}
