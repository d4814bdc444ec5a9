//! SPIFFE IDs and patterns (`SpiffeId::parse`, `SpiffePattern::parse`) on arbitrary
//! text.
//!
//! Invariants:
//! - never a panic; deterministic;
//! - an accepted ID is the input itself, at most 2,048 bytes, `spiffe://` then a
//!   lowercase trust domain of at most 255 bytes, then a path with no empty, `.` or
//!   `..` segment and no trailing `/`; trust domain and path put back together are
//!   the input; it parses again to the same ID;
//! - every accepted ID is also a pattern, which matches it; a pattern with one
//!   segment turned into `*` still matches it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::tls::{SpiffeId, SpiffePattern};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = SpiffeId::parse(text);
    assert_eq!(parsed, SpiffeId::parse(text), "not deterministic");
    let _ = SpiffePattern::parse(text);
    let Ok(id) = parsed else {
        return;
    };
    assert_eq!(id.as_str(), text);
    assert!(text.len() <= 2048);
    let domain = id.trust_domain();
    assert!(!domain.is_empty() && domain.len() <= 255);
    assert!(domain.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)));
    assert_eq!(format!("spiffe://{domain}{}", id.path()), text);
    let path = id.path();
    if !path.is_empty() {
        assert!(path.starts_with('/') && !path.ends_with('/'));
        for segment in path[1..].split('/') {
            assert!(!segment.is_empty() && segment != "." && segment != "..");
        }
    }
    assert_eq!(SpiffeId::parse(id.as_str()).as_ref(), Ok(&id));
    let pattern = SpiffePattern::parse(text).expect("an ID is a pattern");
    assert!(pattern.matches(&id));
    if let Some(last) = path.rfind('/') {
        let wild = format!("spiffe://{domain}{}/*", &path[..last]);
        let pattern = SpiffePattern::parse(&wild).expect("a wildcard pattern");
        assert!(pattern.matches(&id), "{wild} does not match {text}");
    }
});
