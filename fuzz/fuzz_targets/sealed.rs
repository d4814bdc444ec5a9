//! Sealed data (binary and text form), keyring documents and encryption contexts
//! (JSON), on arbitrary input, against a fixed keyring of three keys (one per
//! status, both suites).
//!
//! Invariants:
//! - `inspect` accepts exactly version 1, a known suite and at least a header and a
//!   tag, and reads the key id from bytes 2..6;
//! - opening refuses with the documented codes only (the disabled key with
//!   `key_disabled`); what opens, rewraps under the primary to the same plaintext,
//!   and no longer opens once its last byte changes;
//! - a keyring document that is accepted writes back to one that is accepted with
//!   the same keys, and its keyring seals and opens;
//! - a context that is accepted has unique, non-empty names, sorted, and survives
//!   JSON and its canonical encoding's length.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use portcullis::secrets::{Context, KeyStatus, Keyring, inspect, inspect_text};

/// Ids 0x01020304 (AES-256-GCM, active), 0x0A0B0C0D (ChaCha20-Poly1305, primary),
/// 0x7F000001 (AES-256-GCM, disabled); keys of the bytes 0..32, 32..64, 64..96.
const DOCUMENT: &str = r#"{"version":1,"primary":168496141,"keys":[{"id":16909060,"suite":"aes-256-gcm","status":"active","created":1767225600,"key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"},{"id":168496141,"suite":"chacha20-poly1305","status":"primary","created":1767225700,"key":"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"},{"id":2130706433,"suite":"aes-256-gcm","status":"disabled","created":1767225800,"key":"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8"}]}"#;

fn keyring() -> &'static Keyring {
    static KEYRING: OnceLock<Keyring> = OnceLock::new();
    KEYRING.get_or_init(|| Keyring::from_document(DOCUMENT.as_bytes()).expect("the fixed keyring"))
}

const OPEN_CODES: &[&str] = &[
    "malformed",
    "unsupported_version",
    "unsupported_suite",
    "unknown_key",
    "key_disabled",
    "authentication_failed",
    "too_large",
];

fn check_sealed(data: &[u8]) {
    match inspect(data) {
        Ok(header) => {
            assert_eq!(data[0], 1);
            assert!(data.len() >= 66);
            assert_eq!(header.suite().byte(), data[1]);
            assert_eq!(header.key_id().to_be_bytes(), data[2..6]);
        }
        Err(err) => assert!(data.len() < 66 || data[0] != 1 || !matches!(data[1], 1 | 2), "{err:?}"),
    }
    let keyring = keyring();
    let context = Context::new();
    match keyring.open(data, &context) {
        Ok(plaintext) => {
            let rewrapped = keyring.rewrap(data, &context).expect("what opens rewraps");
            assert_eq!(inspect(&rewrapped).map(|h| h.key_id()), Ok(keyring.primary().id()));
            let reopened = keyring.open(&rewrapped, &context).expect("the rewrapped data opens");
            assert_eq!(&reopened[..], &plaintext[..]);
            let mut changed = data.to_vec();
            if let Some(last) = changed.last_mut() {
                *last ^= 1;
            }
            assert!(keyring.open(&changed, &context).is_err());
        }
        Err(err) => {
            assert!(OPEN_CODES.contains(&err.code()), "{err:?}");
            if let Ok(header) = inspect(data)
                && keyring.key(header.key_id()).map(|k| k.status()) == Some(KeyStatus::Disabled)
            {
                assert_eq!(err.code(), "key_disabled");
            }
        }
    }
}

fn check_document(data: &[u8]) {
    match Keyring::from_document(data) {
        Ok(keyring) => {
            let again =
                Keyring::from_document(keyring.to_document().as_bytes()).expect("a document written back reads");
            assert_eq!(again.keys(), keyring.keys());
            let context = Context::new();
            let sealed = keyring.seal(b"fuzz", &context).expect("seals");
            let opened = again.open(&sealed, &context).expect("the written-back keyring opens");
            assert_eq!(&opened[..], b"fuzz");
        }
        Err(err) => assert!(matches!(err.code(), "invalid_keyring" | "unsupported_suite"), "{err:?}"),
    }
}

fn check_context(text: &str) {
    let Ok(context) = serde_json::from_str::<Context>(text) else {
        return;
    };
    let names: Vec<&str> = context.iter().map(|(name, _)| name).collect();
    assert!(names.iter().all(|name| !name.is_empty()));
    assert!(names.windows(2).all(|pair| pair[0].as_bytes() < pair[1].as_bytes()));
    let again: Context =
        serde_json::from_str(&serde_json::to_string(&context).expect("serializes")).expect("reads back");
    assert_eq!(again, context);
    let encoded: usize = 4 + context.iter().map(|(n, v)| 8 + n.len() + v.len()).sum::<usize>();
    assert_eq!(context.encode().len(), encoded);
}

fuzz_target!(|data: &[u8]| {
    check_sealed(data);
    check_document(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(header) = inspect_text(text) {
            assert_eq!(
                inspect(&portcullis::secrets::from_text(text).expect("decoded")),
                Ok(header)
            );
        }
        if let Ok(bytes) = portcullis::secrets::from_text(text) {
            check_sealed(&bytes);
        }
        check_context(text);
    }
});
