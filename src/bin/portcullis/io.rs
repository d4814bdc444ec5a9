//! Files and standard streams, with size limits.

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use zeroize::{Zeroize, Zeroizing};

use crate::ConfigError;

/// Largest file or standard input read whole: 1 MiB.
pub const MAX_INPUT_BYTES: u64 = 1024 * 1024;

/// Reads a whole file of at most [`MAX_INPUT_BYTES`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, ConfigError> {
    read_file_limited(path, MAX_INPUT_BYTES as usize)
}

/// Reads a whole file of at most `max` bytes.
pub fn read_file_limited(path: &Path, max: usize) -> Result<Vec<u8>, ConfigError> {
    let file = fs::File::open(path).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    read_bounded(file, max as u64, &path.display().to_string())
}

/// Reads all of standard input, at most [`MAX_INPUT_BYTES`].
pub fn read_stdin() -> Result<Vec<u8>, ConfigError> {
    read_bounded(std::io::stdin().lock(), MAX_INPUT_BYTES, "standard input")
}

fn read_bounded(reader: impl Read, max: u64, what: &str) -> Result<Vec<u8>, ConfigError> {
    let mut bytes = Vec::new();
    reader
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ConfigError(format!("{what}: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(ConfigError(format!("{what} is larger than {max} bytes")));
    }
    Ok(bytes)
}

/// Reads a secret of at most `max` bytes (plus one trailing newline) from `reader`
/// into a buffer sized once and zeroized on drop.
pub fn read_secret(reader: impl Read, max: usize, what: &str) -> Result<Zeroizing<Vec<u8>>, ConfigError> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(max + 2));
    reader
        .take(max as u64 + 2)
        .read_to_end(&mut bytes)
        .map_err(|e| ConfigError(format!("{what}: {e}")))?;
    let newline = usize::from(bytes.last() == Some(&b'\n'));
    if bytes.len() - newline > max {
        return Err(ConfigError(format!("{what} is longer than {max} bytes")));
    }
    Ok(bytes)
}

/// Writes `contents` to `path` atomically: into a new file beside it (created
/// exclusively, mode 0600 when `private`, else 0644 less the umask), flushed to disk,
/// then renamed over `path`. Whatever `path` was before (a file of looser mode, a
/// symbolic link to elsewhere) is replaced, never written through, and a reader sees
/// either the old contents or the new, never a part.
pub fn write_file(path: &Path, contents: &[u8], private: bool) -> Result<(), ConfigError> {
    let fail = |e: std::io::Error| ConfigError(format!("{}: {e}", path.display()));
    let name = path
        .file_name()
        .ok_or_else(|| ConfigError(format!("{}: not a file name", path.display())))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let (temp, mut file) = create_temp(dir, name, private).map_err(fail)?;
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(fail(e));
    }
    // The rename is durable once the directory is (best effort: not every
    // platform can open a directory).
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// A new file `.NAME.PID.N.tmp` in `dir`, created exclusively (never an existing
/// file or a link).
fn create_temp(dir: &Path, name: &std::ffi::OsStr, private: bool) -> std::io::Result<(std::path::PathBuf, fs::File)> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut attempt = 0u32;
    loop {
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{}.{attempt}.tmp", std::process::id()));
        let temp = dir.join(temp_name);
        match options.open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

/// One line of batch input.
pub enum Line {
    /// The line, without its line ending.
    Text(String),
    /// The line was longer than the limit (and has been skipped), or not UTF-8.
    Unreadable,
}

/// Reads lines of at most `max` bytes; a longer line is drained and reported as
/// [`Line::Unreadable`] so that one bad line costs one output line and bounded memory.
pub fn read_line(reader: &mut impl BufRead, max: usize) -> std::io::Result<Option<Line>> {
    // Lines may hold passwords: sized once, so growth leaves no copies behind, and
    // zeroized whenever they are dropped here.
    let mut line = Vec::with_capacity(max);
    let mut overflow = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            if line.is_empty() && !overflow {
                return Ok(None);
            }
            break;
        }
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(end) => (&available[..end], Some(end + 1)),
            None => (available, None),
        };
        if !overflow {
            if line.len() + chunk.len() > max {
                overflow = true;
                line.zeroize();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let consumed = done.unwrap_or(available.len());
        reader.consume(consumed);
        if done.is_some() {
            break;
        }
    }
    if overflow {
        return Ok(Some(Line::Unreadable));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(match String::from_utf8(line) {
        Ok(text) => Line::Text(text),
        Err(err) => {
            err.into_bytes().zeroize();
            Line::Unreadable
        }
    }))
}

/// Runs a `--batch` command: reads lines of at most `max_line` bytes from standard
/// input and writes `answer(line)` as one JSON line each, in order. Exit 0: a bad line
/// is answered, not fatal.
pub fn batch<T: serde::Serialize>(max_line: usize, mut answer: impl FnMut(Line) -> T) -> Result<ExitCode, ConfigError> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    while let Some(line) = read_line(&mut input, max_line)? {
        serde_json::to_writer(&mut out, &answer(line))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
