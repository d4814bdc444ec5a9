//! Joining untrusted paths onto a base directory (`safe_join`, and
//! `safe_join_resolved` over a small fixed tree whose symbolic links point inside
//! the base, outside it, and nowhere), on arbitrary strings.
//!
//! Invariants:
//! - a joined path starts with the base (component-wise), has at least one
//!   component after it, and every one of those is a plain name: no `..`, no `.`,
//!   no root or prefix, no NUL; nor does any percent-decoding of that part (up to
//!   three rounds) hold a dot-only segment, a backslash, a colon or a control
//!   character;
//! - refusals carry the documented codes, and `safe_join_resolved` refuses exactly
//!   what `safe_join` refuses, with the same code, before it looks at the disk;
//! - a resolved path starts with the canonical base, and every part of it that
//!   exists, canonicalized (every link followed), is still inside the base.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use portcullis::sanitize::path::{safe_join, safe_join_resolved};

/// The fixed tree, made once per process:
///
/// ```text
/// <tmp>/portcullis-fuzz-safe-join-<pid>/
///   outside/secret
///   base/                       the base
///     a/b/file.txt
///     a/up -> ../..             (outside)
///     file.txt
///     inner -> a/b              (inside, relative)
///     inner_abs -> <base>/a     (inside, absolute)
///     out -> ../outside         (outside)
///     out_abs -> <root>/outside (outside, absolute)
///     etc -> /etc               (outside)
///     dangling -> nowhere
///     chain -> inner            (a link to a link)
///     escape_chain -> a/up      (a link to a link outside)
///     loop -> loop
///     a/b/parent_file -> ../../file.txt (inside, a file)
/// ```
struct Tree {
    base: PathBuf,
    canonical_base: PathBuf,
}

fn tree() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("portcullis-fuzz-safe-join-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let base = root.join("base");
        std::fs::create_dir_all(root.join("outside")).expect("create the outside directory");
        std::fs::write(root.join("outside/secret"), b"secret").expect("create the outside file");
        std::fs::create_dir_all(base.join("a/b")).expect("create the base directory");
        std::fs::write(base.join("a/b/file.txt"), b"x").expect("create a file in the base");
        std::fs::write(base.join("file.txt"), b"x").expect("create a file in the base");
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            let links: [(PathBuf, &str); 11] = [
                (PathBuf::from("../.."), "a/up"),
                (PathBuf::from("a/b"), "inner"),
                (base.join("a"), "inner_abs"),
                (PathBuf::from("../outside"), "out"),
                (root.join("outside"), "out_abs"),
                (PathBuf::from("/etc"), "etc"),
                (PathBuf::from("nowhere"), "dangling"),
                (PathBuf::from("inner"), "chain"),
                (PathBuf::from("a/up"), "escape_chain"),
                (PathBuf::from("loop"), "loop"),
                (PathBuf::from("../../file.txt"), "a/b/parent_file"),
            ];
            for (target, link) in links {
                symlink(target, base.join(link)).expect("create a symbolic link");
            }
        }
        let canonical_base = std::fs::canonicalize(&base).expect("canonicalize the base");
        Tree { base, canonical_base }
    })
}

const TEXT_CODES: &[&str] = &["too_large", "path_traversal", "absolute_path", "invalid_path"];

fuzz_target!(|data: &[u8]| {
    let Ok(untrusted) = std::str::from_utf8(data) else {
        return;
    };
    let tree = tree();
    let joined = safe_join(&tree.base, untrusted);
    let resolved = safe_join_resolved(&tree.base, untrusted);
    match &joined {
        Ok(path) => stays_inside(&tree.base, path, untrusted, "safe_join"),
        Err(err) => {
            assert!(
                TEXT_CODES.contains(&err.code()),
                "safe_join refusal has an undocumented code {:?}: {untrusted:?}",
                err.code()
            );
            assert_eq!(
                resolved.as_ref().err(),
                Some(err),
                "safe_join_resolved does not refuse what safe_join refuses: {untrusted:?}"
            );
        }
    }
    match &resolved {
        Ok(path) => {
            stays_inside(&tree.canonical_base, path, untrusted, "safe_join_resolved");
            resolves_inside(&tree.canonical_base, path, untrusted);
        }
        Err(err) if joined.is_ok() => assert!(
            matches!(err.code(), "path_escapes_base" | "io_error"),
            "safe_join_resolved refuses a textually safe path with {:?}: {untrusted:?}",
            err.code()
        ),
        Err(_) => {}
    }
});

/// `path` is `base` plus plain names, whatever a later layer decodes.
fn stays_inside(base: &Path, path: &Path, untrusted: &str, function: &str) {
    assert!(
        path.starts_with(base),
        "{function} left the base: {untrusted:?} -> {path:?}"
    );
    assert!(
        !path.as_os_str().as_encoded_bytes().contains(&0),
        "{function} result holds a NUL: {untrusted:?} -> {path:?}"
    );
    let rest = path.strip_prefix(base).unwrap_or(path);
    let mut components = rest.components().peekable();
    assert!(
        components.peek().is_some(),
        "{function} result is the base itself: {untrusted:?} -> {path:?}"
    );
    for component in components {
        assert!(
            matches!(component, Component::Normal(_)),
            "{function} result has a {component:?} component after the base: {untrusted:?} -> {path:?}"
        );
    }
    let Some(rest) = rest.to_str() else {
        panic!("{function} result is not UTF-8 after the base: {untrusted:?} -> {path:?}");
    };
    let mut form = rest.to_owned();
    for round in 0..=3 {
        assert!(
            !form.contains(|c: char| c == '\\' || c == ':' || c.is_control()),
            "{function} result holds a backslash, colon or control character after {round} \
             percent-decodings: {untrusted:?} -> {path:?} -> {form:?}"
        );
        assert!(
            !form
                .split('/')
                .any(|segment| segment.len() >= 2 && segment.bytes().all(|b| b == b'.')),
            "{function} result holds a dot-only segment after {round} percent-decodings: \
             {untrusted:?} -> {path:?} -> {form:?}"
        );
        match common::percent_decode(&form) {
            Some(decoded) => form = decoded,
            None => break,
        }
    }
}

/// Every existing ancestor of `path` below the base, every link along it followed,
/// is still inside the base.
fn resolves_inside(canonical_base: &Path, path: &Path, untrusted: &str) {
    for ancestor in path.ancestors() {
        if !ancestor.starts_with(canonical_base) {
            break;
        }
        if std::fs::symlink_metadata(ancestor).is_err() {
            continue;
        }
        match std::fs::canonicalize(ancestor) {
            Ok(real) => assert!(
                real.starts_with(canonical_base),
                "safe_join_resolved accepted a path that resolves outside the base: \
                 {untrusted:?} -> {path:?}, {ancestor:?} is really {real:?}"
            ),
            Err(err) => panic!(
                "safe_join_resolved accepted a path through a link that does not resolve: \
                 {untrusted:?} -> {path:?}, {ancestor:?}: {err}"
            ),
        }
    }
}
