//! API keys (`portcullis::secrets::apikey`): the format's checks, storage without
//! secrets, the lifecycle, pepper rotation, and the authenticator.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

use portcullis::auth::{AuthError, Authenticator, Credentials};
use portcullis::password::Pepper;
use portcullis::secrets::apikey::{
    ApiKeyError, ApiKeyRecord, ApiKeyStatus, ApiKeyStore, ApiKeys, KeyHash, MemoryApiKeyStore, NewApiKey, RecordUpdate,
    check, generate,
};

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn pepper(id: &str) -> Pepper {
    Pepper::new(id, format!("{id}-pepper-secret-of-32-bytes!!").into_bytes()).unwrap()
}

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// A clock the test moves.
fn clock(start: i64) -> (Arc<AtomicI64>, portcullis::token::Clock) {
    let now = Arc::new(AtomicI64::new(start));
    let read = now.clone();
    (now, Arc::new(move || read.load(Ordering::SeqCst)))
}

/// The in-memory store, counting the lookups made of it.
#[derive(Clone, Default)]
struct Counted {
    inner: MemoryApiKeyStore,
    lookups: Arc<AtomicUsize>,
}

impl ApiKeyStore for Counted {
    async fn insert(&self, record: ApiKeyRecord) -> Result<(), ApiKeyError> {
        self.inner.insert(record).await
    }
    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.find_by_hash(hash).await
    }
    async fn get(&self, id: &str) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        self.inner.get(id).await
    }
    async fn list(&self) -> Result<Vec<Arc<ApiKeyRecord>>, ApiKeyError> {
        self.inner.list().await
    }
    async fn update(&self, id: &str, update: RecordUpdate) -> Result<Option<Arc<ApiKeyRecord>>, ApiKeyError> {
        self.inner.update(id, update).await
    }
}

#[test]
fn the_format_is_the_documented_one() {
    let key = generate("pk").unwrap();
    assert_eq!(key.len(), 3 + 30 + 6);
    assert!(key[3..].bytes().all(|b| BASE62.contains(&b)));
    // The checksum, computed here independently: CRC-32 (zlib's) in base62.
    let mut crc = crc32(key[..33].as_bytes());
    let mut checksum = [b'0'; 6];
    for slot in checksum.iter_mut().rev() {
        *slot = BASE62[(crc % 62) as usize];
        crc /= 62;
    }
    assert_eq!(&key.as_bytes()[33..], &checksum);
    assert_eq!(check(&key).unwrap().prefix(), "pk");
    assert_eq!(check(&key).unwrap().as_str(), &key[..]);
    assert!(!format!("{:?}", check(&key).unwrap()).contains(&key[3..]));
}

/// CRC-32 (IEEE 802.3, reflected, as zlib), bit by bit.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn every_single_character_change_fails_the_check() {
    let key = generate("orders").unwrap();
    let mut tried = 0;
    let alphabet: Vec<u8> = BASE62.iter().copied().chain(*b"_-.~ \0").collect();
    for at in 0..key.len() {
        for &byte in &alphabet {
            if key.as_bytes()[at] == byte {
                continue;
            }
            let mut changed = key.as_bytes().to_vec();
            changed[at] = byte;
            let changed = String::from_utf8(changed).unwrap();
            assert_eq!(check(&changed).map(|_| ()), Err(ApiKeyError::Invalid), "position {at}");
            tried += 1;
        }
        // Deleting or doubling a character changes the length, or the checksum.
        let mut shorter = key.to_string();
        shorter.remove(at);
        assert!(check(&shorter).is_err());
        let mut longer = key.to_string();
        longer.insert(at, key.as_bytes()[at] as char);
        assert!(check(&longer).is_err());
    }
    // Each position, every other character of the alphabet: (68 - 1) each, except
    // at the `_`, whose own character is in the alphabet too.
    assert_eq!(tried, key.len() * (alphabet.len() - 1));
}

/// xorshift64*: a fixed, reproducible stream for the false-accept measurement.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn random_strings_of_the_right_shape_fail_the_check() {
    const TRIES: u32 = 1_000_000;
    let mut stream = Stream(0x9E37_79B9_7F4A_7C15);
    let mut key = *b"pk_000000000000000000000000000000000000";
    let (mut any_checksum, mut in_range_checksum) = (0u32, 0u32);
    for _ in 0..TRIES {
        for byte in &mut key[3..] {
            *byte = BASE62[(stream.next() % 62) as usize];
        }
        any_checksum += u32::from(check(std::str::from_utf8(&key).unwrap()).is_ok());
        // The harder case: a checksum that encodes some 32-bit value.
        let mut value = stream.next() as u32;
        for slot in key[33..].iter_mut().rev() {
            *slot = BASE62[(value % 62) as usize];
            value /= 62;
        }
        in_range_checksum += u32::from(check(std::str::from_utf8(&key).unwrap()).is_ok());
    }
    // Expected: 10^6 / 62^6 ≈ 1.8e-5 and 10^6 / 2^32 ≈ 2.3e-4 accepts.
    println!("false accepts in {TRIES}: {any_checksum} (random checksum), {in_range_checksum} (in-range checksum)");
    assert_eq!((any_checksum, in_range_checksum), (0, 0));
}

#[test]
fn malformed_keys_are_refused_before_the_store_is_asked() {
    let store = Counted::default();
    let keys = ApiKeys::new(store.clone(), &pepper("p1"), "pk").unwrap();
    run(async {
        let created = keys.create(NewApiKey::new("svc")).await.unwrap();
        let mut typo = created.key().to_owned();
        typo.replace_range(10..11, if &typo[10..11] == "a" { "b" } else { "a" });
        let other_prefix = generate("sk").unwrap();
        for bad in [
            &typo[..],
            "pk_short",
            "",
            &other_prefix[..],
            "eyJhbGciOiJIUzI1NiJ9.e30.sig",
        ] {
            assert_eq!(keys.verify(bad).await.unwrap_err(), ApiKeyError::Invalid);
        }
        assert_eq!(store.lookups.load(Ordering::SeqCst), 0);
        // A well-formed key nobody issued is looked up once, and is refused alike.
        let unknown = generate("pk").unwrap();
        assert_eq!(keys.verify(&unknown).await.unwrap_err(), ApiKeyError::Invalid);
        assert_eq!(store.lookups.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn the_store_file_holds_no_part_of_any_key() {
    let dir = std::env::temp_dir().join(format!("portcullis-apikey-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keys.json");
    let store = MemoryApiKeyStore::new();
    let keys = ApiKeys::new(store.clone(), &pepper("p1"), "pk").unwrap();
    let made: Vec<String> = run(async {
        let mut made = Vec::new();
        for n in 0..20 {
            let request = NewApiKey::new(format!("svc-{n}")).scopes(["orders.read"]);
            made.push(keys.create(request).await.unwrap().key().to_owned());
        }
        made
    });
    store.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    for key in &made {
        let secret = &key[3..];
        for window in secret.as_bytes().windows(8) {
            assert!(
                !text.contains(std::str::from_utf8(window).unwrap()),
                "the store holds part of a key"
            );
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The file reads back into a store that verifies the same keys.
    let loaded = ApiKeys::new(MemoryApiKeyStore::load(&path).unwrap(), &pepper("p1"), "pk").unwrap();
    run(async {
        for key in &made {
            loaded.verify(key).await.unwrap();
        }
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rotation_keeps_scopes_roles_tenant_and_expiry() {
    let (now, clock) = clock(1_000_000);
    let keys = ApiKeys::new(MemoryApiKeyStore::new(), &pepper("p1"), "pk")
        .unwrap()
        .clock(clock)
        .unwrap();
    run(async {
        let request = NewApiKey::new("partner")
            .scopes(["orders.read"])
            .roles(["viewer"])
            .tenant("acme")
            .ttl(Duration::from_secs(30 * 86_400));
        let old = keys.create(request).await.unwrap();
        now.fetch_add(86_400, Ordering::SeqCst);
        let new = keys.rotate(&old.record().id, Duration::from_secs(3600)).await.unwrap();
        let (was, is) = (old.record(), new.record());
        assert_eq!(
            (&is.owner, &is.scopes, &is.roles, &is.tenant),
            (&was.owner, &was.scopes, &was.roles, &was.tenant)
        );
        assert_eq!(
            is.expires_at,
            Some(1_000_000 + 30 * 86_400),
            "the new key keeps the old one's expiry"
        );
        assert_ne!(is.id, was.id);

        let rotated = keys.store().get(&was.id).await.unwrap().unwrap();
        let grace_until = 1_000_000 + 86_400 + 3600;
        assert_eq!(rotated.status, ApiKeyStatus::Rotating { grace_until });
        assert_eq!(
            rotated.expires_at,
            Some(grace_until),
            "the earlier of its own and now + grace"
        );
        assert_eq!(rotated.replaced_by.as_deref(), Some(is.id.as_str()));

        // Both work during the grace period; then only the new one.
        keys.verify(old.key()).await.unwrap();
        keys.verify(new.key()).await.unwrap();
        now.fetch_add(3600, Ordering::SeqCst);
        assert_eq!(keys.verify(old.key()).await.unwrap_err(), ApiKeyError::Expired);
        keys.verify(new.key()).await.unwrap();

        // A grace of zero revokes at once; a revoked key does not rotate.
        let third = keys.rotate(&is.id, Duration::ZERO).await.unwrap();
        assert_eq!(keys.verify(new.key()).await.unwrap_err(), ApiKeyError::Revoked);
        assert_eq!(
            keys.rotate(&is.id, Duration::ZERO).await.unwrap_err(),
            ApiKeyError::Revoked
        );
        assert_eq!(third.record().expires_at, Some(1_000_000 + 30 * 86_400));
        // An expiry earlier than the grace deadline stays.
        now.store(1_000_000 + 30 * 86_400 - 10, Ordering::SeqCst);
        keys.rotate(&third.record().id, Duration::from_secs(3600))
            .await
            .unwrap();
        let rotated = keys.store().get(&third.record().id).await.unwrap().unwrap();
        assert_eq!(rotated.expires_at, Some(1_000_000 + 30 * 86_400));
    });
}

#[test]
fn revocation_and_expiry_take_effect_on_the_next_use() {
    let (now, clock) = clock(5_000);
    let keys = ApiKeys::new(MemoryApiKeyStore::new(), &pepper("p1"), "pk")
        .unwrap()
        .clock(clock)
        .unwrap();
    run(async {
        let short = keys
            .create(NewApiKey::new("a").ttl(Duration::from_secs(60)))
            .await
            .unwrap();
        let long = keys.create(NewApiKey::new("b")).await.unwrap();
        keys.verify(short.key()).await.unwrap();
        now.store(5_059, Ordering::SeqCst);
        keys.verify(short.key()).await.unwrap();
        now.store(5_060, Ordering::SeqCst);
        assert_eq!(keys.verify(short.key()).await.unwrap_err(), ApiKeyError::Expired);
        keys.verify(long.key()).await.unwrap();
        keys.revoke(&long.record().id).await.unwrap();
        assert_eq!(keys.verify(long.key()).await.unwrap_err(), ApiKeyError::Revoked);
        assert_eq!(keys.revoke("no-such-id").await.unwrap_err(), ApiKeyError::UnknownId);
    });
}

#[test]
fn last_used_is_written_at_most_once_a_minute() {
    let (now, clock) = clock(10_000);
    let keys = ApiKeys::new(MemoryApiKeyStore::new(), &pepper("p1"), "pk")
        .unwrap()
        .clock(clock)
        .unwrap();
    run(async {
        let created = keys.create(NewApiKey::new("a")).await.unwrap();
        let id = created.record().id.clone();
        let last_used = || async { keys.store().get(&id).await.unwrap().unwrap().last_used };
        assert_eq!(last_used().await, None);
        keys.verify(created.key()).await.unwrap();
        assert_eq!(last_used().await, Some(10_000));
        now.store(10_059, Ordering::SeqCst);
        keys.verify(created.key()).await.unwrap();
        assert_eq!(last_used().await, Some(10_000));
        now.store(10_060, Ordering::SeqCst);
        keys.verify(created.key()).await.unwrap();
        assert_eq!(last_used().await, Some(10_060));
    });
}

#[test]
fn a_pepper_rotation_upgrades_records_on_use() {
    let store = MemoryApiKeyStore::new();
    let before = ApiKeys::new(store.clone(), &pepper("p1"), "pk").unwrap();
    let (used, unused) = run(async {
        let used = before.create(NewApiKey::new("a")).await.unwrap();
        let unused = before.create(NewApiKey::new("b")).await.unwrap();
        (used, unused)
    });
    let after = ApiKeys::new(store.clone(), &pepper("p2"), "pk")
        .unwrap()
        .old_pepper(&pepper("p1"))
        .unwrap();
    let without_old = ApiKeys::new(store.clone(), &pepper("p2"), "pk").unwrap();
    run(async {
        let record = after.verify(used.key()).await.unwrap();
        assert_eq!(record.pepper_id, "p2");
        assert_ne!(record.hash, used.record().hash);
        // Upgraded: the key now verifies without the old pepper; the other does not yet.
        without_old.verify(used.key()).await.unwrap();
        assert_eq!(
            without_old.verify(unused.key()).await.unwrap_err(),
            ApiKeyError::Invalid
        );
        let stored = store.get(&unused.record().id).await.unwrap().unwrap();
        assert_eq!(stored.pepper_id, "p1");
    });
}

#[test]
fn the_authenticator_takes_keys_from_x_api_key_and_prefixed_bearer_tokens() {
    let keys = ApiKeys::new(MemoryApiKeyStore::new(), &pepper("p1"), "pk").unwrap();
    run(async {
        let created = keys
            .create(
                NewApiKey::new("svc-reports")
                    .scopes(["reports.read"])
                    .roles(["viewer"])
                    .tenant("acme"),
            )
            .await
            .unwrap();
        assert!(keys.accepts(&Credentials::ApiKey("anything")));
        assert!(keys.accepts(&Credentials::Bearer(created.key())));
        assert!(!keys.accepts(&Credentials::Bearer("eyJhbGciOiJFUzI1NiJ9.e30.sig")));
        assert!(!keys.accepts(&Credentials::Bearer("pkx_abc")));
        for credentials in [Credentials::ApiKey(created.key()), Credentials::Bearer(created.key())] {
            let caller = keys.authenticate(&credentials).await.unwrap();
            assert_eq!(caller.subject(), "svc-reports");
            assert_eq!(caller.scopes(), ["reports.read"]);
            assert_eq!(caller.roles(), ["viewer"]);
            assert_eq!(caller.tenant(), Some("acme"));
            assert_eq!(caller.api_key_id(), Some(created.record().id.as_str()));
            assert_eq!(caller.issuer(), None);
        }
        let refused = keys.authenticate(&Credentials::ApiKey("pk_typo")).await.unwrap_err();
        assert_eq!(refused.code(), "invalid_api_key");
        assert!(matches!(refused, AuthError::InvalidApiKey(_)));
    });
}

#[test]
fn requests_past_the_limits_are_refused() {
    let keys = ApiKeys::new(MemoryApiKeyStore::new(), &pepper("p1"), "pk").unwrap();
    run(async {
        for request in [
            NewApiKey::new(""),
            NewApiKey::new("a".repeat(257)),
            NewApiKey::new("a\nb"),
            NewApiKey::new("a").scopes(["two words"]),
            NewApiKey::new("a").scopes(vec!["s"; 65]),
            NewApiKey::new("a").ttl(Duration::ZERO),
            NewApiKey::new("a").ttl(Duration::from_secs(11 * 366 * 86_400)),
        ] {
            assert_eq!(keys.create(request).await.unwrap_err().code(), "invalid_request");
        }
    });
    assert!(ApiKeys::new(MemoryApiKeyStore::new(), &pepper("p1"), "PK").is_err());
    assert!(ApiKeys::new(MemoryApiKeyStore::new(), &pepper("p1"), "p").is_err());
}

#[test]
fn nothing_secret_is_printed() {
    let keys = ApiKeys::new(MemoryApiKeyStore::new(), &pepper("p1"), "pk").unwrap();
    let created = run(keys.create(NewApiKey::new("a"))).unwrap();
    let secret = &created.key()[3..];
    for text in [
        format!("{created:?}"),
        format!("{keys:?}"),
        format!("{:?}", created.record()),
        format!("{:?}", Credentials::ApiKey(created.key())),
        format!("{:?}", check(created.key()).unwrap()),
    ] {
        assert!(!text.contains(secret), "{text}");
        assert!(!text.contains("pepper-secret"), "{text}");
    }
}

#[test]
fn store_documents_are_read_strictly() {
    for bad in [
        &br#"{"version":2,"records":[]}"#[..],
        br#"{"version":1,"records":[],"extra":1}"#,
        br#"{"version":1,"records":[{"id":"x"}]}"#,
        b"not json",
    ] {
        assert_eq!(MemoryApiKeyStore::from_json(bad).unwrap_err().code(), "invalid_store");
    }
    let store = MemoryApiKeyStore::new();
    let keys = ApiKeys::new(store.clone(), &pepper("p1"), "pk").unwrap();
    run(keys.create(NewApiKey::new("a"))).unwrap();
    let text = store.to_json().unwrap();
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    let record = document["records"][0].clone();
    let twice = serde_json::json!({"version": 1, "records": [record.clone(), record]});
    assert_eq!(
        MemoryApiKeyStore::from_json(twice.to_string().as_bytes())
            .unwrap_err()
            .code(),
        "invalid_store"
    );
}
