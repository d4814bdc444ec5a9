//! Envoy's `X-Forwarded-Client-Cert` (`parse_xfcc`) on arbitrary text.
//!
//! Invariants:
//! - never a panic; deterministic; at most 16 elements;
//! - an accepted value, written back in canonical form (every value quoted, `"`
//!   and `\` escaped, keys in one order), reads back to the same elements;
//! - `cert_pem` of any element is an error or text, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::tls::{XfccElement, parse_xfcc};

fn quote(out: &mut String, key: &str, value: &str) {
    if !out.is_empty() && !out.ends_with(',') {
        out.push(';');
    }
    out.push_str(key);
    out.push_str("=\"");
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn canonical(elements: &[XfccElement<'_>]) -> String {
    let mut out = String::new();
    for (index, element) in elements.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        for by in &element.by {
            quote(&mut out, "By", by);
        }
        if let Some(hash) = &element.hash {
            quote(&mut out, "Hash", &hex(hash));
        }
        for (key, value) in [("Cert", &element.cert), ("Chain", &element.chain), ("Subject", &element.subject)] {
            if let Some(value) = value {
                quote(&mut out, key, value);
            }
        }
        for uri in &element.uris {
            quote(&mut out, "URI", uri);
        }
        for dns in &element.dns {
            quote(&mut out, "DNS", dns);
        }
        if out.is_empty() || out.ends_with(',') {
            // An element of unknown keys only: keep its place.
            out.push_str("X=\"\"");
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_xfcc(text);
    assert_eq!(parsed, parse_xfcc(text), "not deterministic");
    let Ok(elements) = parsed else {
        return;
    };
    assert!(!elements.is_empty() && elements.len() <= 16);
    for element in &elements {
        let _ = element.cert_pem();
    }
    let written = canonical(&elements);
    let again = parse_xfcc(&written).expect("the canonical form reads back");
    assert_eq!(again, elements, "{written}");
});
