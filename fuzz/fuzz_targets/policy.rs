//! RBAC policy documents from TOML and JSON (`Policy::from_toml`, `Policy::from_json`).
//!
//! Invariants: compiling is deterministic: the same text compiled twice gives the
//! same verdict (the same error code, or policies with the same counts that answer
//! every question alike), and a refusal carries a stable code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::rbac::{MAX_POLICY_BYTES, Policy};

/// The questions asked of every policy that compiles, besides words of its own text.
const SUBJECTS: &[&str] = &["alice", "bob", "carol"];
const ISSUERS: &[Option<&str>] = &[None, Some("https://a.example"), Some("https://b.example")];
const TENANTS: &[Option<&str>] = &[None, Some("acme")];
const PERMISSIONS: &[&str] = &["orders:read", "orders:write", "orders:*", "invoices:pay", "a:b"];

const CODES: &[&str] = &[
    "malformed_policy",
    "unknown_role",
    "inheritance_cycle",
    "malformed_permission",
    "duplicate_role",
    "duplicate_subject",
    "empty_name",
    "invalid_name",
    "too_large",
];

// The input is the policy text; JSON when it starts with `{`, else TOML.
fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.len() > MAX_POLICY_BYTES {
        return;
    }
    let compile = || match text.trim_start().starts_with('{') {
        true => Policy::from_json(text),
        false => Policy::from_toml(text),
    };
    let (first, second) = match (compile(), compile()) {
        (Err(a), Err(b)) => {
            assert_eq!(a.code(), b.code(), "the same text, two verdicts");
            assert!(CODES.contains(&a.code()), "unknown code {}", a.code());
            return;
        }
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => panic!("the same text, two verdicts: {:?} / {:?}", a.err(), b.err()),
    };
    let counts = |p: &Policy| {
        (
            p.role_count(),
            p.permission_count(),
            p.binding_count(),
            p.tenant_count(),
        )
    };
    assert_eq!(counts(&first), counts(&second));
    // Words of the text (role, subject and permission names), and the fixed ones.
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || "[]{}\",=.".contains(c))
        .filter(|w| !w.is_empty())
        .take(32)
        .collect();
    let permissions: Vec<&str> = PERMISSIONS.iter().copied().chain(words.iter().copied()).collect();
    for (subject, issuer, tenant) in SUBJECTS.iter().chain(words.iter().take(8)).flat_map(|s| {
        ISSUERS
            .iter()
            .flat_map(move |i| TENANTS.iter().map(move |t| (*s, *i, *t)))
    }) {
        let bound = |p: &Policy| match issuer {
            Some(issuer) => p.issuer_subject_permissions(issuer, subject, tenant),
            None => p.subject_permissions(subject, tenant),
        };
        let (a, b) = (bound(&first), bound(&second));
        for permission in &permissions {
            assert_eq!(
                first.check_str(&a, permission),
                second.check_str(&b, permission),
                "{subject} {permission}"
            );
        }
    }
    let (a, b) = (
        first.permissions_for(words.iter().copied()),
        second.permissions_for(words.iter().copied()),
    );
    for permission in &permissions {
        assert_eq!(
            first.check_str(&a, permission),
            second.check_str(&b, permission),
            "roles {permission}"
        );
    }
    for word in &words {
        assert_eq!(first.has_role(word), second.has_role(word));
    }
});
