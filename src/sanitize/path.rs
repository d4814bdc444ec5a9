//! Joining an untrusted relative path onto a trusted base directory without letting
//! it leave the base (CWE-22, path traversal).
//!
//! ```
//! use std::path::Path;
//! use portcullis::sanitize::path::safe_join;
//!
//! assert_eq!(safe_join("/srv/uploads", "ann/avatar.png")?, Path::new("/srv/uploads/ann/avatar.png"));
//! for (evil, code) in [
//!     ("../../etc/passwd", "path_traversal"),
//!     ("%2e%2e/%2e%2e/etc/passwd", "path_traversal"),
//!     ("/etc/passwd", "absolute_path"),
//!     ("C:/Windows/win.ini", "absolute_path"),
//!     ("\\\\server\\share", "absolute_path"),
//!     ("a\\..\\b", "invalid_path"),
//!     ("a.png\0.txt", "invalid_path"),
//! ] {
//!     assert_eq!(safe_join("/srv/uploads", evil).unwrap_err().code(), code, "{evil:?}");
//! }
//! # Ok::<(), portcullis::sanitize::SanitizeError>(())
//! ```
//!
//! [`safe_join`] works on the text alone. When the base directory may hold symbolic
//! links that point elsewhere (an upload directory that users can populate, a
//! shared volume), use [`safe_join_resolved`], which follows the links that exist
//! and refuses a path that resolves outside the base.
//!
//! Either check is made before the file is opened, so a link created between the
//! check and the open is not seen. Where hostile processes can write inside the
//! base, open files relative to a directory handle with `RESOLVE_BENEATH`
//! (`openat2`, or the `cap-std` crate) instead.
//!
//! Untrusted paths are limited to [`MAX_PATH_BYTES`] (4 KiB).

use std::borrow::Cow;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use super::SanitizeError;

/// The longest untrusted path accepted: 4 KiB (Linux's `PATH_MAX`).
pub const MAX_PATH_BYTES: usize = 4096;

/// How many rounds of percent-decoding are checked; a path still changing after
/// that many (`%25252e…`) is refused.
const DECODE_ROUNDS: usize = 3;

/// Joins `untrusted`, a relative path with `/` separators, onto `base`.
///
/// Refused:
/// - `..` segments, and segments of dots alone (`...`), which Windows trims to `..`
///   ([`SanitizeError::PathTraversal`]);
/// - absolute paths, drive letters (`C:`) and UNC prefixes (`\\server`, `//server`)
///   ([`SanitizeError::AbsolutePath`]);
/// - empty paths or paths of only `.` and `/`, NUL and every other control
///   character (C0, DEL and C1), backslashes, colons (drive-relative paths and NTFS
///   streams), percent-encodings that do not decode to UTF-8, and segments Windows
///   would not take as plain names: device names (`CON`, `NUL.txt`, `COM1`, `LPT¹`,
///   any case) and names ending in a space or a dot, which Windows strips
///   ([`SanitizeError::InvalidPath`]);
/// - the percent-encoded forms of all of the above, up to three times encoded
///   (`%2e%2e%2f`, `%252e%252e`), in case a later layer decodes them;
/// - paths longer than [`MAX_PATH_BYTES`] ([`SanitizeError::TooLarge`]).
///
/// `.` segments and repeated slashes are dropped. The result always starts with
/// `base` and has only normal components after it. It is not checked against the
/// file system; see [`safe_join_resolved`].
///
/// # Errors
///
/// As listed above.
///
/// ```
/// use std::path::Path;
/// use portcullis::sanitize::path::safe_join;
///
/// assert_eq!(safe_join("/data", "./a//b/")?, Path::new("/data/a/b"));
/// assert_eq!(safe_join("/data", "100%25.txt")?, Path::new("/data/100%25.txt")); // kept as written
/// # Ok::<(), portcullis::sanitize::SanitizeError>(())
/// ```
pub fn safe_join(base: impl AsRef<Path>, untrusted: &str) -> Result<PathBuf, SanitizeError> {
    let segments = checked_segments(untrusted)?;
    let mut joined = base.as_ref().to_path_buf();
    for segment in segments {
        joined.push(segment);
    }
    Ok(joined)
}

/// As [`safe_join`], then follows the symbolic links that exist along the joined
/// path and refuses it if any of them leads outside `base`.
///
/// The result starts with `base` canonicalized (`std::fs::canonicalize`), with every
/// existing link along it resolved; the part that does not exist yet is appended
/// as written, so the result also serves for creating a file.
///
/// It reads the file system (one `lstat` per existing segment and a `canonicalize`
/// per link): in an async handler, call it inside `tokio::task::spawn_blocking`.
///
/// # Errors
///
/// As [`safe_join`]; [`SanitizeError::PathEscapesBase`] when a link resolves outside
/// `base`, or dangles (it cannot be shown to stay inside); [`SanitizeError::Io`]
/// when `base` cannot be canonicalized or a component cannot be inspected.
///
/// ```
/// use portcullis::sanitize::path::safe_join_resolved;
///
/// let base = std::env::temp_dir();
/// let path = safe_join_resolved(&base, "portcullis-doc/new-file.txt")?;
/// assert!(path.starts_with(std::fs::canonicalize(&base).unwrap()));
/// # Ok::<(), portcullis::sanitize::SanitizeError>(())
/// ```
pub fn safe_join_resolved(base: impl AsRef<Path>, untrusted: &str) -> Result<PathBuf, SanitizeError> {
    let segments = checked_segments(untrusted)?;
    let base = std::fs::canonicalize(base.as_ref()).map_err(|e| SanitizeError::Io(e.kind()))?;
    let mut current = base.clone();
    let mut rest = segments.iter();
    for segment in rest.by_ref() {
        let next = current.join(segment);
        match std::fs::symlink_metadata(&next) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let resolved = std::fs::canonicalize(&next).map_err(|e| match e.kind() {
                    ErrorKind::NotFound => SanitizeError::PathEscapesBase,
                    kind => SanitizeError::Io(kind),
                })?;
                if !resolved.starts_with(&base) {
                    return Err(SanitizeError::PathEscapesBase);
                }
                current = resolved;
            }
            Ok(_) => current = next,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                current = next;
                break;
            }
            Err(e) => return Err(SanitizeError::Io(e.kind())),
        }
    }
    for segment in rest {
        current.push(segment);
    }
    Ok(current)
}

/// The normal segments of `untrusted`, after checking it and its decoded forms.
fn checked_segments(untrusted: &str) -> Result<Vec<&str>, SanitizeError> {
    if untrusted.len() > MAX_PATH_BYTES {
        return Err(SanitizeError::TooLarge { limit: MAX_PATH_BYTES });
    }
    let mut current = Cow::Borrowed(untrusted);
    // Windows names are judged in every form too (`a.php%2e` decodes to a name
    // Windows trims to `a.php`), after traversal has been looked for in all of them.
    let mut windows_hazard = false;
    for round in 0..=DECODE_ROUNDS {
        check_form(&current)?;
        windows_hazard |= current.split('/').any(is_windows_hazard);
        match percent_decode(&current)? {
            Some(decoded) if round < DECODE_ROUNDS => current = Cow::Owned(decoded),
            Some(_) => return Err(SanitizeError::InvalidPath),
            None => break,
        }
    }
    let segments: Vec<&str> = untrusted.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    // Each segment is one normal component on this platform too (belt and braces:
    // check_form has already refused everything else).
    let all_normal = segments.iter().all(|segment| {
        let mut components = Path::new(segment).components();
        matches!(
            (components.next(), components.next()),
            (Some(Component::Normal(_)), None)
        )
    });
    if segments.is_empty() || !all_normal || windows_hazard {
        return Err(SanitizeError::InvalidPath);
    }
    Ok(segments)
}

/// Checks one form (as given, or decoded) of the path.
fn check_form(path: &str) -> Result<(), SanitizeError> {
    let bytes = path.as_bytes();
    if bytes.starts_with(b"/") || bytes.starts_with(b"\\") {
        return Err(SanitizeError::AbsolutePath);
    }
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(SanitizeError::AbsolutePath);
    }
    if bytes.is_empty() || path.chars().any(|c| c.is_control() || c == '\\' || c == ':') {
        return Err(SanitizeError::InvalidPath);
    }
    if path
        .split('/')
        .any(|segment| !segment.is_empty() && segment.bytes().all(|b| b == b'.') && segment != ".")
    {
        return Err(SanitizeError::PathTraversal);
    }
    Ok(())
}

/// A segment Windows would not take as a plain file name: a reserved device name
/// (`CON`, `NUL.txt`, `COM1`; any case, any extension), or one ending in a space or
/// a dot, which Win32 strips (`a.php.` opens `a.php`). The segment `.` is left to
/// the caller.
fn is_windows_hazard(segment: &str) -> bool {
    if segment.is_empty() || segment == "." {
        return false;
    }
    if segment.ends_with(' ') || segment.ends_with('.') {
        return true;
    }
    let stem = segment.split('.').next().unwrap_or(segment).trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    if matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$") {
        return true;
    }
    match (upper.get(..3), upper.get(3..)) {
        (Some("COM" | "LPT"), Some(digit)) => {
            matches!(
                digit,
                "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "\u{b9}" | "\u{b2}" | "\u{b3}"
            )
        }
        _ => false,
    }
}

/// Decodes `%HH` escapes; `None` when there are none. A decoding that is not UTF-8
/// (overlong `%c0%ae`, lone continuation bytes) is refused.
fn percent_decode(path: &str) -> Result<Option<String>, SanitizeError> {
    super::percent::decode(path.as_bytes())
        .map(String::from_utf8)
        .transpose()
        .map_err(|_| SanitizeError::InvalidPath)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_only_segments_are_traversal_but_dot_is_dropped() {
        assert_eq!(safe_join("/b", "...").unwrap_err(), SanitizeError::PathTraversal);
        assert_eq!(safe_join("/b", "a/./b").unwrap(), Path::new("/b/a/b"));
        assert_eq!(safe_join("/b", "./.").unwrap_err(), SanitizeError::InvalidPath);
    }

    #[test]
    fn repeated_encoding_is_decoded_three_times_then_refused() {
        assert_eq!(
            safe_join("/b", "%252e%252e/x").unwrap_err(),
            SanitizeError::PathTraversal
        );
        assert_eq!(
            safe_join("/b", "%25252e%25252e/x").unwrap_err(),
            SanitizeError::PathTraversal
        );
        assert_eq!(safe_join("/b", "%2525252e").unwrap_err(), SanitizeError::InvalidPath);
    }

    #[test]
    fn overlong_utf8_encodings_are_refused() {
        assert_eq!(
            safe_join("/b", "%c0%ae%c0%ae/x").unwrap_err(),
            SanitizeError::InvalidPath
        );
    }
}
