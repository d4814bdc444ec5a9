//! Sealed data under a keyring: round trips, tampering, contexts, key lifecycle,
//! rotation under load, keyring files and what the types print.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use portcullis::secrets::{
    Context, KeyStatus, Keyring, KeyringFile, LocalKeyWrapper, MAX_PLAINTEXT_BYTES, SecretsError, Suite, inspect,
    inspect_text,
};

const SUITES: [Suite; 2] = [Suite::Aes256Gcm, Suite::ChaCha20Poly1305];

fn row(id: u32) -> Context {
    Context::new()
        .with("table", "orders")
        .and_then(|c| c.with("row", id.to_string()))
        .unwrap()
}

/// A fresh directory under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portcullis-secrets-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().build().unwrap()
}

#[test]
fn both_suites_round_trip_empty_one_byte_and_one_mebibyte_payloads() {
    let big: Vec<u8> = (0..1 << 20).map(|i| (i * 7 + 3) as u8).collect();
    for suite in SUITES {
        let keyring = Keyring::generate(suite).unwrap();
        for plaintext in [&b""[..], b"x", &big] {
            let sealed = keyring.seal(plaintext, &row(1)).unwrap();
            assert_eq!(sealed.len(), 50 + plaintext.len() + 16);
            assert_eq!(&keyring.open(&sealed, &row(1)).unwrap()[..], plaintext, "{suite}");
            let text = keyring.seal_text(plaintext, &row(1)).unwrap();
            assert_eq!(&keyring.open_text(&text, &row(1)).unwrap()[..], plaintext, "{suite}");
        }
    }
}

#[test]
fn the_header_says_version_suite_and_primary_key_id() {
    for suite in SUITES {
        let keyring = Keyring::generate(suite).unwrap();
        let sealed = keyring.seal(b"abc", &Context::new()).unwrap();
        assert_eq!(sealed[0], 1);
        assert_eq!(sealed[1], suite.byte());
        assert_eq!(&sealed[2..6], keyring.primary().id().to_be_bytes());
        let header = inspect(&sealed).unwrap();
        assert_eq!(
            (header.version(), header.suite(), header.key_id()),
            (1, suite, keyring.primary().id())
        );
        assert_eq!(inspect_text(&portcullis::secrets::to_text(&sealed)).unwrap(), header);
    }
}

#[test]
fn sealing_twice_gives_different_salts_and_nonces() {
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let a = keyring.seal(b"same", &row(1)).unwrap();
    let b = keyring.seal(b"same", &row(1)).unwrap();
    assert_ne!(a[6..38], b[6..38]);
    assert_ne!(a[38..50], b[38..50]);
    assert_ne!(a[50..], b[50..]);
}

#[test]
fn every_single_byte_change_is_refused() {
    for suite in SUITES {
        let keyring = Keyring::generate(suite).unwrap();
        let sealed = keyring.seal(b"the order ships on friday", &row(7)).unwrap();
        for at in 0..sealed.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut changed = sealed.clone();
                changed[at] ^= flip;
                let err = keyring.open(&changed, &row(7)).unwrap_err();
                let expected = match at {
                    0 => "unsupported_version",
                    // Another suite byte is unknown, or names the key with the other
                    // suite, which is tampering.
                    1 if matches!(changed[1], 1 | 2) => "authentication_failed",
                    1 => "unsupported_suite",
                    2..=5 => "unknown_key",
                    _ => "authentication_failed",
                };
                assert_eq!(err.code(), expected, "{suite}: byte {at} ^ {flip:#x}");
            }
        }
        // Truncated, or extended by a byte.
        for len in 0..sealed.len() {
            assert!(keyring.open(&sealed[..len], &row(7)).is_err(), "truncated to {len}");
        }
        let mut longer = sealed.clone();
        longer.push(0);
        assert_eq!(keyring.open(&longer, &row(7)), Err(SecretsError::AuthenticationFailed));
    }
}

#[test]
fn a_wrong_missing_or_extra_context_entry_is_refused_like_tampering() {
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let context = row(42);
    let sealed = keyring.seal(b"note", &context).unwrap();
    let wrong_value = row(43);
    let missing = Context::new().with("table", "orders").unwrap();
    let extra = row(42).with("tenant", "acme").unwrap();
    let renamed = Context::new()
        .with("table", "orders")
        .and_then(|c| c.with("rows", "42"))
        .unwrap();
    for other in [wrong_value, missing, extra, renamed, Context::new()] {
        assert_eq!(
            keyring.open(&sealed, &other),
            Err(SecretsError::AuthenticationFailed),
            "{other:?}"
        );
    }
    assert_eq!(&keyring.open(&sealed, &context).unwrap()[..], b"note");
}

#[test]
fn contexts_that_encode_alike_differ_in_their_lengths() {
    // "ab"="c" and "a"="bc" would collide in a naive concatenation.
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let one = Context::new().with("ab", "c").unwrap();
    let two = Context::new().with("a", "bc").unwrap();
    let sealed = keyring.seal(b"x", &one).unwrap();
    assert_eq!(keyring.open(&sealed, &two), Err(SecretsError::AuthenticationFailed));
}

#[test]
fn data_of_a_disabled_key_is_refused_with_key_disabled_until_enabled() {
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let old = keyring.primary().id();
    let sealed = keyring.seal(b"note", &row(1)).unwrap();
    keyring.rotate().unwrap();
    keyring.disable(old).unwrap();
    assert_eq!(keyring.key(old).unwrap().status(), KeyStatus::Disabled);
    assert_eq!(
        keyring.open(&sealed, &row(1)),
        Err(SecretsError::KeyDisabled { key_id: old })
    );
    assert_eq!(keyring.open(&sealed, &row(1)).unwrap_err().code(), "key_disabled");
    keyring.enable(old).unwrap();
    assert_eq!(keyring.key(old).unwrap().status(), KeyStatus::Active);
    assert_eq!(&keyring.open(&sealed, &row(1)).unwrap()[..], b"note");
}

#[test]
fn data_of_a_destroyed_key_is_refused_with_unknown_key() {
    let keyring = Keyring::generate(Suite::ChaCha20Poly1305).unwrap();
    let old = keyring.primary().id();
    let sealed = keyring.seal(b"note", &row(1)).unwrap();
    keyring.rotate().unwrap();
    keyring.destroy(old).unwrap();
    assert!(keyring.key(old).is_none());
    assert_eq!(
        keyring.open(&sealed, &row(1)),
        Err(SecretsError::UnknownKey { key_id: old })
    );
    assert_eq!(keyring.open(&sealed, &row(1)).unwrap_err().code(), "unknown_key");
}

#[test]
fn the_primary_key_cannot_be_disabled_or_destroyed() {
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let primary = keyring.primary().id();
    assert_eq!(
        keyring.disable(primary),
        Err(SecretsError::KeyIsPrimary { key_id: primary })
    );
    assert_eq!(
        keyring.destroy(primary),
        Err(SecretsError::KeyIsPrimary { key_id: primary })
    );
    assert_eq!(
        keyring.disable(primary ^ 1),
        Err(SecretsError::UnknownKey { key_id: primary ^ 1 })
    );
    assert_eq!(keyring.keys().len(), 1);
    assert_eq!(keyring.primary().status(), KeyStatus::Primary);
}

#[test]
fn after_a_rotation_old_data_opens_and_new_data_is_under_the_new_key() {
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let old = keyring.primary();
    let before = keyring.seal(b"before", &row(1)).unwrap();
    let new = keyring.rotate_to(Suite::ChaCha20Poly1305).unwrap();
    assert_ne!(new.id(), old.id());
    assert_eq!(keyring.primary(), new);
    assert_eq!(keyring.key(old.id()).unwrap().status(), KeyStatus::Active);
    let after = keyring.seal(b"after", &row(1)).unwrap();
    assert_eq!(inspect(&after).unwrap().key_id(), new.id());
    assert_eq!(inspect(&after).unwrap().suite(), Suite::ChaCha20Poly1305);
    assert_eq!(&keyring.open(&before, &row(1)).unwrap()[..], b"before");
    assert_eq!(&keyring.open(&after, &row(1)).unwrap()[..], b"after");
    assert!(keyring.needs_rewrap(&before).unwrap());
    assert!(!keyring.needs_rewrap(&after).unwrap());
}

#[test]
fn rewrap_moves_the_key_id_to_the_primary_and_keeps_the_plaintext() {
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let old = keyring.primary().id();
    let sealed: Vec<Vec<u8>> = (0..5)
        .map(|i| keyring.seal(format!("note {i}").as_bytes(), &row(i)).unwrap())
        .collect();
    let primary = keyring.rotate().unwrap().id();
    let one = keyring.rewrap(&sealed[0], &row(0)).unwrap();
    assert_eq!(inspect(&one).unwrap().key_id(), primary);
    assert_eq!(&keyring.open(&one, &row(0)).unwrap()[..], b"note 0");
    // The batch: one look at the keys, one result per item, failures in place.
    let contexts: Vec<Context> = (0..5).map(row).collect();
    let mut items: Vec<(&[u8], &Context)> = sealed.iter().map(|s| &s[..]).zip(&contexts).collect();
    let wrong = row(99);
    items[3].1 = &wrong;
    let results = keyring.rewrap_batch(items);
    for (i, result) in results.iter().enumerate() {
        if i == 3 {
            assert_eq!(result, &Err(SecretsError::AuthenticationFailed));
            continue;
        }
        let rewrapped = result.as_ref().unwrap();
        assert_eq!(inspect(rewrapped).unwrap().key_id(), primary);
        assert_eq!(
            &keyring.open(rewrapped, &row(i as u32)).unwrap()[..],
            format!("note {i}").as_bytes()
        );
    }
    // Once everything is moved, the old key can go.
    keyring.destroy(old).unwrap();
    assert_eq!(&keyring.open(&one, &row(0)).unwrap()[..], b"note 0");
}

#[test]
fn concurrent_seals_during_rotations_all_open_afterwards() {
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let sealers: Vec<_> = (0..4)
        .map(|thread| {
            let keyring = keyring.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut sealed = Vec::new();
                let mut i = 0u32;
                while !stop.load(Ordering::Relaxed) || sealed.len() < 200 {
                    let context = row(thread * 1_000_000 + i);
                    sealed.push((keyring.seal(&i.to_be_bytes(), &context).unwrap(), context, i));
                    i += 1;
                }
                sealed
            })
        })
        .collect();
    let mut rotations = Vec::new();
    for _ in 0..50 {
        rotations.push(keyring.rotate().unwrap().id());
        std::thread::yield_now();
    }
    stop.store(true, Ordering::Relaxed);
    let mut keys_used = std::collections::BTreeSet::new();
    let mut opened = 0;
    for sealer in sealers {
        for (sealed, context, i) in sealer.join().unwrap() {
            keys_used.insert(inspect(&sealed).unwrap().key_id());
            assert_eq!(&keyring.open(&sealed, &context).unwrap()[..], i.to_be_bytes());
            opened += 1;
        }
    }
    assert!(opened >= 800);
    assert_eq!(keyring.keys().len(), 51);
    assert!(keys_used.len() > 1, "the seals spanned rotations: {keys_used:?}");
}

#[test]
fn a_keyring_survives_its_document_and_file_and_a_wrong_master_key_does_not_open_it() {
    let dir = scratch("file");
    let path = dir.join("keyring.json");
    let (wrapper, _text) = LocalKeyWrapper::generate().unwrap();
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let old = keyring.primary().id();
    keyring.rotate_to(Suite::ChaCha20Poly1305).unwrap();
    keyring.disable(old).unwrap();
    let sealed = keyring.seal(b"kept", &row(5)).unwrap();

    runtime()
        .block_on(KeyringFile::save(&keyring, &path, &wrapper))
        .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    let envelope: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(envelope["format"], "portcullis-keyring");
    assert_eq!(envelope["version"], 1);
    assert_eq!(envelope["wrapper"], "local");
    let wrapped = inspect_text(envelope["sealed"].as_str().unwrap()).unwrap();
    assert_eq!((wrapped.key_id(), wrapped.suite()), (0, Suite::Aes256Gcm));
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

    let loaded = runtime().block_on(KeyringFile::load(&path, &wrapper)).unwrap();
    assert_eq!(loaded.keys(), keyring.keys());
    assert_eq!(&loaded.open(&sealed, &row(5)).unwrap()[..], b"kept");

    let (other, _) = LocalKeyWrapper::generate().unwrap();
    let err = runtime().block_on(KeyringFile::load(&path, &other)).unwrap_err();
    assert_eq!(err, SecretsError::AuthenticationFailed);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_keyring_file_of_mode_0644_is_refused() {
    let dir = scratch("mode");
    let path = dir.join("keyring.json");
    let (wrapper, text) = LocalKeyWrapper::generate().unwrap();
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    runtime()
        .block_on(KeyringFile::save(&keyring, &path, &wrapper))
        .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = runtime().block_on(KeyringFile::load(&path, &wrapper)).unwrap_err();
    assert_eq!(err.code(), "insecure_permissions");
    assert!(
        matches!(err, SecretsError::InsecurePermissions { mode: 0o644, .. }),
        "{err:?}"
    );
    // The same rule for a master key file.
    let key_path = dir.join("master.key");
    std::fs::write(&key_path, text.as_bytes()).unwrap();
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(
        LocalKeyWrapper::from_file(&key_path).unwrap_err().code(),
        "insecure_permissions"
    );
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(LocalKeyWrapper::from_file(&key_path).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn saving_replaces_a_looser_file_rather_than_writing_through_it() {
    let dir = scratch("replace");
    let path = dir.join("keyring.json");
    std::fs::write(&path, "old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (wrapper, _) = LocalKeyWrapper::generate().unwrap();
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    runtime()
        .block_on(KeyringFile::save(&keyring, &path, &wrapper))
        .unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(runtime().block_on(KeyringFile::load(&path, &wrapper)).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn keyring_documents_that_break_a_rule_are_refused_with_the_rule() {
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    keyring.rotate().unwrap();
    let good: serde_json::Value = serde_json::from_str(&keyring.to_document()).unwrap();
    assert!(Keyring::from_document(good.to_string().as_bytes()).is_ok());
    let primary = keyring.primary().id();
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        ("no primary", Box::new(|d| d["keys"][1]["status"] = "active".into())),
        ("two primaries", Box::new(|d| d["keys"][0]["status"] = "primary".into())),
        (
            "primary names another",
            Box::new(|d| d["primary"] = d["keys"][0]["id"].clone()),
        ),
        (
            "repeated id",
            Box::new(|d| d["keys"][0]["id"] = d["keys"][1]["id"].clone()),
        ),
        ("id 0", Box::new(|d| d["keys"][0]["id"] = 0.into())),
        ("short key", Box::new(|d| d["keys"][0]["key"] = "AAAA".into())),
        (
            "padded key",
            Box::new(|d| {
                let key = format!("{}=", d["keys"][0]["key"].as_str().unwrap());
                d["keys"][0]["key"] = key.into();
            }),
        ),
        ("unknown member", Box::new(|d| d["keys"][0]["note"] = "x".into())),
        ("version 2", Box::new(|d| d["version"] = 2.into())),
        ("no keys", Box::new(|d| d["keys"] = serde_json::json!([]))),
        (
            "unknown status",
            Box::new(|d| d["keys"][0]["status"] = "retired".into()),
        ),
    ];
    for (name, edit) in edits {
        let mut document = good.clone();
        edit(&mut document);
        let err = Keyring::from_document(document.to_string().as_bytes()).unwrap_err();
        assert_eq!(err.code(), "invalid_keyring", "{name}: {err}");
    }
    let mut document = good.clone();
    document["keys"][0]["suite"] = "aes-128-gcm".into();
    assert_eq!(
        Keyring::from_document(document.to_string().as_bytes()).unwrap_err(),
        SecretsError::UnsupportedSuite
    );
    assert_eq!(keyring.primary().id(), primary);
}

#[test]
fn nothing_secret_is_printed_by_debug_or_errors() {
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let (wrapper, master_text) = LocalKeyWrapper::generate().unwrap();
    let document: serde_json::Value = serde_json::from_str(&keyring.to_document()).unwrap();
    let key_text = document["keys"][0]["key"].as_str().unwrap().to_owned();
    let context = Context::new().with("row", "1").unwrap();
    let sealed = keyring.seal(b"PLAINTEXT-MARKER", &context).unwrap();
    let sealed_text = portcullis::secrets::to_text(&sealed);

    let mut printed = vec![
        format!("{keyring:?}"),
        format!("{wrapper:?}"),
        format!("{:?}", keyring.keys()),
        format!("{:?}", keyring.open(&sealed, &context).unwrap()),
    ];
    let mut errors = vec![
        keyring.open(&sealed, &Context::new()).unwrap_err(),
        keyring.open(&sealed[..60], &context).unwrap_err(),
        keyring.open_text("not base64!", &context).unwrap_err(),
        Keyring::from_document(keyring.to_document().replace("primary\"", "x\"").as_bytes()).unwrap_err(),
        LocalKeyWrapper::from_text(&master_text[1..]).unwrap_err(),
    ];
    let mut changed = sealed.clone();
    changed[60] ^= 1;
    errors.push(keyring.open(&changed, &context).unwrap_err());
    for err in &errors {
        printed.push(format!("{err}"));
        printed.push(format!("{err:?}"));
    }
    for text in &printed {
        for secret in [&key_text[..], &master_text[..], &sealed_text[..20], "PLAINTEXT-MARKER"] {
            assert!(!text.contains(secret), "{text:?} shows a secret");
        }
    }
    assert!(format!("{wrapper:?}").contains("redacted"));
}

#[test]
fn oversized_input_is_refused_before_any_work() {
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let too_big = vec![0u8; MAX_PLAINTEXT_BYTES + 1];
    assert_eq!(
        keyring.seal(&too_big, &Context::new()),
        Err(SecretsError::TooLarge {
            limit: MAX_PLAINTEXT_BYTES
        })
    );
    let mut sealed = vec![1u8, 1];
    sealed.resize(50 + MAX_PLAINTEXT_BYTES + 17, 0);
    assert_eq!(
        inspect(&sealed),
        Err(SecretsError::TooLarge {
            limit: MAX_PLAINTEXT_BYTES
        })
    );
}
