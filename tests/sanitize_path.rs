//! `sanitize::path`'s public behaviour: `safe_join` (textual) and
//! `safe_join_resolved` (through symbolic links).

use std::path::{Path, PathBuf};

use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::path::{MAX_PATH_BYTES, safe_join, safe_join_resolved};

// ---- path: safe_join -----------------------------------------------------------------

const BASE: &str = "/srv/files";

fn join(untrusted: &str) -> Result<PathBuf, SanitizeError> {
    safe_join(BASE, untrusted)
}

#[test]
fn safe_join_refuses_parent_segments() {
    for evil in ["..", "../etc/passwd", "a/../..", "a/..", "a/../b", "..."] {
        assert_eq!(join(evil), Err(SanitizeError::PathTraversal), "{evil}");
    }
}

#[test]
fn safe_join_refuses_percent_encoded_traversal() {
    for evil in [
        "%2e%2e",
        "%2E%2E%2F",
        "..%2f",
        "..%2fetc",
        ".%2e",
        "%2e.",
        "%2e%2e%2e",
        "a%2f..%2fb",
        "%252e%252e",
        "%25252e%25252e",
    ] {
        assert_eq!(join(evil), Err(SanitizeError::PathTraversal), "{evil}");
    }
}

#[test]
fn safe_join_refuses_absolute_drive_and_unc_paths() {
    for evil in [
        "/etc",
        "/",
        "C:\\x",
        "C:/Windows",
        "c:x",
        "C:",
        "\\\\server\\share",
        "//server/share",
        "\\x",
        "%2fetc",
        "%5c%5cserver",
        "C%3a",
    ] {
        assert_eq!(join(evil), Err(SanitizeError::AbsolutePath), "{evil}");
    }
}

#[test]
fn safe_join_refuses_windows_device_names_and_trailing_dots_or_spaces() {
    for name in [
        "CON",
        "con",
        "NUL.txt",
        "aux.tar.gz",
        "PRN",
        "COM1",
        "com9.log",
        "LPT1",
        "LPT\u{b9}",
        "CONIN$",
        "conout$",
        "a/NUL",
        "a.php.",
        "a.php ",
        "dir./x",
        // The same, percent-encoded (found in review: once checked only as written).
        "a.php%2e",
        "a.php%20",
        "CON%2etxt",
        "N%55L",
        "a%2e%2e",
        "a.php%252e",
    ] {
        assert_eq!(safe_join("/b", name), Err(SanitizeError::InvalidPath), "{name:?}");
    }
    for name in ["CONFIG", "console.txt", "COM10", "lpt", "nul-not", "a.b.c", ".hidden"] {
        assert!(safe_join("/b", name).is_ok(), "{name:?}");
    }
}

#[test]
fn safe_join_refuses_forbidden_characters() {
    for evil in [
        "a\\b",
        "a\\..\\b",
        "a.png\0.txt",
        "%00",
        "a%00.txt",
        "a\u{1}b",
        "a\tb",
        "a\nb",
        "a\rb",
        "a\u{1b}b",
        "a\u{7f}",
        "file.txt:stream",
        "a%5cb",
        "%ff",
        "%c0%ae%c0%ae",
    ] {
        assert_eq!(join(evil), Err(SanitizeError::InvalidPath), "{evil:?}");
    }
}

#[test]
fn safe_join_refuses_c1_control_characters() {
    for evil in ["a\u{85}b", "a\u{9b}b", "a%c2%85b"] {
        assert_eq!(join(evil), Err(SanitizeError::InvalidPath), "{evil:?}");
    }
}

#[test]
fn safe_join_refuses_empty_and_dot_only_paths() {
    for evil in ["", ".", "./", "./.", ".//./"] {
        assert_eq!(join(evil), Err(SanitizeError::InvalidPath), "{evil:?}");
    }
}

#[test]
fn safe_join_refuses_paths_over_the_size_limit() {
    assert_eq!(MAX_PATH_BYTES, 4096);
    assert_eq!(
        join(&"a".repeat(MAX_PATH_BYTES + 1)),
        Err(SanitizeError::TooLarge { limit: MAX_PATH_BYTES })
    );
    let at_limit = "a".repeat(MAX_PATH_BYTES);
    assert_eq!(join(&at_limit).unwrap(), Path::new(BASE).join(&at_limit));
}

#[test]
fn safe_join_refuses_double_encoding_past_three_rounds() {
    assert_eq!(join("%2525252e"), Err(SanitizeError::InvalidPath));
}

#[test]
fn safe_join_joins_nested_paths() {
    assert_eq!(join("a/b/c.txt").unwrap(), Path::new("/srv/files/a/b/c.txt"));
}

#[test]
fn safe_join_drops_dot_segments_and_repeated_slashes() {
    assert_eq!(join("./a//b/").unwrap(), Path::new("/srv/files/a/b"));
    assert_eq!(join("a/./b/.").unwrap(), Path::new("/srv/files/a/b"));
}

#[test]
fn safe_join_accepts_spaces_unicode_and_dots_inside_names() {
    assert_eq!(join("my file.txt").unwrap(), Path::new("/srv/files/my file.txt"));
    assert_eq!(join("ünï/😀.png").unwrap(), Path::new("/srv/files/ünï/😀.png"));
    assert_eq!(join("a/..b/c..d").unwrap(), Path::new("/srv/files/a/..b/c..d"));
    assert_eq!(join(".hidden").unwrap(), Path::new("/srv/files/.hidden"));
}

#[test]
fn safe_join_keeps_percent_signs_as_written() {
    assert_eq!(join("100%").unwrap(), Path::new("/srv/files/100%"));
    assert_eq!(join("100%zz.txt").unwrap(), Path::new("/srv/files/100%zz.txt"));
    assert_eq!(join("100%25.txt").unwrap(), Path::new("/srv/files/100%25.txt"));
    assert_eq!(join("a%2fb").unwrap(), Path::new("/srv/files/a%2fb"));
    assert_eq!(join("%2e").unwrap(), Path::new("/srv/files/%2e"));
}

// ---- path: safe_join_resolved ----------------------------------------------------------

/// A directory under the system temp dir, unique to this process and test, removed
/// on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let path = std::env::temp_dir().join(format!("portcullis-sanitize-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// The canonical path of a directory inside, created.
    fn dir(&self, name: &str) -> PathBuf {
        let dir = self.0.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::canonicalize(dir).unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
#[test]
fn safe_join_resolved_refuses_a_symlink_pointing_outside_the_base() {
    let tmp = TempDir::new("symlink-outside");
    let base = tmp.dir("base");
    let outside = tmp.dir("outside");
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(&outside, base.join("link")).unwrap();
    std::os::unix::fs::symlink("../outside", base.join("relative-link")).unwrap();

    assert_eq!(
        safe_join_resolved(&base, "link/secret.txt"),
        Err(SanitizeError::PathEscapesBase)
    );
    assert_eq!(safe_join_resolved(&base, "link"), Err(SanitizeError::PathEscapesBase));
    assert_eq!(
        safe_join_resolved(&base, "relative-link/secret.txt")
            .unwrap_err()
            .code(),
        "path_escapes_base"
    );
    // The textual join alone cannot see it.
    assert_eq!(
        safe_join(&base, "link/secret.txt").unwrap(),
        base.join("link/secret.txt")
    );
}

#[cfg(unix)]
#[test]
fn safe_join_resolved_follows_a_symlink_that_stays_inside() {
    let tmp = TempDir::new("symlink-inside");
    let base = tmp.dir("base");
    let real = tmp.dir("base/real");
    std::fs::write(real.join("file.txt"), "x").unwrap();
    std::os::unix::fs::symlink("real", base.join("alias")).unwrap();
    std::os::unix::fs::symlink(&real, base.join("absolute-alias")).unwrap();

    assert_eq!(
        safe_join_resolved(&base, "alias/file.txt").unwrap(),
        base.join("real/file.txt")
    );
    assert_eq!(
        safe_join_resolved(&base, "absolute-alias/new/file.txt").unwrap(),
        base.join("real/new/file.txt")
    );
}

#[cfg(unix)]
#[test]
fn safe_join_resolved_refuses_a_dangling_symlink() {
    let tmp = TempDir::new("symlink-dangling");
    let base = tmp.dir("base");
    std::os::unix::fs::symlink(base.join("missing"), base.join("dangling")).unwrap();
    assert_eq!(
        safe_join_resolved(&base, "dangling/x.txt"),
        Err(SanitizeError::PathEscapesBase)
    );
}

#[test]
fn safe_join_resolved_appends_a_tail_that_does_not_exist_yet() {
    let tmp = TempDir::new("missing-tail");
    let base = tmp.dir("base");
    tmp.dir("base/existing");
    assert_eq!(
        safe_join_resolved(&base, "existing/new/dir/file.txt").unwrap(),
        base.join("existing/new/dir/file.txt")
    );
    assert_eq!(safe_join_resolved(&base, "x").unwrap(), base.join("x"));
}

#[test]
fn safe_join_resolved_starts_with_the_canonical_base() {
    let tmp = TempDir::new("canonical-base");
    let base = tmp.dir("base");
    let spelled = tmp.path().join("base/./");
    assert_eq!(safe_join_resolved(&spelled, "f.txt").unwrap(), base.join("f.txt"));
}

#[test]
fn safe_join_resolved_reports_a_missing_base_as_io_error() {
    let tmp = TempDir::new("missing-base");
    let err = safe_join_resolved(tmp.path().join("does-not-exist"), "a.txt").unwrap_err();
    assert_eq!(err, SanitizeError::Io(std::io::ErrorKind::NotFound));
    assert_eq!(err.code(), "io_error");
}

#[test]
fn safe_join_resolved_applies_the_textual_checks_first() {
    let tmp = TempDir::new("textual-first");
    let base = tmp.dir("base");
    assert_eq!(safe_join_resolved(&base, "../x"), Err(SanitizeError::PathTraversal));
    assert_eq!(safe_join_resolved(&base, "/etc"), Err(SanitizeError::AbsolutePath));
    // Textual refusals come before the base is even looked at.
    assert_eq!(
        safe_join_resolved(tmp.path().join("does-not-exist"), "%2e%2e"),
        Err(SanitizeError::PathTraversal)
    );
}
