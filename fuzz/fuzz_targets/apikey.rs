//! API keys (`portcullis::secrets::apikey`): the key parser `check` on arbitrary
//! text, and the store document reader `MemoryApiKeyStore::from_json` on arbitrary
//! bytes.
//!
//! Invariants:
//! - `check` is deterministic; what it accepts is exactly `<prefix>_<30 base62><6
//!   base62>` with a prefix `[a-z][a-z0-9]{1,15}`, the last six characters being the
//!   CRC-32 (recomputed here bit by bit, independently of the library) of the rest in
//!   base62, left-padded with `0`;
//! - a key `check` accepts is refused after any one-byte change the input names;
//! - a store document that reads is written back (`to_json`) as one that reads to
//!   the same document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::secrets::apikey::{MemoryApiKeyStore, check, is_valid_prefix};

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fuzz_target!(|data: &[u8]| {
    if data.len() > 64 * 1024 {
        return;
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check_key(text);
        // The input may also be a key followed by a change to make: `key\x00<at><byte>`.
        if let Some((key, change)) = text.split_once('\0')
            && check(key).is_ok()
            && let [at, byte, ..] = change.as_bytes()
        {
            let at = usize::from(*at) % key.len();
            if key.as_bytes()[at] != *byte {
                let mut changed = key.as_bytes().to_vec();
                changed[at] = *byte;
                if let Ok(changed) = std::str::from_utf8(&changed) {
                    assert!(check(changed).is_err(), "a one-byte change of a key still checks");
                }
            }
        }
    }
    if let Ok(store) = MemoryApiKeyStore::from_json(data) {
        let written = store.to_json().expect("a store that read is written");
        let again = MemoryApiKeyStore::from_json(written.as_bytes()).expect("the store reads its own document");
        assert_eq!(
            again.to_json().expect("written"),
            written,
            "the document changed on a round trip"
        );
    }
});

fn check_key(text: &str) {
    let verdict = check(text);
    assert_eq!(verdict, check(text), "check is not deterministic");
    let Ok(parts) = verdict else {
        if let Some(expected) = expected_accept(text) {
            assert!(!expected, "a well-formed key refused: {text:?}");
        }
        return;
    };
    assert_eq!(parts.as_str(), text);
    assert_eq!(expected_accept(text), Some(true), "check accepted {text:?}");
    assert!(is_valid_prefix(parts.prefix()));
}

/// Whether `text` is a well-formed key, by the DESIGN.md rules, computed here.
fn expected_accept(text: &str) -> Option<bool> {
    let (prefix, rest) = text.split_once('_')?;
    let shape = is_valid_prefix(prefix) && rest.len() == 36 && rest.bytes().all(|b| BASE62.contains(&b));
    if !shape {
        return Some(false);
    }
    let body = &text[..text.len() - 6];
    let mut crc = crc32(body.as_bytes());
    let mut checksum = [b'0'; 6];
    for slot in checksum.iter_mut().rev() {
        *slot = BASE62[(crc % 62) as usize];
        crc /= 62;
    }
    Some(&text.as_bytes()[text.len() - 6..] == checksum)
}

/// CRC-32 (IEEE, reflected, as zlib), bit by bit.
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
